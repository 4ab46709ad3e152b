"""Access Now #KeepItOn STOP collector: CSV export and multi-sheet workbooks into `event`."""

from __future__ import annotations

import csv
import json
from datetime import datetime
from pathlib import Path

import openpyxl
import pandas as pd

from collectors.runner import run_collectors
from collectors.stop import norm_extent, norm_networks, norm_type, parse_date
from tests.helpers import query, run_details
from tests.servers.base import FileServer, Reply

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
        "SELECT id, source, country, start_time, end_time, kind, details, end_state FROM event",
    )
    return {(c, str(s.date())): (i, src, e, k, json.loads(d), st)
            for i, src, c, s, e, k, d, st in rows}


def coverage(config) -> list[tuple]:
    return query(config.warehouse_path,
                 "SELECT source, country, first_day::VARCHAR, last_day::VARCHAR FROM source_coverage "
                 "WHERE source = 'accessnow' ORDER BY first_day")




def test_csv_export_lands_one_event_per_row_and_country(config, tmp_path):
    result = run(config, file=[str(write_csv(tmp_path / "stop.csv"))])
    assert result.status == "success", result
    got = events(config)
    assert set(got) == {("UGA", "2021-01-13"), ("MMR", "2021-02-01"), ("IRN", "2019-11-17"),
                        ("IRQ", "2019-11-17")}
    _, source, end, kind, details, state = got[("UGA", "2021-01-13")]
    assert (source, kind, end, state) == ("accessnow", "shutdown", datetime(2021, 1, 18), "known")
    assert details["networks"] == ["Broadband", "Mobile"]
    assert details["services"]["facebook"] is False and details["election"] is True
    _, _, end, _, details, state = got[("MMR", "2021-02-01")]
    assert end is None and state == "ongoing"  # the status column says so
    assert details["as_of"] == "2021-12-31"  # the last day the file covers
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
    # a CSV export named without a year covers the years of its start dates from 2016 on
    assert coverage(config) == [("accessnow", None, "2019-01-01", "2021-12-31")]


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
    book.create_sheet("Sources").append(["a link", "another link"])
    path = tmp_path / "stop.xlsx"
    book.save(path)

    result = run(config, file=[str(path)])
    assert result.status == "success", result
    got = events(config)
    assert set(got) == {("NGA", "2021-06-05"), ("RUS", "2021-01-01"), ("GAB", "2019-01-06")}
    assert got[("RUS", "2021-01-01")][2] == datetime(2021, 1, 2)
    assert got[("NGA", "2021-06-05")][4]["sheet"] == "2021 Data"  # the newest sheet wins
    gabon = got[("GAB", "2019-01-06")]
    assert gabon[2] is None and gabon[5] == "ongoing"  # "Ongoing " in a sheet without status
    assert gabon[4]["as_of"] == "2019-12-31"  # as of its sheet, which later sheets do not repeat
    assert gabon[4]["extent"] == "Full network" and gabon[4]["services"]["facebook"] is True
    nigeria = got[("NGA", "2021-06-05")][4]
    assert [(c["sheet"], c["row"]) for c in nigeria["merged_copies"]] == [("2019", 3)]
    details = run_details(config, result.run_id)
    assert details["skipped"] == {  # counted and named, never dropped silently
        "undated reports in Access Now's 'Need more details' sheet (year, country and a source "
        "only; not rows of the yearly data)": 1,
        "sheet without STOP headers: Sources": 1}
    notes = next(iter(details["notes"].values()))
    assert notes["repeats"] == {"copies merged into an event from another sheet": 1}
    assert notes["sheets"] == {"2021 Data": [2021], "2019": [2019]}
    # two sheet years with a gap between them: two windows, the gap is no data
    assert coverage(config) == [("accessnow", None, "2019-01-01", "2019-12-31"),
                                ("accessnow", None, "2021-01-01", "2021-12-31")]


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


def test_configured_url_is_downloaded_with_a_retry(config, tmp_path):
    body = write_csv(tmp_path / "stop.csv").read_bytes()
    with FileServer("/spreadsheets/d/SHEET/export", body, "text/csv") as server:
        server.fail("/export", Reply(status=500, body=b"busy"), times=1)
        url = server.url + "/spreadsheets/d/SHEET/export?format=csv&gid=0"
        config.raw.setdefault("sources", {})["accessnow"] = {"url": url}
        (result,), _ = run_collectors(["accessnow"], config, progress=False)
        assert result.status == "success", result
        assert len(server.requests) == 2
    assert ("UGA", "2021-01-13") in events(config)


NEW_HEADER = ["start_date", "country", "area_name", "shutdown_type", "shutdown_extent",
              "shutdown_status", "end_date"]


def test_every_row_lands_with_its_end_state_and_quality_flags(config, tmp_path):
    rows = [
        ["2/18/2020", "India", "Murshidabad", "Shutdown", "Full network", "Ended", "2/12/2020"],
        ["3/2/2020", "Kenya", "Mandera", "Shutdown", "Full network", "Ended", "3/2/2020"],
        ["12/18/2020", "Kenya", "Elele area, Mandera County", "Shutdown", "Full network",
         "Unknown", None],
        ["5/5/2020", "Chad", None, "Shutdown", "Service-based", "Ended", None],
        ["6/6/2020", "Togo", None, "Shutdown", "Full network", None, "after the vote"],
    ]
    result = run(config, file=[str(write_csv(tmp_path / "stop_2020_data.csv", NEW_HEADER, rows))])
    assert result.status == "success" and result.rows_rejected == 0
    got = events(config)
    assert len(got) == 5  # nothing dropped
    india = got[("IND", "2020-02-18")]
    assert (india[2], india[5]) == (None, "unknown")
    assert "precedes start_date" in india[4]["quality"][0]
    assert india[4]["raw"]["end_date"] == "2/12/2020"
    assert got[("KEN", "2020-03-02")][5] == "known"
    assert got[("KEN", "2020-12-18")][5] == "unknown" and "quality" not in got[("KEN", "2020-12-18")][4]
    assert got[("TCD", "2020-05-05")][5] == "unknown"
    assert got[("TCD", "2020-05-05")][4]["quality"] == [
        "status says Ended but no end date is given: end unknown"]
    assert got[("TGO", "2020-06-06")][5] == "unknown"  # not ongoing: nobody said so
    notes = next(iter(run_details(config, result.run_id)["notes"].values()))
    assert notes["quality_flags"] == {
        "end_date precedes start_date": 1,
        "status says Ended but no end date is given": 1,
        "end_date 'after the vote' is not a date": 1,
    }
    assert notes["end_states"] == {"known": 1, "unknown": 4}
    assert coverage(config) == [("accessnow", None, "2020-01-01", "2020-12-31")]


def test_repeats_across_sheets_merge_and_replace_copies_stored_before(config, tmp_path):
    older = [["11/3/2021", "Uzbekistan", "Entire country", "Shutdown", "Service-based", "Unknown", None],
             ["3/10/2021", "Russian Federation", "National", "Throttle", "Service-based", "Ongoing", None],
             ["1/12/2021", "Uganda", "National", "Shutdown", "Service-based", "Ongoing", None]]
    first = run(config, file=[str(write_csv(tmp_path / "stop_2021_data.csv", NEW_HEADER, older))])
    assert first.status == "success"
    assert len(events(config)) == 3
    book = openpyxl.Workbook()
    new = book.active
    new.title = "2022 Data"
    new.append(NEW_HEADER)
    new.append([datetime(2021, 11, 3), "Uzbekistan", "Nationwide", "Shutdown", "Service-based",
                "Ended", datetime(2022, 8, 1)])
    new.append([datetime(2021, 3, 10), "Russian Federation", "Nationwide", "Throttle",
                "Service-based", "Ongoing", None])
    new.append([datetime(2021, 1, 12), "Uganda", None, "Shutdown", "Service-based", "Ongoing", None])
    old = book.create_sheet("2021 Data")
    old.append(NEW_HEADER)
    for row in older:
        old.append([datetime.strptime(row[0], "%m/%d/%Y"), *row[1:]])
    book.save(tmp_path / "stop.xlsx")
    result = run(config, file=[str(tmp_path / "stop.xlsx")])
    assert result.status == "success"
    got = events(config)
    assert set(got) == {("UZB", "2021-11-03"), ("RUS", "2021-03-10"), ("UGA", "2021-01-12")}
    uzbekistan = got[("UZB", "2021-11-03")]
    assert (uzbekistan[2], uzbekistan[5]) == (datetime(2022, 8, 1), "known")  # the newer copy
    assert uzbekistan[4]["merged_copies"][0]["sheet"] == "2021 Data"
    assert uzbekistan[4]["merged_copies"][0]["area"] == "Entire country"
    russia = got[("RUS", "2021-03-10")]
    assert russia[5] == "ongoing" and russia[4]["as_of"] == "2022-12-31"
    notes = next(iter(run_details(config, result.run_id)["notes"].values()))
    assert notes["repeats"] == {"copies merged into an event from another sheet": 3,
                                "of which the area text differs": 3}
    assert coverage(config) == [("accessnow", None, "2021-01-01", "2022-12-31")]


def test_newest_copy_with_an_unknown_end_gives_way_to_an_older_known_end(config, tmp_path):
    book = openpyxl.Workbook()
    new = book.active
    new.title = "2021 Data"
    new.append(NEW_HEADER)
    new.append([datetime(2020, 11, 21), "Uganda", "Nationwide", "Throttle", "Service-based",
                "Unknown", None])
    old = book.create_sheet("2020 Data")
    old.append(NEW_HEADER)
    old.append([datetime(2020, 11, 21), "Uganda", "Entire country", "Throttle", "Service-based",
                "Ended", datetime(2020, 12, 1)])
    book.save(tmp_path / "stop.xlsx")
    assert run(config, file=[str(tmp_path / "stop.xlsx")]).status == "success"
    (uganda,) = events(config).values()
    assert (uganda[2], uganda[5]) == (datetime(2020, 12, 1), "known")
    assert uganda[4]["sheet"] == "2020 Data"
    assert uganda[4]["merged_copies"][0]["sheet"] == "2021 Data"


def test_a_sheet_year_still_in_progress_ends_at_the_latest_date_of_the_file(config, tmp_path):
    rows = [["1/5/2025", "Togo", None, "Shutdown", "Full network", "Ongoing", None],
            ["3/1/2025", "Iraq", None, "Shutdown", "Full network", "Ended", "3/4/2025"]]
    path = write_csv(tmp_path / "stop_2025_data.csv", NEW_HEADER, rows)
    assert run(config, file=[str(path)], today="2025-06-30").status == "success"
    assert coverage(config) == [("accessnow", None, "2025-01-01", "2025-03-04")]
    assert events(config)[("TGO", "2025-01-05")][4]["as_of"] == "2025-03-04"


def test_count_year_column_names_the_years_of_a_combined_sheet(config, tmp_path):
    header = [*NEW_HEADER, "count_year"]
    rows = [["6/12/2016", "Pakistan", "FATA", "Shutdown", "Full network", "Ended", "12/28/2021", "2016"],
            ["3/1/2017", "Iraq", None, "Shutdown", "Full network", "Ended", "3/4/2017", "2017"],
            ["5/1/2009", "Pakistan", None, "Shutdown", "Full network", "Ended", "5/2/2009", "2018"]]
    assert run(config, file=[str(write_csv(tmp_path / "combined.csv", header, rows))]).status == "success"
    assert coverage(config) == [("accessnow", None, "2016-01-01", "2018-12-31")]
