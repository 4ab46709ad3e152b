"""Figure builders: pure functions of data frames, returning plotly figures or plain text.

Nothing here queries data or reads the URL, so every builder is tested directly
(``tests/test_dashboard_figures.py``). Each figure carries its title, units, a source line and
the snapshot id inside the figure itself, so a downloaded PNG/SVG is citable on its own.
Palettes are colour-blind safe: cividis for maps, Okabe-Ito for lines.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from dashboard import i18n
from roamwatch.i18n import LANGUAGES
from roamwatch.i18n.formatting import locale as babel_locale

#: Okabe & Ito (2008), reordered so the first colours contrast most on white; yellow last.
OKABE_ITO = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
)
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down")
MAP_SCALE = "Cividis"
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
EMPTY_COLOUR = "#d9d9d9"


def _title(title: str, unit: str | None) -> str:
    return f"{title} ({unit})" if unit and unit not in title else title


def stamp_line(sources: str, snapshot_id: str | None, lang: str = "en", width: int = 90) -> str:
    """``Source: … · roamwatch snapshot …``, on two lines when longer than ``width`` characters."""
    line = i18n.t("common.source_line", lang, sources=sources or "–")
    if snapshot_id:
        stamp_text = i18n.t("common.stamp", lang, snapshot=snapshot_id)
        joiner = "<br>" if len(line) + len(stamp_text) + 3 > width else " · "
        line += joiner + stamp_text
    return line


def separators(lang: str) -> str:
    """plotly's ``layout.separators`` (decimal mark, then thousands separator) from CLDR, so
    numbers on axes and in hover labels read as they do in the page's tables."""
    symbols = babel_locale(lang).number_symbols.get("latn", {})
    return symbols.get("decimal", ".") + symbols.get("group", ",")


def is_rtl(lang: str) -> bool:
    return i18n.direction(lang) == "rtl"


def bidi(text: str, lang: str) -> str:
    """Text drawn by plotly sits in a left-to-right SVG box; in a right-to-left language it is
    embedded as right-to-left (U+202B … U+202C) so mixed Arabic and Latin runs keep their order."""
    return f"\u202b{text}\u202c" if text and is_rtl(lang) else text


def legend(lang: str, **extra: object) -> dict:
    """A horizontal legend that starts where the reader starts: at the left, or at the right
    in a right-to-left language."""
    side = {"x": 1, "xanchor": "right"} if is_rtl(lang) else {"x": 0, "xanchor": "left"}
    return {"orientation": "h", **side, **extra}


def stamp_layout(*, title: str, unit: str | None, sources: str, snapshot_id: str | None,
                 lang: str = "en") -> dict:
    """The layout properties :func:`stamp` sets, as a dict to build a figure's layout in one go.
    In a right-to-left language the title and source line sit at the right."""
    subtitle = stamp_line(sources, snapshot_id, lang)
    x, anchor = (0.99, "right") if is_rtl(lang) else (0.01, "left")
    return {
        "separators": separators(lang),
        "title": {
            "text": bidi(_title(title, unit), lang), "x": x, "xanchor": anchor, "y": 0.98, "yanchor": "top",
            "yref": "container", "font": {"size": 15},
            "subtitle": {"text": "<br>".join(bidi(part, lang) for part in subtitle.split("<br>")),
                         "font": {"size": 10, "color": "#57606a"}},
        },
        "font": {"family": FONT, "size": 12, "color": "#1f2328"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 50, "r": 20, "t": 85 if "<br>" in subtitle else 70, "b": 40},
    }


def stamp(fig: go.Figure, *, title: str, unit: str | None, sources: str, snapshot_id: str | None,
          lang: str = "en") -> go.Figure:
    """Draw the title (with unit) and, under it, the source line and snapshot id into ``fig``."""
    fig.update_layout(stamp_layout(title=title, unit=unit, sources=sources, snapshot_id=snapshot_id,
                                   lang=lang))
    return fig


def group_slices(frame: pd.DataFrame, by: str | list[str], order_by: str
                 ) -> tuple[pd.DataFrame, list[tuple[object, int, int]]]:
    """The groups of ``frame.groupby(by, sort=False)`` (same order, missing keys dropped), each
    sorted as ``part.sort_values(order_by)`` would be, with one sort for the whole frame.

    Returns the reordered frame and, per group, its key (a tuple when ``by`` is a list) and the
    ``start:stop`` range of its rows there, so callers slice column lists instead of filtering
    and sorting a frame per group.
    """
    number = frame.groupby(by, sort=False).ngroup()
    kept = number.notna().to_numpy()
    ordered = frame.assign(_group=number)[kept].sort_values(["_group", order_by], kind="stable")
    group = ordered["_group"].to_numpy()
    starts = np.flatnonzero(np.r_[True, group[1:] != group[:-1]]) if len(group) else np.array([], int)
    stops = [*starts[1:].tolist(), len(group)]
    columns = [ordered[c].tolist() for c in ([by] if isinstance(by, str) else by)]
    keys = [columns[0][a] if isinstance(by, str) else tuple(c[a] for c in columns) for a in starts]
    return ordered.drop(columns="_group"), list(zip(keys, starts.tolist(), stops, strict=True))


def _values(column: pd.Series) -> list:
    """A column as plain Python values for a trace: numbers as int/float, timestamps as the ISO
    strings plotly's JSON encoder would write (and NaT as None), so neither the figure's
    validation nor its serialization goes through numpy or pandas scalars one by one."""
    if column.dtype.kind == "M":
        return [None if v is pd.NaT else v.isoformat() for v in column]
    return column.tolist()


def graph_config(filename: str, topojson_url: str | None = None, lang: str = "en") -> dict:
    """``dcc.Graph`` config: PNG download named after the chart, local map geometry, no logo,
    plotly's locale of the page language (month names, toolbar; files in ``assets/``)."""
    config = {
        "locale": LANGUAGES.get(lang, LANGUAGES["en"]).plotly,
        "displaylogo": False,
        "responsive": True,
        "modeBarButtonsToRemove": ["lasso2d", "select2d"],
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }
    if topojson_url:
        config["topojsonURL"] = topojson_url
    return config


def empty_figure(message: str) -> go.Figure:
    fig = go.Figure()
    fig.add_annotation(text=message, showarrow=False, x=0.5, y=0.5, xref="paper", yref="paper",
                       font={"size": 14, "color": "#57606a"})
    fig.update_xaxes(visible=False)
    fig.update_yaxes(visible=False)
    fig.update_layout(paper_bgcolor="white", plot_bgcolor="white", font={"family": FONT})
    return fig


# -- world map ----------------------------------------------------------------------------------
def choropleth(values: pd.DataFrame, *, title: str, unit: str | None, sources: str,
               snapshot_id: str | None, lang: str = "en", zrange: tuple[float, float] | None = None
               ) -> go.Figure:
    """A world map of ``values`` (columns iso3, name, value; NaN values are drawn grey).

    ``zrange`` fixes the colour scale (0–100 for scores) so maps of different years compare.
    """
    has = values[values["value"].notna()]
    text = [
        f"{name}<br>{i18n.fmt_value(v, unit, lang)}"
        for name, v in zip(has["name"], has["value"], strict=True)
    ]
    fig = go.Figure()
    missing = values[values["value"].isna()]
    if not missing.empty:
        fig.add_trace(go.Choropleth(
            locations=list(missing["iso3"]), z=[0] * len(missing), locationmode="ISO-3",
            colorscale=[[0, EMPTY_COLOUR], [1, EMPTY_COLOUR]], showscale=False,
            text=[f"{n}<br>{i18n.t('common.insufficient', lang)}" for n in missing["name"]],
            hovertemplate="%{text}<extra></extra>", marker_line_color="white", marker_line_width=0.5,
            name=i18n.t("common.insufficient", lang),
        ))
    bar_title = unit if unit and len(unit) <= 12 else ""
    choro = {
        "locations": list(has["iso3"]), "z": list(has["value"]), "locationmode": "ISO-3",
        "colorscale": MAP_SCALE, "text": text, "hovertemplate": "%{text}<extra></extra>",
        "marker_line_color": "white", "marker_line_width": 0.5,
        "colorbar": {"title": {"text": bar_title}, "thickness": 12, "len": 0.75},
        "customdata": list(has["iso3"]),
    }
    if zrange is not None:
        choro["zmin"], choro["zmax"] = zrange
    fig.add_trace(go.Choropleth(**choro))
    fig.update_geos(
        showframe=False, showcoastlines=False, showcountries=True, countrycolor="white",
        showland=True, landcolor="#eeeeee", showocean=False, showlakes=False,
        projection_type="natural earth", lataxis_range=[-58, 85],
    )
    stamp(fig, title=title, unit=unit, sources=sources, snapshot_id=snapshot_id, lang=lang)
    fig.update_layout(margin={"l": 0, "r": 0, "t": fig.layout.margin.t - 10, "b": 0}, height=460,
                      dragmode=False)
    return fig


def describe_ranking(values: pd.DataFrame, *, label: str, unit: str | None, year: object,
                     lang: str = "en") -> str:
    """One sentence: how many countries, highest, lowest, median (values: name, value)."""
    has = values[values["value"].notna()].sort_values("value", ascending=False)
    if has.empty:
        return i18n.t("world.describe_empty", lang, metric=label, year=year)
    top, bottom = has.iloc[0], has.iloc[-1]
    return i18n.t(
        "world.describe", lang, metric=label, year=year, n=len(has),
        top=f"{top['name']} ({i18n.fmt_value(top['value'], unit, lang)})",
        bottom=f"{bottom['name']} ({i18n.fmt_value(bottom['value'], unit, lang)})",
        median=i18n.fmt_value(has["value"].median(), unit, lang),
    )


# -- lines --------------------------------------------------------------------------------------
def line_chart(series: pd.DataFrame, *, title: str, unit: str | None, sources: str,
               snapshot_id: str | None, lang: str = "en", yrange: tuple[float, float] | None = None,
               height: int = 380) -> go.Figure:
    """One line per ``label`` (columns label, x, value), Okabe-Ito colours plus dashes and
    marker symbols so lines stay apart in greyscale too.

    Optional integer columns ``colour`` and ``dash`` pick the style per label (e.g. one colour
    per OONI test, one dash per measure); by default each label gets the next style.
    """
    ordered, groups = group_slices(series, "label", "x")
    xs, ys = _values(ordered["x"]), _values(ordered["value"])
    colours = ordered["colour"].tolist() if "colour" in ordered else None
    dashes = ordered["dash"].tolist() if "dash" in ordered else None
    traces = []
    for i, (label, a, b) in enumerate(groups):
        c = int(colours[a]) if colours is not None else i
        d = int(dashes[a]) if dashes is not None else i
        traces.append({
            "type": "scatter", "x": xs[a:b], "y": ys[a:b], "name": bidi(str(label), lang),
            "mode": "lines+markers",
            "line": {"color": OKABE_ITO[c % len(OKABE_ITO)], "dash": DASHES[d % len(DASHES)], "width": 2},
            "marker": {"symbol": SYMBOLS[c % len(SYMBOLS)], "size": 6},
            "hovertemplate": f"{label}<br>%{{x}}: %{{y:,.4~g}}<extra></extra>",
        })
    # One layout dict: each update_layout/update_xaxes call would validate again.
    layout = stamp_layout(title=title, unit=unit, sources=sources, snapshot_id=snapshot_id, lang=lang)
    layout["margin"] = {"l": 55, "r": 20, "t": layout["margin"]["t"], "b": 30}
    if is_rtl(lang):  # the value axis where a right-to-left reader starts; time still runs →
        layout["margin"].update(l=20, r=55)
    xaxis: dict = {"showgrid": False, "linecolor": "#8c959f", "ticks": "outside"}
    yaxis: dict = {"gridcolor": "#eaeef2", "zeroline": False, "title": {"text": unit or ""},
                   "side": "right" if is_rtl(lang) else "left"}
    if yrange is not None:
        yaxis["range"] = list(yrange)
    if pd.api.types.is_integer_dtype(series["x"]):  # years: no "2021.5" ticks
        xaxis["tickformat"] = "d"
        if series["x"].nunique() <= 12:
            xaxis["dtick"] = 1
    layout.update(height=height, hovermode="closest",
                  legend=legend(lang, y=-0.12, yanchor="top"),
                  xaxis=xaxis, yaxis=yaxis)
    return go.Figure(data=traces, layout=layout)


def describe_lines(series: pd.DataFrame, *, title: str, unit: str | None, lang: str = "en") -> str:
    """Per line: first and last value with their x (series: label, x, value)."""
    parts = []
    ordered, groups = group_slices(series.dropna(subset=["value"]), "label", "x")
    xs, values = ordered["x"].tolist(), ordered["value"].tolist()
    for label, a, b in groups:
        parts.append(i18n.t(
            "country.describe_series", lang, label=label,
            first=i18n.fmt_value(values[a], unit, lang), first_year=_x(xs[a]),
            last=i18n.fmt_value(values[b - 1], unit, lang), last_year=_x(xs[b - 1]),
        ))
    if not parts:
        return i18n.t("world.describe_empty", lang, metric=title, year="–")
    return i18n.t("country.describe_lines", lang, title=title, parts="; ".join(parts))


def x_values(frame: pd.DataFrame) -> pd.Series:
    """Years as integers when every period is a year, else the period start dates."""
    if frame["period"].astype(str).str.fullmatch(r"\d{4}").all():
        return frame["period"].astype(int)
    return frame["period_start"]


def _x(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if (value.month, value.day) != (1, 1) else str(value.year)
    return str(value)


# -- events timeline ----------------------------------------------------------------------------
def timeline(events: pd.DataFrame, *, title: str, sources: str, snapshot_id: str | None,
             lang: str = "en", now: pd.Timestamp | None = None) -> go.Figure:
    """Events (columns source_name, kind, start_time, end_time, severity) as horizontal bars,
    one row per source × kind. With ``last_day`` (from :func:`roamwatch.events.event_spans`) a bar
    ends with the last day the event counts (an unknown end is its start day, an ongoing event
    stops at the data's last update); without it, an event with no end runs to ``now``."""
    now = now if now is not None else pd.Timestamp.now().floor("D")
    frame = events.copy()
    frame["row"] = frame["source_name"].astype(str) + " · " + frame["kind"].astype(str)
    frame["end"] = frame["end_time"].where(frame["end_time"].notna(), now)
    if "last_day" in frame:  # the one definition of event days (C1)
        counted = pd.to_datetime(frame["last_day"]) + pd.Timedelta(days=1)
        frame["end"] = frame["end_time"].where(frame["end_time"].notna(), counted)
    # A bar needs a visible width: at least one day, and at least 1/150 of the time span.
    span = (frame["end"].max() - frame["start_time"].min()) if len(frame) else pd.Timedelta(0)
    shortest = max(pd.Timedelta(days=1), span / 150)
    frame["end"] = [max(e, s + shortest) for s, e in zip(frame["start_time"], frame["end"], strict=True)]
    traces = []
    ongoing = i18n.t("country.ongoing", lang)
    for i, (row, part) in enumerate(frame.groupby("row", sort=True)):
        starts, ends, shown_ends = list(part["start_time"]), list(part["end_time"]), list(part["end"])
        states = list(part["end_state"]) if "end_state" in part else [None] * len(part)
        no_end = {"unknown": i18n.t("country.end_unknown", lang)}
        hover = [
            f"{row}<br>{i18n.fmt_date(s, lang, True)} → "
            f"{i18n.fmt_date(e, lang, True) if not i18n.is_missing(e) else no_end.get(st, ongoing)}"
            for s, e, st in zip(starts, ends, states, strict=True)
        ]
        width_ms = [(e - s).total_seconds() * 1000 for s, e in zip(starts, shown_ends, strict=True)]
        traces.append({
            "type": "bar", "x": width_ms, "base": _values(part["start_time"]), "y": [row] * len(part),
            "orientation": "h", "name": row, "marker": {"color": OKABE_ITO[i % len(OKABE_ITO)]},
            "hovertext": hover, "hovertemplate": "%{hovertext}<extra></extra>", "showlegend": False,
        })
    layout = stamp_layout(title=title, unit=None, sources=sources, snapshot_id=snapshot_id, lang=lang)
    n_rows = max(1, frame["row"].nunique())
    layout.update(height=160 + 40 * n_rows, barmode="overlay", bargap=0.3,
                  xaxis={"type": "date", "showgrid": True, "gridcolor": "#eaeef2"},
                  yaxis={"automargin": True, "side": "right" if is_rtl(lang) else "left"})
    return go.Figure(data=traces, layout=layout)


def describe_timeline(events: pd.DataFrame, lang: str = "en") -> str:
    if events.empty:
        return ""
    durations = (events["end_time"] - events["start_time"]).dropna()
    longest = "–"
    if not durations.empty:
        hours = durations.max().total_seconds() / 3600
        longest = f"{i18n.fmt_number(hours, lang, 1)} h"
    return i18n.t(
        "country.describe_events", lang, n=len(events),
        first=i18n.fmt_date(events["start_time"].min(), lang),
        last=i18n.fmt_date(events["start_time"].max(), lang), longest=longest,
    )


# -- ROAM-X radar -------------------------------------------------------------------------------
def radar(profile: pd.DataFrame, *, title: str, snapshot_id: str | None, lang: str = "en",
          labels: dict[str, str] | None = None) -> go.Figure:
    """Scores (0–100) per category: columns key, country, region, income_group, world (NaN
    allowed; absent columns are skipped). ``labels`` maps column names to legend labels."""
    labels = labels or {}
    theta = [i18n.roamx_label(k, lang) for k in profile["key"]]
    traces = []
    for i, column in enumerate(("country", "region", "income_group", "world")):
        if column not in profile or profile[column].isna().all():
            continue
        r = _values(profile[column])
        trace = {
            "type": "scatterpolar", "r": r + r[:1], "theta": theta + theta[:1],
            "name": bidi(labels.get(column, column), lang),
            "line": {"color": OKABE_ITO[i], "dash": DASHES[i], "width": 2.5 if i == 0 else 1.5},
            "opacity": 0.9, "marker": {"symbol": SYMBOLS[i]},
        }
        if i == 0:
            trace["fill"] = "toself"
        traces.append(trace)
    layout = stamp_layout(title=title, unit="0–100", sources="roamwatch", snapshot_id=snapshot_id,
                          lang=lang)
    layout.update(
        polar={"radialaxis": {"range": [0, 100], "gridcolor": "#d0d7de", "angle": 54,
                              "tickfont": {"size": 9, "color": "#57606a"}, "tickvals": [25, 50, 75, 100]},
               "angularaxis": {"gridcolor": "#d0d7de", "rotation": 90, "direction": "clockwise"},
               "bgcolor": "#f6f8fa"},
        height=440, legend=legend(lang, y=-0.08),
        margin={"l": 40, "r": 40, "t": layout["margin"]["t"] + 20, "b": 40},
    )
    return go.Figure(data=traces, layout=layout)


def describe_radar(profile: pd.DataFrame, year: object, lang: str = "en") -> str:
    parts = []
    for key, country in zip(profile["key"], profile["country"], strict=True):
        value = i18n.fmt_number(country, lang, 0) if not i18n.is_missing(country) else \
            i18n.t("common.insufficient", lang)
        parts.append(f"{i18n.roamx_label(key, lang)} {value}")
    return i18n.t("country.describe_radar", lang, year=year, parts=", ".join(parts))


# -- bars (rights scores) -----------------------------------------------------------------------
def bar_chart(frame: pd.DataFrame, *, title: str, unit: str | None, sources: str,
              snapshot_id: str | None, lang: str = "en") -> go.Figure:
    """Horizontal bars: columns label, value."""
    frame = frame.iloc[::-1]
    fig = go.Figure(go.Bar(
        x=list(frame["value"]), y=list(frame["label"]), orientation="h", marker_color=OKABE_ITO[0],
        text=[i18n.fmt_number(v, lang) for v in frame["value"]], textposition="outside",
        hovertemplate="%{y}: %{x}<extra></extra>",
    ))
    stamp(fig, title=title, unit=unit, sources=sources, snapshot_id=snapshot_id, lang=lang)
    fig.update_layout(height=140 + 32 * len(frame))
    fig.update_yaxes(automargin=True)
    fig.update_xaxes(gridcolor="#eaeef2")
    return fig


# -- sparklines (no plotly: a tiny inline SVG) --------------------------------------------------
def sparkline_svg(values: list[float], width: int = 120, height: int = 28,
                  colour: str = OKABE_ITO[0]) -> str:
    """An SVG polyline of ``values`` (in order), the last point marked; '' for fewer than 2."""
    points = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if len(points) < 2:
        return ""
    lo, hi = min(points), max(points)
    span = (hi - lo) or 1.0
    pad = 3
    step = (width - 2 * pad) / (len(points) - 1)
    coords = [
        (pad + i * step, pad + (height - 2 * pad) * (1 - (v - lo) / span)) for i, v in enumerate(points)
    ]
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in coords)
    lx, ly = coords[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="{colour}" stroke-width="1.5" '
        f'points="{path}"/><circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{colour}"/></svg>'
    )


def svg_data_uri(svg: str) -> str:
    return "data:image/svg+xml;utf8," + quote(svg)


def trend_words(values: list[float], lang: str = "en") -> str:
    """A short alt text for a sparkline: first → last, min and max."""
    points = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if len(points) < 2:
        return ""
    f = i18n.fmt_number
    arrow = "↗" if points[-1] > points[0] else ("↘" if points[-1] < points[0] else "→")
    return (f"{f(points[0], lang)} {arrow} {f(points[-1], lang)} "
            f"(min {f(min(points), lang)}, max {f(max(points), lang)})")
