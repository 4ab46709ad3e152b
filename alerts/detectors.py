"""Detectors: a rule and a published snapshot in, findings out (nothing is written here).

Each detector reads what it needs through :mod:`roamwatch.warehouse.alerts` (all SQL lives in
the warehouse layer) and returns :class:`alerts.model.Finding` objects. They look back
``lookback_days`` from the newest day the source's data speaks for (never from today's clock:
a source that stopped updating a year ago still has its last year looked at).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, timedelta
from typing import Any

import pandas as pd

from alerts import events as ev
from alerts.cusum import ChangePoint, CusumParams, detect
from alerts.model import Finding
from alerts.rules import Rule
from roamwatch.warehouse import alerts as wq

#: Points of a series kept as an alert's evidence (baseline window, episode and a few after).
MAX_EVIDENCE_POINTS = 180


@dataclass
class Context:
    """What every detector of one check shares: the snapshot connection and reference data."""

    con: Any
    snapshot_id: str
    countries: pd.DataFrame
    memory: Callable[[str], dict[str, float | None]] = field(default=lambda rule: {})
    _last_days: dict[str, Any] = field(default_factory=dict)

    def last_day(self, source: str) -> date | None:
        if source not in self._last_days:
            value = wq.source_last_day(self.con, source)
            self._last_days[source] = None if value is None or pd.isna(value) else pd.Timestamp(value).date()
        return self._last_days[source]

    def in_scope(self, rule: Rule) -> set[str] | None:
        """ISO3 codes a rule covers (``None``: every country)."""
        if not rule.scoped:
            return None
        frame = self.countries
        keep = pd.Series(False, index=frame.index)
        if rule.countries:
            keep |= frame["iso3"].isin(rule.countries)
        for name, column in (("regions", "region"), ("income_groups", "income_group")):
            wanted = getattr(rule, name)
            if not wanted:
                continue
            present = set(frame[column].dropna())
            unknown = [w for w in wanted if present and w not in present]
            if unknown:
                raise rule.error(name, f"{unknown[0]!r} is not a {column.replace('_', ' ')} of the "
                                       f"data; known: {'; '.join(sorted(present))}")
            keep |= frame[column].isin(wanted)
        return set(frame.loc[keep, "iso3"])


@dataclass
class Detection:
    """A detector's output: findings, and what the rule should remember for the next check."""

    findings: list[Finding] = field(default_factory=list)
    memory: dict[str, float | None] | None = None
    notes: list[str] = field(default_factory=list)


def run(rule: Rule, ctx: Context) -> Detection:
    return {
        "new_event": new_events,
        "change_point": change_points,
        "threshold": thresholds,
        "score_drop": score_drops,
    }[rule.detector](rule, ctx)


def _since(last: date | None, days: int) -> str | None:
    return None if last is None else (last - timedelta(days=days)).isoformat()


def _name(ctx: Context, iso3: str | None) -> str:
    if not iso3:
        return "?"
    hit = ctx.countries.loc[ctx.countries["iso3"] == iso3, "name_en"]
    return str(hit.iloc[0]) if len(hit) else iso3


def _day(value: Any) -> str:
    return pd.Timestamp(value).date().isoformat()


# -- new events ------------------------------------------------------------------------------------
def new_events(rule: Rule, ctx: Context) -> Detection:
    out = Detection()
    last = ctx.last_day(rule.source)
    if last is None:
        out.notes.append(f"{rule.id}: no {rule.source} data in the snapshot")
        return out
    frame = wq.events(ctx.con, [rule.source], _since(last, rule.lookback_days))
    if rule.kinds:
        frame = frame[frame["kind"].isin(rule.kinds)]
    scope = ctx.in_scope(rule)
    if scope is not None:
        frame = frame[frame["country"].isin(scope)]
    if frame.empty:
        return out
    frame = frame.assign(end_state=ev.end_states(frame))
    # an event whose end is unknown counts as its start day only
    since = pd.Timestamp(_since(last, rule.lookback_days))
    frame = frame[(frame["end_state"] != "unknown") | (frame["start_time"] >= since)]
    if rule.min_hours is not None:
        groups = ev.merge_overlapping(frame, last)
    else:
        groups = [frame.iloc[[i]] for i in range(len(frame))]
    for group in groups:
        first = group.iloc[0]
        start = group["start_time"].min()
        state = ev.group_end_state(group)
        end = None if state != "known" else group["end_time"].max()
        hours = ev.hours(group, last)
        if rule.min_hours is not None and (hours is None or hours < rule.min_hours):
            continue
        country = str(first["country"])
        kinds = sorted(group["kind"].unique())
        ended = "ongoing" if state == "ongoing" else ("end unknown" if state == "unknown"
                                                      else f"ended {_day(end)}")
        length = f", {hours:.0f} h" if hours is not None and rule.min_hours is not None else ""
        noun = {"shutdown": "internet shutdown", "outage": "internet outage"}.get(kinds[0], kinds[0])
        out.findings.append(Finding(
            rule=rule.id, detector=rule.detector, country=country, series=f"event:{rule.source}",
            key=str(first["id"]), severity=rule.severity,
            title=f"New {noun} in {_name(ctx, country)} from {_day(start)} ({ended}{length})",
            onset=pd.Timestamp(start), ended=None if end is None else pd.Timestamp(end),
            end_state=state, n_after=len(group),
            level_after=hours,
            evidence={
                "source": rule.source, "kind": kinds,
                "events": [ev.event_evidence(r) for r in group.to_dict("records")],
                "hours": hours, "min_hours": rule.min_hours,
                "data_last_day": last.isoformat(),
            },
        ))
    return out


# -- change points ---------------------------------------------------------------------------------
def _ordinals(periods: pd.Series, frequency: str) -> pd.Series:
    ts = pd.to_datetime(periods)
    if frequency == "month":
        return ts.dt.year * 12 + ts.dt.month - 1
    if frequency == "year":
        return ts.dt.year
    return ts.map(lambda d: d.toordinal())


def change_points(rule: Rule, ctx: Context) -> Detection:
    out = Detection()
    scope = ctx.in_scope(rule)
    tests = [s.split(".", 1)[1] for s in rule.series if s.startswith("ooni.") and s.count(".") == 1]
    metrics = [s for s in rule.series if not (s.startswith("ooni.") and s.count(".") == 1)]
    params = rule.cusum
    if tests:
        last = ctx.last_day("ooni")
        if last is not None:
            since = _since(last, rule.lookback_days + params.baseline_window)
            daily = wq.ooni_daily(ctx.con, tests, since)
            if scope is not None:
                daily = daily[daily["country"].isin(scope)]
            for (test, country), g in daily.groupby(["test", "country"], sort=True):
                g = g.sort_values("day")
                usable = g["measurements"] - g["failure"]
                if rule.share == "confirmed":
                    x = g["confirmed"]
                else:
                    x = g["anomaly"] + g["confirmed"]
                series = pd.DataFrame({"period": pd.to_datetime(g["day"]), "x": x.to_numpy(),
                                       "n": usable.to_numpy(), "confirmed": g["confirmed"].to_numpy(),
                                       "measurements": g["measurements"].to_numpy()})
                out.findings += _episodes(rule, ctx, country, f"ooni.{test}", series, "day", last,
                                          share=True)
    if metrics:
        frame = wq.metric_series(ctx.con, metrics)
        if scope is not None:
            frame = frame[frame["country"].isin(scope)]
        for (metric, country), g in frame.groupby(["metric", "country"], sort=True):
            last = pd.Timestamp(g["period_start"].max()).date()
            series = pd.DataFrame({"period": pd.to_datetime(g["period_start"]),
                                   "x": g["value"].to_numpy(), "n": math.nan})
            out.findings += _episodes(rule, ctx, country, metric, series,
                                      str(g["frequency"].iloc[0]), last, share=False)
    return out


def _episodes(rule: Rule, ctx: Context, country: str, series_id: str, series: pd.DataFrame,
              frequency: str, last: date, share: bool) -> list[Finding]:
    series = series.sort_values("period").reset_index(drop=True)
    t = _ordinals(series["period"], frequency).to_numpy()
    params: CusumParams = rule.cusum
    found = detect(t, series["x"].to_numpy(), series["n"].to_numpy() if share else None, params)
    horizon = pd.Timestamp(last - timedelta(days=rule.lookback_days))
    out = []
    for cp in found:
        alarm = series["period"].iloc[cp.alarm]
        if alarm < horizon:
            continue
        out.append(_change_finding(rule, ctx, country, series_id, series, cp, last, share,
                                   frequency))
    return out


def _share(num: float, den: float) -> float | None:
    return None if not den else num / den


def _change_finding(rule: Rule, ctx: Context, country: str, series_id: str, series: pd.DataFrame,
                    cp: ChangePoint, last: date, share: bool, frequency: str) -> Finding:
    onset = series["period"].iloc[cp.onset]
    alarm = series["period"].iloc[cp.alarm]
    cleared = None if cp.cleared is None else series["period"].iloc[cp.cleared]
    first = cp.baseline[0]
    stop = len(series) if cp.cleared is None else min(len(series), cp.cleared + rule.cusum.clear_after)
    window = series.iloc[max(first, stop - MAX_EVIDENCE_POINTS):stop]
    points = [[_day(p), float(x), None if not share else float(n)]
              for p, x, n in zip(window["period"], window["x"], window["n"], strict=True)]
    evidence: dict[str, Any] = {
        "series": series_id, "frequency": frequency,
        "measure": (f"({'anomaly + confirmed' if rule.share == 'anomaly' else 'confirmed'}) ÷ "
                    "usable measurements") if share else "value",
        "onset": _day(onset), "alarm": _day(alarm),
        "cleared": None if cleared is None else _day(cleared),
        "baseline_from": _day(series["period"].iloc[cp.baseline[0]]),
        "baseline_to": _day(series["period"].iloc[cp.baseline[1]]),
        "periods_before": cp.periods_before, "periods_after": cp.periods_after,
        "sigma": cp.sigma, "statistic": cp.statistic, "relapses": cp.relapses,
        "params": asdict(rule.cusum), "points": points,
        "data_last_day": last.isoformat(),
    }
    if share:
        before = series.iloc[cp.baseline[0]:cp.baseline[1] + 1]
        after = series.iloc[cp.onset:stop if cp.cleared is not None else len(series)]
        before = before[before["n"] >= rule.cusum.min_count]
        after = after[after["n"] >= rule.cusum.min_count]
        evidence["confirmed_before"] = _share(before["confirmed"].sum(), before["n"].sum())
        evidence["confirmed_after"] = _share(after["confirmed"].sum(), after["n"].sum())
        evidence["measurements_before"] = float(before["measurements"].sum())
        evidence["measurements_after"] = float(after["measurements"].sum())
    unit = "%" if share else ""
    scale = 100 if share else 1
    what = series_id.split(".", 1)[1] if share else series_id
    state = "ongoing" if cleared is None else "known"
    return Finding(
        rule=rule.id, detector=rule.detector, country=country, series=series_id,
        key=_day(onset), severity=rule.severity,
        title=(f"{'Rise' if rule.cusum.direction == 'up' else 'Fall'} in {what} "
               f"{rule.share + ' share' if share else ''} in {_name(ctx, country)} from "
               f"{_day(onset)}: {cp.level_before * scale:.3g}{unit} → "
               f"{cp.level_after * scale:.3g}{unit}").replace("  ", " "),
        onset=pd.Timestamp(onset), ended=None if cleared is None else pd.Timestamp(cleared),
        end_state=state, level_before=cp.level_before, level_after=cp.level_after,
        n_before=cp.n_before, n_after=cp.n_after, evidence=evidence,
    )


# -- thresholds ------------------------------------------------------------------------------------
def thresholds(rule: Rule, ctx: Context) -> Detection:
    out = Detection()
    frame = wq.metric_series(ctx.con, [rule.metric])
    scope = ctx.in_scope(rule)
    if scope is not None:
        frame = frame[frame["country"].isin(scope)]
    if frame.empty:
        return out
    above = rule.above is not None
    limit = rule.above if above else rule.below
    for country, g in frame.groupby("country", sort=True):
        g = g.sort_values("period_start").reset_index(drop=True)
        frequency = str(g["frequency"].iloc[0])
        t = _ordinals(g["period_start"], frequency).to_numpy()
        values = g["value"].to_numpy()
        last = pd.Timestamp(g["period_start"].max()).date()
        horizon = pd.Timestamp(last - timedelta(days=rule.lookback_days))
        for start, stop, cleared in _crossings(t, values, limit, above, rule.clear_after,
                                               rule.quiet_period):
            onset = pd.Timestamp(g["period_start"].iloc[start])
            if onset < horizon:
                continue
            inside = values[start:stop]
            peak = float(inside.max() if above else inside.min())
            lo, hi = max(0, start - 14), min(len(g), stop + rule.clear_after)
            out.findings.append(Finding(
                rule=rule.id, detector=rule.detector, country=country, series=rule.metric,
                key=_day(onset), severity=rule.severity,
                title=(f"{rule.metric} {'above' if above else 'below'} {limit:g} in "
                       f"{_name(ctx, country)} from {_day(onset)} (peak {peak:g})"),
                onset=onset,
                ended=None if not cleared else pd.Timestamp(g["period_start"].iloc[stop]),
                end_state="known" if cleared else "ongoing",
                level_before=float(values[start - 1]) if start > 0 else None,
                level_after=peak, n_after=stop - start,
                evidence={"metric": rule.metric, "frequency": frequency, "limit": limit,
                          "direction": "above" if above else "below", "peak": peak,
                          "points": [[_day(p), float(v), None] for p, v in
                                     zip(g["period_start"].iloc[lo:hi], values[lo:hi], strict=True)],
                          "data_last_day": last.isoformat()},
            ))
    return out


def _crossings(t, values, limit: float, above: bool, clear_after: int, quiet: int):
    """``(first index, end index (exclusive), cleared)`` of each episode beyond ``limit``."""
    out = []
    i, n = 0, len(values)
    armed_from = None
    while i < n:
        beyond = values[i] >= limit if above else values[i] <= limit
        if beyond and (armed_from is None or t[i] > armed_from):
            start, j, back = i, i + 1, 0
            last_beyond = i
            while j < n:
                if (values[j] >= limit) if above else (values[j] <= limit):
                    back, last_beyond = 0, j
                else:
                    back += 1
                    if back >= clear_after:
                        break
                j += 1
            cleared = j < n
            out.append((start, last_beyond + 1, cleared))
            if not cleared:
                break
            armed_from = t[j] + quiet
            i = j + 1
            continue
        i += 1
    return out


# -- score drops -----------------------------------------------------------------------------------
def score_drops(rule: Rule, ctx: Context) -> Detection:
    out = Detection()
    scores = wq.category_scores(ctx.con)
    scores = scores[scores["key"].isin(rule.categories)]
    scope = ctx.in_scope(rule)
    if scope is not None:
        scores = scores[scores["country"].isin(scope)]
    if scores.empty:
        out.memory = {} if rule.between == "snapshots" else None
        return out
    latest = scores.sort_values("year").groupby(["country", "key"]).tail(1)
    if rule.between == "snapshots":
        before = ctx.memory(rule.id)
        now = {f"{r.country}|{r.key}|{r.year}": float(r.value) for r in latest.itertuples()}
        out.memory = now
        pairs = []
        for key, value in now.items():
            old = before.get(key)
            if old is not None:
                pairs.append((key, old, value, "previous check"))
    else:
        pairs = []
        prev = scores.set_index(["country", "key", "year"])["value"]
        for r in latest.itertuples():
            old = prev.get((r.country, r.key, r.year - 1))
            if old is not None and not pd.isna(old):
                pairs.append((f"{r.country}|{r.key}|{r.year}", float(old), float(r.value),
                              str(r.year - 1)))
    for key, old, value, versus in pairs:
        if old - value < rule.min_drop:
            continue
        country, category, year = key.split("|")
        out.findings.append(Finding(
            rule=rule.id, detector=rule.detector, country=country, series=f"score:category:{category}",
            key=f"{category}|{year}|{old:.2f}|{value:.2f}", severity=rule.severity,
            title=(f"ROAM-X {category} score of {_name(ctx, country)} ({year}) fell "
                   f"{old - value:.1f} points: {old:.1f} → {value:.1f}"),
            onset=pd.Timestamp(f"{year}-01-01"), level_before=old, level_after=value,
            evidence={"category": category, "year": int(year), "before": old, "after": value,
                      "versus": versus, "min_drop": rule.min_drop, "snapshot_id": ctx.snapshot_id},
        ))
    return out
