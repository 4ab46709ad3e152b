"""Derived series: what the catalogue scores but no collector stores.

The warehouse layer (:mod:`roamwatch.warehouse.scores`) does the heavy aggregation in DuckDB
(daily OONI counts and IODA hours summed per country and year, event days counted); the functions
here turn those sums into the series the catalogue names, as pure functions of data frames:

- ``derived.ooni.<test>.anomaly_rate``: (anomaly + confirmed) ÷ usable measurements, where usable
  = measurement_count − failure_count (OONI's buckets partition the measurements);
- ``derived.ooni.<test>.confirmed_rate``: confirmed ÷ usable measurements;
- ``derived.ooni.<test>.confirmed_days_share``: days with confirmed blocking ÷ days measured, and
  ``derived.ooni.messaging.confirmed_days_share`` over WhatsApp, Telegram, Signal and Facebook
  Messenger together (a day counts when any of them was confirmed blocked);
- ``derived.ioda.outage_hours`` (hours per year), ``derived.ioda.outage_events`` (events per year),
  only over the days IODA's hours were collected for the country (its coverage);
- ``derived.accessnow.shutdown_days`` (days covered by a #KeepItOn shutdown) and
  ``derived.accessnow.shutdowns`` (shutdowns in force during the year), only in the years the
  #KeepItOn sheets cover (0 there when none was recorded, no value outside). Event days follow
  :mod:`roamwatch.events`: an unknown end counts as the start day, an ongoing shutdown runs to
  the last update of the sheet that reports it, never to today;
- ``derived.gender.<itu|worldbank>.parity`` = min(f ÷ m, m ÷ f) and ``.gap_points`` = |m − f|;
- ``derived.dgg.<internet_gg|mobile_gg>.parity`` = min(r, 1 ÷ r) of the yearly mean ratio r.

Every function returns the long *inputs* frame that :mod:`indicators.scoring` reads:
``series, country, year, period, value, n, days`` (``n``: measurements or months behind the
value, ``days``: days measured; NaN when not applicable).
"""

from __future__ import annotations

import re

import numpy as np
import pandas as pd

from roamwatch.events import days_by_year, event_spans, general_window_applies, last_updates

OONI_TESTS = ("web_connectivity", "signal", "whatsapp", "telegram", "facebook_messenger", "tor")
MESSAGING_TESTS = ("whatsapp", "telegram", "signal", "facebook_messenger")
OONI_BUCKETS = ("anomaly_count", "confirmed_count", "failure_count", "ok_count", "measurement_count")
GENDER_SOURCES = {
    "itu": ("itu.internet_use_female", "itu.internet_use_male"),
    "worldbank": ("worldbank.IT.NET.USER.FE.ZS", "worldbank.IT.NET.USER.MA.ZS"),
}
DGG_METRICS = ("dgg.internet_gg", "dgg.mobile_gg")
INPUT_COLUMNS = ["series", "country", "year", "period", "value", "n", "days"]

_DERIVED = [
    re.compile(rf"^derived\.ooni\.({'|'.join(OONI_TESTS)})\.(anomaly_rate|confirmed_rate|confirmed_days_share)$"),
    re.compile(r"^derived\.ooni\.messaging\.confirmed_days_share$"),
    re.compile(r"^derived\.ioda\.(outage_hours|outage_events)$"),
    re.compile(r"^derived\.accessnow\.(shutdown_days|shutdowns)$"),
    re.compile(rf"^derived\.gender\.({'|'.join(GENDER_SOURCES)})\.(parity|gap_points)$"),
    re.compile(rf"^derived\.dgg\.({'|'.join(m.split('.')[1] for m in DGG_METRICS)})\.parity$"),
]


def is_derived_series(series: str) -> bool:
    """Whether ``series`` is one this module computes."""
    return any(p.match(series) for p in _DERIVED)


def _frame(series, country, year, period, value, n=np.nan, days=np.nan) -> pd.DataFrame:
    out = pd.DataFrame({
        "series": series, "country": country, "year": year, "period": period, "value": value,
        "n": n, "days": days,
    })
    out = out[np.isfinite(out["value"].astype(float))]
    return out[INPUT_COLUMNS]


def empty_inputs() -> pd.DataFrame:
    return pd.DataFrame({
        "series": pd.Series(dtype=str), "country": pd.Series(dtype=str),
        "year": pd.Series(dtype="int64"), "period": pd.Series(dtype=str),
        "value": pd.Series(dtype=float), "n": pd.Series(dtype=float), "days": pd.Series(dtype=float),
    })


def _span(first: pd.Series, last: pd.Series) -> pd.Series:
    first, last = first.astype(str), last.astype(str)
    return first.where(first == last, first + ".." + last)


def raw_inputs(yearly: pd.DataFrame) -> pd.DataFrame:
    """Yearly (or yearly-mean monthly) warehouse values, as they are.

    ``yearly`` has ``metric, country, year, period, value, n``.
    """
    if yearly.empty:
        return empty_inputs()
    return _frame(yearly["metric"], yearly["country"], yearly["year"].astype("int64"),
                  yearly["period"], yearly["value"].astype(float), yearly["n"].astype(float))


def gender_inputs(yearly: pd.DataFrame) -> pd.DataFrame:
    """Parity (min of f/m and m/f) and gap in points (|m − f|) per source, country and year."""
    parts = []
    for source, (female, male) in GENDER_SOURCES.items():
        f = yearly[yearly["metric"] == female][["country", "year", "period", "value"]]
        m = yearly[yearly["metric"] == male][["country", "year", "value"]]
        both = f.merge(m, on=["country", "year"], suffixes=("_f", "_m"))
        both = both[(both["value_f"] > 0) & (both["value_m"] > 0)]
        if both.empty:
            continue
        ratio = both["value_f"] / both["value_m"]
        parity = np.minimum(ratio, 1.0 / ratio)
        gap = (both["value_m"] - both["value_f"]).abs()
        parts.append(_frame(f"derived.gender.{source}.parity", both["country"], both["year"],
                            both["period"], parity))
        parts.append(_frame(f"derived.gender.{source}.gap_points", both["country"], both["year"],
                            both["period"], gap))
    return pd.concat(parts, ignore_index=True) if parts else empty_inputs()


def dgg_inputs(yearly: pd.DataFrame) -> pd.DataFrame:
    """Parity min(r, 1/r) of the yearly mean Digital Gender Gaps ratio r."""
    parts = []
    for metric in DGG_METRICS:
        rows = yearly[(yearly["metric"] == metric) & (yearly["value"] > 0)]
        if rows.empty:
            continue
        r = rows["value"].astype(float)
        parts.append(_frame(f"derived.dgg.{metric.split('.')[1]}.parity", rows["country"], rows["year"],
                            rows["period"], np.minimum(r, 1.0 / r), rows["n"].astype(float)))
    return pd.concat(parts, ignore_index=True) if parts else empty_inputs()


def ooni_inputs(ooni: pd.DataFrame) -> pd.DataFrame:
    """Rates and shares of days from yearly OONI sums.

    ``ooni`` has ``test, country, year, first_day, last_day, anomaly, confirmed, failure,
    measurements, days_measured, days_confirmed``; the pseudo-test ``messaging`` carries the four
    messaging apps together (days and measurement sums only).
    """
    if ooni.empty:
        return empty_inputs()
    o = ooni.copy()
    usable = (o["measurements"] - o["failure"]).astype(float)
    usable = usable.where(usable > 0)
    period = _span(o["first_day"], o["last_day"])
    parts = []
    tests = o["test"] != "messaging"
    t = o[tests]
    parts.append(_frame("derived.ooni." + t["test"] + ".anomaly_rate", t["country"], t["year"],
                        period[tests], (t["anomaly"] + t["confirmed"]) / usable[tests],
                        usable[tests], t["days_measured"].astype(float)))
    parts.append(_frame("derived.ooni." + t["test"] + ".confirmed_rate", t["country"], t["year"],
                        period[tests], t["confirmed"] / usable[tests],
                        usable[tests], t["days_measured"].astype(float)))
    measured = o["days_measured"].astype(float).where(o["days_measured"] > 0)
    parts.append(_frame("derived.ooni." + o["test"] + ".confirmed_days_share", o["country"], o["year"],
                        period, o["days_confirmed"] / measured, usable, measured))
    return pd.concat(parts, ignore_index=True)


def shutdown_years(events: pd.DataFrame, coverage: pd.DataFrame, countries) -> pd.DataFrame:
    """#KeepItOn days and shutdowns per country and year, inside the dataset's coverage only
    (``country, year, period, days, events``; every state, and any place with a shutdown,
    gets 0 in a covered year without one; no row outside, nor for a territory the dataset does
    not list on its own)."""
    spans = event_spans(events, last_updates(coverage))
    # territories #KeepItOn does not list on its own get no value, not 0 (events.BY_STATE)
    return days_by_year(spans, coverage, [c for c in countries if general_window_applies("accessnow", c)])


def ioda_years(hours: pd.DataFrame, events: pd.DataFrame, coverage: pd.DataFrame) -> pd.DataFrame:
    """IODA hours and outage events per country and year, over the days IODA's hours were
    collected (``country, year, first_day, last_day, outage_hours, days, events``)."""
    if hours.empty:
        return hours.assign(events=pd.Series(dtype="int64"))
    counted = days_by_year(event_spans(events, last_updates(coverage)), coverage)
    out = hours.merge(counted[["country", "year", "events"]], on=["country", "year"], how="left")
    out["events"] = out["events"].fillna(0).astype("int64")
    return out


def ioda_inputs(ioda: pd.DataFrame) -> pd.DataFrame:
    """Outage hours and outage events per year (``country, year, first_day, last_day,
    outage_hours, days, events``, see :func:`ioda_years`)."""
    if ioda.empty:
        return empty_inputs()
    period = _span(ioda["first_day"], ioda["last_day"])
    hours = _frame("derived.ioda.outage_hours", ioda["country"], ioda["year"], period,
                   ioda["outage_hours"].astype(float), np.nan, ioda["days"].astype(float))
    events = _frame("derived.ioda.outage_events", ioda["country"], ioda["year"], period,
                    ioda["events"].astype(float), np.nan, ioda["days"].astype(float))
    return pd.concat([hours, events], ignore_index=True)


def shutdown_inputs(shutdowns: pd.DataFrame) -> pd.DataFrame:
    """#KeepItOn days and counts per year (``country, year, period, days, events``, see
    :func:`shutdown_years`)."""
    if shutdowns.empty:
        return empty_inputs()
    period = shutdowns["period"].astype(str)
    return pd.concat([
        _frame("derived.accessnow.shutdown_days", shutdowns["country"], shutdowns["year"], period,
               shutdowns["days"].astype(float)),
        _frame("derived.accessnow.shutdowns", shutdowns["country"], shutdowns["year"], period,
               shutdowns["events"].astype(float)),
    ], ignore_index=True)


def derive_inputs(
    yearly: pd.DataFrame,
    ooni: pd.DataFrame | None = None,
    ioda: pd.DataFrame | None = None,
    shutdowns: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """Every series the catalogue can read: raw yearly values plus the derived ones."""
    parts = [raw_inputs(yearly), gender_inputs(yearly), dgg_inputs(yearly)]
    if ooni is not None:
        parts.append(ooni_inputs(ooni))
    if ioda is not None:
        parts.append(ioda_inputs(ioda))
    if shutdowns is not None:
        parts.append(shutdown_inputs(shutdowns))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return empty_inputs()
    out = pd.concat(parts, ignore_index=True)
    out["year"] = out["year"].astype("int64")
    return out
