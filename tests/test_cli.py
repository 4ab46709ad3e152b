"""The command line, run as real processes against the local World Bank server."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

from tests.helpers import query
from tests.servers.worldbank import ECONOMIES, LAST_YEAR, value_for

CONFIG = """
[sources.worldbank]
indicators = [
  {code = "IT.NET.USER.ZS", name = "Individuals using the Internet (% of population)", unit = "%"},
  {code = "IT.NET.BBND.P2", name = "Fixed broadband subscriptions (per 100 people)", unit = "per 100"},
]
"""


@pytest.fixture
def cli_env(env, tmp_path):
    config = tmp_path / "roamwatch.toml"
    # Only the World Bank collector runs here: other sources are switched off explicitly.
    from collectors import registry

    others = "".join(
        f"\n[sources.{name}]\nenabled = false\n" for name in registry() if name != "worldbank"
    )
    config.write_text(CONFIG + others)
    return {**os.environ, **env, "ROAMWATCH_CONFIG": str(config)}


def roamwatch(cli_env, *args, check=True):
    proc = subprocess.run(
        [sys.executable, "-c", "from roamwatch.cli import main; main()", *args],
        env=cli_env, capture_output=True, text=True, timeout=120,
    )
    if check and proc.returncode != 0:
        raise AssertionError(f"exit {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


def test_collect_status_export_round_trip(cli_env, env):
    out = roamwatch(cli_env, "collect").stdout
    assert "worldbank: success" in out and "published snapshot" in out
    assert "scores recomputed" in out  # collection that wrote rows refreshes the scores
    status = json.loads(roamwatch(cli_env, "status", "--json").stdout)
    (wb,) = status["collectors"]
    assert wb["status"] == "success" and wb["newest_period"] == str(LAST_YEAR)
    assert wb["observations"] == wb["rows_written"]

    text = roamwatch(cli_env, "export", "-m", "worldbank.IT.NET.USER.ZS", "-c", "KEN", "-c", "uga",
                     "--from", "2010", "--to", "2012").stdout
    rows = list(csv.DictReader(io.StringIO(text)))
    expected = {
        (iso3, str(y)): value_for("IT.NET.USER.ZS", iso3, y)
        for iso3 in ("KEN", "UGA") for y in (2010, 2011, 2012)
    }
    expected = {k: v for k, v in expected.items() if v is not None}
    assert {(r["country"], r["period"]): float(r["value"]) for r in rows} == expected
    assert {r["metric"] for r in rows} == {"worldbank.IT.NET.USER.ZS"}


def test_export_to_file_writes_provenance(cli_env, tmp_path):
    roamwatch(cli_env, "collect", "worldbank")
    target = tmp_path / "out.csv"
    roamwatch(cli_env, "export", "-m", "worldbank.*", "-o", str(target))
    rows = list(csv.DictReader(target.open()))
    assert {r["metric"] for r in rows} == {"worldbank.IT.NET.USER.ZS", "worldbank.IT.NET.BBND.P2"}
    assert {r["country"] for r in rows} == {e[0] for e in ECONOMIES}
    meta = json.loads((tmp_path / "out.csv.provenance.json").read_text())
    status = json.loads(roamwatch(cli_env, "status", "--json").stdout)
    assert meta["snapshot_id"] == status["snapshot_id"]
    assert meta["sources"][0]["licence"] == "CC BY 4.0"


def test_failed_run_exits_nonzero_and_status_shows_error(cli_env, env, wb_server):
    from tests.servers.base import Reply

    roamwatch(cli_env, "collect", "worldbank")
    wb_server.fail("IT.NET.BBND.P2", Reply(status=500, body=b"database down"), times=50)
    proc = roamwatch(cli_env, "collect", "worldbank", check=False)
    assert proc.returncode == 1
    # one line for the source, the failure counted by reason; the unit's error is detail
    assert "worldbank: partial" in proc.stdout and "(failed: 1 HTTP 500)" in proc.stdout
    assert "database down" not in proc.stdout + proc.stderr
    proc = roamwatch(cli_env, "collect", "worldbank", "-v", check=False)
    assert proc.returncode == 1 and "database down" in proc.stderr
    status = roamwatch(cli_env, "status").stdout
    assert "partial" in status and "last success" in status
    (wb,) = json.loads(roamwatch(cli_env, "status", "--json").stdout)["collectors"]
    (unit,) = wb["failed_units"]
    assert "IT.NET.BBND.P2" in unit and "database down" in wb["failed_units"][unit]
    assert wb["details"]["failed_by_reason"] == {"HTTP 500": 1}
    (count,) = query(
        __import__("pathlib").Path(env["ROAMWATCH_DATA_DIR"]) / "warehouse.duckdb",
        "SELECT count(*) FROM observation WHERE metric = 'worldbank.IT.NET.BBND.P2'",
    )[0]
    assert count > 0  # the earlier run's broadband data is still there


def test_unknown_source_and_metric_are_clear_errors(cli_env):
    proc = roamwatch(cli_env, "collect", "nosuchsource", check=False)
    assert proc.returncode == 1 and "unknown collector 'nosuchsource'" in proc.stderr
    proc = roamwatch(cli_env, "export", check=False)
    assert proc.returncode == 1 and "roamwatch collect" in proc.stderr  # nothing published yet
    roamwatch(cli_env, "collect", "worldbank")
    proc = roamwatch(cli_env, "export", "-m", "worldbank.NOPE", check=False)
    assert proc.returncode == 1 and "unknown metric" in proc.stderr


def test_help_explains_each_command(cli_env):
    for command in ("collect", "status", "export"):
        out = roamwatch(cli_env, command, "--help").stdout
        assert "Usage:" in out and len(out.splitlines()) > 5


def test_set_overrides_a_setting_for_one_run(cli_env, wb_server):
    roamwatch(cli_env, "collect", "worldbank", "--set", "first_year=2020", "--set", "per_page=7")
    data = [r for r in wb_server.requests if "/indicator/" in r]
    assert data and all("date=2020" in r and "per_page=7" in r for r in data)
    proc = roamwatch(cli_env, "collect", "worldbank", "--set", "oops", check=False)
    assert proc.returncode == 2 and "KEY=VALUE" in proc.stderr


def test_scores_follow_a_collection_that_changed_data(cli_env, env):
    import roamwatch as rwpkg

    roamwatch(cli_env, "collect", "worldbank")
    with rwpkg.open(env["ROAMWATCH_DATA_DIR"]) as rw:
        scored = rw.scores(country="KEN", level="category")
        assert not scored.empty and set(scored["key"]) >= {"R", "O", "A", "M", "X"}
        assert scored["coverage"].between(0, 1).all()
    out = roamwatch(cli_env, "collect", "worldbank", "--no-scores").stdout
    assert "scores recomputed" not in out
