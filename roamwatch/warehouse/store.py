"""The writer side of the warehouse. Every SQL statement that writes lives here.

Open it only while holding the writer lock (:func:`roamwatch.warehouse.lock.writer_lock`);
readers use published snapshots instead (:mod:`roamwatch.warehouse.snapshot`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from roamwatch.countries import reference_countries
from roamwatch.events import END_STATES, KNOWN, UNKNOWN
from roamwatch.warehouse import coverage
from roamwatch.warehouse.partitions import mark_changed_sql, record_rows_sql
from roamwatch.warehouse.schema import migrate

OBSERVATION_COLUMNS = ["metric", "country", "period", "period_start", "value", "run_id", "fetched_at"]
EVENT_COLUMNS = [
    "id", "source", "country", "start_time", "end_time", "end_state", "kind", "severity", "details",
    "run_id", "fetched_at",
]


@dataclass(frozen=True)
class SourceInfo:
    """One upstream source, as recorded in the ``source`` table."""

    id: str
    name: str
    homepage: str
    licence: str
    licence_url: str
    citation: str
    terms: str = ""


@dataclass(frozen=True)
class MetricInfo:
    """One metric, as recorded in the ``metric`` table. ``id`` is ``<source>.<source code>``."""

    id: str
    source: str
    source_code: str
    name: str
    unit: str
    frequency: str  # "year", "month" or "day"
    description: str = ""


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, sort_keys=True, default=str)


class Warehouse:
    """A read-write connection to ``warehouse.duckdb``, migrated and seeded on open."""

    def __init__(self, path: Path):
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self.con = duckdb.connect(str(path))
        applied = migrate(self.con)
        self._seed_countries()
        if 3 in applied:  # a warehouse older than source_coverage: derive what can be derived
            with self.transaction():
                coverage.refresh_all_observed(self.con)

    def close(self) -> None:
        self.con.close()

    def __enter__(self) -> Warehouse:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """Everything in the block lands together or not at all."""
        self.con.begin()
        try:
            yield
        except BaseException:
            self.con.rollback()
            raise
        self.con.commit()

    # -- countries -------------------------------------------------------------------------------
    def _seed_countries(self) -> None:
        (count,) = self.con.execute("SELECT count(*) FROM country").fetchall()[0]
        if count:
            return
        frame = pd.DataFrame(reference_countries())  # noqa: F841  (read by DuckDB below)
        with self.transaction():
            self.con.execute(
                "INSERT INTO country (iso3, iso2, name_en, name_fr, updated_at) "
                "SELECT iso3, iso2, name_en, name_fr, (now() AT TIME ZONE 'UTC') FROM frame"
            )

    def upsert_countries(self, frame: pd.DataFrame) -> int:
        """Insert or update countries (iso3, iso2, name_en, region, income_group).

        A French name already known is kept; region and income group are replaced when given.
        """
        if frame.empty:
            return 0
        frame = frame.drop_duplicates("iso3", keep="last")  # noqa: F841
        self.con.execute(
            """INSERT INTO country (iso3, iso2, name_en, name_fr, region, income_group, updated_at)
               SELECT iso3, iso2, name_en, NULL, region, income_group, (now() AT TIME ZONE 'UTC') FROM frame
               ON CONFLICT (iso3) DO UPDATE SET
                 iso2 = coalesce(excluded.iso2, country.iso2),
                 region = coalesce(excluded.region, country.region),
                 income_group = coalesce(excluded.income_group, country.income_group),
                 updated_at = excluded.updated_at"""
        )
        return len(frame)

    def known_countries(self) -> set[str]:
        return {row[0] for row in self.con.execute("SELECT iso3 FROM country").fetchall()}

    # -- sources and metrics ---------------------------------------------------------------------
    def upsert_source(self, info: SourceInfo) -> None:
        d = asdict(info)
        self.con.execute(
            """INSERT INTO source VALUES ($id, $name, $homepage, $licence, $licence_url, $citation,
                                          $terms)
               ON CONFLICT (id) DO UPDATE SET name = excluded.name, homepage = excluded.homepage,
                 licence = excluded.licence, licence_url = excluded.licence_url,
                 citation = excluded.citation, terms = excluded.terms""",
            d,
        )

    def upsert_metrics(self, metrics: Iterable[MetricInfo]) -> None:
        for m in metrics:
            self.con.execute(
                """INSERT INTO metric VALUES ($id, $source, $source_code, $name, $unit, $frequency,
                                              $description, (now() AT TIME ZONE 'UTC'))
                   ON CONFLICT (id) DO UPDATE SET name = excluded.name, unit = excluded.unit,
                     frequency = excluded.frequency, description = excluded.description,
                     updated_at = excluded.updated_at""",
                asdict(m),
            )

    # -- observations and events -----------------------------------------------------------------
    def upsert_observations(self, frame: pd.DataFrame, run_id: int) -> int:
        """Insert or update rows keyed on (metric, country, period); returns the rows written.

        ``frame`` has columns metric, country, period, period_start, value. A key repeated inside
        the batch keeps its last row (DuckDB itself would silently keep the first).
        """
        if frame.empty:
            return 0
        batch = frame.drop_duplicates(["metric", "country", "period"], keep="last").copy()
        batch["run_id"] = run_id
        batch["fetched_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        batch = batch[OBSERVATION_COLUMNS]
        self.con.register("observation_batch", batch)
        try:
            self.con.execute(
                """INSERT INTO observation BY NAME SELECT * FROM observation_batch
                   ON CONFLICT (metric, country, period) DO UPDATE SET
                     value = excluded.value, period_start = excluded.period_start,
                     run_id = excluded.run_id, fetched_at = excluded.fetched_at"""
            )
            # The published parts these rows fall in changed (roamwatch.warehouse.partitions).
            self.con.execute(mark_changed_sql("observation", "observation_batch"))
            self.con.execute(record_rows_sql("observation"))
        finally:
            self.con.unregister("observation_batch")
        return int(len(batch))

    def upsert_events(self, frame: pd.DataFrame, run_id: int) -> int:
        """Insert or update events keyed on their ``id`` (stable per source).

        ``end_state`` must be ``known`` exactly when ``end_time`` is set, else ``ongoing`` or
        ``unknown`` (a frame without the column gets ``known``/``unknown`` from ``end_time``);
        a frame that breaks the rule raises :class:`ValueError` (a collector bug).
        """
        if frame.empty:
            return 0
        batch = frame.drop_duplicates("id", keep="last").copy()
        has_end = batch["end_time"].notna() if "end_time" in batch else pd.Series(False, index=batch.index)
        if "end_state" not in batch:
            batch["end_state"] = has_end.map({True: KNOWN, False: UNKNOWN})
        state = batch["end_state"]
        wrong = ~state.isin(END_STATES) | ((state == KNOWN) != has_end)
        if wrong.any():
            row = batch[wrong].iloc[0]
            raise ValueError(
                f"event {row['id']!r}: end_state {row['end_state']!r} with end_time "
                f"{row.get('end_time')!r}; end_state is one of {', '.join(END_STATES)} and "
                "'known' exactly when end_time is set"
            )
        batch["run_id"] = run_id
        batch["fetched_at"] = pd.Timestamp.now(tz="UTC").tz_localize(None)
        if "details" in batch:
            batch["details"] = batch["details"].map(_json)
        for column in EVENT_COLUMNS:
            if column not in batch:
                batch[column] = None
        batch = batch[EVENT_COLUMNS]  # noqa: F841
        self.con.execute(
            """INSERT INTO event BY NAME SELECT * FROM batch
               ON CONFLICT (id) DO UPDATE SET country = excluded.country,
                 start_time = excluded.start_time, end_time = excluded.end_time,
                 end_state = excluded.end_state, kind = excluded.kind,
                 severity = excluded.severity, details = excluded.details,
                 run_id = excluded.run_id, fetched_at = excluded.fetched_at"""
        )
        return int(len(batch))

    def set_meta(self, key: str, value: str) -> None:
        """Record one fact about the warehouse as a whole (``warehouse_meta``, published)."""
        self.con.execute(
            "INSERT INTO warehouse_meta VALUES (?, ?) "
            "ON CONFLICT (key) DO UPDATE SET value = excluded.value", [key, value]
        )

    def meta(self) -> dict[str, str]:
        """Every ``warehouse_meta`` fact (``synthetic`` = ``true`` for demo data)."""
        return dict(self.con.execute("SELECT key, value FROM warehouse_meta").fetchall())

    def holds_data(self) -> bool:
        """True when there is anything a reader could show: an observation, event or score."""
        row = self.con.execute(
            "SELECT EXISTS (SELECT 1 FROM observation) OR EXISTS (SELECT 1 FROM event) "
            "OR EXISTS (SELECT 1 FROM score)"
        ).fetchone()
        return bool(row[0])

    def delete_events(self, ids: Iterable[str]) -> int:
        """Remove events by id (copies a collector merged into another event); returns how
        many existed."""
        ids = list(ids)
        if not ids:
            return 0
        (count,) = self.con.execute(
            "SELECT count(*) FROM event WHERE list_contains($ids::VARCHAR[], id)", {"ids": ids}
        ).fetchone()
        self.con.execute("DELETE FROM event WHERE list_contains($ids::VARCHAR[], id)", {"ids": ids})
        return int(count)

    def merge_coverage(self, frame: pd.DataFrame) -> int:
        """Merge coverage windows a collector declared (see :mod:`roamwatch.warehouse.coverage`)."""
        return coverage.merge_declared(self.con, frame)

    def refresh_coverage(self, source: str) -> int:
        """Recompute the coverage windows derived from ``source``'s observations, if any."""
        return coverage.refresh_observed(self.con, source)

    def latest_period(self, metric: str) -> str | None:
        row = self.con.execute(
            "SELECT max(period) FROM observation WHERE metric = ?", [metric]
        ).fetchall()[0]
        return row[0]

    def latest_period_start(self, metric_prefix: str) -> Any:
        row = self.con.execute(
            "SELECT max(period_start) FROM observation WHERE starts_with(metric, ?)",
            [metric_prefix],
        ).fetchall()[0]
        return row[0]

    def file_imported(self, source: str, sha256: str, current_run: int) -> bool:
        """Whether a successful earlier run of ``source`` archived a body with this checksum."""
        row = self.con.execute(
            """SELECT count(*) FROM raw_response r JOIN collector_run c ON c.id = r.run_id
               WHERE r.source = ? AND r.sha256 = ? AND c.status = 'success' AND r.run_id <> ?""",
            [source, sha256, current_run],
        ).fetchall()[0]
        return bool(row[0])

    def previous_failed_units(self, collector: str, current_run: int) -> list[str]:
        """Units named as failed by the collector's last finished run before ``current_run``."""
        rows = self.con.execute(
            """SELECT failed_units FROM collector_run
               WHERE collector = ? AND id < ? AND finished_at IS NOT NULL
               ORDER BY id DESC LIMIT 1""",
            [collector, current_run],
        ).fetchall()
        return list(json.loads(rows[0][0])) if rows and rows[0][0] else []

    # -- runs ------------------------------------------------------------------------------------
    def start_run(self, collector: str, parameters: dict[str, Any]) -> int:
        (run_id,) = self.con.execute("SELECT nextval('collector_run_id')").fetchall()[0]
        self.con.execute(
            """INSERT INTO collector_run (id, collector, parameters, started_at, status, pid)
               VALUES (?, ?, ?, (now() AT TIME ZONE 'UTC'), 'running', ?)""",
            [run_id, collector, _json(parameters), os.getpid()],
        )
        return int(run_id)

    def finish_run(
        self,
        run_id: int,
        status: str,
        rows_written: int = 0,
        rows_rejected: int = 0,
        units_total: int = 0,
        failed_units: dict[str, str] | None = None,
        error: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        failed_units = failed_units or {}
        self.con.execute(
            """UPDATE collector_run SET finished_at = (now() AT TIME ZONE 'UTC'), status = ?,
                 rows_written = ?, rows_rejected = ?, units_total = ?, units_failed = ?,
                 failed_units = ?, error = ?, details = ?
               WHERE id = ?""",
            [
                status, rows_written, rows_rejected, units_total, len(failed_units),
                _json(failed_units), error, _json(details), run_id,
            ],
        )

    def mark_interrupted_runs(self) -> int:
        """Runs still 'running' when a writer gets the lock died with their process."""
        (count,) = self.con.execute(
            "SELECT count(*) FROM collector_run WHERE status = 'running'"
        ).fetchall()[0]
        if count:
            self.con.execute(
                """UPDATE collector_run SET status = 'failed', finished_at = (now() AT TIME ZONE 'UTC'),
                     error = 'interrupted: the process ended before the run finished'
                   WHERE status = 'running'"""
            )
        return int(count)

    def record_raw_responses(self, run_id: int, source: str, entries: list[dict]) -> None:
        if not entries:
            return
        frame = pd.DataFrame(entries)
        frame["run_id"] = run_id
        frame["source"] = source
        frame["fetched_at"] = pd.to_datetime(frame["fetched_at"], utc=True).dt.tz_localize(None)
        frame = frame[  # noqa: F841
            ["run_id", "seq", "source", "url", "status", "fetched_at", "sha256", "bytes", "path"]
        ]
        self.con.execute("INSERT OR REPLACE INTO raw_response BY NAME SELECT * FROM frame")

    def run_row(self, run_id: int) -> dict[str, Any]:
        cur = self.con.execute("SELECT * FROM collector_run WHERE id = ?", [run_id])
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchall()[0], strict=True))
