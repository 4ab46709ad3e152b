"""Published snapshots: what every reader (dashboard, export, notebooks, status) queries.

The writer copies the tables readers need to Parquet under ``serving/<snapshot id>/`` and then
makes that directory current by atomically replacing the pointer file ``serving/CURRENT``.
Readers open an in-memory DuckDB over the Parquet files, so they never touch ``warehouse.duckdb``
(and its lock), never see half a run, and a reader that started on one snapshot finishes on it.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import duckdb

PUBLISHED_TABLES = (
    "country", "source", "metric", "observation", "event", "collector_run", "raw_response",
    "score", "score_rank", "score_median", "source_coverage",
)
POINTER = "CURRENT"
#: Reader connections: DuckDB's buffer memory is capped (its default is 80% of the machine, per
#: connection, and a dashboard keeps up to three readers open); large sorts and exports spill to
#: the system's temporary directory instead of growing the process. Threads: at most 4.
READER_MEMORY_LIMIT = "256MB"
READER_MAX_THREADS = 4


class NoSnapshot(Exception):
    """No snapshot has been published yet (nothing collected)."""


def _digest(directory: Path) -> str:
    h = hashlib.sha256()
    for path in sorted(directory.glob("*.parquet")):
        h.update(path.name.encode())
        with path.open("rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def current_snapshot_id(serving_dir: Path) -> str | None:
    try:
        value = (serving_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return value or None


def publish(con: duckdb.DuckDBPyConnection, serving_dir: Path, keep: int = 5) -> str:
    """Write every published table to a new snapshot, make it current and prune old ones.

    Returns the snapshot id: ``YYYYMMDDTHHMMSSmmmZ-<first 8 hex of the content hash>`` (UTC
    time to the millisecond, so ids sort in publishing order).
    """
    serving_dir.mkdir(parents=True, exist_ok=True)
    staging = serving_dir / f".staging-{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    try:
        for table in PUBLISHED_TABLES:
            target = (staging / f"{table}.parquet").as_posix().replace("'", "''")
            con.execute(f"COPY (SELECT * FROM {table}) TO '{target}' (FORMAT parquet)")
        now = datetime.now(UTC)
        stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
        snapshot_id = f"{stamp}-{_digest(staging)[:8]}"
        final = serving_dir / snapshot_id
        (staging / ".lease").touch()  # readers share-lock it (roamwatch.warehouse.leases)
        if final.exists():  # the same content published twice within one millisecond
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
        pointer_tmp = serving_dir / f".{POINTER}.{os.getpid()}"
        pointer_tmp.write_text(snapshot_id + "\n", encoding="utf-8")
        os.replace(pointer_tmp, serving_dir / POINTER)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    prune(serving_dir, keep)
    return snapshot_id


def prune(serving_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` snapshots: never the current one, never one a reader
    holds a lease on (see :mod:`roamwatch.warehouse.leases`); also clears what a writer killed
    mid-publish left behind."""
    from roamwatch.warehouse import leases

    return leases.prune(serving_dir, keep).removed


def open_snapshot(
    serving_dir: Path, snapshot_id: str | None = None
) -> tuple[str, duckdb.DuckDBPyConnection]:
    """An in-memory DuckDB connection with one view per published table of a snapshot
    (default: the current one)."""
    snapshot_id = snapshot_id or current_snapshot_id(serving_dir)
    if snapshot_id is None:
        raise NoSnapshot(
            f"no published data in {serving_dir}: run `roamwatch collect` first"
        )
    directory = serving_dir / snapshot_id
    con = duckdb.connect(":memory:", config={
        "memory_limit": READER_MEMORY_LIMIT,
        "threads": max(1, min(READER_MAX_THREADS, os.cpu_count() or 1)),
        "temp_directory": os.path.join(tempfile.gettempdir(), "roamwatch-duckdb"),
    })
    for table in PUBLISHED_TABLES:
        if not (directory / f"{table}.parquet").exists():
            continue  # a snapshot published before the table existed
        path = (directory / f"{table}.parquet").as_posix().replace("'", "''")
        con.execute(f"CREATE VIEW {table} AS SELECT * FROM read_parquet('{path}')")
    return snapshot_id, con
