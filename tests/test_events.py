"""The one definition of event days (roamwatch.events), end states and coverage in the warehouse."""

from __future__ import annotations

import datetime as dt
import json

import duckdb
import pandas as pd
import pytest

from roamwatch.events import covered, days_by_year, event_spans, last_updates
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.schema import MIGRATIONS
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse
from tests.helpers import query

COV = ["source", "country", "first_day", "last_day", "basis"]


def ev(id_, start, end=None, state=None, country="KEN", source="accessnow", **details):
    return {"id": id_, "source": source, "country": country, "start_time": pd.Timestamp(start),
            "end_time": pd.Timestamp(end) if end else pd.NaT, "end_state": state,
            "details": json.dumps(details) if details else None}


def spans_of(rows, last_update=None) -> dict[str, tuple[str, str, str]]:
    out = event_spans(pd.DataFrame(rows), last_update)
    return {r.id: (str(r.first_day.date()), str(r.last_day.date()), r.span_rule)
            for r in out.itertuples()}


def test_spans_by_end_state():
    got = spans_of([
        ev("midnight", "2021-01-13 06:00", "2021-01-18 00:00", "known"),
        ev("same-day", "2021-03-02 00:00", "2021-03-02 00:00", "known"),
        ev("evening", "2021-03-02 08:00", "2021-03-03 20:00", "known"),
        ev("unknown", "2020-12-18", state="unknown"),
        ev("ongoing", "2020-11-04", state="ongoing", as_of="2022-12-31"),
        ev("stale", "2017-05-15", state="ongoing", as_of="2018-12-31"),
        ev("beyond", "2022-12-30", state="ongoing", as_of="2023-06-30"),
        ev("no-as-of", "2022-01-01", state="ongoing"),
        ev("legacy-null", "2020-05-01"),  # no end_state: read from end_time (none → unknown)
    ], {"accessnow": "2022-12-31"})
    assert got["midnight"] == ("2021-01-13", "2021-01-17", "known")
    assert got["same-day"] == ("2021-03-02", "2021-03-02", "known")
    assert got["evening"][:2] == ("2021-03-02", "2021-03-03")
    assert got["unknown"] == ("2020-12-18", "2020-12-18", "unknown: start day only")
    assert got["ongoing"] == ("2020-11-04", "2022-12-31", "ongoing until 2022-12-31")
    assert got["stale"][1] == "2018-12-31"  # as of the sheet that reported it
    assert got["beyond"][1] == "2022-12-31"  # never past the source's last update
    assert got["no-as-of"][1] == "2022-12-31"  # the source's last update
    assert got["legacy-null"][:2] == ("2020-05-01", "2020-05-01")


def test_ongoing_without_any_last_update_is_not_run_to_today():
    got = spans_of([ev("x", "2024-01-01", state="ongoing")])
    assert got["x"] == ("2024-01-01", "2024-01-01", "ongoing: no last update known, start day only")


def test_days_by_year_counts_inside_coverage_only_and_zero_fills():
    coverage = pd.DataFrame([
        ("accessnow", None, dt.date(2016, 1, 1), dt.date(2017, 12, 31), "sheets"),
        ("accessnow", None, dt.date(2019, 1, 1), dt.date(2019, 6, 30), "a sheet in progress"),
        ("accessnow", "UGA", dt.date(2015, 7, 1), dt.date(2015, 12, 31), "a country-only window"),
    ], columns=COV)
    spans = event_spans(pd.DataFrame([
        ev("a", "2015-12-30", "2016-01-03", "known", country="KEN"),  # 2015 not covered for KEN
        ev("b", "2017-12-31", "2019-01-02", "known", country="KEN"),  # 2018 is a gap
        ev("c", "2015-12-31", "2016-01-02", "known", country="UGA"),
        ev("d", "2016-03-01", "2016-03-03", "known", country="UGA"),
        ev("e", "2016-03-02", "2016-03-05", "known", country="UGA"),
    ]), last_updates(coverage))
    got = days_by_year(spans, coverage, ["KEN", "UGA", "FRA"]).set_index(["country", "year"])
    assert got.loc[("KEN", 2016), "days"] == 2 and got.loc[("KEN", 2017), "days"] == 1
    assert got.loc[("KEN", 2019), "days"] == 1
    assert ("KEN", 2015) not in got.index and ("KEN", 2018) not in got.index
    assert got.loc[("UGA", 2015), "days"] == 1 and got.loc[("UGA", 2015), "period"] == \
        "2015-07-01..2015-12-31"
    assert got.loc[("UGA", 2016), "days"] == 1 + 4 and got.loc[("UGA", 2016), "events"] == 3
    assert (got["unknown_events"] == 0).all() and (got["ongoing_events"] == 0).all()
    assert got.loc[("FRA", 2017), "days"] == 0 and got.loc[("FRA", 2016), "period"] == "2016"
    assert got.loc[("FRA", 2019), "period"] == "2019-01-01..2019-06-30"
    assert ("FRA", 2015) not in got.index
    assert covered(coverage, "accessnow", "UGA", "2015-08-01")
    assert not covered(coverage, "accessnow", "KEN", "2015-08-01")
    assert last_updates(coverage) == {"accessnow": pd.Timestamp("2019-06-30").to_datetime64()
                                      .astype("datetime64[D]")}


def test_keepiton_covers_states_not_territories_it_does_not_list():
    """#KeepItOn's every-country window gave Antarctica and Western Sahara "0 shutdowns": it
    reports country by country (a shutdown in Western Sahara would be Moroccan, if recorded),
    so a territory it never names has no value; a state with none has 0."""
    from indicators.derive import shutdown_years
    from roamwatch.countries import is_state
    from roamwatch.events import general_window_applies

    coverage = pd.DataFrame([("accessnow", None, dt.date(2022, 1, 1), dt.date(2022, 12, 31), "sheets")],
                            columns=COV)
    events = pd.DataFrame([ev("h", "2022-03-01", "2022-03-02", "known", country="HKG")])
    got = shutdown_years(events, coverage, ["KEN", "EST", "TWN", "PSE", "ATA", "ESH", "GRL", "HKG"])
    assert set(got["country"]) == {"KEN", "EST", "TWN", "PSE", "HKG"}  # HKG: named by an event
    assert (got.loc[got["country"] == "EST", "events"] == 0).all()
    assert not is_state("ATA") and not is_state("ESH") and is_state("SSD") and is_state("XKX")
    assert general_window_applies("ioda", "ATA")  # only sources reporting by state are narrowed


def test_days_by_year_counts_events_by_end_state():
    coverage = pd.DataFrame([("accessnow", None, dt.date(2020, 1, 1), dt.date(2022, 12, 31), "s")],
                            columns=COV)
    spans = event_spans(pd.DataFrame([
        ev("a", "2020-03-02", "2020-03-02", "known"),
        ev("b", "2020-12-18", state="unknown"),
        ev("c", "2020-11-04", state="ongoing", as_of="2022-12-31"),
    ]), last_updates(coverage))
    got = days_by_year(spans, coverage, ["KEN"]).set_index("year")
    assert got.loc[2020, ["events", "unknown_events", "ongoing_events"]].tolist() == [3, 1, 1]
    assert got.loc[2021, ["events", "unknown_events", "ongoing_events"]].tolist() == [1, 0, 1]


def test_days_by_year_without_coverage_is_no_data():
    spans = event_spans(pd.DataFrame([ev("a", "2020-01-01", "2020-01-05", "known")]))
    assert days_by_year(spans, pd.DataFrame(columns=COV), ["KEN"]).empty


def test_store_keeps_end_state_consistent(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        run = wh.start_run("test", {})
        frame = pd.DataFrame([ev("a", "2020-01-01", "2020-01-02", "ongoing")]).assign(kind="shutdown")
        with pytest.raises(ValueError, match="'known' exactly when end_time is set"):
            wh.upsert_events(frame, run)
        with pytest.raises(ValueError, match="end_state 'later'"):
            wh.upsert_events(frame.assign(end_state="later"), run)
        wh.upsert_events(frame.drop(columns="end_state"), run)  # derived from end_time
        assert wh.con.execute("SELECT end_state FROM event").fetchall() == [("known",)]


def test_coverage_windows_merge_when_they_touch(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.merge_coverage(pd.DataFrame([("accessnow", None, dt.date(2016, 1, 1), dt.date(2018, 12, 31),
                                         "old")], columns=COV))
        wh.merge_coverage(pd.DataFrame([
            ("accessnow", None, dt.date(2019, 1, 1), dt.date(2019, 12, 31), "new"),
            ("accessnow", None, dt.date(2021, 1, 1), dt.date(2021, 12, 31), "new"),
        ], columns=COV))
        rows = wh.con.execute("SELECT first_day::VARCHAR, last_day::VARCHAR, basis FROM source_coverage "
                              "ORDER BY first_day").fetchall()
    assert rows == [("2016-01-01", "2019-12-31", "new"), ("2021-01-01", "2021-12-31", "new")]


def test_an_older_warehouse_is_upgraded_with_end_states_and_coverage(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_version (version INTEGER NOT NULL, description VARCHAR, "
                "applied_at TIMESTAMP NOT NULL)")
    for number, description, statements in MIGRATIONS:
        if number < 3:
            for statement in statements:
                con.execute(statement)
            con.execute("INSERT INTO schema_version VALUES (?, ?, now()::TIMESTAMP)",
                        [number, description])
    con.execute("""INSERT INTO event VALUES
        ('a', 'accessnow', 'ETH', '2020-11-04', NULL, 'shutdown', NULL,
         '{"status": "Ongoing", "sheet": "2022 Data"}', 1, now()::TIMESTAMP),
        ('b', 'accessnow', 'KEN', '2020-12-18', NULL, 'shutdown', NULL,
         '{"status": "Unknown", "sheet": "2016+2017+2018 "}', 1, now()::TIMESTAMP),
        ('c', 'ioda', 'KEN', '2023-01-01', '2023-01-02', 'outage', 1.0, NULL, 1, now()::TIMESTAMP)""")
    con.execute("""INSERT INTO observation VALUES
        ('fotn.total', 'KEN', '2018', '2018-01-01', 60, 1, now()::TIMESTAMP),
        ('fotn.total', 'KEN', '2019', '2019-01-01', 61, 1, now()::TIMESTAMP),
        ('fotn.total', 'KEN', '2021', '2021-01-01', 62, 1, now()::TIMESTAMP)""")
    con.close()
    with Warehouse(path) as wh:
        states = dict(wh.con.execute("SELECT id, end_state FROM event").fetchall())
        windows = wh.con.execute("SELECT source, country, first_day::VARCHAR, last_day::VARCHAR "
                                 "FROM source_coverage ORDER BY source, first_day").fetchall()
    assert states == {"a": "ongoing", "b": "unknown", "c": "known"}
    assert windows == [("accessnow", None, "2016-01-01", "2022-12-31"),
                       ("fotn", "KEN", "2018-01-01", "2019-12-31"),
                       ("fotn", "KEN", "2021-01-01", "2021-12-31")]


def test_reader_events_carry_end_state_days_and_coverage(tmp_path):
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        run = wh.start_run("test", {})
        wh.upsert_events(pd.DataFrame([
            ev("tigray", "2020-11-04", state="ongoing", country="ETH", as_of="2022-12-31"),
            ev("kenya", "2020-12-18", state="unknown"),
        ]).assign(kind="shutdown", details=[{"as_of": "2022-12-31"}, None]), run)
        wh.merge_coverage(pd.DataFrame([("accessnow", None, dt.date(2016, 1, 1), dt.date(2022, 12, 31),
                                         "sheets")], columns=COV))
        publish(wh.con, tmp_path / "serving")
    with Reader.open(tmp_path / "serving") as reader:
        frame = reader.events(start="2021-06-01").set_index("id")
        assert list(frame.index) == ["tigray"]  # Kenya's unknown end is its start day only
        assert frame.loc["tigray", "end_state"] == "ongoing"
        assert str(frame.loc["tigray", "last_day"].date()) == "2022-12-31"
        assert set(reader.events(countries=["KEN"])["span_rule"]) == {"unknown: start day only"}
        cov = reader.coverage(["accessnow"])
    assert cov[["first_day", "last_day"]].astype(str).values.tolist() == [["2016-01-01", "2022-12-31"]]
    published = query(tmp_path / "warehouse.duckdb", "SELECT count(*) FROM source_coverage")
    assert published == [(1,)]


def test_timeline_bars_follow_the_counted_days_not_the_clock():
    from dashboard.components import timeline

    spans = event_spans(pd.DataFrame([
        ev("unknown", "2020-12-18", state="unknown"),
        ev("ongoing", "2020-11-04", state="ongoing", as_of="2022-12-31"),
    ]), {"accessnow": "2022-12-31"}).assign(row="Access Now: shutdown", area=None)
    coverage = pd.DataFrame([{"row": "Access Now: shutdown", "first_day": "2016-01-01",
                              "last_day": "2022-12-31"}])
    fig = timeline.event_bars(spans, coverage, title="t", sources="s", snapshot_id=None)
    traces = fig["data"] if isinstance(fig, dict) else fig.data
    bars = [t for t in traces if t.get("type") == "bar" and t.get("meta") != "coverage"]
    (ongoing,) = bars  # the unknown end is no bar at all
    span = (pd.Timestamp("2023-01-01") - pd.Timestamp("2020-11-04")).total_seconds() * 1000
    assert ongoing["x"] == [span]  # to the last update, not to the clock
    assert ongoing["base"] == [pd.Timestamp("2020-11-04").isoformat()]
    (marker,) = [t for t in traces if t.get("legendgroup") == "unknown"]
    assert marker["x"] == [pd.Timestamp("2020-12-18").isoformat()]  # its start day only
    assert "2026" not in str(fig)
