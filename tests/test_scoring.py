"""Scoring: a worked example computed by hand, derived series, and properties (hypothesis)."""

from __future__ import annotations

import math
import tomllib

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from indicators.catalogue import load_catalogue, parse_catalogue
from indicators.derive import derive_inputs, gender_inputs, ooni_inputs
from indicators.robustness import rank_ranges
from indicators.scoring import (
    BELOW_MINIMUM,
    INSUFFICIENT,
    compute_scores,
    group_medians,
    normalise_values,
    reweight,
)

# A small catalogue: R has themes R.A (1 indicator) and R.B (2, weights 1 and 0.5);
# A has theme A.B (2 indicators, one with a fallback series, one on a log scale) and an OONI
# indicator with a minimum-data rule; plus one contextual indicator.
SMALL = """
[framework]
name = "test"
version = "2019"
publication = "test publication"
revision = "under consultation in 2024"
note = "test note"

[scoring]
window_years = 5
threshold = 0.5

[[theme]]
id = "R.A"
title_en = "Policy"
unesco_match = "approximate"
[[theme]]
id = "R.B"
title_en = "Expression"
unesco_match = "approximate"
[[theme]]
id = "A.B"
title_en = "Connectivity"
unesco_match = "approximate"
[[theme]]
id = "CTX.1"
title_en = "Economic"
unesco_match = "confirmed"
"""


def _indicator(id_, category, metrics, direction, lo, hi, weight=1.0, extra=""):
    theme = ".".join(id_.split(".")[:2])
    return f"""
[[indicator]]
id = "{id_}"
category = "{category}"
theme = "{theme}"
unesco_ref = "{theme if category == 'contextual' else theme + '.?'}"
unesco_match = "approximate"
{'' if category == 'contextual' else 'stands_for = "the framework question this indicator stands for"'}
{'' if category == 'contextual' else 'stands_for_status = "unconfirmed"'}
name_en = "{id_}"
description = "test indicator"
metrics = {metrics!r}
inputs = {[m for m in metrics if not m.startswith('derived.')] or ['ooni.web_connectivity.confirmed_count']!r}
derivation = "as is"
unit = "unit"
direction = "{direction}"
goalpost_lower = {lo}
goalpost_upper = {hi}
goalpost_reason = "test"
weight = {weight}
minimum_data = "one value"
source = "test"
citation = "test"
{extra}
""".replace("'", '"')


SMALL += _indicator("R.A.rights", "R", ["fotn.c_rights"], "higher_better", 0, 40)
SMALL += _indicator("R.B.days", "R", ["derived.accessnow.shutdown_days"], "lower_better", 0, 30)
SMALL += _indicator("R.B.vdem", "R", ["vdem.v2smgovshut"], "higher_better", -3, 3, 0.5)
SMALL += _indicator("A.B.users", "A", ["itu.internet_use", "worldbank.IT.NET.USER.ZS"],
                    "higher_better", 0, 100)
SMALL += _indicator("A.B.servers", "A", ["worldbank.IT.NET.SECR.P6"], "higher_better", 0, 4,
                    extra='transform = "log10"')
SMALL += _indicator("A.B.ooni", "A", ["derived.ooni.web_connectivity.confirmed_rate"], "lower_better",
                    0, 0.1, extra="min_measurements = 100")
SMALL += _indicator("CTX.1.gni", "contextual", ["worldbank.NY.GNP.PCAP.CD"], "higher_better", 0, 1)

CAT = parse_catalogue(tomllib.loads(SMALL), "small.toml")
SERIES_DIRECTION = {
    "fotn.c_rights": 1, "derived.accessnow.shutdown_days": -1, "vdem.v2smgovshut": 1,
    "itu.internet_use": 1, "worldbank.IT.NET.USER.ZS": 1, "worldbank.IT.NET.SECR.P6": 1,
    "derived.ooni.web_connectivity.confirmed_rate": -1, "worldbank.NY.GNP.PCAP.CD": 1,
}


def frame(rows) -> pd.DataFrame:
    return pd.DataFrame(
        [(*r, *([np.nan] * (7 - len(r)))) for r in rows],
        columns=["series", "country", "year", "period", "value", "n", "days"],
    )


def _get(df, **where):
    mask = np.ones(len(df), dtype=bool)
    for k, v in where.items():
        mask &= (df[k] == v).to_numpy()
    (row,) = df[mask].to_dict("records")
    return row


# -- worked example ---------------------------------------------------------------------------------
EXAMPLE = frame([
    ("fotn.c_rights", "KEN", 2020, "2020", 30.0),            # 30/40 → 75, carried forward to 2023
    ("derived.accessnow.shutdown_days", "KEN", 2023, "2023", 6.0),  # lower better 0..30 → 80
    ("vdem.v2smgovshut", "KEN", 2023, "2023", 0.0),          # -3..3 → 50
    ("itu.internet_use", "KEN", 2023, "2023", 60.0),         # preferred on equal years → 60
    ("worldbank.IT.NET.USER.ZS", "KEN", 2023, "2023", 64.0),
    ("worldbank.IT.NET.SECR.P6", "KEN", 2022, "2022", 1000.0),  # log10 = 3 → 75
    ("derived.ooni.web_connectivity.confirmed_rate", "KEN", 2023, "2023", 0.02, 50.0),  # n < 100
    ("worldbank.NY.GNP.PCAP.CD", "KEN", 2023, "2023", 2100.0),
    ("derived.accessnow.shutdown_days", "UGA", 2023, "2023", 45.0),  # clipped → 0
])


@pytest.fixture(scope="module")
def example():
    return compute_scores(EXAMPLE, CAT, years=[2023])


def test_worked_example_indicators(example):
    ind = example.indicators
    r = _get(ind, country="KEN", indicator="R.A.rights")
    assert r["value"] == pytest.approx(75.0)
    assert r["carried_forward"] and r["period"] == "2020" and r["obs_year"] == 2020
    assert _get(ind, country="KEN", indicator="R.B.days")["value"] == pytest.approx(80.0)
    assert _get(ind, country="KEN", indicator="R.B.vdem")["value"] == pytest.approx(50.0)
    users = _get(ind, country="KEN", indicator="A.B.users")
    assert users["metric"] == "itu.internet_use" and users["value"] == pytest.approx(60.0)
    servers = _get(ind, country="KEN", indicator="A.B.servers")
    assert servers["value"] == pytest.approx(75.0) and servers["carried_forward"]
    ooni = _get(ind, country="KEN", indicator="A.B.ooni")
    assert ooni["status"] == BELOW_MINIMUM and math.isnan(ooni["value"])
    gni = _get(ind, country="KEN", indicator="CTX.1.gni")
    assert gni["raw"] == 2100.0 and math.isnan(gni["value"])
    assert _get(ind, country="UGA", indicator="R.B.days")["value"] == pytest.approx(0.0)


def test_worked_example_themes_categories_overall(example):
    th, cat, ov = example.themes, example.categories, example.overall
    # R.B = (80 × 1 + 50 × 0.5) / 1.5 = 70; R = mean(75, 70) = 72.5
    assert _get(th, country="KEN", theme="R.B")["value"] == pytest.approx(70.0)
    assert _get(th, country="KEN", theme="R.A")["value"] == pytest.approx(75.0)
    r = _get(cat, country="KEN", category="R")
    assert r["value"] == pytest.approx(72.5) and r["coverage"] == pytest.approx(1.0)
    # A.B = (60 + 75) / 2 over weight 2 of 3 (the OONI indicator is below minimum data)
    ab = _get(th, country="KEN", theme="A.B")
    assert ab["value"] == pytest.approx(67.5) and ab["coverage"] == pytest.approx(2 / 3)
    a = _get(cat, country="KEN", category="A")
    assert a["value"] == pytest.approx(67.5) and a["coverage"] == pytest.approx(2 / 3)
    o = _get(ov, country="KEN")
    assert o["value"] == pytest.approx(70.0)
    assert o["coverage"] == pytest.approx((1 + 2 / 3) / 2)
    assert o["R"] == pytest.approx(72.5) and o["A"] == pytest.approx(67.5)


def test_worked_example_insufficient_data(example):
    # UGA: only R.B.days (weight 1 of 1.5) → R.B = 0 with coverage 2/3; R.A none →
    # R coverage = (0 + 2/3) / 2 = 1/3 < 0.5 → insufficient; A no data; overall missing.
    th = _get(example.themes, country="UGA", theme="R.B")
    assert th["value"] == pytest.approx(0.0) and th["coverage"] == pytest.approx(2 / 3)
    r = _get(example.categories, country="UGA", category="R")
    assert math.isnan(r["value"]) and r["coverage"] == pytest.approx(1 / 3)
    assert r["reason"] == INSUFFICIENT
    a = _get(example.categories, country="UGA", category="A")
    assert math.isnan(a["value"]) and a["coverage"] == 0
    o = _get(example.overall, country="UGA")
    assert math.isnan(o["value"]) and "R" in o["reason"] and "A" in o["reason"]


def test_threshold_and_weights_are_overridable(example):
    low = compute_scores(EXAMPLE, CAT, years=[2023], threshold=0.3)
    assert _get(low.categories, country="UGA", category="R")["value"] == pytest.approx(0.0)
    heavy = compute_scores(EXAMPLE, CAT, years=[2023], weights={"R.B.vdem": 3.0})
    # R.B = (80 + 150) / 4 = 57.5; R = (75 + 57.5) / 2 = 66.25
    assert _get(heavy.categories, country="KEN", category="R")["value"] == pytest.approx(66.25)
    again = reweight(example, CAT, weights={"R.B.vdem": 3.0})
    pd.testing.assert_frame_equal(again.categories, heavy.categories)
    with pytest.raises(ValueError, match="not a scored indicator"):
        compute_scores(EXAMPLE, CAT, weights={"nope": 1})
    with pytest.raises(ValueError, match="threshold"):
        compute_scores(EXAMPLE, CAT, threshold=2)


def test_window_limits_carrying_forward():
    later = compute_scores(EXAMPLE, CAT, years=[2023, 2025])
    rows = later.indicators[(later.indicators["indicator"] == "R.A.rights")]
    assert sorted(rows["year"]) == [2023]  # 2020 is outside 2021–2025
    narrow = compute_scores(EXAMPLE, CAT, years=[2023], window_years=2)
    assert "R.A.rights" not in set(narrow.indicators["indicator"])


def test_latest_year_wins_over_preference():
    rows = frame([("itu.internet_use", "KEN", 2021, "2021", 50.0),
                  ("worldbank.IT.NET.USER.ZS", "KEN", 2022, "2022", 55.0)])
    s = compute_scores(rows, CAT, years=[2023])
    users = _get(s.indicators, indicator="A.B.users")
    assert users["metric"] == "worldbank.IT.NET.USER.ZS" and users["period"] == "2022"


def test_medians_and_ranks(example):
    countries = pd.DataFrame({"iso3": ["KEN", "UGA"], "region": ["SSA", "SSA"],
                              "income_group": ["LMC", "LIC"]})
    med = group_medians(example, countries)
    world = med[(med["group_type"] == "world") & (med["level"] == "category") & (med["key"] == "R")]
    assert world["median"].tolist() == [pytest.approx(72.5)] and world["n"].tolist() == [1]
    ranks = rank_ranges(example)
    r = _get(ranks, country="KEN", category="R")
    assert r["rank"] == 1 and r["best_rank"] == 1 and r["worst_rank"] == 1


def test_rank_ranges_move_when_aggregation_matters():
    rows = []
    # Two countries: AAA strong on R.A only, BBB strong on R.B; dropping indicators reorders them.
    for country, rights, days, vdem in (("AAA", 40, 30, -3), ("BBB", 10, 0, 3), ("CCC", 20, 10, 0)):
        rows += [("fotn.c_rights", country, 2023, "2023", rights),
                 ("derived.accessnow.shutdown_days", country, 2023, "2023", days),
                 ("vdem.v2smgovshut", country, 2023, "2023", vdem)]
    s = compute_scores(frame(rows), CAT, years=[2023])
    ranks = rank_ranges(s)
    assert (ranks["best_rank"] <= ranks["rank"]).all() and (ranks["rank"] <= ranks["worst_rank"]).all()
    aaa = _get(ranks, country="AAA", category="R")
    assert aaa["best_rank"] < aaa["worst_rank"]
    assert aaa["n_countries"] == 3 and aaa["n_variants"] == 6  # baseline, equal, geometric, 3 drops


# -- derived series ---------------------------------------------------------------------------------
def test_ooni_rates_by_hand():
    sums = pd.DataFrame([{
        "test": "web_connectivity", "country": "KEN", "year": 2023, "first_day": "2023-01-01",
        "last_day": "2023-12-31", "anomaly": 30.0, "confirmed": 10.0, "failure": 100.0,
        "measurements": 500.0, "days_measured": 200, "days_confirmed": 50,
    }, {
        "test": "messaging", "country": "KEN", "year": 2023, "first_day": "2023-02-01",
        "last_day": "2023-02-01", "anomaly": np.nan, "confirmed": np.nan, "failure": 0.0,
        "measurements": 40.0, "days_measured": 1, "days_confirmed": 1,
    }])
    out = ooni_inputs(sums).set_index("series")
    assert out.loc["derived.ooni.web_connectivity.anomaly_rate", "value"] == pytest.approx(40 / 400)
    assert out.loc["derived.ooni.web_connectivity.confirmed_rate", "value"] == pytest.approx(10 / 400)
    assert out.loc["derived.ooni.web_connectivity.confirmed_rate", "n"] == 400
    assert out.loc["derived.ooni.web_connectivity.confirmed_days_share", "value"] == pytest.approx(0.25)
    assert out.loc["derived.ooni.web_connectivity.anomaly_rate", "period"] == "2023-01-01..2023-12-31"
    assert out.loc["derived.ooni.messaging.confirmed_days_share", "value"] == 1.0
    assert out.loc["derived.ooni.messaging.confirmed_days_share", "period"] == "2023-02-01"
    assert "derived.ooni.messaging.anomaly_rate" not in out.index


def test_gender_and_dgg_by_hand():
    yearly = pd.DataFrame([
        ("itu.internet_use_female", "KEN", 2023, "2023", 40.0, 1.0),
        ("itu.internet_use_male", "KEN", 2023, "2023", 50.0, 1.0),
        ("worldbank.IT.NET.USER.FE.ZS", "KEN", 2022, "2022", 60.0, 1.0),
        ("worldbank.IT.NET.USER.MA.ZS", "KEN", 2022, "2022", 50.0, 1.0),
        ("dgg.internet_gg", "KEN", 2023, "2023-01..2023-12", 0.8, 12.0),
    ], columns=["metric", "country", "year", "period", "value", "n"])
    g = gender_inputs(yearly).set_index("series")
    assert g.loc["derived.gender.itu.parity", "value"] == pytest.approx(0.8)
    assert g.loc["derived.gender.itu.gap_points", "value"] == pytest.approx(10.0)
    assert g.loc["derived.gender.worldbank.parity", "value"] == pytest.approx(50 / 60)
    allin = derive_inputs(yearly).set_index("series")
    assert allin.loc["derived.dgg.internet_gg.parity", "value"] == pytest.approx(0.8)
    assert allin.loc["dgg.internet_gg", "period"] == "2023-01..2023-12"


def test_normalise_values_direction_clip_and_log():
    assert normalise_values([0, 20, 40, 50, -1], 0, 40, "higher_better").tolist() == [0, 50, 100, 100, 0]
    assert normalise_values([2, 11, 20, 1, 30], 2, 20, "lower_better").tolist() == [100, 50, 0, 100, 0]
    assert normalise_values([100, 0, -5], 0, 4, "higher_better", "log10").tolist() == [50, 0, 0]


def test_real_catalogue_scores_every_category():
    cat = load_catalogue()
    rows = []
    for ind in cat.indicators:
        for country, share in (("KEN", 0.3), ("FRA", 0.8)):
            value = ind.goalpost_lower + share * (ind.goalpost_upper - ind.goalpost_lower)
            if ind.transform == "log10":
                value = 10 ** value
            rows.append((ind.metrics[0], country, 2023, "2023", value, 1000.0, 365.0))
    s = compute_scores(frame(rows), cat, years=[2023])
    assert set(s.categories["category"]) == set("ROAMX")
    assert s.categories["value"].notna().all() and (s.categories["coverage"] == 1).all()
    assert s.overall["value"].notna().all()


# -- properties -------------------------------------------------------------------------------------
COUNTRIES = ["AAA", "BBB", "CCC"]
YEARS = list(range(2018, 2023))
SERIES = list(SERIES_DIRECTION)

values = st.floats(min_value=-10, max_value=2000, allow_nan=False, allow_infinity=False)
row_key = st.tuples(st.sampled_from(SERIES), st.sampled_from(COUNTRIES), st.sampled_from(YEARS))
inputs_strategy = st.dictionaries(
    row_key, st.tuples(values, st.integers(min_value=0, max_value=300)), min_size=1, max_size=40
).map(lambda d: frame([(s, c, y, str(y), v, float(n)) for (s, c, y), (v, n) in d.items()]))
PROPS = settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _levels(s):
    return {
        "indicator": s.indicators.set_index(["country", "year", "indicator"]),
        "theme": s.themes.set_index(["country", "year", "theme"]),
        "category": s.categories.set_index(["country", "year", "category"]),
        "overall": s.overall.set_index(["country", "year"]),
    }


@PROPS
@given(inputs_strategy)
def test_scores_within_0_100_and_coverage_within_0_1(inputs):
    s = compute_scores(inputs, CAT, years=YEARS)
    for name, df in _levels(s).items():
        v = df["value"].dropna()
        assert ((v >= 0) & (v <= 100)).all(), name
        if "coverage" in df:
            assert ((df["coverage"] >= 0) & (df["coverage"] <= 1 + 1e-12)).all(), name


@PROPS
@given(inputs_strategy, st.data())
def test_improving_a_raw_value_never_lowers_a_score(inputs, data):
    index = data.draw(st.sampled_from(list(inputs.index)))
    step = data.draw(st.floats(min_value=0.001, max_value=500))
    better = inputs.copy()
    better.loc[index, "value"] += SERIES_DIRECTION[better.loc[index, "series"]] * step
    before, after = _levels(compute_scores(inputs, CAT, years=YEARS)), \
        _levels(compute_scores(better, CAT, years=YEARS))
    for name in ("indicator", "theme", "category", "overall"):
        b, a = before[name]["value"], after[name]["value"]
        assert b.index.equals(a.index), name
        assert (b.isna() == a.isna()).all(), name
        assert (a.fillna(0) >= b.fillna(0) - 1e-9).all(), name


@PROPS
@given(inputs_strategy, st.randoms(use_true_random=False))
def test_row_order_never_changes_results(inputs, rnd):
    order = list(inputs.index)
    rnd.shuffle(order)
    a = compute_scores(inputs, CAT, years=YEARS)
    b = compute_scores(inputs.loc[order], CAT, years=YEARS)
    for name in ("indicators", "themes", "categories", "overall"):
        pd.testing.assert_frame_equal(getattr(a, name).reset_index(drop=True),
                                      getattr(b, name).reset_index(drop=True), check_exact=True)


@PROPS
@given(inputs_strategy, st.data())
def test_removing_an_input_never_raises_coverage(inputs, data):
    index = data.draw(st.sampled_from(list(inputs.index)))
    before = _levels(compute_scores(inputs, CAT, years=YEARS))
    after = _levels(compute_scores(inputs.drop(index), CAT, years=YEARS))
    for name in ("theme", "category", "overall"):
        b = before[name]["coverage"]
        a = after[name]["coverage"].reindex(b.index).fillna(0.0)
        assert not set(after[name].index) - set(b.index), name
        assert (a <= b + 1e-12).all(), name


def test_reweighted_ranking_moves_only_with_weights():
    """Catalogue weights reproduce the stored category scores; a zero weight drops an input."""
    import json

    from indicators.catalogue import load_catalogue
    from indicators.reweighting import reweighted_ranking

    catalogue = load_catalogue()
    a_inds = [i for i in catalogue.scored if i.category == "A" and i.theme == "A.B"][:2]
    rows = []
    for country, values in {"AAA": (90.0, 10.0), "BBB": (50.0, 60.0)}.items():
        inputs = [{"indicator": ind.id, "metric": "m", "period": "2023", "raw": v,
                   "normalised": v, "carried_forward": False, "weight": ind.weight}
                  for ind, v in zip(a_inds, values, strict=True)]
        rows.append({"country": country, "year": 2023, "level": "theme", "key": "A.B",
                     "value": None, "coverage": None, "details": json.dumps({"inputs": inputs})})
    frame = pd.DataFrame(rows)
    plain = reweighted_ranking(frame, catalogue, "A", threshold=0.0)
    assert (plain["value"] == plain["new_value"]).all() and (plain["move"] == 0).all()
    only_second = reweighted_ranking(frame, catalogue, "A", weights={a_inds[0].id: 0.0},
                                     threshold=0.0)
    by_country = only_second.set_index("country")
    assert by_country.loc["BBB", "new_value"] == pytest.approx(60.0)
    assert by_country.loc["AAA", "new_value"] == pytest.approx(10.0)
    assert by_country.loc["BBB", "new_rank"] == 1 and by_country.loc["BBB", "move"] >= 0
