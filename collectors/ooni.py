"""OONI (Open Observatory of Network Interference): daily measurement counts per country.

``GET {base}/api/v1/aggregation?test_name=T&since=D1&until=D2&axis_x=measurement_start_day
&axis_y=probe_cc&time_grain=day`` answers ``{"v": 0, "dimension_count": 2, "db_stats": {...},
"result": [{anomaly_count, confirmed_count, failure_count, ok_count, measurement_count,
measurement_start_day, probe_cc}, ...]}``. ``since`` is inclusive, ``until`` exclusive.

The four buckets (anomaly, confirmed, failure, ok) partition the measurements, so they must add
up to ``measurement_count``; a row where they do not is rejected and counted. ``probe_cc`` is
ISO 3166-1 alpha-2; ``ZZ`` means unknown and never lands.

Bad parameters come back either as HTTP 400 or as HTTP 200 with an error body; both fail the
unit with a :class:`~collectors.base.SourceError`. The API is rate limited (10 requests per
minute per client by default): the collector asks for every country at once, per test and
window, and keeps ``min_interval`` seconds between its requests. Day grain is allowed for
ranges up to 365 days; windows are kept to at most 30 days.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pandas as pd

from collectors.base import Batch, Collector, RunContext, SourceError, as_date, setting_date
from roamwatch.countries import iso2_to_iso3
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

#: The four buckets that partition the measurements, then their total.
PARTS = ("anomaly_count", "confirmed_count", "failure_count", "ok_count")
TOTAL = "measurement_count"
BUCKETS = (*PARTS, TOTAL)
BUCKET_NAMES = {
    "anomaly_count": "measurements with an anomaly",
    "confirmed_count": "measurements with confirmed blocking",
    "failure_count": "failed measurements",
    "ok_count": "measurements without an anomaly",
    "measurement_count": "measurements",
}
BUCKET_DEFINITIONS = {
    "anomaly_count": "anomaly flagged, not confirmed, measurement did not fail",
    "confirmed_count": "blocking confirmed (e.g. a known blockpage), measurement did not fail",
    "failure_count": "the measurement itself failed",
    "ok_count": "no anomaly, not confirmed, measurement did not fail",
    "measurement_count": "all measurements (the sum of the four other buckets)",
}
UNKNOWN_CC = "ZZ"
MAX_WINDOW_DAYS = 30
_TEST_NAME = re.compile(r"^[a-z0-9_]+$")
_DAY = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:T00:00:00Z?)?$")
_UNIT = re.compile(r"^([a-z0-9_]+) (\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$")
COLUMNS = ["metric", "country", "period", "value"]


def metric_id(test: str, bucket: str) -> str:
    return f"ooni.{test}.{bucket}"


def metric_infos(test: str) -> list[MetricInfo]:
    return [
        MetricInfo(
            id=metric_id(test, bucket),
            source="ooni",
            source_code=f"{test}.{bucket}",
            name=f"OONI {test}: {BUCKET_NAMES[bucket]}",
            unit="measurements",
            frequency="day",
            description=(
                f"Daily count of OONI {test} measurements per probe country: "
                f"{BUCKET_DEFINITIONS[bucket]}. Counts depend on how many volunteers ran the "
                "test; compare shares, not raw counts, across countries."
            ),
        )
        for bucket in BUCKETS
    ]


def window_unit(test: str, first: date, last: date) -> str:
    """``"web_connectivity 2025-01-01..2025-01-30"``: one test, days ``first`` to ``last`` inclusive."""
    return f"{test} {first.isoformat()}..{last.isoformat()}"


def parse_unit(unit: str) -> tuple[str, date, date]:
    match = _UNIT.match(unit)
    if not match:
        raise SourceError(f"not an OONI unit: {unit!r} (expected 'TEST YYYY-MM-DD..YYYY-MM-DD')")
    return match.group(1), date.fromisoformat(match.group(2)), date.fromisoformat(match.group(3))


def windows(first: date, last: date, size: int) -> list[tuple[date, date]]:
    """``[first, last]`` (inclusive) cut into consecutive windows of at most ``size`` days."""
    size = max(1, min(MAX_WINDOW_DAYS, int(size)))
    out = []
    start = first
    while start <= last:
        end = min(last, start + timedelta(days=size - 1))
        out.append((start, end))
        start = end + timedelta(days=1)
    return out


def check_payload(payload: Any, url: str) -> list:
    """The ``result`` rows of an aggregation answer; raises :class:`SourceError` for error bodies."""
    if not isinstance(payload, dict):
        raise SourceError(
            f"unexpected OONI payload from {url}: expected an object, got {type(payload).__name__}"
        )
    if payload.get("error") not in (None, "", False):
        raise SourceError(f"OONI API error for {url}: {payload['error']}")
    if "result" not in payload:
        for key in ("msg", "detail", "message"):
            if payload.get(key):
                raise SourceError(f"OONI API error for {url}: {payload[key]}")
        keys = ", ".join(sorted(map(str, payload))) or "none"
        raise SourceError(f"OONI payload from {url} has no 'result' (keys: {keys})")
    dims = payload.get("dimension_count")
    if dims is not None and dims != 2:
        raise SourceError(f"OONI payload from {url} has dimension_count {dims!r}, expected 2")
    result = payload["result"]
    if result is None:
        return []
    if not isinstance(result, list):
        raise SourceError(
            f"OONI 'result' from {url} is {type(result).__name__}, not a list of rows"
        )
    return result


def _count(value: Any) -> int | None:
    """A non-negative integer count, or None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    if isinstance(value, str) and value.strip().isdigit():
        return int(value.strip())
    return None


SUM_MISMATCH = "buckets do not sum to measurement_count"


def parse_rows(
    rows: list, test: str, first: date | None = None, last: date | None = None
) -> tuple[pd.DataFrame, Counter, Counter, Counter]:
    """Aggregation rows → (metric, country, period, value) rows, five per (country, day).

    Returns the frame and the ``rejected``, ``skipped`` and ``unmapped`` counters. ``first`` and
    ``last`` (inclusive) bound the days asked for; a row outside them is rejected.
    """
    out: list[dict] = []
    rejected: Counter = Counter()
    skipped: Counter = Counter()
    unmapped: Counter = Counter()
    seen: set[tuple[str, str]] = set()
    for row in rows:
        if not isinstance(row, dict):
            rejected["row is not an object"] += 1
            continue
        cc = row.get("probe_cc")
        if not isinstance(cc, str) or not cc.strip():
            rejected["missing probe_cc"] += 1
            continue
        cc = cc.strip().upper()
        if cc == UNKNOWN_CC:
            skipped["probe_cc ZZ (unknown country)"] += 1
            continue
        iso3 = iso2_to_iso3(cc)
        if iso3 is None:
            unmapped[cc] += 1
            continue
        day_match = _DAY.match(str(row.get("measurement_start_day") or "").strip())
        try:
            day = date.fromisoformat(day_match.group(1)) if day_match else None
        except ValueError:
            day = None
        if day is None:
            rejected["missing or malformed measurement_start_day"] += 1
            continue
        if (first is not None and day < first) or (last is not None and day > last):
            rejected["day outside the requested window"] += 1
            continue
        missing = [b for b in BUCKETS if b not in row]
        if missing:
            rejected["missing field " + ", ".join(missing)] += 1
            continue
        counts = {b: _count(row[b]) for b in BUCKETS}
        if any(v is None for v in counts.values()):
            rejected["count not a non-negative integer"] += 1
            continue
        if sum(counts[b] for b in PARTS) != counts[TOTAL]:
            rejected[SUM_MISMATCH] += 1
            continue
        period = day.isoformat()
        if (iso3, period) in seen:
            rejected["duplicate country and day"] += 1
            continue
        seen.add((iso3, period))
        for bucket in BUCKETS:
            out.append(
                {"metric": metric_id(test, bucket), "country": iso3, "period": period,
                 "value": float(counts[bucket])}
            )
    return pd.DataFrame(out, columns=COLUMNS), rejected, skipped, unmapped




class Ooni(Collector):
    name = "ooni"
    collected_from = "the OONI API (aggregation, one request per test and window, paced)"
    retry_failed_units = True
    source = SourceInfo(
        id="ooni",
        name="OONI (Open Observatory of Network Interference)",
        homepage="https://ooni.org/",
        licence="CC BY-SA 4.0",
        licence_url="https://creativecommons.org/licenses/by-sa/4.0/",
        citation=(
            "OONI: Open Observatory of Network Interference, measurement data via "
            "api.ooni.io/api/v1/aggregation"
        ),
        terms=N_(
            "OONI data is published under CC BY-SA 4.0: attribute OONI and share derived data "
            "alike. The API is rate limited and not meant for bulk export."
        ),
    )
    defaults = {
        "base_url": "https://api.ooni.io",
        "schedule": "30 2 * * *",  # daily, 02:30 UTC
        "enabled": True,
        "tests": [
            "web_connectivity", "signal", "whatsapp", "telegram", "facebook_messenger", "tor",
        ],
        "history_days": 365,  # first (or full) run: this many days up to today
        "window_days": 30,  # days per request; at most 30
        "overlap_days": 3,  # incremental runs re-ask this many days before the last stored one
        "min_interval": 6.5,  # seconds between requests (the API allows 10 per minute)
        # Optional ISO dates: "first_day" replaces history_days as the start of history,
        # "last_day" replaces today as its end (for backfills and reproducible runs).
    }

    # -- planning --------------------------------------------------------------------------------
    @staticmethod
    def _tests(settings: dict[str, Any]) -> list[str]:
        tests = settings.get("tests") or []
        if isinstance(tests, str):
            tests = [t.strip() for t in tests.split(",") if t.strip()]
        bad = [t for t in tests if not isinstance(t, str) or not _TEST_NAME.match(t)]
        if bad:
            raise SourceError(f"OONI test names must match [a-z0-9_]+; got {bad!r}")
        return list(dict.fromkeys(tests))

    def plan(self, ctx: RunContext) -> list[str]:
        settings = ctx.settings
        last = setting_date(settings, "last_day", "OONI") or datetime.now(UTC).date()
        history_first = setting_date(settings, "first_day", "OONI") or (
            last - timedelta(days=max(1, int(settings.get("history_days", 365))) - 1)
        )
        overlap = max(0, int(settings.get("overlap_days", 3)))
        size = int(settings.get("window_days", MAX_WINDOW_DAYS))
        units: list[str] = []
        for test in self._tests(settings):
            first = history_first
            stored = None if ctx.full else as_date(ctx.latest_period_start(f"ooni.{test}."))
            if stored is not None:
                first = max(history_first, stored - timedelta(days=overlap))
            units.extend(window_unit(test, a, b) for a, b in windows(first, last, size))
        return units

    # -- fetching --------------------------------------------------------------------------------

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        test, first, last = parse_unit(unit)
        url = f"{ctx.settings['base_url'].rstrip('/')}/api/v1/aggregation"
        params = {
            "test_name": test,
            "since": first.isoformat(),
            "until": (last + timedelta(days=1)).isoformat(),
            "axis_x": "measurement_start_day",
            "axis_y": "probe_cc",
            "time_grain": "day",
        }
        payload = ctx.http.get_json(url, params)
        rows = check_payload(payload, url)
        frame, rejected, skipped, unmapped = parse_rows(rows, test, first, last)
        # parts that do not add up to their total: the source contradicts itself (run partial)
        inconsistent = Counter({SUM_MISMATCH: rejected.pop(SUM_MISMATCH)}) if SUM_MISMATCH in rejected \
            else Counter()
        return Batch(
            observations=frame,
            metrics=metric_infos(test),
            rejected=rejected,
            skipped=skipped,
            unmapped=unmapped,
            inconsistent=inconsistent,
        )


COLLECTORS = (Ooni,)
