"""APNIC Labs IPv6 collector against a local v6stats server."""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from types import SimpleNamespace

import pytest

from collectors import get_collector
from collectors.apnic import CAPABLE_ID, PREFERRED_ID, Apnic, parse_records, records_of
from collectors.base import SourceError
from collectors.runner import run_collectors
from roamwatch.warehouse.queries import Reader
from tests.conftest import roamwatch_env
from tests.helpers import query
from tests.helpers import stored as stored_values
from tests.servers.apnic import ApnicServer, counts
from tests.servers.base import Reply

AS_OF = date(2025, 2, 20)  # February is not over: it must not land
MONTHS = ["2024-10", "2024-11", "2024-12", "2025-01"]
ISO3 = {"KE": "KEN", "IN": "IND", "BR": "BRA", "FR": "FRA"}


@pytest.fixture
def apnic_server():
    with ApnicServer() as server:
        yield server


@pytest.fixture
def env(tmp_path, apnic_server, monkeypatch):
    return roamwatch_env(monkeypatch, tmp_path, ROAMWATCH_APNIC_BASE_URL=apnic_server.url)


def stored(config) -> dict[tuple[str, str, str], float]:
    return stored_values(config, "apnic.")


def run(config, **options):
    settings = {"min_interval": 0, "countries": ["KE", "IN"], "as_of": AS_OF.isoformat(),
                **options}
    (result,), _snapshot = run_collectors(["apnic"], config, progress=False, options=settings)
    return result




def last_details(config) -> dict:
    (details,), = query(config.warehouse_path,
                        "SELECT details FROM collector_run ORDER BY id DESC LIMIT 1")
    return json.loads(details)


def expected(ccs, skip: set[date] = frozenset()) -> dict[tuple[str, str, str], float]:
    sums: dict[tuple[str, str], list[float]] = defaultdict(lambda: [0.0, 0.0, 0.0])
    day = date(2024, 10, 1)
    while day <= date(2025, 1, 31):
        if day not in skip:
            for cc in ccs:
                for i, n in enumerate(counts(cc, day)):
                    sums[(cc, f"{day:%Y-%m}")][i] += n
        day += timedelta(days=1)
    out = {}
    for (cc, month), (seen, capable, preferred) in sums.items():
        out[(CAPABLE_ID, ISO3[cc], month)] = 100 * capable / seen
        out[(PREFERRED_ID, ISO3[cc], month)] = 100 * preferred / seen
    return out


def assert_close(got: dict, want: dict) -> None:
    assert set(got) == set(want)
    for key, value in want.items():
        assert got[key] == pytest.approx(value, rel=1e-12), key


# -- a full run ----------------------------------------------------------------------------------
def test_monthly_shares_land_exactly_and_are_sample_weighted(config, apnic_server):
    result = run(config)
    assert result.status == "success", result
    assert result.rows_rejected == 0 and result.units_total == 2
    assert apnic_server.requests == ["/v6stats/v6economy/KE.json", "/v6stats/v6economy/IN.json"]
    got = stored(config)
    assert_close(got, expected(["KE", "IN"]))
    assert {p for _, _, p in got} == set(MONTHS)  # February 2025 (not over) is absent
    assert last_details(config)["skipped"] == {"month not over yet": 2}

    # Weighted by the day's sample: not the mean of the daily percentages.
    days = [date(2024, 10, 1) + timedelta(days=i) for i in range(31)]
    mean_pc = sum(100 * counts("KE", d)[1] / counts("KE", d)[0] for d in days) / 31
    assert abs(got[(CAPABLE_ID, "KEN", "2024-10")] - mean_pc) > 1e-6
    assert 15 < got[(CAPABLE_ID, "KEN", "2024-10")] < 25
    assert all(got[(PREFERRED_ID, c, m)] <= got[(CAPABLE_ID, c, m)]
               for _, c, m in got)

    metrics = query(config.warehouse_path,
                    "SELECT id, unit, frequency FROM metric WHERE source = 'apnic' ORDER BY id")
    assert metrics == [(CAPABLE_ID, "%", "month"), (PREFERRED_ID, "%", "month")]
    (licence, homepage), = query(config.warehouse_path,
                                 "SELECT licence, homepage FROM source WHERE id = 'apnic'")
    assert "attribution" in licence and homepage == "https://stats.labs.apnic.net/ipv6"
    with Reader.open(config.serving_dir) as reader:
        published = reader.observations([CAPABLE_ID], ["IND"])
    assert sorted(published["period"]) == MONTHS


def test_registry_defaults_and_base_url_override(config, apnic_server):
    assert get_collector("apnic") is Apnic
    assert Apnic.defaults["base_url"] == "https://data1.labs.apnic.net"
    assert Apnic.defaults["schedule"] == "0 5 1 * *" and Apnic.defaults["countries"] is None
    assert config.source("apnic", Apnic.defaults)["base_url"] == apnic_server.url


def test_default_plan_is_every_reference_country_and_bad_codes_fail_planning(config):
    units = Apnic().plan(SimpleNamespace(settings=dict(Apnic.defaults)))
    assert len(units) == len(set(units)) > 240 and {"KE", "XK", "US"} <= set(units)
    assert "JG" not in units
    result = run(config, countries=["KE", "KEN"])
    assert result.status == "failed" and "alpha-2" in result.error


def test_rerun_does_not_duplicate_and_picks_up_revisions(config, apnic_server):
    assert run(config).status == "success"
    first = stored(config)
    revised = date(2024, 11, 3)
    apnic_server.overrides[("KE", revised)] = {
        "date": revised.isoformat(), "cc": "KE",
        "raw": {"seen": 10_000, "capable": 9_000, "preferred": 8_000}}
    assert run(config).status == "success"
    second = stored(config)
    (n,), = query(config.warehouse_path, "SELECT count(*) FROM observation")
    assert n == len(first) == len(second) == 2 * 2 * len(MONTHS)
    assert second[(CAPABLE_ID, "KEN", "2024-11")] > first[(CAPABLE_ID, "KEN", "2024-11")] + 5
    assert {k: v for k, v in second.items() if k[2] != "2024-11" or k[1] != "KEN"} == {
        k: v for k, v in first.items() if k[2] != "2024-11" or k[1] != "KEN"}


# -- errors --------------------------------------------------------------------------------------
def test_404_economy_is_skipped_and_recorded_not_failed(config, apnic_server):
    result = run(config, countries=["KE", "AQ", "IN"])
    assert result.status == "success" and not result.failed_units
    assert last_details(config)["skipped"]["no APNIC data (HTTP 404): AQ"] == 1
    assert {c for _, c, _ in stored(config)} == {"KEN", "IND"}
    assert sum("AQ" in r for r in apnic_server.requests) == 1  # a 404 is not retried


def test_500_then_success_is_retried(config, apnic_server):
    apnic_server.fail("/KE.json", Reply(status=503, body=b"busy"), times=2)
    result = run(config)
    assert result.status == "success"
    assert sum("KE.json" in r for r in apnic_server.requests) == 3
    assert_close(stored(config), expected(["KE", "IN"]))


def test_persistent_5xx_fails_that_unit_only_and_keeps_earlier_data(config, apnic_server):
    assert run(config).status == "success"
    before = stored(config)
    apnic_server.overrides[("IN", date(2024, 12, 5))] = {
        "date": "2024-12-05", "cc": "IN", "raw": {"seen": 50_000, "capable": 0, "preferred": 0}}
    apnic_server.fail("/IN.json", Reply(status=502, body=b"bad gateway"), times=10)
    result = run(config)
    assert result.status == "partial"
    assert list(result.failed_units) == ["IN"] and "HTTP 502" in result.failed_units["IN"]
    assert stored(config) == before


def test_429_honours_retry_after(config, apnic_server):
    apnic_server.fail("/IN.json", Reply(status=429, body=b"", headers={"Retry-After": "1"}))
    started = datetime.now(UTC)
    assert run(config).status == "success"
    assert (datetime.now(UTC) - started).total_seconds() >= 1.0
    assert sum("IN.json" in r for r in apnic_server.requests) == 2


def test_truncated_body_is_retried(config, apnic_server):
    body = json.dumps(apnic_server.payload("KE")).encode()
    apnic_server.fail("/KE.json", Reply(status=200, body=body, truncate_to=len(body) // 2))
    assert run(config).status == "success"
    assert_close(stored(config), expected(["KE", "IN"]))


def test_malformed_json_fails_the_unit_with_a_clear_error(config, apnic_server):
    apnic_server.fail("/KE.json", Reply(status=200, body=b'{"data": [{"date": "2024-'), times=10)
    result = run(config)
    assert result.status == "partial"
    assert "malformed JSON" in result.failed_units["KE"]
    assert {c for _, c, _ in stored(config)} == {"IND"}


def test_schema_drift_extra_fields_are_tolerated(config, apnic_server):
    apnic_server.extra_field = True
    result = run(config)
    assert result.status == "success" and result.rows_rejected == 0
    assert_close(stored(config), expected(["KE", "IN"]))


# -- validation ----------------------------------------------------------------------------------
def test_bad_records_are_rejected_counted_and_left_out_of_the_sums(config, apnic_server):
    bad = {
        date(2024, 10, 2): {"date": "2024-10-02", "cc": "KE",
                            "raw": {"seen": 100, "capable": 150, "preferred": 10}},
        date(2024, 10, 3): {"date": "2024-10-03", "cc": "KE",
                            "raw": {"seen": -1, "capable": 0, "preferred": 0}},
        date(2024, 10, 4): {"date": "2024-10-04", "cc": "TZ",
                            "raw": {"seen": 100, "capable": 10, "preferred": 10}},
        date(2024, 10, 5): {"date": "2024-10-05", "cc": "KE",
                            "raw": {"seen": 100, "capable": "many", "preferred": 10}},
    }
    apnic_server.overrides.update({("KE", d): r for d, r in bad.items()})
    apnic_server.extra_records["KE"] = [
        {"date": "2024-13-01", "cc": "KE", "raw": {"seen": 1, "capable": 1, "preferred": 1}},
        {"date": "2024-10-01", "cc": "KE", "raw": {"seen": 9, "capable": 9, "preferred": 9}},
        {"date": "2024-10-06", "cc": "KE", "raw": {"seen": 0, "capable": 0, "preferred": 0}},
        "junk",
    ]
    apnic_server.skip_days = {date(2024, 10, 6)}
    result = run(config, countries=["KE"])
    assert result.status == "success"
    details = last_details(config)
    assert details["rejected"] == {
        "capable above seen": 1, "missing or bad seen count": 1,
        "record for another economy": 1, "missing or bad capable count": 1,
        "missing or malformed date": 1, "duplicate date": 1, "record is not an object": 1,
    }
    assert result.rows_rejected == 7
    assert details["skipped"]["day without samples"] == 1
    assert_close(stored(config), expected(["KE"], skip=set(bad) | {date(2024, 10, 6)}))


def test_thin_months_are_skipped_not_stored(config, apnic_server):
    apnic_server.skip_days = {date(2024, 12, 1) + timedelta(days=i) for i in range(25)}
    result = run(config, countries=["KE"], min_days=10)
    assert result.status == "success"
    assert {p for _, _, p in stored(config)} == {"2024-10", "2024-11", "2025-01"}
    assert last_details(config)["skipped"]["month with fewer than 10 days of samples"] == 1
    assert run(config, countries=["KE"], min_days=5).status == "success"
    assert (CAPABLE_ID, "KEN", "2024-12") in stored(config)


def test_a_file_with_no_usable_record_fails_the_unit(config, apnic_server):
    apnic_server.first_day = apnic_server.last_day = date(2025, 1, 1)
    apnic_server.overrides[("KE", date(2025, 1, 1))] = {"day": "2025-01-01", "v6": 12.5}
    result = run(config, countries=["KE"])
    assert result.status == "failed"
    assert "none usable" in result.error and "missing or malformed date" in result.error


def test_parser_is_liberal_in_what_it_accepts():
    today = date(2025, 3, 1)
    feb = [date(2025, 2, 1) + timedelta(days=i) for i in range(12)]
    records = (
        # counts beside "raw", as strings
        [{"date": d.isoformat(), "seen": "200", "capable": "50", "preferred": "40"}
         for d in feb[:6]]
        # a count missing, its percentage present; a timestamp after the date
        + [{"date": d.isoformat() + "T00:00:00", "cc": "ke",
            "raw": {"seen": 200, "capable_pc": 25.0, "preferred": 40}} for d in feb[6:]]
    )
    frame, rejected, skipped, n_days = parse_records(records, "KE", today)
    assert not rejected and n_days == 12
    values = {(m, p): v for m, _, p, v in frame.itertuples(index=False)}
    assert values == {(CAPABLE_ID, "2025-02"): 25.0, (PREFERRED_ID, "2025-02"): 20.0}
    future = [{"date": "2025-03-05", "raw": {"seen": 1, "capable": 1, "preferred": 1}}]
    assert parse_records(future, "KE", today)[1] == {"date in the future": 1}


def test_records_of_shapes():
    assert records_of([{"date": "x"}], "u") == [{"date": "x"}]
    assert records_of({"data": None}, "u") == []
    with pytest.raises(SourceError, match="no 'data'"):
        records_of({"copyright": "x"}, "u")
    with pytest.raises(SourceError, match="economy not found"):
        records_of({"error": "economy not found"}, "u")
    with pytest.raises(SourceError, match="not a list"):
        records_of({"data": {"2024-01-01": {}}}, "u")
