"""What a detector finds, before it is stored as an alert."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd


def alert_id(rule: str, country: str | None, series: str | None, key: str) -> str:
    """A stable id: the same finding over the same data always gets the same id."""
    text = "|".join([rule, country or "", series or "", key])
    return "al-" + hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]


def _plain(value: Any) -> Any:
    """JSON-friendly values (numpy numbers, timestamps, NaN → None)."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, pd.Timestamp | datetime):
        ts = pd.Timestamp(value)
        return ts.date().isoformat() if ts == ts.normalize() else ts.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if hasattr(value, "item"):  # numpy scalar
        value = value.item()
    if isinstance(value, float) and value != value:
        return None
    return value


@dataclass
class Finding:
    """One thing a rule raises over one snapshot."""

    rule: str
    detector: str
    country: str | None
    series: str | None
    key: str  # what makes it this finding (an event id, an onset date, ...)
    title: str  # English one-liner; pages and messages render their own text from the rest
    severity: str
    onset: pd.Timestamp | None = None
    ended: pd.Timestamp | None = None
    end_state: str | None = None  # known | ongoing | unknown (events, episodes)
    level_before: float | None = None
    level_after: float | None = None
    n_before: float | None = None
    n_after: float | None = None
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def id(self) -> str:
        return alert_id(self.rule, self.country, self.series, self.key)

    def row(self, snapshot_id: str, detected_at: pd.Timestamp) -> dict[str, Any]:
        """The ``alert`` table row of this finding."""
        return {
            "id": self.id, "rule": self.rule, "detector": self.detector, "country": self.country,
            "series": self.series, "title": self.title, "severity": self.severity,
            "onset": self.onset, "ended": self.ended, "end_state": self.end_state,
            "level_before": _num(self.level_before), "level_after": _num(self.level_after),
            "n_before": _int(self.n_before), "n_after": _int(self.n_after),
            "evidence": json.dumps(_plain(self.evidence), sort_keys=True),
            "snapshot_id": snapshot_id, "detected_at": detected_at, "state": "new",
            "state_changed_at": detected_at, "ack_note": None,
        }


def _num(value: Any) -> float | None:
    if value is None:
        return None
    value = float(value)
    return None if value != value else value


def _int(value: Any) -> int | None:
    value = _num(value)
    return None if value is None else int(round(value))
