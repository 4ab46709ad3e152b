"""``source_coverage``: where a source's silence means "none recorded" rather than "no data".

Two kinds of rows (``source, country, first_day, last_day, basis``; country NULL = every
country the source covers):

- *declared* by a collector with its batch (#KeepItOn: the years of the sheets present, up to
  the dataset's last update), merged here with the windows already stored
  (:func:`merge_declared`);
- *derived* from the observations a source stored (:data:`OBSERVATION_RULES`), recomputed after
  each run of that source (:func:`refresh_observed`): OONI per country over the months with
  measurements, IODA per country over the days with an outage-hours value, Freedom on the Net
  per country over the years of the editions that assessed it.

Contiguous periods are stored as one window each; gaps stay gaps.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import pandas as pd

COLUMNS = ["source", "country", "first_day", "last_day", "basis"]


@dataclass(frozen=True)
class ObservationRule:
    """Coverage of ``source`` derived from its observations: per country, the ``grain``
    periods (day, month or year) in which a metric matching ``metric_like`` has a value
    (> 0 when ``positive``)."""

    source: str
    metric_like: str
    grain: str
    positive: bool
    basis: str


OBSERVATION_RULES: dict[str, ObservationRule] = {
    "ooni": ObservationRule(
        "ooni", "ooni.%.measurement_count", "month", True,
        "months with at least one OONI measurement in the country (any test)"),
    "ioda": ObservationRule(
        "ioda", "ioda.outage_hours", "day", False,
        "days for which IODA's outage hours were collected for the country (0 = no outage found)"),
    "fotn": ObservationRule(
        "fotn", "fotn.total", "year", False,
        "years of the Freedom on the Net editions that assessed the country"),
}
_STEP = {"day": "1 day", "month": "1 month", "year": "1 year"}


def refresh_observed(con: duckdb.DuckDBPyConnection, source: str) -> int:
    """Recompute ``source``'s derived windows from its observations (in the caller's
    transaction); returns the windows written. No-op for sources without a rule."""
    rule = OBSERVATION_RULES.get(source)
    if rule is None:
        return 0
    step = _STEP[rule.grain]
    con.execute("DELETE FROM source_coverage WHERE source = ?", [source])
    # Gaps-and-islands over the distinct periods: consecutive periods share a group.
    con.execute(
        f"""
        INSERT INTO source_coverage
        WITH periods AS (
            SELECT DISTINCT country, date_trunc('{rule.grain}', period_start)::DATE AS p
            FROM observation
            WHERE metric LIKE $metric AND (NOT $positive OR value > 0)
        ), numbered AS (
            SELECT country, p,
                   datediff('{rule.grain}', DATE '1970-01-01', p)
                       - row_number() OVER (PARTITION BY country ORDER BY p) AS grp
            FROM periods
        )
        SELECT $source, country, min(p), (max(p) + INTERVAL {step} - INTERVAL 1 day)::DATE, $basis
        FROM numbered GROUP BY country, grp
        """,
        {"metric": rule.metric_like, "positive": rule.positive, "source": source,
         "basis": rule.basis},
    )
    (count,) = con.execute(
        "SELECT count(*) FROM source_coverage WHERE source = ?", [source]
    ).fetchone()
    return int(count)


def refresh_all_observed(con: duckdb.DuckDBPyConnection) -> None:
    for source in OBSERVATION_RULES:
        refresh_observed(con, source)


def _union(windows: list[tuple[pd.Timestamp, pd.Timestamp, str]]) -> list[tuple]:
    out: list[list] = []
    for first, last, basis in sorted(windows, key=lambda w: (w[0], w[1])):
        if out and first <= out[-1][1] + pd.Timedelta(days=1):
            if last > out[-1][1]:
                out[-1][1], out[-1][2] = last, basis
        else:
            out.append([first, last, basis])
    return [tuple(w) for w in out]


def merge_declared(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> int:
    """Merge declared windows (``COLUMNS``) into the stored ones of the same source and
    country: overlapping or adjacent windows become one (the later one's basis), disjoint
    ones stay apart. Returns the windows stored for the sources touched."""
    if frame is None or frame.empty:
        return 0
    frame = frame[COLUMNS].copy()
    frame["first_day"] = pd.to_datetime(frame["first_day"]).dt.normalize()
    frame["last_day"] = pd.to_datetime(frame["last_day"]).dt.normalize()
    bad = frame[frame["last_day"] < frame["first_day"]]
    if not bad.empty:
        raise ValueError(f"coverage window ends before it starts: {bad.iloc[0].to_dict()}")
    sources = sorted(frame["source"].unique())
    stored = con.execute(
        "SELECT source, country, first_day, last_day, basis FROM source_coverage "
        "WHERE list_contains($s::VARCHAR[], source)", {"s": sources},
    ).df()
    stored["first_day"] = pd.to_datetime(stored["first_day"])
    stored["last_day"] = pd.to_datetime(stored["last_day"])
    both = pd.concat([stored, frame], ignore_index=True)
    rows = []
    for (source, country), group in both.groupby(["source", both["country"].fillna("")], sort=True):
        for first, last, basis in _union(list(zip(group["first_day"], group["last_day"],
                                                  group["basis"], strict=True))):
            rows.append((source, country or None, first.date(), last.date(), basis))
    merged = pd.DataFrame(rows, columns=COLUMNS)  # noqa: F841  (read by DuckDB below)
    con.execute("DELETE FROM source_coverage WHERE list_contains($s::VARCHAR[], source)",
                {"s": sources})
    con.execute("INSERT INTO source_coverage SELECT * FROM merged")
    return len(rows)


def load(con: duckdb.DuckDBPyConnection, sources: list[str] | None = None) -> pd.DataFrame:
    """Stored windows (of ``sources``, default all), as a frame with ``COLUMNS``."""
    if sources is None:
        return con.cursor().execute(
            "SELECT * FROM source_coverage ORDER BY source, country NULLS FIRST, first_day").df()
    return con.cursor().execute(
        "SELECT * FROM source_coverage WHERE list_contains($s::VARCHAR[], source) "
        "ORDER BY source, country NULLS FIRST, first_day", {"s": list(sources)}).df()
