"""Every SQL statement of score recomputation: reading its inputs, writing the score tables.

Reads (on the writer's connection, under the writer lock):
- :func:`load_yearly`: yearly metrics as they are, monthly ones as their yearly mean;
- :func:`load_ooni`: daily OONI counts summed per test, country and year, with the number of
  days measured and days with confirmed blocking (and the four messaging apps together);
- :func:`load_ioda_hours`: IODA daily outage hours summed per country and year;
- :func:`load_events` and :func:`load_coverage`: events of one source and kind, and the
  source's coverage windows, from which :mod:`indicators.derive` counts days and events per year
  by the one definition of event days (:mod:`roamwatch.events`);
- :func:`load_countries`: region and income group of each country.

Writes, in the caller's transaction: :func:`write_scores` replaces the ``score`` table (levels
``theme``, ``category``, ``overall``; the details JSON is built here in SQL) and the two tables
this module owns, created idempotently by :func:`ensure_score_tables`:
- ``score_rank``: per country, year and category, the rank under the catalogue's aggregation and
  the best and worst rank under the alternative aggregations (robustness);
- ``score_median``: world, region and income-group medians per year, level and key.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from roamwatch.warehouse import coverage
from roamwatch.warehouse.schema import MIGRATIONS

_METRIC_ID = re.compile(r"^[a-z0-9_]+\.[a-z0-9_]+\.[a-z0-9_]+$")

# The tables themselves are created by schema migration 2; kept here for older files.
SCORE_TABLES_DDL = next(statements for number, _, statements in MIGRATIONS if number == 2)


def ensure_score_tables(con: duckdb.DuckDBPyConnection) -> None:
    """Create ``score_rank`` and ``score_median`` when absent (safe to call on every run)."""
    for statement in SCORE_TABLES_DDL:
        con.execute(statement)


# -- inputs --------------------------------------------------------------------------------------------
def load_yearly(
    con: duckdb.DuckDBPyConnection, metrics: Sequence[str], since_year: int | None = None
) -> pd.DataFrame:
    """``metric, country, year, period, value, n`` for yearly and monthly metrics.

    Yearly values come as they are (``n`` NULL); monthly values are averaged per year (``n``
    months, ``period`` 'YYYY-MM..YYYY-MM'); daily metrics are left to the dedicated loaders.
    ``since_year``: skip earlier years.
    """
    return con.cursor().execute(
        """
        WITH wanted AS (
            SELECT metric, country, period, period_start, value FROM observation
            WHERE metric IN (SELECT unnest($metrics::VARCHAR[]))
              AND period_start >= make_date($since, 1, 1)
        )
        SELECT metric, country, year(period_start)::BIGINT AS year, period, value,
               CAST(NULL AS DOUBLE) AS n
        FROM wanted WHERE length(period) = 4
        UNION ALL
        SELECT metric, country, year(period_start)::BIGINT AS year,
               CASE WHEN min(period) = max(period) THEN min(period)
                    ELSE min(period) || '..' || max(period) END AS period,
               avg(value) AS value, count(*)::DOUBLE AS n
        FROM wanted WHERE length(period) = 7
        GROUP BY metric, country, year(period_start)
        """,
        {"metrics": list(metrics), "since": int(since_year or 1)},
    ).df()


def load_ooni(
    con: duckdb.DuckDBPyConnection,
    tests: Sequence[str],
    messaging: Sequence[str],
    since_year: int | None = None,
) -> pd.DataFrame:
    """Daily OONI counts summed per test, country and year.

    Returns ``test, country, year, first_day, last_day, anomaly, confirmed, failure,
    measurements, days_measured, days_confirmed``; test ``messaging`` holds the ``messaging``
    tests together (a day counts once however many of them were measured or blocked). One
    aggregation pass per metric over ``observation``, then a small pivot; the messaging days
    need one more pass over the days with a positive count.
    """
    buckets = ("anomaly_count", "confirmed_count", "failure_count", "measurement_count")
    mapping = pd.DataFrame(  # noqa: F841  (read by DuckDB below)
        [(f"ooni.{t}.{b}", t, b, t in messaging) for t in tests for b in buckets],
        columns=["metric", "test", "bucket", "messaging"],
    )
    names = [f"ooni.{t}.{b}" for t in messaging for b in ("measurement_count", "confirmed_count")]
    if not all(_METRIC_ID.match(n) for n in names):
        raise ValueError(f"unexpected OONI test names: {list(messaging)}")
    messaging_metrics = ", ".join(f"'{n}'" for n in names) or "NULL"  # checked above
    cur = con.cursor()
    cur.register("ooni_metric_map", mapping)
    try:
        return cur.execute(
            """
            WITH per_metric AS (
                SELECT metric, country, year(period_start)::BIGINT AS year, sum(value) AS total,
                       count(*) FILTER (WHERE value > 0) AS positive_days,
                       min(period_start) FILTER (WHERE value > 0) AS first_day,
                       max(period_start) FILTER (WHERE value > 0) AS last_day
                FROM observation
                WHERE starts_with(metric, 'ooni.') AND period_start >= make_date($since, 1, 1)
                GROUP BY metric, country, year(period_start)
            ), m AS (
                SELECT * FROM per_metric JOIN ooni_metric_map USING (metric)
            ), per_test AS (
                SELECT test, country, year,
                       min(first_day) FILTER (WHERE bucket = 'measurement_count') AS first_day,
                       max(last_day) FILTER (WHERE bucket = 'measurement_count') AS last_day,
                       coalesce(sum(total) FILTER (WHERE bucket = 'anomaly_count'), 0) AS anomaly,
                       coalesce(sum(total) FILTER (WHERE bucket = 'confirmed_count'), 0) AS confirmed,
                       coalesce(sum(total) FILTER (WHERE bucket = 'failure_count'), 0) AS failure,
                       coalesce(sum(total) FILTER (WHERE bucket = 'measurement_count'), 0)
                           AS measurements,
                       coalesce(sum(positive_days) FILTER (WHERE bucket = 'measurement_count'), 0)
                           AS days_measured,
                       coalesce(sum(positive_days) FILTER (WHERE bucket = 'confirmed_count'), 0)
                           AS days_confirmed
                FROM m GROUP BY test, country, year
            ), messaging_sums AS (
                SELECT country, year,
                       min(first_day) FILTER (WHERE bucket = 'measurement_count') AS first_day,
                       max(last_day) FILTER (WHERE bucket = 'measurement_count') AS last_day,
                       coalesce(sum(total) FILTER (WHERE bucket = 'failure_count'), 0) AS failure,
                       coalesce(sum(total) FILTER (WHERE bucket = 'measurement_count'), 0)
                           AS measurements
                FROM m WHERE messaging GROUP BY country, year
            ), messaging_days AS (
                SELECT country, year(day)::BIGINT AS year,
                       count(*) FILTER (WHERE measured) AS days_measured,
                       count(*) FILTER (WHERE blocked) AS days_confirmed
                FROM (
                    SELECT o.country, o.period_start AS day,
                           bool_or(m.bucket = 'measurement_count') AS measured,
                           bool_or(m.bucket = 'confirmed_count') AS blocked
                    FROM observation o JOIN ooni_metric_map m ON o.metric = m.metric
                    WHERE o.metric IN ({messaging_metrics})
                      AND o.value > 0 AND o.period_start >= make_date($since, 1, 1)
                    GROUP BY o.country, o.period_start
                )
                GROUP BY country, year(day)
            )
            SELECT test, country, year, strftime(first_day, '%Y-%m-%d') AS first_day,
                   strftime(last_day, '%Y-%m-%d') AS last_day, anomaly, confirmed, failure,
                   measurements, days_measured, days_confirmed
            FROM per_test WHERE first_day IS NOT NULL
            UNION ALL
            SELECT 'messaging', s.country, s.year, strftime(s.first_day, '%Y-%m-%d'),
                   strftime(s.last_day, '%Y-%m-%d'), NULL, NULL, s.failure, s.measurements,
                   coalesce(d.days_measured, 0), coalesce(d.days_confirmed, 0)
            FROM messaging_sums s
            LEFT JOIN messaging_days d ON d.country = s.country AND d.year = s.year
            WHERE s.first_day IS NOT NULL
            ORDER BY 1, 2, 3
            """.replace("{messaging_metrics}", messaging_metrics),
            {"since": int(since_year or 1)},
        ).df()
    finally:
        cur.unregister("ooni_metric_map")


def load_ioda_hours(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``country, year, first_day, last_day, outage_hours, days``: the daily ``ioda.outage_hours``
    values summed per country and year (days with a value only: IODA's coverage)."""
    return con.cursor().execute(
        """
        SELECT country, year(period_start)::BIGINT AS year, min(period) AS first_day,
               max(period) AS last_day, sum(value) AS outage_hours, count(*) AS days
        FROM observation WHERE metric = 'ioda.outage_hours'
        GROUP BY country, year(period_start) ORDER BY country, year
        """
    ).df()


def load_events(con: duckdb.DuckDBPyConnection, source: str, kind: str) -> pd.DataFrame:
    """``id, source, country, start_time, end_time, end_state, details`` of one source's events
    of one kind (``details`` as JSON text)."""
    return con.cursor().execute(
        """SELECT id, source, country, start_time, end_time, end_state, details::VARCHAR AS details
           FROM event WHERE source = $source AND kind = $kind ORDER BY country, start_time, id""",
        {"source": source, "kind": kind},
    ).df()


def load_coverage(con: duckdb.DuckDBPyConnection, sources: Sequence[str]) -> pd.DataFrame:
    """Coverage windows of ``sources`` (``source, country, first_day, last_day, basis``)."""
    return coverage.load(con, list(sources))


def load_countries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return con.cursor().execute(
        "SELECT iso3, region, income_group FROM country ORDER BY iso3"
    ).df()


# -- outputs -------------------------------------------------------------------------------------------
# The trace of one input: in full in the rows of its theme (every indicator of the theme with
# data: metric, period used, raw value, normalised, carried forward, weight, minimum-data status,
# measurements and days behind it) and in brief in the rows of its category, whose themes hold
# the full one. Indicators are not stored as rows of their own: a theme row is their trace.
# Derived numbers are rounded in the JSON only; the value columns keep them whole.
_INPUT_JSON = """CASE WHEN i.status = 'ok' AND i.n IS NULL AND i.days IS NULL THEN json_object(
    'indicator', i.indicator, 'metric', i.metric, 'period', i.period, 'raw', i.raw,
    'normalised', round(i.value, 4), 'carried_forward', i.carried_forward, 'weight', i.weight)
    ELSE json_object(
    'indicator', i.indicator, 'metric', i.metric, 'period', i.period, 'raw', i.raw,
    'normalised', round(i.value, 4), 'carried_forward', i.carried_forward, 'weight', i.weight,
    'status', i.status, 'n', i.n, 'days', i.days) END"""
_INPUT_BRIEF_JSON = """json_object(
    'indicator', i.indicator, 'normalised', round(i.value, 4), 'weight', i.weight,
    'carried_forward', i.carried_forward)"""

_WRITE_SQL = [
    "DELETE FROM score_rank",
    "DELETE FROM score_median",
    # Themes: their inputs, and the catalogued indicators with no data.
    f"""INSERT INTO score
        WITH inp AS (
            SELECT i.country, i.year, i.theme,
                   list({_INPUT_JSON} ORDER BY i.indicator) AS inputs,
                   list(i.indicator) AS present
            FROM rw_ind i WHERE i.category <> 'contextual'
            GROUP BY i.country, i.year, i.theme
        ), ids AS (
            SELECT theme, list(indicator ORDER BY indicator) AS ids FROM rw_cat GROUP BY theme
        )
        SELECT t.country, t.year, 'theme', t.theme, t.value, t.coverage,
               json_object('category', t.category, 'reason', t.reason,
                           'weight_with_data', t.wsum, 'weight_total', t.total,
                           'inputs', coalesce(inp.inputs, []),
                           'missing', list_filter(ids.ids,
                                                  lambda x: NOT list_contains(coalesce(inp.present, []), x)))
        FROM rw_theme t
        LEFT JOIN inp ON inp.country = t.country AND inp.year = t.year AND inp.theme = t.theme
        LEFT JOIN ids ON ids.theme = t.theme""",
    # Categories: themes, every input, missing indicators, robustness and medians.
    f"""INSERT INTO score
        WITH inp AS (
            SELECT i.country, i.year, i.category,
                   list({_INPUT_BRIEF_JSON} ORDER BY i.indicator) AS inputs,
                   list(i.indicator) AS present
            FROM rw_ind i WHERE i.category <> 'contextual'
            GROUP BY i.country, i.year, i.category
        ), th AS (
            SELECT country, year, category,
                   list(json_object('theme', theme, 'value', round(value, 4), 'coverage', round(coverage, 4),
                                    'reason', reason) ORDER BY theme) AS themes
            FROM rw_theme GROUP BY country, year, category
        ), ids AS (
            SELECT category, list(indicator ORDER BY indicator) AS ids FROM rw_cat GROUP BY category
        ), med AS (
            SELECT c.iso3 AS country, w.year, w.key,
                   json_object('world', round(w.median, 4), 'region', round(r.median, 4),
                               'income_group', round(g.median, 4)) AS medians
            FROM country c
            JOIN rw_median w ON w.level = 'category' AND w.group_type = 'world'
            LEFT JOIN rw_median r ON r.level = 'category' AND r.group_type = 'region'
                 AND r.group_name = c.region AND r.year = w.year AND r.key = w.key
            LEFT JOIN rw_median g ON g.level = 'category' AND g.group_type = 'income_group'
                 AND g.group_name = c.income_group AND g.year = w.year AND g.key = w.key
        )
        SELECT k.country, k.year, 'category', k.category, k.value, k.coverage,
               json_object('reason', k.reason, 'themes', coalesce(th.themes, []),
                           'inputs', coalesce(inp.inputs, []),
                           'missing', list_filter(ids.ids,
                                                  lambda x: NOT list_contains(coalesce(inp.present, []), x)),
                           'robustness', CASE WHEN r.country IS NULL THEN NULL ELSE json_object(
                               'rank', r.rank, 'best_rank', r.best_rank, 'worst_rank', r.worst_rank,
                               'n_countries', r.n_countries, 'n_variants', r.n_variants) END,
                           'medians', med.medians)
        FROM rw_category k
        LEFT JOIN th ON th.country = k.country AND th.year = k.year AND th.category = k.category
        LEFT JOIN inp ON inp.country = k.country AND inp.year = k.year AND inp.category = k.category
        LEFT JOIN ids ON ids.category = k.category
        LEFT JOIN rw_rank r ON r.country = k.country AND r.year = k.year AND r.category = k.category
        LEFT JOIN med ON med.country = k.country AND med.year = k.year AND med.key = k.category""",
    # Overall: the categories side by side, the contextual values, medians.
    """INSERT INTO score
        WITH cats AS (
            SELECT country, year,
                   list(json_object('category', category, 'value', round(value, 4),
                                    'coverage', round(coverage, 4),
                                    'reason', reason) ORDER BY position) AS categories
            FROM rw_category JOIN rw_order USING (category) GROUP BY country, year
        ), ctx AS (
            SELECT country, year,
                   list(json_object('indicator', indicator, 'metric', metric, 'period', period,
                                    'raw', raw, 'carried_forward', carried_forward)
                        ORDER BY indicator) AS context
            FROM rw_ind WHERE category = 'contextual' GROUP BY country, year
        ), med AS (
            SELECT c.iso3 AS country, w.year,
                   json_object('world', round(w.median, 4), 'region', round(r.median, 4),
                               'income_group', round(g.median, 4)) AS medians
            FROM country c
            JOIN rw_median w ON w.level = 'overall' AND w.group_type = 'world'
            LEFT JOIN rw_median r ON r.level = 'overall' AND r.group_type = 'region'
                 AND r.group_name = c.region AND r.year = w.year
            LEFT JOIN rw_median g ON g.level = 'overall' AND g.group_type = 'income_group'
                 AND g.group_name = c.income_group AND g.year = w.year
        )
        SELECT o.country, o.year, 'overall', 'ROAMX', o.value, o.coverage,
               json_object('reason', o.reason, 'categories', coalesce(cats.categories, []),
                           'context', coalesce(ctx.context, []), 'medians', med.medians)
        FROM rw_overall o
        LEFT JOIN cats ON cats.country = o.country AND cats.year = o.year
        LEFT JOIN ctx ON ctx.country = o.country AND ctx.year = o.year
        LEFT JOIN med ON med.country = o.country AND med.year = o.year""",
    """INSERT INTO score_rank
        SELECT country, year, category, rank, best_rank, worst_rank, n_countries, n_variants
        FROM rw_rank""",
    """INSERT INTO score_median
        SELECT year, level, key, group_type, group_name, median, n FROM rw_median""",
]

_FRAMES = {
    "rw_ind": ["country", "year", "indicator", "category", "theme", "metric", "period", "raw",
               "value", "carried_forward", "weight", "status", "n", "days"],
    "rw_theme": ["country", "year", "category", "theme", "value", "coverage", "reason", "wsum", "total"],
    "rw_category": ["country", "year", "category", "value", "coverage", "reason"],
    "rw_overall": ["country", "year", "value", "coverage", "reason"],
    "rw_rank": ["country", "year", "category", "rank", "best_rank", "worst_rank", "n_countries",
                "n_variants"],
    "rw_median": ["year", "level", "key", "group_type", "group_name", "median", "n"],
    "rw_cat": ["indicator", "theme", "category"],
    "rw_order": ["category", "position"],
}


_PRIMARY_KEY = re.compile(r",\s*PRIMARY KEY\s*\(([^()]*)\)\s*\)\s*;?\s*$", re.IGNORECASE | re.DOTALL)


def _empty_score_table(con: duckdb.DuckDBPyConnection) -> str | None:
    """Empty ``score`` fast: recreate it from its own DDL without its primary key, so the
    rows are inserted without index maintenance; returns the key columns to restore after.

    Deleting every row of an indexed table and inserting them again is an order of magnitude
    slower in DuckDB (index upkeep, then a heavy checkpoint at commit). The table's own
    ``CREATE TABLE`` text (from ``duckdb_tables()``) is reused, so schema.py stays the
    authority on its columns. Falls back to ``DELETE`` when the DDL has an unexpected shape.
    """
    (ddl,) = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name = 'score' AND schema_name = 'main'"
    ).fetchone()
    match = _PRIMARY_KEY.search(ddl or "")
    if match is None:
        con.execute("DELETE FROM score")
        return None
    con.execute("DROP TABLE score")
    con.execute(ddl[: match.start()] + ")")
    return match.group(1)


def write_scores(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame]) -> int:
    """Replace ``score``, ``score_rank`` and ``score_median`` with the given frames.

    ``frames`` maps ``indicators, themes, categories, overall, ranks, medians, catalogue
    (indicator, theme, category of every scored indicator), order (category, position)`` to
    frames with the columns listed in ``_FRAMES``. Run it inside the caller's transaction.
    Returns the number of ``score`` rows written.
    """
    names = {
        "rw_ind": "indicators", "rw_theme": "themes", "rw_category": "categories",
        "rw_overall": "overall", "rw_rank": "ranks", "rw_median": "medians",
        "rw_cat": "catalogue", "rw_order": "order",
    }
    ensure_score_tables(con)
    registered = []
    try:
        for view, key in names.items():
            frame = frames[key]
            missing = [c for c in _FRAMES[view] if c not in frame.columns]
            if missing:
                raise ValueError(f"write_scores: frame {key!r} lacks columns {missing}")
            con.register(view, frame[_FRAMES[view]])
            registered.append(view)
        key_columns = _empty_score_table(con)
        for statement in _WRITE_SQL:
            con.execute(statement)
        if key_columns is not None:
            con.execute(f"ALTER TABLE score ADD PRIMARY KEY ({key_columns})")
        (count,) = con.execute("SELECT count(*) FROM score").fetchone()
    finally:
        for view in registered:
            with contextlib.suppress(duckdb.Error):  # an aborted transaction: the caller rolls back
                con.unregister(view)
    return int(count)
