"""Daily → yearly rollups kept per part of ``observation``, refreshed only where a part changed.

Daily series (OONI counts, IODA hours) are tens of millions of rows; the scores read them as
yearly sums. Summing them again at every recomputation made the recomputation grow with the
archive. Instead the sums are kept here, one year-part at a time (the parts of
:mod:`roamwatch.warehouse.partitions`: ``<source>-<year>`` holds a source's daily rows of one
year), and a part is summed again only when the writer gave it a new version token since (so a
daily OONI run refreshes the current year of OONI, nothing else).

- ``rollup_daily``: per daily metric, country and year: ``total`` (sum), ``days`` (days with a
  value), ``positive_days`` (days with a value > 0), first and last day with a value, first and
  last day with a value > 0;
- ``rollup_days_any``: per named group of daily metrics of one source, country and year: the
  days on which any metric of the group was > 0 (e.g. a day any messaging app was measured);
- ``rollup_yearly``: the yearly and monthly series as the scores read them, per non-daily part
  (``<source>-<decade>s``): yearly values as they are, monthly ones averaged per year (``n``
  months, ``period`` 'YYYY-MM..YYYY-MM'), so reading them does not scan the daily rows;
- ``rollup_state``: the version token each rollup of each part was computed from.

Call :func:`refresh` on the writer's connection (under the writer lock) before reading them.
"""

from __future__ import annotations

import duckdb

from roamwatch.warehouse.partitions import OBSERVATION_PART, ROWS, check_tracked, observation_part_filter

DAILY = "daily"
YEARLY = "yearly"
_GROUP_PREFIX = "any:"

DDL = [
    """CREATE TABLE IF NOT EXISTS rollup_daily (
        metric VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        total DOUBLE,
        days BIGINT NOT NULL,
        positive_days BIGINT NOT NULL,
        first_day DATE,
        last_day DATE,
        first_positive DATE,
        last_positive DATE,
        PRIMARY KEY (metric, country, year)
    )""",
    """CREATE TABLE IF NOT EXISTS rollup_days_any (
        grp VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        days BIGINT NOT NULL,
        PRIMARY KEY (grp, country, year)
    )""",
    """CREATE TABLE IF NOT EXISTS rollup_yearly (
        part VARCHAR NOT NULL,
        metric VARCHAR NOT NULL,
        country VARCHAR NOT NULL,
        year INTEGER NOT NULL,
        period VARCHAR NOT NULL,
        value DOUBLE,
        n DOUBLE
    )""",
    """CREATE TABLE IF NOT EXISTS rollup_state (
        rollup VARCHAR NOT NULL,
        part VARCHAR NOT NULL,
        version VARCHAR NOT NULL,
        PRIMARY KEY (rollup, part)
    )""",
]


def group_key(metrics: list[str] | tuple[str, ...]) -> str:
    """The ``grp`` value of :func:`refresh`'s group of ``metrics`` (their sorted list)."""
    return ",".join(sorted(set(metrics)))


def _year(part: str) -> int | None:
    source, _, bucket = part.rpartition("-")
    return int(bucket) if source and len(bucket) == 4 and bucket.isdigit() else None


#: Up to this many stale parts are summed one by one (each read through its range predicates,
#: which DuckDB checks against row-group statistics); more in one pass over the daily rows.
ONE_BY_ONE = 3


def _batches(parts: list[str], every: set[str]) -> list[tuple[list[str], str, dict]]:
    """``(parts, filter, parameters)`` selecting the daily rows of ``parts`` (``every``: all the
    daily parts there are)."""
    if len(parts) <= ONE_BY_ONE:
        return [([p], *observation_part_filter(p)) for p in parts]
    if set(parts) == every:
        return [(parts, "length(period) >= 10", {})]
    return [(parts, f"length(period) >= 10 AND list_contains($parts, {OBSERVATION_PART})",
             {"parts": parts})]


def _refresh_parts(con: duckdb.DuckDBPyConnection, versions: dict[str, str], daily: list[str],
                   groups: list[tuple[str, list[str], list[str]]]) -> None:
    """Sum again the ``daily`` parts, and each group's own stale parts; record their versions."""
    every = set(versions)
    for parts, where, params in _batches(daily, every):
        for part in parts:
            source = part.rpartition("-")[0]
            con.execute("DELETE FROM rollup_daily WHERE metric >= $lo AND metric < $hi AND year = $y",
                        {"lo": source + ".", "hi": source + "/", "y": _year(part)})
        con.execute(
            f"""INSERT INTO rollup_daily
                SELECT metric, country, year(period_start), sum(value), count(*),
                       count(*) FILTER (WHERE value > 0), min(period_start), max(period_start),
                       min(period_start) FILTER (WHERE value > 0),
                       max(period_start) FILTER (WHERE value > 0)
                FROM observation WHERE {where} GROUP BY metric, country, year(period_start)""",
            params,
        )
        con.executemany("INSERT OR REPLACE INTO rollup_state VALUES (?, ?, ?)",
                        [[DAILY, p, versions[p]] for p in parts])
    for key, metrics, stale in groups:
        source = metrics[0].split(".", 1)[0]
        of_source = {p for p in every if p.rpartition("-")[0] == source}
        for parts, where, params in _batches(stale, of_source):
            con.execute("DELETE FROM rollup_days_any WHERE grp = ? AND list_contains(?, year)",
                        [key, [_year(p) for p in parts]])
            con.execute(
                f"""INSERT INTO rollup_days_any
                    SELECT $grp, country, year(period_start), count(DISTINCT period_start)
                    FROM observation
                    WHERE {where} AND list_contains($metrics, metric) AND value > 0
                    GROUP BY country, year(period_start)""",
                {**params, "grp": key, "metrics": metrics},
            )
            con.executemany("INSERT OR REPLACE INTO rollup_state VALUES (?, ?, ?)",
                            [[_GROUP_PREFIX + key, p, versions[p]] for p in parts])


_YEARLY_SQL = """
    INSERT INTO rollup_yearly
    WITH rows AS (
        SELECT ({part}) AS part, metric, country, period, period_start, value
        FROM observation WHERE {where}
    )
    SELECT part, metric, country, year(period_start), period, value, CAST(NULL AS DOUBLE)
    FROM rows WHERE length(period) = 4
    UNION ALL
    SELECT part, metric, country, year(period_start),
           CASE WHEN min(period) = max(period) THEN min(period)
                ELSE min(period) || '..' || max(period) END,
           avg(value), count(*)::DOUBLE
    FROM rows WHERE length(period) = 7
    GROUP BY part, metric, country, year(period_start)
"""


def refresh_yearly(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """Bring ``rollup_yearly`` up to date with the non-daily parts of ``observation``; returns
    how many parts were read again and how many were current."""
    for statement in DDL:
        con.execute(statement)
    check_tracked(con, "observation")
    parts = {p: v for p, v in con.execute(
        "SELECT part, version FROM partition_version WHERE tbl = 'observation' AND part <> ?",
        [ROWS]).fetchall() if _year(p) is None}
    state = {p: v for p, v in con.execute(
        "SELECT part, version FROM rollup_state WHERE rollup = ?", [YEARLY]).fetchall()}
    stale = sorted(p for p, v in parts.items() if state.get(p) != v)
    gone = sorted(p for p in state if p not in parts)
    if stale or gone:
        con.begin()
        try:
            con.execute("DELETE FROM rollup_yearly WHERE list_contains(?, part)", [stale + gone])
            con.execute("DELETE FROM rollup_state WHERE rollup = ? AND list_contains(?, part)",
                        [YEARLY, gone])
            if len(stale) <= ONE_BY_ONE:
                batches = [observation_part_filter(p) for p in stale]
            elif set(stale) == set(parts):
                batches = [("length(period) < 10", {})]
            else:
                batches = [(f"length(period) < 10 AND list_contains($parts, {OBSERVATION_PART})",
                            {"parts": stale})]
            for where, params in batches:
                con.execute(_YEARLY_SQL.format(part=OBSERVATION_PART, where=where), params)
            con.executemany("INSERT OR REPLACE INTO rollup_state VALUES (?, ?, ?)",
                            [[YEARLY, p, parts[p]] for p in stale])
        except BaseException:
            con.rollback()
            raise
        con.commit()
    return {"refreshed": len(stale), "current": len(parts) - len(stale)}


def refresh(con: duckdb.DuckDBPyConnection, groups: list[list[str]] | None = None) -> dict[str, int]:
    """Bring ``rollup_daily`` and the ``groups`` of ``rollup_days_any`` up to date with the
    daily parts of ``observation``; returns how many parts were summed and how many were
    already current. Each group is a list of daily metrics of one source.
    """
    named = []
    for metrics in groups or []:
        if len({m.split(".", 1)[0] for m in metrics}) != 1:
            raise ValueError(f"a rollup group holds metrics of one source: {sorted(metrics)}")
        named.append((group_key(metrics), sorted(set(metrics))))
    for statement in DDL:
        con.execute(statement)
    check_tracked(con, "observation")
    parts = {p: v for p, v in con.execute(
        "SELECT part, version FROM partition_version WHERE tbl = 'observation'").fetchall()
        if _year(p) is not None}
    state = {(r, p): v for r, p, v in con.execute(
        "SELECT * FROM rollup_state WHERE rollup <> ?", [YEARLY]).fetchall()}
    daily = [p for p, v in sorted(parts.items()) if state.get((DAILY, p)) != v]
    stale_groups = []
    for key, metrics in named:
        source = metrics[0].split(".", 1)[0]
        stale = [p for p, v in sorted(parts.items()) if p.rpartition("-")[0] == source
                 and state.get((_GROUP_PREFIX + key, p)) != v]
        if stale:
            stale_groups.append((key, metrics, stale))
    refreshed = set(daily).union(*(set(g[2]) for g in stale_groups))
    stats = {"refreshed": len(refreshed), "current": len(parts) - len(refreshed)}
    if refreshed:
        con.begin()
        try:
            _refresh_parts(con, parts, daily, stale_groups)
        except BaseException:
            con.rollback()
            raise
        con.commit()
    gone = [(r, p) for r, p in state if p not in parts and r != YEARLY]
    if gone:  # parts whose rows were all removed
        con.begin()
        for rollup, part in gone:
            year, (lo, hi) = _year(part), (part.rpartition("-")[0] + ".", part.rpartition("-")[0] + "/")
            if rollup == DAILY:
                con.execute("DELETE FROM rollup_daily WHERE metric >= ? AND metric < ? AND year = ?",
                            [lo, hi, year])
            else:
                con.execute("DELETE FROM rollup_days_any WHERE grp = ? AND year = ?",
                            [rollup[len(_GROUP_PREFIX):], year])
            con.execute("DELETE FROM rollup_state WHERE rollup = ? AND part = ?", [rollup, part])
        con.commit()
    return stats
