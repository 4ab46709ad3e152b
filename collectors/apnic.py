"""APNIC Labs IPv6 measurement: monthly IPv6-capable and IPv6-preferred shares per country.

``GET {base}/v6stats/v6economy/{ISO2}.json`` answers the economy's whole daily history (APNIC
republishes it every day)::

    {"copyright": "...", "description": "...",
     "data": [{"date": "2025-01-31", "cc": "KE",
               "raw": {"seen": N, "capable": N, "capable_pc": x, "preferred": N,
                       "preferred_pc": x},
               "30": {...smoothed...}, "updated": "..."}, ...]}

``seen`` is the number of measured users (ad impressions) that day, ``capable`` those that could
fetch an IPv6-only object, ``preferred`` those that used IPv6 when offered both. The parser is
liberal in what it accepts (a bare list of records, counts beside ``raw`` instead of inside it,
counts as numeric strings, a count missing but its ``*_pc`` percentage present, unknown extra
fields) and strict in what it keeps: counts must be non-negative numbers with
``capable <= seen`` and ``preferred <= seen``, dates real ISO dates, ``cc`` (when given) the
economy asked for, one record per date; anything else is rejected and counted by reason.

Monthly values: ``apnic.ipv6_capable`` = 100 × Σ capable / Σ seen over the month's days (and
likewise ``apnic.ipv6_preferred``), i.e. weighted by the day's sample, not a mean of daily
percentages. A month lands only when it is over and has at least ``min_days`` days with samples
(fewer is skipped and counted, never stored as a thin estimate). Every run recomputes the whole
history, since APNIC may revise it.

One unit per economy. An economy APNIC has no file for answers HTTP 404: the unit succeeds with
nothing written and the skip is recorded in the run's ``skipped`` details ("no APNIC data (HTTP
404): XX"), so a run over every country is not "partial" for ever because of a few territories.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

import pandas as pd

from collectors.base import Batch, Collector, RunContext, SourceError, setting_date
from collectors.http import HttpError
from roamwatch.countries import iso2_to_iso3, reference_countries
from roamwatch.i18n import N_
from roamwatch.warehouse.store import MetricInfo, SourceInfo

CAPABLE_ID = "apnic.ipv6_capable"
PREFERRED_ID = "apnic.ipv6_preferred"
METRICS = [
    MetricInfo(
        id=CAPABLE_ID,
        source="apnic",
        source_code="v6economy.capable",
        name="APNIC Labs: IPv6-capable users (%)",
        unit="%",
        frequency="month",
        description=(
            "Share of users measured by APNIC Labs' online advertisement experiment who could "
            "fetch an object over IPv6 only: 100 × the month's total IPv6-capable samples / "
            "its total samples (days weighted by sample size). Months with fewer than the "
            "configured minimum of measured days are left out."
        ),
    ),
    MetricInfo(
        id=PREFERRED_ID,
        source="apnic",
        source_code="v6economy.preferred",
        name="APNIC Labs: IPv6-preferred users (%)",
        unit="%",
        frequency="month",
        description=(
            "Share of users measured by APNIC Labs who used IPv6 when offered both IPv4 and "
            "IPv6: 100 × the month's total IPv6-preferred samples / its total samples."
        ),
    ),
]
#: Codes in the reference list that are not ISO 3166 codes (APNIC has no file for them).
NOT_IN_APNIC = frozenset({"JG"})
_ISO2 = re.compile(r"^[A-Z]{2}$")
_DATE = re.compile(r"^(\d{4}-\d{2}-\d{2})(?:[T ].*)?$")
COLUMNS = ["metric", "country", "period", "value"]
COUNTS = ("seen", "capable", "preferred")


def country_codes(settings: dict[str, Any]) -> list[str]:
    """The ISO2 codes to ask for: the ``countries`` setting, or every reference country."""
    configured = settings.get("countries")
    if configured is None:
        codes = {row["iso2"].upper() for row in reference_countries() if row.get("iso2")}
        return sorted(codes - NOT_IN_APNIC)
    if isinstance(configured, str):
        configured = [c for c in re.split(r"[\s,]+", configured) if c]
    codes = [str(c).strip().upper() for c in configured]
    bad = [c for c in codes if not _ISO2.match(c)]
    if bad:
        raise SourceError(f"APNIC 'countries' must be ISO 3166-1 alpha-2 codes; got {bad!r}")
    return list(dict.fromkeys(codes))


def _count(value: Any) -> float | None:
    """A finite non-negative number (APNIC's raw counts are integers; smoothed ones are not)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, str):
        try:
            value = float(value.strip())
        except ValueError:
            return None
    if isinstance(value, int | float) and math.isfinite(value) and value >= 0:
        return float(value)
    return None


def records_of(payload: Any, url: str) -> list:
    """The daily records of a v6economy answer; raises :class:`SourceError` for other shapes."""
    if isinstance(payload, list):
        return payload
    if not isinstance(payload, dict):
        raise SourceError(
            f"unexpected APNIC payload from {url}: expected an object, got {type(payload).__name__}"
        )
    for key in ("error", "message"):
        if payload.get(key) and "data" not in payload:
            raise SourceError(f"APNIC error for {url}: {payload[key]}")
    if "data" not in payload:
        keys = ", ".join(sorted(map(str, payload))) or "none"
        raise SourceError(f"APNIC payload from {url} has no 'data' (keys: {keys})")
    data = payload["data"]
    if data is None:
        return []
    if not isinstance(data, list):
        raise SourceError(f"APNIC 'data' from {url} is {type(data).__name__}, not a list")
    return data


def _day_counts(record: dict) -> tuple[dict[str, float] | None, str | None]:
    """``{seen, capable, preferred}`` of one record, or (None, reason)."""
    raw = record.get("raw")
    source = raw if isinstance(raw, dict) else record
    seen = _count(source.get("seen"))
    if seen is None:
        return None, "missing or bad seen count"
    counts = {"seen": seen}
    for name in ("capable", "preferred"):
        value = _count(source.get(name))
        if value is None and source.get(name) is None:
            pct = _count(source.get(f"{name}_pc"))
            if pct is not None and pct <= 100:
                value = seen * pct / 100.0
        if value is None:
            return None, f"missing or bad {name} count"
        if value > seen * (1 + 1e-9):
            return None, f"{name} above seen"
        counts[name] = value
    return counts, None


def parse_records(
    records: list, iso2: str, today: date, min_days: int = 10
) -> tuple[pd.DataFrame, Counter, Counter, int]:
    """Daily records → monthly (metric, country, period, value) rows.

    Returns the frame, the rejected and skipped counters and the number of usable days.
    """
    iso3 = iso2_to_iso3(iso2)
    if iso3 is None:
        raise SourceError(f"{iso2!r} is not a country code roamwatch knows")
    rejected: Counter = Counter()
    skipped: Counter = Counter()
    days: dict[date, dict[str, float]] = {}
    for record in records:
        if not isinstance(record, dict):
            rejected["record is not an object"] += 1
            continue
        cc = record.get("cc")
        if cc not in (None, "") and str(cc).strip().upper() != iso2:
            rejected["record for another economy"] += 1
            continue
        match = _DATE.match(str(record.get("date") or "").strip())
        try:
            day = date.fromisoformat(match.group(1)) if match else None
        except ValueError:
            day = None
        if day is None:
            rejected["missing or malformed date"] += 1
            continue
        if day > today:
            rejected["date in the future"] += 1
            continue
        counts, reason = _day_counts(record)
        if counts is None:
            rejected[reason] += 1
            continue
        if day in days:
            rejected["duplicate date"] += 1
            continue
        if counts["seen"] == 0:
            skipped["day without samples"] += 1
            continue
        days[day] = counts
    return days_to_months(days, iso3, today, rejected, skipped, min_days)


def days_to_months(
    days: dict[date, dict[str, float]],
    iso3: str,
    today: date,
    rejected: Counter,
    skipped: Counter,
    min_days: int = 10,
) -> tuple[pd.DataFrame, Counter, Counter, int]:
    months: dict[str, dict[str, float]] = defaultdict(lambda: dict.fromkeys((*COUNTS, "days"), 0.0))
    for day, counts in days.items():
        month = months[f"{day.year:04d}-{day.month:02d}"]
        for name in COUNTS:
            month[name] += counts[name]
        month["days"] += 1
    current = f"{today.year:04d}-{today.month:02d}"
    out = []
    for period, totals in sorted(months.items()):
        if period >= current:
            skipped["month not over yet"] += 1
            continue
        if totals["days"] < min_days:
            skipped[f"month with fewer than {min_days} days of samples"] += 1
            continue
        out.append({"metric": CAPABLE_ID, "country": iso3, "period": period,
                    "value": 100.0 * totals["capable"] / totals["seen"]})
        out.append({"metric": PREFERRED_ID, "country": iso3, "period": period,
                    "value": 100.0 * totals["preferred"] / totals["seen"]})
    return pd.DataFrame(out, columns=COLUMNS), rejected, skipped, len(days)


class Apnic(Collector):
    name = "apnic"
    collected_from = "APNIC Labs' IPv6 measurement pages (one JSON series per economy)"
    source = SourceInfo(
        id="apnic",
        name="APNIC Labs IPv6 measurement (v6stats)",
        homepage="https://stats.labs.apnic.net/ipv6",
        licence=N_("© APNIC; re-use permitted with attribution"),
        licence_url="https://labs.apnic.net/",
        citation=(
            "APNIC Labs: IPv6 capability and preference by economy, measured with an online "
            "advertisement experiment (data1.labs.apnic.net/v6stats/v6economy)"
        ),
        terms=N_(
            "The data files say '(C) APNIC Pty/Ltd. re-use with attribution permitted' (as "
            "reported by third parties; no formal licence text was found). Attribute APNIC Labs."
        ),
    )
    defaults = {
        "base_url": "https://data1.labs.apnic.net",
        "schedule": "0 5 1 * *",  # monthly, on the 1st at 05:00 UTC
        "enabled": True,
        "countries": None,  # None: every reference country; or a list of ISO2 codes
        "min_days": 10,  # a month needs this many days with samples to land
        "min_interval": 0.5,  # seconds between requests
        # Optional ISO date "as_of" replaces today (the month it falls in is not over yet).
    }

    def plan(self, ctx: RunContext) -> list[str]:
        return country_codes(ctx.settings)


    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        iso2 = unit
        iso3 = iso2_to_iso3(iso2)
        if iso3 is None:
            raise SourceError(f"{iso2!r} is not a country code roamwatch knows")
        today = setting_date(ctx.settings, "as_of", "APNIC") or datetime.now(UTC).date()
        url = f"{ctx.settings['base_url'].rstrip('/')}/v6stats/v6economy/{iso2}.json"
        try:
            payload = ctx.http.get_json(url)
        except HttpError as exc:
            if exc.status == 404:
                ctx.log(f"no APNIC data for {iso2} (HTTP 404); skipped")
                return Batch(skipped=Counter({f"no APNIC data (HTTP 404): {iso2}": 1}))
            raise
        records = records_of(payload, url)
        min_days = max(1, int(ctx.settings.get("min_days", 10)))
        frame, rejected, skipped, n_days = parse_records(records, iso2, today, min_days)
        if records and n_days == 0 and sum(rejected.values()) == len(records):
            raise SourceError(
                f"APNIC file for {iso2} has {len(records)} records and none usable: "
                + ", ".join(f"{k} ({v})" for k, v in rejected.most_common(3))
            )
        return Batch(observations=frame, metrics=list(METRICS), rejected=rejected,
                     skipped=skipped)


COLLECTORS = (Apnic,)
