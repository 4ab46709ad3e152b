"""Kept for tests that import ``tests.demo.fill``: the demo lives in :mod:`roamwatch.demo`
(``roamwatch demo``) and :mod:`collectors.local_servers.demo`."""

from __future__ import annotations

from roamwatch.demo import build as fill

__all__ = ["fill"]
