"""Process locks on files: the writer lock and the scheduler lock.

``flock`` on a lock file (``warehouse.lock`` next to the warehouse, ``scheduler.lock``). The
kernel drops the lock when its holder dies (kill -9, power loss), so a stale lock never blocks
the next holder. The file holds the PID, purpose and start time of the current holder so a
waiting process can say what it waits for.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path


class LockTimeout(Exception):
    """Another process held the lock for longer than the allowed wait.

    ``holder`` is what the lock file says of it (``pid N (purpose, since …)``).
    """

    def __init__(self, message: str, holder: str):
        super().__init__(message)
        self.holder = holder


def _holder(fd: int) -> str:
    """The holder's line; it writes it right after locking, so wait a moment for it."""
    for _ in range(20):
        text = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
        if text:
            return text
        time.sleep(0.05)
    return "unknown process"


@contextmanager
def file_lock(
    path: Path,
    purpose: str,
    timeout: float = 1800.0,
    on_wait: Callable[[str], None] | None = None,
    poll: float = 0.2,
    what: str = "the warehouse writer lock",
) -> Iterator[None]:
    """Hold the lock on ``path`` for the ``with`` block, waiting at most ``timeout`` seconds
    (0: do not wait) and raising :class:`LockTimeout` after that."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        told = False
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                holder = _holder(fd)
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"gave up after {timeout:.0f} s waiting for {what} {path}, held by {holder}",
                        holder,
                    ) from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for {what} held by {holder}")
                    told = True
                time.sleep(poll)
        started = datetime.now(UTC).strftime("%Y-%m-%d %H:%M:%S UTC")
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({purpose}, since {started})\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def writer_lock(
    path: Path,
    purpose: str,
    timeout: float = 1800.0,
    on_wait: Callable[[str], None] | None = None,
    poll: float = 0.2,
):
    """Hold the warehouse writer lock: one process writes ``warehouse.duckdb`` at a time."""
    return file_lock(path, purpose, timeout=timeout, on_wait=on_wait, poll=poll)
