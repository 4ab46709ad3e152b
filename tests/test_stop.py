"""Access Now #KeepItOn STOP collector: CSV export and multi-sheet workbooks into `event`."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from collectors.runner import run_collectors
from collectors.stop import norm_extent, norm_networks, norm_type, parse_date
from tests.helpers import query, run_details
from tests.servers.base import LocalServer, Reply

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
STOP_XLSX = CORPUS / "accessnow_stop" / "#KeepItOn STOP Data 2016-2022 [Public].xlsx"

HEADER = [
    "start_date_type", "start_date", "country", "geo_scope", "area_name", "shutdown_type",
    "affected_network", "shutdown_extent", "shutdown_status", "end_date", "facebook_affected",
    "twitter_affected", "whatsapp_affected", "sms_affected", "other_affected", "election",
]
ROWS = [
    ["Actual", "1/13/2021", "Uganda", "National", None, "Shutdown", "Broadband, Mobile",
     "Full network", "Ended", "1/18/2021", "No", "No", "No", "No", None, "Yes"],
    ["Actual", "2/1/2021", "Myanmar", "National", "Yangon", "Shutdown, Throttle", "Mobile",
     "Full network, Service-based", "Ongoing", None, "Yes", "Yes", "No", "Unknown", "Signal",
     "No"],
    ["Estimated", "11/17/2019", "Iran (Islamic Republic of); Iraq", "National", None,
     "Shutdown", "Mobile", "Service-based", "Ended", "11/24/2019", "Yes", None, "Yes", None,
     None, "No"],
    ["Actual", "soon", "India", "Local", "Kashmir", "Shutdown", "Mobile", "Full network",
     "Ended", "1/1/2021", None, None, None, None, None, None],
    ["Actual", "3/3/2021", "Atlantis", "Local", None, "Shutdown", "Mobile", "Full network",
     "Ended", "3/4/2021", None, None, None, None, None, None],
    [None] * 16,
]


def write_csv(path: Path, header=HEADER, rows=ROWS) -> Path:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows([["" if v is None else v for v in row] for row in rows])
    return path


def run(config, **options):
    (result,), _ = run_collectors(["accessnow"], config, progress=False, options=options)
    return result


def events(config) -> dict[tuple[str, str], tuple]:
    rows = query(
        config.warehouse_path,
        "SELECT id, source, country, start_time, end_time, kind, details FROM event",
    )
    return {(c, str(s.date())): (i, src, e, k, json.loads(d)) for i, src, c, s, e, k, d in rows}




def test_csv_export_lands_one_event_per_row_and_country(config, tmp_path):
    result = run(config, file=[str(write_csv(tmp_path / "stop.csv"))])
    assert result.status == "success", result
    got = events(config)
    assert set(got) == {("UGA", "2021-01-13"), ("MMR", "2021-02-01"), ("IRN", "2019-11-17"),
                        ("IRQ", "2019-11-17")}
    _, source, end, kind, details = got[("UGA", "2021-01-13")]
    assert (source, kind, end) == ("accessnow", "shutdown", datetime(2021, 1, 18))
    assert details["networks"] == ["Broadband", "Mobile"]
    assert details["services"]["facebook"] is False and details["election"] is True
    _, _, end, _, details = got[("MMR", "2021-02-01")]
    assert end is None  # ongoing
    assert details["type"] == "Shutdown, Throttle"
    assert details["extent"] == "Full network, Service-based"
    assert details["area"] == "Yangon" and details["other_services"] == "Signal"
    assert details["services"]["sms"] is None
    iran, iraq = got[("IRN", "2019-11-17")], got[("IRQ", "2019-11-17")]
    assert iran[0] != iraq[0]
    assert iran[4]["countries"] == ["Iran (Islamic Republic of)", "Iraq"]
    run_info = run_details(config, result.run_id)
    assert run_info["unmapped"] == {"Atlantis": 1}
    assert run_info["rejected"] == {"start_date not a date": 1}
    assert result.rows_rejected == 1


def test_reimport_is_a_noop_and_an_ended_shutdown_updates_its_event(config, tmp_path):
    path = write_csv(tmp_path / "stop.csv")
    run(config, file=[str(path)])
    ids = {k: v[0] for k, v in events(config).items()}
    again = run(config, file=[str(path)])
    assert again.status == "success" and again.rows_written == 0
    assert run_details(config, again.run_id)["skipped"] == {"file already imported": 1}

    rows = [list(r) for r in ROWS]
    rows[1][8], rows[1][9] = "Ended", "3/1/2021"  # the Myanmar shutdown ended
    later = run(config, file=[str(write_csv(tmp_path / "stop-later.csv", rows=rows))])
    assert later.status == "success"
    got = events(config)
    assert {k: v[0] for k, v in got.items()} == ids  # same ids, no duplicate
    assert got[("MMR", "2021-02-01")][2] == datetime(2021, 3, 1)


def test_workbook_sheets_with_different_schemas(config, tmp_path):
    book = openpyxl.Workbook()
    new = book.active
    new.title = "2021 Data"
    new.append(["start_date", "country", "area_name", "shutdown_type", "affected_network",
                "shutdown_extent", "end_date", "Duration"])
    new.append([datetime(2021, 6, 5), "Nigeria", None, "Shutdown", "Broadband, Mobile",
                "Service-based", None, None])
    new.append([44197, "Russian Federation", "Moscow", "Throttle", "Mobile", "Full network",
                44198, 1])  # Excel serials: 2021-01-01 … 2021-01-02
    old = book.create_sheet("2019")
    old.append(["ID", "start_date", "end_date ", "country ", "area_name ", "shutdown_type_new",
                "affected_network", "full or service-based", "Facebook_affected"])
    old.append([1, datetime(2019, 1, 6), "Ongoing ", "Gabon ", None, "Shutdown",
                "Mobile and broadband", "Full", True])
    old.append([2, datetime(2021, 6, 5), None, "Nigeria", None, "Shutdown", "Broadband, Mobile",
                "Service-based", None])  # carried over: same shutdown as in the 2021 sheet
    notes = book.create_sheet("Need more details")
    notes.append([2017, "Afghanistan", "a news link"])
    path = tmp_path / "stop.xlsx"
    book.save(path)

    result = run(config, file=[str(path)])
    assert result.status == "success", result
    got = events(config)
    assert set(got) == {("NGA", "2021-06-05"), ("RUS", "2021-01-01"), ("GAB", "2019-01-06")}
    assert got[("RUS", "2021-01-01")][2] == datetime(2021, 1, 2)
    assert got[("NGA", "2021-06-05")][4]["sheet"] == "2021 Data"  # the newest sheet wins
    gabon = got[("GAB", "2019-01-06")]
    assert gabon[2] is None
    assert gabon[4]["extent"] == "Full network" and gabon[4]["services"]["facebook"] is True
    skipped = run_details(config, result.run_id)["skipped"]
    assert skipped["sheet without STOP headers: Need more details"] == 1
    assert skipped["shutdown repeated from a newer sheet"] == 1


def test_every_sheet_of_the_real_workbook_parses_with_all_names_mapped(config):
    if not STOP_XLSX.exists():
        pytest.skip("shared corpus not available")
    result = run(config, file=[str(STOP_XLSX)])
    assert result.status == "success", result
    details = run_details(config, result.run_id)
    assert details["unmapped"] == {}
    per_sheet = dict(query(
        config.warehouse_path,
        "SELECT details->>'sheet', count(*) FROM event GROUP BY 1",
    ))
    assert set(per_sheet) == {"2022 Data", "2021 Data", "2020 Data", "2019", "2016+2017+2018 "}
    # shutdowns carried over into later sheets land once, from the newest sheet
    assert per_sheet["2022 Data"] == 187 and per_sheet["2016+2017+2018 "] == 377
    assert per_sheet["2019"] == 212  # one row repeats in "2020 Data"
    assert sum(per_sheet.values()) == 1101
    assert details["skipped"]["shutdown repeated from a newer sheet"] == 14
    # three 2020 rows end before they start in the source: rejected, and counted
    assert details["rejected"] == {"end_date before start_date": 3}
    tigray = query(config.warehouse_path,
                   "SELECT end_time, details->>'area' FROM event WHERE country = 'ETH' "
                   "AND start_time = '2020-11-04' AND details->>'area' = 'Tigray'")
    assert tigray == [(None, "Tigray")]  # ongoing: no end


def test_truncated_workbook_fails_and_keeps_previous_events(config, tmp_path):
    run(config, file=[str(write_csv(tmp_path / "stop.csv"))])
    before = events(config)
    book = openpyxl.Workbook()
    book.active.append(HEADER)
    book.save(tmp_path / "full.xlsx")
    broken = tmp_path / "stop.xlsx"
    broken.write_bytes((tmp_path / "full.xlsx").read_bytes()[:900])
    result = run(config, file=[str(broken)])
    assert result.status == "failed"
    assert "not a readable .xlsx workbook" in result.error
    assert events(config) == before


def test_missing_required_column_names_file_and_field(config, tmp_path):
    header = ["nation" if h == "country" else h for h in HEADER]
    result = run(config, file=[str(write_csv(tmp_path / "drift.csv", header=header))])
    assert result.status == "failed"
    assert "drift.csv" in result.error and "required column(s) country" in result.error
    assert query(config.warehouse_path, "SELECT count(*) FROM event") == [(0,)]


def test_date_and_value_normalisers():
    assert parse_date(44197) == (pd.Timestamp("2021-01-01"), "ok")
    assert parse_date("44197") == (pd.Timestamp("2021-01-01"), "ok")
    assert parse_date("1/2/2021") == (pd.Timestamp("2021-01-02"), "ok")  # M/D/YYYY
    assert parse_date("2021-01-02 00:00:00") == (pd.Timestamp("2021-01-02"), "ok")
    assert parse_date("4/1/2018 upon CAF visit") == (pd.Timestamp("2018-04-01"), "prefix")
    assert parse_date("Unkown ") == (None, "open")
    assert parse_date("April/2017 following the inauguration")[1] == "bad"
    assert parse_date(3.5) == (None, "bad")
    assert norm_type("Broadband Internet, Mobile Internet") == "Shutdown"  # 2016–18 sheet
    assert norm_type("Shutdown and throttle") == "Shutdown, Throttle"
    assert norm_extent("Full and Service-based") == "Full network, Service-based"
    assert norm_networks("Mobile and broadband") == ["Mobile", "Broadband"]


class StopServer(LocalServer):
    def __init__(self, body: bytes):
        super().__init__()
        self.body = body

    def handle(self, path, query):
        if path == "/spreadsheets/d/SHEET/export":
            return Reply(body=self.body, headers={"Content-Type": "text/csv"})
        return Reply(status=404, body=b"not found")


def test_configured_url_is_downloaded_with_a_retry(config, tmp_path):
    body = write_csv(tmp_path / "stop.csv").read_bytes()
    with StopServer(body) as server:
        server.fail("/export", Reply(status=500, body=b"busy"), times=1)
        url = server.url + "/spreadsheets/d/SHEET/export?format=csv&gid=0"
        config.raw.setdefault("sources", {})["accessnow"] = {"url": url}
        (result,), _ = run_collectors(["accessnow"], config, progress=False)
        assert result.status == "success", result
        assert len(server.requests) == 2
    assert ("UGA", "2021-01-13") in events(config)
