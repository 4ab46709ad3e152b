"""The change-point detector on constructed series, as properties (hypothesis).

Examples are derandomized so a run is reproducible; each property draws the series' parameters
and a seed for its binomial noise.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alerts.cusum import CusumParams, detect

PROPS = settings(derandomize=True, max_examples=60, deadline=None)
PARAMS = CusumParams()  # the defaults the rules start from
ONSET_SLACK = 3  # days the estimated onset may be off
ALARM_WITHIN = 5  # days after the true onset by which the alarm must have come


def _binomial(seed: int, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    return np.random.default_rng(seed).binomial(n, p)


@PROPS
@given(
    p0=st.floats(0.0, 0.3), jump=st.floats(0.3, 0.7), before=st.integers(30, 90),
    after=st.integers(10, 30), low=st.integers(20, 80), seed=st.integers(0, 2**32 - 1),
)
def test_a_clean_step_is_found_within_days_of_its_onset(p0, jump, before, after, low, seed):
    total = before + after
    n = np.random.default_rng(seed + 1).integers(low, low + 120, total)
    p = np.where(np.arange(total) < before, p0, min(1.0, p0 + jump))
    found = detect(np.arange(total), _binomial(seed, n, p), n, PARAMS)
    assert len(found) == 1, found
    cp = found[0]
    assert abs(cp.onset - before) <= ONSET_SLACK
    assert before <= cp.alarm <= before + ALARM_WITHIN
    assert cp.level_before == pytest.approx(p0, abs=0.1)
    assert cp.level_after == pytest.approx(min(1.0, p0 + jump), abs=0.1)
    assert cp.periods_before >= PARAMS.min_baseline and cp.n_before >= cp.periods_before * PARAMS.min_count
    assert cp.cleared is None  # the step never goes back


@PROPS
@given(p0=st.floats(0.0, 0.6), days=st.integers(60, 240), low=st.integers(20, 150),
       seed=st.integers(0, 2**32 - 1))
def test_noise_with_the_same_mean_raises_nothing(p0, days, low, seed):
    n = np.random.default_rng(seed + 1).integers(low, low + 100, days)
    found = detect(np.arange(days), _binomial(seed, n, np.full(days, p0)), n, PARAMS)
    assert found == []


@PROPS
@given(p0=st.floats(0.0, 0.2), days=st.integers(60, 200), share_low=st.floats(0.05, 0.5),
       seed=st.integers(0, 2**32 - 1))
def test_low_count_days_never_trigger(p0, days, share_low, seed):
    """Days below the minimum count where every measurement shows blocking change nothing,
    wherever they fall, even a whole run of them."""
    rng = np.random.default_rng(seed)
    low = rng.random(days) < share_low
    low[days // 2: days // 2 + 10] = True  # a run of blocked low-count days
    n = np.where(low, rng.integers(1, PARAMS.min_count, days), rng.integers(20, 120, days))
    x = np.where(low, n, rng.binomial(n, p0))  # low-count days: 100 % blocked
    assert detect(np.arange(days), x, n, PARAMS) == []
    # and without them the usable days alone give the same answer
    keep = ~low
    assert detect(np.arange(days)[keep], x[keep], n[keep], PARAMS) == []


@PROPS
@given(on=st.integers(2, 6), off_share=st.floats(0.2, 1.0), cycles=st.integers(3, 20),
       seed=st.integers(0, 2**32 - 1))
def test_a_flapping_series_raises_one_change_point(on, off_share, cycles, seed):
    """Blocked for ``on`` days, open for up to as many days, again and again: one episode.
    (Blocking on fewer days than not is a smaller change in level: the size tests decide.)"""
    off = max(1, round(on * off_share))
    base = 40
    pattern = ([0.6] * on + [0.02] * off) * cycles
    p = np.array([0.02] * base + pattern + [0.02] * 5)
    n = np.full(len(p), 60)
    found = detect(np.arange(len(p)), _binomial(seed, n, p), n, PARAMS)
    assert len(found) == 1
    assert abs(found[0].onset - base) <= ONSET_SLACK


def test_episode_clears_and_a_later_separate_onset_is_raised_again():
    p = np.array([0.02] * 40 + [0.7] * 10 + [0.02] * 60 + [0.7] * 10)
    n = np.full(len(p), 50)
    found = detect(np.arange(len(p)), _binomial(7, n, p), n, PARAMS)
    assert [cp.onset for cp in found] == [40, 110]
    assert found[0].cleared == 50 and found[0].periods_after == 10
    assert found[0].n_after == 500  # the measurements behind the level after


def test_a_relapse_within_the_quiet_period_reopens_the_same_episode():
    quiet = PARAMS.quiet_period
    gap = PARAMS.clear_after + quiet - 3  # back before the quiet period is over
    p = np.array([0.02] * 40 + [0.7] * 5 + [0.02] * gap + [0.7] * 5 + [0.02] * 30)
    n = np.full(len(p), 50)
    found = detect(np.arange(len(p)), _binomial(3, n, p), n, PARAMS)
    assert len(found) == 1 and found[0].relapses >= 1


def test_levels_and_counts_behind_a_change():
    n = np.full(100, 40)
    x = np.where(np.arange(100) < 70, 2, 30)  # 5 % then 75 %
    (cp,) = detect(np.arange(100), x, n, PARAMS)
    assert cp.onset == 70 and cp.alarm == 70 + PARAMS.min_after - 1
    assert cp.level_before == pytest.approx(0.05) and cp.level_after == pytest.approx(0.75)
    assert cp.periods_before == PARAMS.baseline_window and cp.n_before == 40 * PARAMS.baseline_window
    assert cp.baseline == (70 - PARAMS.baseline_window, 69)
    assert cp.periods_after == 30 and cp.n_after == 40 * 30


def test_plain_values_falling_month_by_month():
    """A monthly value series (e.g. APNIC IPv6 capability) with a drop, direction down."""
    months = np.arange(2015 * 12, 2015 * 12 + 40)
    rng = np.random.default_rng(5)
    values = np.where(np.arange(40) < 28, 40.0, 25.0) + rng.normal(0, 0.8, 40)
    params = CusumParams(direction="down", baseline_window=12, min_baseline=6, min_change=5,
                         min_sigma=0.5)
    (cp,) = detect(months, values, None, params)
    assert abs(cp.onset - 28) <= 1
    assert cp.level_before == pytest.approx(40, abs=1.5) and cp.level_after == pytest.approx(25, abs=1.5)
    assert detect(months, values, None, CusumParams(direction="up", baseline_window=12,
                                                    min_baseline=6, min_change=5)) == []


def test_small_shifts_below_the_minimum_change_are_not_alarms():
    n = np.full(120, 400)
    x = np.where(np.arange(120) < 60, 20, 40)  # 5 % → 10 %: clear statistically, small in size
    assert detect(np.arange(120), x, n, PARAMS) == []
    assert len(detect(np.arange(120), x, n, CusumParams(min_change=0.04))) == 1


def test_gaps_in_the_days_are_allowed_but_order_is_required():
    t = np.array([1, 2, 5, 9, 10])
    assert detect(t, np.zeros(5), np.full(5, 30), PARAMS) == []
    with pytest.raises(ValueError):
        detect(np.array([1, 3, 2]), np.zeros(3), np.full(3, 30), PARAMS)


@PROPS
@given(p0=st.floats(0.02, 0.5), days=st.integers(90, 240), seed=st.integers(0, 2**32 - 1))
def test_overdispersed_noise_raises_nothing_at_the_rules_settings(p0, days, seed):
    """Real daily shares vary more than binomial sampling (volunteers, networks and test lists
    change): the day's true share drawn from a beta distribution around ``p0``. The OONI rules
    ask for a change of at least 20 points; the baseline's spread absorbs the rest."""
    rng = np.random.default_rng(seed)
    n = rng.integers(20, 150, days)
    p = rng.beta(p0 * 50, (1 - p0) * 50, days)
    params = CusumParams(min_change=0.2)
    assert detect(np.arange(days), rng.binomial(n, p), n, params) == []
