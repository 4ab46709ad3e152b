"""Raw values that a catalogue indicator's goalposts put at a chosen level: warehouses for the
scoring tests whose answers are known in advance."""

from __future__ import annotations

from indicators.catalogue import Indicator


def raw_value(indicator: Indicator | None, metric: str, level: float) -> float:
    """A value of ``metric`` that ``indicator``'s goalposts normalise to ``level`` (0 = the lower
    goalpost, 1 = the upper; log10 indicators get ``10 ** x``); 0–100 without an indicator.
    Women's and men's series get their own bands (30–70 and 40–80), so a gap between them exists
    at every level."""
    lo, hi = (indicator.goalpost_lower, indicator.goalpost_upper) if indicator else (0.0, 100.0)
    value = lo + level * (hi - lo)
    if indicator is not None and indicator.transform == "log10":
        value = 10 ** value
    if metric.endswith(("_female", ".FE.ZS")):
        value = 30 + 40 * level
    if metric.endswith(("_male", ".MA.ZS")):
        value = 40 + 40 * level
    return value
