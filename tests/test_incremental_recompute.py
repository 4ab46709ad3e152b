"""Recomputation that does not redo yesterday: daily → yearly rollups refreshed per changed part,
score rows rebuilt only for the (country, year) pairs whose inputs changed — and in both cases
the same result as computing everything afresh."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from indicators.catalogue import load_catalogue
from indicators.derive import MESSAGING_TESTS, OONI_TESTS
from indicators.recompute import recompute
from roamwatch.warehouse import rollups
from roamwatch.warehouse import scores as sql
from roamwatch.warehouse.store import Warehouse
from tests.test_scores_cli import _obs, fill

TODAY = dt.date(2024, 1, 1)


def ooni_from_scratch(con) -> pd.DataFrame:
    for table in ("rollup_daily", "rollup_days_any", "rollup_state"):
        con.execute(f"DROP TABLE IF EXISTS {table}")
    return sql.load_ooni(con, OONI_TESTS, MESSAGING_TESTS)


def test_rollups_refresh_only_the_changed_year_and_equal_a_fresh_sum(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)  # OONI days of 2023
        wh.upsert_observations(pd.DataFrame([  # and a few of 2022
            _obs(f"ooni.whatsapp.{b}", "KEN", "2022-06-01", v)
            for b, v in (("measurement_count", 5), ("confirmed_count", 2), ("anomaly_count", 0),
                         ("failure_count", 0), ("ok_count", 3))]), 2)
        first = sql.load_ooni(wh.con, OONI_TESTS, MESSAGING_TESTS)
        groups = [[f"ooni.{t}.measurement_count" for t in MESSAGING_TESTS],
                  [f"ooni.{t}.confirmed_count" for t in MESSAGING_TESTS]]
        assert rollups.refresh(wh.con, groups)["refreshed"] == 0  # all current
        wh.upsert_observations(pd.DataFrame([
            _obs("ooni.telegram.confirmed_count", "UGA", "2023-02-02", 4),
            _obs("ooni.telegram.measurement_count", "UGA", "2023-02-02", 40)]), 3)
        stats = rollups.refresh(wh.con, groups)
        assert stats["refreshed"] == 1 and stats["current"] >= 2  # ooni-2023 only (not 2022, ioda)
        incremental = sql.load_ooni(wh.con, OONI_TESTS, MESSAGING_TESTS)
        fresh = ooni_from_scratch(wh.con)
    pd.testing.assert_frame_equal(incremental, fresh)
    assert not incremental.equals(first)
    row = incremental.set_index(["test", "country", "year"]).loc[("telegram", "UGA", 2023)]
    before = first.set_index(["test", "country", "year"]).loc[("telegram", "UGA", 2023)]
    assert row["measurements"] > before["measurements"] and row["days_confirmed"] >= 1
    assert ("whatsapp", "KEN", 2022) in incremental.set_index(["test", "country", "year"]).index


def test_ioda_hours_from_the_rollup_equal_the_daily_sums(tmp_path):
    days = pd.date_range("2022-12-25", "2023-01-10", freq="D")
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.upsert_observations(pd.DataFrame(
            [_obs("ioda.outage_hours", c, d.strftime("%Y-%m-%d"), (i % 5) * 1.5)
             for c in ("KEN", "UGA") for i, d in enumerate(days) if not (c == "UGA" and i % 3 == 0)]), 1)
        frame = sql.load_ioda_hours(wh.con)
        direct = wh.con.execute(
            """SELECT country, year(period_start)::BIGINT AS year, min(period) AS first_day,
                      max(period) AS last_day, sum(value) AS outage_hours, count(*) AS days
               FROM observation WHERE metric = 'ioda.outage_hours'
               GROUP BY ALL ORDER BY country, year""").df()
    pd.testing.assert_frame_equal(frame, direct, check_dtype=False)
    assert frame.set_index(["country", "year"]).loc[("KEN", 2022), "days"] == 7


YEARLY_DIRECT = """
    WITH wanted AS (
        SELECT metric, country, period, period_start, value FROM observation
        WHERE list_contains($metrics, metric) AND period_start >= make_date($since, 1, 1))
    SELECT metric, country, year(period_start)::BIGINT AS year, period, value,
           CAST(NULL AS DOUBLE) AS n FROM wanted WHERE length(period) = 4
    UNION ALL
    SELECT metric, country, year(period_start)::BIGINT, CASE WHEN min(period) = max(period)
           THEN min(period) ELSE min(period) || '..' || max(period) END, avg(value), count(*)::DOUBLE
    FROM wanted WHERE length(period) = 7 GROUP BY metric, country, year(period_start)
    ORDER BY metric, country, year"""


def test_yearly_series_from_the_rollup_equal_the_observations_and_follow_changes(tmp_path):
    catalogue = load_catalogue()
    metrics = catalogue.raw_inputs()
    params = {"metrics": metrics, "since": 2019}
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)  # yearly series 2018-2023, monthly DGG/APNIC, daily OONI/IODA
        first = sql.load_yearly(wh.con, metrics, 2019).sort_values(["metric", "country", "year"])
        direct = wh.con.execute(YEARLY_DIRECT, params).df()
        pd.testing.assert_frame_equal(first.reset_index(drop=True), direct, check_dtype=False)
        assert first["n"].notna().any() and first["n"].isna().any()  # monthly and yearly rows
        assert rollups.refresh_yearly(wh.con)["refreshed"] == 0
        monthly = next(m for m in metrics if m.startswith("dgg."))
        yearly = next(m for m in metrics if not m.startswith(("ooni.", "ioda.", "dgg.", "apnic.")))
        wh.upsert_observations(pd.DataFrame([_obs(monthly, "KEN", "2021-03", 9.0),
                                             _obs(yearly, "UGA", "2022", 5.0)]), 7)
        stats = rollups.refresh_yearly(wh.con)
        assert stats["refreshed"] == 2  # dgg-2020s and the other source's 2020s, nothing else
        again = sql.load_yearly(wh.con, metrics, 2019).sort_values(["metric", "country", "year"])
        direct = wh.con.execute(YEARLY_DIRECT, params).df()
    pd.testing.assert_frame_equal(again.reset_index(drop=True), direct, check_dtype=False)
    row = again[(again["metric"] == monthly) & (again["country"] == "KEN") & (again["year"] == 2021)]
    assert row["n"].iloc[0] == 3 and row["period"].iloc[0] == "2021-01..2021-07"


def test_rows_written_around_the_store_are_summed_too(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        sql.load_ooni(wh.con, OONI_TESTS, MESSAGING_TESTS)
        wh.con.execute("INSERT INTO observation VALUES ('ooni.tor.measurement_count', 'FRA', "
                       "'2021-05-05', DATE '2021-05-05', 7, 9, now()::TIMESTAMP)")
        frame = sql.load_ooni(wh.con, OONI_TESTS, MESSAGING_TESTS)
    assert frame.set_index(["test", "country", "year"]).loc[("tor", "FRA", 2021), "measurements"] == 7


def score_rows(con) -> list[tuple]:
    return con.execute("SELECT country, year, level, key, value, coverage, details::VARCHAR "
                       "FROM score ORDER BY ALL").fetchall()


def test_scores_rebuilt_only_where_inputs_changed_equal_a_full_rebuild(tmp_path, monkeypatch):
    monkeypatch.setattr(sql, "REBUILD_SHARE", 1.0)  # always patch, never rebuild, in this test
    catalogue = load_catalogue()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        first = recompute(wh.con, catalogue, today=TODAY)
        assert first.changes["changed"] == first.changes["pairs"] > 0  # nothing stored yet
        used = first.scores.indicators
        metric = sorted(used.loc[used["metric"].astype(str).str.startswith("worldbank."), "metric"]
                        .astype(str).unique())[0]
        again = recompute(wh.con, catalogue, today=TODAY)
        assert again.changes == {"pairs": first.changes["pairs"], "changed": 0, "rebuilt": 0}
        unchanged = score_rows(wh.con)
        wh.upsert_observations(pd.DataFrame([_obs(metric, "KEN", "2023", 1.0)]), 5)
        patched = recompute(wh.con, catalogue, today=TODAY)
        assert 0 < patched.changes["changed"] < patched.changes["pairs"]
        assert patched.changes["rebuilt"] == 0
        incremental = score_rows(wh.con)
        wh.con.execute("DELETE FROM score_input_hash")  # forget: every row is built again
        full = recompute(wh.con, catalogue, today=TODAY)
        assert full.changes["rebuilt"] == 1
        rebuilt = score_rows(wh.con)
    assert incremental == rebuilt
    assert incremental != unchanged
    (key, year) = ("KEN", 2023)
    assert [r for r in incremental if r[:2] == (key, year)] != [r for r in unchanged if r[:2] == (key, year)]
