"""Change points in one series: a one-sided CUSUM against a robust, trailing baseline.

A pure function of the series (no state kept between runs): :func:`detect` replays the whole
series every time, so a re-run over the same data finds the same change points, and what an alert
says can always be recomputed from the observations it names.

For each usable period ``t`` (a share needs at least ``min_count`` measurements behind it; a
period with fewer is skipped: it neither raises nor clears anything):

- the baseline is the median ``m`` of the usable periods in the ``baseline_window`` periods
  before ``t`` (at least ``min_baseline`` of them), with a robust spread ``1.4826 × MAD``;
- the standard deviation used is the largest of that spread, the binomial spread of a share
  ``m`` measured ``n_t`` times (so a period with few measurements counts for less), and
  ``min_sigma``;
- ``z_t = ±(x_t − m) / σ_t`` (sign by ``direction``) feeds ``S_t = max(0, S_{t−1} + z_t − k)``;
  the baseline is frozen while ``S > 0``, so a developing shift does not drag it along;
- an alarm needs ``S_t > h``, at least ``min_after`` usable periods in the run, and a level
  after the onset (pooled over the run, and the run's median period too) at least
  ``min_change`` (in the series' unit) and
  ``min_effect`` standard deviations away from the baseline (real series are noisier than
  binomial sampling: a shift smaller than a day's usual spread is not a change); a run
  that crosses ``h`` with a smaller effect is a slow drift: ``S`` restarts and the baseline
  follows it.

The onset is where, within the run, the level moved (the split that best separates the baseline
from the level after; the run itself may have started a few noisy periods earlier). An
episode then lasts until ``clear_after`` consecutive usable periods fall back past the midpoint
between the two levels (hysteresis: entering needs the CUSUM, leaving needs the level), and a
relapse within ``quiet_period`` periods after that reopens the same episode instead of raising a
new one, so a flapping series gives one change point, not twenty.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MAD_SCALE = 1.4826  # MAD × this estimates the standard deviation of normal data


@dataclass(frozen=True)
class CusumParams:
    """Detector settings; periods are days for daily series and months for monthly ones."""

    direction: str = "up"  # "up": a rise is a change; "down": a fall is
    k: float = 1.0  # allowance, in standard deviations
    h: float = 10.0  # decision threshold on the cumulative sum
    baseline_window: int = 56
    min_baseline: int = 21
    min_count: int = 20  # measurements a share needs (ignored for plain values)
    min_change: float = 0.1  # |level after − baseline| needed, in the series' unit
    min_sigma: float = 0.02  # floor of the standard deviation, in the series' unit
    min_effect: float = 2.0  # |level after − baseline| needed, in standard deviations
    min_after: int = 3  # usable periods in the run before an alarm
    clear_after: int = 7
    quiet_period: int = 14


@dataclass
class ChangePoint:
    """One episode: positions are indexes into the series given to :func:`detect`."""

    onset: int
    alarm: int
    level_before: float
    level_after: float
    sigma: float
    statistic: float  # S at the alarm
    n_before: float  # measurements (shares) or periods (values) behind the baseline
    periods_before: int
    n_after: float = 0.0  # behind the level after (onset up to the episode's end)
    periods_after: int = 0
    cleared: int | None = None  # first period of the run back past the midpoint that ended it
    relapses: int = 0  # times it came back within the quiet period (merged into this episode)
    baseline: tuple[int, int] = (0, 0)  # first and last index of the baseline window
    _after_num: float = field(default=0.0, repr=False)
    _after_den: float = field(default=0.0, repr=False)

    @property
    def midpoint(self) -> float:
        return self.level_before + (self.level_after - self.level_before) / 2


def _binomial_sd(share: float, n: float) -> float:
    if n <= 0:
        return 0.0
    p = min(max(share, 1.0 / n), 1.0 - 1.0 / n) if n > 1 else 0.5
    return math.sqrt(p * (1.0 - p) / n)


def _onset(values: np.ndarray, before: float, after: float) -> int:
    """Where in a run the level moved: the split maximising the sum, from the split to the end,
    of the deviations from the midpoint between the two levels (the maximum-likelihood change
    point for a shift of that size). The run's first period is a poor estimate when noise kept
    the CUSUM just above zero for a few periods before the change."""
    middle = before + (after - before) / 2
    tail = np.cumsum((values - middle)[::-1])[::-1] * (1 if after >= before else -1)
    return int(np.argmax(tail))


def detect(
    t: Sequence[int],
    x: Sequence[float],
    n: Sequence[float] | None = None,
    params: CusumParams = CusumParams(),
) -> list[ChangePoint]:
    """Change points of a series.

    Args:
        t: period ordinals, strictly increasing (e.g. day numbers, or year × 12 + month).
        x: the values; for a share, the numerator (e.g. measurements with an anomaly).
        n: for a share, its denominator (measurements); ``None`` for plain values.
        params: detector settings.

    Returns:
        The episodes found, in order.
    """
    t_arr = np.asarray(t, dtype=np.int64)
    num = np.asarray(x, dtype=float)
    if n is None:
        den = None
        level = num
        valid = ~np.isnan(num)
    else:
        den = np.asarray(n, dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            level = np.where(den > 0, num / den, np.nan)
        valid = ~np.isnan(level) & (den >= max(1, params.min_count))
    if len(t_arr) > 1 and np.any(np.diff(t_arr) <= 0):
        raise ValueError("period ordinals must be strictly increasing")
    sign = 1.0 if params.direction == "up" else -1.0
    usable = np.flatnonzero(valid)

    found: list[ChangePoint] = []
    s = 0.0
    frozen: tuple[float, float, float, int, int, int] | None = None
    run: list[int] = []
    state = "normal"  # normal | episode | quiet
    below = 0
    quiet_until = -(1 << 62)
    lo = 0  # first usable position inside the baseline window

    pending: list[int] = []  # periods of an episode not yet known to be inside or after it

    def add(cp: ChangePoint, indexes: list[int]) -> None:
        for j in indexes:
            cp._after_num += num[j] if den is not None else level[j]
            cp._after_den += den[j] if den is not None else 1.0
            cp.periods_after += 1

    def pooled(indexes: list[int]) -> tuple[float, float, float]:
        if den is None:
            vals = level[indexes]
            return float(vals.mean()), float(vals.sum()), float(len(vals))
        a, b = float(num[indexes].sum()), float(den[indexes].sum())
        return (a / b if b else float("nan")), a, b

    for pos, i in enumerate(usable):
        value = level[i]
        if state == "episode":
            cp = found[-1]
            pending.append(int(i))
            if sign * (value - cp.midpoint) < 0:
                below += 1
                if below >= params.clear_after:  # back for long enough: the episode ends
                    cp.cleared = pending[-params.clear_after]
                    add(cp, pending[:-params.clear_after])
                    pending = []
                    state, quiet_until = "quiet", int(t_arr[i]) + params.quiet_period
            else:
                below = 0
                add(cp, pending)
                pending = []
            continue
        if state == "quiet":
            cp = found[-1]
            if int(t_arr[i]) <= quiet_until:
                if sign * (value - cp.midpoint) >= 0:  # a relapse: the same episode goes on
                    cp.relapses += 1
                    cp.cleared = None
                    add(cp, [int(i)])
                    state, below, pending = "episode", 0, []
                continue
            state, s, frozen, run = "normal", 0.0, None, []
        # trailing baseline over the usable periods of the window before t
        while lo < pos and t_arr[usable[lo]] < t_arr[i] - params.baseline_window:
            lo += 1
        if frozen is None:
            window = usable[lo:pos]
            if len(window) < max(1, params.min_baseline):
                continue
            vals = level[window]
            med = float(np.median(vals))
            spread = MAD_SCALE * float(np.median(np.abs(vals - med)))
            weight = float(den[window].sum()) if den is not None else float(len(window))
            base = (med, spread, weight, len(window), int(window[0]), int(window[-1]))
        else:
            base = frozen
        med, spread = base[0], base[1]
        sigma = max(spread, params.min_sigma,
                    _binomial_sd(med, float(den[i])) if den is not None else 0.0)
        # the baseline median is itself uncertain (standard error ≈ 1.25 σ / √periods)
        sigma = math.hypot(sigma, 1.25 * max(spread, params.min_sigma) / math.sqrt(base[3]))
        z = sign * (value - med) / sigma
        s_new = max(0.0, s + z - params.k)
        if s_new > 0 and s == 0:
            frozen, run = base, []
        if s_new == 0:
            frozen, run = None, []
        else:
            run.append(int(i))
        s = s_new
        if s > params.h and len(run) >= params.min_after:
            after, _, _ = pooled(run)
            moved = run[_onset(level[run], med, after):]  # where the run's level really moved
            after, a_num, a_den = pooled(moved)
            # the size test uses the run's median period, so one or two extreme periods
            # (which is what noise that crossed h usually is) cannot carry it alone
            typical = float(np.median(level[moved]))
            size = min(sign * (after - med), sign * (typical - med))
            if size >= max(params.min_change, params.min_effect * sigma):
                cp = ChangePoint(
                    onset=moved[0], alarm=int(i), level_before=med, level_after=after, sigma=sigma,
                    statistic=s, n_before=base[2], periods_before=base[3],
                    periods_after=len(moved), baseline=(base[4], base[5]),
                    _after_num=a_num, _after_den=a_den,
                )
                found.append(cp)
                state, below = "episode", 0
            s, frozen, run = 0.0, None, []
    if state == "episode" and pending:  # still open at the end of the data
        add(found[-1], pending)
    for cp in found:  # the level after covers the whole episode seen so far
        if cp._after_den:
            cp.level_after = cp._after_num / cp._after_den
            cp.n_after = cp._after_den
    return found
