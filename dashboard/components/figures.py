"""Figure builders: pure functions of data frames, returning plotly figures or plain text.

Nothing here queries data or reads the URL, so every builder is tested directly
(``tests/test_dashboard_figures.py``). Each figure carries its title, units, a source line and
the snapshot id inside the figure itself, so a downloaded PNG/SVG is citable on its own.
Palettes are colour-blind safe: cividis for maps, Okabe-Ito for lines.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import pandas as pd
import plotly.graph_objects as go

from dashboard import i18n

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


def stamp(fig: go.Figure, *, title: str, unit: str | None, sources: str, snapshot_id: str | None,
          lang: str = "en") -> go.Figure:
    """Draw the title (with unit) and, under it, the source line and snapshot id into ``fig``."""
    subtitle = stamp_line(sources, snapshot_id, lang)
    fig.update_layout(
        title={
            "text": _title(title, unit), "x": 0.01, "xanchor": "left", "y": 0.98, "yanchor": "top",
            "yref": "container", "font": {"size": 15},
            "subtitle": {"text": subtitle,
                         "font": {"size": 10, "color": "#57606a"}},
        },
        font={"family": FONT, "size": 12, "color": "#1f2328"},
        paper_bgcolor="white",
        plot_bgcolor="white",
        margin={"l": 50, "r": 20, "t": 85 if "<br>" in subtitle else 70, "b": 40},
    )
    return fig


def graph_config(filename: str, topojson_url: str | None = None) -> dict:
    """``dcc.Graph`` config: PNG download named after the chart, local map geometry, no logo."""
    config = {
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
    fig = go.Figure()
    for i, (label, part) in enumerate(series.groupby("label", sort=False)):
        part = part.sort_values("x")
        c = int(part["colour"].iloc[0]) if "colour" in part else i
        d = int(part["dash"].iloc[0]) if "dash" in part else i
        fig.add_trace(go.Scatter(
            x=list(part["x"]), y=list(part["value"]), name=str(label), mode="lines+markers",
            line={"color": OKABE_ITO[c % len(OKABE_ITO)], "dash": DASHES[d % len(DASHES)], "width": 2},
            marker={"symbol": SYMBOLS[c % len(SYMBOLS)], "size": 6},
            hovertemplate=f"{label}<br>%{{x}}: %{{y:,.4~g}}<extra></extra>",
        ))
    stamp(fig, title=title, unit=unit, sources=sources, snapshot_id=snapshot_id, lang=lang)
    fig.update_layout(
        height=height, hovermode="closest",
        legend={"orientation": "h", "y": -0.12, "x": 0, "yanchor": "top"},
        margin={"l": 55, "r": 20, "t": fig.layout.margin.t, "b": 30},
    )
    fig.update_xaxes(showgrid=False, linecolor="#8c959f", ticks="outside")
    fig.update_yaxes(gridcolor="#eaeef2", zeroline=False, title={"text": unit or ""})
    if yrange is not None:
        fig.update_yaxes(range=list(yrange))
    if pd.api.types.is_integer_dtype(series["x"]):  # years: no "2021.5" ticks
        fig.update_xaxes(tickformat="d", dtick=1 if series["x"].nunique() <= 12 else None)
    return fig


def describe_lines(series: pd.DataFrame, *, title: str, unit: str | None, lang: str = "en") -> str:
    """Per line: first and last value with their x (series: label, x, value)."""
    parts = []
    for label, part in series.dropna(subset=["value"]).groupby("label", sort=False):
        part = part.sort_values("x")
        first, last = part.iloc[0], part.iloc[-1]
        parts.append(i18n.t(
            "country.describe_series", lang, label=label,
            first=i18n.fmt_value(first["value"], unit, lang), first_year=_x(first["x"]),
            last=i18n.fmt_value(last["value"], unit, lang), last_year=_x(last["x"]),
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
    one row per source × kind. Ongoing events (no end) run to ``now``."""
    now = now if now is not None else pd.Timestamp.now().floor("D")
    frame = events.copy()
    frame["row"] = frame["source_name"].astype(str) + " · " + frame["kind"].astype(str)
    frame["end"] = frame["end_time"].where(frame["end_time"].notna(), now)
    # A bar needs a visible width: at least one day, and at least 1/150 of the time span.
    span = (frame["end"].max() - frame["start_time"].min()) if len(frame) else pd.Timedelta(0)
    shortest = max(pd.Timedelta(days=1), span / 150)
    frame["end"] = [max(e, s + shortest) for s, e in zip(frame["start_time"], frame["end"], strict=True)]
    fig = go.Figure()
    for i, (row, part) in enumerate(frame.groupby("row", sort=True)):
        hover = [
            f"{row}<br>{i18n.fmt_date(s, lang, True)} → "
            f"{i18n.fmt_date(e, lang, True) if not i18n.is_missing(e) else i18n.t('country.ongoing', lang)}"
            for s, e in zip(part["start_time"], part["end_time"], strict=True)
        ]
        base = list(part["start_time"])
        width_ms = [(e - s).total_seconds() * 1000 for s, e in zip(part["start_time"], part["end"],
                                                                   strict=True)]
        fig.add_trace(go.Bar(
            x=width_ms, base=base, y=[row] * len(part), orientation="h", name=row,
            marker_color=OKABE_ITO[i % len(OKABE_ITO)], hovertext=hover,
            hovertemplate="%{hovertext}<extra></extra>", showlegend=False,
        ))
    stamp(fig, title=title, unit=None, sources=sources, snapshot_id=snapshot_id, lang=lang)
    n_rows = max(1, frame["row"].nunique())
    fig.update_layout(height=160 + 40 * n_rows, barmode="overlay", bargap=0.3)
    fig.update_xaxes(type="date", showgrid=True, gridcolor="#eaeef2")
    fig.update_yaxes(automargin=True)
    return fig


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
    """Scores (0–100) per category: columns key, country, region, world (NaN allowed).
    ``labels`` maps column names to legend labels."""
    labels = labels or {}
    theta = [i18n.roamx_label(k, lang) for k in profile["key"]]
    fig = go.Figure()
    for i, column in enumerate(("country", "region", "world")):
        if column not in profile or profile[column].isna().all():
            continue
        r = list(profile[column])
        fig.add_trace(go.Scatterpolar(
            r=r + r[:1], theta=theta + theta[:1], name=labels.get(column, column),
            line={"color": OKABE_ITO[i], "dash": DASHES[i], "width": 2.5 if i == 0 else 1.5},
            fill="toself" if i == 0 else None, opacity=0.9,
            marker={"symbol": SYMBOLS[i]},
        ))
    stamp(fig, title=title, unit="0–100", sources="roamwatch", snapshot_id=snapshot_id, lang=lang)
    fig.update_layout(
        polar={"radialaxis": {"range": [0, 100], "gridcolor": "#d0d7de", "angle": 54,
                              "tickfont": {"size": 9, "color": "#57606a"}, "tickvals": [25, 50, 75, 100]},
               "angularaxis": {"gridcolor": "#d0d7de", "rotation": 90, "direction": "clockwise"},
               "bgcolor": "#f6f8fa"},
        height=440, legend={"orientation": "h", "y": -0.08},
        margin={"l": 40, "r": 40, "t": fig.layout.margin.t + 20, "b": 40},
    )
    return fig


def describe_radar(profile: pd.DataFrame, year: object, lang: str = "en") -> str:
    parts = []
    for row in profile.itertuples():
        value = i18n.fmt_number(row.country, lang, 0) if not i18n.is_missing(row.country) else \
            i18n.t("common.insufficient", lang)
        parts.append(f"{i18n.roamx_label(row.key, lang)} {value}")
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
