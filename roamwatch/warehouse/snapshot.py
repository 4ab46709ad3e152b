"""Published snapshots: what every reader (dashboard, export, notebooks, status) queries.

The writer publishes the tables readers need as Parquet parts (:mod:`roamwatch.warehouse.
partitions`), lists them in a small manifest under ``serving/<snapshot id>/`` and then makes that
snapshot current by atomically replacing the pointer file ``serving/CURRENT`` (the layout:
:mod:`roamwatch.warehouse.layout`). A part that did not change since the previous snapshot is not
written again: the new snapshot links the same file. So publishing costs what changed, and five
kept snapshots take little more disk than one.

Readers open an in-memory DuckDB over the snapshot's files, so they never touch
``warehouse.duckdb`` (and its lock), never see half a run, and a reader that started on one
snapshot finishes on it. A publisher killed at any point leaves the previous snapshot current and
complete; what it left half-written is cleared by the next prune.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import tempfile
import time
from collections.abc import Iterable
from datetime import UTC, datetime
from pathlib import Path

import duckdb

from roamwatch.warehouse import leases
from roamwatch.warehouse.layout import (
    FORMAT,
    FORMAT_VERSION,
    LEASE,
    MANIFEST,
    PARTS,
    POINTER,
    STAGING_PREFIX,
    NoSnapshot,
    attach_views,
    current_snapshot_id,
    read_manifest,
)
from roamwatch.warehouse.partitions import (
    ROWS,
    Partitioning,
    check_tracked,
    mark_changed_sql,
    observation_part_filter,
    partitioning,
    record_rows_sql,
)

__all__ = [
    "POINTER", "PUBLISHED_TABLES", "NoSnapshot", "current_snapshot_id", "open_snapshot",
    "publish", "prune",
]

PUBLISHED_TABLES = (
    "country", "source", "metric", "observation", "event", "collector_run", "raw_response",
    "score", "score_rank", "score_median", "source_coverage", "warehouse_meta", "alert",
    "alert_delivery",
)
#: Reader connections: DuckDB's buffer memory is capped (its default is 80% of the machine, per
#: connection, and a dashboard keeps a replaced reader open for a while, see
#: ``dashboard.data.OLD_READER_GRACE``); large sorts and exports spill to the system's temporary
#: directory instead of growing the process. Threads: at most 4.
READER_MEMORY_LIMIT = "256MB"
READER_MAX_THREADS = 4

_UNSAFE = re.compile(r"[^A-Za-z0-9_.-]+")


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _schemas(con: duckdb.DuckDBPyConnection, tables: Iterable[str]) -> dict[str, list[list[str]]]:
    """Each table's ``[column, type]`` pairs in column order, in one catalogue query (one query per
    table cost about a millisecond each, a seventh of a small publish)."""
    wanted = list(tables)
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() "
        "WHERE list_contains(?, table_name) AND schema_name = 'main' ORDER BY table_name, column_index",
        [wanted],
    ).fetchall()
    out: dict[str, list[list[str]]] = {}
    for table, column, kind in rows:
        out.setdefault(table, []).append([column, kind])
    missing = [t for t in wanted if t not in out]
    if missing:
        raise duckdb.CatalogException(f"published table {missing[0]!r} does not exist in the warehouse")
    return out


class _Publisher:
    """Writes the parts of one snapshot into ``serving/parts`` and links them into ``staging``."""

    def __init__(self, con: duckdb.DuckDBPyConnection, serving_dir: Path, staging: Path,
                 previous: dict | None) -> None:
        self.con = con
        self.parts_root = serving_dir / PARTS
        self.staging = staging
        self.previous = previous or {}
        self.stats = {"written": 0, "reused": 0, "rows_written": 0}

    # -- parts ---------------------------------------------------------------------------------
    def _write(self, table: str, spec: Partitioning, part: str | None) -> dict | None:
        """Write one part (``None``: the empty table) and return its manifest entry; ``None``
        when the part has no rows."""
        directory = self.parts_root / table
        directory.mkdir(parents=True, exist_ok=True)
        tmp = self.parts_root / f".tmp-{os.getpid()}-{time.time_ns()}.parquet"
        if part is None:
            where, params = "FALSE", {}
        elif spec.tracked and table == "observation":
            where, params = observation_part_filter(part)
        else:
            where, params = f"({spec.part}) = $part", {"part": part}
        order = ", ".join(spec.order)
        target = tmp.as_posix().replace("'", "''")
        try:
            (rows,) = self.con.execute(
                f'COPY (SELECT * FROM "{table}" WHERE {where} ORDER BY {order}) '
                f"TO '{target}' (FORMAT parquet)",
                params,
            ).fetchall()[0]
            if rows == 0 and part is not None:
                tmp.unlink()
                return None
            digest = _sha256(tmp)
            name = f"{_UNSAFE.sub('_', part or 'empty')}-{digest[:16]}.parquet"
            final = directory / name
            size = tmp.stat().st_size
            if final.exists():  # the same bytes were published before
                tmp.unlink()
            else:
                os.replace(tmp, final)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self.stats["written"] += 1
        self.stats["rows_written"] += int(rows)
        return {"part": part or "", "path": f"{table}/{name}", "rows": int(rows), "bytes": size,
                "sha256": digest}

    def _part_file(self, table: str, spec: Partitioning, part: str | None, fingerprint: str,
                   entry: dict | None) -> dict | None:
        """The manifest entry of one part: ``entry`` (the previous snapshot's file of the part)
        reused when its fingerprint still matches and its file is there, else the part written
        afresh; ``None`` when the part has no rows (never for ``part=None``, the empty table)."""
        if (entry is not None and entry.get("fingerprint") == fingerprint
                and (self.parts_root / entry["path"]).is_file()):
            self.stats["reused"] += 1
            return entry
        written = self._write(table, spec, part)
        return None if written is None else {**written, "fingerprint": fingerprint}

    # -- tables --------------------------------------------------------------------------------
    def table(self, table: str, schema: list[list[str]]) -> dict:
        spec = partitioning(table)
        before = self.previous.get("tables", {}).get(table)
        old: dict[str, dict] = {}
        if before and before.get("schema") == schema and before.get("order") == list(spec.order):
            old = {f["part"]: f for f in before["files"]}
        if spec.tracked:
            files = self._tracked(table, spec, old)
        else:
            files = self._fingerprinted(table, spec, old)
        if not files:  # an empty table still has a file, for its schema
            files = [self._part_file(table, spec, None, "empty", old.get(""))]
        return {"schema": schema, "order": list(spec.order), "partition": spec.part,
                "rows": sum(f["rows"] for f in files), "files": files}

    def _fingerprinted(self, table: str, spec: Partitioning, old: dict[str, dict]) -> list[dict]:
        parts = self.con.execute(
            # each row's hash once, over the table's own columns (the part is derived from them)
            f"""SELECT part, count(*), sum(h::HUGEINT)::VARCHAR, bit_xor(h)
                FROM (SELECT hash(t) AS h, ({spec.part}) AS part FROM "{table}" t)
                GROUP BY part ORDER BY part"""
        ).fetchall()
        files = (self._part_file(table, spec, part, f"{rows}:{total}:{xor}", old.get(part))
                 for part, rows, total, xor in parts)
        return [f for f in files if f is not None]

    def _tracked(self, table: str, spec: Partitioning, old: dict[str, dict]) -> list[dict]:
        check_tracked(self.con, table)  # rows written around the tracking: every part is new
        (total,) = self.con.execute(f'SELECT count(*) FROM "{table}"').fetchall()[0]
        for attempt in range(2):
            versions = self.con.execute(
                "SELECT part, version FROM partition_version WHERE tbl = ? AND part <> ? ORDER BY part",
                [table, ROWS],
            ).fetchall()
            files, empty = [], []
            for part, version in versions:
                file = self._part_file(table, spec, part, f"v:{version}", old.get(part))
                if file is None:
                    empty.append(part)
                else:
                    files.append(file)
            if empty:  # every row of these parts was deleted: forget them
                self.con.execute("DELETE FROM partition_version WHERE tbl = ? AND list_contains(?, part)",
                                 [table, empty])
            if sum(f["rows"] for f in files) == total or attempt:
                return files
            # The parts do not add up to the table (rows changed without tracking and without
            # changing the row count): give every part a new version and write them all.
            self.con.execute(mark_changed_sql(table, f'"{table}"'))
            self.con.execute(record_rows_sql(table))
            old = {}
        return files

    def link(self, files: list[dict]) -> None:
        for f in files:
            target = self.staging / f["path"]
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                os.link(self.parts_root / f["path"], target)
            except OSError:  # a file system without hard links: copy
                shutil.copy2(self.parts_root / f["path"], target)


def _content_hash(tables: dict[str, dict]) -> str:
    canonical = {t: {"schema": e["schema"], "files": [f["sha256"] for f in e["files"]]}
                 for t, e in sorted(tables.items())}
    return hashlib.sha256(json.dumps(canonical, sort_keys=True).encode()).hexdigest()


def _write_durably(path: Path, text: str) -> None:
    with path.open("w", encoding="utf-8") as fh:
        fh.write(text)
        fh.flush()
        os.fsync(fh.fileno())


def publish(con: duckdb.DuckDBPyConnection, serving_dir: Path, keep: int = 5,
            stats: dict | None = None) -> str:
    """Publish every table of :data:`PUBLISHED_TABLES` as a new snapshot, make it current and
    prune old ones. Parts unchanged since the current snapshot are reused, not rewritten.

    Returns the snapshot id: ``YYYYMMDDTHHMMSSmmmZ-<first 8 hex of the content hash>`` (UTC time
    to the millisecond, so ids sort in publishing order; the hash covers every table's schema
    and the SHA-256 of each of its files, so equal content gives an equal hash). ``stats``, if
    given, receives the numbers of parts written and reused.
    """
    serving_dir.mkdir(parents=True, exist_ok=True)
    previous_id = current_snapshot_id(serving_dir)
    previous = None
    if previous_id is not None:
        try:
            previous = read_manifest(serving_dir / previous_id)
        except (OSError, ValueError):
            previous = None  # unreadable: publish everything afresh
    staging = serving_dir / f"{STAGING_PREFIX}{os.getpid()}-{time.time_ns()}"
    staging.mkdir()
    try:
        publisher = _Publisher(con, serving_dir, staging, previous)
        schemas = _schemas(con, PUBLISHED_TABLES)
        tables = {table: publisher.table(table, schemas[table]) for table in PUBLISHED_TABLES}
        for entry in tables.values():
            publisher.link(entry["files"])
        content = _content_hash(tables)
        now = datetime.now(UTC)
        stamp = now.strftime("%Y%m%dT%H%M%S") + f"{now.microsecond // 1000:03d}Z"
        snapshot_id = f"{stamp}-{content[:8]}"
        manifest = {
            "format": FORMAT, "version": FORMAT_VERSION, "snapshot_id": snapshot_id,
            "created_at": now.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "content_sha256": content, "tables": tables,
        }
        _write_durably(staging / MANIFEST, json.dumps(manifest, indent=1, sort_keys=True) + "\n")
        (staging / LEASE).touch()  # readers share-lock it (roamwatch.warehouse.leases)
        final = serving_dir / snapshot_id
        if final.exists():  # the same content published twice within one millisecond
            shutil.rmtree(staging)
        else:
            os.replace(staging, final)
        pointer_tmp = serving_dir / f".{POINTER}.{os.getpid()}"
        _write_durably(pointer_tmp, snapshot_id + "\n")
        os.replace(pointer_tmp, serving_dir / POINTER)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if stats is not None:
        stats.update(publisher.stats)
    prune(serving_dir, keep)
    return snapshot_id


def prune(serving_dir: Path, keep: int) -> list[str]:
    """Remove all but the newest ``keep`` snapshots: never the current one, never one a reader
    holds a lease on (see :mod:`roamwatch.warehouse.leases`), then every part no remaining
    snapshot lists; also clears what a writer killed mid-publish left behind."""
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
    if not directory.is_dir():
        raise NoSnapshot(f"snapshot {snapshot_id} is no longer in {serving_dir}")
    con = duckdb.connect(":memory:", config={
        "memory_limit": READER_MEMORY_LIMIT,
        "threads": max(1, min(READER_MAX_THREADS, os.cpu_count() or 1)),
        "temp_directory": os.path.join(tempfile.gettempdir(), "roamwatch-duckdb"),
    })
    try:
        attach_views(con, directory)
    except BaseException:
        con.close()
        raise
    return snapshot_id, con
