"""`roamwatch scores` end to end: a warehouse filled directly, recomputed, published, explained."""

from __future__ import annotations

import datetime as dt
import json
import re

import pandas as pd
import pytest
from click.testing import CliRunner

from indicators.catalogue import load_catalogue
from roamwatch.cli import cli
from roamwatch.warehouse import scores as sql
from roamwatch.warehouse.lock import writer_lock
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.store import MetricInfo, Warehouse
from tests.goalposts import raw_value
from tests.helpers import query

COUNTRIES = pd.DataFrame([
    {"iso3": "KEN", "iso2": "KE", "name_en": "Kenya", "region": "Sub-Saharan Africa",
     "income_group": "Lower middle income"},
    {"iso3": "UGA", "iso2": "UG", "name_en": "Uganda", "region": "Sub-Saharan Africa",
     "income_group": "Low income"},
    {"iso3": "FRA", "iso2": "FR", "name_en": "France", "region": "Europe & Central Asia",
     "income_group": "High income"},
])
LEVEL = {"KEN": 0.4, "UGA": 0.2, "FRA": 0.8}  # where each country sits between the goalposts


def _obs(metric, country, period, value):
    if len(period) == 4:
        start = dt.date(int(period), 1, 1)
    elif len(period) == 7:
        start = dt.date(int(period[:4]), int(period[5:]), 1)
    else:
        start = dt.date.fromisoformat(period)
    return {"metric": metric, "country": country, "period": period, "period_start": start,
            "value": float(value)}


def fill(wh: Warehouse) -> None:
    """Yearly and monthly series for every catalogue input, a few OONI days, IODA, events."""
    cat = load_catalogue()
    wh.upsert_countries(COUNTRIES)
    metrics = cat.raw_inputs()
    wh.upsert_metrics([
        MetricInfo(id=m, source=m.split(".")[0], source_code=m.split(".", 1)[1], name=m, unit="",
                   frequency="day" if m.startswith(("ooni.", "ioda.")) else "year")
        for m in metrics
    ])
    goal = {}
    for ind in cat.indicators:
        for m in ind.metrics:
            goal.setdefault(m, ind)
    rows = []
    for country, share in LEVEL.items():
        for metric in metrics:
            if metric.startswith(("ooni.", "ioda.")):
                continue
            value = raw_value(goal.get(metric), metric, share)
            if metric.startswith("dgg."):
                value = 0.6 + 0.4 * share
            # FOTN only until 2021: carried forward into 2023 (within the 5-year window).
            years = range(2018, 2022) if metric.startswith("fotn.") else range(2018, 2024)
            for year in years:
                if metric.startswith(("dgg.", "apnic.")):
                    rows += [_obs(metric, country, f"{year}-{m:02d}", value) for m in (1, 7)]
                else:
                    rows.append(_obs(metric, country, str(year), value))
        for test in ("web_connectivity", "whatsapp", "telegram", "signal", "facebook_messenger", "tor"):
            for day in pd.date_range("2023-01-01", "2023-03-31", freq="D"):
                confirmed = 1 if (country == "UGA" and day.day == 1) else 0
                parts = {"anomaly_count": 2, "confirmed_count": confirmed, "failure_count": 1,
                         "ok_count": 7 - confirmed}
                parts["measurement_count"] = sum(parts.values())
                rows += [_obs(f"ooni.{test}.{b}", country, day.strftime("%Y-%m-%d"), v)
                         for b, v in parts.items()]
        rows.append(_obs("ioda.outage_hours", country, "2023-02-01", 5))
    run = wh.start_run("test", {})
    wh.upsert_observations(pd.DataFrame(rows), run)
    wh.upsert_events(pd.DataFrame([
        {"id": "an-1", "source": "accessnow", "country": "UGA", "kind": "shutdown",
         "start_time": pd.Timestamp("2021-01-13 06:00"), "end_time": pd.Timestamp("2021-01-18 00:00")},
        {"id": "an-2", "source": "accessnow", "country": "KEN", "kind": "shutdown",
         "start_time": pd.Timestamp("2023-06-25"), "end_time": pd.Timestamp("2023-06-26 12:00")},
        {"id": "an-3", "source": "accessnow", "country": "KEN", "kind": "shutdown",  # end unknown
         "start_time": pd.Timestamp("2023-09-01"), "end_time": None},
        {"id": "io-1", "source": "ioda", "country": "KEN", "kind": "outage",
         "start_time": pd.Timestamp("2023-02-01 01:00"), "end_time": pd.Timestamp("2023-02-01 06:00")},
    ]), run)
    wh.merge_coverage(pd.DataFrame([("accessnow", None, dt.date(2019, 1, 1), dt.date(2023, 12, 31),
                                     "test sheets 2019-2023")],
                                   columns=["source", "country", "first_day", "last_day", "basis"]))
    wh.refresh_coverage("ioda")
    wh.finish_run(run, "success")


@pytest.fixture
def data_dir(tmp_path, monkeypatch):
    directory = tmp_path / "data"
    monkeypatch.setenv("ROAMWATCH_DATA_DIR", str(directory))
    monkeypatch.delenv("ROAMWATCH_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)  # no stray ./roamwatch.toml
    return directory


@pytest.fixture
def filled(data_dir):
    with Warehouse(data_dir / "warehouse.duckdb") as wh:
        fill(wh)
    return data_dir


def run(*args):
    return CliRunner().invoke(cli, list(args), obj={}, catch_exceptions=False)


def test_scores_end_to_end(filled):
    result = run("scores")
    assert result.exit_code == 0, result.output
    assert "published snapshot" in result.output
    with Reader.open(filled / "serving") as reader:
        scores = reader.scores(countries=["KEN"], years=[2023])
    cats = scores[scores["level"] == "category"].set_index("key")
    assert set("ROAMX") <= set(cats.index)
    assert cats["coverage"].notna().all() and cats["value"].notna().all()
    assert ((cats["value"] >= 0) & (cats["value"] <= 100)).all()
    overall = scores[scores["level"] == "overall"]
    assert overall["key"].tolist() == ["ROAMX"] and overall["value"].notna().all()
    details = json.loads(cats.loc["R", "details"])
    assert {t["theme"] for t in details["themes"]} == {"R.B", "R.D", "R.E"}
    # Framework coverage: 3 of the framework's 6 Rights themes have a value.
    assert details["framework"] == {"themes_filled": 3, "themes_in_framework": 6,
                                    "coverage": 0.5, "filled": ["R.B", "R.D", "R.E"]}
    assert cats.loc["R", "framework_coverage"] == 0.5
    assert cats.loc["M", "framework_coverage"] == pytest.approx(1 / 3, abs=1e-4)
    brief = next(i for i in details["inputs"] if i["indicator"] == "R.E.fotn_user_rights")
    assert brief["carried_forward"] is True and 0 <= brief["normalised"] <= 100
    # No league table: a rank range, never a rank.
    assert set(details["robustness"]) == {"best_rank", "worst_rank", "n_countries", "n_variants"}
    assert details["robustness"]["n_countries"] == 3
    assert details["medians"]["world"] is not None
    overall_details = json.loads(overall["details"].iloc[0])
    assert overall_details["framework"]["themes_in_framework"] == 25
    assert overall_details["framework"]["themes_filled"] == 3 + 1 + 3 + 1 + 2
    # The theme rows carry every input in full.
    by_key = scores.set_index(["level", "key"])
    theme_a = json.loads(by_key.loc[("theme", "R.E"), "details"])
    fotn = next(i for i in theme_a["inputs"] if i["indicator"] == "R.E.fotn_user_rights")
    assert {"metric", "period", "raw", "normalised", "carried_forward", "weight"} <= set(fotn)
    assert fotn["metric"] == "fotn.c_rights" and fotn["carried_forward"] is True
    theme_b = json.loads(by_key.loc[("theme", "R.B"), "details"])
    days = next(i for i in theme_b["inputs"] if i["indicator"] == "R.B.shutdown_days")
    assert days["raw"] == 3.0  # 25 and 26 June, and 1 September (end unknown: its start day)
    assert theme_b["flags"] == [{"indicator": "R.B.shutdown_days", "note": (
        "1 of 2 shutdowns with an unknown end, counted as their start day only")}]
    # Theme rows are stored too, each with its coverage; indicators live in their traces.
    assert set(scores["level"]) == {"theme", "category", "overall"}
    assert scores["coverage"].notna().all()
    warehouse = filled / "warehouse.duckdb"
    assert query(warehouse, "SELECT count(*) FROM score_rank")[0][0] > 0
    assert query(warehouse, "SELECT count(rank) FROM score_rank")[0][0] == 0
    assert query(warehouse, "SELECT count(*) FROM score_median WHERE group_type = 'region'")[0][0] > 0


def test_snapshot_rows_can_be_reweighted(filled):
    from indicators.scoring import compute_scores, indicators_from_rows, reweight  # noqa: F401

    assert run("scores").exit_code == 0
    cat = load_catalogue()
    with Reader.open(filled / "serving") as reader:
        rows = reader.scores(years=[2023])
    frame = indicators_from_rows(rows, cat)
    assert {"KEN", "UGA", "FRA"} <= set(frame["country"])
    same = reweight(frame, cat)
    stored = rows[rows["level"] == "category"].set_index(["country", "key"])["value"]
    for r in same.categories.itertuples():
        if r.country in ("KEN", "UGA", "FRA"):
            assert stored.loc[(r.country, r.category)] == pytest.approx(r.value, abs=1e-3, nan_ok=True)
    heavier = reweight(frame, cat, weights={"R.B.shutdown_days": 10.0})
    assert heavier.categories["value"].notna().any()


def test_explain_prints_the_trace(filled):
    assert run("scores").exit_code == 0
    result = run("scores", "--explain", "ken", "--year", "2023", "--category", "R")
    assert result.exit_code == 0, result.output
    out = result.output
    assert "Kenya (KEN), 2023" in out and "not a UNESCO assessment" in out
    assert "R — Rights" in out and "coverage" in out
    for text in ("R.E.fotn_user_rights", "fotn.c_rights", "2021 (carried forward)",
                 "R.B.shutdown_days", "derived.accessnow.shutdown_days", "weight",
                 "framework coverage: 3 of the framework's 6 R themes have a value (50%)",
                 "rank range", "not a league table",
                 "R.B.shutdown_days: 1 of 2 shutdowns with an unknown end, counted as their start day"):
        assert text in out, text
    assert not re.search(r"\brank \d+ of \d+", out)  # no single rank anywhere
    assert "O — Openness" not in out
    # before the #KeepItOn sheets: shutdown days are no data, and the trace says why
    early = run("scores", "--explain", "KEN", "--year", "2018", "--category", "R").output
    assert "no data: accessnow covers 2019-01-01..2023-12-31, not 2018" in early
    overall = run("scores", "--explain", "UGA")
    assert overall.exit_code == 0 and "ROAM-X overall" in overall.output
    assert "X — Cross-cutting" in overall.output


def test_explain_errors(filled, data_dir):
    assert "no published data" in run("scores", "--explain", "KEN").output
    assert run("scores").exit_code == 0
    assert "no scores for ZZZ" in run("scores", "--explain", "ZZZ").output
    assert "no scores for KEN in 1990" in run("scores", "--explain", "KEN", "--year", "1990").output
    assert "go with --explain" in run("scores", "--year", "2020").output


def test_no_warehouse_says_what_to_do(data_dir):
    result = run("scores")
    assert result.exit_code == 1 and "roamwatch collect" in result.output


def test_scoring_settings_from_config(filled, tmp_path, monkeypatch):
    config = tmp_path / "roamwatch.toml"
    config.write_text('[scoring]\nthreshold = 1.0\n[scoring.weights]\n"R.B.vdem_shutdown" = 0\n')
    monkeypatch.setenv("ROAMWATCH_CONFIG", str(config))
    assert run("scores").exit_code == 0
    with Reader.open(filled / "serving") as reader:
        theme = reader.scores(countries=["KEN"], years=[2023], levels=["theme"])
    rb = json.loads(theme.set_index("key").loc["R.B", "details"])
    vdem = next(i for i in rb["inputs"] if i["indicator"] == "R.B.vdem_shutdown")
    assert vdem["weight"] == 0
    config.write_text('[scoring.weights]\n"nope" = 1\n')
    result = run("scores")
    assert result.exit_code == 1 and "'nope' is not a scored indicator" in result.output


def test_waits_for_the_writer_lock_then_gives_up(filled, tmp_path, monkeypatch):
    config = tmp_path / "roamwatch.toml"
    config.write_text("[warehouse]\nlock_timeout = 0.3\n")
    monkeypatch.setenv("ROAMWATCH_CONFIG", str(config))
    with writer_lock(filled / "warehouse.lock", purpose="another writer"):
        result = run("scores")
    assert result.exit_code == 1 and "writer lock" in result.output


# -- the SQL aggregations, by hand ------------------------------------------------------------------
def test_shutdown_days_follow_end_states_and_coverage(data_dir):
    from indicators.derive import ioda_years, shutdown_years

    with Warehouse(data_dir / "warehouse.duckdb") as wh:
        wh.upsert_countries(COUNTRIES)
        run_id = wh.start_run("test", {})
        wh.upsert_events(pd.DataFrame([
            # ends at midnight: covers 13–17 January (5 days)
            {"id": "a", "source": "accessnow", "country": "UGA", "kind": "shutdown",
             "start_time": pd.Timestamp("2021-01-13 06:00"), "end_time": pd.Timestamp("2021-01-18"),
             "end_state": "known"},
            # overlaps the first one: days are counted once
            {"id": "b", "source": "accessnow", "country": "UGA", "kind": "shutdown",
             "start_time": pd.Timestamp("2021-01-16"), "end_time": pd.Timestamp("2021-01-19 10:00"),
             "end_state": "known"},
            # ongoing as of a sheet that reaches past the dataset's last update: cut there
            {"id": "c", "source": "accessnow", "country": "KEN", "kind": "shutdown",
             "start_time": pd.Timestamp("2022-12-30"), "end_time": None, "end_state": "ongoing",
             "details": {"as_of": "2023-03-01"}},
            # ongoing as of an older sheet: runs to that sheet's last day only
            {"id": "d", "source": "accessnow", "country": "UGA", "kind": "shutdown",
             "start_time": pd.Timestamp("2019-12-20"), "end_time": None, "end_state": "ongoing",
             "details": {"as_of": "2019-12-31"}},
            # end unknown: its start day only
            {"id": "e", "source": "accessnow", "country": "KEN", "kind": "shutdown",
             "start_time": pd.Timestamp("2020-12-18"), "end_time": None, "end_state": "unknown"},
            # before the dataset's first year: no data, not a day of 2015
            {"id": "f", "source": "accessnow", "country": "FRA", "kind": "shutdown",
             "start_time": pd.Timestamp("2015-05-01"), "end_time": pd.Timestamp("2016-01-03"),
             "end_state": "known"},
            {"id": "g", "source": "ioda", "country": "KEN", "kind": "outage",
             "start_time": pd.Timestamp("2022-12-31 20:00"), "end_time": None, "end_state": "ongoing",
             "details": {"as_of": "2023-01-02T00:00:00"}},
        ]), run_id)
        wh.upsert_observations(pd.DataFrame([
            _obs("ioda.outage_hours", "KEN", day, 4.0) for day in ("2022-12-31", "2023-01-01")
        ]), run_id)
        wh.refresh_coverage("ioda")
        wh.merge_coverage(pd.DataFrame(
            [("accessnow", None, dt.date(2016, 1, 1), dt.date(2022, 12, 31), "sheets 2016-2022")],
            columns=["source", "country", "first_day", "last_day", "basis"]))
        frame = shutdown_years(sql.load_events(wh.con, "accessnow", "shutdown"),
                               sql.load_coverage(wh.con, ["accessnow"]), COUNTRIES["iso3"])
        ioda = ioda_years(sql.load_ioda_hours(wh.con), sql.load_events(wh.con, "ioda", "outage"),
                          sql.load_coverage(wh.con, ["ioda"]))
    frame = frame.set_index(["country", "year"])
    assert frame.loc[("UGA", 2021), "days"] == 7  # 13–19 January
    assert frame.loc[("UGA", 2021), "events"] == 2
    assert frame.loc[("UGA", 2019), "days"] == 12 and frame.loc[("UGA", 2020), "days"] == 0
    assert frame.loc[("KEN", 2022), "days"] == 2  # 30 and 31 December, then the data ends
    assert frame.loc[("KEN", 2020), "days"] == 1 and frame.loc[("KEN", 2021), "days"] == 0
    assert frame.loc[("FRA", 2016), "days"] == 2 and frame.loc[("FRA", 2022), "days"] == 0
    years = sorted({y for _, y in frame.index})
    assert years == list(range(2016, 2023))  # no row before 2016 nor after 2022: no data
    assert (frame["period"] == frame.index.get_level_values("year").astype(str)).all()
    ioda = ioda.set_index(["country", "year"])
    assert ioda.loc[("KEN", 2022), "events"] == 1 and ioda.loc[("KEN", 2023), "events"] == 1
    assert ioda.loc[("KEN", 2022), "outage_hours"] == 4.0


def test_ooni_yearly_sums_and_days(data_dir):
    rows = []
    for day, (anom, conf, fail, ok) in {"2023-01-01": (1, 1, 0, 8), "2023-01-02": (0, 0, 2, 8),
                                        "2023-01-03": (0, 0, 0, 0)}.items():
        for b, v in (("anomaly_count", anom), ("confirmed_count", conf), ("failure_count", fail),
                     ("ok_count", ok), ("measurement_count", anom + conf + fail + ok)):
            rows.append(_obs(f"ooni.whatsapp.{b}", "KEN", day, v))
    rows += [_obs("ooni.signal.measurement_count", "KEN", "2023-01-05", 3),
             _obs("ooni.signal.confirmed_count", "KEN", "2023-01-05", 1)]
    with Warehouse(data_dir / "warehouse.duckdb") as wh:
        wh.upsert_observations(pd.DataFrame(rows), wh.start_run("test", {}))
        frame = sql.load_ooni(wh.con, ("whatsapp", "signal"), ("whatsapp", "signal"))
    t = frame.set_index("test")
    w = t.loc["whatsapp"]
    assert (w["anomaly"], w["confirmed"], w["failure"], w["measurements"]) == (1, 1, 2, 20)
    assert (w["days_measured"], w["days_confirmed"]) == (2, 1)
    assert (w["first_day"], w["last_day"]) == ("2023-01-01", "2023-01-02")
    m = t.loc["messaging"]
    assert (m["days_measured"], m["days_confirmed"], m["measurements"]) == (3, 2, 23)


def test_a_failed_write_leaves_the_previous_scores(filled, monkeypatch):
    assert run("scores").exit_code == 0
    warehouse = filled / "warehouse.duckdb"
    before = query(warehouse, "SELECT count(*), sum(value) FROM score")[0]
    monkeypatch.setattr(sql, "_WRITE_SQL", [*sql._WRITE_SQL, "SELECT * FROM no_such_table"])
    with Warehouse(warehouse) as wh, pytest.raises(Exception, match="no_such_table"):
        from indicators.recompute import recompute

        recompute(wh.con, load_catalogue())
    assert query(warehouse, "SELECT count(*), sum(value) FROM score")[0] == before
    (ddl,) = query(warehouse, "SELECT sql FROM duckdb_tables() WHERE table_name = 'score'")[0]
    assert "PRIMARY KEY" in ddl


def test_scores_on_partial_sources_from_local_servers(tmp_path):
    """World Bank and OONI only: categories without any country scored must not crash ranking."""
    from collectors.runner import run_collectors
    from indicators.cli import recompute_and_publish
    from roamwatch.config import load_config
    from tests.conftest import FAST_HTTP
    from tests.servers.ooni import OoniServer
    from tests.servers.worldbank import WorldBankServer

    with WorldBankServer() as wb, OoniServer() as ooni:
        env = {"ROAMWATCH_DATA_DIR": str(tmp_path / "data"),
               "ROAMWATCH_WORLDBANK_BASE_URL": wb.url + "/v2",
               "ROAMWATCH_OONI_BASE_URL": ooni.url, **FAST_HTTP}
        config = load_config(env=env)
        run_collectors(["worldbank"], config, progress=False)
        run_collectors(["ooni"], config, progress=False,
                       options={"min_interval": 0, "history_days": 40})
    result, snapshot_id = recompute_and_publish(config)
    assert result.rows > 0 and snapshot_id
