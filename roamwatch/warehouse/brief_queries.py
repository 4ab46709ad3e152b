"""Read queries the country brief needs beyond the dashboard's (:mod:`dashboard_queries`).

The brief is a view of the same snapshot as the country page: it reads the country's scores,
observations, OONI counts and events through :mod:`roamwatch.warehouse.dashboard_queries`, and
here only what the page does not show: the income-group medians, which tables a snapshot holds
(sections such as alerts appear when their table is published), and the optional tables other
parts of roamwatch publish (``warehouse_meta``, ``source_coverage``, alerts).
"""

from __future__ import annotations

import pandas as pd

from roamwatch.warehouse.queries import Reader


def published_tables(reader: Reader) -> frozenset[str]:
    """Names of the tables (views) the snapshot connection holds."""
    rows = reader.con.cursor().execute(
        "SELECT view_name FROM duckdb_views() WHERE NOT internal "
        "UNION SELECT table_name FROM duckdb_tables()"
    ).fetchall()
    return frozenset(r[0] for r in rows)


def _columns(reader: Reader, table: str) -> frozenset[str]:
    rows = reader.con.cursor().execute(
        "SELECT column_name FROM information_schema.columns WHERE table_name = $t", {"t": table}
    ).fetchall()
    return frozenset(r[0] for r in rows)


def group_medians(reader: Reader, year: int, level: str) -> pd.DataFrame:
    """Medians per key of ``level`` in ``year`` from ``score_median``: key, group_type
    (world / region / income_group), group_name, median, n."""
    return reader._df(
        """SELECT key, group_type, group_name, median, n FROM score_median
           WHERE year = $year AND level = $level ORDER BY key, group_type, group_name""",
        {"year": int(year), "level": level},
    )


def source_references(reader: Reader) -> pd.DataFrame:
    """Every named source's reference: id, name, homepage, licence, licence_url, citation,
    terms (the columns of :func:`dashboard_queries.source_status` the brief cites, without its
    counts over every observation)."""
    return reader._df(
        """SELECT id, name, homepage, licence, licence_url, citation, terms FROM source
           WHERE name IS NOT NULL ORDER BY id"""
    )


def warehouse_meta(reader: Reader) -> dict[str, str]:
    """The ``warehouse_meta`` key/value pairs when the snapshot publishes them (else empty)."""
    if "warehouse_meta" not in published_tables(reader):
        return {}
    rows = reader.con.cursor().execute("SELECT key, value FROM warehouse_meta").fetchall()
    return {str(k): str(v) for k, v in rows}


def source_coverage(reader: Reader, iso3: str) -> pd.DataFrame:
    """Coverage windows that apply to a country (its own rows and the every-country rows):
    source, country, first_day, last_day, basis. Empty when the snapshot has no such table."""
    if "source_coverage" not in published_tables(reader):
        return pd.DataFrame(columns=["source", "country", "first_day", "last_day", "basis"])
    return reader._df(
        """SELECT source, country, first_day, last_day, basis FROM source_coverage
           WHERE country IS NULL OR country = $iso3 ORDER BY source, country NULLS FIRST""",
        {"iso3": iso3},
    )


def event_columns(reader: Reader) -> frozenset[str]:
    """Columns of the published ``event`` table (``end_state`` exists from migration 3 on)."""
    return _columns(reader, "event")


#: Alert tables (contract C3, issue 14): the first one the snapshot publishes is read.
ALERT_TABLES = ("alert", "alerts")


def has_alerts(reader: Reader) -> bool:
    return bool(set(ALERT_TABLES) & published_tables(reader))


def country_alerts(reader: Reader, iso3: str, until: str) -> pd.DataFrame:
    """A country's alerts whose onset lies in the 12 months up to ``until`` (ISO date), newest
    first (contract C3: :func:`roamwatch.warehouse.alerts.list_alerts`, with ``title``,
    ``onset``, ``rule``, levels and evidence)."""
    from roamwatch.warehouse import alerts

    if not has_alerts(reader):
        return pd.DataFrame()
    since = (pd.Timestamp(until) - pd.DateOffset(months=12) + pd.Timedelta(days=1)).date().isoformat()
    return alerts.list_alerts(reader.con, [iso3], since=since, until=until)


def scored_countries(reader: Reader, year: int | None = None) -> list[str]:
    """Countries with at least one category score that has a value (in ``year``, if given)."""
    rows = reader.con.cursor().execute(
        """SELECT DISTINCT country FROM score
           WHERE level = 'category' AND value IS NOT NULL AND ($year IS NULL OR year = $year)
           ORDER BY country""",
        {"year": year},
    ).fetchall()
    return [r[0] for r in rows]
