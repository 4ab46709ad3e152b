"""Validation of parsed rows before they reach the warehouse.

Rows that fail are counted by reason and reported in the run record, never silently dropped.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import date, timedelta

import numpy as np
import pandas as pd

EARLIEST = date(1950, 1, 1)
_YEAR = re.compile(r"^\d{4}$")
_MONTH = re.compile(r"^\d{4}-\d{2}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def period_start(period: str) -> date | None:
    """``"2023"`` → 2023-01-01, ``"2023-06"`` → 2023-06-01, ``"2023-06-15"`` → itself."""
    try:
        if _YEAR.match(period):
            return date(int(period), 1, 1)
        if _MONTH.match(period):
            return date(int(period[:4]), int(period[5:7]), 1)
        if _DAY.match(period):
            return date.fromisoformat(period)
    except ValueError:
        return None
    return None


def validate_observations(
    frame: pd.DataFrame, known_countries: set[str], today: date | None = None
) -> tuple[pd.DataFrame, Counter, list[dict]]:
    """Keep rows with a known country, a finite numeric value and a plausible period.

    Returns the valid rows (with ``period_start`` filled in), the rejected counts by reason,
    and up to five examples of rejected rows for the run record.
    """
    today = today or date.today()
    latest = today + timedelta(days=366)
    rejected: Counter = Counter()
    examples: list[dict] = []
    if frame is None or frame.empty:
        empty = pd.DataFrame(columns=["metric", "country", "period", "period_start", "value"])
        return empty, rejected, examples

    frame = frame.copy()
    frame["country"] = frame["country"].astype("string").str.upper()
    frame["period"] = frame["period"].astype("string")
    values = pd.to_numeric(frame["value"], errors="coerce")
    starts = frame["period"].map(lambda p: period_start(p) if isinstance(p, str) else None)

    reasons = pd.Series("", index=frame.index, dtype="object")
    bad_country = ~frame["country"].isin(known_countries).fillna(False)
    bad_value = values.isna() | ~np.isfinite(values.fillna(0.0))
    bad_period = starts.map(lambda d: d is None or d < EARLIEST or d > latest)
    reasons[bad_period.astype(bool)] = "implausible period"
    reasons[bad_value.astype(bool)] = "value not numeric"
    reasons[bad_country.astype(bool)] = "unknown country code"

    bad = reasons != ""
    for reason, count in reasons[bad].value_counts().items():
        rejected[reason] += int(count)
    for idx in frame.index[bad][:5]:
        row = frame.loc[idx]
        examples.append(
            {
                "reason": reasons[idx],
                "metric": str(row["metric"]),
                "country": None if pd.isna(row["country"]) else str(row["country"]),
                "period": None if pd.isna(row["period"]) else str(row["period"]),
                "value": None if pd.isna(row["value"]) else str(row["value"]),
            }
        )
    good = frame.loc[~bad, ["metric", "country", "period"]].copy()
    good["country"] = good["country"].astype(str)
    good["period"] = good["period"].astype(str)
    good["period_start"] = pd.to_datetime(starts[~bad].astype("object"))
    good["value"] = values[~bad].astype(float)
    return good, rejected, examples
