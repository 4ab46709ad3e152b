"""Events as the alerts see them: end state, merged outages, durations, evidence.

An event's end is *known*, *ongoing* or *unknown*, as its source says (DESIGN.md, "What a derived
number means"; contract C1). When the snapshot carries ``event.end_state`` it is used as it is;
a snapshot without it gets the same rule applied here: known when ``end_time`` is set, ongoing
only where the source says so (#KeepItOn ``shutdown_status`` = Ongoing), unknown otherwise.
Ongoing runs to the dataset's last day, never to today's clock; unknown counts as its start only,
so it has no duration.
"""

from __future__ import annotations

import json
from datetime import date, timedelta
from typing import Any

import pandas as pd

from roamwatch.events import event_spans

#: Detail fields worth keeping in an alert's evidence (the rest stays in the event table).
EVIDENCE_DETAILS = (
    "type", "extent", "networks", "area", "geo_scope", "status", "services", "other_services",
    "election", "link", "datasource", "method", "location_name", "fraction", "overlaps_window",
    "country_name", "sheet", "row",
)


def details_of(value: Any) -> dict:
    """An event's or alert's ``details`` as a dict (stored JSON text, a dict, or nothing)."""
    if isinstance(value, dict):
        return value
    try:
        return json.loads(value) if value else {}
    except (TypeError, ValueError):
        return {}


def end_state(row: dict) -> str:
    """``known`` | ``ongoing`` | ``unknown`` of one event row."""
    stored = row.get("end_state")
    if isinstance(stored, str) and stored in ("known", "ongoing", "unknown"):
        return stored
    end = row.get("end_time")
    if end is not None and not pd.isna(end):
        return "known"
    status = str(details_of(row.get("details")).get("status") or "").strip().lower()
    return "ongoing" if status == "ongoing" else "unknown"


def end_states(frame: pd.DataFrame) -> list[str]:
    return [end_state(r) for r in frame.to_dict("records")]


def _intervals(frame: pd.DataFrame, last: date) -> list[tuple[pd.Timestamp, pd.Timestamp | None]]:
    """Each event's time span: known → (start, end); ongoing → (start, end of the last day it
    counts, by :func:`roamwatch.events.event_spans`: its ``as_of`` day, never past the source's
    last update); unknown → (start, None)."""
    if frame.empty:
        return []
    spans = event_spans(frame.assign(end_state=end_states(frame)),
                        {str(s): last for s in frame["source"].unique()})
    out = []
    for row in spans.to_dict("records"):
        start = pd.Timestamp(row["start_time"])
        if row["end_state"] == "known":
            out.append((start, pd.Timestamp(row["end_time"])))
        elif row["end_state"] == "ongoing":
            out.append((start, max(start, pd.Timestamp(row["last_day"]) + timedelta(days=1))))
        else:
            out.append((start, None))
    return out


def merge_overlapping(frame: pd.DataFrame, last: date) -> list[pd.DataFrame]:
    """Events of one country whose intervals overlap, as groups (e.g. one outage seen by several
    IODA datasources); an event with an unknown end overlaps nothing after its start."""
    groups: list[pd.DataFrame] = []
    for _country, g in frame.sort_values(["country", "start_time", "id"]).groupby("country", sort=True):
        current: list[int] = []
        current_end: pd.Timestamp | None = None
        for pos, (start, end) in enumerate(_intervals(g, last)):
            if current and current_end is not None and start <= current_end:
                current.append(pos)
                if end is not None:
                    current_end = max(current_end, end)
                continue
            if current:
                groups.append(g.iloc[current])
            current, current_end = [pos], end if end is not None else start
        if current:
            groups.append(g.iloc[current])
    return groups


def group_end_state(group: pd.DataFrame) -> str:
    """Ongoing if any part is ongoing; known if every part's end is known; else unknown."""
    states = set(group["end_state"]) if "end_state" in group else set(end_states(group))
    if "ongoing" in states:
        return "ongoing"
    return "known" if states == {"known"} else "unknown"


def hours(group: pd.DataFrame, last: date) -> float | None:
    """Hours covered by the union of the group's intervals (None when no part has an end)."""
    spans = sorted(s for s in _intervals(group, last) if s[1] is not None)
    if not spans:
        return None
    total = pd.Timedelta(0)
    cur_start, cur_end = spans[0]
    for start, end in spans[1:]:
        if start <= cur_end:
            cur_end = max(cur_end, end)
        else:
            total += cur_end - cur_start
            cur_start, cur_end = start, end
    total += cur_end - cur_start
    return total.total_seconds() / 3600


def event_evidence(row: dict) -> dict[str, Any]:
    details = details_of(row.get("details"))
    end = row.get("end_time")
    return {
        "id": row["id"], "source": row["source"], "kind": row["kind"],
        "start": pd.Timestamp(row["start_time"]).isoformat(),
        "end": None if end is None or pd.isna(end) else pd.Timestamp(end).isoformat(),
        "end_state": row.get("end_state") or end_state(row),
        "severity": None if row.get("severity") is None or pd.isna(row.get("severity"))
        else float(row["severity"]),
        "details": {k: details[k] for k in EVIDENCE_DETAILS if details.get(k) not in (None, "", {})},
    }
