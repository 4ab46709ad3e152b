"""indicators.validation: the statistical audit, on a warehouse whose answers are known."""

from __future__ import annotations

import datetime as dt
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from indicators import validation
from indicators.catalogue import load_catalogue
from roamwatch.cli import cli
from roamwatch.countries import reference_countries
from roamwatch.warehouse.store import MetricInfo, Warehouse
from tests.goalposts import raw_value

# Twelve countries at evenly spaced levels between the goalposts; V-Dem's shutdown variable runs
# the other way (so it is "weak"), everything else follows the level (so pairs are "redundant").
ISO3 = ["KEN", "UGA", "FRA", "BRA", "IND", "EST", "IRN", "CHN", "DEU", "ZAF", "MEX", "JPN"]
LEVEL = {c: (k + 1) / (len(ISO3) + 1) for k, c in enumerate(ISO3)}


def _obs(metric, country, year, value):
    return {"metric": metric, "country": country, "period": str(year),
            "period_start": dt.date(year, 1, 1), "value": float(value)}


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("validation") / "data"
    cat = load_catalogue()
    goal = {m: i for i in cat.indicators for m in i.metrics}
    metrics = [m for m in cat.raw_inputs() if m.startswith(("fotn.", "vdem.", "itu.", "worldbank."))]
    rows = []
    for country, share in LEVEL.items():
        for metric in [*metrics, "fotn.total"]:
            level = 1 - share if metric == "vdem.v2smgovshut" else share
            value = raw_value(goal.get(metric), metric, level)
            rows.append(_obs(metric, country, 2020, value))
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ROAMWATCH_DATA_DIR", str(directory))
        mp.delenv("ROAMWATCH_CONFIG", raising=False)
        with Warehouse(directory / "warehouse.duckdb") as wh:
            wh.upsert_metrics([MetricInfo(id=m, source=m.split(".")[0], source_code=m.split(".", 1)[1],
                                          name=m, unit="", frequency="year")
                               for m in [*metrics, "fotn.total"]])
            run = wh.start_run("test", {})
            wh.upsert_observations(pd.DataFrame(rows), run)
            wh.finish_run(run, "success")
        result = CliRunner().invoke(cli, ["scores"], obj={}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
    return directory


@pytest.fixture(scope="module")
def report(data_dir):
    return validation.render(validation.read_snapshot(data_dir / "serving"), note="Test data.")


def _row(report: str, start: str, section: str = "") -> list[str]:
    text = report[report.index(section):] if section else report
    line = next(ln for ln in text.splitlines() if ln.startswith(start))
    return [c.strip() for c in line.strip("|").split("|")]


def test_held_out_fotn_correlation_is_stated(report):
    assert "Test data." in report
    lines = [ln for ln in report.splitlines() if ln.startswith("| R Rights")]
    catalogue_row, any_data = ([c.strip() for c in ln.strip("|").split("|")] for ln in lines)
    assert "`R.B.fotn_content`, `R.E.fotn_user_rights`" in any_data[1] and "`fotn.total`" in any_data[2]
    # without FOTN, R still rises with the level: V-Dem's filtering, arrests, censorship, privacy
    # and monitoring follow it, only the shutdown variable runs against it
    assert any_data[4:] == ["2020", "1.00", "12"]
    # at the catalogue threshold R without FOTN lacks coverage (no OONI: R.D empty): n = 0, said
    assert catalogue_row[3].startswith("0.5") and catalogue_row[5:] == ["–", "0"]


def test_consistency_flags_redundant_pairs_and_weak_indicators(report):
    weak = _row(report, "| `R.B.vdem_shutdown` |")
    assert float(weak[1]) < 0 and weak[3] == "weak"
    assert _row(report, "| `R.B.vdem_filtering` |")[3] == ""
    pair = _row(report, "| `R.B.fotn_content` · `R.B.vdem_filtering` |")
    assert pair[1:] == ["1.00", "12", "redundant"]
    assert "Year 2020 (12 countries scored" in report


def test_reach_rank_ranges_and_goalposts(report):
    n = len(reference_countries())
    share = f"{12 / n * 100:.0f} %"
    assert re.search(rf"^\| 2020 \| {share} \| 0 % \| {share} \| {share} \| {share} \|$", report, re.M)
    assert _row(report, "| R | 2020 |")[2] == "12"
    # levels sit strictly between the goalposts: no value at 0 or 100
    goalposts = "## 5. Goalposts"
    assert _row(report, "| `A.B.internet_users` |", goalposts)[1:] == ["12", "0 %", "0 %"]
    assert _row(report, "| `O.B.ipv6_capable` |", goalposts)[1:] == ["0", "–", "–"]


def test_command_writes_the_report_and_says_when_there_is_no_snapshot(data_dir, tmp_path, capsys):
    out = tmp_path / "v.md"
    assert validation.main(["--data-dir", str(data_dir), "--output", str(out), "--note", "N."]) == 0
    assert "## 1. Held-out-source validity" in out.read_text(encoding="utf-8")
    assert validation.main(["--data-dir", str(tmp_path / "empty"), "--output", str(out)]) == 1
    assert "no published data" in capsys.readouterr().err
