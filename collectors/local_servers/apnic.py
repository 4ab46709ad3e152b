"""A local APNIC Labs v6stats server: ``/v6stats/v6economy/{CC}.json``.

Speaks the format third-party clients read from ``data1.labs.apnic.net``: an object with
``copyright``, ``description`` and ``data``, a list of daily records ``{date, cc, raw{seen,
capable, capable_pc, preferred, preferred_pc}, "30"{...smoothed...}, updated}`` covering the
economy's whole history. An economy without data is a plain 404 page (as a static file server
answers). Counts are a deterministic function of (economy, day) so tests can check the sums;
faults (5xx, 429, truncated or malformed bodies) are scripted with :meth:`LocalServer.fail`.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta

from collectors.local_servers.base import LocalServer, Reply, json_reply

COPYRIGHT = "(C) APNIC Pty/Ltd. re-use with attribution permitted"
FIRST_DAY, LAST_DAY = date(2024, 10, 1), date(2025, 2, 14)
#: IPv6-capable and -preferred shares (%) the counts are built around, per economy.
SHARES = {"KE": (20.0, 18.0), "IN": (70.0, 67.0), "BR": (45.0, 42.0), "FR": (80.0, 77.0)}


def counts(cc: str, day: date) -> tuple[int, int, int]:
    """``(seen, capable, preferred)`` for one economy and day."""
    h = int(hashlib.sha256(f"{cc}|{day}".encode()).hexdigest()[:8], 16)
    seen = 2000 + h % 3000
    cap_pc, pref_pc = SHARES[cc]
    wobble = (h >> 12) % 7 - 3  # -3..3 percentage points
    capable = round(seen * (cap_pc + wobble) / 100)
    preferred = min(capable, round(seen * (pref_pc + wobble) / 100))
    return seen, capable, preferred


class ApnicServer(LocalServer):
    def __init__(self) -> None:
        super().__init__()
        self.first_day, self.last_day = FIRST_DAY, LAST_DAY
        self.extra_field = False  # schema drift: unknown fields in records and the envelope
        self.skip_days: set[date] = set()  # days with no record (gaps)
        self.overrides: dict[tuple[str, date], dict] = {}  # replace one record entirely
        self.extra_records: dict[str, list] = {}  # appended verbatim

    def record(self, cc: str, day: date) -> dict:
        if (cc, day) in self.overrides:
            return self.overrides[(cc, day)]
        seen, capable, preferred = counts(cc, day)
        rec = {
            "date": day.isoformat(),
            "cc": cc,
            "raw": {
                "seen": seen,
                "capable": capable,
                "capable_pc": round(100 * capable / seen, 2),
                "preferred": preferred,
                "preferred_pc": round(100 * preferred / seen, 2),
            },
            "30": {"seen": seen * 0.98, "capable": capable * 0.97,
                   "capable_pc": round(100 * capable / seen, 2) - 0.1,
                   "preferred": preferred * 0.97,
                   "preferred_pc": round(100 * preferred / seen, 2) - 0.1},
            "updated": (day + timedelta(days=1)).strftime("%Y-%m-%d:00:00:00"),
        }
        if self.extra_field:
            rec["90"] = {"seen": 1.0}
            rec["weight"] = 0.42
        return rec

    def payload(self, cc: str) -> dict:
        data = []
        day = self.first_day
        while day <= self.last_day:
            if day not in self.skip_days:
                data.append(self.record(cc, day))
            day += timedelta(days=1)
        data.extend(self.extra_records.get(cc, []))
        body = {"copyright": COPYRIGHT, "description": f"IPv6 time series for {cc}",
                "data": data}
        if self.extra_field:
            body["generated"] = "2025-02-15T00:00:00Z"
        return body

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        parts = [p for p in path.split("/") if p]
        if (len(parts) == 3 and parts[:2] == ["v6stats", "v6economy"]
                and parts[2].endswith(".json")):
            cc = parts[2][: -len(".json")]
            if cc in SHARES:
                return json_reply(self.payload(cc))
        return Reply(status=404, body=b"<html><body><h1>404 Not Found</h1></body></html>",
                     headers={"Content-Type": "text/html"})
