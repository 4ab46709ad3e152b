"""A first run as a newcomer makes it: offline, with files in hand, asking what to import.

Offline is provoked locally: every base URL and file URL points at a name under ``.invalid``
(RFC 2606), which the resolver refuses at once, so no test reaches a network.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from collectors import registry
from tests import helpers
from tests.helpers import free_port, invalid_host


def run(env: dict, *args: str, check: bool = True) -> subprocess.CompletedProcess:
    proc = subprocess.run([sys.executable, "-c", "from roamwatch.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=300)
    if check and proc.returncode not in (0, 1):
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


@pytest.fixture
def offline_env(tmp_path):
    """Every source pointed at a host name that cannot resolve; default retry settings (five
    attempts with backoff), so only the fail-fast path keeps the run short."""
    return helpers.offline_env(tmp_path)


def test_offline_collect_fails_fast_with_one_line_per_source(offline_env, tmp_path):
    proc = run(offline_env, "collect", "--no-progress")
    assert proc.returncode == 1
    ran = [n for n, cls in registry().items()
           if not getattr(cls, "file_source", False) or cls.defaults.get("url")]
    lines = proc.stdout.splitlines()
    for name in ran:
        (line,) = [x for x in lines if x.startswith(f"{name}: ")]
        assert line.startswith(f"{name}: failed; no network (cannot resolve {invalid_host(name)})")
    # one line per source, then what was (not) published and what is missing: no unit lists
    assert len(lines) == len(ran) + 2, proc.stdout
    assert "nothing published: the warehouse holds no data yet" in proc.stdout
    assert '"insufficient data" in every country' in lines[-1]
    assert "not attempted" not in proc.stderr and len(proc.stderr.splitlines()) <= 2

    # one connection attempt per source, so no retry and no backoff sleep
    status = json.loads(run(offline_env, "status", "--json").stdout)
    assert status["snapshot_id"] == "(nothing published yet)"
    by_name = {c["collector"]: c for c in status["collectors"]}
    assert set(by_name) == set(ran)
    for name in ran:
        details = by_name[name]["details"]
        assert details["requests"] == 1, (name, details)
        assert details["unreachable"] == f"no network (cannot resolve {invalid_host(name)})"
    ooni = by_name["ooni"]
    assert ooni["details"]["failed_by_reason"]["not attempted"] == len(ooni["failed_units"]) - 1

    # an empty warehouse is not published, now or on the next run
    serving = Path(offline_env["ROAMWATCH_DATA_DIR"]) / "serving"
    assert not (serving / "CURRENT").exists()
    run(offline_env, "collect", "ooni", "--no-progress")
    assert not (serving / "CURRENT").exists()


def test_a_refused_connection_names_host_and_port(offline_env):
    port = free_port()
    env = {**offline_env, "ROAMWATCH_WORLDBANK_BASE_URL": f"http://127.0.0.1:{port}/v2"}
    proc = run(env, "collect", "worldbank")
    assert proc.returncode == 1
    assert proc.stdout.startswith(
        f"worldbank: failed; unreachable (127.0.0.1:{port} refused the connection)")
