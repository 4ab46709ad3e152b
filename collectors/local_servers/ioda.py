"""A local IODA API v2: ``/v2/outages/events`` in the real envelope format.

Every answer is the IODA envelope ``{type, metadata{requestTime, responseTime},
requestParameters, error, perf, data, copyright}``; a bad request (missing ``from``/``until``,
an unknown country, ``page`` without ``limit``) comes back as HTTP 200 with ``error`` set and
``data`` null, as the real server's ``Envelope::setError`` does. Events are in the ``codf``
format; ``page`` counts from 0 and slices ``limit`` rows, ordered by start time.
Faults (500, 429 with ``Retry-After``, truncated or malformed bodies) are scripted with
:meth:`LocalServer.fail`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from collectors.local_servers.base import LocalServer, Reply, json_reply

COPYRIGHT = "This data is Copyright (c) 2021 Georgia Tech Research Corporation. All Rights Reserved."
NAMES = {"IR": "Iran", "KE": "Kenya", "CF": "Central African Republic", "UG": "Uganda",
         "FR": "France", "TR": "Turkey"}


@dataclass
class Event:
    country: str  # ISO2
    start: int  # epoch seconds
    duration: int  # seconds
    datasource: str = "bgp"
    method: str = "median"
    score: float | None = 100.0
    fraction: float | None = None


def ts(text: str) -> int:
    """``"2025-03-01T22:00"`` (UTC) → epoch seconds."""
    return int(datetime.fromisoformat(text).replace(tzinfo=UTC).timestamp())


class IodaServer(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.events: list[Event] = []
        self.countries = set(NAMES)
        self.extra_field = False  # schema drift: unknown fields in every event and the envelope
        self.ignore_page = False  # a server that always answers the first page

    def envelope(self, query: dict[str, str], data: object = None,
                 error: str | None = None) -> dict:
        now = datetime.now(UTC).isoformat(timespec="seconds")
        env = {
            "type": "outages.events",
            "metadata": {"requestTime": now, "responseTime": now},
            "requestParameters": {
                "entityType": query.get("entityType"), "entityCode": query.get("entityCode"),
                "from": query.get("from"), "until": query.get("until"),
                "format": query.get("format", "codf"), "limit": query.get("limit"),
                "page": query.get("page"),
            },
            "error": error,
            "perf": {"influxQueryTime": 0.01},
            "data": None if error else data,
            "copyright": COPYRIGHT,
        }
        if self.extra_field:
            env["apiVersion"] = "v2.9"
        return env

    def row(self, event: Event, start: int) -> dict:
        row = {
            "location": f"country/{event.country}",
            "location_name": NAMES.get(event.country, event.country),
            "start": event.start,
            "duration": event.duration,
            "uncertainty": None,
            "method": event.method,
            "datasource": event.datasource,
            "status": 0,
            "fraction": event.fraction,
            "score": event.score,
            "overlaps_window": event.start < start,
        }
        if self.extra_field:
            row["confidence"] = {"level": "high"}
            row["asn_count"] = 12
        return row

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        if path.rstrip("/") != "/v2/outages/events":
            return json_reply({"error": f"No route found for GET {path}"}, status=404)
        for key in ("from", "until"):
            if not query.get(key, "").isdigit():
                return json_reply(self.envelope(query, error=f"'{key}' timestamp must be set"))
        if query.get("entityType") != "country":
            return json_reply(self.envelope(query, error="entityType must be country here"))
        code = query.get("entityCode", "")
        if code not in self.countries:
            return json_reply(self.envelope(query, error=f"Unknown entity code: country/{code}"))
        if "page" in query and "limit" not in query:
            return json_reply(self.envelope(query, error="limit also needs to be set if page is set"))
        start, until = int(query["from"]), int(query["until"])
        chosen = sorted(
            (e for e in self.events
             if e.country == code and e.start <= until and e.start + e.duration >= start),
            key=lambda e: (e.start, e.datasource, e.method),
        )
        rows = []
        for e in chosen:
            row = self.row(e, start)
            if e.start + e.duration > until:  # still going on at the window end: cut there
                row["duration"] = until - e.start
                row["overlaps_window"] = True
            rows.append(row)
        if "limit" in query:
            limit = int(query["limit"])
            page = 0 if self.ignore_page else int(query.get("page", 0))
            rows = rows[limit * page: limit * (page + 1)]
        return json_reply(self.envelope(query, data=rows))
