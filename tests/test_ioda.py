"""IODA collector against a local server speaking the IODA v2 envelope."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace
from urllib.parse import parse_qs, urlsplit

import pytest

from collectors import get_collector
from collectors.base import SourceError
from collectors.ioda import (
    METRIC_ID,
    Ioda,
    check_envelope,
    make_unit,
    outage_hours,
    parse_events,
)
from collectors.runner import run_collectors
from roamwatch.warehouse.queries import Reader
from tests.conftest import roamwatch_env
from tests.helpers import last_run, query
from tests.servers.base import Reply, json_reply
from tests.servers.ioda import Event, IodaServer, ts

LAST = date(2025, 3, 10)
FIRST = date(2025, 3, 1)  # LAST with history_days=10
H = 3600


@pytest.fixture
def ioda_server():
    with IodaServer() as server:
        server.events = [
            # Iran: two datasources overlapping across midnight: 22:00-02:00 in total.
            Event("IR", ts("2025-03-05T22:00"), 4 * H, "bgp", "median", 120.5),
            Event("IR", ts("2025-03-05T23:00"), 2 * H, "ping-slash24", "median", 80.0, 0.4),
            Event("IR", ts("2025-03-08T10:00"), H // 2, "merit-nt", "median", 5.0),
            # Under way when the stored window starts (seen thanks to context_days).
            Event("IR", ts("2025-02-28T20:00"), 8 * H, "bgp", "median", 33.0),
            # Kenya: two whole days.
            Event("KE", ts("2025-03-03T00:00"), 48 * H, "gtr", "sarima", None),
            # Long before the window: never asked for.
            Event("KE", ts("2025-01-10T00:00"), H, "bgp", "median", 1.0),
        ]
        yield server


@pytest.fixture
def env(tmp_path, ioda_server, monkeypatch):
    return roamwatch_env(monkeypatch, tmp_path, ROAMWATCH_IODA_BASE_URL=ioda_server.url + "/v2")


def run(config, full=False, **options):
    settings = {"min_interval": 0, "countries": ["IR", "KE"], "history_days": 10,
                "last_day": LAST.isoformat(), **options}
    (result,), _snapshot = run_collectors(["ioda"], config, full=full, progress=False,
                                          options=settings)
    return result


def params(request: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(urlsplit(request).query).items()}


def hours(config) -> dict[tuple[str, str], float]:
    rows = query(config.warehouse_path,
                 "SELECT country, period, value FROM observation WHERE metric = ?", [METRIC_ID])
    return {(c, p): v for c, p, v in rows}


def events(config) -> dict[str, tuple]:
    rows = query(config.warehouse_path,
                 "SELECT id, source, country, start_time, end_time, kind, severity, details, "
                 "end_state FROM event")
    return {r[0]: r[1:] for r in rows}




def days(first: date, last: date) -> list[str]:
    return [(first + timedelta(days=i)).isoformat() for i in range((last - first).days + 1)]


def expected_hours() -> dict[tuple[str, str], float]:
    want = {(c, d): 0.0 for c in ("IRN", "KEN") for d in days(FIRST, LAST)}
    want[("IRN", "2025-03-01")] = 4.0  # 20:00 on the 28th to 04:00
    want[("IRN", "2025-03-05")] = 2.0  # 22:00-24:00 (bgp and ping overlap: counted once)
    want[("IRN", "2025-03-06")] = 2.0  # 00:00-02:00
    want[("IRN", "2025-03-08")] = 0.5
    want[("KEN", "2025-03-03")] = 24.0
    want[("KEN", "2025-03-04")] = 24.0
    return want


# -- a full run ----------------------------------------------------------------------------------
def test_events_and_outage_hours_land_exactly(config, ioda_server):
    result = run(config)
    assert result.status == "success", result
    assert result.units_total == 2 and result.rows_rejected == 0

    asked = [params(r) for r in ioda_server.requests]
    assert [p["entityCode"] for p in asked] == ["IR", "KE"]
    for p in asked:
        assert p["entityType"] == "country" and p["format"] == "codf" and p["page"] == "0"
        assert int(p["from"]) == ts("2025-02-28T00:00")  # one context day before FIRST
        assert int(p["until"]) == ts("2025-03-11T00:00")  # end of LAST

    assert hours(config) == expected_hours()

    got = events(config)
    assert set(got) == {
        f"ioda:country/IR:bgp:median:{ts('2025-03-05T22:00')}",
        f"ioda:country/IR:ping-slash24:median:{ts('2025-03-05T23:00')}",
        f"ioda:country/IR:merit-nt:median:{ts('2025-03-08T10:00')}",
        f"ioda:country/IR:bgp:median:{ts('2025-02-28T20:00')}",
        f"ioda:country/KE:gtr:sarima:{ts('2025-03-03T00:00')}",
    }
    assert {v[7] for v in got.values()} == {"known"}  # every one ended inside the window
    source, country, start, end, kind, severity, details, _state = got[
        f"ioda:country/IR:ping-slash24:median:{ts('2025-03-05T23:00')}"]
    assert (source, country, kind, severity) == ("ioda", "IRN", "outage", 80.0)
    assert (start, end) == (datetime(2025, 3, 5, 23), datetime(2025, 3, 6, 1))
    details = json.loads(details)
    assert details == {
        "datasource": "ping-slash24", "method": "median", "location": "country/IR",
        "location_name": "Iran", "fraction": 0.4, "status": 0, "uncertainty": None,
        "overlaps_window": False,
    }
    assert got[f"ioda:country/KE:gtr:sarima:{ts('2025-03-03T00:00')}"][5] is None  # no score

    (name, licence, homepage), = query(
        config.warehouse_path, "SELECT name, licence, homepage FROM source WHERE id = 'ioda'")
    assert name == "IODA (Internet Outage Detection and Analysis), Georgia Tech"
    assert homepage == "https://ioda.inetintel.cc.gatech.edu/" and "IODA" in licence
    assert query(config.warehouse_path,
                 "SELECT frequency, unit FROM metric WHERE id = ?", [METRIC_ID]) == [("day", "hours")]
    with Reader.open(config.serving_dir) as reader:
        published = reader.observations([METRIC_ID], ["KEN"])
    assert len(published) == 10 and published["value"].sum() == 48.0


def test_registry_defaults_and_base_url_override(config, ioda_server):
    assert get_collector("ioda") is Ioda
    assert Ioda.defaults["base_url"] == "https://api.ioda.inetintel.cc.gatech.edu/v2"
    assert Ioda.defaults["schedule"] == "15 3 * * *" and Ioda.defaults["countries"] is None
    assert config.source("ioda", Ioda.defaults)["base_url"] == ioda_server.url + "/v2"


def test_default_plan_covers_every_reference_country_once():
    ctx = SimpleNamespace(settings={**Ioda.defaults, "last_day": "2025-03-10"}, full=False,
                          latest_period=lambda _m: None)
    units = Ioda().plan(ctx)
    codes = [u.split()[0] for u in units]
    assert len(codes) == len(set(codes)) > 240
    assert {"IR", "KE", "XK", "US"} <= set(codes) and "JG" not in codes
    assert units[0].endswith(" 2024-03-11..2025-03-10")  # 365 days up to last_day


def test_configured_bad_country_code_fails_planning(config, ioda_server):
    result = run(config, countries=["IR", "Iran"])
    assert result.status == "failed" and "alpha-2" in result.error
    assert ioda_server.requests == []


# -- re-runs -------------------------------------------------------------------------------------
def test_rerun_does_not_duplicate_and_is_incremental(config, ioda_server):
    assert run(config).status == "success"
    first_events, first_hours = events(config), hours(config)

    ioda_server.requests.clear()
    # An outage still going on at the end of the next window.
    ongoing = Event("IR", ts("2025-03-12T06:00"), 10 * 24 * H, "bgp", "median", 50.0)
    ioda_server.events.append(ongoing)
    later = LAST + timedelta(days=5)
    assert run(config, last_day=later.isoformat()).status == "success"
    asked = [params(r) for r in ioda_server.requests]
    # latest stored day (LAST) - overlap_days (2), minus one context day
    assert {int(p["from"]) for p in asked} == {ts("2025-03-07T00:00")}
    assert {int(p["until"]) for p in asked} == {ts("2025-03-16T00:00")}

    second_events = events(config)
    ongoing_id = f"ioda:country/IR:bgp:median:{ongoing.start}"
    assert set(second_events) == set(first_events) | {ongoing_id}
    # still open at the window end: ongoing as of the window's end, no end_time
    assert second_events[ongoing_id][3] is None and second_events[ongoing_id][7] == "ongoing"
    assert json.loads(second_events[ongoing_id][6])["as_of"] == "2025-03-16T00:00:00"
    second_hours = hours(config)
    assert {k: v for k, v in second_hours.items() if k in first_hours} == first_hours
    assert second_hours[("IRN", "2025-03-12")] == 18.0
    assert second_hours[("IRN", "2025-03-15")] == 24.0
    assert len(second_hours) == 2 * 15

    # The outage goes on: the same event (same id) grows, nothing is duplicated.
    assert run(config, last_day=(later + timedelta(days=2)).isoformat()).status == "success"
    third = events(config)
    assert len(third) == len(second_events)
    assert third[ongoing_id][3] is None
    assert json.loads(third[ongoing_id][6])["as_of"] == "2025-03-18T00:00:00"
    # ... until a window past its end: it ends, known (12 March 06:00 + 10 days)
    assert run(config, last_day=(later + timedelta(days=10)).isoformat()).status == "success"
    fourth = events(config)
    assert fourth[ongoing_id][3] == datetime(2025, 3, 22, 6) and fourth[ongoing_id][7] == "known"
    (n_events,), = query(config.warehouse_path, "SELECT count(*) FROM event")
    (n_obs,), = query(config.warehouse_path, "SELECT count(*) FROM observation")
    assert n_events == len(third) and n_obs == 2 * 25
    # IODA's coverage: per country, the days with an outage-hours value, one window each
    assert query(config.warehouse_path,
                 "SELECT country, first_day::VARCHAR, last_day::VARCHAR FROM source_coverage "
                 "WHERE source = 'ioda' ORDER BY country") == [
        ("IRN", "2025-03-01", "2025-03-25"), ("KEN", "2025-03-01", "2025-03-25")]


def test_full_run_asks_for_history_again(config, ioda_server):
    assert run(config).status == "success"
    ioda_server.requests.clear()
    assert run(config, full=True).status == "success"
    assert {int(params(r)["from"]) for r in ioda_server.requests} == {ts("2025-02-28T00:00")}


def test_day_in_progress_gets_no_value_but_its_events_land(config, ioda_server):
    today = datetime.now(UTC).date()
    midnight = ts(today.isoformat() + "T00:00")
    ioda_server.events.append(Event("KE", midnight, 60, "bgp", "median", 9.0))
    result = run(config, last_day=today.isoformat(), history_days=3)
    assert result.status == "success"
    assert sorted(p for c, p in hours(config) if c == "KEN") == days(
        today - timedelta(days=2), today - timedelta(days=1))
    assert f"ioda:country/KE:bgp:median:{midnight}" in events(config)
    assert all(int(params(r)["until"]) <= datetime.now(UTC).timestamp()
               for r in ioda_server.requests)


# -- errors --------------------------------------------------------------------------------------
def error_envelope(message: str) -> dict:
    return {"type": "outages.events", "metadata": {}, "requestParameters": {},
            "error": message, "perf": None, "data": None, "copyright": "GTRC"}


def test_error_in_200_fails_that_unit_and_keeps_earlier_data(config, ioda_server):
    assert run(config).status == "success"
    before_events, before_hours = events(config), hours(config)
    ioda_server.events.append(Event("IR", ts("2025-03-09T01:00"), H, "bgp", "median", 7.0))
    ioda_server.fail("entityCode=IR", json_reply(error_envelope("Influx query timed out")),
                     times=10)
    result = run(config, full=True)
    assert result.status == "partial"
    (unit, message), = result.failed_units.items()
    assert unit == make_unit("IR", FIRST, LAST)
    assert "SourceError" in message and "Influx query timed out" in message
    assert events(config) == before_events  # the new Iranian event did not land
    assert {k: v for k, v in hours(config).items() if k[0] == "IRN"} == {
        k: v for k, v in before_hours.items() if k[0] == "IRN"}
    assert last_run(config)["failed_units"] == {unit: message}


def test_unknown_country_comes_back_as_error_envelope(config, ioda_server):
    result = run(config, countries=["IR", "AQ"])
    assert result.status == "partial"
    assert list(result.failed_units) == [make_unit("AQ", FIRST, LAST)]
    assert "Unknown entity code: country/AQ" in result.failed_units[make_unit("AQ", FIRST, LAST)]
    assert {c for c, _ in hours(config)} == {"IRN"}


def test_a_failed_unit_is_retried_with_its_own_window(config, ioda_server):
    ioda_server.fail("entityCode=KE", Reply(status=500, body=b"oops"), times=3)
    assert run(config).status == "partial"
    ioda_server.requests.clear()
    later = LAST + timedelta(days=4)
    assert run(config, last_day=later.isoformat()).status == "success"
    ke = [params(r) for r in ioda_server.requests if "entityCode=KE" in r]
    assert sorted(int(p["from"]) for p in ke) == [ts("2025-02-28T00:00"), ts("2025-03-07T00:00")]
    assert hours(config)[("KEN", "2025-03-03")] == 24.0


def test_500_then_success_is_retried(config, ioda_server):
    ioda_server.fail("entityCode=IR", Reply(status=500, body=b"Internal Server Error"), times=2)
    result = run(config)
    assert result.status == "success"
    assert sum("entityCode=IR" in r for r in ioda_server.requests) == 3
    assert hours(config) == expected_hours()


def test_429_honours_retry_after(config, ioda_server):
    ioda_server.fail("entityCode=KE", Reply(status=429, body=b"slow down",
                                            headers={"Retry-After": "1"}))
    started = datetime.now(UTC)
    result = run(config)
    assert result.status == "success"
    assert (datetime.now(UTC) - started).total_seconds() >= 1.0
    assert sum("entityCode=KE" in r for r in ioda_server.requests) == 2


def test_truncated_body_is_retried(config, ioda_server):
    body = json.dumps(error_envelope("never seen")).encode()
    ioda_server.fail("entityCode=IR", Reply(status=200, body=body, truncate_to=20))
    result = run(config)
    assert result.status == "success"
    assert hours(config) == expected_hours()


def test_malformed_json_fails_the_unit_with_a_clear_error(config, ioda_server):
    ioda_server.fail("entityCode=IR", Reply(status=200, body=b"<html>502 Bad Gateway</html>"),
                     times=10)
    result = run(config)
    assert result.status == "partial"
    message = result.failed_units[make_unit("IR", FIRST, LAST)]
    assert "malformed JSON" in message
    assert {c for c, _ in hours(config)} == {"KEN"}


def test_schema_drift_extra_fields_are_tolerated(config, ioda_server):
    ioda_server.extra_field = True
    result = run(config)
    assert result.status == "success" and result.rows_rejected == 0
    assert hours(config) == expected_hours()
    assert len(events(config)) == 5


def test_pages_are_followed_until_a_short_page(config, ioda_server):
    result = run(config, page_size=3, countries=["IR"])
    assert result.status == "success"
    assert [params(r)["page"] for r in ioda_server.requests] == ["0", "1"]  # 3 rows, then 1
    assert all(params(r)["limit"] == "3" for r in ioda_server.requests)
    assert len(events(config)) == 4
    ioda_server.requests.clear()
    assert run(config, full=True, page_size=2, countries=["IR"]).status == "success"
    assert [params(r)["page"] for r in ioda_server.requests] == ["0", "1", "2"]  # 2, 2, 0
    assert len(events(config)) == 4


def test_a_server_that_ignores_page_fails_the_unit_instead_of_looping(config, ioda_server):
    ioda_server.ignore_page = True
    result = run(config, page_size=2, countries=["IR"])
    assert result.status == "failed"
    assert "same page twice" in result.error
    assert len(ioda_server.requests) == 2


# -- pure functions ------------------------------------------------------------------------------
def test_outage_hours_union_clipping_and_midnight():
    d1, d2 = date(2025, 3, 5), date(2025, 3, 6)
    got = outage_hours(
        [
            (ts("2025-03-05T22:00"), ts("2025-03-06T02:00")),
            (ts("2025-03-05T23:00"), ts("2025-03-06T01:00")),  # inside the first
            (ts("2025-03-06T02:30"), ts("2025-03-06T03:00")),  # separate
            (ts("2025-03-06T03:00"), ts("2025-03-06T04:00")),  # adjacent to the previous
            (ts("2025-03-01T00:00"), ts("2025-03-05T01:00")),  # clipped at the range start
            (ts("2025-03-06T23:00"), ts("2025-03-09T00:00")),  # clipped at the range end
        ],
        d1, d2,
    )
    assert got == {d1: 1.0 + 2.0, d2: 2.0 + 1.5 + 1.0}
    assert outage_hours([], d1, d1) == {d1: 0.0}
    assert outage_hours([(ts("2025-03-05T10:00"), ts("2025-03-05T10:00"))], d1, d1) == {d1: 0.0}


def test_check_envelope_shapes():
    assert check_envelope({"error": None, "data": [{"a": 1}]}, "u") == [{"a": 1}]
    assert check_envelope({"error": None, "data": None}, "u") == []
    with pytest.raises(SourceError, match="limit also needs"):
        check_envelope({"error": "limit also needs to be set", "data": None}, "u")
    with pytest.raises(SourceError, match="no 'data'"):
        check_envelope({"error": None, "type": "x"}, "u")
    with pytest.raises(SourceError, match="not a list"):
        check_envelope({"error": None, "data": {"events": []}}, "u")
    with pytest.raises(SourceError, match="envelope object"):
        check_envelope([], "u")


def test_parse_events_rejects_and_counts_bad_rows():
    good = {"location": "country/IR", "start": 1741212000, "duration": 3600,
            "datasource": "bgp", "method": "median", "score": 12}
    rows = [
        good,
        dict(good),  # the same event twice
        {**good, "location": "country/KE"},
        {**good, "start": "soon"},
        {**good, "start": 1741212000.5},
        {**good, "duration": -5},
        {**good, "datasource": None},
        {**good, "score": "high"},
        "not an object",
        {**good, "start": 1741215600, "method": None},  # older API without method
    ]
    frame, intervals, rejected, skipped = parse_events(rows, "IR")
    assert list(frame["id"]) == ["ioda:country/IR:bgp:median:1741212000",
                                 "ioda:country/IR:bgp::1741215600"]
    assert intervals == [(1741212000, 1741215600), (1741215600, 1741219200)]
    assert rejected == {
        "event for another location": 1, "missing or malformed start": 2,
        "missing or negative duration": 1, "missing datasource": 1, "score not numeric": 1,
        "event is not an object": 1,
    }
    assert skipped == {"duplicate event": 1}
    with pytest.raises(SourceError):
        parse_events([], "ZZ")
