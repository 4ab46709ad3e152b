"""The outages and shutdowns panel on the real #KeepItOn workbook (shared corpus; skipped with a
message when absent): the Kenya, Iran and India timelines tell what the source says.

What the file says (checked in the workbook): Kenya has two shutdowns, one day in March 2020
and one from 18 December 2020 whose end Access Now gives as unknown; Iran has 28, one of them
ongoing at the end of the 2022 sheet; India has hundreds; Estonia none; the sheets cover
2016–2022.
"""

from __future__ import annotations

import pandas as pd
import plotly.graph_objects as go
import pytest

from collectors.runner import run_collectors
from roamwatch.config import load_config
from tests.conftest import FAST_HTTP
from tests.helpers import corpus_dir

STOP = "accessnow_stop/#KeepItOn STOP Data 2016-2022 [Public].xlsx"


@pytest.fixture(scope="module")
def svc(tmp_path_factory):
    from dashboard import data

    corpus = corpus_dir()
    data_dir = tmp_path_factory.mktemp("stop") / "data"
    config = load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir), **FAST_HTTP})
    (result,), _ = run_collectors(["accessnow"], config, progress=False, log=lambda _m: None,
                                  options={"file": [str(corpus / STOP)]})
    assert result.status == "success", result
    return data.DataService(config.serving_dir)


def _figure(svc, iso3):
    from dashboard import frames
    from dashboard.components import timeline
    from dashboard.country_panels import _coverage_rows

    view = frames.events_view(svc, iso3)
    if view.many:
        counts = frames.monthly_counts(view)
        return view, go.Figure(timeline.monthly_counts(counts, view.coverage, title="T", sources="S",
                                                       snapshot_id=None)), counts
    return view, go.Figure(timeline.event_bars(view.events, _coverage_rows(view), title="T", sources="S",
                                               snapshot_id=None)), None


def _bar_ends(fig) -> list[pd.Timestamp]:
    return [pd.Timestamp(b) + pd.Timedelta(milliseconds=x) for t in fig.data
            if t.type == "bar" and t.meta != "coverage" for b, x in zip(t.base, t.x, strict=True)]


def test_kenya_one_day_and_one_start_with_no_end(svc):
    view, fig, _ = _figure(svc, "KEN")
    ev = view.events.sort_values("start_time")
    assert list(ev["end_state"]) == ["known", "unknown"]
    assert list(ev["first_day"].dt.date.astype(str)) == ["2020-03-02", "2020-12-18"]
    assert list(ev["days"]) == [1, 1]  # an unknown end counts its start day only
    unknown = next(t for t in fig.data if t.name == "end not reported")
    assert list(unknown.x) == ["2020-12-18T00:00:00"] and unknown.type == "scatter"  # a marker, no bar
    assert max(_bar_ends(fig)) <= pd.Timestamp("2023-01-01")  # nothing runs past the data, or to today
    assert view.sources.set_index("source").loc["accessnow", "state"] == "events"
    from dashboard.country_panels import coverage_lines

    assert coverage_lines(view, "en") == [
        "Access Now, #KeepItOn STOP (Shutdown Tracker Optimization Project): 2 recorded "
        "(covers 2016–2022, last update Dec 31, 2022)."]


def test_iran_ongoing_runs_to_the_last_update_not_to_today(svc):
    view, fig, _ = _figure(svc, "IRN")
    ongoing = view.events[view.events["end_state"] == "ongoing"]
    assert len(ongoing) >= 1
    assert (ongoing["last_day"] <= pd.Timestamp("2022-12-31")).all()
    assert max(_bar_ends(fig)) == pd.Timestamp("2023-01-01")  # the end of 31 Dec 2022
    labels = [text for t in fig.data if t.legendgroup == "ongoing" and t.text for text in t.text]
    assert labels and all("2022" in label for label in labels)


def test_india_many_events_become_monthly_counts_with_areas_and_causes(svc):
    from dashboard import frames

    view, fig, counts = _figure(svc, "IND")
    assert view.many and len(view.events) > 500
    assert counts["events"].sum() == len(view.events)  # every event counted once
    months = pd.to_datetime(counts["month"])
    assert months.min() >= pd.Timestamp("2016-01-01") and months.max() <= pd.Timestamp("2022-12-01")
    assert all(t.type == "bar" for t in fig.data)
    areas = frames.areas_and_causes(view)
    assert areas["events"].sum() == len(view.events)
    chart = frames.events_chart_csv(svc, "IND")  # the chart's CSV holds the counts it draws
    assert list(chart.columns[:4]) == ["country", "month", "type", "events_starting"]
    assert chart["events_starting"].sum() == len(view.events) and chart["licence"].all()
    assert len(frames.events_csv(svc, "IND")) == len(view.events)
    assert areas["area"].str.contains("Kashmir").any() and areas["causes"].str.len().gt(0).any()
    # the sheets spell one cause several ways ("Protest", "Protests"): counted as one cause
    labels = [c for causes in areas["causes"] for c, _n in causes]
    assert "Protests" in labels and "Protest" not in labels
    assert sum(n for causes in areas["causes"] for _c, n in causes) == view.events["cause"].ne("").sum()
    for causes in areas["causes"]:
        assert len({c for c, _n in causes}) == len(causes)


def test_estonia_none_recorded_where_the_source_covers(svc):
    from dashboard import frames
    from dashboard.country_panels import coverage_lines

    view = frames.events_view(svc, "EST")
    assert view.events.empty
    assert coverage_lines(view, "en") == [
        "None recorded in Access Now, #KeepItOn STOP (Shutdown Tracker Optimization Project) "
        "(covers 2016–2022)."]
    facts = frames.headline(svc, "EST", svc.country_observations("EST"), frames.ooni_months(svc, "EST"),
                            view).set_index("fact")
    assert facts.loc["shutdowns", "state"] == "value" and facts.loc["shutdowns", "value"] == 0
    assert facts.loc["shutdowns", "period"] == "2022-01-01..2022-12-31"
