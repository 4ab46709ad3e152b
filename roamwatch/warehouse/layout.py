"""The on-disk layout of published snapshots, shared by the writer, the readers and the pruner.

::

    serving/
      CURRENT                          the id of the current snapshot (replaced atomically)
      parts/<table>/<part>-<hash>.parquet
                                       every Parquet file ever published, written once and named
                                       by (the first 16 hex of) the SHA-256 of its bytes
      <snapshot id>/manifest.json      what the snapshot is: per table its schema, sort order
                                       and the files (part, rows, bytes, sha256) that hold it
      <snapshot id>/<table>/<file>     hard links to the parts the manifest lists (no copy), so a
                                       snapshot directory is plain Parquet any engine reads
      <snapshot id>/.lease             readers share-lock it (:mod:`roamwatch.warehouse.leases`)

A new snapshot links every unchanged part of the previous one and writes only what changed.
Snapshots written before manifests existed (``<snapshot id>/<table>.parquet``) are still read.

This module holds only names and reading; publishing lives in :mod:`roamwatch.warehouse.snapshot`
and pruning in :mod:`roamwatch.warehouse.leases`, which both import it (and not each other's
names), so the two form no import circle.
"""

from __future__ import annotations

import json
from pathlib import Path

import duckdb

POINTER = "CURRENT"
MANIFEST = "manifest.json"
PARTS = "parts"
LEASE = ".lease"
TRASH_PREFIX = ".trash-"
STAGING_PREFIX = ".staging-"
FORMAT = "roamwatch-snapshot"
FORMAT_VERSION = 1


class NoSnapshot(Exception):
    """No snapshot has been published yet (nothing collected)."""


def current_snapshot_id(serving_dir: Path) -> str | None:
    try:
        value = (serving_dir / POINTER).read_text(encoding="utf-8").strip()
    except FileNotFoundError:
        return None
    return value or None


def is_snapshot_dir(path: Path) -> bool:
    """A published snapshot directory (not the parts store, not staging or trash)."""
    return path.is_dir() and not path.name.startswith(".") and path.name != PARTS


def read_manifest(directory: Path) -> dict | None:
    """The manifest of the snapshot in ``directory``; ``None`` for a snapshot of the old
    one-file-per-table layout (or a directory that is not a snapshot)."""
    try:
        text = (directory / MANIFEST).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    manifest = json.loads(text)
    if manifest.get("format") != FORMAT or int(manifest.get("version", 0)) > FORMAT_VERSION:
        raise ValueError(
            f"{directory / MANIFEST}: not a roamwatch snapshot manifest this version understands "
            f"(format {manifest.get('format')!r}, version {manifest.get('version')!r})"
        )
    return manifest


def table_files(directory: Path) -> dict[str, list[Path]]:
    """Per published table, the Parquet files of the snapshot in ``directory``, in order."""
    manifest = read_manifest(directory)
    if manifest is None:  # the layout before manifests: one file per table
        return {p.stem: [p] for p in sorted(directory.glob("*.parquet"))}
    return {
        table: [directory / f["path"] for f in entry["files"]]
        for table, entry in manifest["tables"].items()
    }


def referenced_parts(directory: Path) -> set[str]:
    """The parts (paths relative to ``serving/parts``) the snapshot in ``directory`` lists."""
    try:
        manifest = read_manifest(directory)
    except (ValueError, json.JSONDecodeError):
        return set()
    if manifest is None:
        return set()
    return {f["path"] for entry in manifest["tables"].values() for f in entry["files"]}


def _literal(path: Path) -> str:
    return "'" + path.as_posix().replace("'", "''") + "'"


def attach_views(con: duckdb.DuckDBPyConnection, directory: Path) -> list[str]:
    """Create one view per table of the snapshot in ``directory``; returns the table names."""
    tables = table_files(directory)
    for table, files in tables.items():
        listed = ", ".join(_literal(f) for f in files)
        con.execute(f'CREATE VIEW "{table}" AS SELECT * FROM read_parquet([{listed}])')
    return list(tables)
