"""ITU collector: Excel layouts told by their headers, note flags, aggregates, re-imports."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from collectors.itu import detect_indicator, map_economy, parse_value, parse_workbook
from collectors.runner import run_collectors
from roamwatch.config import load_config
from tests.helpers import corpus_root, query, stored

CORPUS = corpus_root()
ITU = CORPUS / "itu"


@pytest.fixture
def cfg(tmp_path, monkeypatch):
    monkeypatch.delenv("ROAMWATCH_CONFIG", raising=False)
    for key, value in {
        "ROAMWATCH_DATA_DIR": str(tmp_path / "data"),
        "ROAMWATCH_HTTP_BACKOFF_BASE": "0.01",
        "ROAMWATCH_HTTP_BACKOFF_MAX": "0.05",
        "ROAMWATCH_HTTP_READ_TIMEOUT": "2",
        "ROAMWATCH_HTTP_MAX_ATTEMPTS": "3",
    }.items():
        monkeypatch.setenv(key, value)
    return load_config()


def workbook(path: Path, rows: list[list], sheet: str = "Final") -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = sheet
    for row in rows:
        ws.append(row)
    book.save(path)
    return path


def fixed_broadband(path: Path) -> Path:
    """The real time-series layout: title row, years, counts block, per-100 block, notes."""
    years = [2016, 2017, 2018]
    return workbook(path, [
        [None, "Fixed-broadband subscriptions", None, None, None,
         "Fixed-broadband subscriptions per 100 inhabitants", None, None, None, None],
        [None, *years, None, *years, "Notes 2018", "Source 2018"],
        ["Kenya", 100000, 150000, 200000, None, 0.2, 0.3, "2.5 e", "estimate", "CA"],
        ["Viet Nam", 9000000, None, 12000000, None, 9.5, "..", 12.1, None, "MIC"],
        ["Congo (Rep. of the)", 1000, 2000, 3000, None, "-", 0.04, 0.05, None, None],
        ["World", 9e8, 1e9, 1.1e9, None, 12.0, 13.0, 14.0, None, None],
        ["Atlantis", 5, 5, 5, None, 1.0, 1.0, 1.0, None, None],
        ["Kenya (1)", None, None, None, None, None, None, None, None, None],
        ["Chile", 1, 2, 3, None, 16.0, "n.q.x", 17.5, None, None],
        [],
        ["Note: per 100 inhabitants computed with UN population.", None],
    ])


def run(config, full=False, **options):
    (result,), _ = run_collectors(["itu"], config, full=full, progress=False, options=options)
    return result




def run_row(config, run_id: int) -> dict:
    cols = ["status", "rows_written", "rows_rejected", "error", "details"]
    row = query(config.warehouse_path,
                f"SELECT {', '.join(cols)} FROM collector_run WHERE id = ?", [run_id])[0]
    out = dict(zip(cols, row, strict=True))
    out["details"] = json.loads(out["details"]) if out["details"] else {}
    return out


def test_time_series_values_land_exactly(cfg, tmp_path):
    result = run(cfg, file=[str(fixed_broadband(tmp_path / "Fixed_broadband.xlsx"))])
    assert result.status == "success", result
    values = stored(cfg)
    metric = "itu.fixed_broadband_subs_per100"
    assert values[(metric, "KEN", "2018")] == 2.5  # "2.5 e": number kept, flag noted
    assert values[(metric, "KEN", "2016")] == 0.2
    assert values[(metric, "VNM", "2018")] == 12.1
    assert (metric, "VNM", "2017") not in values  # ".." is missing
    assert values[(metric, "COG", "2017")] == 0.04  # ITU spelling resolved by alias
    assert (metric, "COG", "2016") not in values  # "-" is missing
    assert values[(metric, "CHL", "2018")] == 17.5
    assert not any(c == "WLD" or v == 1e9 for (_, c, _), v in values.items())
    assert all(v < 1000 for v in values.values())  # counts never stored
    assert len(values) == 9
    row = run_row(cfg, result.run_id)
    assert row["rows_written"] == 9
    assert row["rows_rejected"] == 1  # "n.q.x"
    details = row["details"]
    assert details["unmapped"] == {"Atlantis": 1}
    assert details["skipped"]["aggregate"] == 1
    assert details["skipped"]["no value"] == 2
    assert details["rejected"] == {"value not numeric": 1}
    (notes,) = details["notes"].values()
    assert notes["values with a note flag"] == 1
    assert notes["sheets"]["Final"]["indicator"] == "fixed_broadband_subs_per100"
    assert notes["sheets"]["Final"]["blocks skipped"] == ["Fixed-broadband subscriptions"]
    (unit,) = query(cfg.warehouse_path, "SELECT unit FROM metric WHERE id = ?", [metric])[0]
    assert unit == "per 100 inhabitants"
    (licence,) = query(cfg.warehouse_path, "SELECT licence FROM source WHERE id = 'itu'")[0]
    assert "not verified" in licence


def test_reimport_is_a_noop_and_full_forces_it(cfg, tmp_path):
    path = str(fixed_broadband(tmp_path / "fb.xlsx"))
    assert run(cfg, file=[path]).rows_written == 9
    again = run(cfg, file=[path])
    assert again.status == "success"
    row = run_row(cfg, again.run_id)
    assert row["rows_written"] == 0
    assert row["details"]["skipped"] == {"file already imported": 1}
    (count,) = query(cfg.warehouse_path, "SELECT count(*) FROM observation")[0]
    assert count == 9
    assert run(cfg, full=True, file=[path]).rows_written == 9


def test_corrupt_file_fails_clearly_and_keeps_earlier_data(cfg, tmp_path):
    good = fixed_broadband(tmp_path / "fb.xlsx")
    assert run(cfg, file=[str(good)]).ok
    before = stored(cfg)
    truncated = tmp_path / "truncated.xlsx"
    truncated.write_bytes(good.read_bytes()[:700])
    result = run(cfg, file=[str(truncated)])
    assert result.status == "failed"
    assert "truncated.xlsx" in result.error and "not a readable .xlsx" in result.error
    garbage = tmp_path / "garbage.xls"
    garbage.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 300)
    result = run(cfg, file=[str(garbage)])
    assert result.status == "failed" and "not a readable .xls" in result.error
    assert stored(cfg) == before
    row = run_row(cfg, result.run_id)
    assert row["status"] == "failed" and row["rows_written"] == 0


def test_gender_file_lands_three_metrics_at_latest_year(cfg, tmp_path):
    path = workbook(tmp_path / "gender.xlsx", [
        [None, "Individuals using the Internet (from any location), by gender (%)"],
        [None, "", None, "Latest", "All", None, "Gender", None, None],
        [None, "Economy name", None, "year", "Individuals", None, "Male", None, "Female"],
        [None, "Algeria", None, 2018, "59.6", "", "68.1", "", "50.3"],
        [None, "Kenya", None, "2016", "16.6", "", "..", "", ".."],
        [None, "Korea (Rep. of)", None, 2017, "95.1", "", "97.4 p", "", "92.9"],
        [None, "Europe", None, 2017, "80", "", "82", "", "78"],
        [None, "Source:", "ITU World Telecommunication/ICT Indicators database."],
    ], sheet="10. Individuals using the Inter")
    result = run(cfg, file=[str(path)])
    assert result.status == "success", result
    by_sex = {
        ("itu.internet_use_male", "DZA", "2018"): 68.1,
        ("itu.internet_use_female", "DZA", "2018"): 50.3,
        ("itu.internet_use_male", "KOR", "2017"): 97.4,
        ("itu.internet_use_female", "KOR", "2017"): 92.9,
    }
    assert stored(cfg) == by_sex  # the rounded total does not overwrite the time series
    details = run_row(cfg, result.run_id)["details"]
    assert details["skipped"] == {"aggregate": 1, "no value": 2,
                                  "total of the by-gender table (gender_total off)": 3}
    assert details["unmapped"] == {}
    with_total = run(cfg, full=True, file=[str(path)], gender_total=True)
    assert with_total.ok
    assert stored(cfg) == {**by_sex, ("itu.internet_use", "DZA", "2018"): 59.6,
                           ("itu.internet_use", "KEN", "2016"): 16.6,
                           ("itu.internet_use", "KOR", "2017"): 95.1}


def test_indicator_is_read_from_title_or_option_and_unknown_title_fails(cfg, tmp_path):
    rows = [
        [None, "Table 7", None, None],
        [None, 2017, 2018, 2019],
        ["Kenya", 40.0, 50.0, 60.0],
    ]
    path = str(workbook(tmp_path / "table7.xlsx", rows, sheet="Data"))
    failed = run(cfg, file=[path])
    assert failed.status == "failed"
    assert "cannot tell the indicator" in failed.error and "indicator" in failed.error
    assert stored(cfg) == {}
    ok = run(cfg, file=[path], indicator="itu.mobile_broadband_subs_per100")
    # one block, no "per 100" words: rates cannot be told from counts, so it is refused
    assert ok.status == "failed" and "per-100" in ok.error
    forced = run(cfg, file=[path], indicator={"table7.xlsx": "internet_use"})
    assert forced.status == "success", forced
    assert stored(cfg)[("itu.internet_use", "KEN", "2019")] == 60.0
    bad = run(cfg, file=[path], indicator="broadband")
    assert bad.status == "failed" and "is not one of" in bad.error


def test_percentage_above_100_is_rejected_and_the_run_is_partial(cfg, tmp_path):
    path = workbook(tmp_path / "internet.xlsx", [
        [None, "Percentage of Individuals using the Internet"],
        [None, 2016, 2017, 2018],
        ["Kenya", 10.0, 104.0, 17.0],
    ])
    result = run(cfg, file=[str(path)])
    assert result.status == "partial"  # a share over 100 % is the source contradicting itself
    assert ("itu.internet_use", "KEN", "2017") not in stored(cfg)
    assert ("itu.internet_use", "KEN", "2018") in stored(cfg)
    assert run_row(cfg, result.run_id)["details"]["rejected"] == {"share outside 0–100": 1}


def test_price_basket_long_layout_keeps_gni_rows_of_broadband_baskets(tmp_path):
    path = workbook(tmp_path / "ITU_ICTPriceBaskets_2008-2024.xlsx", [
        ["ICT price baskets"],
        ["IsoCode", "Economy", "Basket", "Unit", 2022, 2023, 2024],
        ["KEN", "Kenya", "Data-only mobile broadband (2 GB)", "GNIpc", 4.1, 3.6, 3.2],
        ["KEN", "Kenya", "Data-only mobile broadband (2 GB)", "USD", 9.0, 8.0, 7.0],
        ["KEN", "Kenya", "Fixed-broadband basket (5 GB)", "% of GNI p.c.", 20.0, 18.5, ".."],
        ["KEN", "Kenya", "Mobile-cellular low-usage", "GNIpc", 2.0, 2.0, 2.0],
        [None, "Bolivia (Plurinational State of)", "Fixed-broadband basket (5 GB)", "GNIpc",
         8.0, 7.0, 6.0],
    ], sheet="economies")
    batch = parse_workbook(path.read_bytes(), path.name, {})
    got = {(r.metric, r.country, r.period): r.value for r in batch.observations.itertuples()}
    assert got == {
        ("itu.mobile_broadband_basket_gni", "KEN", "2022"): 4.1,
        ("itu.mobile_broadband_basket_gni", "KEN", "2023"): 3.6,
        ("itu.mobile_broadband_basket_gni", "KEN", "2024"): 3.2,
        ("itu.fixed_broadband_basket_gni", "KEN", "2022"): 20.0,
        ("itu.fixed_broadband_basket_gni", "KEN", "2023"): 18.5,
        ("itu.fixed_broadband_basket_gni", "BOL", "2022"): 8.0,
        ("itu.fixed_broadband_basket_gni", "BOL", "2023"): 7.0,
        ("itu.fixed_broadband_basket_gni", "BOL", "2024"): 6.0,
    }
    assert batch.skipped["price not in % of GNI"] == 1
    assert batch.skipped["other basket"] == 1


def test_no_file_and_no_url_fails_planning_with_instructions(cfg):
    result = run(cfg)
    assert result.status == "failed"
    assert "--file PATH" in result.error and "[sources.itu].url" in result.error


def test_configured_files_setting_is_used(cfg, tmp_path, monkeypatch):
    path = fixed_broadband(tmp_path / "fb.xlsx")
    toml = tmp_path / "roamwatch.toml"
    toml.write_text(f'[sources.itu]\nfiles = ["{path}"]\n', encoding="utf-8")
    monkeypatch.setenv("ROAMWATCH_CONFIG", str(toml))
    (result,), _ = run_collectors(["itu"], load_config(), progress=False)
    assert result.status == "success" and result.rows_written == 9


@pytest.mark.parametrize("cell, expected", [
    (2.5, (2.5, "value")), ("2.5 e", (2.5, "flagged")), ("12,345 *", (12345.0, "flagged")),
    ("3.1(2)", (3.1, "flagged")), ("..", (None, "missing")), ("-", (None, "missing")),
    (None, (None, "missing")), ("  ", (None, "missing")), ("1e-05", (1e-05, "value")),
    ("abc", (None, "garbage")), ("nan", (None, "garbage")), ("2.5 estimate", (None, "garbage")),
])
def test_parse_value(cell, expected):
    assert parse_value(cell) == expected


def test_names_and_titles():
    assert map_economy("World") == (None, "aggregate")
    assert map_economy("Africa") == (None, "aggregate")
    assert map_economy("South Africa") == ("ZAF", "country")
    assert map_economy("Kenya (3)") == ("KEN", "country")
    assert map_economy("Ascension") == (None, "unmapped")
    assert detect_indicator("Active mobile-broadband subscriptions per 100 inhabitants") == \
        "mobile_broadband_subs_per100"
    assert detect_indicator("Mobile-broadband basket, % of GNI p.c.") == "mobile_broadband_basket_gni"
    assert detect_indicator("Mobile-cellular telephone subscriptions") == "mobile_cellular_subs_per100"


# -- the real June-2019 releases -------------------------------------------------------------
SERIES = [
    ("Individuals_Internet_2000-2018_Jun2019.xls", "itu_individuals_internet_2000-2018.derived.csv",
     "individuals_using_internet_pct", "itu.internet_use"),
    ("Fixed_broadband_2000-2018_Jun2019_revised27082019.xls",
     "itu_fixed_broadband_2000-2018.derived.csv", "fixed_broadband_per_100",
     "itu.fixed_broadband_subs_per100"),
    ("Mobile_cellular_2000-2018_Jun2019.xls", "itu_mobile_cellular_2000-2018.derived.csv",
     "mobile_cellular_per_100", "itu.mobile_cellular_subs_per100"),
]
# ITU economies without an ISO 3166-1 code of their own.
KNOWN_UNMAPPED = {"Ascension", "Neth. Antilles"}


@pytest.mark.parametrize("xls, derived, indicator, metric", SERIES)
def test_corpus_time_series_match_derived_csv(xls, derived, indicator, metric):
    if not (ITU / xls).is_file():
        pytest.skip("corpus not available")
    batch = parse_workbook((ITU / xls).read_bytes(), xls, {})
    assert set(batch.unmapped) <= KNOWN_UNMAPPED
    assert not batch.rejected
    frame = pd.read_csv(ITU / derived)
    frame = frame[frame["indicator"] == indicator]
    for name in frame["economy"].unique():
        assert map_economy(name)[0] is not None or name in KNOWN_UNMAPPED, name
    frame = frame[~frame["economy"].isin(KNOWN_UNMAPPED)]
    got = {(r.country, r.period): r.value for r in batch.observations.itertuples()}
    assert set(batch.observations["metric"]) == {metric}
    assert len(got) == len(frame)
    for row in frame.itertuples():
        key = (map_economy(row.economy)[0], str(row.year))
        assert got[key] == pytest.approx(row.value, rel=1e-12, abs=1e-12), key


def test_corpus_gender_file_matches_derived_csv():
    xlsx = ITU / "Individuals using the internet by gender_Jun2019.xlsx"
    if not xlsx.is_file():
        pytest.skip("corpus not available")
    batch = parse_workbook(xlsx.read_bytes(), xlsx.name, {"gender_total": True})
    assert not batch.unmapped and not batch.rejected
    got = {(r.metric, r.country, r.period): r.value for r in batch.observations.itertuples()}
    frame = pd.read_csv(ITU / "itu_internet_use_by_sex_jun2019.derived.csv")
    assert len(frame) == 115
    expected = {}
    for row in frame.itertuples():
        iso3 = map_economy(row.economy)[0]
        assert iso3 is not None, row.economy
        for metric, value in (("itu.internet_use", row.individuals_pct),
                              ("itu.internet_use_male", row.male_pct),
                              ("itu.internet_use_female", row.female_pct)):
            if pd.notna(value):
                expected[(metric, iso3, str(int(row.latest_year)))] = value
    assert got == pytest.approx(expected)
    assert got[("itu.internet_use_female", "DZA", "2018")] == 50.3
