"""Every read query the dashboard needs, as functions of a :class:`~roamwatch.warehouse.queries.Reader`.

The dashboard never writes SQL itself; it calls these functions (through ``dashboard/data.py``,
which caches their results per snapshot). A "series" is either an observation metric id
(``worldbank.IT.NET.USER.ZS``) or a score, named ``score:<level>:<key>``
(``score:category:R``, ``score:overall:ROAMX``).

Years are ``year(period_start)``; for monthly or daily metrics a country-year takes the latest
period of that year.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field

import pandas as pd

from roamwatch.warehouse.queries import Reader

#: A country-year of OONI measurements gives a share on the world map only with at least this
#: many measurements of the test (fewer: shown as too few measurements, not as a rate).
OONI_MIN_YEAR_MEASUREMENTS = 30
#: ... and a country-month gives a share on the compare page with at least this many.
OONI_MIN_MONTH = 10

#: The last day of an observation's period (periods are a year "2023", a month "2023-06" or
#: a day "2023-06-15"): the day its newest data speaks of, so a 2023 value is as old as
#: 31 December 2023, not 1 January.
PERIOD_END_SQL = """CASE length(o.period)
    WHEN 4 THEN CAST(o.period_start + INTERVAL 1 YEAR - INTERVAL 1 DAY AS DATE)
    WHEN 7 THEN CAST(o.period_start + INTERVAL 1 MONTH - INTERVAL 1 DAY AS DATE)
    ELSE o.period_start END"""

SCORE_PREFIX = "score:"
#: OONI shares as a series: ``ooni:<test>:<bucket>`` (``ooni:web_connectivity:confirmed``), the
#: share of a test's measurements in a bucket, over a year (world) or a month (country).
OONI_PREFIX = "ooni:"
OONI_BUCKETS = ("ok", "anomaly", "confirmed", "failure")
#: Columns of the data page, in order; the only names a sort may use.
DATA_COLUMNS = (
    "metric", "metric_name", "unit", "country", "country_name", "region", "income_group",
    "period", "year", "value", "source",
)


def is_score(series: str) -> bool:
    return series.startswith(SCORE_PREFIX)


def score_parts(series: str) -> tuple[str, str]:
    """``"score:category:R"`` → ``("category", "R")``."""
    _, level, key = series.split(":", 2)
    return level, key


def score_series(level: str, key: str) -> str:
    return f"{SCORE_PREFIX}{level}:{key}"


def is_ooni_share(series: str) -> bool:
    return series.startswith(OONI_PREFIX)


def ooni_parts(series: str) -> tuple[str, str]:
    """``"ooni:web_connectivity:confirmed"`` → ``("web_connectivity", "confirmed")``."""
    _, test, bucket = series.split(":", 2)
    return test, bucket


def ooni_series(test: str, bucket: str) -> str:
    return f"{OONI_PREFIX}{test}:{bucket}"


# -- reference tables ---------------------------------------------------------------------------
def countries(reader: Reader) -> pd.DataFrame:
    """Every country: iso3, iso2, name_en, name_fr, region, income_group, has_data."""
    return reader._df(
        """
        SELECT c.iso3, c.iso2, c.name_en, coalesce(c.name_fr, c.name_en) AS name_fr,
               c.region, c.income_group,
               c.iso3 IN (SELECT DISTINCT country FROM observation
                          UNION SELECT DISTINCT country FROM event
                          UNION SELECT DISTINCT country FROM score) AS has_data
        FROM country c ORDER BY c.name_en
        """
    )


def metrics(reader: Reader) -> pd.DataFrame:
    """Metrics that have observations, with their source name and coverage."""
    # Observations are aggregated per metric first (numbers only), then joined to the few
    # metric rows: grouping the millions of joined rows by every text column is several times slower.
    return reader._df(
        """
        WITH o AS (
            SELECT metric, count(*) AS observations, count(DISTINCT country) AS countries,
                   min(year(period_start)) AS first_year, max(year(period_start)) AS last_year
            FROM observation GROUP BY metric
        )
        SELECT m.id, m.source, coalesce(s.name, m.source) AS source_name, m.source_code, m.name,
               coalesce(m.unit, '') AS unit, m.frequency, coalesce(m.description, '') AS description,
               o.observations, o.countries, o.first_year, o.last_year
        FROM metric m
        JOIN o ON o.metric = m.id
        LEFT JOIN source s ON s.id = m.source
        ORDER BY m.source, m.name
        """
    )


def score_keys(reader: Reader) -> pd.DataFrame:
    """Score series present: level, key, first/last year, countries with a value."""
    return reader._df(
        """
        SELECT level, key, min(year) AS first_year, max(year) AS last_year,
               count(DISTINCT country) FILTER (WHERE value IS NOT NULL) AS countries
        FROM score GROUP BY level, key ORDER BY level, key
        """
    )


def sources(reader: Reader) -> pd.DataFrame:
    return reader.sources()


def collector_status(reader: Reader) -> pd.DataFrame:
    return reader.collector_status()


def source_status(reader: Reader) -> pd.DataFrame:
    """Per source: licence, citation, last run, last success, rows, errors, newest data.

    ``newest_end`` is the day the newest data speaks of (its age counts from there): the end of
    the newest observation's period; for events, the dataset's last update when the source
    declares it (``source_coverage``), else the newest event's start. ``newest_basis`` says
    which (``period_end``, ``last_update``, ``event_start``)."""
    frame = reader._df(
        f"""
        WITH runs AS (
            SELECT * FROM collector_run
            QUALIFY row_number() OVER (PARTITION BY collector ORDER BY id DESC) = 1
        ), ok AS (
            SELECT collector, max(finished_at) AS last_success, count(*) AS successful_runs
            FROM collector_run WHERE status IN ('success', 'partial') GROUP BY collector
        ), obs AS (
            SELECT m.source, count(*) AS observations, count(DISTINCT o.country) AS countries,
                   count(DISTINCT o.metric) AS metrics,
                   max(o.period) AS newest_period, max({PERIOD_END_SQL}) AS newest_period_end,
                   max(o.fetched_at) AS last_fetched
            FROM observation o JOIN metric m ON m.id = o.metric GROUP BY m.source
        ), ev AS (
            SELECT source, count(*) AS events, max(start_time) AS newest_event
            FROM event GROUP BY source
        ), ids AS (
            SELECT id FROM source UNION SELECT collector FROM collector_run
        )
        SELECT ids.id, s.name, s.homepage, s.licence, s.licence_url, s.citation, s.terms,
               runs.id AS run_id, runs.status, runs.started_at, runs.finished_at,
               runs.rows_written, runs.rows_rejected, runs.units_total, runs.units_failed,
               runs.error, ok.last_success, coalesce(obs.observations, 0) AS observations,
               coalesce(obs.countries, 0) AS countries, coalesce(obs.metrics, 0) AS metrics,
               obs.newest_period, obs.newest_period_end, obs.last_fetched,
               coalesce(ev.events, 0) AS events, ev.newest_event
        FROM ids
        LEFT JOIN source s ON s.id = ids.id
        LEFT JOIN runs ON runs.collector = ids.id
        LEFT JOIN ok ON ok.collector = ids.id
        LEFT JOIN obs ON obs.source = ids.id
        LEFT JOIN ev ON ev.source = ids.id
        ORDER BY ids.id
        """
    )
    return _with_newest_end(frame, reader, "newest_period_end", "newest_event", "last_fetched")


def _last_updates(reader: Reader) -> dict[str, pd.Timestamp]:
    """Each source's last update as it declares it: the end of its every-country coverage."""
    cov = reader.coverage()
    general = cov[cov["country"].isna()]
    return {str(s): pd.Timestamp(d) for s, d in general.groupby("source")["last_day"].max().items()}


def _with_newest_end(frame: pd.DataFrame, reader: Reader, period_end: str, event_start: str,
                     fetched: str) -> pd.DataFrame:
    """``frame`` with ``newest_end`` and ``newest_basis`` (see :func:`source_status`); a period
    still running when its data was fetched (this month's value) ends at the fetch, not after."""
    updates = _last_updates(reader)
    picked: list[tuple[object, str | None]] = []
    sources = frame["source"] if "source" in frame else frame["id"]
    for source, end, start, got in zip(sources, frame[period_end], frame[event_start], frame[fetched],
                                       strict=True):
        if not pd.isna(end):
            end = pd.Timestamp(end)
            if not pd.isna(got) and pd.Timestamp(got).normalize() < end:
                end = pd.Timestamp(got).normalize()
            picked.append((end, "period_end"))
        elif source in updates and not pd.isna(start):
            picked.append((updates[source], "last_update"))
        elif not pd.isna(start):
            picked.append((pd.Timestamp(start).normalize(), "event_start"))
        else:
            picked.append((pd.NaT, None))
    ends = [p[0] for p in picked]
    bases = [p[1] for p in picked]
    return frame.assign(newest_end=pd.to_datetime(pd.Series(ends, index=frame.index, dtype=object)),
                        newest_basis=bases)


# -- world page ---------------------------------------------------------------------------------
def series_years(reader: Reader, series: str) -> pd.DataFrame:
    """Years of a series with the number of countries that have a value that year."""
    if is_score(series):
        level, key = score_parts(series)
        return reader._df(
            """SELECT year, count(*) FILTER (WHERE value IS NOT NULL) AS countries
               FROM score WHERE level = $level AND key = $key GROUP BY year ORDER BY year""",
            {"level": level, "key": key},
        )
    if is_ooni_share(series):
        test, _bucket = ooni_parts(series)
        series = f"ooni.{test}.measurement_count"
    return reader._df(
        """SELECT year(period_start) AS year, count(DISTINCT country) AS countries
           FROM observation WHERE metric = $metric GROUP BY year ORDER BY year""",
        {"metric": series},
    )


def world_values(reader: Reader, series: str, year: int) -> pd.DataFrame:
    """One value per country for a year: iso3, name_en, name_fr, region, income_group,
    value, period, coverage (scores only; NULL value = insufficient data), for category
    scores the best and worst world rank under alternative aggregations (``score_rank``),
    ``aggregation`` (how the year's value was made: ``value``, ``sum`` or ``mean`` of the
    periods of the year), ``measurements`` (OONI shares: the year's measurement count) and for
    category scores the framework's themes with a value (``themes_filled`` of
    ``framework_themes``)."""
    if is_ooni_share(series):
        test, bucket = ooni_parts(series)
        return reader._df(
            """
            WITH o AS (
                SELECT country, sum(value) FILTER (WHERE metric = $total) AS measurements,
                       sum(value) FILTER (WHERE metric = $part) AS part
                FROM observation
                WHERE metric IN ($total, $part) AND year(period_start) = $year
                GROUP BY country
            )
            SELECT o.country AS iso3, coalesce(c.name_en, o.country) AS name_en,
                   coalesce(c.name_fr, c.name_en, o.country) AS name_fr, c.region, c.income_group,
                   CASE WHEN o.measurements >= $min THEN 100.0 * coalesce(o.part, 0) / o.measurements
                   END AS value,
                   CAST($year AS VARCHAR) AS period, CAST(NULL AS DOUBLE) AS coverage,
                   CAST(NULL AS INTEGER) AS best_rank, CAST(NULL AS INTEGER) AS worst_rank,
                   'share' AS aggregation, o.measurements,
                   CAST(NULL AS INTEGER) AS themes_filled, CAST(NULL AS INTEGER) AS framework_themes
            FROM o LEFT JOIN country c ON c.iso3 = o.country
            WHERE o.measurements > 0
            ORDER BY value DESC NULLS LAST, name_en
            """,
            {"total": f"ooni.{test}.measurement_count", "part": f"ooni.{test}.{bucket}_count",
             "year": year, "min": OONI_MIN_YEAR_MEASUREMENTS},
        )
    if is_score(series):
        level, key = score_parts(series)
        return reader._df(
            """
            SELECT s.country AS iso3, coalesce(c.name_en, s.country) AS name_en,
                   coalesce(c.name_fr, c.name_en, s.country) AS name_fr, c.region, c.income_group,
                   s.value, CAST(s.year AS VARCHAR) AS period, s.coverage,
                   r.best_rank, r.worst_rank, 'value' AS aggregation,
                   CAST(NULL AS DOUBLE) AS measurements,
                   TRY_CAST(json_extract_string(s.details, '$.framework.themes_filled') AS INTEGER)
                       AS themes_filled,
                   TRY_CAST(json_extract_string(s.details, '$.framework.themes_in_framework')
                            AS INTEGER) AS framework_themes
            FROM score s LEFT JOIN country c ON c.iso3 = s.country
            LEFT JOIN score_rank r
                   ON s.level = 'category' AND r.country = s.country AND r.year = s.year
                  AND r.category = s.key
            WHERE s.level = $level AND s.key = $key AND s.year = $year
            ORDER BY s.value DESC NULLS LAST, name_en
            """,
            {"level": level, "key": key, "year": year},
        )
    # Yearly metrics: the year's value. Monthly/daily ones: counts are summed over the year,
    # anything else averaged; ``period`` then names the year.
    return reader._df(
        """
        WITH m AS (
            SELECT frequency = 'year' AS yearly,
                   lower(coalesce(unit, '')) IN ('measurements', 'count', 'events', 'hours') AS additive
            FROM metric WHERE id = $metric
        ), latest AS (
            SELECT country, value, period FROM observation
            WHERE metric = $metric AND year(period_start) = $year
            QUALIFY row_number() OVER (PARTITION BY country ORDER BY period_start DESC) = 1
        ), whole AS (
            SELECT country, CASE WHEN (SELECT additive FROM m) THEN sum(value) ELSE avg(value) END AS value,
                   CAST($year AS VARCHAR) AS period,
                   CASE WHEN (SELECT additive FROM m) THEN 'sum' ELSE 'mean' END AS aggregation
            FROM observation WHERE metric = $metric AND year(period_start) = $year GROUP BY country
        ), y AS (
            SELECT *, 'value' AS aggregation FROM latest WHERE coalesce((SELECT yearly FROM m), TRUE)
            UNION ALL
            SELECT * FROM whole WHERE NOT coalesce((SELECT yearly FROM m), TRUE)
        )
        SELECT y.country AS iso3, coalesce(c.name_en, y.country) AS name_en,
               coalesce(c.name_fr, c.name_en, y.country) AS name_fr, c.region, c.income_group,
               y.value, y.period, CAST(NULL AS DOUBLE) AS coverage,
               CAST(NULL AS INTEGER) AS best_rank, CAST(NULL AS INTEGER) AS worst_rank,
               y.aggregation, CAST(NULL AS DOUBLE) AS measurements,
               CAST(NULL AS INTEGER) AS themes_filled, CAST(NULL AS INTEGER) AS framework_themes
        FROM y LEFT JOIN country c ON c.iso3 = y.country
        ORDER BY y.value DESC, name_en
        """,
        {"metric": series, "year": year},
    )


def series_domain(reader: Reader, series: str) -> tuple[float | None, float | None]:
    """The lowest and highest value a series takes over every country and year (as the world
    map aggregates them): a colour scale that a filter or a year does not rescale."""
    if is_score(series) or is_ooni_share(series):
        return 0.0, 100.0
    row = reader.con.cursor().execute(
        """
        WITH m AS (
            SELECT frequency = 'year' AS yearly,
                   lower(coalesce(unit, '')) IN ('measurements', 'count', 'events', 'hours') AS additive
            FROM metric WHERE id = $metric
        ), y AS (
            SELECT country, year(period_start) AS year,
                   CASE WHEN (SELECT additive FROM m) AND NOT (SELECT yearly FROM m) THEN sum(value)
                        WHEN (SELECT yearly FROM m) THEN arg_max(value, period_start)
                        ELSE avg(value) END AS value
            FROM observation WHERE metric = $metric GROUP BY country, year
        )
        SELECT min(value), max(value) FROM y
        """,
        {"metric": series},
    ).fetchone()
    return (None, None) if row is None else (row[0], row[1])


def ooni_tests(reader: Reader) -> pd.DataFrame:
    """OONI tests with measurements: test, countries, first_year, last_year."""
    return reader._df(
        """
        SELECT split_part(metric, '.', 2) AS test, count(DISTINCT country) AS countries,
               min(year(period_start)) AS first_year, max(year(period_start)) AS last_year
        FROM observation
        WHERE starts_with(metric, 'ooni.') AND ends_with(metric, '.measurement_count')
        GROUP BY test ORDER BY test
        """
    )


# -- country page -------------------------------------------------------------------------------
def country_observations(reader: Reader, iso3: str,
                         metrics: tuple[str, ...] | None = None) -> pd.DataFrame:
    """One country's observations, with metric and source names, oldest first: every one but
    OONI's daily counts (:func:`country_ooni` sums them by month), or only those of ``metrics``
    (the brief's series: far fewer rows than the page's)."""
    if metrics is None:
        which, params = "NOT starts_with(o.metric, 'ooni.')", {"iso3": iso3}
    else:
        which, params = "list_contains($metrics::VARCHAR[], o.metric)", {"iso3": iso3,
                                                                          "metrics": list(metrics)}
    return reader._df(
        f"""
        SELECT o.metric, m.name AS metric_name, coalesce(m.unit, '') AS unit, m.source,
               coalesce(s.name, m.source) AS source_name, o.period, o.period_start,
               year(o.period_start) AS year, o.value, o.fetched_at
        FROM observation o JOIN metric m ON m.id = o.metric
        LEFT JOIN source s ON s.id = m.source
        WHERE o.country = $iso3 AND {which}
        ORDER BY m.source, m.name, o.period_start
        """,
        params,
    )


def country_ooni(reader: Reader, iso3: str | None = None) -> pd.DataFrame:
    """OONI counts per test and month (metrics ``ooni.<test>.<bucket>``) of one country, or of
    every country with a ``country`` column when ``iso3`` is None: test, month (first day),
    measurements, ok, anomalies, confirmed, failures. Every month with at least one measurement
    is here: the page fades thin months, it never drops them."""
    where = "starts_with(metric, 'ooni.')" + (" AND country = $iso3" if iso3 else "")
    return reader._df(
        f"""
        WITH o AS (
            SELECT country, split_part(metric, '.', 2) AS test, split_part(metric, '.', 3) AS bucket,
                   CAST(date_trunc('month', period_start) AS DATE) AS month, sum(value) AS v
            FROM observation
            WHERE {where}
            GROUP BY ALL
        )
        SELECT {"" if iso3 else "country, "}test, month,
               coalesce(sum(v) FILTER (WHERE bucket = 'measurement_count'), 0) AS measurements,
               coalesce(sum(v) FILTER (WHERE bucket = 'ok_count'), 0) AS ok,
               coalesce(sum(v) FILTER (WHERE bucket = 'anomaly_count'), 0) AS anomalies,
               coalesce(sum(v) FILTER (WHERE bucket = 'confirmed_count'), 0) AS confirmed,
               coalesce(sum(v) FILTER (WHERE bucket = 'failure_count'), 0) AS failures
        FROM o GROUP BY country, test, month
        HAVING measurements > 0
        ORDER BY country, test, month
        """,
        {"iso3": iso3} if iso3 else None,
    )


def country_events(reader: Reader, iso3: str | None = None) -> pd.DataFrame:
    """One country's events (every country's, with a ``country`` column, when ``iso3`` is
    None) with their source's name, end state and the days they cover (``first_day``,
    ``last_day``, ``span_rule``: :func:`roamwatch.events.event_spans`)."""
    frame = reader.events(countries=[iso3] if iso3 else ())
    names = reader._df("SELECT id AS source, name AS source_name FROM source")
    frame = frame.merge(names, on="source", how="left")
    frame["source_name"] = frame["source_name"].fillna(frame["source"])
    frame["details"] = frame["details"].map(lambda d: None if d is None else str(d))
    columns = ["id", "source", "source_name", "kind", "start_time", "end_time", "end_state",
               "first_day", "last_day", "span_rule", "severity", "details"]
    if not iso3:
        columns.insert(1, "country")
    return frame[columns].sort_values("start_time", kind="stable").reset_index(drop=True)


def event_coverage(reader: Reader) -> pd.DataFrame:
    """Coverage windows of every source (``source, country, first_day, last_day``; country
    NULL = every country the source covers): inside them a source's silence means "none
    recorded" (:meth:`Reader.coverage`)."""
    return reader.coverage()[["source", "country", "first_day", "last_day"]]


def country_scores(reader: Reader, iso3: str) -> pd.DataFrame:
    return reader._df(
        """SELECT year, level, key, value, coverage, CAST(details AS VARCHAR) AS details
           FROM score WHERE country = $iso3 ORDER BY year, level, key""",
        {"iso3": iso3},
    )


def latest_country_scores(reader: Reader, iso3: str) -> pd.DataFrame:
    """One country's scores (overall, category, theme) of the latest year with a category
    score: what its ROAM-X profile shows. Empty when it has none."""
    return reader._df(
        """SELECT year, level, key, value, coverage, CAST(details AS VARCHAR) AS details
           FROM score
           WHERE country = $iso3 AND level IN ('overall', 'category', 'theme')
             AND year = (SELECT max(year) FROM score WHERE country = $iso3 AND level = 'category'
                         AND value IS NOT NULL)
           ORDER BY level, key""",
        {"iso3": iso3},
    )


def score_medians(reader: Reader, year: int, level: str, region: str | None,
                  income_group: str | None = None) -> pd.DataFrame:
    """Median score per key for ``level`` and ``year``: over the world, over ``region`` and
    over ``income_group``."""
    return reader._df(
        """
        SELECT s.key, median(s.value) AS world,
               median(s.value) FILTER (WHERE c.region = $region) AS region,
               median(s.value) FILTER (WHERE c.income_group = $income) AS income_group
        FROM score s LEFT JOIN country c ON c.iso3 = s.country
        WHERE s.year = $year AND s.level = $level AND s.value IS NOT NULL
        GROUP BY s.key ORDER BY s.key
        """,
        {"year": year, "level": level, "region": region, "income": income_group},
    )


def country_freshness(reader: Reader, iso3: str | None = None) -> pd.DataFrame:
    """Per source with data for the country (per country and source when ``iso3`` is None):
    newest period, the day its age counts from (``newest_end``, ``newest_basis``: see
    :func:`source_status`), when fetched, last successful run."""
    where_obs = "WHERE o.country = $iso3" if iso3 else ""
    where_ev = "WHERE country = $iso3" if iso3 else ""
    frame = reader._df(
        f"""
        WITH o AS (
            SELECT o.country, m.source, max(o.period) AS newest_period, max(o.period_start) AS newest_start,
                   max({PERIOD_END_SQL}) AS period_end, NULL::DATE AS event_start,
                   max(o.fetched_at) AS fetched_at, count(*) AS rows
            FROM observation o JOIN metric m ON m.id = o.metric
            {where_obs} GROUP BY o.country, m.source
            UNION ALL
            SELECT country, source, strftime(max(start_time), '%Y-%m-%d'), CAST(max(start_time) AS DATE),
                   NULL::DATE, CAST(max(start_time) AS DATE), max(fetched_at), count(*)
            FROM event {where_ev} GROUP BY country, source
        ), ok AS (
            SELECT collector, max(finished_at) AS last_success FROM collector_run
            WHERE status IN ('success', 'partial') GROUP BY collector
        )
        SELECT {"" if iso3 else "o.country, "}o.source, coalesce(s.name, o.source) AS source_name,
               max(o.newest_period) AS newest_period, max(o.newest_start) AS newest_start,
               max(o.period_end) AS period_end, max(o.event_start) AS event_start,
               max(o.fetched_at) AS fetched_at, sum(o.rows) AS rows, max(ok.last_success) AS last_success
        FROM o LEFT JOIN source s ON s.id = o.source LEFT JOIN ok ON ok.collector = o.source
        GROUP BY o.country, o.source, s.name ORDER BY o.country, o.source
        """,
        {"iso3": iso3} if iso3 else None,
    )
    return _with_newest_end(frame, reader, "period_end", "event_start", "fetched_at")


# -- compare page -------------------------------------------------------------------------------
def compare_series(reader: Reader, series: str, iso3s: Sequence[str]) -> pd.DataFrame:
    """A series over time for several countries: iso3, name_en, name_fr, year, period, value.
    OONI shares are monthly (no value for a month with fewer than ``OONI_MIN_MONTH``
    measurements of the test)."""
    if is_ooni_share(series):
        test, bucket = ooni_parts(series)
        return reader._df(
            """
            WITH o AS (
                SELECT country, CAST(date_trunc('month', period_start) AS DATE) AS month,
                       sum(value) FILTER (WHERE metric = $total) AS measurements,
                       coalesce(sum(value) FILTER (WHERE metric = $part), 0) AS part
                FROM observation
                WHERE metric IN ($total, $part) AND list_contains($iso3s, country)
                GROUP BY ALL
            )
            SELECT o.country AS iso3, coalesce(c.name_en, o.country) AS name_en,
                   coalesce(c.name_fr, c.name_en, o.country) AS name_fr, year(o.month) AS year,
                   strftime(o.month, '%Y-%m') AS period, o.month AS period_start,
                   CASE WHEN o.measurements >= $min THEN 100.0 * o.part / o.measurements END AS value
            FROM o LEFT JOIN country c ON c.iso3 = o.country
            WHERE o.measurements > 0
            ORDER BY o.country, o.month
            """,
            {"total": f"ooni.{test}.measurement_count", "part": f"ooni.{test}.{bucket}_count",
             "iso3s": list(iso3s), "min": OONI_MIN_MONTH},
        )
    if is_score(series):
        level, key = score_parts(series)
        return reader._df(
            """
            SELECT s.country AS iso3, coalesce(c.name_en, s.country) AS name_en,
                   coalesce(c.name_fr, c.name_en, s.country) AS name_fr, s.year,
                   CAST(s.year AS VARCHAR) AS period, make_date(s.year, 1, 1) AS period_start,
                   s.value
            FROM score s LEFT JOIN country c ON c.iso3 = s.country
            WHERE s.level = $level AND s.key = $key AND list_contains($iso3s, s.country)
            ORDER BY s.country, s.year
            """,
            {"level": level, "key": key, "iso3s": list(iso3s)},
        )
    return reader._df(
        """
        SELECT o.country AS iso3, coalesce(c.name_en, o.country) AS name_en,
               coalesce(c.name_fr, c.name_en, o.country) AS name_fr, year(o.period_start) AS year,
               o.period, o.period_start, o.value
        FROM observation o LEFT JOIN country c ON c.iso3 = o.country
        WHERE o.metric = $metric AND list_contains($iso3s, o.country)
        ORDER BY o.country, o.period_start
        """,
        {"metric": series, "iso3s": list(iso3s)},
    )


# -- data page ----------------------------------------------------------------------------------
@dataclass(frozen=True)
class DataFilter:
    """The data page's selection; empty tuples mean "all"."""

    metrics: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    regions: tuple[str, ...] = ()
    incomes: tuple[str, ...] = ()
    year_from: int | None = None
    year_to: int | None = None
    #: (column, "asc" | "desc") pairs; columns outside DATA_COLUMNS are ignored.
    sort: tuple[tuple[str, str], ...] = field(default=())


def _data_where(flt: DataFilter) -> tuple[str, dict]:
    where, params = ["TRUE"], {}
    for name, column, values in (
        ("metrics", "o.metric", flt.metrics),
        ("countries", "o.country", flt.countries),
        ("regions", "c.region", flt.regions),
        ("incomes", "c.income_group", flt.incomes),
    ):
        if values:
            params[name] = list(values)
            where.append(f"list_contains(${name}::VARCHAR[], {column})")
    if flt.year_from is not None:
        params["year_from"] = int(flt.year_from)
        where.append("year(o.period_start) >= $year_from")
    if flt.year_to is not None:
        params["year_to"] = int(flt.year_to)
        where.append("year(o.period_start) <= $year_to")
    return " AND ".join(where), params


def _data_order(flt: DataFilter) -> str:
    parts = [
        f"{column} {'DESC' if direction == 'desc' else 'ASC'} NULLS LAST"
        for column, direction in flt.sort
        if column in DATA_COLUMNS
    ]
    return ", ".join(parts + ["metric", "country", "period"])


_DATA_SELECT = """
    SELECT o.metric, m.name AS metric_name, coalesce(m.unit, '') AS unit, o.country,
           coalesce(c.name_en, o.country) AS country_name, c.region, c.income_group,
           o.period, year(o.period_start) AS year, o.value, m.source
    FROM observation o
    JOIN metric m ON m.id = o.metric
    LEFT JOIN country c ON c.iso3 = o.country
"""
#: Columns of a download of the data page: the grid's, then each row's source and licence.
EXPORT_COLUMNS = (*DATA_COLUMNS, "source_name", "licence")
_EXPORT_SELECT = """
    SELECT o.metric, m.name AS metric_name, coalesce(m.unit, '') AS unit, o.country,
           coalesce(c.name_en, o.country) AS country_name, c.region, c.income_group,
           o.period, year(o.period_start) AS year, o.value, m.source,
           coalesce(s.name, m.source) AS source_name, coalesce(s.licence, 'not stated') AS licence
    FROM observation o
    JOIN metric m ON m.id = o.metric
    LEFT JOIN country c ON c.iso3 = o.country
    LEFT JOIN source s ON s.id = m.source
"""


def data_count(reader: Reader, flt: DataFilter) -> int:
    where, params = _data_where(flt)
    sql = f"SELECT count(*) FROM observation o LEFT JOIN country c ON c.iso3 = o.country WHERE {where}"
    return int(reader.con.cursor().execute(sql, params).fetchone()[0])


def data_rows(reader: Reader, flt: DataFilter, offset: int = 0, limit: int | None = None) -> pd.DataFrame:
    """The filtered selection in DATA_COLUMNS order; a page of it when ``limit`` is given."""
    where, params = _data_where(flt)
    sql = f"SELECT * FROM ({_DATA_SELECT} WHERE {where}) ORDER BY {_data_order(flt)}"
    if limit is not None:
        params["limit"], params["offset"] = int(limit), max(0, int(offset))
        sql += " LIMIT $limit OFFSET $offset"
    return reader._df(sql, params)


def data_batches(reader: Reader, flt: DataFilter, rows: int = 100_000) -> Iterator[pd.DataFrame]:
    """The whole filtered selection (as :func:`data_rows`, plus ``source_name`` and
    ``licence``: :data:`EXPORT_COLUMNS`), ``rows`` at a time: exports of any size stream in
    bounded memory."""
    where, params = _data_where(flt)
    sql = f"SELECT * FROM ({_EXPORT_SELECT} WHERE {where}) ORDER BY {_data_order(flt)}"
    cursor = reader.con.cursor()
    try:
        for batch in cursor.sql(sql, params=params).to_arrow_reader(rows):
            yield batch.to_pandas()
    finally:
        cursor.close()


def data_sources(reader: Reader, flt: DataFilter) -> pd.DataFrame:
    """Sources (with licence and citation) of the rows a filter selects."""
    where, params = _data_where(flt)
    return reader._df(
        f"""
        SELECT * FROM source WHERE id IN (
            SELECT DISTINCT m.source FROM observation o JOIN metric m ON m.id = o.metric
            LEFT JOIN country c ON c.iso3 = o.country WHERE {where})
        ORDER BY id
        """,
        params,
    )


def data_metrics(reader: Reader, flt: DataFilter) -> pd.DataFrame:
    """Metric definitions of the rows a filter selects."""
    where, params = _data_where(flt)
    return reader._df(
        f"""
        SELECT id, source, source_code, name, unit, frequency, description FROM metric WHERE id IN (
            SELECT DISTINCT o.metric FROM observation o
            LEFT JOIN country c ON c.iso3 = o.country WHERE {where})
        ORDER BY id
        """,
        params,
    )
