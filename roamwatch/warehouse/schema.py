"""Warehouse schema and its migrations. The schema version is stored in ``schema_version``.

Each migration is applied once, in its own transaction, in order; a warehouse file written by an
older roamwatch is brought up to date when it is first opened by a newer one.
"""

from __future__ import annotations

import duckdb

from roamwatch.warehouse.partitions import mark_changed_sql, record_rows_sql

MIGRATIONS: list[tuple[int, str, list[str]]] = [
    (
        1,
        "initial schema",
        [
            """CREATE TABLE country (
                iso3 VARCHAR PRIMARY KEY,
                iso2 VARCHAR,
                name_en VARCHAR NOT NULL,
                name_fr VARCHAR,
                region VARCHAR,
                income_group VARCHAR,
                updated_at TIMESTAMP
            )""",
            """CREATE TABLE source (
                id VARCHAR PRIMARY KEY,
                name VARCHAR NOT NULL,
                homepage VARCHAR,
                licence VARCHAR,
                licence_url VARCHAR,
                citation VARCHAR,
                terms VARCHAR
            )""",
            """CREATE TABLE metric (
                id VARCHAR PRIMARY KEY,
                source VARCHAR NOT NULL,
                source_code VARCHAR NOT NULL,
                name VARCHAR NOT NULL,
                unit VARCHAR,
                frequency VARCHAR NOT NULL,
                description VARCHAR,
                updated_at TIMESTAMP
            )""",
            """CREATE TABLE observation (
                metric VARCHAR NOT NULL,
                country VARCHAR NOT NULL,
                period VARCHAR NOT NULL,
                period_start DATE NOT NULL,
                value DOUBLE NOT NULL,
                run_id BIGINT NOT NULL,
                fetched_at TIMESTAMP NOT NULL,
                PRIMARY KEY (metric, country, period)
            )""",
            """CREATE TABLE event (
                id VARCHAR PRIMARY KEY,
                source VARCHAR NOT NULL,
                country VARCHAR NOT NULL,
                start_time TIMESTAMP NOT NULL,
                end_time TIMESTAMP,
                kind VARCHAR NOT NULL,
                severity DOUBLE,
                details JSON,
                run_id BIGINT NOT NULL,
                fetched_at TIMESTAMP NOT NULL
            )""",
            "CREATE SEQUENCE collector_run_id START 1",
            """CREATE TABLE collector_run (
                id BIGINT PRIMARY KEY,
                collector VARCHAR NOT NULL,
                parameters JSON,
                started_at TIMESTAMP NOT NULL,
                finished_at TIMESTAMP,
                status VARCHAR NOT NULL,
                rows_written BIGINT DEFAULT 0,
                rows_rejected BIGINT DEFAULT 0,
                units_total INTEGER DEFAULT 0,
                units_failed INTEGER DEFAULT 0,
                failed_units JSON,
                error VARCHAR,
                details JSON,
                pid INTEGER
            )""",
            """CREATE TABLE raw_response (
                run_id BIGINT NOT NULL,
                seq INTEGER NOT NULL,
                source VARCHAR NOT NULL,
                url VARCHAR NOT NULL,
                status INTEGER,
                fetched_at TIMESTAMP NOT NULL,
                sha256 VARCHAR,
                bytes BIGINT,
                path VARCHAR,
                PRIMARY KEY (run_id, seq)
            )""",
            """CREATE TABLE score (
                country VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                level VARCHAR NOT NULL,
                key VARCHAR NOT NULL,
                value DOUBLE,
                coverage DOUBLE,
                details JSON,
                PRIMARY KEY (country, year, level, key)
            )""",
        ],
    ),
]

MIGRATIONS.append(
    (
        2,
        "score rank ranges and group medians",
        [
            """CREATE TABLE IF NOT EXISTS score_rank (
                country VARCHAR NOT NULL,
                year INTEGER NOT NULL,
                category VARCHAR NOT NULL,
                rank INTEGER,
                best_rank INTEGER,
                worst_rank INTEGER,
                n_countries INTEGER,
                n_variants INTEGER,
                PRIMARY KEY (country, year, category)
            )""",
            """CREATE TABLE IF NOT EXISTS score_median (
                year INTEGER NOT NULL,
                level VARCHAR NOT NULL,
                key VARCHAR NOT NULL,
                group_type VARCHAR NOT NULL,
                group_name VARCHAR NOT NULL,
                median DOUBLE,
                n INTEGER,
                PRIMARY KEY (year, level, key, group_type, group_name)
            )""",
        ],
    )
)

# Migration 6 (issue 17): which part of a large published table changed since a snapshot. The
# writer gives a part a fresh token whenever it writes rows into it; the publisher rewrites a part
# only when its token differs from the one in the previous snapshot's manifest. Existing
# observations get their tokens here.
MIGRATIONS.append(
    (
        6,
        "partition versions for incremental snapshots",
        [
            """CREATE TABLE IF NOT EXISTS partition_version (
                tbl VARCHAR NOT NULL,
                part VARCHAR NOT NULL,
                version VARCHAR NOT NULL,
                PRIMARY KEY (tbl, part)
            )""",
            mark_changed_sql("observation", "observation", only_missing=True),
            record_rows_sql("observation"),
        ],
    )
)

MIGRATIONS.append(
    (
        3,
        "event end state and source coverage windows",
        [
            # known ⇔ end_time is set; ongoing only where the source says so; unknown otherwise.
            # Rows written before this migration: #KeepItOn rows whose status column says
            # Ongoing become ongoing (re-import the file with --full for the full semantics).
            "ALTER TABLE event ADD COLUMN IF NOT EXISTS end_state VARCHAR",
            """UPDATE event SET end_state = CASE
                 WHEN end_time IS NOT NULL THEN 'known'
                 WHEN source = 'accessnow' AND lower(trim(details->>'status')) = 'ongoing'
                     THEN 'ongoing'
                 ELSE 'unknown' END
               WHERE end_state IS NULL""",
            # Where a source's silence (no event, a zero) means "none recorded" rather than
            # "no data"; country NULL = every country the source covers. The last_day of a
            # source's country-NULL row is the dataset's last update.
            """CREATE TABLE IF NOT EXISTS source_coverage (
                source VARCHAR NOT NULL,
                country VARCHAR,
                first_day DATE NOT NULL,
                last_day DATE NOT NULL,
                basis VARCHAR
            )""",
            # #KeepItOn events imported before: the years named by their sheets.
            """INSERT INTO source_coverage
               SELECT 'accessnow', NULL, make_date(min(y), 1, 1),
                      least(make_date(max(y), 12, 31), current_date),
                      'years named by the #KeepItOn sheets already imported (set when the '
                      || 'warehouse was upgraded; re-import the file to refresh)'
               FROM (SELECT CAST(unnest(regexp_extract_all(details->>'sheet', '20[0-9][0-9]'))
                                 AS INTEGER) AS y
                     FROM event WHERE source = 'accessnow')
               HAVING count(*) > 0""",
        ],
    )
)

MIGRATIONS.append(
    (
        4,
        "warehouse metadata (contract C2): key synthetic = true for demo data",
        [
            # Facts about the warehouse as a whole, published with every snapshot. Key
            # 'synthetic' = 'true': the data were made up by `roamwatch demo`, not collected.
            """CREATE TABLE IF NOT EXISTS warehouse_meta (
                key VARCHAR PRIMARY KEY,
                value VARCHAR
            )""",
        ],
    )
)

MIGRATIONS.append(
    (
        5,
        "alerts and their deliveries (contract C3)",
        [
            # One row per alert: what fired (rule, detector kind, country, series), when the
            # thing began (onset) and was detected, the levels and measurement counts behind the
            # finding, its evidence (observations or event ids, detector parameters), the
            # snapshot the detector read, and its state: new, delivered or acknowledged.
            """CREATE TABLE IF NOT EXISTS alert (
                id VARCHAR PRIMARY KEY,
                rule VARCHAR NOT NULL,
                detector VARCHAR NOT NULL,
                country VARCHAR,
                series VARCHAR,
                title VARCHAR NOT NULL,
                severity VARCHAR NOT NULL,
                onset TIMESTAMP,
                ended TIMESTAMP,
                end_state VARCHAR,
                level_before DOUBLE,
                level_after DOUBLE,
                n_before BIGINT,
                n_after BIGINT,
                evidence JSON,
                snapshot_id VARCHAR NOT NULL,
                detected_at TIMESTAMP NOT NULL,
                state VARCHAR NOT NULL DEFAULT 'new',
                state_changed_at TIMESTAMP,
                ack_note VARCHAR
            )""",
            # Every delivery attempt, successful or not, per alert and channel. ``detail`` names
            # the HTTP or SMTP status or the error; never a URL, an address list or a secret.
            """CREATE TABLE IF NOT EXISTS alert_delivery (
                alert_id VARCHAR NOT NULL,
                channel VARCHAR NOT NULL,
                attempt INTEGER NOT NULL,
                attempted_at TIMESTAMP NOT NULL,
                status VARCHAR NOT NULL,
                detail VARCHAR,
                PRIMARY KEY (alert_id, channel, attempt)
            )""",
            # What a detector remembers between checks (e.g. the scores seen at the last check,
            # for drops between snapshots). Internal: not published.
            """CREATE TABLE IF NOT EXISTS alert_memory (
                rule VARCHAR NOT NULL,
                key VARCHAR NOT NULL,
                value DOUBLE,
                snapshot_id VARCHAR,
                PRIMARY KEY (rule, key)
            )""",
        ],
    )
)

SCHEMA_VERSION = max(number for number, _, _ in MIGRATIONS)


def current_version(con: duckdb.DuckDBPyConnection) -> int:
    con.execute(
        "CREATE TABLE IF NOT EXISTS schema_version ("
        "version INTEGER NOT NULL, description VARCHAR, applied_at TIMESTAMP NOT NULL)"
    )
    row = con.execute("SELECT coalesce(max(version), 0) FROM schema_version").fetchone()
    return int(row[0])


def migrate(con: duckdb.DuckDBPyConnection) -> list[int]:
    """Apply every migration this file has not recorded yet, in number order; returns the
    versions applied. Numbers are applied by membership, not by "greater than the newest", so a
    migration that landed after a higher-numbered one is still applied to warehouses created in
    between."""
    applied = []
    version = current_version(con)
    if version > SCHEMA_VERSION:
        raise RuntimeError(
            f"warehouse schema version {version} is newer than this roamwatch understands "
            f"({SCHEMA_VERSION}); upgrade roamwatch"
        )
    done = {row[0] for row in con.execute("SELECT version FROM schema_version").fetchall()}
    for number, description, statements in sorted(MIGRATIONS, key=lambda m: m[0]):
        if number in done:
            continue
        con.begin()
        try:
            for statement in statements:
                con.execute(statement)
            con.execute(
                "INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)", [number, description]
            )
            con.commit()
        except Exception:
            con.rollback()
            raise
        applied.append(number)
    return applied
