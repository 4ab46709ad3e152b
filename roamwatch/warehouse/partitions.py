"""How each published table is split into parts that change independently.

A part is the unit a snapshot writes or reuses: one Parquet file, sorted for the readers'
queries (a country's series: country, metric, period), with row-group statistics. A table not
listed here (a small one) is published as one part.

Two ways to know whether a part changed since the previous snapshot:

- **fingerprinted** tables (everything but ``observation``): a cheap hash of the part's rows
  (count, sum and xor of the row hashes), computed at publish time;
- **tracked** tables (``observation``, tens of millions of rows, too large to hash at every
  publish): the writer records a fresh token for each part it touches in ``partition_version``
  (in the same transaction as the rows; see :meth:`roamwatch.warehouse.store.Warehouse.
  upsert_observations`), and the table's row count after the write (part ``#rows``). Writing
  observations any other way must do the same (:func:`mark_changed_sql`,
  :func:`record_rows_sql`); :func:`check_tracked` notices a row count that moved without it
  and then gives every part a new token, so everything derived from the table is redone.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb

#: The ``part`` of the row holding a tracked table's row count after its last tracked write.
ROWS = "#rows"

#: The part of an observation: ``<source>-<year>`` for daily rows (period ``YYYY-MM-DD``),
#: ``<source>-<decade>s`` for yearly and monthly ones, ``<source>-other`` for any other period.
#: It depends on the row's key only, so an updated row never moves to another part.
OBSERVATION_PART = (
    "split_part(metric, '.', 1) || '-' || CASE "
    "WHEN try_cast(left(period, 4) AS INTEGER) IS NULL THEN 'other' "
    "WHEN length(period) >= 10 THEN left(period, 4) "
    "ELSE left(period, 3) || '0s' END"
)


@dataclass(frozen=True)
class Partitioning:
    part: str  # SQL expression: the part a row belongs to
    order: tuple[str, ...]  # sort order inside a part (ends with the table's key: deterministic)
    tracked: bool = False


PARTITIONING: dict[str, Partitioning] = {
    "observation": Partitioning(OBSERVATION_PART, ("country", "metric", "period"), tracked=True),
    "event": Partitioning("source", ("country", "start_time", "id")),
    "score": Partitioning("(year // 10 * 10)::VARCHAR || 's'", ("country", "year", "level", "key")),
    "raw_response": Partitioning(
        "source || '-' || coalesce(year(fetched_at)::VARCHAR, 'other')", ("run_id", "seq")),
    "collector_run": Partitioning("'all'", ("id",)),
}


def partitioning(table: str) -> Partitioning:
    """How ``table`` is split (one part, every column as sort key, for unlisted tables)."""
    return PARTITIONING.get(table, Partitioning("'all'", ("ALL",)))


def observation_part_filter(part: str) -> tuple[str, dict]:
    """Range predicates equivalent to ``OBSERVATION_PART = part`` that DuckDB can check against
    row-group statistics (so writing one part does not read the whole table)."""
    source, _, bucket = part.rpartition("-")
    params: dict = {"lo": source + ".", "hi": source + "/"}  # '/' sorts right after '.'
    sql = "metric >= $lo AND metric < $hi"
    if bucket.endswith("0s") and bucket[:-1].isdigit():
        decade = int(bucket[:-1])
        params.update(p0=f"{decade:04d}", p1=f"{decade + 10:04d}")
        sql += " AND period >= $p0 AND period < $p1 AND length(period) < 10"
    elif bucket.isdigit():
        params.update(p0=f"{int(bucket):04d}", p1=f"{int(bucket) + 1:04d}")
        sql += " AND period >= $p0 AND period < $p1 AND length(period) >= 10"
    params["part"] = part
    return f"{sql} AND ({OBSERVATION_PART}) = $part", params


def mark_changed_sql(table: str, rows: str, only_missing: bool = False) -> str:
    """SQL giving a fresh version token to every part of ``table`` that the rows of the
    relation ``rows`` (a table or view with the table's key columns) fall in; ``only_missing``:
    only to parts that have none yet."""
    spec = PARTITIONING[table]
    action = "NOTHING" if only_missing else "UPDATE SET version = excluded.version"
    return (
        f"INSERT INTO partition_version (tbl, part, version) "
        f"SELECT '{table}', part, uuid()::VARCHAR "
        f"FROM (SELECT DISTINCT {spec.part} AS part FROM {rows}) "
        f"ON CONFLICT (tbl, part) DO {action}"
    )


def record_rows_sql(table: str) -> str:
    """SQL recording ``table``'s row count as of now (after a tracked write)."""
    return (
        f"INSERT INTO partition_version (tbl, part, version) "
        f"SELECT '{table}', '{ROWS}', count(*)::VARCHAR FROM \"{table}\" "
        f"ON CONFLICT (tbl, part) DO UPDATE SET version = excluded.version"
    )


def check_tracked(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    """Give every part of ``table`` a new version token if rows were written without tracking
    them (its row count is not the one recorded by the last tracked write); returns whether
    it did. Counting rows is cheap in DuckDB; finding the parts reads the table once."""
    (rows,) = con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0]
    found = con.execute("SELECT version FROM partition_version WHERE tbl = ? AND part = ?",
                        [table, ROWS]).fetchall()
    recorded = found[0] if found else None
    if recorded is not None and recorded[0] == str(rows):
        return False
    con.execute(mark_changed_sql(table, f'"{table}"'))
    con.execute(record_rows_sql(table))
    return True
