"""Reader leases: a snapshot that is being read is never pruned.

A reader holds a *shared* ``flock`` on ``serving/<snapshot id>/.lease`` for as long as it
queries that snapshot (DuckDB reads the Parquet files lazily, at every query, so the lease must
live as long as the connection). Pruning takes an *exclusive, non-blocking* ``flock`` on the same
file before it removes a snapshot and skips the snapshot when that fails. The kernel drops a
lease when its holder dies, so a crashed reader never pins a snapshot for good.

Removal is race-free: the pruner, while holding the exclusive lock, renames the snapshot
directory to ``.trash-…`` (atomic), and only then deletes it. A reader that was about to lease
that snapshot either gets its shared lock first (and the pruner skips it), or finds after
locking that the directory is no longer at its path, and starts again from ``CURRENT``.

Parts (``serving/parts``, see :mod:`roamwatch.warehouse.layout`) are shared between snapshots.
After removing snapshots, :func:`prune` removes every part that no remaining snapshot's manifest
lists; a leased snapshot remains, so the parts it needs do too. (Its directory holds hard links to
them anyway: a reader keeps its files even if a part were removed.)

Wiring: ``snapshot.publish`` creates ``.lease`` in the staging directory and calls :func:`prune`;
``Reader.open`` uses :func:`acquire` plus the usual views and releases the lease in
``Reader.close``. This module imports the layout's names from :mod:`roamwatch.warehouse.layout`,
not from :mod:`roamwatch.warehouse.snapshot` (which imports this one).
"""

from __future__ import annotations

import fcntl
import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from roamwatch.warehouse.layout import (
    LEASE,
    PARTS,
    POINTER,
    STAGING_PREFIX,
    TRASH_PREFIX,
    NoSnapshot,
    attach_views,
    current_snapshot_id,
    is_snapshot_dir,
    referenced_parts,
)


@dataclass
class Lease:
    """A shared lock on one snapshot directory; :meth:`release` (or ``with``) gives it back."""

    snapshot_id: str
    directory: Path
    fd: int | None  # None: the snapshot has no lease file and none could be created (read-only)

    def release(self) -> None:
        if self.fd is not None:
            os.close(self.fd)  # closing the last descriptor drops the flock
            self.fd = None

    def __enter__(self) -> Lease:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()


def create_lease_file(directory: Path) -> None:
    """Writer side: give a (staging) snapshot directory its lease file before it is published."""
    (directory / LEASE).touch(exist_ok=True)


def _same_file(fd: int, path: Path) -> bool:
    try:
        st = os.stat(path)
    except FileNotFoundError:
        return False
    own = os.fstat(fd)
    return (st.st_dev, st.st_ino) == (own.st_dev, own.st_ino)


def acquire(serving_dir: Path, snapshot_id: str | None = None, attempts: int = 50) -> Lease:
    """Lease the current snapshot (or ``snapshot_id``) for reading.

    Raises :class:`NoSnapshot` when nothing is published, or when ``snapshot_id`` was pruned.
    """
    for _ in range(attempts):
        sid = snapshot_id or current_snapshot_id(serving_dir)
        if sid is None:
            raise NoSnapshot(f"no published data in {serving_dir}: run `roamwatch collect` first")
        directory = serving_dir / sid
        path = directory / LEASE
        try:
            fd = os.open(path, os.O_RDONLY)
        except FileNotFoundError:
            if not directory.is_dir():  # pruned between reading CURRENT and here
                if snapshot_id is not None:
                    raise NoSnapshot(f"snapshot {snapshot_id} is no longer in {serving_dir}") from None
                continue
            try:  # a snapshot published before leases existed
                fd = os.open(path, os.O_RDONLY | os.O_CREAT, 0o644)
            except OSError:  # read-only serving directory: read without a lease
                return Lease(sid, directory, None)
        # Blocks only while a pruner holds the exclusive lock, i.e. for the time of one rename.
        fcntl.flock(fd, fcntl.LOCK_SH)
        if _same_file(fd, path):
            return Lease(sid, directory, fd)
        os.close(fd)  # the snapshot was moved away for removal: start again from CURRENT
        if snapshot_id is not None:
            raise NoSnapshot(f"snapshot {snapshot_id} is no longer in {serving_dir}")
        time.sleep(0.001)
    raise RuntimeError(f"could not lease a snapshot in {serving_dir} after {attempts} attempts")


def connect(directory: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with one view per published table of the snapshot in ``directory``."""
    con = duckdb.connect(":memory:")
    attach_views(con, directory)
    return con


def open_leased(serving_dir: Path) -> tuple[Lease, duckdb.DuckDBPyConnection]:
    """Lease the current snapshot and open it; close the connection, then release the lease."""
    lease = acquire(serving_dir)
    try:
        return lease, connect(lease.directory)
    except BaseException:
        lease.release()
        raise


def in_use(directory: Path) -> bool:
    """Whether some process holds a lease on the snapshot in ``directory``."""
    try:
        fd = os.open(directory / LEASE, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


@dataclass
class PruneResult:
    removed: list[str] = field(default_factory=list)
    in_use: list[str] = field(default_factory=list)  # old enough to go, but being read
    parts_removed: list[str] = field(default_factory=list)  # paths under serving/parts


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _remove_leftovers(serving_dir: Path) -> None:
    """Trash whose removal was interrupted, and staging directories of publishers that died."""
    for path in serving_dir.iterdir():
        name = path.name
        if name.startswith(TRASH_PREFIX) and path.is_dir():
            shutil.rmtree(path, ignore_errors=True)
        elif name.startswith(STAGING_PREFIX) and path.is_dir():
            pid = name[len(STAGING_PREFIX):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                shutil.rmtree(path, ignore_errors=True)
        elif name.startswith(f".{POINTER}.") and path.is_file():  # pointer being replaced
            pid = name.rsplit(".", 1)[-1]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                path.unlink(missing_ok=True)


def prune(serving_dir: Path, keep: int) -> PruneResult:
    """Remove all but the newest ``keep`` snapshots; never the current one, never one being read.

    Call it from the writer (under the writer lock). A snapshot skipped because it is in use is
    removed by a later prune, once its readers have let go of it.
    """
    result = PruneResult()
    if not serving_dir.is_dir():
        return result
    current = current_snapshot_id(serving_dir)
    snapshots = sorted(p.name for p in serving_dir.iterdir() if is_snapshot_dir(p))
    for name in snapshots[: max(0, len(snapshots) - max(keep, 1))]:
        if name == current:
            continue
        directory = serving_dir / name
        try:
            fd = os.open(directory / LEASE, os.O_RDONLY | os.O_CREAT, 0o644)
        except OSError:
            continue
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                result.in_use.append(name)
                continue
            trash = serving_dir / f"{TRASH_PREFIX}{name}-{os.getpid()}-{time.time_ns()}"
            os.rename(directory, trash)
        finally:
            os.close(fd)
        shutil.rmtree(trash, ignore_errors=True)
        result.removed.append(name)
    _remove_leftovers(serving_dir)
    result.parts_removed = _remove_unreferenced_parts(serving_dir)
    return result


def _remove_unreferenced_parts(serving_dir: Path) -> list[str]:
    """Remove the parts no remaining snapshot lists, and temporary files of dead publishers.

    Skipped while another live process is staging a snapshot (its parts are listed nowhere yet);
    writers take turns under the writer lock, so that happens only when prune is run by hand.
    """
    parts_root = serving_dir / PARTS
    if not parts_root.is_dir():
        return []
    for path in serving_dir.iterdir():
        if path.name.startswith(STAGING_PREFIX):
            pid = path.name[len(STAGING_PREFIX):].split("-", 1)[0]
            if pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid)):
                return []
    needed: set[str] = set()
    for path in serving_dir.iterdir():
        if is_snapshot_dir(path):
            needed |= referenced_parts(path)
    removed = []
    for path in parts_root.iterdir():
        if path.is_file() and path.name.startswith(".tmp-"):
            pid = path.name.split("-")[1]
            if pid.isdigit() and int(pid) != os.getpid() and not _pid_alive(int(pid)):
                path.unlink(missing_ok=True)
            continue
        if not path.is_dir():
            continue
        for part in path.iterdir():
            relative = f"{path.name}/{part.name}"
            if part.suffix == ".parquet" and relative not in needed:
                part.unlink(missing_ok=True)
                removed.append(relative)
    return sorted(removed)
