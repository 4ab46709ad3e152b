"""Every SQL statement of score recomputation: reading its inputs, writing the score tables.

Reads (on the writer's connection, under the writer lock):
- :func:`load_yearly`: yearly metrics as they are, monthly ones as their yearly mean (kept per
  part in ``rollup_yearly``);
- :func:`load_ooni`: daily OONI counts summed per test, country and year, with the number of
  days measured and days with confirmed blocking (and the four messaging apps together), read
  from the yearly rollups of :mod:`roamwatch.warehouse.rollups` (refreshed first where the
  daily rows changed);
- :func:`load_ioda_hours`: IODA daily outage hours summed per country and year;
- :func:`load_events` and :func:`load_coverage`: events of one source and kind, and the
  source's coverage windows, from which :mod:`indicators.derive` counts days and events per year
  by the one definition of event days (:mod:`roamwatch.events`);
- :func:`load_countries`: region and income group of each country.

Writes, in the caller's transaction: :func:`write_scores` replaces the ``score`` table (levels
``theme``, ``category``, ``overall``; the details JSON is built here in SQL, only for the
(country, year) pairs whose inputs changed: ``score_input_hash``) and the two tables
this module owns, created idempotently by :func:`ensure_score_tables`:
- ``score_rank``: per country, year and category, the best and worst rank under the catalogue's
  aggregation and the alternative ones (robustness); the ``rank`` column stays empty: roamwatch
  publishes rank ranges, never a single rank (UNESCO's framework is not meant for ranking);
- ``score_median``: world, region and income-group medians per year, level and key.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Sequence

import duckdb
import pandas as pd

from roamwatch.warehouse import coverage, rollups
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
    ``since_year``: skip earlier years. Read from ``rollup_yearly``
    (:mod:`roamwatch.warehouse.rollups`), refreshed first where those series changed.
    """
    rollups.refresh_yearly(con)
    return con.cursor().execute(
        """
        SELECT metric, country, year::BIGINT AS year, period, value, n FROM rollup_yearly
        WHERE list_contains($metrics::VARCHAR[], metric) AND year >= $since
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
    tests together (a day counts once however many of them were measured or blocked). Reads the
    yearly rollups of :mod:`roamwatch.warehouse.rollups`, first refreshing the years whose daily
    rows changed since (so it writes: call it under the writer lock), then a small pivot.
    """
    buckets = ("anomaly_count", "confirmed_count", "failure_count", "measurement_count")
    mapping = pd.DataFrame(  # noqa: F841  (read by DuckDB below)
        [(f"ooni.{t}.{b}", t, b, t in messaging) for t in tests for b in buckets],
        columns=["metric", "test", "bucket", "messaging"],
    )
    measured = [f"ooni.{t}.measurement_count" for t in messaging]
    confirmed = [f"ooni.{t}.confirmed_count" for t in messaging]
    if not all(_METRIC_ID.match(n) for n in measured + confirmed):
        raise ValueError(f"unexpected OONI test names: {list(messaging)}")
    rollups.refresh(con, [g for g in (measured, confirmed) if g])
    cur = con.cursor()
    cur.register("ooni_metric_map", mapping)
    try:
        return cur.execute(
            """
            WITH per_metric AS (
                SELECT metric, country, year::BIGINT AS year, total, positive_days,
                       first_positive AS first_day, last_positive AS last_day
                FROM rollup_daily
                WHERE starts_with(metric, 'ooni.') AND year >= $since
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
                SELECT coalesce(d.country, c.country) AS country,
                       coalesce(d.year, c.year)::BIGINT AS year,
                       coalesce(d.days, 0) AS days_measured, coalesce(c.days, 0) AS days_confirmed
                FROM (SELECT * FROM rollup_days_any WHERE grp = $measured) d
                FULL OUTER JOIN (SELECT * FROM rollup_days_any WHERE grp = $confirmed) c
                     ON c.country = d.country AND c.year = d.year
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
            """,
            {"since": int(since_year or 1), "measured": rollups.group_key(measured),
             "confirmed": rollups.group_key(confirmed)},
        ).df()
    finally:
        cur.unregister("ooni_metric_map")


def load_ioda_hours(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``country, year, first_day, last_day, outage_hours, days``: the daily ``ioda.outage_hours``
    values summed per country and year (days with a value only: IODA's coverage). Read from the
    yearly rollups (:mod:`roamwatch.warehouse.rollups`), refreshed first where the daily rows
    changed."""
    rollups.refresh(con)
    return con.cursor().execute(
        """
        SELECT country, year::BIGINT AS year, strftime(first_day, '%Y-%m-%d') AS first_day,
               strftime(last_day, '%Y-%m-%d') AS last_day, total AS outage_hours, days
        FROM rollup_daily WHERE metric = 'ioda.outage_hours'
        ORDER BY country, year
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

# Rank ranges and medians: replaced whole (small tables).
_TABLE_SQL = [
    "DELETE FROM score_rank",
    "DELETE FROM score_median",
    """INSERT INTO score_rank
        SELECT country, year, category, CAST(NULL AS INTEGER), best_rank, worst_rank, n_countries,
               n_variants
        FROM rw_rank""",
    """INSERT INTO score_median
        SELECT year, level, key, group_type, group_name, median, n FROM rw_median""",
]

# The score rows (into the temporary ``score_new``) of the (country, year) pairs in the frames.
_WRITE_SQL = [
    # Themes: their inputs, and the catalogued indicators with no data.
    f"""INSERT INTO score_new
        WITH inp AS (
            SELECT i.country, i.year, i.theme,
                   list({_INPUT_JSON} ORDER BY i.indicator) AS inputs,
                   list(i.indicator) AS present
            FROM rw_ind i WHERE i.category <> 'contextual'
            GROUP BY i.country, i.year, i.theme
        ), ids AS (
            SELECT theme, list(indicator ORDER BY indicator) AS ids FROM rw_cat GROUP BY theme
        ), outside AS (
            SELECT year, theme, list(json_object('indicator', indicator, 'note', note)
                                     ORDER BY indicator) AS notes
            FROM rw_outside GROUP BY year, theme
        ), flags AS (
            SELECT country, year, theme, list(json_object('indicator', indicator, 'note', note)
                                              ORDER BY indicator) AS notes
            FROM rw_flags GROUP BY country, year, theme
        )
        SELECT t.country, t.year, 'theme', t.theme, t.value, t.coverage,
               json_object('category', t.category, 'reason', t.reason,
                           'weight_with_data', t.wsum, 'weight_total', t.total,
                           'inputs', coalesce(inp.inputs, []),
                           'missing', list_filter(ids.ids,
                                                  lambda x: NOT list_contains(coalesce(inp.present, []), x)),
                           'outside_coverage', coalesce(outside.notes, []),
                           'flags', coalesce(flags.notes, []))
        FROM rw_theme t
        LEFT JOIN inp ON inp.country = t.country AND inp.year = t.year AND inp.theme = t.theme
        LEFT JOIN ids ON ids.theme = t.theme
        LEFT JOIN flags ON flags.country = t.country AND flags.year = t.year AND flags.theme = t.theme
        LEFT JOIN outside ON outside.year = t.year AND outside.theme = t.theme""",
    # Categories: themes, every input, missing indicators, robustness and medians.
    f"""INSERT INTO score_new
        WITH inp AS (
            SELECT i.country, i.year, i.category,
                   list({_INPUT_BRIEF_JSON} ORDER BY i.indicator) AS inputs,
                   list(i.indicator) AS present
            FROM rw_ind i WHERE i.category <> 'contextual'
            GROUP BY i.country, i.year, i.category
        ), th AS (
            SELECT country, year, category,
                   list(json_object('theme', theme, 'value', round(value, 4), 'coverage', round(coverage, 4),
                                    'reason', reason) ORDER BY theme) AS themes,
                   list(theme ORDER BY theme) FILTER (WHERE value IS NOT NULL AND NOT isnan(value))
                       AS filled
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
                           'framework', json_object(
                               'themes_filled', k.themes_filled, 'themes_in_framework', k.framework_themes,
                               'coverage', round(k.framework_coverage, 4),
                               'filled', coalesce(th.filled, [])),
                           'robustness', CASE WHEN r.country IS NULL THEN NULL ELSE json_object(
                               'best_rank', r.best_rank, 'worst_rank', r.worst_rank,
                               'n_countries', r.n_countries, 'n_variants', r.n_variants) END,
                           'medians', med.medians)
        FROM rw_category k
        LEFT JOIN th ON th.country = k.country AND th.year = k.year AND th.category = k.category
        LEFT JOIN inp ON inp.country = k.country AND inp.year = k.year AND inp.category = k.category
        LEFT JOIN ids ON ids.category = k.category
        LEFT JOIN rw_rank r ON r.country = k.country AND r.year = k.year AND r.category = k.category
        LEFT JOIN med ON med.country = k.country AND med.year = k.year AND med.key = k.category""",
    # Overall: the categories side by side, the contextual values, medians.
    """INSERT INTO score_new
        WITH cats AS (
            SELECT country, year,
                   list(json_object('category', category, 'value', round(value, 4),
                                    'coverage', round(coverage, 4),
                                    'framework_coverage', round(framework_coverage, 4),
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
                           'framework', json_object(
                               'themes_filled', o.themes_filled, 'themes_in_framework', o.framework_themes,
                               'coverage', round(o.framework_coverage, 4)),
                           'context', coalesce(ctx.context, []), 'medians', med.medians)
        FROM rw_overall o
        LEFT JOIN cats ON cats.country = o.country AND cats.year = o.year
        LEFT JOIN ctx ON ctx.country = o.country AND ctx.year = o.year
        LEFT JOIN med ON med.country = o.country AND med.year = o.year""",
]

_FRAMES = {
    "rw_ind": ["country", "year", "indicator", "category", "theme", "metric", "period", "raw",
               "value", "carried_forward", "weight", "status", "n", "days"],
    "rw_theme": ["country", "year", "category", "theme", "value", "coverage", "reason", "wsum", "total"],
    "rw_category": ["country", "year", "category", "value", "coverage", "reason", "themes_filled",
                    "framework_themes", "framework_coverage"],
    "rw_overall": ["country", "year", "value", "coverage", "reason", "themes_filled",
                   "framework_themes", "framework_coverage"],
    "rw_rank": ["country", "year", "category", "rank", "best_rank", "worst_rank", "n_countries",
                "n_variants"],
    "rw_median": ["year", "level", "key", "group_type", "group_name", "median", "n"],
    "rw_cat": ["indicator", "theme", "category"],
    "rw_order": ["category", "position"],
    "rw_outside": ["year", "theme", "indicator", "note"],
    "rw_flags": ["country", "year", "theme", "indicator", "note"],
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
    ).fetchall()[0]
    match = _PRIMARY_KEY.search(ddl or "")
    if match is None:
        con.execute("DELETE FROM score")
        return None
    con.execute("DROP TABLE score")
    con.execute(ddl[: match.start()] + ")")
    return match.group(1)


#: Above this share of (country, year) pairs changed, ``score`` is rebuilt rather than patched.
REBUILD_SHARE = 0.25
#: Frames whose rows belong to one (country, year); the others are read whole.
_PAIR_FRAMES = ("rw_ind", "rw_theme", "rw_category", "rw_overall", "rw_rank", "rw_flags")

_INPUT_HASH_DDL = """CREATE TABLE IF NOT EXISTS score_input_hash (
    country VARCHAR NOT NULL,
    year INTEGER NOT NULL,
    h VARCHAR NOT NULL,
    PRIMARY KEY (country, year)
)"""


def _input_hash_sql() -> str:
    """Per (country, year) with score rows: a hash of everything its rows are built from (its
    rows of the pair frames, the year's medians and coverage notes, the country's groups, the
    catalogue and the SQL that builds the rows). Equal hash, equal score rows."""
    per_pair = "\n".join(
        f", {v} AS (SELECT country, year, list(hash(t) ORDER BY hash(t)) AS h FROM {v} t "
        f"GROUP BY country, year)"
        for v in _PAIR_FRAMES
    )
    code = hashlib.sha256("\n".join(_WRITE_SQL).encode()).hexdigest()
    joins = " ".join(f"LEFT JOIN {v} ON {v}.country = p.country AND {v}.year = p.year"
                     for v in _PAIR_FRAMES)
    hashes = ", ".join(f"{v}.h" for v in _PAIR_FRAMES)
    return f"""
        WITH pairs AS (
            SELECT country, year FROM rw_theme UNION SELECT country, year FROM rw_category
            UNION SELECT country, year FROM rw_overall
        ){per_pair}
        , med AS (SELECT year, list(hash(t) ORDER BY hash(t)) AS h FROM rw_median t GROUP BY year)
        , outs AS (SELECT year, list(hash(t) ORDER BY hash(t)) AS h FROM rw_outside t GROUP BY year)
        , shared AS (SELECT hash((SELECT list(hash(t) ORDER BY hash(t)) FROM rw_cat t),
                               (SELECT list(hash(t) ORDER BY hash(t)) FROM rw_order t),
                               '{code}') AS h)
        SELECT p.country, p.year::INTEGER AS year,
               hash({hashes}, med.h, outs.h, c.region, c.income_group, shared.h)::VARCHAR AS h
        FROM pairs p {joins}
        LEFT JOIN med ON med.year = p.year
        LEFT JOIN outs ON outs.year = p.year
        LEFT JOIN country c ON c.iso3 = p.country
        CROSS JOIN shared"""


def write_scores(con: duckdb.DuckDBPyConnection, frames: dict[str, pd.DataFrame],
                 stats: dict | None = None) -> int:
    """Replace ``score``, ``score_rank`` and ``score_median`` with the given frames.

    ``frames`` maps ``indicators, themes, categories, overall, ranks, medians, catalogue
    (indicator, theme, category of every scored indicator), order (category, position),
    outside`` (optional: year, theme, indicator, note of indicators whose source does not cover
    the year; listed as no data in the theme traces), ``flags`` (optional: country, year, theme,
    indicator, note: how a value was counted, e.g. events with an unknown end) to frames with
    the columns listed in ``_FRAMES``. Run it inside the caller's transaction.
    Returns the number of ``score`` rows; ``stats``, if given, receives how many (country,
    year) pairs there are, how many changed or vanished, and whether the table was rebuilt.

    A recomputation after a small change leaves most scores as they were, and building the
    trace JSON of every row cost more than computing the scores. So the rows of a (country,
    year) are built again only when the hash of their inputs changed (``score_input_hash``);
    when much changed, the table is rebuilt without index upkeep (:func:`_empty_score_table`).
    """
    names = {
        "rw_ind": "indicators", "rw_theme": "themes", "rw_category": "categories",
        "rw_overall": "overall", "rw_rank": "ranks", "rw_median": "medians",
        "rw_cat": "catalogue", "rw_order": "order", "rw_outside": "outside", "rw_flags": "flags",
    }
    for key, view in (("outside", "rw_outside"), ("flags", "rw_flags")):
        if key not in frames:
            frames = {**frames, key: pd.DataFrame(columns=_FRAMES[view])}
    ensure_score_tables(con)
    con.execute(_INPUT_HASH_DDL)
    registered = []
    try:
        for view, key in names.items():
            frame = frames[key]
            missing = [c for c in _FRAMES[view] if c not in frame.columns]
            if missing:
                raise ValueError(f"write_scores: frame {key!r} lacks columns {missing}")
            con.register(view, frame[_FRAMES[view]])
            registered.append(view)
        for statement in _TABLE_SQL:
            con.execute(statement)
        con.execute(f"CREATE OR REPLACE TEMP TABLE pair_hash AS {_input_hash_sql()}")
        changed = con.execute(
            """SELECT country, year FROM pair_hash n
               WHERE NOT EXISTS (SELECT 1 FROM score_input_hash o
                                 WHERE o.country = n.country AND o.year = n.year AND o.h = n.h)
               UNION ALL
               SELECT country, year FROM score_input_hash o
               WHERE NOT EXISTS (SELECT 1 FROM pair_hash n
                                 WHERE n.country = o.country AND n.year = o.year)"""
        ).df()
        (pairs,) = con.execute("SELECT count(*) FROM pair_hash").fetchall()[0]
        (stored,) = con.execute("SELECT count(*) FROM score").fetchall()[0]
        rebuild = len(changed) > REBUILD_SHARE * max(pairs, 1) or (stored and not con.execute(
            "SELECT count(*) FROM score_input_hash").fetchall()[0][0])
        if not rebuild:  # build the rows of the changed pairs only
            for view in _PAIR_FRAMES:
                frame = frames[names[view]][_FRAMES[view]]
                con.register(view, frame.merge(changed, on=["country", "year"]))
        con.execute("CREATE OR REPLACE TEMP TABLE score_new AS FROM score LIMIT 0")
        for statement in _WRITE_SQL:
            con.execute(statement)
        if rebuild:
            key_columns = _empty_score_table(con)
            con.execute("INSERT INTO score SELECT * FROM score_new")
            if key_columns is not None:
                con.execute(f"ALTER TABLE score ADD PRIMARY KEY ({key_columns})")
            con.execute("DELETE FROM score_input_hash")
        elif len(changed):
            con.register("rw_changed", changed)
            registered.append("rw_changed")
            con.execute("DELETE FROM score a USING rw_changed b "
                        "WHERE a.country = b.country AND a.year = b.year")
            con.execute("INSERT INTO score SELECT * FROM score_new")
            con.execute("DELETE FROM score_input_hash a USING rw_changed b "
                        "WHERE a.country = b.country AND a.year = b.year")
        if rebuild or len(changed):
            con.execute("""INSERT INTO score_input_hash SELECT * FROM pair_hash n
                           WHERE NOT EXISTS (SELECT 1 FROM score_input_hash o
                                             WHERE o.country = n.country AND o.year = n.year)""")
        if stats is not None:
            stats.update(pairs=int(pairs), changed=len(changed), rebuilt=int(bool(rebuild)))
        (count,) = con.execute("SELECT count(*) FROM score").fetchall()[0]
    finally:
        for view in registered:
            with contextlib.suppress(duckdb.Error):  # an aborted transaction: the caller rolls back
                con.unregister(view)
        for temp in ("score_new", "pair_hash"):
            with contextlib.suppress(duckdb.Error):
                con.execute(f"DROP TABLE IF EXISTS temp.{temp}")
    return int(count)
