"""OONI collector against a local server computing /api/v1/aggregation from measurements."""

from __future__ import annotations

import json
import time
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from collectors import get_collector
from collectors.base import SourceError
from collectors.ooni import BUCKETS, Ooni, check_payload, parse_rows, windows
from collectors.runner import run_collectors
from roamwatch.config import load_config
from roamwatch.countries import iso2_to_iso3
from roamwatch.warehouse.queries import Reader
from tests.conftest import roamwatch_env
from tests.helpers import corpus_root, last_run, query
from tests.helpers import stored as stored_values
from tests.servers.base import Reply, json_reply
from tests.servers.ooni import (
    TODAY,
    Measurement,
    OoniServer,
    measurements_from_fastpath_csv,
)

CORPUS = corpus_root()
FASTPATH_CSV = CORPUS / "ooni" / "fastpath_fixture_rows.derived.csv"
LAST = TODAY
TWO_TESTS = ["web_connectivity", "signal"]


@pytest.fixture
def ooni_server():
    with OoniServer() as server:
        yield server


@pytest.fixture
def env(tmp_path, ooni_server, monkeypatch):
    return roamwatch_env(monkeypatch, tmp_path, ROAMWATCH_OONI_BASE_URL=ooni_server.url)


def run(config, full=False, **options):
    settings = {"min_interval": 0, "last_day": LAST.isoformat(), **options}
    (result,), _snapshot = run_collectors(
        ["ooni"], config, full=full, progress=False, options=settings
    )
    return result


def small(config, full=False, **options):
    """Two tests, 60 days: two 30-day windows per test."""
    return run(config, full=full, **{"tests": TWO_TESTS, "history_days": 60, **options})


def params(request: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(request).query).items()}


def expected(server: OoniServer, tests, first: date, last: date) -> dict[tuple, float]:
    """What should land: the five counts per (test, country, day), countries only."""
    groups = defaultdict(list)
    for m in server.measurements:
        iso3 = iso2_to_iso3(m.cc)
        if m.test in tests and first <= m.day <= last and m.cc != "ZZ" and iso3:
            groups[(m.test, iso3, m.day.isoformat())].append(m)
    out = {}
    for (test, iso3, day), ms in groups.items():
        counts = {
            "anomaly_count": sum(m.anomaly and not m.confirmed and not m.failure for m in ms),
            "confirmed_count": sum(m.confirmed and not m.failure for m in ms),
            "failure_count": sum(m.failure for m in ms),
            "ok_count": sum(not (m.anomaly or m.confirmed or m.failure) for m in ms),
            "measurement_count": len(ms),
        }
        for bucket, value in counts.items():
            out[(f"ooni.{test}.{bucket}", iso3, day)] = float(value)
    return out






def stored(config, prefix: str = "ooni.") -> dict[tuple, float]:
    return stored_values(config, prefix)


def history_first(days: int) -> date:
    return LAST - timedelta(days=days - 1)


# -- full runs -------------------------------------------------------------------------------------
def test_default_plan_one_request_per_test_and_window_with_exact_values(config, ooni_server):
    result = run(config)  # the built-in tests, 365 days, 30-day windows
    assert result.status == "success", result
    tests = Ooni.defaults["tests"]
    assert {"web_connectivity", "signal", "whatsapp", "telegram", "facebook_messenger",
            "tor"} <= set(tests)
    asked = [params(r) for r in ooni_server.requests]
    assert len(asked) == len(tests) * 13 == result.units_total  # ceil(365 / 30) windows each
    for p in asked:
        assert p["axis_x"] == "measurement_start_day" and p["axis_y"] == "probe_cc"
        assert p["time_grain"] == "day" and "probe_cc" not in p  # every country at once
        assert 1 <= (date.fromisoformat(p["until"]) - date.fromisoformat(p["since"])).days <= 30
    for test in tests:
        spans = sorted((p["since"], p["until"]) for p in asked if p["test_name"] == test)
        assert spans[0][0] == history_first(365).isoformat()
        assert spans[-1][1] == (LAST + timedelta(days=1)).isoformat()  # until is exclusive
        assert all(a[1] == b[0] for a, b in zip(spans, spans[1:], strict=False))  # no gap, no overlap
    want = expected(ooni_server, tests, history_first(365), LAST)
    assert stored(config) == want
    assert result.rows_written == len(want) and result.rows_rejected == 0
    metrics = dict(query(config.warehouse_path,
                         "SELECT id, name FROM metric WHERE source = 'ooni'"))
    assert set(metrics) == {f"ooni.{t}.{b}" for t in tests for b in BUCKETS}
    assert metrics["ooni.web_connectivity.anomaly_count"] == (
        "OONI web_connectivity: measurements with an anomaly")
    shapes = query(config.warehouse_path,
                   "SELECT DISTINCT frequency, unit FROM metric WHERE source = 'ooni'")
    assert shapes == [("day", "measurements")]
    assert all(m == f"ooni.{code}" for m, code in query(
        config.warehouse_path, "SELECT id, source_code FROM metric WHERE source = 'ooni'"))
    licence, homepage = query(config.warehouse_path,
                              "SELECT licence, homepage FROM source WHERE id = 'ooni'")[0]
    assert (licence, homepage) == ("CC BY-SA 4.0", "https://ooni.org/")


def test_zz_and_non_countries_never_land_and_are_counted(config, ooni_server):
    result = small(config)
    assert result.status == "success"
    countries = {r[0] for r in query(config.warehouse_path,
                                     "SELECT DISTINCT country FROM observation")}
    assert countries == {"KEN", "IRN", "BRA", "RUS", "CHN", "XKX"}
    first = history_first(60)

    def probe_days(cc):
        return len({(m.test, m.day) for m in ooni_server.measurements
                    if m.cc == cc and m.test in TWO_TESTS and first <= m.day <= LAST})

    details = last_run(config)["details"]
    assert details["skipped"] == {"probe_cc ZZ (unknown country)": probe_days("ZZ")}
    assert details["unmapped"] == {"EU": probe_days("EU")}
    assert probe_days("ZZ") > 0 and probe_days("EU") > 0


def test_registry_finds_the_collector():
    assert get_collector("ooni") is Ooni
    assert Ooni.defaults["base_url"] == "https://api.ooni.io"
    assert Ooni.source.licence_url == "https://creativecommons.org/licenses/by-sa/4.0/"


def test_base_url_comes_from_the_environment(config, ooni_server):
    assert config.source("ooni", Ooni.defaults)["base_url"] == ooni_server.url


# -- re-runs ---------------------------------------------------------------------------------------
def test_rerun_does_not_duplicate_and_asks_only_from_last_day_minus_overlap(config, ooni_server):
    assert small(config).status == "success"
    first_rows = stored(config)
    latest = {
        test: query(config.warehouse_path,
                    "SELECT max(period) FROM observation WHERE starts_with(metric, ?)",
                    [f"ooni.{test}."])[0][0]
        for test in TWO_TESTS
    }
    late_day = (LAST - timedelta(days=2)).isoformat()
    ooni_server.add(Measurement("KE", LAST - timedelta(days=2), "signal", True, False, False))
    ooni_server.requests.clear()

    second = small(config)
    assert second.status == "success"
    asked = [params(r) for r in ooni_server.requests]
    assert len(asked) == len(TWO_TESTS)  # one short window per test
    for p in asked:
        since = date.fromisoformat(latest[p["test_name"]]) - timedelta(days=3)
        assert p["since"] == since.isoformat()
        assert p["until"] == (LAST + timedelta(days=1)).isoformat()
    now = stored(config)
    assert len(now) == len(first_rows) + (0 if ("ooni.signal.anomaly_count", "KEN", late_day)
                                           in first_rows else 5)
    (count,) = query(config.warehouse_path, "SELECT count(*) FROM observation")[0]
    assert count == len(now)  # re-run updated rows, never duplicated them
    assert now == expected(ooni_server, TWO_TESTS, history_first(60), LAST)
    key = ("ooni.signal.measurement_count", "KEN", late_day)
    assert now[key] == first_rows.get(key, 0.0) + 1  # the late measurement filled in

    ooni_server.requests.clear()
    assert small(config, full=True).status == "success"
    sinces = sorted({params(r)["since"] for r in ooni_server.requests})
    assert sinces[0] == history_first(60).isoformat()
    assert len(ooni_server.requests) == 2 * len(TWO_TESTS)


def test_a_new_test_gets_full_history_while_others_stay_incremental(config, ooni_server):
    small(config, tests=["signal"])
    ooni_server.requests.clear()
    small(config)
    by_test = Counter(params(r)["test_name"] for r in ooni_server.requests)
    assert by_test == {"signal": 1, "web_connectivity": 2}


# -- errors ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "body, needle",
    [
        ({"error": "Invalid axis name: probe_country", "v": 0}, "Invalid axis name"),
        ({"msg": "invalid since parameter"}, "invalid since"),
        ({"v": 0, "dimension_count": 2, "db_stats": {}}, "no 'result'"),
        ([{"unexpected": True}], "expected an object"),
    ],
)
def test_error_in_200_fails_that_unit_and_keeps_earlier_data(config, ooni_server, body, needle):
    assert small(config).status == "success"
    before = stored(config)
    # New measurements upstream in both tests' first window: only web_connectivity may land.
    day = history_first(60) + timedelta(days=5)
    ooni_server.add(Measurement("KE", day, "signal", False, False, False),
                    Measurement("KE", day, "web_connectivity", False, False, False))
    ooni_server.fail("test_name=signal", json_reply(body), times=1)
    result = small(config, full=True)
    assert result.status == "partial"
    first_signal_unit = f"signal {history_first(60)}..{history_first(60) + timedelta(days=29)}"
    assert list(result.failed_units) == [first_signal_unit]
    assert needle in result.failed_units[first_signal_unit]
    run_row = last_run(config)
    assert run_row["status"] == "partial" and first_signal_unit in run_row["failed_units"]
    now = stored(config)
    key = ("ooni.{}.measurement_count", "KEN", day.isoformat())
    signal_key = (key[0].format("signal"), *key[1:])
    web_key = (key[0].format("web_connectivity"), *key[1:])
    assert now.get(signal_key) == before.get(signal_key)  # the failed window: untouched
    assert now[web_key] == before.get(web_key, 0.0) + 1  # the other test: updated
    assert {k: v for k, v in now.items() if k[0].startswith("ooni.signal.")} == {
        k: v for k, v in before.items() if k[0].startswith("ooni.signal.")}


def test_real_error_bodies_from_the_server_are_raised():
    with OoniServer() as server:
        import requests

        bad_axis = requests.get(server.url + "/api/v1/aggregation",
                                params={"axis_x": "country"}, timeout=5)
        assert bad_axis.status_code == 200
        with pytest.raises(SourceError, match="Invalid axis name"):
            check_payload(bad_axis.json(), "u")
        bad_date = requests.get(server.url + "/api/v1/aggregation",
                                params={"since": "2025-13-01"}, timeout=5)
        with pytest.raises(SourceError, match="Invalid date"):
            check_payload(bad_date.json(), "u")
        too_long = requests.get(server.url + "/api/v1/aggregation", timeout=5, params={
            "since": "2024-01-01", "until": "2025-06-01", "time_grain": "day",
            "axis_x": "measurement_start_day"})
        assert too_long.status_code == 400


def test_http_400_is_not_retried_and_fails_the_unit(config, ooni_server):
    ooni_server.fail("test_name=signal",
                     json_reply({"detail": "Choose time_grain between ..."}, status=400), times=1)
    result = small(config, history_days=30)
    assert result.status == "partial"
    (unit,) = result.failed_units
    assert unit.startswith("signal ") and "HTTP 400" in result.failed_units[unit]
    assert sum("test_name=signal" in r for r in ooni_server.requests) == 1
    assert any(k[0].startswith("ooni.web_connectivity.") for k in stored(config))


def test_bad_test_name_in_settings_fails_planning(config, ooni_server):
    result = small(config, tests=["web_connectivity", "Tor; DROP"])
    assert result.status == "failed" and "planning failed" in result.error
    assert ooni_server.requests == []


def test_500_then_success_is_retried(config, ooni_server):
    ooni_server.fail("/api/v1/aggregation", Reply(status=500, body=b"query timed out"), times=2)
    result = small(config)
    assert result.status == "success"
    assert len(ooni_server.requests) == 4 + 2
    assert stored(config) == expected(ooni_server, TWO_TESTS, history_first(60), LAST)


def test_429_honours_retry_after(config, ooni_server):
    ooni_server.fail("/api/v1/aggregation",
                     Reply(status=429, headers={"Retry-After": "1"}, body=b'{"detail":"rate"}'))
    started = time.monotonic()
    result = small(config, history_days=30, tests=["signal"])
    assert result.status == "success"
    assert time.monotonic() - started >= 1.0  # waited as told, not the 0.01 s backoff
    assert len(ooni_server.requests) == 2


def test_truncated_body_is_retried_then_reported(config, ooni_server):
    body = json.dumps({"v": 0, "dimension_count": 2, "result": []}).encode()
    ooni_server.fail("test_name=signal", Reply(body=body, truncate_to=12), times=1)
    assert small(config, history_days=30).status == "success"
    ooni_server.fail("test_name=signal", Reply(body=body, truncate_to=12), times=50)
    result = small(config, history_days=30, full=True)
    assert result.status == "partial"
    (unit,) = result.failed_units
    assert unit.startswith("signal ")


def test_timeout_is_recorded(config, ooni_server):
    config.raw["http"]["read_timeout"] = 0.3
    ooni_server.fail("test_name=signal", Reply(body=b"{}", delay=1.0), times=50)
    result = small(config, history_days=30)
    assert result.status == "partial"
    (message,) = result.failed_units.values()
    assert "timed out" in message.lower()


def test_pacing_keeps_min_interval_between_requests(config, ooni_server):
    started = time.monotonic()
    result = small(config, min_interval=0.25)  # four requests: three gaps
    assert result.status == "success"
    assert time.monotonic() - started >= 0.75


# -- schema drift and bad rows ---------------------------------------------------------------------
def test_unknown_extra_field_is_tolerated(config, ooni_server):
    ooni_server.extra_field = True
    result = small(config)
    assert result.status == "success" and result.rows_rejected == 0
    assert stored(config) == expected(ooni_server, TWO_TESTS, history_first(60), LAST)


def test_missing_bucket_field_rejects_rows_and_counts_them(config, ooni_server):
    ooni_server.drop_field = "ok_count"
    result = small(config)
    assert result.status == "failed" and "every row of the answer was rejected" in result.error
    want = expected(ooni_server, TWO_TESTS, history_first(60), LAST)
    country_days = len(want) // len(BUCKETS)
    assert result.rows_rejected == country_days > 0
    assert last_run(config)["details"]["rejected"] == {"missing field ok_count": country_days}
    assert stored(config) == {}


def test_buckets_that_do_not_add_up_are_rejected(config, ooni_server):
    day = (LAST - timedelta(days=1)).isoformat()
    ooni_server.add(Measurement("KE", LAST - timedelta(days=1), "signal", False, False, False),
                    Measurement("KE", LAST - timedelta(days=1), "web_connectivity",
                                False, False, False))
    ooni_server.row_overrides[("web_connectivity", "KE", day)] = {"ok_count": 999}
    result = small(config)
    assert result.status == "partial" and "contradicts itself" in result.error
    assert result.rows_rejected == 1
    assert last_run(config)["details"]["rejected"] == {"buckets do not sum to measurement_count": 1}
    now = stored(config)
    assert ("ooni.web_connectivity.ok_count", "KEN", day) not in now
    assert ("ooni.signal.ok_count", "KEN", day) in now


def test_parse_rows_shapes():
    good = {"anomaly_count": 1, "confirmed_count": 0, "failure_count": 2, "ok_count": 3,
            "measurement_count": 6, "probe_cc": "ke", "measurement_start_day": "2025-03-01"}
    rows = [
        good,
        {**good, "probe_cc": "IR", "measurement_start_day": "2025-03-01T00:00:00Z"},
        {**good, "probe_cc": "KE"},  # duplicate country-day
        {**good, "probe_cc": "RU", "ok_count": -1, "measurement_count": 2},
        {**good, "probe_cc": "RU", "measurement_start_day": "2025-02-30"},
        {**good, "probe_cc": "BR", "measurement_start_day": "2025-04-01"},
        {**good, "probe_cc": "CN", "ok_count": "3"},  # numeric string: accepted
        {**good, "probe_cc": None},
        "not a row",
        {**good, "probe_cc": "ZZ"},
        {**good, "probe_cc": "A1"},
    ]
    frame, rejected, skipped, unmapped = parse_rows(
        rows, "tor", date(2025, 3, 1), date(2025, 3, 31))
    assert sorted(set(frame["country"])) == ["CHN", "IRN", "KEN"]
    assert len(frame) == 3 * len(BUCKETS)
    assert set(frame["period"]) == {"2025-03-01"}
    ken = frame[frame.country == "KEN"].set_index("metric")["value"]
    assert ken["ooni.tor.failure_count"] == 2 and ken["ooni.tor.measurement_count"] == 6
    assert rejected == {
        "duplicate country and day": 1,
        "count not a non-negative integer": 1,
        "missing or malformed measurement_start_day": 1,
        "day outside the requested window": 1,
        "missing probe_cc": 1,
        "row is not an object": 1,
    }
    assert skipped == {"probe_cc ZZ (unknown country)": 1} and unmapped == {"A1": 1}


def test_check_payload_shapes():
    assert check_payload({"v": 0, "dimension_count": 2, "result": []}, "u") == []
    assert check_payload({"v": 0, "dimension_count": 2, "result": None}, "u") == []
    with pytest.raises(SourceError, match="dimension_count"):
        check_payload({"v": 0, "dimension_count": 0, "result": {"ok_count": 1}}, "u")
    with pytest.raises(SourceError, match="not a list"):
        check_payload({"v": 0, "result": {"ok_count": 1}}, "u")
    with pytest.raises(SourceError, match="boom"):
        check_payload({"error": "boom", "result": []}, "u")
    with pytest.raises(SourceError, match="since missing"):
        check_payload({"detail": "since missing"}, "u")
    # an unknown top-level field beside a result is drift, not an error
    assert check_payload({"v": 0, "dimension_count": 2, "message": "hi", "result": [1]}, "u") == [1]


# -- planning --------------------------------------------------------------------------------------
def fake_ctx(settings, stored_days=None, full=False):
    stored_days = stored_days or {}
    return SimpleNamespace(
        settings={**Ooni.defaults, **settings},
        full=full,
        latest_period_start=lambda prefix: stored_days.get(prefix),
    )


def test_plan_windows_incremental_and_full():
    last = date(2025, 12, 31)
    ctx = fake_ctx({"last_day": "2025-12-31", "tests": ["signal", "tor"]},
                   {"ooni.signal.": date(2025, 12, 20)})
    units = Ooni().plan(ctx)
    assert units[0] == "signal 2025-12-17..2025-12-31"  # last stored day minus 3 overlap days
    tor = [u for u in units if u.startswith("tor ")]
    assert len(tor) == 13 and tor[0] == "tor 2025-01-01..2025-01-30"  # 365 days, 30 at a time
    assert tor[-1].endswith("..2025-12-31")
    full = Ooni().plan(fake_ctx({"last_day": "2025-12-31", "tests": ["signal"]},
                                {"ooni.signal.": date(2025, 12, 20)}, full=True))
    assert full[0] == "signal 2025-01-01..2025-01-30" and len(full) == 13
    # window_days is capped at 30 (the day grain needs ranges the API accepts)
    wide = Ooni().plan(fake_ctx({"last_day": "2025-12-31", "tests": ["tor"], "window_days": 90}))
    assert len(wide) == 13
    assert windows(last, last, 30) == [(last, last)]
    before = datetime.now(UTC).date()
    today = Ooni().plan(fake_ctx({"tests": ["tor"], "history_days": 1}))
    after = datetime.now(UTC).date()
    assert today in ([f"tor {before}..{before}"], [f"tor {after}..{after}"])  # UTC today


# -- the real fixture rows -------------------------------------------------------------------------
@pytest.mark.skipif(not FASTPATH_CSV.is_file(), reason="shared corpus not present")
def test_real_fastpath_rows_through_server_and_parser(env, monkeypatch):
    measurements = measurements_from_fastpath_csv(FASTPATH_CSV)
    tests = sorted({m.test for m in measurements})
    with OoniServer(measurements) as server:
        monkeypatch.setenv("ROAMWATCH_OONI_BASE_URL", server.url)
        config = load_config()
        result = run(config, tests=tests, first_day="2021-07-08", last_day="2021-07-10")
        assert result.status == "success", result
        assert len(server.requests) == len(tests)  # one window per test
    with Reader.open(config.serving_dir) as reader:
        frame = reader.observations(metrics=["ooni.*"], countries=["BRA", "GBR"])
    day = frame[frame.period == "2021-07-09"]
    totals = day.groupby(day.metric.str.rsplit(".", n=1).str[-1])["value"].sum()
    # The OONI server's own test: probe_cc=BR,GB since=2021-07-09 until=2021-07-10
    assert totals.to_dict() == {"anomaly_count": 1, "confirmed_count": 0, "failure_count": 0,
                                "measurement_count": 20, "ok_count": 19}
    rows = stored(config)
    assert rows[("ooni.web_connectivity.measurement_count", "BRA", "2021-07-09")] == sum(
        m.cc == "BR" and m.test == "web_connectivity" and m.day == date(2021, 7, 9)
        for m in measurements)
    assert not any(k[2].startswith("2024") for k in rows)  # outside the asked range


def test_a_failed_window_is_retried_by_the_next_incremental_run(config, ooni_server):
    assert small(config).status == "success"
    first_signal_unit = f"signal {history_first(60)}..{history_first(60) + timedelta(days=29)}"
    ooni_server.fail("test_name=signal", json_reply({"error": "boom", "v": 0}), times=1)
    failed = small(config, full=True)
    assert list(failed.failed_units) == [first_signal_unit]
    day = history_first(60) + timedelta(days=2)
    ooni_server.add(Measurement("KE", day, "signal", False, False, False))
    ooni_server.requests.clear()
    retried = small(config)  # incremental: would otherwise only ask for the last days
    assert retried.status == "success"
    signal_sinces = {params(r)["since"] for r in ooni_server.requests if "test_name=signal" in r}
    assert history_first(60).isoformat() in signal_sinces
    key = ("ooni.signal.measurement_count", "KEN", day.isoformat())
    assert stored(config)[key] >= 1
