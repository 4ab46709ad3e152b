"""Every provider's own download imports through its source; ``--file`` elsewhere is a usage error.

The real files come from the shared corpus (``ROAMWATCH_CORPUS`` or ``../shared/corpus``); each
such test skips, saying so, when it is absent.
"""

from __future__ import annotations

import csv
import subprocess
import sys

import pytest

from collectors.runner import run_collectors
from roamwatch.config import load_config
from tests.helpers import corpus_file, invalid_host, query, stored, subprocess_env

ITU_FILES = [
    "CoreHouseholdIndicators_Jun2019.xlsx",
    "Fixed_broadband_2000-2018_Jun2019_revised27082019.xls",
    "Individuals using the internet by gender_Jun2019.xlsx",
    "Individuals_Internet_2000-2018_Jun2019.xls",
    "Mobile_cellular_2000-2018_Jun2019.xls",
    "itu_fixed_broadband_2000-2018.derived.csv",
    "itu_individuals_internet_2000-2018.derived.csv",
    "itu_internet_use_by_sex_jun2019.derived.csv",
    "itu_mobile_cellular_2000-2018.derived.csv",
]
CORPUS_FILES = [
    *[("itu", ("itu", f)) for f in ITU_FILES],
    ("dgg", ("digitalgendergaps", "national.csv")),
    ("fotn", ("freedom_house", "FINAL_DATA_FOTN2018_TOTAL_and_CATEGORY_SCORES.xlsx")),
    ("fotn", ("freedom_house", "fotn2018_scores.derived.csv")),
    ("accessnow", ("accessnow_stop", "#KeepItOn STOP Data 2016-2022 [Public].xlsx")),
    *[("accessnow", ("accessnow_stop", f)) for f in (
        "stop_2016_2017_2018.derived.csv", "stop_2019.derived.csv", "stop_2020_data.derived.csv",
        "stop_2021_data.derived.csv", "stop_2022_data.derived.csv")],
]


@pytest.fixture
def config(tmp_path):
    return load_config(env={"ROAMWATCH_DATA_DIR": str(tmp_path / "data")})


def import_file(config, source, path):
    (result,), _ = run_collectors([source], config, progress=False, log=lambda _m: None,
                                  options={"file": [str(path)]})
    return result


@pytest.mark.parametrize("source,parts", CORPUS_FILES, ids=[p[-1] for _, p in CORPUS_FILES])
def test_every_corpus_file_imports_through_its_source(config, source, parts):
    path = corpus_file(*parts)
    result = import_file(config, source, path)
    assert result.status == "success", result.failed_units
    assert result.rows_written > 0
    assert result.rows_rejected <= result.rows_written // 50  # a handful of bad rows at most
    again = import_file(config, source, path)  # the same bytes again: nothing to do
    assert again.status == "success" and again.rows_written == 0


def test_itu_core_household_file_lands_each_value_at_its_year(config):
    result = import_file(config, "itu", corpus_file("itu", "CoreHouseholdIndicators_Jun2019.xlsx"))
    assert result.status == "success"
    values = stored(config, "itu.")
    # Denmark: households with Internet access at home 97.0 (2017); with a computer 89.5 (2017)
    assert values[("itu.households_internet", "DNK", "2017")] == 97.0
    assert values[("itu.households_computer", "DNK", "2017")] == 89.5
    assert values[("itu.households_internet", "ARM", "2017")] == 64.7
    assert values[("itu.computer_use", "ARM", "2016")] == 67.9  # HH5 has its own year
    households = {c for (m, c, _p) in values if m == "itu.households_internet"}
    assert len(households) >= 110
    # HH7 repeats the time series (rounded): not stored unless asked for
    assert not [k for k in values if k[0] == "itu.internet_use"]


def _online_countries(path) -> set[str]:
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {r["iso2"] for r in csv.DictReader(fh)
                if (r["internet_online_model_prediction"] or r["mobile_online_model_prediction"])}


def cli(env, *args):
    return subprocess.run([sys.executable, "-c", "from roamwatch.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def cli_env(tmp_path):
    # an API call would fail at once and visibly: the host name cannot resolve
    return subprocess_env(ROAMWATCH_DGG_BASE_URL=f"https://{invalid_host('dgg')}",
                          ROAMWATCH_WORLDBANK_BASE_URL=f"https://{invalid_host('worldbank')}/v2",
                          ROAMWATCH_DATA_DIR=str(tmp_path / "data"))


def test_dgg_national_csv_lands_every_country_with_an_estimate(cli_env):
    path = corpus_file("digitalgendergaps", "national.csv")
    proc = cli(cli_env, "collect", "dgg", "--file", str(path), "--no-scores")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.startswith("dgg: success;")
    warehouse = load_config(env=cli_env).warehouse_path
    rows = query(warehouse, "SELECT country, metric, period, value FROM observation")
    countries = {r[0] for r in rows}
    # every country that has an online-model estimate in the file (176 of its 193 rows; the
    # others, e.g. Russia since 2022, carry no estimate), for both months, nothing else
    assert len(countries) == len(_online_countries(path)) >= 170
    assert {r[2] for r in rows} == {"2022-06", "2022-07"}
    assert ("AFG", "dgg.internet_gg", "2022-06", 0.576) in rows
    # every code maps (Namibia's "NA" included), and no request went to the API
    (details,) = query(warehouse, "SELECT details FROM collector_run")[0]
    details = __import__("json").loads(details)
    assert details["unmapped"] == {} and details["requests"] == 0


def test_itu_household_file_imports_from_the_command_line(cli_env):
    path = corpus_file("itu", "CoreHouseholdIndicators_Jun2019.xlsx")
    proc = cli(cli_env, "collect", "itu", "--file", str(path), "--no-scores")
    assert proc.returncode == 0 and proc.stdout.startswith("itu: success;"), proc.stdout + proc.stderr


def test_file_for_a_source_that_reads_none_is_a_usage_error(cli_env, tmp_path):
    downloaded = tmp_path / "IT.NET.USER.ZS.json"
    downloaded.write_text("[]", encoding="utf-8")
    proc = cli(cli_env, "collect", "worldbank", "--file", str(downloaded))
    assert proc.returncode == 2
    assert "worldbank cannot import files" in proc.stderr
    assert "World Bank Indicators API" in proc.stderr and "roamwatch collect worldbank" in proc.stderr
    # refused before anything ran: no warehouse, no run, no request
    assert not load_config(env=cli_env).warehouse_path.exists()
    proc = cli(cli_env, "collect", "ooni", "--file", str(downloaded))
    assert proc.returncode == 2 and "ooni cannot import files" in proc.stderr


def test_a_file_that_is_not_the_providers_is_refused_naming_why(config, tmp_path):
    other = tmp_path / "country_info.csv"
    other.write_text("name,iso2,iso3\nKenya,KE,KEN\n", encoding="utf-8")
    result = import_file(config, "dgg", other)
    assert result.status == "failed" and "needs iso2 and date columns" in result.error
    assert stored(config) == {}


def test_a_default_url_that_answers_a_web_page_is_refused_and_keeps_the_data(config, tmp_path):
    """A provider that moves its file, or puts it behind a form, answers HTML: the import fails
    saying so, and what was imported before stays."""
    from tests.servers.base import LocalServer, Reply

    class Moved(LocalServer):
        def handle(self, path, query):
            return Reply(200, b"<!DOCTYPE html><html><body>Please fill in the form</body></html>",
                         {"Content-Type": "text/html; charset=utf-8"})

    good = tmp_path / "V-Dem-CY-Full+Others-v16.csv"
    good.write_text("country_name,country_text_id,year,v2smgovfilprc\nKenya,KEN,2020,1.5\n",
                    encoding="utf-8")
    assert import_file(config, "vdem", good).status == "success"
    with Moved() as server:
        (result,), _ = run_collectors(["vdem"], config, progress=False, log=lambda _m: None,
                                      options={"url": server.url + "/media/datasets/v16.zip"})
    assert result.status == "failed"
    assert "answered a web page, not a data file" in result.error
    assert stored(config, "vdem.") == {("vdem.v2smgovfilprc", "KEN", "2020"): 1.5}
