"""Kept for tests that import ``tests.demo.fill``: the demo lives in :mod:`roamwatch.demo`
(``roamwatch demo``) and :mod:`collectors.local_servers.demo`."""

from __future__ import annotations

from collectors.local_servers.demo import write_files
from roamwatch.demo import build as fill

__all__ = ["fill", "write_files"]
