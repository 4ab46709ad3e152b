"""Golden tests on the real files of the shared corpus (read in place, never copied).

Expectations are derived by hand from Access Now's own workbook (#KeepItOn STOP Data 2016-2022):
the rows named below were read in the file (row numbers are spreadsheet rows, header = 1).
Skipped, with the reason, when the corpus is absent.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pandas as pd
import pytest

from collectors.runner import run_collectors
from indicators.catalogue import load_catalogue
from indicators.recompute import load_inputs
from roamwatch.config import load_config
from roamwatch.events import END_STATES
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.store import Warehouse
from tests.conftest import FAST_HTTP
from tests.helpers import corpus_dir, query, run_details

STOP = "accessnow_stop/#KeepItOn STOP Data 2016-2022 [Public].xlsx"
FOTN = "freedom_house/FINAL_DATA_FOTN2018_TOTAL_and_CATEGORY_SCORES.xlsx"


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    """A data directory with the real #KeepItOn workbook and FOTN 2018 imported."""
    corpus = corpus_dir()
    with pytest.MonkeyPatch.context() as mp:
        mp.delenv("ROAMWATCH_CONFIG", raising=False)
        mp.setenv("ROAMWATCH_DATA_DIR", str(tmp_path_factory.mktemp("golden") / "data"))
        for key, value in FAST_HTTP.items():
            mp.setenv(key, value)
        config = load_config()
        (stop,), _ = run_collectors(["accessnow"], config, progress=False,
                                    options={"file": [str(corpus / STOP)]})
        (fotn,), _ = run_collectors(["fotn"], config, progress=False,
                                    options={"file": [str(corpus / FOTN)]})
        assert stop.status == "success", stop
        assert fotn.status == "success", fotn
        with Warehouse(config.warehouse_path) as wh:
            inputs = load_inputs(wh.con, load_catalogue())
        yield config, stop, inputs


def events(config, where: str, params: list | None = None) -> list[dict]:
    cols = ["id", "country", "start_time", "end_time", "end_state", "details"]
    rows = query(config.warehouse_path, f"SELECT {', '.join(cols)} FROM event WHERE {where} "
                 "ORDER BY start_time, id", params)
    return [dict(zip(cols, r, strict=True)) | {"details": json.loads(r[-1])} for r in rows]


def series(inputs: pd.DataFrame, name: str) -> pd.DataFrame:
    return inputs[inputs["series"] == name].set_index(["country", "year"])


def test_no_row_is_dropped_and_every_repeat_is_recorded(imported):
    config, stop, _ = imported
    details = run_details(config, stop.run_id)
    assert details["rejected"] == {} and details["unmapped"] == {}
    notes = next(iter(details["notes"].values()))
    # 1,115 country rows parse with a date, plus the 3 rows ending before they start: 1,118
    # copies. 14 repeat a newer sheet word for word; 12 more differ in their area text (11
    # "Nationwide"/"National"/"Entire country"/missing, and Bangladesh's reworded Cox's Bazar).
    assert notes["repeats"] == {"copies merged into an event from another sheet": 26,
                                "of which the area text differs": 12}
    (n_events,), = query(config.warehouse_path, "SELECT count(*) FROM event")
    merged = sum(len(e["details"].get("merged_copies", [])) for e in events(config, "TRUE"))
    assert n_events == 1092 and n_events + merged == 1118
    assert notes["quality_flags"]["end_date precedes start_date"] == 3
    # The three undated reports of the "Need more details" sheet are not events: counted, named.
    assert details["skipped"] == {
        "undated reports in Access Now's 'Need more details' sheet (year, country and a source "
        "only; not rows of the yearly data)": 3}


def test_end_states_follow_the_file(imported):
    config, _, _ = imported
    states = dict(query(config.warehouse_path, "SELECT end_state, count(*) FROM event GROUP BY 1"))
    assert set(states) <= set(END_STATES)
    assert query(config.warehouse_path, "SELECT count(*) FROM event WHERE "
                 "(end_state = 'known') <> (end_time IS NOT NULL)") == [(0,)]
    assert states["ongoing"] == 32  # 21 "Ongoing" statuses (2020-22) + 11 "ongoing" end texts


def test_kenya_has_two_one_day_shutdowns_and_none_after_2020(imported):
    config, _, inputs = imported
    kenya = events(config, "country = 'KEN'")
    assert [(str(e["start_time"].date()), e["end_state"]) for e in kenya] == [
        ("2020-03-02", "known"), ("2020-12-18", "unknown")]  # 2020 rows 33 and 157
    assert kenya[1]["details"]["status"] == "Unknown"
    assert kenya[1]["details"]["area"] == "Elele area, Mandera County"
    days = series(inputs, "derived.accessnow.shutdown_days")
    assert days.loc[("KEN", 2020), "value"] == 2
    assert days.loc[("KEN", 2021), "value"] == 0 and days.loc[("KEN", 2022), "value"] == 0


def test_india_2020_count_and_days(imported):
    _, _, inputs = imported
    # 107 India rows in the 2020 sheet (2 carried over from 2019) + the 2021 sheet's Shopian and
    # Pulwama shutdown of 30 December 2020; the Jammu and Kashmir throttling (5 August 2019 to
    # 5 February 2021) covers every day of 2020.
    count = series(inputs, "derived.accessnow.shutdowns")
    days = series(inputs, "derived.accessnow.shutdown_days")
    assert count.loc[("IND", 2020), "value"] == 108
    assert days.loc[("IND", 2020), "value"] == 366


def test_tigray_runs_to_the_last_update_and_no_further(imported):
    config, _, inputs = imported
    (tigray,) = events(config, "country = 'ETH' AND details->>'area' = 'Tigray'")
    assert str(tigray["start_time"].date()) == "2020-11-04" and tigray["end_state"] == "ongoing"
    assert tigray["details"]["sheet"] == "2022 Data" and tigray["details"]["as_of"] == "2022-12-31"
    assert [c["sheet"] for c in tigray["details"]["merged_copies"]] == ["2021 Data", "2020 Data"]
    days = series(inputs, "derived.accessnow.shutdown_days")
    assert days.loc[("ETH", 2021), "value"] == 365 and days.loc[("ETH", 2022), "value"] == 365
    assert ("ETH", 2023) not in days.index


def test_merged_repeats_keep_the_most_complete_copy(imported):
    config, _, _ = imported
    (uzbekistan,) = events(config, "country = 'UZB' AND start_time = '2021-11-03'")
    assert uzbekistan["end_state"] == "known" and uzbekistan["end_time"] == dt.datetime(2022, 8, 1)
    assert uzbekistan["details"]["merged_copies"][0] | {"id": None} == {
        "id": None, "sheet": "2021 Data", "row": 141, "area": "Entire country",
        "extent": "Service-based", "end_state": "unknown", "end": None}
    (chad,) = events(config, "country = 'TCD' AND start_time = '2018-03-28'")
    assert chad["end_time"] == dt.datetime(2019, 7, 13) and chad["details"]["sheet"] == "2019"
    assert chad["details"]["merged_copies"][0]["end_state"] == "ongoing"  # the stale 2016-18 copy


def test_rows_ending_before_they_start_are_kept_as_start_days(imported):
    config, _, _ = imported
    kept = events(config, "details->>'sheet' = '2020 Data' AND json_array_length(details->'quality') > 0 "
                  "AND (details->>'quality') LIKE '%precedes%'")
    assert sorted((e["country"], e["details"]["row"], str(e["start_time"].date())) for e in kept) == [
        ("BLR", 79, "2020-06-19"), ("IND", 25, "2020-02-18"), ("PAK", 60, "2020-05-18")]
    assert {e["end_state"] for e in kept} == {"unknown"}
    assert kept[0]["details"]["raw"]["end_date"] is not None
    (ethiopia,) = events(config, "country = 'ETH' AND start_time = '2017-12-12'")  # 2016-18 row 172
    assert ethiopia["end_state"] == "unknown"
    assert "is not a date" in ethiopia["details"]["quality"][0]


def test_no_derived_value_outside_the_coverage_years(imported):
    config, _, inputs = imported
    coverage = query(config.warehouse_path, "SELECT first_day, last_day FROM source_coverage "
                     "WHERE source = 'accessnow' AND country IS NULL")
    assert coverage == [(dt.date(2016, 1, 1), dt.date(2022, 12, 31))]
    shutdowns = inputs[inputs["series"].str.startswith("derived.accessnow.")]
    assert set(shutdowns["year"]) == set(range(2016, 2023))  # not 2009 (a Pakistan row), not 2023
    countries = {c for (c,) in query(config.warehouse_path, "SELECT iso3 FROM country")}
    named = {c for (c,) in query(config.warehouse_path,
                                 "SELECT DISTINCT country FROM event WHERE source = 'accessnow'")}
    # every state, and any territory the workbook names, every covered year; a territory it
    # does not list (Antarctica, Western Sahara) has no value rather than 0 (events.BY_STATE)
    from roamwatch.countries import states

    expected = (countries & states()) | named
    assert set(shutdowns["country"]) == expected and {"ATA", "ESH"}.isdisjoint(expected)
    assert len(shutdowns) == 2 * 7 * len(expected)
    fotn = inputs[inputs["series"].str.startswith("fotn.")]
    assert set(fotn["year"]) == {2018}
    assert set(fotn["country"]) == {c for (c,) in query(
        config.warehouse_path, "SELECT country FROM source_coverage WHERE source = 'fotn'")}


def test_published_events_carry_the_days_they_count(imported):
    config, _, _ = imported
    with Reader.open(config.serving_dir) as reader:
        frame = reader.events(sources=["accessnow"])
    assert frame["last_day"].max() == pd.Timestamp("2022-12-31")  # never today
    assert set(frame["end_state"]) == set(END_STATES)
    unknown = frame[frame["end_state"] == "unknown"]
    assert (unknown["first_day"] == unknown["last_day"]).all()


def test_committed_validation_report_regenerates_from_the_real_files(tmp_path):
    """docs/validation.md is what `python -m tests.corpus_fill --validation` writes from the
    corpus (only the snapshot id differs), and it states the held-out FOTN correlation."""
    from tests.corpus_fill import fill, validation

    corpus = corpus_dir()
    data_dir = tmp_path / "data"
    fill(data_dir, corpus, log=lambda _m: None)
    fresh = validation(data_dir, tmp_path / "validation.md")
    committed = (Path(__file__).resolve().parents[1] / "docs" / "validation.md").read_text(
        encoding="utf-8")

    def without_snapshot(text: str) -> str:
        return re.sub(r"^Snapshot: `[^`]+`\.$", "Snapshot: …", text, flags=re.M)

    assert without_snapshot(fresh) == without_snapshot(committed), \
        "docs/validation.md is stale: run `python -m tests.corpus_fill --data-dir DIR --validation`"
    held_out = [line for line in committed.splitlines()
                if line.startswith("| R Rights") and "(any data)" in line]
    assert held_out and re.search(r"\| 2018 \| 0\.\d\d \| 65 \|$", held_out[0]), held_out
