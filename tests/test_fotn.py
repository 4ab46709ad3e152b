"""Freedom on the Net collector: Excel/CSV editions, scale direction, fuzzy headers, failures."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest

from collectors.base import SourceError
from collectors.fotn import HIGHER_IS_FREER, LOWER_IS_FREER, detect_edition, direction_for, match_columns
from collectors.runner import run_collectors
from tests.helpers import corpus_root, query, run_details, stored
from tests.servers.base import FileServer, Reply

CORPUS = corpus_root()
FOTN_2018 = CORPUS / "freedom_house" / "FINAL_DATA_FOTN2018_TOTAL_and_CATEGORY_SCORES.xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_2018 = [
    "Country", '"Freedom on the Net 2018" Status', "A: Obstacles to Access",
    "B: Limits on Content", "C: Violations of User Rights", '"Freedom on the Net 2018" Total Score',
]
HEADER_2021 = [
    "Country Name", "Status", "A. Obstacles to Access", "B. Limits on Content",
    "C. Violations of User Rights", "Total Score",
]


def workbook(path: Path, sheets: dict[str, list[list]]) -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    book.save(path)
    return path


def edition_2018(path: Path) -> Path:
    """A small lower = freer edition, in the real 2018 layout."""
    return workbook(path, {"2018": [
        HEADER_2018,
        ["Estonia", "FREE", 2, 3, 1, 6],
        ["China", "NOT FREE", 17, 30, 40, 87],
        ["Kenya", "PARTLY FREE", 8, 10, 12, 30],
    ]})


def run(config, **options):
    (result,), _ = run_collectors(["fotn"], config, progress=False, options=options)
    return result






def test_lower_is_freer_edition_is_flipped_exactly(config, tmp_path):
    result = run(config, file=[str(edition_2018(tmp_path / "scores.xlsx"))])
    assert result.status == "success", result
    values = stored(config)
    assert values[("fotn.total", "EST", "2018")] == 94.0  # 100 − 6
    assert values[("fotn.a_obstacles", "CHN", "2018")] == 8.0  # 25 − 17
    assert values[("fotn.b_content", "KEN", "2018")] == 25.0  # 35 − 10
    assert values[("fotn.c_rights", "CHN", "2018")] == 0.0  # 40 − 40
    assert len(values) == 12
    (description,) = query(config.warehouse_path,
                           "SELECT description FROM metric WHERE id = 'fotn.total'")[0]
    assert "2018: published lower is freer" in description


def test_higher_is_freer_edition_with_other_headers_lands_as_published(config, tmp_path):
    path = workbook(tmp_path / "fotn.xlsx", {
        "Notes": [["Freedom on the Net: read me"]],
        "FOTN 2021": [
            ["Freedom on the Net 2021 scores"],
            HEADER_2021,
            ["Iceland", "Free", 23, 33, 39, 95],
            ["Iran (Islamic Republic of)", "Not Free", 5, 6, 5, 16],
            ["Atlantis", "Free", 20, 20, 20, 60],
            ["Global average", None, None, None, None, None],
        ],
    })
    result = run(config, file=[str(path)])
    assert result.status == "success", result
    values = stored(config)
    assert values[("fotn.total", "ISL", "2021")] == 95.0
    assert values[("fotn.c_rights", "IRN", "2021")] == 5.0
    assert {c for _, c, _ in values} == {"ISL", "IRN"}
    details = run_details(config, result.run_id)
    assert details["unmapped"] == {"Atlantis": 1}
    assert details["skipped"]["sheet without a score table: Notes"] == 1
    assert details["skipped"]["row without scores (note or aggregate line)"] == 1


def test_real_2018_file_estonia_freer_than_china_and_every_name_maps(config):
    if not FOTN_2018.exists():
        pytest.skip("shared corpus not available")
    result = run(config, file=[str(FOTN_2018)])
    assert result.status == "success", result
    values = stored(config)
    assert values[("fotn.total", "EST", "2018")] > values[("fotn.total", "CHN", "2018")]
    assert values[("fotn.total", "EST", "2018")] == 94.0  # published 6
    assert values[("fotn.total", "CHN", "2018")] == 12.0  # published 88
    assert len({c for _, c, _ in values}) == 65
    assert len(values) == 65 * 4
    assert run_details(config, result.run_id)["unmapped"] == {}


def test_real_derived_csv_gives_the_same_values(config):
    csv_path = CORPUS / "freedom_house" / "fotn2018_scores.derived.csv"
    if not csv_path.exists():
        pytest.skip("shared corpus not available")
    result = run(config, file=[str(csv_path)])
    assert result.status == "success", result
    values = stored(config)
    assert values[("fotn.total", "ARG", "2018")] == 72.0  # published 28
    assert len(values) == 65 * 4


def test_reimport_is_a_noop_and_a_corrupt_file_fails_leaving_data(config, tmp_path):
    path = edition_2018(tmp_path / "fotn2018.xlsx")
    first = run(config, file=[str(path)])
    before = stored(config)
    again = run(config, file=[str(path)])
    assert again.status == "success" and again.rows_written == 0
    assert run_details(config, again.run_id)["skipped"] == {"file already imported": 1}

    broken = tmp_path / "fotn2019.xlsx"
    broken.write_bytes(path.read_bytes()[:700])  # a truncated download
    failed = run(config, file=[str(broken)])
    assert failed.status == "failed"
    assert "not a readable .xlsx workbook" in failed.error
    assert stored(config) == before
    assert first.rows_written == 12


def test_schema_drift_names_the_missing_column(config, tmp_path):
    path = workbook(tmp_path / "fotn2022.xlsx", {"2022": [
        ["Country", "Status", "A: Obstacles to Access", "B: Limits on Content", "User rights",
         "Total"],
        ["Estonia", "Free", 22, 33, 38, 93],
    ]})
    result = run(config, file=[str(path)])
    assert result.status == "failed"
    assert "no column for c_rights" in result.error and "User rights" in result.error
    assert stored(config) == {}


def test_wrong_direction_is_caught_by_the_status_column(config, tmp_path):
    config.raw.setdefault("sources", {})["fotn"] = {"directions": {"2018": HIGHER_IS_FREER}}
    result = run(config, file=[str(edition_2018(tmp_path / "x.xlsx"))])
    assert result.status == "failed"
    assert "FREE countries score" in result.error and "directions" in result.error
    assert stored(config) == {}


def test_edition_option_overrides_and_rules():
    assert detect_edition("2019", "2018", [], "fotn2017.xlsx") == (2019, "option")
    assert detect_edition(None, "Sheet1", [['"Freedom on the Net 2016" Status']], "f.xlsx") == (
        2016, "title")
    assert detect_edition(None, "data.csv", [], "FOTN_2020.csv") == (2020, "file name")
    with pytest.raises(SourceError, match=r"\[sources.fotn\].edition"):
        detect_edition(None, "Sheet1", [["Country"]], "scores.xlsx")
    assert direction_for(2018, {}) == LOWER_IS_FREER
    assert direction_for(2019, {}) == HIGHER_IS_FREER
    assert direction_for(2012, {"directions": {"2012": HIGHER_IS_FREER}}) == HIGHER_IS_FREER
    assert set(match_columns(HEADER_2021)) == {
        "country", "status", "a_obstacles", "b_content", "c_rights", "total"}


def test_configured_url_is_downloaded_with_a_retry(config, tmp_path):
    body = edition_2018(tmp_path / "served.xlsx").read_bytes()
    with FileServer("/files/FOTN2018.xlsx", body, XLSX) as server:
        server.fail("/files/", Reply(status=500, body=b"oops"), times=1)
        config.raw.setdefault("sources", {})["fotn"] = {"url": server.url + "/files/FOTN2018.xlsx"}
        (result,), _ = run_collectors(["fotn"], config, progress=False)
        assert result.status == "success", result
        assert server.requests == ["/files/FOTN2018.xlsx"] * 2
    assert stored(config)[("fotn.total", "EST", "2018")] == 94.0


def test_detected_edition_and_direction_are_kept_in_the_run_record(tmp_path, monkeypatch):

    from collectors.runner import run_collectors
    from roamwatch.config import load_config
    from tests.helpers import query

    monkeypatch.setenv("ROAMWATCH_DATA_DIR", str(tmp_path / "data"))
    path = tmp_path / "fotn2018.csv"
    path.write_text("Country,Status,A Obstacles to Access,B Limits on Content,"
                    "C Violations of User Rights,Total\nEstonia,Free,2,3,1,6\n"
                    "China,Not Free,18,30,40,88\n")
    config = load_config()
    (result,), _ = run_collectors(["fotn"], config, progress=False,
                                  options={"file": [str(path)], "edition": 2018})
    assert result.ok
    details = json.loads(query(config.warehouse_path, "SELECT details FROM collector_run")[0][0])
    assert details["notes"][str(path)] == {"editions": {"2018": "lower_is_freer"}}
