"""The writer lock: one process writes ``warehouse.duckdb`` at a time.

``flock`` on ``warehouse.lock`` next to the warehouse. The kernel drops the lock when its holder
dies (kill -9, power loss), so a stale lock never blocks the next writer. The file holds the PID
and purpose of the current holder so a waiting writer can say what it waits for.
"""

from __future__ import annotations

import fcntl
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path


class LockTimeout(Exception):
    """Another writer held the lock for longer than the allowed wait."""


def _holder(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8").strip() or "unknown process"
    except OSError:
        return "unknown process"


@contextmanager
def writer_lock(
    path: Path,
    purpose: str,
    timeout: float = 1800.0,
    on_wait: Callable[[str], None] | None = None,
    poll: float = 0.2,
) -> Iterator[None]:
    """Hold the writer lock for the ``with`` block, waiting at most ``timeout`` seconds."""
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
                holder = _holder(path)
                if time.monotonic() >= deadline:
                    raise LockTimeout(
                        f"gave up after {timeout:.0f} s waiting for the warehouse writer lock "
                        f"{path}, held by {holder}"
                    ) from None
                if not told and on_wait is not None:
                    on_wait(f"waiting for the warehouse writer lock held by {holder}")
                    told = True
                time.sleep(poll)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()} ({purpose})\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
