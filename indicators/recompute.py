"""One full recomputation: warehouse inputs → derived series → scores → robustness → ``score``.

The caller holds the writer lock and an open :class:`roamwatch.warehouse.store.Warehouse`
(see :mod:`indicators.cli`); every SQL statement lives in :mod:`roamwatch.warehouse.scores`.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import duckdb
import pandas as pd

from indicators.catalogue import CATEGORIES, Catalogue
from indicators.derive import MESSAGING_TESTS, OONI_TESTS, derive_inputs, ioda_years, shutdown_years
from indicators.robustness import rank_ranges
from indicators.scoring import Scores, compute_scores, group_medians
from roamwatch.warehouse import scores as sql


@dataclass
class Settings:
    """Scoring settings from the ``[scoring]`` table of the configuration.

    ``weights`` (``[scoring.weights]``, indicator id → weight), ``threshold``, ``window_years``,
    ``first_year`` (earliest year scored); unset ones come from the catalogue's ``[scoring]``.
    """

    weights: dict[str, float] = field(default_factory=dict)
    threshold: float | None = None
    window_years: int | None = None
    first_year: int | None = None

    @classmethod
    def from_config(cls, raw: Mapping[str, Any]) -> Settings:
        scoring = dict(raw.get("scoring", {}) or {})
        known = {"weights", "threshold", "window_years", "first_year"}
        unknown = sorted(set(scoring) - known)
        if unknown:
            raise ValueError(f"[scoring]: unknown setting(s) {', '.join(unknown)}; "
                             f"known: {', '.join(sorted(known))}")
        weights = scoring.get("weights", {}) or {}
        if not isinstance(weights, dict):
            raise ValueError("[scoring].weights must be a table of indicator id = weight")
        for key in ("window_years", "first_year"):
            value = scoring.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int) or value < 1):
                raise ValueError(f"[scoring].{key} must be a whole number ≥ 1 (got {value!r})")
        return cls(
            weights=dict(weights),
            threshold=scoring.get("threshold"),
            window_years=scoring.get("window_years"),
            first_year=scoring.get("first_year"),
        )


@dataclass
class Result:
    scores: Scores
    ranks: pd.DataFrame
    medians: pd.DataFrame
    inputs: pd.DataFrame
    #: year, theme, indicator, note: indicators with no data because their source does not
    #: cover the year (every country), for the traces.
    outside: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["year", "theme", "indicator", "note"]))
    #: country, year, theme, indicator, note: values counted from events with an unknown or
    #: ongoing end, for the traces.
    flags: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(
        columns=["country", "year", "theme", "indicator", "note"]))
    rows: int = 0
    timings: dict[str, float] = field(default_factory=dict)
    changes: dict[str, int] = field(default_factory=dict)  # score rows changed, gone; rebuilt


def load_inputs(con: duckdb.DuckDBPyConnection, catalogue: Catalogue,
                today: dt.date | None = None, since_year: int | None = None,
                parts: dict | None = None) -> pd.DataFrame:
    """The long inputs frame (raw yearly series plus derived ones) for ``catalogue``;
    ``since_year``: ignore observations of earlier years; ``parts``, if given, receives the
    per-year event counts (``shutdowns``) the derived series come from."""
    wanted = {m for i in catalogue.indicators for m in i.inputs}
    yearly = sql.load_yearly(con, catalogue.raw_inputs(), since_year)
    ooni = ioda = shutdowns = None
    if any(m.startswith("ooni.") for m in wanted):
        ooni = sql.load_ooni(con, OONI_TESTS, MESSAGING_TESTS, since_year)
    if any(m.startswith(("ioda.", "event:ioda:")) for m in wanted):
        ioda = ioda_years(sql.load_ioda_hours(con), sql.load_events(con, "ioda", "outage"),
                          sql.load_coverage(con, ["ioda"]))
    if "event:accessnow:shutdown" in wanted:
        shutdowns = shutdown_years(sql.load_events(con, "accessnow", "shutdown"),
                                   sql.load_coverage(con, ["accessnow"]),
                                   sql.load_countries(con)["iso3"])
        if parts is not None:
            parts["shutdowns"] = shutdowns
    return derive_inputs(yearly, ooni, ioda, shutdowns)


def event_flags(catalogue: Catalogue, shutdowns: pd.DataFrame | None) -> pd.DataFrame:
    """``country, year, theme, indicator, note`` for the #KeepItOn indicators of a country-year
    where some shutdowns have an unknown end (counted as their start day only) or are ongoing
    (counted to the data's last update): the trace says so beside the value."""
    columns = ["country", "year", "theme", "indicator", "note"]
    if shutdowns is None or shutdowns.empty or "unknown_events" not in shutdowns:
        return pd.DataFrame(columns=columns)
    flagged = shutdowns[(shutdowns["unknown_events"] > 0) | (shutdowns["ongoing_events"] > 0)]
    rows = []
    for ind in catalogue.scored:
        if not any(m.startswith("derived.accessnow.") for m in ind.metrics):
            continue
        for r in flagged.itertuples(index=False):
            parts = []
            if r.unknown_events:
                parts.append(f"{r.unknown_events} of {r.events} shutdowns with an unknown end, "
                             "counted as their start day only")
            if r.ongoing_events:
                parts.append(f"{r.ongoing_events} ongoing, counted to the data's last update")
            rows.append((r.country, int(r.year), ind.theme, ind.id, "; ".join(parts)))
    return pd.DataFrame(rows, columns=columns)


def outside_coverage(catalogue: Catalogue, coverage: pd.DataFrame, years) -> pd.DataFrame:
    """``year, theme, indicator, note`` for every scored indicator read from a source's events
    (``event:<source>:<kind>``) and every year in ``years`` its source's every-country coverage
    does not reach: no data there, never 0."""
    rows = []
    for ind in catalogue.scored:
        sources = {i.split(":")[1] for i in ind.inputs if i.startswith("event:")}
        for source in sorted(sources):
            windows = coverage[(coverage["source"] == source) & coverage["country"].isna()]
            spans = [(pd.Timestamp(a).date(), pd.Timestamp(b).date())
                     for a, b in zip(windows["first_day"], windows["last_day"], strict=True)]
            covered = {y for a, b in spans for y in range(a.year, b.year + 1)}
            text = ", ".join(f"{a.isoformat()}..{b.isoformat()}" for a, b in sorted(spans)) or "nothing"
            for year in years:
                if year not in covered:
                    rows.append((int(year), ind.theme, ind.id,
                                 f"no data: {source} covers {text}, not {year}"))
    return pd.DataFrame(rows, columns=["year", "theme", "indicator", "note"])


def score_frames(result: Result, catalogue: Catalogue) -> dict[str, pd.DataFrame]:
    """The frames :func:`roamwatch.warehouse.scores.write_scores` stores."""
    s = result.scores
    return {
        "indicators": s.indicators,
        "themes": s.themes,
        "categories": s.categories,
        "overall": s.overall,
        "ranks": result.ranks,
        "medians": result.medians,
        "catalogue": pd.DataFrame(
            [(i.id, i.theme, i.category) for i in catalogue.scored],
            columns=["indicator", "theme", "category"],
        ),
        "order": pd.DataFrame({"category": list(CATEGORIES), "position": range(len(CATEGORIES))}),
        "outside": result.outside,
        "flags": result.flags,
    }


def recompute(
    con: duckdb.DuckDBPyConnection,
    catalogue: Catalogue,
    settings: Settings | None = None,
    today: dt.date | None = None,
    write: bool = True,
) -> Result:
    """Read inputs, score, rank and (``write``) replace the score tables in one transaction."""
    settings = settings or Settings()
    today = today or dt.date.today()
    timings: dict[str, float] = {}
    t0 = time.perf_counter()
    first_year = settings.first_year if settings.first_year is not None else catalogue.first_year
    since = None
    if first_year is not None:
        window = settings.window_years or catalogue.window_years
        longest = max([window, *(i.window_years or window for i in catalogue.indicators)])
        since = int(first_year) - longest + 1
    parts: dict = {}
    inputs = load_inputs(con, catalogue, today, since, parts)
    timings["load"] = time.perf_counter() - t0

    t = time.perf_counter()
    years = None
    if not inputs.empty:
        first = int(inputs["year"].min())
        if first_year is not None:
            first = max(first, int(first_year))
        last = min(int(inputs["year"].max()), today.year)
        years = range(first, last + 1)
    scores = compute_scores(inputs, catalogue, weights=settings.weights, threshold=settings.threshold,
                            years=years, window_years=settings.window_years)
    timings["score"] = time.perf_counter() - t

    t = time.perf_counter()
    ranks = rank_ranges(scores)
    timings["robustness"] = time.perf_counter() - t
    countries = sql.load_countries(con)
    medians = group_medians(scores, countries)
    result = Result(scores=scores, ranks=ranks, medians=medians, inputs=inputs, timings=timings)
    event_sources = sorted({i.split(":")[1] for ind in catalogue.scored for i in ind.inputs
                            if i.startswith("event:")})
    if event_sources and years is not None:
        result.outside = outside_coverage(catalogue, sql.load_coverage(con, event_sources), years)
    result.flags = event_flags(catalogue, parts.get("shutdowns"))
    if write:
        t = time.perf_counter()
        con.begin()
        try:
            result.rows = sql.write_scores(con, score_frames(result, catalogue), result.changes)
        except BaseException:
            con.rollback()
            raise
        con.commit()
        timings["write"] = time.perf_counter() - t
    timings["total"] = time.perf_counter() - t0
    return result
