"""IODA (Internet Outage Detection and Analysis, Georgia Tech): outage events per country.

``GET {base}/outages/events?entityType=country&entityCode=IR&from=<unix>&until=<unix>
&format=codf&includeAlerts=false&limit=N&page=P`` answers the IODA envelope
``{"type", "metadata": {"requestTime", "responseTime"}, "requestParameters", "error", "perf",
"data", "copyright"}``. ``error`` is a string (and ``data`` null) when the request failed, even
with HTTP 200, so it is checked on every answer. ``data`` is a list of events in the ``codf``
format: ``location`` ("country/IR"), ``location_name``, ``start`` (epoch seconds),
``duration`` (seconds), ``uncertainty``, ``method``, ``datasource``, ``status``, ``fraction``,
``score``, ``overlaps_window``. ``page`` counts from 0 and only works together with ``limit``;
pages are read until one returns fewer than ``limit`` rows. An event still going on at
``until`` is cut there (``overlaps_window`` true) and grows on a later run: its id does not
depend on its duration, so the later run updates it.

What lands:

- ``event`` rows (source ``ioda``, kind ``outage``, severity = IODA's score), one per
  (location, datasource, detection method, start); id
  ``ioda:<location>:<datasource>:<method>:<start>``, stable across runs. End state (see
  :mod:`roamwatch.events`): ``known`` with ``end_time`` = start + duration, except an event IODA
  reports as still open at the end of the window asked for (``overlaps_window`` and reaching
  ``until``): ``ongoing``, no ``end_time``, ``details.as_of`` = the window's end. The next run
  sees its real end and updates it.
- the daily metric ``ioda.outage_hours``: hours of the UTC day covered by at least one event of
  any datasource (the union of the event intervals clipped to the day, so overlapping events
  seen by several datasources count once). A value is stored only for days that lie wholly
  inside the window that was asked for, so ``0`` means "asked, no outage" and a missing row
  means "not collected"; the day still in progress gets its value on the next run. The request
  starts ``context_days`` before the first stored day, so an outage already under way at the
  start of the window is seen and counted.

One unit per country and window (``"IR 2025-01-01..2025-03-01"``: the days whose metric the
unit stores, inclusive), so one failed country never stops the others, and a unit that failed
is asked again, with its own window, by the next run. Incremental runs start ``overlap_days``
before the latest stored day; ``--full`` asks for ``history_days`` again.
"""

from __future__ import annotations

import math
import re
import time
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from collectors.base import Batch, Collector, RunContext, SourceError, as_date, setting_date
from roamwatch.countries import iso2_to_iso3, reference_countries
from roamwatch.events import KNOWN, ONGOING
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

METRIC_ID = "ioda.outage_hours"
METRIC = MetricInfo(
    id=METRIC_ID,
    source="ioda",
    source_code="outages/events",
    name="IODA: hours of Internet outage per day",
    unit="hours",
    frequency="day",
    description=(
        "Hours of the UTC day during which IODA detected an outage for the country in at least "
        "one data source (BGP, active probing, telescope, Google traffic): the union of IODA "
        "outage events, so overlapping events are counted once (0 to 24). 0 means the day was "
        "queried and no outage was found; a day that was not collected has no value."
    ),
)
#: Codes in the reference list that IODA does not know (not ISO 3166 codes).
NOT_IN_IODA = frozenset({"JG"})
DAY_SECONDS = 86400
_ISO2 = re.compile(r"^[A-Z]{2}$")
_UNIT = re.compile(r"^([A-Z]{2}) (\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
EVENT_COLUMNS = [
    "id", "source", "country", "start_time", "end_time", "end_state", "kind", "severity", "details",
]
OBS_COLUMNS = ["metric", "country", "period", "value"]


# -- units ---------------------------------------------------------------------------------------
def make_unit(iso2: str, first: date, last: date) -> str:
    return f"{iso2} {first.isoformat()}..{last.isoformat()}"


def parse_unit(unit: str) -> tuple[str, date, date]:
    match = _UNIT.match(unit)
    if not match:
        raise SourceError(f"not an IODA unit: {unit!r} (expected 'CC YYYY-MM-DD..YYYY-MM-DD')")
    return match.group(1), date.fromisoformat(match.group(2)), date.fromisoformat(match.group(3))


def _epoch(day: date) -> int:
    return int(datetime(day.year, day.month, day.day, tzinfo=UTC).timestamp())


def _day_of(epoch: float) -> date:
    return datetime.fromtimestamp(epoch, UTC).date()




def country_codes(settings: dict[str, Any]) -> list[str]:
    """The ISO2 codes to ask for: the ``countries`` setting, or every reference country."""
    configured = settings.get("countries")
    if configured is None:
        codes = [row["iso2"] for row in reference_countries() if row.get("iso2")]
        return sorted({c.upper() for c in codes} - NOT_IN_IODA)
    if isinstance(configured, str):
        configured = [c for c in re.split(r"[\s,]+", configured) if c]
    codes = [str(c).strip().upper() for c in configured]
    bad = [c for c in codes if not _ISO2.match(c)]
    if bad:
        raise SourceError(f"IODA 'countries' must be ISO 3166-1 alpha-2 codes; got {bad!r}")
    return list(dict.fromkeys(codes))


# -- payload -------------------------------------------------------------------------------------
def check_envelope(payload: Any, url: str) -> list:
    """The ``data`` rows of an IODA envelope; raises :class:`SourceError` for an error envelope."""
    if not isinstance(payload, dict):
        raise SourceError(
            f"unexpected IODA payload from {url}: expected an envelope object, "
            f"got {type(payload).__name__}"
        )
    error = payload.get("error")
    if error not in (None, "", [], {}):
        raise SourceError(f"IODA API error for {url}: {error}")
    if "data" not in payload:
        keys = ", ".join(sorted(map(str, payload))) or "none"
        raise SourceError(f"IODA envelope from {url} has no 'data' (keys: {keys})")
    data = payload["data"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise SourceError(f"IODA 'data' from {url} is {type(data).__name__}, not a list of events")
    return data


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int | float):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, str):
        try:
            number = float(value.strip())
        except ValueError:
            return None
        return number if math.isfinite(number) else None
    return None


def event_id(location: str, datasource: str, method: str, start: int) -> str:
    return f"ioda:{location}:{datasource}:{method}:{start}"


def parse_events(
    rows: list, iso2: str, until: int | None = None
) -> tuple[pd.DataFrame, list[tuple[int, int]], Counter, Counter]:
    """IODA ``codf`` events of one country → (event frame, [(start, end)] in epoch s, rejected,
    skipped). Fields other than the known ones are ignored (schema drift is harmless).
    ``until``: the end of the window asked for (epoch s); an event reaching it that IODA marks
    ``overlaps_window`` is still open: ``ongoing`` as of ``until``."""
    iso3 = iso2_to_iso3(iso2)
    if iso3 is None:
        raise SourceError(f"{iso2!r} is not a country code roamwatch knows")
    expected = f"country/{iso2}"
    rejected: Counter = Counter()
    skipped: Counter = Counter()
    by_id: dict[str, dict] = {}
    intervals: dict[str, tuple[int, int]] = {}
    for row in rows:
        if not isinstance(row, dict):
            rejected["event is not an object"] += 1
            continue
        location = row.get("location")
        if not isinstance(location, str) or not location.strip():
            rejected["event without location"] += 1
            continue
        location = location.strip()
        if location.upper() != expected.upper():
            rejected["event for another location"] += 1
            continue
        location = expected
        start = _number(row.get("start"))
        duration = _number(row.get("duration"))
        if start is None or start <= 0 or not float(start).is_integer():
            rejected["missing or malformed start"] += 1
            continue
        if duration is None or duration < 0:
            rejected["missing or negative duration"] += 1
            continue
        datasource = row.get("datasource")
        if not isinstance(datasource, str) or not datasource.strip():
            rejected["missing datasource"] += 1
            continue
        method = row.get("method")
        method = method.strip() if isinstance(method, str) else ""
        start_s, end_s = int(start), int(start + duration)
        score = row.get("score")
        severity = _number(score)
        if score is not None and severity is None:
            rejected["score not numeric"] += 1
            continue
        ident = event_id(location, datasource.strip(), method, start_s)
        if ident in by_id:
            skipped["duplicate event"] += 1
        still_open = until is not None and end_s >= until and row.get("overlaps_window") is True
        by_id[ident] = {
            "id": ident,
            "source": "ioda",
            "country": iso3,
            "start_time": pd.Timestamp(start_s, unit="s"),
            "end_time": None if still_open else pd.Timestamp(end_s, unit="s"),
            "end_state": ONGOING if still_open else KNOWN,
            "kind": "outage",
            "severity": severity,
            "details": {
                "datasource": datasource.strip(),
                "method": method,
                "location": location,
                "location_name": row.get("location_name"),
                "fraction": row.get("fraction"),
                "status": row.get("status"),
                "uncertainty": row.get("uncertainty"),
                "overlaps_window": row.get("overlaps_window"),
                **({"as_of": pd.Timestamp(until, unit="s").isoformat()} if still_open else {}),
            },
        }
        intervals[ident] = (start_s, end_s)
    frame = pd.DataFrame(list(by_id.values()), columns=EVENT_COLUMNS)
    if not frame.empty:
        frame["start_time"] = pd.to_datetime(frame["start_time"])
        frame["end_time"] = pd.to_datetime(frame["end_time"])
    return frame, list(intervals.values()), rejected, skipped


def outage_hours(intervals: list[tuple[int, int]], first: date, last: date) -> dict[date, float]:
    """Hours of each UTC day ``first``..``last`` covered by the union of ``intervals``
    (epoch seconds, end exclusive). Every day of the range gets a value, 0 included."""
    seconds = {first + timedelta(days=i): 0 for i in range((last - first).days + 1)}
    if not seconds:
        return {}
    lo, hi = _epoch(first), _epoch(last + timedelta(days=1))
    merged: list[list[int]] = []
    for start, end in sorted((max(s, lo), min(e, hi)) for s, e in intervals):
        if end <= start:
            continue
        if merged and start <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], end)
        else:
            merged.append([start, end])
    for start, end in merged:
        cursor = start
        while cursor < end:
            day = _day_of(cursor)
            day_end = _epoch(day + timedelta(days=1))
            piece = min(end, day_end) - cursor
            seconds[day] += piece
            cursor += piece
    return {day: secs / 3600.0 for day, secs in seconds.items()}


# -- collector -----------------------------------------------------------------------------------
class Ioda(Collector):
    name = "ioda"
    collected_from = "the IODA API v2 (outage events and signals per country)"
    retry_failed_units = True
    source = SourceInfo(
        id="ioda",
        name="IODA (Internet Outage Detection and Analysis), Georgia Tech",
        homepage="https://ioda.inetintel.cc.gatech.edu/",
        licence=N_("IODA terms of use (Georgia Tech Research Corporation); no open data licence stated"),
        licence_url="https://ioda.inetintel.cc.gatech.edu/",
        citation=(
            "IODA: Internet Outage Detection and Analysis, Internet Intelligence Lab, Georgia "
            "Institute of Technology; outage events via api.ioda.inetintel.cc.gatech.edu/v2"
        ),
        terms=N_(
            "Every API answer says: 'This data is Copyright (c) 2021 Georgia Tech Research "
            "Corporation. All Rights Reserved.' No open data licence is published; cite IODA "
            "and check its terms before redistributing the events themselves."
        ),
    )
    defaults = {
        "base_url": "https://api.ioda.inetintel.cc.gatech.edu/v2",
        "schedule": "15 3 * * *",  # daily, 03:15 UTC
        "enabled": True,
        "countries": None,  # None: every reference country; or a list of ISO2 codes
        "history_days": 365,  # first (or --full) run: this many days up to today
        "overlap_days": 2,  # incremental runs start this many days before the latest stored day
        "context_days": 1,  # the request starts this many days before the first stored day
        "page_size": 2000,  # events per request (IODA's limit parameter)
        "max_pages": 50,  # per unit; more pages than this fail the unit
        "min_interval": 1.0,  # seconds between requests (IODA publishes no rate limit)
        # Optional ISO date "last_day" replaces today as the end of the window (reproducible runs).
    }

    # -- planning --------------------------------------------------------------------------------
    def plan(self, ctx: RunContext) -> list[str]:
        settings = ctx.settings
        last = setting_date(settings, "last_day", "IODA") or datetime.now(UTC).date()
        first = last - timedelta(days=max(1, int(settings.get("history_days", 365))) - 1)
        stored = None if ctx.full else as_date(ctx.latest_period(METRIC_ID))
        if stored is not None:
            overlap = max(0, int(settings.get("overlap_days", 2)))
            first = min(last, max(first, stored - timedelta(days=overlap)))
        return [make_unit(cc, first, last) for cc in country_codes(settings)]

    # -- fetching --------------------------------------------------------------------------------

    def _get(self, ctx: RunContext, url: str, params: dict[str, Any]) -> list:
        payload = ctx.http.get_json(url, params)
        return check_envelope(payload, url)

    def fetch_rows(self, ctx: RunContext, iso2: str, start: int, until: int) -> list:
        """Every event row of every page for one country and window."""
        url = f"{ctx.settings['base_url'].rstrip('/')}/outages/events"
        limit = max(1, int(ctx.settings.get("page_size", 2000)))
        max_pages = max(1, int(ctx.settings.get("max_pages", 50)))
        rows: list = []
        previous_first: Any = None
        for page in range(max_pages):
            params = {
                "entityType": "country",
                "entityCode": iso2,
                "from": start,
                "until": until,
                "format": "codf",
                "includeAlerts": "false",
                "limit": limit,
                "page": page,
            }
            data = self._get(ctx, url, params)
            if data and page > 0 and data[0] == previous_first:
                # A server that ignores ``page`` would otherwise be read max_pages times.
                raise SourceError(f"IODA returned the same page twice for {iso2} (page {page})")
            rows.extend(data)
            if len(data) < limit:
                return rows
            previous_first = data[0]
        raise SourceError(
            f"IODA events for {iso2} need more than {max_pages} pages of {limit}; "
            "raise page_size or max_pages"
        )

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        iso2, first, last = parse_unit(unit)
        if iso2_to_iso3(iso2) is None:
            raise SourceError(f"{iso2!r} is not a country code roamwatch knows")
        context = max(0, int(ctx.settings.get("context_days", 1)))
        start = _epoch(first - timedelta(days=context))
        until = min(int(time.time()), _epoch(last + timedelta(days=1)))
        rows = self.fetch_rows(ctx, iso2, start, until)
        events, intervals, rejected, skipped = parse_events(rows, iso2, until)
        if rows and sum(rejected.values()) == len(rows):
            # events came and none could be read: outage hours derived from none would be 0
            reasons = "; ".join(f"{r} ({n})" for r, n in rejected.most_common(3))
            raise SourceError(f"IODA answered {len(rows)} event(s) for {iso2} and none could be read "
                              f"({reasons}): the format may have changed; nothing was written")
        # Days wholly inside the window asked for get a value; a day still in progress does not.
        complete_last = _day_of(until) - timedelta(days=1)
        hours = outage_hours(intervals, first, min(last, complete_last))
        iso3 = iso2_to_iso3(iso2)
        observations = pd.DataFrame(
            [
                {"metric": METRIC_ID, "country": iso3, "period": d.isoformat(), "value": h}
                for d, h in sorted(hours.items())
            ],
            columns=OBS_COLUMNS,
        )
        return Batch(
            observations=observations,
            events=events,
            metrics=[METRIC],
            rejected=rejected,
            skipped=skipped,
        )


COLLECTORS = (Ioda,)
