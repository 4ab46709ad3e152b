"""World Bank collector against a local server speaking the Indicators API v2 format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from collectors.base import SourceError
from collectors.runner import run_collectors
from collectors.worldbank import _check_error, parse_countries, parse_indicator_rows
from tests.helpers import corpus_root, query
from tests.servers.base import Reply, json_reply
from tests.servers.worldbank import AGGREGATES, ECONOMIES, FIRST_YEAR, LAST_YEAR, value_for

CORPUS = corpus_root()
ONE_INDICATOR = [{"code": "IT.NET.USER.ZS", "name": "Internet users", "unit": "%"}]


def run(config, **kw):
    (result,), snapshot = run_collectors(["worldbank"], config, progress=False, **kw)
    return result


def use_indicators(config, indicators, **settings):
    config.raw["sources"]["worldbank"]["indicators"] = indicators
    config.raw["sources"]["worldbank"].update(settings)


def expected_rows(code: str) -> dict[tuple[str, str], float]:
    out = {}
    for iso3, *_ in ECONOMIES:
        for year in range(FIRST_YEAR, LAST_YEAR + 1):
            value = value_for(code, iso3, year)
            if value is not None:
                out[(iso3, str(year))] = value
    return out


def stored(config, metric: str) -> dict[tuple[str, str], float]:
    rows = query(
        config.warehouse_path,
        "SELECT country, period, value FROM observation WHERE metric = ?",
        [metric],
    )
    return {(c, p): v for c, p, v in rows}


def test_reads_every_page_and_lands_exact_values(config, wb_server):
    use_indicators(config, ONE_INDICATOR, per_page=50)  # the API default page size: many pages
    result = run(config)
    assert result.status == "success", result
    data_requests = [r for r in wb_server.requests if "/indicator/" in r]
    total_rows = (len(ECONOMIES) + len(AGGREGATES)) * (LAST_YEAR - FIRST_YEAR + 1)
    assert len(data_requests) == -(-total_rows // 50)  # ceil: every page, once
    assert {f"page={p}" in r for p, r in enumerate(data_requests, 1)} == {True}
    assert stored(config, "worldbank.IT.NET.USER.ZS") == expected_rows("IT.NET.USER.ZS")


def test_aggregates_never_land_and_metadata_fills_country_table(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    run(config)
    countries = {r[0] for r in query(config.warehouse_path, "SELECT DISTINCT country FROM observation")}
    assert countries == {e[0] for e in ECONOMIES}
    aggregate_codes = {a[0] for a in AGGREGATES if a[0]} | {"HIC", "LIC"}
    in_country_table = {
        r[0] for r in query(config.warehouse_path, "SELECT iso3 FROM country")
    }
    assert not aggregate_codes & in_country_table
    region, income = query(
        config.warehouse_path, "SELECT region, income_group FROM country WHERE iso3 = 'KEN'"
    )[0]
    assert (region, income) == ("Sub-Saharan Africa", "Lower middle income")
    details = json.loads(
        query(config.warehouse_path, "SELECT details FROM collector_run")[0][0]
    )
    assert details["skipped"]["aggregate"] == len(AGGREGATES) * (LAST_YEAR - FIRST_YEAR + 1)


def test_rerun_does_not_duplicate_and_is_incremental(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    run(config)
    first = stored(config, "worldbank.IT.NET.USER.ZS")
    wb_server.requests.clear()
    wb_server.overrides[("IT.NET.USER.ZS", "KEN", LAST_YEAR)] = 12.5  # revised upstream
    second = run(config)
    assert second.status == "success"
    (count,) = query(config.warehouse_path, "SELECT count(*) FROM observation")[0]
    assert count == len(first)
    assert stored(config, "worldbank.IT.NET.USER.ZS")[("KEN", str(LAST_YEAR))] == 12.5
    data_request = next(r for r in wb_server.requests if "/indicator/" in r)
    assert "date=2000" not in data_request and "date=1960" not in data_request  # recent only
    wb_server.requests.clear()
    run(config, full=True)
    assert any("date=1960" in r for r in wb_server.requests)


def test_error_payload_fails_that_unit_only_and_keeps_old_data(config, wb_server):
    indicators = ONE_INDICATOR + [{"code": "IT.NET.BBND.P2", "name": "Broadband", "unit": "per 100"}]
    use_indicators(config, indicators)
    assert run(config).status == "success"
    before = stored(config, "worldbank.IT.NET.USER.ZS")
    wb_server.fail(
        "/indicator/IT.NET.USER.ZS",
        json_reply([{"message": [{"id": "120", "key": "Invalid value",
                                  "value": "The provided parameter value is not valid"}]}]),
    )
    wb_server.overrides[("IT.NET.BBND.P2", "UGA", LAST_YEAR)] = 3.25
    result = run(config)
    assert result.status == "partial"
    assert list(result.failed_units) == ["IT.NET.USER.ZS"]
    assert "Invalid value" in result.failed_units["IT.NET.USER.ZS"]
    assert stored(config, "worldbank.IT.NET.USER.ZS") == before
    assert stored(config, "worldbank.IT.NET.BBND.P2")[("UGA", str(LAST_YEAR))] == 3.25
    status, failed, error = query(
        config.warehouse_path,
        "SELECT status, failed_units, error FROM collector_run ORDER BY id DESC LIMIT 1",
    )[0]
    assert status == "partial" and "IT.NET.USER.ZS" in json.loads(failed)


def test_failure_midway_through_pages_leaves_previous_data_exactly(config, wb_server):
    use_indicators(config, ONE_INDICATOR, per_page=50)
    run(config)
    before = stored(config, "worldbank.IT.NET.USER.ZS")
    for iso3, *_ in ECONOMIES:
        wb_server.overrides[("IT.NET.USER.ZS", iso3, LAST_YEAR)] = 99.0
    wb_server.fail("page=2", Reply(status=503, body=b"upstream down"), times=10)
    result = run(config, full=True)
    assert result.status == "partial"  # the country-metadata unit still landed
    assert "503" in result.failed_units["IT.NET.USER.ZS"]
    assert stored(config, "worldbank.IT.NET.USER.ZS") == before  # page 1 never landed alone


def test_500_then_success_is_retried(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    wb_server.fail("/indicator/", Reply(status=500, body=b"oops"), times=2)
    result = run(config)
    assert result.status == "success"
    assert sum("/indicator/" in r for r in wb_server.requests) == 3


def test_429_honours_retry_after(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    wb_server.fail("/indicator/", Reply(status=429, headers={"Retry-After": "1"}), times=1)
    import time

    started = time.monotonic()
    result = run(config)
    assert result.status == "success"
    assert time.monotonic() - started >= 1.0  # waited as told, not the 0.01 s backoff


def test_truncated_body_is_retried_then_reported(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    body = json.dumps([{"page": 1, "pages": 1}, []]).encode()
    wb_server.fail("/indicator/", Reply(body=body, truncate_to=10), times=1)
    assert run(config).status == "success"
    wb_server.fail("/indicator/", Reply(body=body, truncate_to=10), times=50)
    result = run(config)
    assert result.status == "partial"
    assert result.failed_units["IT.NET.USER.ZS"]


def test_malformed_json_gives_clear_error(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    wb_server.fail("/indicator/", Reply(body=b'[{"page": 1, "pages": '), times=50)
    result = run(config)
    assert result.status == "partial"
    assert "malformed JSON" in result.failed_units["IT.NET.USER.ZS"]


def test_timeout_is_recorded(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    config.raw["http"]["read_timeout"] = 0.3
    wb_server.fail("/indicator/", Reply(body=b"[]", delay=1.0), times=50)
    result = run(config)
    assert result.status == "partial"
    assert "timed out" in result.failed_units["IT.NET.USER.ZS"].lower()


def test_unknown_fields_are_tolerated(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    wb_server.extra_field = True
    result = run(config)
    assert result.status == "success"
    assert stored(config, "worldbank.IT.NET.USER.ZS") == expected_rows("IT.NET.USER.ZS")


def test_invalid_rows_are_counted_not_silently_dropped(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    wb_server.overrides[("IT.NET.USER.ZS", "KEN", 2010)] = "n/a"
    result = run(config)
    assert result.status == "success"
    assert result.rows_rejected == 1
    details = json.loads(query(config.warehouse_path, "SELECT details FROM collector_run")[0][0])
    assert details["rejected"] == {"value not numeric": 1}
    assert details["rejected_examples"][0]["country"] == "KEN"


def test_planning_failure_is_recorded(config, wb_server):
    wb_server.fail("/v2/country?", Reply(status=404, body=b"not here"), times=5)
    result = run(config)
    assert result.status == "failed"
    assert "planning failed" in result.error and "404" in result.error
    status, error = query(config.warehouse_path, "SELECT status, error FROM collector_run")[0]
    assert status == "failed" and "404" in error


def test_raw_responses_are_archived_with_checksums(config, wb_server):
    use_indicators(config, ONE_INDICATOR)
    result = run(config)
    rows = query(
        config.warehouse_path,
        "SELECT url, sha256, path, bytes FROM raw_response WHERE run_id = ?",
        [result.run_id],
    )
    assert len(rows) == len(wb_server.requests)
    import gzip
    import hashlib

    for url, sha, path, size in rows:
        with gzip.open(path) as fh:
            body = fh.read()
        assert hashlib.sha256(body).hexdigest() == sha and len(body) == size
        assert url.startswith(wb_server.url)
    manifest = Path(rows[0][2]).parent / "manifest.jsonl"
    assert len(manifest.read_text().splitlines()) == len(rows)


def test_check_error_shapes():
    with pytest.raises(SourceError, match="Invalid value"):
        _check_error([{"message": [{"id": "120", "key": "Invalid value", "value": "x"}]}], "u")
    with pytest.raises(SourceError, match="expected \\[header, rows\\]"):
        _check_error({"unexpected": True}, "u")
    with pytest.raises(SourceError, match="lacks 'pages'"):
        _check_error([{"page": 1}, []], "u")
    _check_error([{"page": 1, "pages": 0}, None], "u")  # no data: fine


@pytest.mark.skipif(not (CORPUS / "worldbank").is_dir(), reason="shared corpus not present")
def test_parser_on_real_payload():
    rows = json.loads((CORPUS / "worldbank" / "IT.NET.USER.ZS.json").read_text())
    # The real file has no /country metadata beside it: aggregates known by their codes there.
    aggregates = {r["countryiso3code"] for r in rows if r["country"]["id"][:1] in "XZ1"} | {
        r["country"]["id"] for r in rows if not r["countryiso3code"]
    }
    frame, rejected, skipped = parse_indicator_rows(rows, "worldbank.IT.NET.USER.ZS", aggregates)
    assert not rejected
    assert skipped["no value"] > 0 and skipped["aggregate"] > 0
    assert "" not in set(frame["country"])
    kenya = frame[(frame.country == "KEN") & (frame.period == "2023")]
    raw = next(r for r in rows if r["countryiso3code"] == "KEN" and r["date"] == "2023")
    assert kenya["value"].tolist() == ([raw["value"]] if raw["value"] is not None else [])


def test_parse_countries_splits_aggregates():
    from tests.servers.worldbank import WorldBankServer

    frame, aggregates = parse_countries(WorldBankServer().country_rows())
    assert set(frame["iso3"]) == {e[0] for e in ECONOMIES}
    assert {"WLD", "1W", "XD", "HIC"} <= aggregates


def test_unreachable_source_stops_after_a_few_units(config, wb_server):
    indicators = [{"code": c, "name": c, "unit": ""} for c in
                  ("IT.NET.USER.ZS", "IT.NET.BBND.P2", "IT.CEL.SETS.P2", "IT.NET.SECR.P6",
                   "EG.ELC.ACCS.ZS", "NY.GNP.PCAP.CD")]
    use_indicators(config, indicators)
    config.raw["http"]["read_timeout"] = 0.2
    wb_server.fail("/indicator/", Reply(body=b"[]", delay=0.6), times=100)  # never answers in time
    result = run(config)
    assert result.status == "partial"  # the country metadata unit landed
    tried = {r.split("/indicator/")[1].split("?")[0] for r in wb_server.requests if "/indicator/" in r}
    assert len(tried) == 3  # then the rest are not attempted
    not_attempted = [u for u, e in result.failed_units.items() if e.startswith("not attempted")]
    assert len(not_attempted) == 3
