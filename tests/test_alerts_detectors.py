"""Detectors over a small warehouse written through the warehouse layer: a monthly metric's
change point, a threshold with hysteresis, score drops between checks and between years, and
rule scopes by region and income group."""

from __future__ import annotations

import pandas as pd
import pytest

from alerts.engine import check
from alerts.rules import RuleError
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import MetricInfo, Warehouse
from tests.helpers import config_from, query


def _config(tmp_path, rules: str):
    """Only ``rules`` (no built-in ones)."""
    return config_from(tmp_path, "[alerts]\nbuiltin_rules = false\n" + rules)


def _write(config, observations: pd.DataFrame | None = None, scores: list[tuple] | None = None,
           countries: pd.DataFrame | None = None) -> None:
    with Warehouse(config.warehouse_path) as wh:
        run = wh.start_run("test", {})
        with wh.transaction():
            if countries is not None:
                wh.upsert_countries(countries)
            if observations is not None:
                for metric, frequency in observations[["metric", "frequency"]].drop_duplicates().itertuples(
                        index=False):
                    wh.upsert_metrics([MetricInfo(metric, metric.split(".")[0], metric, metric, "",
                                                  frequency)])
                wh.upsert_observations(observations.drop(columns="frequency"), run)
            if scores is not None:
                wh.con.execute("DELETE FROM score")
                wh.con.executemany("INSERT INTO score VALUES (?, ?, 'category', ?, ?, 0.9, '{}')", scores)
        wh.finish_run(run, "success")
        publish(wh.con, config.serving_dir)


def _monthly(metric: str, country: str, values: list[float], first: str = "2021-01-01") -> pd.DataFrame:
    months = pd.date_range(first, periods=len(values), freq="MS")
    return pd.DataFrame({"metric": metric, "country": country, "period": months.strftime("%Y-%m"),
                         "period_start": months.date, "value": values, "frequency": "month"})


def _daily(metric: str, country: str, values: list[float], first: str = "2025-01-01") -> pd.DataFrame:
    days = pd.date_range(first, periods=len(values), freq="D")
    return pd.DataFrame({"metric": metric, "country": country, "period": days.strftime("%Y-%m-%d"),
                         "period_start": days.date, "value": values, "frequency": "day"})


def test_change_point_on_a_monthly_metric(tmp_path):
    config = _config(tmp_path, """
[[alerts.rules]]
id = "ipv6-fall"
detector = "change_point"
series = ["apnic.ipv6_capable"]
direction = "down"
baseline_window = 12
min_baseline = 6
min_change = 5.0
min_sigma = 0.5
""")
    steady = [40.0 + (i % 3) * 0.4 for i in range(30)]
    _write(config, pd.concat([_monthly("apnic.ipv6_capable", "KEN", steady[:20] + [24.0] * 10),
                              _monthly("apnic.ipv6_capable", "UGA", steady)]))
    result = check(config, log=lambda m: None)
    (alert,) = query(config.warehouse_path, "SELECT country, series, onset, level_before, level_after, "
                     "n_before, n_after FROM alert")
    assert alert[:3] == ("KEN", "apnic.ipv6_capable", pd.Timestamp("2022-09-01").to_pydatetime())
    assert alert[3] == pytest.approx(40.4, abs=0.5) and alert[4] == pytest.approx(24.0)
    assert alert[5] == 12 and alert[6] == 10  # periods behind each level
    assert len(result.new_ids) == 1 and check(config, log=lambda m: None).new_ids == []


def test_threshold_with_hysteresis_and_quiet_period(tmp_path):
    config = _config(tmp_path, """
[[alerts.rules]]
id = "long-outages"
detector = "threshold"
metric = "ioda.outage_hours"
above = 12
clear_after = 2
quiet_period = 10
""")
    hours = [0.0] * 10 + [20, 5, 18, 0, 0] + [0] * 5 + [14, 0, 0] + [0] * 20 + [16, 16, 0, 0]
    # 20, a one-day dip, 18: one episode; 14 within the quiet period: none; 16 later: a second
    _write(config, _daily("ioda.outage_hours", "IRN", hours))
    check(config, log=lambda m: None)
    rows = query(config.warehouse_path, "SELECT onset, ended, level_after, n_after, end_state FROM alert "
                 "ORDER BY onset")
    assert [(r[0].date().isoformat(), r[2], r[3]) for r in rows] == [
        ("2025-01-11", 20.0, 3), ("2025-02-13", 16.0, 2)]
    assert rows[0][1] is not None and rows[0][4] == "known"


def test_score_drop_between_checks_and_between_years(tmp_path):
    config = _config(tmp_path, """
[[alerts.rules]]
id = "drop"
detector = "score_drop"
min_drop = 10

[[alerts.rules]]
id = "yearly"
detector = "score_drop"
between = "years"
categories = ["R"]
min_drop = 15
""")
    _write(config, scores=[("KEN", 2023, "R", 70.0), ("KEN", 2024, "R", 50.0), ("KEN", 2024, "A", 60.0),
                           ("UGA", 2024, "R", 40.0)])
    first = check(config, log=lambda m: None)
    assert [query(config.warehouse_path, "SELECT rule, country, level_before, level_after FROM alert")] \
        == [[("yearly", "KEN", 70.0, 50.0)]]  # nothing to compare with at the first check
    _write(config, scores=[("KEN", 2023, "R", 70.0), ("KEN", 2024, "R", 50.0), ("KEN", 2024, "A", 45.0),
                           ("UGA", 2024, "R", 35.0)])  # A fell 15 points, UGA's R only 5
    second = check(config, log=lambda m: None)
    rows = query(config.warehouse_path, "SELECT rule, country, series, level_before, level_after FROM alert "
                 "WHERE rule = 'drop'")
    assert rows == [("drop", "KEN", "score:category:A", 60.0, 45.0)]
    assert len(first.new_ids) == 1 and len(second.new_ids) == 1
    assert check(config, log=lambda m: None).new_ids == []


def test_scope_by_region_and_income_group(tmp_path):
    countries = pd.DataFrame([
        {"iso3": "KEN", "iso2": "KE", "name_en": "Kenya", "region": "Sub-Saharan Africa",
         "income_group": "Lower middle income"},
        {"iso3": "FRA", "iso2": "FR", "name_en": "France", "region": "Europe & Central Asia",
         "income_group": "High income"},
    ])
    rules = """
[[alerts.rules]]
id = "africa"
detector = "threshold"
metric = "ioda.outage_hours"
above = 6
regions = ["Sub-Saharan Africa"]

[[alerts.rules]]
id = "rich"
detector = "threshold"
metric = "ioda.outage_hours"
above = 6
income_groups = ["High income"]
"""
    config = _config(tmp_path, rules)
    _write(config, pd.concat([_daily("ioda.outage_hours", c, [0, 0, 10, 0]) for c in ("KEN", "FRA")]),
           countries=countries)
    check(config, log=lambda m: None)
    assert sorted(query(config.warehouse_path, "SELECT rule, country FROM alert")) == [
        ("africa", "KEN"), ("rich", "FRA")]
    wrong = _config(tmp_path, rules.replace("Sub-Saharan Africa", "Atlantis"))
    with pytest.raises(RuleError, match=r"\[\[alerts.rules\]\] #1 \(id 'africa'\): field 'regions': "
                                        r"'Atlantis' is not a region of the data; known: "):
        check(wrong, log=lambda m: None)
