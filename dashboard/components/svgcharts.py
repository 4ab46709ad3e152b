"""Static charts as SVG text, drawn without a browser: pure functions of plain data.

The country brief is printed (WeasyPrint) and e-mailed; plotly needs a browser (Kaleido) to
make a static image, so these few chart types are drawn directly. Each function returns one
``<svg>`` element with a ``<title>`` (its accessible name) and sizes in CSS pixels; colours are
the dashboard's (Okabe-Ito), and every series also differs by marker shape so the charts read
in greyscale.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from html import escape

from dashboard import i18n

OKABE_ITO = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
GRID = "#d0d7de"
INK = "#1f2328"
MUTED = "#57606a"
FONT = "DejaVu Sans, Helvetica, Arial, sans-serif"


#: Set while drawing for WeasyPrint in a right-to-left language: its SVG text does not run the
#: bidi algorithm (glyphs are laid out left to right in logical order, words and letters alike),
#: so Arabic text is handed over already shaped (presentation forms, ``arabic_reshaper``) and in
#: visual order (``python-bidi``). A browser does both itself and gets the text as it is.
_VISUAL_RTL: ContextVar[bool] = ContextVar("svgcharts_visual_rtl", default=False)
_RTL_CHARS = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufeff]")


@contextmanager
def visual_order(on: bool = True) -> Iterator[None]:
    """Within the block, SVG text in right-to-left scripts is written shaped, in visual order."""
    token = _VISUAL_RTL.set(on)
    try:
        yield
    finally:
        _VISUAL_RTL.reset(token)


def visual_text(text: str) -> str:
    """``text`` of a right-to-left paragraph as a left-to-right renderer must draw it: Arabic
    letters in their joining forms, every run in visual order (numbers and Latin names keep
    theirs)."""
    import arabic_reshaper
    from bidi import get_display

    text = text.replace("\u2068", "").replace("\u2069", "")  # isolates: the reordering is done here
    return get_display(arabic_reshaper.reshape(text), base_dir="R")


def _f(x: float) -> str:
    return f"{x:.1f}".rstrip("0").rstrip(".")


def _open(width: float, height: float, title: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{_f(width)}" height="{_f(height)}" '
        f'viewBox="0 0 {_f(width)} {_f(height)}" role="img" font-family="{FONT}" font-size="9">',
        f"<title>{escape(title)}</title>",
    ]


def _text(x: float, y: float, text: str, *, anchor: str = "start", size: float = 9, fill: str = INK,
          weight: str = "normal") -> str:
    if _VISUAL_RTL.get() and _RTL_CHARS.search(text):
        text = visual_text(text)
    return (f'<text x="{_f(x)}" y="{_f(y)}" text-anchor="{anchor}" font-size="{_f(size)}" '
            f'fill="{fill}" font-weight="{weight}">{escape(text)}</text>')


def marker(shape: int, x: float, y: float, r: float, colour: str, filled: bool = True) -> str:
    """One of four marker shapes: 0 circle, 1 diamond, 2 triangle, 3 square."""
    fill = colour if filled else "white"
    style = f'fill="{fill}" stroke="{colour}" stroke-width="1.3"'
    shape %= 4
    if shape == 0:
        return f'<circle cx="{_f(x)}" cy="{_f(y)}" r="{_f(r)}" {style}/>'
    if shape == 1:
        pts = [(x, y - r * 1.25), (x + r * 1.25, y), (x, y + r * 1.25), (x - r * 1.25, y)]
    elif shape == 2:
        pts = [(x, y - r * 1.3), (x + r * 1.2, y + r * 0.9), (x - r * 1.2, y + r * 0.9)]
    else:
        pts = [(x - r, y - r), (x + r, y - r), (x + r, y + r), (x - r, y + r)]
    return f'<polygon points="{" ".join(f"{_f(a)},{_f(b)}" for a, b in pts)}" {style}/>'


# -- ROAM-X profile: one row per category, the country against medians on 0–100 ------------------
@dataclass(frozen=True)
class ProfileRow:
    label: str
    value: float | None
    #: (legend label, value) per comparison group, drawn in the order given.
    medians: tuple[tuple[str, float | None], ...] = ()
    note: str = ""


def profile(rows: Sequence[ProfileRow], *, title: str, country_label: str, lang: str,
            width: float = 640, row_height: float = 21) -> str:
    """A dot plot: per row the country's score (filled circle) and the medians (open markers)
    on a shared 0–100 axis; a row without a score says ``note`` (e.g. "insufficient data")."""
    rtl = i18n.direction(lang) == "rtl"
    # the label column fits the longest label (Russian or Arabic names run longer than English)
    label_w = max(180.0, 16 + 5.8 * max((len(r.label) for r in rows), default=0))
    top = 34.0
    # right to left: labels on the right, legend from the right; the value axis still runs 0 → 100
    left, right = (20.0, label_w) if rtl else (label_w, 20.0)
    plot_w = width - left - right
    height = top + row_height * len(rows) + 30
    out = _open(width, height, title)

    def sx(v: float) -> float:
        return left + plot_w * max(0.0, min(100.0, v)) / 100.0

    # legend
    groups = [g for g, _ in (rows[0].medians if rows else ())]
    items = [(country_label, 0, OKABE_ITO[0], True)] + [
        (g, i + 1, OKABE_ITO[i + 1], False) for i, g in enumerate(groups)]
    x = width - 20 if rtl else left
    for label, shape, colour, filled in items:
        if rtl:
            out.append(marker(shape, x - 4, 12, 4, colour, filled))
            out.append(_text(x - 12, 15, label, anchor="end", size=8.5))
            x -= 22 + 5.2 * len(label)
        else:
            out.append(marker(shape, x + 4, 12, 4, colour, filled))
            out.append(_text(x + 12, 15, label, size=8.5))
            x += 22 + 5.2 * len(label)
    # grid and axis
    bottom = top + row_height * len(rows)
    for tick in (0, 25, 50, 75, 100):
        gx = sx(tick)
        out.append(f'<line x1="{_f(gx)}" y1="{_f(top - 6)}" x2="{_f(gx)}" y2="{_f(bottom)}" '
                   f'stroke="{GRID}" stroke-width="0.8"/>')
        out.append(_text(gx, bottom + 12, i18n.fmt_number(tick, lang, 0), anchor="middle", size=8,
                         fill=MUTED))
    for i, row in enumerate(rows):
        cy = top + row_height * i + row_height / 2
        if rtl:
            out.append(_text(width - 6, cy + 3, row.label, anchor="end", size=9, weight="bold"))
        else:
            out.append(_text(left - 8, cy + 3, row.label, anchor="end", size=9, weight="bold"))
        values = [v for _, v in row.medians if v is not None and math.isfinite(v)]
        if row.value is not None and math.isfinite(row.value):
            values.append(row.value)
        if values:
            out.append(f'<line x1="{_f(sx(min(values)))}" y1="{_f(cy)}" x2="{_f(sx(max(values)))}" '
                       f'y2="{_f(cy)}" stroke="{GRID}" stroke-width="2"/>')
        for j, (_g, v) in enumerate(row.medians):
            if v is not None and math.isfinite(v):
                out.append(marker(j + 1, sx(v), cy, 4, OKABE_ITO[j + 1], filled=False))
        if row.value is not None and math.isfinite(row.value):
            out.append(marker(0, sx(row.value), cy, 5, OKABE_ITO[0]))
            out.append(_text(sx(row.value), cy - 8, i18n.fmt_number(row.value, lang, 0), anchor="middle",
                             size=8, weight="bold"))
        elif row.note:
            out.append(f'<rect x="{_f(left + 2)}" y="{_f(cy - 8)}" width="{_f(plot_w - 4)}" height="16" '
                       f'fill="#f6f8fa"/>')
            out.append(_text(left + plot_w / 2, cy + 3, row.note, anchor="middle", size=8.5, fill=MUTED))
    out.append(_text(left + plot_w / 2, height - 3, "0–100", anchor="middle", size=8, fill=MUTED))
    out.append("</svg>")
    return "".join(out)


# -- lines over time ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Line:
    label: str
    points: tuple[tuple[float, float], ...]  # (x as a decimal year, y)


def _nice_step(span: float, target: int = 5) -> float:
    if span <= 0:
        return 1.0
    raw = span / target
    power = 10 ** math.floor(math.log10(raw))
    for m in (1, 2, 2.5, 5, 10):
        if raw <= m * power:
            return m * power
    return 10 * power


def lines(series: Sequence[Line], *, title: str, unit: str, lang: str, width: float = 320,
          height: float = 135, y_range: tuple[float, float] | None = None) -> str:
    """Lines with markers over decimal years; the y axis starts at 0 for shares unless
    ``y_range`` says otherwise. Legend above the plot, one entry per line."""
    series = [s for s in series if s.points]
    left, right, top, bottom = 40.0, 10.0, 18.0 + 12 * math.ceil(max(1, len(series)) / 2), 22.0
    out = _open(width, height, title)
    if not series:
        out.append("</svg>")
        return "".join(out)
    xs = [p[0] for s in series for p in s.points]
    ys = [p[1] for s in series for p in s.points]
    x0, x1 = min(xs), max(xs)
    if x1 - x0 < 1:
        x0, x1 = x0 - 0.5, x1 + 0.5
    if y_range is not None:
        y0, y1 = y_range
    else:
        y0 = min(0.0, min(ys))
        y1 = max(ys)
        step = _nice_step(y1 - y0)
        y1 = math.ceil(y1 / step) * step if y1 > y0 else y0 + 1
    plot_w, plot_h = width - left - right, height - top - bottom

    def sx(x: float) -> float:
        return left + plot_w * (x - x0) / (x1 - x0)

    def sy(y: float) -> float:
        return top + plot_h * (1 - (y - y0) / ((y1 - y0) or 1))

    step = _nice_step(y1 - y0, 4)
    tick = math.ceil(y0 / step) * step
    while tick <= y1 + 1e-9:
        gy = sy(tick)
        out.append(f'<line x1="{_f(left)}" y1="{_f(gy)}" x2="{_f(width - right)}" y2="{_f(gy)}" '
                   f'stroke="{GRID}" stroke-width="0.6"/>')
        out.append(_text(left - 4, gy + 3, i18n.fmt_number(tick, lang), anchor="end", size=7.5, fill=MUTED))
        tick += step
    year_step = max(1, int(_nice_step(x1 - x0, 6)))
    first_year = math.ceil(x0)
    for year in range(first_year, int(math.floor(x1)) + 1):
        if (year - first_year) % year_step:
            continue
        gx = sx(year)
        out.append(f'<line x1="{_f(gx)}" y1="{_f(top + plot_h)}" x2="{_f(gx)}" y2="{_f(top + plot_h + 3)}" '
                   f'stroke="{MUTED}" stroke-width="0.6"/>')
        out.append(_text(gx, top + plot_h + 12, str(year), anchor="middle", size=7.5, fill=MUTED))
    out.append(f'<line x1="{_f(left)}" y1="{_f(top + plot_h)}" x2="{_f(width - right)}" '
               f'y2="{_f(top + plot_h)}" stroke="{MUTED}" stroke-width="0.8"/>')
    if unit:
        out.append(_text(left - 4, top - 6, unit, anchor="end", size=7.5, fill=MUTED))
    for i, s in enumerate(series):
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        lx = left + (i % 2) * (plot_w / 2)
        ly = 10 + 12 * (i // 2)
        out.append(marker(i, lx + 4, ly - 3, 3.2, colour))
        out.append(_text(lx + 11, ly, s.label, size=8))
        pts = sorted(s.points)
        if len(pts) > 1:
            path = " ".join(f"{_f(sx(x))},{_f(sy(y))}" for x, y in pts)
            dash = ' stroke-dasharray="4 2"' if i % 3 == 1 else (' stroke-dasharray="1.5 1.5"' if i % 3 == 2
                                                               else "")
            out.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.6"{dash} points="{path}"/>')
        every = max(1, len(pts) // 12)
        for k, (x, y) in enumerate(pts):
            if k % every == 0 or k == len(pts) - 1:
                out.append(marker(i, sx(x), sy(y), 2.4, colour))
    out.append("</svg>")
    return "".join(out)


# -- stacked shares (OONI results per test) -------------------------------------------------------
@dataclass(frozen=True)
class ShareBar:
    label: str
    parts: tuple[float, ...]  # shares in [0, 1], in the order of the legend
    note: str = ""


SHARE_COLOURS = ("#009E73", "#E69F00", "#D55E00", "#8c959f", "#56B4E9")


def share_bar(parts: Sequence[float], *, title: str, width: float = 120, height: float = 10) -> str:
    """One 100 % bar split into ``parts`` (shares in [0, 1]), coloured as :data:`SHARE_COLOURS`:
    small enough to sit in a table cell."""
    return "".join([*_open(width, height, title), *_split_bar(0.0, 0.0, width, height, parts), "</svg>"])


def _split_bar(x: float, y: float, width: float, height: float, parts: Sequence[float]) -> list[str]:
    """A 100 % bar at (``x``, ``y``): a rectangle per share of ``parts`` (clipped to [0, 1],
    coloured as :data:`SHARE_COLOURS` in order), then the bar's outline."""
    left = x
    out = []
    for i, share in enumerate(parts):
        w = width * max(0.0, min(1.0, share))
        if w > 0:
            out.append(f'<rect x="{_f(x)}" y="{_f(y)}" width="{_f(w)}" height="{_f(height)}" '
                       f'fill="{SHARE_COLOURS[i % len(SHARE_COLOURS)]}"/>')
        x += w
    out.append(f'<rect x="{_f(left)}" y="{_f(y)}" width="{_f(width)}" height="{_f(height)}" '
               f'fill="none" stroke="{MUTED}" stroke-width="0.5"/>')
    return out


def share_bars(bars: Sequence[ShareBar], legend: Sequence[str], *, title: str, lang: str,
               width: float = 640, bar_height: float = 13) -> str:
    """One horizontal 100 % bar per row, split into ``parts`` (legend order); ``note`` at the right."""
    left, right, top = 130.0, 150.0, 22.0
    plot_w = width - left - right
    gap = 6.0
    height = top + (bar_height + gap) * len(bars) + 4
    out = _open(width, height, title)
    colours = SHARE_COLOURS
    x = left
    for i, name in enumerate(legend):
        out.append(f'<rect x="{_f(x)}" y="5" width="9" height="9" fill="{colours[i % len(colours)]}"/>')
        out.append(_text(x + 12, 13, name, size=8))
        x += 20 + 5.0 * len(name)
    for r, bar in enumerate(bars):
        y = top + r * (bar_height + gap)
        out.append(_text(left - 6, y + bar_height - 3, bar.label, anchor="end", size=8.5))
        out += _split_bar(left, y, plot_w, bar_height, bar.parts)
        if bar.note:
            out.append(_text(left + plot_w + 6, y + bar_height - 3, bar.note, size=8, fill=MUTED))
    out.append("</svg>")
    return "".join(out)


# -- counts per year -------------------------------------------------------------------------------
def year_bars(counts: Sequence[tuple[int, Sequence[float]]], legend: Sequence[str], *, title: str,
              lang: str, width: float = 320, height: float = 150,
              covered: Sequence[int] | None = None) -> str:
    """Grouped bars per year (one bar per legend entry). Years in ``counts`` outside ``covered``
    (when given) are drawn as "no data" hatching rather than as zero."""
    left, right, top, bottom = 30.0, 8.0, 22.0, 20.0
    out = _open(width, height, title)
    if not counts:
        out.append("</svg>")
        return "".join(out)
    plot_w, plot_h = width - left - right, height - top - bottom
    peak = max((v for _, vs in counts for v in vs if v == v), default=0) or 1
    step = max(1.0, _nice_step(peak, 3))  # counts: whole-number ticks
    top_value = math.ceil(peak / step) * step
    n_series = max(1, len(legend))
    slot = plot_w / len(counts)
    bar_w = max(1.5, (slot * 0.8) / n_series)
    x = left
    for i, name in enumerate(legend):
        out.append(f'<rect x="{_f(x)}" y="4" width="9" height="9" fill="{OKABE_ITO[i % len(OKABE_ITO)]}"/>')
        out.append(_text(x + 12, 12, name, size=8))
        x += 20 + 5.0 * len(name)
    tick = 0.0
    while tick <= top_value + 1e-9:
        gy = top + plot_h * (1 - tick / top_value)
        out.append(f'<line x1="{_f(left)}" y1="{_f(gy)}" x2="{_f(width - right)}" y2="{_f(gy)}" '
                   f'stroke="{GRID}" stroke-width="0.6"/>')
        out.append(_text(left - 4, gy + 3, i18n.fmt_number(tick, lang), anchor="end", size=7.5, fill=MUTED))
        tick += step
    label_every = max(1, math.ceil(len(counts) / 10))
    for k, (year, values) in enumerate(counts):
        x0 = left + k * slot + slot * 0.1
        if covered is not None and year not in covered:
            out.append(f'<rect x="{_f(x0)}" y="{_f(top)}" width="{_f(slot * 0.8)}" height="{_f(plot_h)}" '
                       f'fill="#f6f8fa" stroke="{GRID}" stroke-dasharray="2 2" stroke-width="0.6"/>')
        for i, v in enumerate(values):
            if v != v or v <= 0:
                continue
            h = plot_h * v / top_value
            out.append(f'<rect x="{_f(x0 + i * bar_w)}" y="{_f(top + plot_h - h)}" width="{_f(bar_w)}" '
                       f'height="{_f(h)}" fill="{OKABE_ITO[i % len(OKABE_ITO)]}"/>')
        if k % label_every == 0:
            out.append(_text(left + k * slot + slot / 2, top + plot_h + 12, str(year), anchor="middle",
                             size=7.5, fill=MUTED))
    out.append(f'<line x1="{_f(left)}" y1="{_f(top + plot_h)}" x2="{_f(width - right)}" '
               f'y2="{_f(top + plot_h)}" stroke="{MUTED}" stroke-width="0.8"/>')
    out.append("</svg>")
    return "".join(out)
