"""Figure builders: pure functions of data frames, returning plotly figures or plain text.

Nothing here queries data or reads the URL, so every builder is tested directly
(``tests/test_dashboard_figures.py``). Each figure carries its title, units, a source line and
the snapshot id inside the figure itself, so a downloaded PNG/SVG is citable on its own.
Palettes are colour-blind safe: viridis for maps (worse is darker), Okabe-Ito for lines.
"""

from __future__ import annotations

import math
from urllib.parse import quote

import numpy as np
import pandas as pd

from dashboard import i18n
from roamwatch.i18n import LANGUAGES
from roamwatch.i18n.formatting import locale as babel_locale

#: Okabe & Ito (2008), reordered so the first colours contrast most on white; yellow last.
OKABE_ITO = (
    "#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442",
)
DASHES = ("solid", "dash", "dot", "dashdot", "longdash", "longdashdot", "solid", "dash")
SYMBOLS = ("circle", "square", "diamond", "triangle-up", "x", "star", "cross", "triangle-down")
MAP_SCALE = "Viridis"
#: A figure: ``{"data": [trace dicts], "layout": {...}}`` (see :func:`figure`).
Figure = dict
FONT = "system-ui, -apple-system, 'Segoe UI', Roboto, 'Helvetica Neue', Arial, sans-serif"
#: No data: a light grey no colour of the map scale comes close to (viridis has no grey).
EMPTY_COLOUR = "#c8c8c8"
#: Countries a filter left out, and land without a country of the snapshot.
OUTSIDE_COLOUR = "#f0f0f0"
LAND_COLOUR = "#f0f0f0"


def _title(title: str, unit: str | None, lang: str = "en") -> str:
    return title if i18n.names_unit(title, unit, lang) else f"{title} ({unit})"


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


def bidi_lines(text: str, lang: str) -> str:
    """:func:`bidi` for each line of ``text`` (lines split by ``<br>``). A Latin value isolated
    inside an Arabic sentence (U+2068 … U+2069, see ``i18n.t``) that a line break cuts in two is
    closed at the end of its first line and opened again on the next, so each line lays out on
    its own (a source name wrapped across two lines put its second line at the wrong side)."""
    out, carry = [], 0
    for line in text.split("<br>"):
        line = "\u2068" * carry + line
        carry = max(line.count("\u2068") - line.count("\u2069"), 0)
        out.append(bidi(line + "\u2069" * carry, lang))
    return "<br>".join(out)


def legend(lang: str, **extra: object) -> dict:
    """A horizontal legend that starts where the reader starts: at the left, or at the right
    in a right-to-left language."""
    side = {"x": 1, "xanchor": "right"} if is_rtl(lang) else {"x": 0, "xanchor": "left"}
    return {"orientation": "h", **side, **extra}


#: Height kept free above a figure's title for plotly's toolbar, so the toolbar never sits on
#: the title (on a phone the title spans the whole width).
MODEBAR_STRIP = 36
#: Characters per line of a figure's title and of its source line: both wrap to fit a phone.
TITLE_WIDTH = 46
SOURCE_WIDTH = 64


#: A phone's legend row, in characters of 11 px text (about 280 px beside the plot's margin),
#: what one legend item costs besides its text (symbol and gap), and a row's height in pixels.
PHONE_LEGEND_CHARS = 44
LEGEND_ITEM_CHARS = 7
LEGEND_ROW = 20


def legend_room(names: list[str], chars: int = PHONE_LEGEND_CHARS) -> int:
    """Pixels to keep between the source line and the plot for a horizontal legend of ``names``
    as it wraps on a phone: one row when all fit, else plotly's grid of columns as wide as the
    widest item (figures are built before the browser's width is known, so room is kept for the
    narrowest screen; a wide screen shows a little more white above its legend)."""
    sizes = [len(name) + LEGEND_ITEM_CHARS for name in names]
    if not sizes:
        return 0
    if sum(sizes) <= chars:
        return LEGEND_ROW
    columns = max(1, chars // max(sizes))
    return LEGEND_ROW * -(-len(sizes) // columns)


def wrap(text: str, width: int) -> str:
    """``text`` with ``<br>`` between words so that no line is longer than ``width`` (a word
    longer than that stays whole)."""
    lines: list[str] = []
    for paragraph in str(text).split("<br>"):
        line = ""
        for word in paragraph.split(" "):
            if line and len(line) + 1 + len(word) > width:
                lines.append(line)
                line = word
            else:
                line = f"{line} {word}" if line else word
        lines.append(line)
    return "<br>".join(lines)


def figure(traces: list[dict], layout: dict) -> Figure:
    """A plotly figure as the dict ``dcc.Graph`` takes. Builders return these rather than
    ``go.Figure``: building and validating a ``go.Figure`` costs more than the rest of a page,
    and the tests validate every builder's dict with ``go.Figure(fig)``; wrap it the same way
    for plotly's own tools (``go.Figure(fig).write_image(...)``)."""
    return {"data": traces, "layout": layout}


def stamp_layout(*, title: str, unit: str | None, sources: str, snapshot_id: str | None,
                 lang: str = "en") -> dict:
    """The layout properties :func:`stamp` sets, as a dict to build a figure's layout in one go:
    the title (wrapped to fit a phone) under a strip kept free for the toolbar, then the source
    line and snapshot id. In a right-to-left language the title and source line sit at the
    right."""
    heading = wrap(_title(title, unit, lang), TITLE_WIDTH)
    subtitle = wrap(stamp_line(sources, snapshot_id, lang, width=SOURCE_WIDTH), SOURCE_WIDTH)
    x, anchor = (0.99, "right") if is_rtl(lang) else (0.01, "left")
    lines = heading.count("<br>") + 1
    small = subtitle.count("<br>") + 1
    return {
        "separators": separators(lang),
        "title": {
            "text": bidi_lines(heading, lang), "x": x,
            "xanchor": anchor, "y": 1, "yanchor": "top", "yref": "container", "font": {"size": 15},
            # plotly lifts a title of several lines by its extra lines: pad them back down
            "pad": {"t": MODEBAR_STRIP + 18 * (lines - 1)},
            "subtitle": {"text": bidi_lines(subtitle, lang),
                         "font": {"size": 10, "color": "#57606a"}},
        },
        "font": {"family": FONT, "size": 12, "color": "#1f2328"},
        "paper_bgcolor": "white",
        "plot_bgcolor": "white",
        "margin": {"l": 50, "r": 20, "t": MODEBAR_STRIP + 37 * lines - 18 + 13 * small + 14, "b": 40},
    }


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
    stops = [*starts[1:].tolist(), len(group)] if len(group) else []  # no rows: no group
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


#: Toolbar buttons never shown: selection tools make no sense here, and the ones that send a
#: chart to a server (Plotly Cloud, Chart Studio) would break the promise that the browser
#: contacts no other host.
REMOVED_BUTTONS = ["lasso2d", "select2d", "sendChartToCloud", "sendDataToCloud", "editInChartStudio",
                   "toggleSpikelines"]


def graph_config(filename: str, topojson_url: str | None = None, lang: str = "en") -> dict:
    """``dcc.Graph`` config: PNG download named after the chart, local map geometry, no logo,
    nothing that uploads the chart anywhere, and plotly's locale of the page language (month
    names, number separators, toolbar; files in ``assets/``)."""
    config = {
        "locale": LANGUAGES.get(lang, LANGUAGES["en"]).plotly,
        "displaylogo": False,
        "responsive": True,
        "showSendToCloud": False,
        "showEditInChartStudio": False,
        "showLink": False,
        "plotlyServerURL": "",
        "modeBarButtonsToRemove": list(REMOVED_BUTTONS),
        "toImageButtonOptions": {"format": "png", "filename": filename, "scale": 2},
    }
    if topojson_url:
        config["topojsonURL"] = topojson_url
    return config


# -- world map ----------------------------------------------------------------------------------
def map_colorscale(direction: str | None) -> tuple[str, bool]:
    """The colour scale of a map and whether it is reversed, so that *worse* is always darker:
    higher-is-better metrics run dark → light, lower-is-better ones light → dark. Without a
    known direction, darker is lower."""
    return MAP_SCALE, direction == "lower_better"


def choropleth(values: pd.DataFrame, *, title: str, unit: str | None, sources: str,
               snapshot_id: str | None, lang: str = "en", zrange: tuple[float, float] | None = None,
               direction: str | None = None, outside: pd.DataFrame | None = None) -> Figure:
    """A world map of ``values`` (columns iso3, name, value, and optionally note: why a
    country without a value has none).

    Countries whose value is missing get the no-data fill, with its own legend entry (they stay
    clickable, like every country); ``outside`` (iso3, name) are countries a filter left out,
    drawn pale. ``zrange`` fixes the colour domain so a filter or a year never rescales it, and
    ``direction`` orients the scale (:func:`map_colorscale`).
    """
    has = values[values["value"].notna()]
    missing = values[values["value"].isna()]
    no_data = i18n.t("common.no_data", lang)
    traces: list[dict] = []
    if outside is not None and not outside.empty:
        traces.append({
            "type": "choropleth", "locations": list(outside["iso3"]), "z": [0] * len(outside),
            "locationmode": "ISO-3", "colorscale": [[0, OUTSIDE_COLOUR], [1, OUTSIDE_COLOUR]],
            "showscale": False, "customdata": list(outside["iso3"]), "text": list(outside["name"]),
            "hovertemplate": "%{text}<extra></extra>", "marker": {"line": {"color": "white", "width": 0.5}},
            "name": i18n.t("world.outside_filter", lang), "showlegend": False,
        })
    if not missing.empty:
        notes = missing["note"] if "note" in missing else [None] * len(missing)
        traces.append({
            "type": "choropleth", "locations": list(missing["iso3"]), "z": [0] * len(missing),
            "locationmode": "ISO-3", "colorscale": [[0, EMPTY_COLOUR], [1, EMPTY_COLOUR]],
            "showscale": False, "customdata": list(missing["iso3"]),
            "text": [f"{n}<br>{note if isinstance(note, str) and note else no_data}"
                     for n, note in zip(missing["name"], notes, strict=True)],
            "hovertemplate": "%{text}<extra></extra>", "marker": {"line": {"color": "white", "width": 0.5}},
            "name": no_data, "showlegend": True,
        })
    scale, reverse = map_colorscale(direction)
    bar_title = unit if unit and len(unit) <= 14 else ""
    choro: dict = {
        "type": "choropleth", "locations": list(has["iso3"]), "z": _values(has["value"]),
        "locationmode": "ISO-3", "colorscale": scale, "reversescale": reverse,
        "text": [f"{name}<br>{i18n.fmt_value(v, unit, lang)}"
                 for name, v in zip(has["name"], has["value"], strict=True)],
        "hovertemplate": "%{text}<extra></extra>", "marker": {"line": {"color": "white", "width": 0.5}},
        # under the map, so the map keeps the whole width on a phone
        "colorbar": {"title": {"text": bar_title, "side": "top"}, "thickness": 10, "len": 0.55,
                     "orientation": "h", "x": 0.99, "xanchor": "right", "y": 0, "yanchor": "top",
                     "ypad": 4},
        "customdata": list(has["iso3"]), "showlegend": False, "name": title,
    }
    if zrange is not None and None not in zrange and zrange[0] < zrange[1]:
        choro["zmin"], choro["zmax"] = float(zrange[0]), float(zrange[1])
        choro["zauto"] = False
    traces.append(choro)
    layout = stamp_layout(title=title, unit=unit, sources=sources, snapshot_id=snapshot_id, lang=lang)
    layout.update(
        geo={"showframe": False, "showcoastlines": False, "showcountries": True, "countrycolor": "white",
             "showland": True, "landcolor": LAND_COLOUR, "showocean": False, "showlakes": False,
             "projection": {"type": "natural earth"}, "lataxis": {"range": [-58, 85]}},
        margin={"l": 0, "r": 0, "t": layout["margin"]["t"] - 10, "b": 56}, height=500, dragmode=False,
        legend=legend(lang, y=0, yanchor="top", bgcolor="rgba(255,255,255,0.7)", itemclick=False,
                      itemdoubleclick=False),
    )
    return figure(traces, layout)


def describe_ranking(values: pd.DataFrame, *, label: str, unit: str | None, year: object,
                     lang: str = "en") -> str:
    """One sentence: how many countries, highest, lowest, median (values: name, value)."""
    has = values[values["value"].notna()].sort_values("value", ascending=False)
    if has.empty:
        return i18n.t("world.describe_empty", lang, metric=label, year=year)
    top, bottom = has.iloc[0], has.iloc[-1]
    return i18n.tn(
        "{metric}, {year}: {n} country has a value. Highest: {top}. Lowest: {bottom}. Median: {median}.",
        "{metric}, {year}: {n} countries have a value. Highest: {top}. Lowest: {bottom}. Median: {median}.",
        len(has), lang, metric=label, year=year, n=i18n.fmt_number(len(has), lang, 0),
        top=f"{top['name']} ({i18n.fmt_value(top['value'], unit, lang)})",
        bottom=f"{bottom['name']} ({i18n.fmt_value(bottom['value'], unit, lang)})",
        median=i18n.fmt_value(has["value"].median(), unit, lang),
    )


# -- lines --------------------------------------------------------------------------------------
def line_chart(series: pd.DataFrame, *, title: str, unit: str | None, sources: str,
               snapshot_id: str | None, lang: str = "en", yrange: tuple[float, float] | None = None,
               height: int = 380) -> Figure:
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
            # formatted like the page's tables (CLDR, the digits of the unit's kind)
            "hovertext": [f"{label}<br>{_x(x)[:10]}: {i18n.fmt_value(y, unit, lang)}"
                          for x, y in zip(xs[a:b], ys[a:b], strict=True)],
            "hovertemplate": "%{hovertext}<extra></extra>",
        })
    # One layout dict: each update_layout/update_xaxes call would validate again.
    layout = stamp_layout(title=title, unit=unit, sources=sources, snapshot_id=snapshot_id, lang=lang)
    layout["margin"] = {"l": 55, "r": 20, "t": layout["margin"]["t"], "b": 30}
    if is_rtl(lang):  # the value axis where a right-to-left reader starts; time still runs →
        layout["margin"].update(l=20, r=55)
    xaxis: dict = {"showgrid": False, "linecolor": "#8c959f", "ticks": "outside"}
    yaxis: dict = {"gridcolor": "#eaeef2", "zeroline": False, "title": {"text": unit or ""},
                   "side": "right" if is_rtl(lang) else "left"}
    if yrange is None:
        yrange = share_range(series["value"], unit)
    if yrange is not None:
        yaxis["range"] = list(yrange)
    elif len(series) and (series["value"].dropna() >= 0).all():
        yaxis["rangemode"] = "tozero"  # counts and other non-negative amounts start at zero
    if pd.api.types.is_integer_dtype(series["x"]):  # years: no "2021.5" ticks
        xaxis["tickformat"] = "d"
        if series["x"].nunique() <= 12:
            xaxis["dtick"] = 1
    layout.update(height=height, hovermode="closest",
                  legend=legend(lang, y=-0.12, yanchor="top"),
                  xaxis=xaxis, yaxis=yaxis)
    return figure(traces, layout)


#: Women and men: colour, marker and the side of the year each is drawn on. Women are an open
#: ring larger than the men's filled square, and the two sit a little apart along the year, so
#: neither hides the other when the values are equal (Estonia 2018: 89.3 and 89.4).
SEX_STYLE = {
    "women": {"colour": OKABE_ITO[3], "symbol": "circle-open", "size": 11, "width": 2.5, "shift": -0.12},
    "men": {"colour": OKABE_ITO[0], "symbol": "square", "size": 7, "width": 0, "shift": 0.12},
}


#: The narrowest year axis of the women/men chart, in years.
MIN_YEARS = 5


def gender_chart(series: pd.DataFrame, *, title: str, sources: str, snapshot_id: str | None,
                 lang: str = "en") -> Figure:
    """Internet use of women and of men (columns label, sex ``women``/``men``, x, value; one
    line per label, e.g. per source), in percent on a 0–100 axis.

    The two sexes never hide each other: different colours, an open ring against a filled
    square, a small shift to either side of the year (yearly data; the value axis is untouched),
    and the latest year with both values is labelled with its gap in points. Hover texts are
    formatted like the page's tables (CLDR, one decimal)."""
    fig = line_chart(series[["label", "x", "value"]], title=title, unit="%", sources=sources,
                     snapshot_id=snapshot_id, lang=lang)
    yearly = pd.api.types.is_integer_dtype(series["x"])
    sexes = {bidi(str(label), lang): (str(label), sex)
             for label, sex in zip(series["label"], series["sex"], strict=True)}
    for trace in fig["data"]:
        label, sex = sexes.get(trace["name"], (trace["name"], "men"))
        style = SEX_STYLE.get(sex, SEX_STYLE["men"])
        years = list(trace["x"])
        trace["line"]["color"] = style["colour"]
        trace["marker"] = {"symbol": style["symbol"], "size": style["size"], "color": style["colour"],
                           "line": {"width": style["width"], "color": style["colour"]}}
        if yearly:
            trace["x"] = [x + style["shift"] for x in years]
        trace["hovertext"] = [f"{label}<br>{_x(x)}: {i18n.fmt_value(y, '%', lang)}"
                              for x, y in zip(years, trace["y"], strict=True)]
        trace["hovertemplate"] = "%{hovertext}<extra></extra>"
    if yearly and len(series):
        # room either side, so the shifted markers stay beside their year; at least MIN_YEARS wide,
        # or one or two years' markers would sit a fifth of the chart apart, like different dates
        lo, hi = int(series["x"].min()), int(series["x"].max())
        pad = max(0.6, (MIN_YEARS - (hi - lo)) / 2)
        fig["layout"]["xaxis"]["range"] = [lo - pad, hi + pad]
    gap = gender_gap(series)
    if gap is not None:
        x, women, men = gap
        top = max(women, men)
        fig["layout"]["annotations"] = [*fig["layout"].get("annotations", []), {
            "x": x, "y": top, "xref": "x", "yref": "y", "yshift": 16, "showarrow": False,
            "text": bidi(i18n.t("gender.gap_label", lang, gap=i18n.fmt_kind(men - women, "%", lang)), lang),
            "font": {"size": 11, "color": "#24292f"},
        }]
    return fig


def gender_gap(series: pd.DataFrame) -> tuple[object, float, float] | None:
    """(x, women, men) of the latest x with a value for both sexes from one source (column
    ``source`` when several sources are drawn: a gap never pairs one source's women with
    another's men; the first source listed wins a tie), or ``None``."""
    frame = series.dropna(subset=["value"])
    if "source" not in frame:
        frame = frame.assign(source="")
    order = {s: i for i, s in enumerate(dict.fromkeys(frame["source"]))}
    both = frame.pivot_table(index=["source", "x"], columns="sex", values="value", aggfunc="first")
    if not {"women", "men"} <= set(both.columns):
        return None
    both = both.dropna(subset=["women", "men"]).reset_index()
    if both.empty:
        return None
    both = both.assign(_o=both["source"].map(order)).sort_values(["x", "_o"], ascending=[False, True])
    best = both.iloc[0]
    return (best["x"], float(best["women"]), float(best["men"]))


def share_range(values: pd.Series, unit: str | None) -> tuple[float, float] | None:
    """A percentage axis runs from 0 to 100 (to the highest value when some exceed 100), so a
    0.1-point gap looks like one."""
    if (unit or "").strip() != "%":
        return None
    top = values.dropna().max() if len(values) else None
    return (0.0, 100.0 if top is None or pd.isna(top) or top <= 100 else float(top) * 1.05)


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
    return i18n.t("country.describe_lines", lang, title=title, parts=i18n.join_clauses(parts, lang))


def x_values(frame: pd.DataFrame) -> pd.Series:
    """Years as integers when every period is a year, else the period start dates."""
    if frame["period"].astype(str).str.fullmatch(r"\d{4}").all():
        return frame["period"].astype(int)
    return frame["period_start"]


def _x(value: object) -> str:
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d") if (value.month, value.day) != (1, 1) else str(value.year)
    return str(value)


# -- OONI ---------------------------------------------------------------------------------------
#: OONI's result classes in stacking order, with colours close to OONI Explorer's (ok green,
#: anomaly orange, confirmed red, failure grey), distinguishable with colour-blindness.
OONI_CLASSES = (
    ("ok", "ok_share", "ok", "#009E73"),
    ("anomaly", "anomaly_share", "anomalies", "#E69F00"),
    ("confirmed", "confirmed_share", "confirmed", "#D55E00"),
    ("failure", "failure_share", "failures", "#8C8C8C"),
)
OONI_PANEL_HEIGHT = 140
#: A month's bar: 26 days wide in milliseconds (a date axis's unit). plotly sizes bars from the
#: gaps between them, so a test measured in one month only would be drawn a hairline wide.
MONTH_BAR_WIDTH = 26 * 86_400_000


def month_axis(first: pd.Timestamp, last: pd.Timestamp) -> dict:
    """A date axis of whole months from ``first`` to ``last`` (month starts): month ticks, never
    hours, a few days of room on each side (so no empty month is labelled at either end)."""
    months = (last.year - first.year) * 12 + last.month - first.month + 1
    step = 1 if months <= 8 else 2 if months <= 16 else 3 if months <= 30 else 6 if months <= 60 else 12
    return {
        "type": "date", "tickformat": "%b %Y" if step < 12 else "%Y", "dtick": f"M{step}",
        "tick0": first.strftime("%Y-%m-%d"), "ticklabelmode": "period",
        "range": [(first - pd.Timedelta(days=3)).strftime("%Y-%m-%d"),
                  (last + pd.DateOffset(months=1) + pd.Timedelta(days=3)).strftime("%Y-%m-%d")],
        "showgrid": False, "linecolor": "#8c959f", "ticks": "outside",
    }


def ooni_bars(months: pd.DataFrame, *, title: str, sources: str, snapshot_id: str | None,
              lang: str = "en", threshold: int = 10) -> Figure:
    """OONI results as OONI Explorer shows them: per test (one small chart each, readable test
    names), stacked bars of the share of ok / anomaly / confirmed / failure measurements per
    month, with the month's measurement count; months with fewer than ``threshold``
    measurements are drawn faded, never left out.

    ``months``: test, month, measurements, ok, anomalies, confirmed, failures, the four
    ``*_share`` columns (percent) and low_sample, ordered by test and month.
    """
    test_col = months["test"].tolist()
    starts = [i for i in range(len(test_col)) if i == 0 or test_col[i] != test_col[i - 1]]
    bounds = list(zip(starts, [*starts[1:], len(test_col)], strict=True))
    n = max(1, len(bounds))
    stamps = [pd.Timestamp(m) for m in months["month"].tolist()]
    first, last = min(stamps), max(stamps)
    xs = [m.strftime("%Y-%m-%d") for m in stamps]
    faded_all = [0.35 if low else 1.0 for low in months["low_sample"].tolist()]
    counts_all = [i18n.fmt_number(v, lang, 0) for v in months["measurements"].tolist()]
    columns = {name: months[name].tolist()
               for _b, share, count, _c in OONI_CLASSES for name in (share, count)}
    paper = OONI_PANEL_HEIGHT * n  # pixels: per test a title row, a count row, the bars, a gap
    layout = stamp_layout(title=title, unit="%", sources=sources, snapshot_id=snapshot_id, lang=lang)
    top = layout["margin"]["t"] + 44  # the legend (two rows on a phone) under the title
    layout.update(height=top + paper + 40, barmode="stack", bargap=0.15, hovermode="closest",
                  showlegend=True,
                  legend=legend(lang, y=1.0, yanchor="bottom", traceorder="normal", font={"size": 11},
                                itemclick=False, itemdoubleclick=False),
                  margin={"l": 48, "r": 12, "t": top, "b": 40})
    annotations = []
    traces = []
    measured = i18n.t("country.measurements", lang).lower()
    labels = {bucket: i18n.ooni_bucket_label(bucket, lang) for bucket, *_ in OONI_CLASSES}
    for i, (a, b) in enumerate(bounds):
        test = test_col[a]
        name = i18n.ooni_test_name(test, lang)
        axis = "" if i == 0 else str(i + 1)
        block = i * OONI_PANEL_HEIGHT
        bars_top = 1.0 - (block + 32) / paper
        bars_bottom = 1.0 - (block + OONI_PANEL_HEIGHT - 12) / paper
        x, faded, counts = xs[a:b], faded_all[a:b], counts_all[a:b]
        for bucket, share, count, colour in OONI_CLASSES:
            label = labels[bucket]
            traces.append({
                "type": "bar", "x": x, "y": columns[share][a:b], "xaxis": f"x{axis}", "yaxis": f"y{axis}",
                "name": label, "legendgroup": bucket, "showlegend": i == 0,
                "marker": {"color": colour, "opacity": faded, "line": {"width": 0}},
                "xperiod": "M1", "xperiodalignment": "middle", "width": MONTH_BAR_WIDTH,
                "customdata": [[c, i18n.fmt_number(k, lang, 0), i18n.fmt_value(v, "%", lang)]
                               for c, k, v in zip(counts, columns[count][a:b], columns[share][a:b],
                                                  strict=True)],
                "hovertemplate": (f"{name} · %{{x|%b %Y}}<br>{label}: "
                                  f"%{{customdata[2]}} (%{{customdata[1]}} / %{{customdata[0]}} {measured})"
                                  "<extra></extra>"),
            })
        annotations.append({
            "text": f"<b>{name}</b>", "x": 0, "xref": "paper", "xanchor": "left",
            "y": 1.0 - block / paper, "yref": "paper", "yanchor": "top", "showarrow": False,
            "font": {"size": 12},
        })
        # the month's measurement count just above each bar
        traces.append({
            "type": "scatter", "mode": "text", "x": x, "y": [100] * len(x), "text": counts,
            "textposition": "top center", "textfont": {"size": 9, "color": "#57606a"},
            "xaxis": f"x{axis}", "yaxis": f"y{axis}", "hoverinfo": "skip", "showlegend": False,
            "cliponaxis": False, "xperiod": "M1", "xperiodalignment": "middle",
        })
        xaxis = month_axis(first, last)
        xaxis.update(anchor=f"y{axis}", showticklabels=i == n - 1)
        if i > 0:
            xaxis["matches"] = "x"
        layout[f"xaxis{axis}"] = xaxis
        layout[f"yaxis{axis}"] = {"domain": [max(0.0, bars_bottom), min(1.0, bars_top)], "range": [0, 100],
                                  "ticksuffix": "%", "tickvals": [0, 50, 100], "gridcolor": "#eaeef2",
                                  "zeroline": False, "anchor": f"x{axis}", "fixedrange": True}
    if (months["low_sample"]).any():
        annotations.append({
            "text": i18n.t("country.ooni_faded", lang, n=threshold), "x": 1, "xref": "paper",
            "xanchor": "right", "y": 0, "yref": "paper", "yanchor": "top", "yshift": -22,
            "showarrow": False, "font": {"size": 10, "color": "#57606a"},
        })
    layout["annotations"] = annotations
    return figure(traces, layout)


def describe_ooni(months: pd.DataFrame, lang: str = "en") -> str:
    """Per test: months measured, measurements, and the share confirmed blocked / anomalous."""
    parts = []
    for test, part in months.groupby("test", sort=False):
        total = part["measurements"].sum()
        parts.append(i18n.t(
            "country.describe_ooni_test", lang, test=i18n.ooni_test_name(str(test), lang),
            months=len(part), n=i18n.fmt_number(total, lang, 0),
            confirmed=i18n.fmt_kind(100 * part["confirmed"].sum() / total, "%", lang),
            anomaly=i18n.fmt_kind(100 * part["anomalies"].sum() / total, "%", lang),
        ))
    return i18n.t("common.sentence", lang, parts=i18n.join_clauses(parts, lang))


# -- ROAM-X radar -------------------------------------------------------------------------------
#: Characters per line of a ROAM-X category name around the radar, and the room kept on each side.
RADAR_LABEL_WIDTH = 14
RADAR_SIDE = 85


def radar(profile: pd.DataFrame, *, title: str, snapshot_id: str | None, lang: str = "en",
          labels: dict[str, str] | None = None) -> Figure:
    """Scores (0–100) per category: columns key, country, region, income_group, world (NaN
    allowed; absent columns are skipped). ``labels`` maps column names to legend labels."""
    labels = labels or {}
    # category names sit outside the circle, where plotly keeps no room for them: on a phone
    # "Multi-stakeholder participation" ran off the figure; wrapped, they fit beside the margins
    theta = [wrap(i18n.roamx_label(k, lang), RADAR_LABEL_WIDTH) for k in profile["key"]]
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
            # scores to the digits of every score on the page (CLDR)
            "hovertext": [f"{labels.get(column, column)}<br>{i18n.roamx_label(k, lang)}: "
                          f"{i18n.fmt_kind(v, '0–100', lang)}"
                          for k, v in zip(profile["key"], r, strict=True)],
            "hovertemplate": "%{hovertext}<extra></extra>",
        }
        trace["hovertext"] += trace["hovertext"][:1]
        if i == 0:
            trace["fill"] = "toself"
        traces.append(trace)
    layout = stamp_layout(title=title, unit="0–100", sources="roamwatch", snapshot_id=snapshot_id,
                          lang=lang)
    layout.update(
        polar={"radialaxis": {"range": [0, 100], "gridcolor": "#d0d7de", "angle": 54,
                              "tickfont": {"size": 9, "color": "#57606a"}, "tickvals": [25, 50, 75, 100]},
               "angularaxis": {"gridcolor": "#d0d7de", "rotation": 90, "direction": "clockwise",
                               "tickfont": {"size": 11}},
               "bgcolor": "#f6f8fa"},
        # the legend starts at the figure's edge, not the plot's (which the label room moved in)
        height=440, legend=legend(lang, y=-0.08, xref="container", x=0.99 if is_rtl(lang) else 0.01),
        margin={"l": RADAR_SIDE, "r": RADAR_SIDE, "t": layout["margin"]["t"] + 20, "b": 40},
    )
    return figure(traces, layout)


def describe_radar(profile: pd.DataFrame, year: object, lang: str = "en") -> str:
    parts = []
    for key, country in zip(profile["key"], profile["country"], strict=True):
        value = i18n.fmt_kind(country, "0–100", lang) if not i18n.is_missing(country) else \
            i18n.t("common.insufficient", lang)
        parts.append(f"{i18n.roamx_label(key, lang)} {value}")
    return i18n.t("country.describe_radar", lang, year=year, parts=i18n.join(parts, lang))


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
    path = " ".join(f"{x:.3g},{y:.3g}" for x, y in coords)
    lx, ly = coords[-1]
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}"><polyline fill="none" stroke="{colour}" stroke-width="1.5" '
        f'points="{path}"/><circle cx="{lx:.1f}" cy="{ly:.1f}" r="2.5" fill="{colour}"/></svg>'
    )


def svg_data_uri(svg: str) -> str:
    """The SVG as a data URI, escaping only what a URI needs (a page holds dozens of them)."""
    return "data:image/svg+xml;utf8," + quote(svg, safe=" ,.=/:;'()-")


def trend_words(values: list[float], lang: str = "en", unit: str | None = None) -> str:
    """A short alt text for a sparkline: first → last, min and max (to the digits of ``unit``'s
    kind, like the value beside it)."""
    points = [float(v) for v in values if v is not None and not math.isnan(float(v))]
    if len(points) < 2:
        return ""

    def f(v: float, lang: str) -> str:
        return i18n.fmt_kind(v, unit, lang)
    arrow = "↗" if points[-1] > points[0] else ("↘" if points[-1] < points[0] else "→")
    return i18n.t("{first} {arrow} {last} (lowest {low}, highest {high})", lang, first=f(points[0], lang),
                  arrow=arrow, last=f(points[-1], lang), low=f(min(points), lang), high=f(max(points), lang))
