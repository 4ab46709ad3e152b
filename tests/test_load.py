"""Load (``bench/bench_load.py``): 50 concurrent clients for 60 s on cached and uncached pages of a
real ``roamwatch serve`` while a writer publishes snapshots: not one error. Times and memory are
reported by ``python -m bench.bench_load`` into docs/benchmarks.md."""

from __future__ import annotations

import os

from bench import bench_load
from tests.demo import fill

CLIENTS = int(os.environ.get("ROAMWATCH_LOAD_CLIENTS", "50"))
SECONDS = float(os.environ.get("ROAMWATCH_LOAD_SECONDS", "60"))


def test_fifty_clients_for_a_minute_while_snapshots_are_published_get_no_error(tmp_path):
    fill(tmp_path / "data", tmp_path / "files", log=lambda _m: None)
    lines: list[str] = []
    result = bench_load.run(tmp_path / "data", CLIENTS, SECONDS, log=lines.append)
    print("\n".join(lines))
    assert result.errors == [], "\n".join(result.errors[:10] + result.server_errors[:3])
    assert result.writer_failures == []
    assert result.publishes >= 1, "no snapshot was published during the run"
    for name in ("cached", "uncached", "shell"):
        assert len(result.kinds[name].times) > CLIENTS, name  # every kind was really asked for
