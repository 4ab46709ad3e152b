"""Figures of outages and shutdowns: pure functions of an events frame whose spans follow the
one definition of event days (:mod:`roamwatch.events`).

An event's end is *known* (a bar from start to end), *ongoing* (a bar to the dataset's last
update, which the figure names) or *unknown* (a marker at its start, labelled "end not
reported"; never a bar running to today). Many events are unreadable as bars, so past
:data:`MAX_BARS` the figure counts events per month and type instead. Each source's coverage
is drawn as a pale band: inside it, no event means none recorded; outside it, no data.
"""

from __future__ import annotations

import pandas as pd

from dashboard import i18n
from dashboard.components.figures import (
    MONTH_BAR_WIDTH,
    OKABE_ITO,
    Figure,
    _values,
    bidi,
    figure,
    is_rtl,
    legend,
    legend_room,
    month_axis,
    stamp_layout,
)

#: Up to this many events the timeline draws one bar (or marker) per event.
MAX_BARS = 40
ROW_HEIGHT = 46
COVERAGE_FILL = "rgba(0, 114, 178, 0.07)"
STATE_COLOURS = {"known": OKABE_ITO[0], "ongoing": OKABE_ITO[1], "unknown": OKABE_ITO[3]}
DAY = pd.Timedelta(days=1)


def _legend_names(traces: list[dict]) -> list[str]:
    """The names the legend shows (one per legend group)."""
    shown = {}
    for trace in traces:
        if trace.get("showlegend", True) and trace.get("name"):
            shown.setdefault(trace.get("legendgroup", trace["name"]), trace["name"])
    return list(shown.values())


def _day(value: object) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def event_bars(events: pd.DataFrame, coverage: pd.DataFrame, *, title: str, sources: str,
               snapshot_id: str | None, lang: str = "en") -> Figure:
    """One row per source and type; known ends as bars, ongoing ones as bars to the dataset's
    last update (marked), unknown ends as a start marker.

    ``events``: row (label), source, start_time, end_time, end_state, first_day, last_day,
    as_of (the date an ongoing event is drawn to), area. ``coverage``: row, first_day,
    last_day (the windows of the row's source for this country).
    """
    records = events.to_dict("records")
    windows = coverage.to_dict("records")
    rows = list(dict.fromkeys(r["row"] for r in records))
    first = min([_day(r["first_day"]) for r in records] + [_day(w["first_day"]) for w in windows])
    last = max([_day(r["last_day"]) + DAY for r in records] + [_day(w["last_day"]) + DAY for w in windows])
    span = last - first
    shortest = max(DAY, span / 200)  # a one-day event stays visible
    traces: list[dict] = []
    for w in windows:
        start = _day(w["first_day"])
        traces.append({
            "type": "bar", "y": [w["row"]], "base": [start.isoformat()],
            "x": [((_day(w["last_day"]) + DAY) - start).total_seconds() * 1000],
            "orientation": "h", "width": 0.9, "marker": {"color": COVERAGE_FILL, "line": {"width": 0}},
            "hoverinfo": "skip", "showlegend": False, "name": i18n.t("common.coverage", lang),
            "meta": "coverage",
        })
    ongoing_word = i18n.t("timeline.ongoing", lang)
    unknown_word = i18n.t("country.end_unknown", lang)
    for state in ("known", "ongoing"):
        part = [r for r in records if r["end_state"] == state]
        if not part:
            continue
        starts = [_day(r["first_day"]) for r in part]
        ends = [max(_day(r["last_day"]) + DAY, s + shortest) for s, r in zip(starts, part, strict=True)]
        hover = []
        for r in part:
            until = i18n.fmt_date(r.get("as_of", r["last_day"]), lang)
            end = i18n.fmt_date(r["end_time"], lang) if state == "known" else \
                i18n.t("timeline.ongoing_until", lang, date=until)
            hover.append(f"{i18n.fmt_date(r['start_time'], lang)} → {end}"
                         + (f"<br>{r['area']}" if r["area"] else ""))
        name = i18n.t("timeline.legend_known", lang) if state == "known" else ongoing_word
        traces.append({
            "type": "bar", "y": [r["row"] for r in part], "base": [s.isoformat() for s in starts],
            "x": [(e - s).total_seconds() * 1000 for s, e in zip(starts, ends, strict=True)],
            "orientation": "h", "width": 0.5, "name": name, "legendgroup": state,
            "marker": {"color": STATE_COLOURS[state],
                       "pattern": {"shape": "/" if state == "ongoing" else ""}},
            "hovertext": hover, "hovertemplate": "%{hovertext}<extra></extra>",
        })
        if state == "ongoing":
            traces.append({
                "type": "scatter", "mode": "markers+text", "y": [r["row"] for r in part],
                "x": [e.isoformat() for e in ends], "name": ongoing_word, "legendgroup": state,
                "showlegend": False, "marker": {"symbol": "triangle-right", "size": 11,
                                                "color": STATE_COLOURS[state]},
                "text": [i18n.t("timeline.as_of", lang,
                                date=i18n.fmt_date(r.get("as_of", r["last_day"]), lang)) for r in part],
                "textposition": "top left", "textfont": {"size": 10},  # above its bar, not on it
                "hoverinfo": "skip", "cliponaxis": False,
            })
    unknown = [r for r in records if r["end_state"] == "unknown"]
    if unknown:
        labelled = len(unknown) <= 8  # few: say it beside each marker too
        traces.append({
            "type": "scatter", "mode": "markers+text" if labelled else "markers",
            "y": [r["row"] for r in unknown], "x": [_day(r["first_day"]).isoformat() for r in unknown],
            "name": unknown_word, "legendgroup": "unknown",
            "text": [unknown_word] * len(unknown) if labelled else None,
            "textposition": "middle right", "textfont": {"size": 10, "color": "#57606a"}, "cliponaxis": False,
            "marker": {"symbol": "diamond-open", "size": 11, "line": {"width": 2},
                       "color": STATE_COLOURS["unknown"]},
            "hovertext": [f"{i18n.fmt_date(r['start_time'], lang)} → {unknown_word}"
                          + (f"<br>{r['area']}" if r["area"] else "") for r in unknown],
            "hovertemplate": "%{hovertext}<extra></extra>",
        })
    layout = stamp_layout(title=title, unit=None, sources=sources, snapshot_id=snapshot_id, lang=lang)
    top = layout["margin"]["t"] + 8 + legend_room(_legend_names(traces))
    side = {"x": 1, "xanchor": "right"} if is_rtl(lang) else {"x": 0, "xanchor": "left"}
    annotations = [{
        "text": f"<b>{bidi(row, lang)}</b>", "xref": "paper", **side, "y": row, "yref": "y",
        "yshift": 17, "showarrow": False, "font": {"size": 11}} for row in rows]
    pad = span * 0.02
    layout.update(
        height=top + 70 + ROW_HEIGHT * len(rows), barmode="overlay", hovermode="closest",
        showlegend=True, annotations=annotations,
        legend=legend(lang, y=1.0, yanchor="bottom", itemclick=False, itemdoubleclick=False,
                      font={"size": 11}),
        margin={"l": 12, "r": 12, "t": top, "b": 40},
        xaxis={"type": "date", "showgrid": True, "gridcolor": "#eaeef2",
               "range": [(first - pad).isoformat(), (last + pad).isoformat()]},
        yaxis={"type": "category", "categoryorder": "array", "categoryarray": rows[::-1],
               "showticklabels": False, "fixedrange": True, "range": [-0.6, len(rows) - 0.1]},
    )
    return figure(traces, layout)


def monthly_counts(counts: pd.DataFrame, coverage: pd.DataFrame, *, title: str, sources: str,
                   snapshot_id: str | None, lang: str = "en") -> Figure:
    """Events per month, stacked by type (``counts``: month, type, events, with every covered
    month present, zeros included); months outside every source's coverage are left blank."""
    types = list(dict.fromkeys(counts["type"]))
    traces = []
    for i, kind in enumerate(types):
        part = counts[counts["type"] == kind]
        traces.append({
            "type": "bar", "x": [pd.Timestamp(m).strftime("%Y-%m-%d") for m in part["month"]],
            "y": _values(part["events"]), "name": kind, "marker": {"color": OKABE_ITO[i % len(OKABE_ITO)]},
            "xperiod": "M1", "xperiodalignment": "middle", "width": MONTH_BAR_WIDTH,
            "hovertemplate": f"{kind} · %{{x|%b %Y}}: %{{y}}<extra></extra>",
        })
    first, last = pd.Timestamp(counts["month"].min()), pd.Timestamp(counts["month"].max())
    layout = stamp_layout(title=title, unit=None, sources=sources, snapshot_id=snapshot_id, lang=lang)
    top = layout["margin"]["t"] + 8 + legend_room(_legend_names(traces))
    xaxis = month_axis(first, last)
    shapes = [{
        "type": "rect", "xref": "x", "yref": "paper", "x0": _day(a).isoformat(),
        "x1": (_day(b) + pd.Timedelta(days=1)).isoformat(), "y0": 0, "y1": 1, "fillcolor": COVERAGE_FILL,
        "line": {"width": 0}, "layer": "below"} for a, b in zip(coverage["first_day"], coverage["last_day"],
                                                               strict=True)]
    layout.update(
        height=top + 300, barmode="stack", bargap=0.1, hovermode="closest", shapes=shapes,
        legend=legend(lang, y=1.0, yanchor="bottom", itemclick=False, itemdoubleclick=False,
                      font={"size": 11}),
        # the value axis where a right-to-left reader starts; time still runs left to right
        margin={"l": 12, "r": 45, "t": top, "b": 40} if is_rtl(lang) else
        {"l": 45, "r": 12, "t": top, "b": 40},
        xaxis=xaxis,
        yaxis={"title": {"text": i18n.t("timeline.events_per_month", lang)}, "rangemode": "tozero",
               "gridcolor": "#eaeef2", "fixedrange": True, "side": "right" if is_rtl(lang) else "left"},
    )
    return figure(traces, layout)
