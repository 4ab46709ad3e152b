"""What an event's days are: the one definition scores, pages, the API, exports and alerts use.

An event (an outage or a shutdown) has a start and an *end state* (``event.end_state``):

- ``known``: the source gives its end (``end_time``); it covers every calendar day from its
  start day up to the day before ``end_time`` when that falls exactly at midnight, else up to
  the day of ``end_time`` (an event that ends on the day it starts covers that one day);
- ``ongoing``: the source says it is still going on; it runs up to the last day the data that
  reported it covers (``details.as_of``: the last day of the #KeepItOn sheet that lists it, the
  end of the IODA window that saw it open), and never past the source's last update; never
  up to today's clock;
- ``unknown``: no usable end (empty, "Unknown", unparseable, or before the start); it counts as
  its start day only and is flagged.

Days count only inside the source's *coverage*: the windows (``source_coverage``) in which the
source's silence means "none recorded". Outside them a day is *no data*, never 0.

Everything here is a pure function of data frames; no SQL, no I/O.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

KNOWN, ONGOING, UNKNOWN = "known", "ongoing", "unknown"
END_STATES = (KNOWN, ONGOING, UNKNOWN)
COVERAGE_COLUMNS = ["source", "country", "first_day", "last_day", "basis"]
#: Sources that report country by country: their every-country windows (``country`` NULL)
#: cover states (:func:`roamwatch.countries.states`), not territories, which they do not list
#: on their own. #KeepItOn names the country whose network was cut (a shutdown in Western
#: Sahara, if recorded, would be under Morocco; Antarctica has no network of its own), so its
#: silence about a territory is no data, not "none recorded". A place the source does name
#: (it has events there) is covered like a state.
BY_STATE = frozenset({"accessnow"})


def general_window_applies(source: str, country: str) -> bool:
    """Whether ``source``'s every-country coverage windows apply to ``country`` (see
    :data:`BY_STATE`; a country with events of the source is covered whatever this says)."""
    from roamwatch.countries import is_state

    return source not in BY_STATE or is_state(country)


_DAY = np.timedelta64(1, "D")


def _details(value: Any) -> dict:
    if isinstance(value, dict):
        return value
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return {}
    try:
        parsed = json.loads(value)
    except (TypeError, ValueError):
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _day(value: Any) -> np.datetime64 | None:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    return np.datetime64(pd.Timestamp(value).date(), "D")


def last_updates(coverage: pd.DataFrame) -> dict[str, np.datetime64]:
    """Each source's last update: the last day of its every-country coverage windows (or of
    all its windows when it only has per-country ones)."""
    if coverage is None or coverage.empty:
        return {}
    out: dict[str, np.datetime64] = {}
    for source, rows in coverage.groupby("source"):
        general = rows[rows["country"].isna()]
        pick = general if not general.empty else rows
        out[str(source)] = np.datetime64(pd.Timestamp(pick["last_day"].max()).date(), "D")
    return out


def event_spans(
    events: pd.DataFrame, last_update: Mapping[str, Any] | None = None
) -> pd.DataFrame:
    """The days each event covers, by the rules of the module docstring.

    ``events`` has ``source, start_time, end_time, end_state`` and optionally ``details`` (JSON
    text or dicts, read for ``as_of``); a missing ``end_state`` is read as ``known`` when
    ``end_time`` is set and ``unknown`` otherwise. ``last_update``: source → its last update
    (see :func:`last_updates`). Returns a copy with ``first_day`` and ``last_day`` (inclusive,
    ``datetime64[D]``) and ``span_rule`` (how the last day was chosen, for traces).
    """
    out = events.copy()
    if out.empty:
        return out.assign(first_day=pd.Series(dtype="datetime64[s]"),
                          last_day=pd.Series(dtype="datetime64[s]"), span_rule=pd.Series(dtype=str))
    last_update = {k: _day(v) for k, v in (last_update or {}).items()}
    start = pd.to_datetime(out["start_time"])
    end = pd.to_datetime(out["end_time"])
    state = out["end_state"] if "end_state" in out else pd.Series(np.nan, index=out.index)
    state = state.where(state.isin(END_STATES), np.where(end.notna(), KNOWN, UNKNOWN))
    first = start.dt.floor("D")
    # a known end exactly at midnight does not cover the day it ends on
    last_known = (end - pd.Timedelta(microseconds=1)).dt.floor("D")
    last = first.copy()
    rule = pd.Series(UNKNOWN + ": start day only", index=out.index, dtype=object)
    known = (state == KNOWN) & end.notna()
    last[known] = np.maximum(first[known], last_known[known])
    rule[known] = KNOWN
    ongoing = (state == ONGOING).to_numpy()
    if ongoing.any():
        details = out["details"] if "details" in out else pd.Series(None, index=out.index)
        as_of = pd.to_datetime(pd.Series(
            [_details(d).get("as_of") for d in details.to_numpy()[ongoing]], index=out.index[ongoing],
            dtype=object), errors="coerce").dt.floor("D")
        cap = pd.to_datetime(out["source"][ongoing].astype(str).map(
            {k: pd.Timestamp(v) for k, v in last_update.items() if v is not None}))
        until = pd.concat([as_of, cap], axis=1).min(axis=1)
        found = until.notna()
        index = until.index[found]
        last[index] = np.maximum(first[index], until[found])
        rule[index] = ONGOING + " until " + until[found].dt.strftime("%Y-%m-%d")
        rule[until.index[~found]] = ONGOING + ": no last update known, start day only"
    out["end_state"] = state
    out["first_day"] = first.to_numpy().astype("datetime64[D]")
    out["last_day"] = last.to_numpy().astype("datetime64[D]")
    out["span_rule"] = rule
    return out


def _windows_by_country(coverage: pd.DataFrame, countries: Iterable[str]) -> dict[str, np.ndarray]:
    """country → array of (first, last) day numbers of its coverage windows (merged)."""
    general = coverage[coverage["country"].isna()]
    specific = coverage[coverage["country"].notna()]
    base = [(_day(a), _day(b)) for a, b in zip(general["first_day"], general["last_day"], strict=True)]
    out: dict[str, list] = {c: list(base) for c in countries}
    for country, a, b in zip(specific["country"], specific["first_day"], specific["last_day"], strict=True):
        out.setdefault(str(country), list(base)).append((_day(a), _day(b)))
    return {c: _merge(w) for c, w in out.items() if w}


def _merge(windows: list) -> np.ndarray:
    days = sorted((int(a.astype("int64")), int(b.astype("int64"))) for a, b in windows if b >= a)
    merged: list[list[int]] = []
    for a, b in days:
        if merged and a <= merged[-1][1] + 1:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return np.asarray(merged, dtype="int64").reshape(-1, 2)


def _years_of(windows: np.ndarray) -> dict[int, tuple[int, int]]:
    """year → (first, last) covered day number within that year (outer bounds)."""
    years: dict[int, tuple[int, int]] = {}
    for a, b in windows:
        ya = int(str(np.datetime64(int(a), "D"))[:4])
        yb = int(str(np.datetime64(int(b), "D"))[:4])
        for y in range(ya, yb + 1):
            lo = max(int(a), int(np.datetime64(f"{y}-01-01", "D").astype("int64")))
            hi = min(int(b), int(np.datetime64(f"{y}-12-31", "D").astype("int64")))
            old = years.get(y)
            years[y] = (min(lo, old[0]), max(hi, old[1])) if old else (lo, hi)
    return years


def _period(year: int, lo: int, hi: int) -> str:
    first, last = np.datetime64(int(lo), "D"), np.datetime64(int(hi), "D")
    if str(first) == f"{year}-01-01" and str(last) == f"{year}-12-31":
        return str(year)
    return f"{first}..{last}"


def days_by_year(
    spans: pd.DataFrame, coverage: pd.DataFrame, countries: Iterable[str] = ()
) -> pd.DataFrame:
    """Days in force and events per country and year, inside the source's coverage only.

    ``spans`` comes from :func:`event_spans` (``id`` or index, ``country, first_day,
    last_day``); ``coverage`` has the source's windows (``country`` NULL = every country).
    Every covered country-year gets a row, 0 when no event touched it (``countries`` lists the
    countries an every-country window applies to); a day or a year outside coverage gets no row
    at all (no data). Returns ``country, year, period, days, events, unknown_events,
    ongoing_events``: ``period`` is the covered part of the year (``"2021"``, or
    ``"2025-01-01..2025-06-30"``), ``days`` distinct days covered by at least one event,
    ``events`` the events with at least one such day, of which ``unknown_events`` have an unknown
    end (counted as their start day) and ``ongoing_events`` are ongoing (counted to the data's
    last update).
    """
    columns = ["country", "year", "period", "days", "events", "unknown_events", "ongoing_events"]
    if coverage is None or coverage.empty:
        return pd.DataFrame({c: pd.Series(dtype=object if c in ("country", "period") else "int64")
                             for c in columns})
    countries = set(countries) | set(spans["country"].astype(str)) if not spans.empty else set(countries)
    windows = _windows_by_country(coverage, countries)
    grid = []
    for country, w in windows.items():
        for year, (lo, hi) in _years_of(w).items():
            grid.append((country, year, _period(year, lo, hi)))
    frame = pd.DataFrame(grid, columns=["country", "year", "period"])
    if frame.empty:
        return pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    counts = pd.DataFrame(columns=["country", "year", "days", "events", "unknown_events",
                                   "ongoing_events"])
    if not spans.empty:
        ids = spans["id"].to_numpy() if "id" in spans else spans.index.to_numpy()
        state = spans["end_state"].to_numpy(dtype=object) if "end_state" in spans else \
            np.full(len(spans), None, dtype=object)
        ev = pd.DataFrame({
            "country": spans["country"].astype(str).to_numpy(), "event": ids, "state": state,
            "first": spans["first_day"].to_numpy().astype("datetime64[D]").astype("int64"),
            "last": spans["last_day"].to_numpy().astype("datetime64[D]").astype("int64"),
        })
        win = pd.DataFrame([(c, a, b) for c, w in windows.items() for a, b in w],
                           columns=["country", "w_first", "w_last"])
        pairs = ev.merge(win, on="country")
        lo = np.maximum(pairs["first"].to_numpy(), pairs["w_first"].to_numpy())
        hi = np.minimum(pairs["last"].to_numpy(), pairs["w_last"].to_numpy())
        keep = hi >= lo
        if keep.any():
            c_arr = pairs["country"].to_numpy()[keep]
            e_arr = pairs["event"].to_numpy()[keep]
            s_arr = pairs["state"].to_numpy()[keep]
            lo, hi = lo[keep], hi[keep]
            n = hi - lo + 1
            rep = np.repeat(np.arange(len(lo)), n)
            offsets = np.arange(int(n.sum())) - np.repeat(np.cumsum(n) - n, n)
            days = lo[rep] + offsets
            years = days.astype("datetime64[D]").astype("datetime64[Y]").astype("int64") + 1970
            exploded = pd.DataFrame({"country": c_arr[rep], "event": e_arr[rep], "day": days,
                                     "year": years, "state": s_arr[rep]})
            keys = ["country", "year"]
            per_day = exploded.drop_duplicates(["country", "day"]).groupby(keys).size()
            in_year = exploded.drop_duplicates(["country", "event", "year"])
            per_event = in_year.groupby(keys).size()
            unknown = in_year[in_year["state"] == UNKNOWN].groupby(keys).size()
            ongoing = in_year[in_year["state"] == ONGOING].groupby(keys).size()
            counts = pd.DataFrame({"days": per_day, "events": per_event, "unknown_events": unknown,
                                   "ongoing_events": ongoing}).reset_index()
    out = frame.merge(counts, on=["country", "year"], how="left")
    for column in ("days", "events", "unknown_events", "ongoing_events"):
        out[column] = out[column].fillna(0).astype("int64")
    out["year"] = out["year"].astype("int64")
    return out[columns].sort_values(["country", "year"]).reset_index(drop=True)


def covered(coverage: pd.DataFrame, source: str, country: str | None, day: date | str) -> bool:
    """Whether ``day`` lies inside ``source``'s coverage for ``country``."""
    rows = coverage[(coverage["source"] == source)
                    & (coverage["country"].isna() | (coverage["country"] == country))]
    d = _day(day)
    return bool(((rows["first_day"].map(_day) <= d) & (rows["last_day"].map(_day) >= d)).any())
