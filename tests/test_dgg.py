"""Digital Gender Gaps collector against a local API: values, months, errors, re-runs."""

from __future__ import annotations

import json
from datetime import date

import pandas as pd
import pytest

from collectors.base import SourceError
from collectors.dgg import parse_national, plan_months
from collectors.runner import run_collectors
from roamwatch.config import load_config
from tests.conftest import roamwatch_env
from tests.helpers import corpus_root, query
from tests.servers.base import Reply, json_reply
from tests.servers.dgg import DggServer, row

CORPUS = corpus_root()
MODELS = {"internet_gg": "internet_online_model_prediction",
          "mobile_gg": "mobile_online_model_prediction"}


def month_data(shift: float = 0.0) -> dict[str, dict]:
    return {
        "GB": row(internet_online_model_prediction=0.98 + shift,
                  mobile_online_model_prediction=0.99 + shift,
                  ground_truth_internet_gg=0.5),
        "AF": row(internet_online_model_prediction=0.576 + shift,
                  mobile_online_model_prediction=0.722 + shift),
        "AD": row(),  # no estimate at all
        "KE": row(internet_online_model_prediction=-999.0,  # fill value = missing
                  mobile_online_model_prediction=0.9 + shift),
        "ZZ": row(internet_online_model_prediction=0.5),  # no country
    }


@pytest.fixture
def server():
    with DggServer({"202205": month_data(0.0), "202206": month_data(0.001),
                    "202207": month_data(0.002)}) as srv:
        yield srv


@pytest.fixture
def cfg(tmp_path, monkeypatch, server):
    roamwatch_env(monkeypatch, tmp_path, ROAMWATCH_DGG_BASE_URL=server.url)
    return load_config()


def run(config, full=False, **options):
    (result,), _ = run_collectors(["dgg"], config, full=full, progress=False, options=options)
    return result


def stored(config) -> dict[tuple[str, str, str], float]:
    rows = query(config.warehouse_path, "SELECT metric, country, period, value FROM observation")
    return {(m, c, p): round(v, 6) for m, c, p, v in rows}


def details(config, run_id: int) -> dict:
    (text,) = query(config.warehouse_path, "SELECT details FROM collector_run WHERE id = ?",
                    [run_id])[0]
    return json.loads(text)


def test_values_land_with_months_and_metadata(cfg, server):
    result = run(cfg, end_month="2022-07", months_back=3)
    assert result.status == "success", result
    assert server.dates_asked() == ["202205", "202206", "202207"]
    values = stored(cfg)
    assert values[("dgg.internet_gg", "GBR", "2022-06")] == 0.981
    assert values[("dgg.mobile_gg", "AFG", "2022-07")] == 0.724
    assert values[("dgg.mobile_gg", "KEN", "2022-05")] == 0.9
    assert ("dgg.internet_gg", "KEN", "2022-05") not in values  # -999 is missing
    assert not any(c == "AND" for _, c, _ in values)
    assert 0.5 not in values.values()  # ground truth and ZZ never stored
    assert len(values) == 3 * 5
    (start,) = query(cfg.warehouse_path, "SELECT period_start FROM observation WHERE "
                     "metric = 'dgg.internet_gg' AND country = 'GBR' AND period = '2022-06'")[0]
    assert start == date(2022, 6, 1)
    info = details(cfg, result.run_id)
    assert info["unmapped"] == {"ZZ": 3}
    assert info["skipped"] == {"no value": 3 * 3}
    metric = query(cfg.warehouse_path,
                   "SELECT source_code, frequency FROM metric WHERE id = 'dgg.mobile_gg'")
    assert metric == [("mobile_online_model_prediction", "month")]
    (licence, terms) = query(cfg.warehouse_path,
                             "SELECT licence, terms FROM source WHERE id = 'dgg'")[0]
    assert "no commercial use" in licence and "academic" in terms


def test_rerun_updates_without_duplicates_and_is_incremental(cfg, server):
    assert run(cfg, end_month="2022-06", months_back=2).ok
    assert len(stored(cfg)) == 10
    server.requests.clear()
    server.months["202206"]["GB"]["internet_online_model_prediction"] = 0.75
    server.months["202208"] = month_data(0.01)
    result = run(cfg, end_month="2022-09")
    assert result.status == "success", result
    # from the latest stored month (2022-06) minus one, to the end month
    assert server.dates_asked() == ["202205", "202206", "202207", "202208", "202209"]
    values = stored(cfg)
    assert values[("dgg.internet_gg", "GBR", "2022-06")] == 0.75
    assert values[("dgg.internet_gg", "GBR", "2022-08")] == 0.99
    (count, distinct) = query(
        cfg.warehouse_path,
        "SELECT count(*), count(DISTINCT (metric, country, period)) FROM observation")[0]
    assert count == distinct == 4 * 5
    assert details(cfg, result.run_id)["skipped"]["month without data"] == 1  # 2022-09


def test_month_without_data_or_404_is_recorded_not_a_crash(cfg, server):
    server.not_found.add("202205")
    result = run(cfg, end_month="2022-08", months_back=4)
    assert result.status == "success", result
    info = details(cfg, result.run_id)
    assert info["skipped"]["month without data"] == 2  # 202205 (404) and 202208 (empty)
    assert info["notes"]["2022-05"]["answer"] == "404"
    assert info["notes"]["2022-08"]["countries"] == 0
    assert {p for _, _, p in stored(cfg)} == {"2022-06", "2022-07"}


def test_retries_on_5xx_429_and_malformed_json(cfg, server):
    server.fail("date=202205", Reply(503, b"busy"), times=2)
    server.fail("date=202206", Reply(429, b"slow down", {"Retry-After": "0"}))
    server.fail("date=202207", Reply(200, b'{"status": 200, "data": {"GB": '))
    result = run(cfg, end_month="2022-07", months_back=3)
    assert result.status == "success", result
    assert {p for _, _, p in stored(cfg)} == {"2022-05", "2022-06", "2022-07"}
    assert server.dates_asked().count("202205") == 3


def test_failures_are_recorded_and_earlier_data_stays(cfg, server):
    assert run(cfg, end_month="2022-06", months_back=2).ok
    before = stored(cfg)
    server.months["202206"]["GB"]["internet_online_model_prediction"] = 0.1
    server.fail("date=202205", Reply(500, b"oops"), times=3)
    server.fail("date=202206", json_reply({
        "status": 500,
        "message": "Internal Server Error: Error returned from PostgreSQL server on SELECT."}))
    result = run(cfg, full=True, end_month="2022-07", months_back=3)
    assert result.status == "partial"
    assert set(result.failed_units) == {"2022-05", "2022-06"}
    assert "HTTP 500" in result.failed_units["2022-05"]
    assert "DGG API error 500" in result.failed_units["2022-06"]
    assert "PostgreSQL" in result.failed_units["2022-06"]
    after = stored(cfg)
    assert {k: v for k, v in after.items() if k[2] != "2022-07"} == before
    (status, failed) = query(cfg.warehouse_path,
                             "SELECT status, units_failed FROM collector_run WHERE id = ?",
                             [result.run_id])[0]
    assert (status, failed) == ("partial", 2)
    # the next run asks for the failed months again, and they land
    server.requests.clear()
    again = run(cfg, end_month="2022-07")
    assert again.status == "success", again
    assert "202205" in server.dates_asked()
    assert stored(cfg)[("dgg.internet_gg", "GBR", "2022-06")] == 0.1


def test_schema_drift_fails_the_month(cfg, server):
    server.fail("date=202206", json_reply({"status": 200, "message": "OK", "data": {
        "GB": {"202206": {"internet_fm_ratio": 0.9, "mobile_fm_ratio": 0.95}}}}))
    server.fail("date=202207", json_reply({"status": 200, "message": "OK", "data": [1, 2]}))
    result = run(cfg, end_month="2022-07", months_back=3)
    assert result.status == "partial"
    assert "the API changed" in result.failed_units["2022-06"]
    assert "not an object" in result.failed_units["2022-07"]
    assert {p for _, _, p in stored(cfg)} == {"2022-05"}


def test_all_months_failing_fails_the_run(cfg, server):
    server.fail("date=", Reply(502, b"bad gateway"), times=100)
    result = run(cfg, end_month="2022-06", months_back=2)
    assert result.status == "failed"
    assert "every unit failed" in result.error and "HTTP 502" in result.error
    assert stored(cfg) == {}


def test_bad_model_setting_fails_planning(cfg):
    result = run(cfg, internet_model="internet_fm_ratio", end_month="2022-06")
    assert result.status == "failed"
    assert "internet_model" in result.error and "planning failed" in result.error


def test_plan_months():
    settings = {"months_back": 24}
    months = plan_months(settings, None, False, today=date(2024, 3, 15))
    assert months[0] == "2022-04" and months[-1] == "2024-03" and len(months) == 24
    assert plan_months(settings, date(2024, 1, 1), False, today=date(2024, 3, 15)) == [
        "2023-12", "2024-01", "2024-02", "2024-03"]
    assert len(plan_months(settings, date(2024, 1, 1), True, today=date(2024, 3, 15))) == 24
    assert plan_months({"months_back": 3, "start_month": "2024-02"}, None, False,
                       today=date(2024, 3, 1)) == ["2024-02", "2024-03"]
    with pytest.raises(SourceError):
        plan_months({"end_month": "2024-13"}, None, False)


def test_data_as_json_string_and_error_status():
    payload = {"status": 200, "data": json.dumps({"FR": {"202206": {
        "internet_online_model_prediction": 1.02, "mobile_online_model_prediction": "n/a"}}})}
    batch = parse_national(payload, "2022-06", MODELS, "u")
    assert batch.observations.to_dict("records") == [
        {"metric": "dgg.internet_gg", "country": "FRA", "period": "2022-06", "value": 1.02}]
    assert batch.rejected == {"value not numeric": 1}
    with pytest.raises(SourceError, match="Bad Request"):
        parse_national({"status": 400, "message": "Bad Request: Length of 'date' must be 6."},
                       "2022-06", MODELS, "u")


def test_corpus_national_csv_parses_in_api_shape():
    csv = CORPUS / "digitalgendergaps" / "national.csv"
    if not csv.is_file():
        pytest.skip("corpus not available")
    frame = pd.read_csv(csv, dtype={"iso2": str, "date": str}, keep_default_na=False,
                        na_values=[""])
    june = frame[frame["date"] == "202206"]
    data = {r["iso2"]: {"202206": {k: (None if pd.isna(v) else v) for k, v in r.items()
                                   if k not in ("iso2", "date")}}
            for r in june.to_dict("records")}
    batch = parse_national({"status": 200, "message": "OK", "data": data}, "2022-06", MODELS, "u")
    assert not batch.unmapped and not batch.rejected
    got = {(r.metric, r.country): r.value for r in batch.observations.itertuples()}
    assert got[("dgg.internet_gg", "AFG")] == 0.576
    assert got[("dgg.mobile_gg", "AFG")] == 0.722
    assert got[("dgg.internet_gg", "ALB")] == 0.802
    assert ("dgg.internet_gg", "AND") not in got
    assert len(got) == june["internet_online_model_prediction"].notna().sum() + \
        june["mobile_online_model_prediction"].notna().sum()
