"""The country brief as one self-contained HTML document (inline CSS and SVG, no script, nothing
fetched), for the screen, the printer and WeasyPrint alike."""

from __future__ import annotations

from html import escape
from pathlib import Path
from urllib.parse import urlencode

from dashboard import data, i18n
from dashboard.brief import strings
from dashboard.brief.model import Brief, CategoryBlock, IndicatorLine, Series
from dashboard.components import svgcharts
from roamwatch.i18n import LANGUAGES

CSS_PATH = Path(__file__).with_name("brief.css")
#: Short names of the sources, as a reader cites them (the full names are in the references).
COMPACT = ("", ' class="b-compact"', ' class="b-compact b-compact2"')
ALERT_TIME_COLUMNS = ("onset", "raised_at", "created_at", "detected_at")
_CSS: str | None = None


def css() -> str:
    global _CSS
    if _CSS is None:
        _CSS = CSS_PATH.read_text(encoding="utf-8")
    return _CSS


def _e(value: object) -> str:
    return escape(str(value), quote=True)


class _Ctx:
    """Formatting helpers bound to one brief and language."""

    def __init__(self, brief: Brief, lang: str) -> None:
        self.b = brief
        self.lang = lang
        self.fr = lang == "fr"

    def t(self, key: str, **fmt: object) -> str:
        return strings.t(key, self.lang, **fmt)

    def num(self, value: float | None, digits: int | None = None) -> str:
        return i18n.fmt_number(value, self.lang, digits)

    def pct(self, share: float | None, digits: int = 0) -> str:
        return "–" if share is None else i18n.fmt_share(share, self.lang, digits)

    def score(self, value: float | None, reason: str = "") -> str:
        if value is None:
            key = "brief.no_data" if reason == "no data" else "brief.insufficient"
            return f'<span class="b-insufficient">{_e(self.t(key))}</span>'
        return _e(self.num(value, 0))

    def name(self) -> str:
        return i18n.country_name(self.b.iso3, self.lang, self.b.names[1] if self.fr else self.b.names[0])

    def catalogue_text(self, english: str) -> str:
        """A catalogue text (name, unit, title, proxy) in this language, from the translation
        catalogues (English where a message has no translation)."""
        return i18n.t(english, self.lang)

    def ind_name(self, ind) -> str:
        return self.catalogue_text(ind.name_en)

    def unit(self, unit: str) -> str:
        return i18n.unit_label(unit, self.lang)

    def source_name(self, sid: str) -> str:
        rows = self.b.sources[self.b.sources["id"] == sid]
        return str(rows.iloc[0]["name"]) if not rows.empty else sid

    def source_short(self, sid: str) -> str:
        return data.source_short(sid)

    def licence(self, sid: str) -> str:
        rows = self.b.sources[self.b.sources["id"] == sid]
        if rows.empty or i18n.is_missing(rows.iloc[0]["licence"]):
            return ""
        return _short_licence(i18n.source_note(rows.iloc[0]["licence"], self.lang))


def _short_licence(text: str, limit: int = 26) -> str:
    """The licence's first clause, at most ``limit`` characters (the references give it whole)."""
    for sep in (";", " (", ". ", "；", "（", "。", "؛"):
        if sep in text:
            text = text.split(sep, 1)[0]
    text = text.strip()
    if len(text) > limit:
        text = text[:limit].rsplit(" ", 1)[0].rstrip(",;:") + "…"
    return text


def render(brief: Brief, lang: str = "en", *, toolbar: bool = False, base_path: str = "",
           compact: int = 0, assets: str | None = None) -> str:
    """The whole document. ``toolbar`` adds the screen-only links (print, PDF, other language,
    other years) for the dashboard route; ``base_path`` is that route (``/country/KEN/brief``).
    ``compact`` (1, 2) sets everything a little smaller for a brief that would otherwise run
    past four pages; at 2 the indicators' question and proxy wording is left to the methodology,
    and the brief says so. ``assets`` (a URL path such as ``/brief/``) links the stylesheet and
    the print button's script from the server instead of writing the stylesheet into the page:
    the dashboard's Content-Security-Policy allows no inline style or script."""
    c = _Ctx(brief, lang)
    year = brief.year if brief.year is not None else "–"
    title = (c.t("brief.title", country=c.name(), year=year) if brief.year is not None
             else c.t("brief.title_noyear", country=c.name()))
    footer = c.t("brief.footer", country=c.name(), year=year, snapshot=brief.snapshot_id)
    parts = [
        "<!DOCTYPE html>",
        f'<html lang="{lang}" dir="{i18n.direction(lang)}"{COMPACT[compact]}><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<link rel="icon" href="data:,">',  # no favicon request
        f"<title>{_e(title)}</title>",
        f'<meta name="description" content="{_e(c.t("brief.disclaimer"))}">',
        f'<meta name="generator" content="roamwatch {_e(brief.methodology["roamwatch"])}">',
        f'<meta name="dcterms.created" content="{brief.generated_at.isoformat(timespec="seconds")}">',
        (f'<link rel="stylesheet" href="{_e(assets)}brief.css">'
         f'<script src="{_e(assets)}print.js" defer></script>' if assets else f"<style>{css()}</style>"),
        "</head><body>",
        f'<main class="b-doc" data-footer="{_e(footer)}">',
    ]
    if toolbar:
        parts.append(_toolbar(c, base_path))
    parts += [
        _header(c, title),
        _profile(c),
        _compact_note(c) if compact >= 2 else "",
        *[_category(c, cat) for cat in brief.categories],
        _connectivity(c),
        _censorship(c),
        _events(c),
        _context(c),
        _alerts(c),
        _references(c),
        "</main></body></html>",
    ]
    return "\n".join(p for p in parts if p)


def _caption(title: str) -> str:
    return f"<figcaption><b>{_e(title)}</b></figcaption>"


def _licence_span(licence: str) -> str:
    return f' <span class="b-unit">{_e(licence)}</span>' if licence else ""


def _with_desc(svg: str, text: str) -> str:
    """The chart with ``text`` as its accessible description (``<desc>``, after its title)."""
    return svg.replace("</title>", f"</title><desc>{_e(text)}</desc>", 1)


def _toolbar(c: _Ctx, base: str) -> str:
    query = {"year": c.b.year} if c.b.year is not None else {}
    others = "".join(
        f'<a href="{_e(base)}?{urlencode({**query, "lang": code})}" hreflang="{code}" lang="{code}" '
        f'dir="{language.direction}">{_e(language.name)}</a>'
        for code, language in LANGUAGES.items() if code != c.lang)
    links = [
        '<button type="button" id="b-print" hidden>' + _e(c.t("brief.print")) + "</button>",
        f'<a href="{_e(base)}.pdf?{urlencode({**query, "lang": c.lang})}">{_e(c.t("brief.pdf"))}</a>',
        f'<span class="b-langs">{others}</span>',
        f'<a href="/country/{_e(c.b.iso3)}?{urlencode({"lang": c.lang})}">{_e(c.name())}</a>',
    ]
    years = [y for y in c.b.years if y != c.b.year][-6:]
    if years:
        items = " ".join(f'<a href="{_e(base)}?{urlencode({"year": y, "lang": c.lang})}">{y}</a>'
                         for y in years)
        links.append(f'<span>{_e(c.t("brief.years"))}: {items}</span>')
    return f'<nav class="b-toolbar" aria-label="{_e(c.t("brief.toolbar"))}">{"".join(links)}</nav>'


def _header(c: _Ctx, title: str) -> str:
    b = c.b
    region = i18n.region_label(b.region, c.lang) if b.region else c.t("brief.unclassified")
    income = i18n.income_label(b.income_group, c.lang) if b.income_group else c.t("brief.unclassified")
    codes = b.iso3 + (f" / {b.iso2}" if b.iso2 else "")
    generated = i18n.fmt_date(b.generated_at, c.lang)
    facts = [
        ("brief.region", region), ("brief.income", income), ("brief.codes", codes),
        ("brief.snapshot", b.snapshot_id), ("brief.generated", generated),
    ]
    dl = "".join(f"<div><dt>{_e(c.t(k))}</dt><dd>{_e(v)}</dd></div>" for k, v in facts)
    out = [
        '<header class="b-keep">',
        f'<p class="b-kicker">{_e(c.t("brief.kicker"))}</p>',
        f"<h1>{_e(title)}</h1>",
        f'<dl class="b-facts">{dl}</dl>',
        f'<p class="b-disclaimer">{_e(c.t("brief.disclaimer"))}</p>',
    ]
    if b.synthetic:
        out.append(f'<p class="b-synthetic">{_e(c.t("brief.synthetic"))}</p>')
    out.append("</header>")
    return "".join(out)


def _profile(c: _Ctx) -> str:
    b = c.b
    title = c.t("brief.profile")
    threshold = c.pct(b.catalogue.threshold)
    out = [f'<section id="b-profile" class="b-keep"><h2>{_e(title)}</h2>']
    if not b.has_scores:
        out.append(f'<p class="b-note">{_e(c.t("brief.no_scores"))}</p>')
    groups = [("region", "brief.median_region"), ("income_group", "brief.median_income"),
              ("world", "brief.median_world")]
    rows = [svgcharts.ProfileRow(
        label=i18n.roamx_label(cat.key, c.lang),
        value=cat.value,
        medians=tuple((c.t(key), cat.medians.get(g)) for g, key in groups),
        note=c.t("brief.no_data") if cat.reason == "no data" else c.t("brief.insufficient"),
    ) for cat in b.categories]
    if b.year is not None:
        svg = svgcharts.profile(rows, title=f"{title} — {c.name()}, {b.year}", country_label=c.name(),
                                lang=c.lang)
        describe = c.t("brief.describe_profile", country=c.name(), year=b.year, parts="; ".join(
            f"{r.label} {c.num(r.value, 0) if r.value is not None else r.note}" for r in rows))
        out.append(f'<figure id="b-profile-chart">{_with_desc(svg, describe)}</figure>')
    head = ["brief.category", "brief.score", "brief.coverage", "brief.framework", "brief.median_region",
            "brief.median_income", "brief.median_world"]
    body = []
    for cat in b.categories:
        body.append(
            "<tr>"
            f"<th scope=\"row\">{_e(cat.key)} · {_e(i18n.roamx_label(cat.key, c.lang))}</th>"
            f'<td class="n">{c.score(cat.value, cat.reason)}</td>'
            f'<td class="n">{_e(c.pct(cat.coverage))}</td>'
            f'<td class="n">{cat.framework_filled} / {cat.framework_total}</td>'
            + "".join(f'<td class="n">{_e(c.num(cat.medians.get(g), 0))}</td>'
                      for g in ("region", "income_group", "world"))
            + "</tr>"
        )
    out.append(_table("b-profile-table", head, body, c, numeric_from=1, widths=[28, 10, 10, 12, 13, 15, 12]))
    uncovered = [(tid, title) for cat in b.categories for tid, title in cat.uncovered]
    if uncovered:
        themes = "; ".join(f"{tid} {c.catalogue_text(title)}" for tid, title in uncovered)
        out.append(f'<p class="b-note" id="b-uncovered">{_e(c.t("brief.uncovered", themes=themes))}</p>')
    value, coverage = b.overall
    if value is not None:
        out.append(f'<p>{_e(c.t("brief.overall", value=c.num(value, 0), coverage=c.pct(coverage)))}</p>')
    elif b.has_scores:
        out.append(f'<p class="b-note">{_e(c.t("brief.overall_none"))}</p>')
    what = c.t("brief.profile_what", country=c.name(), year=b.year or "–", threshold=threshold)
    out.append(f'<p class="b-what">{_e(what)}</p>')
    out.append("</section>")
    return "".join(out)


def _table(tid: str, head: list[str], body: list[str], c: _Ctx, numeric_from: int | None = None,
           numeric: set[int] | None = None, widths: list[int] | None = None) -> str:
    """A table with a fixed layout: ``widths`` in % per column (equal when not given), so the
    renderer need not measure every cell's content first."""
    widths = widths or [round(100 / len(head))] * len(head)
    colgroup = "".join(f'<col style="width:{w}%">' for w in widths)
    cols = []
    for i, key in enumerate(head):
        is_num = (numeric_from is not None and i >= numeric_from) or (numeric is not None and i in numeric)
        cls = ' class="n"' if is_num else ""
        cols.append(f'<th scope="col"{cls}>{_e(c.t(key) if key.startswith("brief.") else key)}</th>')
    return (f'<table id="{tid}"><colgroup>{colgroup}</colgroup><thead><tr>{"".join(cols)}</tr></thead>'
            f'<tbody>{"".join(body)}</tbody></table>')


def _question(c: _Ctx, ind) -> str:
    """What an indicator stands in for: its framework reference, whether the match is confirmed,
    approximate or a proxy, and the catalogue's wording of the question (or of the proxy) when it
    has one in this language."""
    english = getattr(ind, "question", None) or ind.proxy
    text = c.catalogue_text(english) if english else None
    if text == english and c.lang != "en":  # not translated yet: say nothing rather than English
        text = None
    match = c.t("brief.proxy") if ind.proxy else c.t(f"brief.{ind.unesco_match or 'approximate'}")
    core = _e(f"{c.t('brief.stands_for')} {ind.unesco_ref} ({match})")
    return f'{core}<span class="b-q-text">: {_e(text)}</span>' if text else core


def _value(c: _Ctx, line: IndicatorLine) -> str:
    """The raw value, and its unit on a line of its own."""
    unit = line.indicator.unit
    if line.raw is None:
        return "–"
    if unit.startswith("share"):
        return _e(c.pct(line.raw, 1))
    if unit in ("%",):
        return _e(c.pct(line.raw / 100, 1))
    digits = 2 if "V-Dem" in unit or "ratio" in unit or "index" in unit else None
    return f'{_e(c.num(line.raw, digits))}<span class="b-unit">{_e(c.unit(unit))}</span>'


def _period(c: _Ctx, line: IndicatorLine) -> str:
    text = _e(line.period.replace("..", " – ")) if line.period else "–"
    if line.carried_forward:
        text += f'<span class="b-flag">{_e(c.t("brief.carried"))}</span>'
    return text


def _category(c: _Ctx, cat: CategoryBlock) -> str:
    """A category: its score line, one table per theme (a page may break between themes, never
    inside a table), the inputs that are missing and the framework themes nothing fills."""
    label = i18n.roamx_label(cat.key, c.lang)
    head_score = c.t("brief.cat_head", score=_plain_score(c, cat.value, cat.reason),
                     coverage=c.pct(cat.coverage), filled=cat.framework_filled, total=cat.framework_total)
    out = [f'<section id="b-cat-{cat.key}" class="b-cat">',
           f'<h2>{_e(cat.key)} · {_e(label)}<span class="b-cat-score">{_e(head_score)}</span></h2>']
    tables = 0
    for theme in cat.themes:
        if not theme.lines:
            continue
        body = []
        for line in theme.lines:
            ind = line.indicator
            licence = c.licence(ind.source)
            body.append(
                "<tr>"
                f'<td><span class="b-ind-name">{_e(c.ind_name(ind))}</span>'
                f'<span class="b-ind-q">{_question(c, ind)}</span></td>'
                f'<td class="n">{_value(c, line)}</td>'
                f"<td>{_period(c, line)}</td>"
                f'<td class="n">{_e(c.num(line.normalised, 0))}</td>'
                f'<td>{_e(c.source_short(ind.source))}{_licence_span(licence)}</td>'
                "</tr>"
            )
        title = c.catalogue_text(theme.title)
        caption = (f"{theme.id} {title} · {_plain_score(c, theme.value, theme.reason)} · "
                   f"{c.t('brief.coverage').lower()} {c.pct(theme.coverage)}")
        out.append(_table(f"b-theme-{theme.id}", [caption, "brief.value", "brief.period", "brief.normalised",
                                                   "brief.source"], body, c, numeric={1, 3},
                          widths=[50, 14, 15, 6, 15]))
        tables += 1
    if not tables:
        out.append(f'<p class="b-note">{_e(c.t("brief.no_indicator", year=c.b.year or "–"))}</p>')
    missing = [m for t in cat.themes for m in t.missing]
    if missing:
        items = []
        for m in missing:
            minimum = m.reason == "below minimum data"
            reason = c.t("brief.reason_minimum" if minimum else "brief.reason_nodata")
            items.append(_e(c.t("brief.missing_item", name=c.ind_name(m.indicator), reason=reason,
                                source=c.source_short(m.indicator.source))))
        out.append(f'<p class="b-missing"><b>{_e(c.t("brief.missing"))}:</b> {"; ".join(items)}.</p>')
    out.append("</section>")
    return "".join(out)


def _compact_note(c: _Ctx) -> str:
    return f'<p class="b-note">{_e(c.t("brief.compact_note"))}</p>'


def _plain_score(c: _Ctx, value: float | None, reason: str) -> str:
    if value is None:
        return c.t("brief.no_data") if reason == "no data" else c.t("brief.insufficient")
    return f"{c.num(value, 0)} / 100"


def _lines_svg(c: _Ctx, series: list[Series], labels: dict[str, str], title: str, unit: str,
               y_range=None) -> str:
    lines = [svgcharts.Line(labels.get(s.key, s.key), tuple((float(y), v) for y, v, _p in s.points))
             for s in series]
    return svgcharts.lines(lines, title=title, unit=unit, lang=c.lang, y_range=y_range)


def _describe(c: _Ctx, title: str, series: list[Series], labels: dict[str, str], unit: str) -> str:
    parts = []
    for s in series:
        if not s.points:
            continue
        first, last = s.points[0], s.points[-1]
        parts.append(c.t("brief.describe_line", label=labels.get(s.key, s.key),
                         first=i18n.fmt_value(first[1], unit, c.lang), first_year=first[0],
                         last=i18n.fmt_value(last[1], unit, c.lang), last_year=last[0]))
    sources = ", ".join(dict.fromkeys(c.source_short(s.source) for s in series))
    return c.t("brief.describe_lines", title=f"{title} ({sources})", parts="; ".join(parts))


def _connectivity(c: _Ctx) -> str:
    b = c.b
    out = [f'<section id="b-connectivity"><h2>{_e(c.t("brief.connectivity"))}</h2>']
    if not b.internet_use and not b.subscriptions and not b.dgg:
        out.append(f'<p class="b-note">{_e(c.t("brief.no_connectivity"))}</p></section>')
        return "".join(out)
    figures = []
    if b.internet_use:
        labels = {key: c.t(f"brief.use_{key}") for key in ("total", "female", "male")}
        title = c.t("brief.internet_use")
        svg = _lines_svg(c, b.internet_use, labels, title, "%", y_range=(0, 100))
        svg = _with_desc(svg, _describe(c, title, b.internet_use, labels, "%"))
        figures.append(f'<figure id="b-internet-use">{_caption(title)}{svg}</figure>')
    if b.subscriptions:
        labels = {key: c.t(f"brief.{key}") for key in ("broadband_fixed", "broadband_mobile")}
        title = c.t("brief.subscriptions")
        svg = _lines_svg(c, b.subscriptions, labels, title, "")
        svg = _with_desc(svg, _describe(c, title, b.subscriptions, labels, ""))
        figures.append(f'<figure id="b-subscriptions">{_caption(title)}{svg}</figure>')
    if figures:
        out.append(f'<div class="b-row">{"".join(figures)}</div>')
    by_key = {s.key: s for s in b.internet_use}
    if "female" in by_key and "male" in by_key:
        female = {y: (v, p) for y, v, p in by_key["female"].points}
        male = {y: (v, p) for y, v, p in by_key["male"].points}
        common = sorted(set(female) & set(male))
        if common:
            y = common[-1]
            out.append("<p>" + _e(c.t("brief.gap", female=i18n.fmt_value(female[y][0], "%", c.lang),
                                      male=i18n.fmt_value(male[y][0], "%", c.lang), year=female[y][1],
                                      source=c.source_short(by_key["female"].source),
                                      gap=c.num(male[y][0] - female[y][0], 1))) + "</p>")
    if b.dgg:
        dgg = {s.key: s for s in b.dgg}
        year = max(p[0] for s in b.dgg for p in s.points)

        def at(key: str) -> str:
            s = dgg.get(key)
            hit = [v for y, v, _p in s.points if y == year] if s else []
            return c.num(hit[0], 2) if hit else "–"

        text = c.t("brief.dgg", year=year, internet=at("internet"), mobile=at("mobile"))
        out.append(f"<p>{_e(text)}</p>")
    out.append("</section>")
    return "".join(out)


def _censorship(c: _Ctx) -> str:
    b = c.b
    out = [f'<section id="b-censorship"><h2>{_e(c.t("brief.censorship"))}</h2>']
    if not b.ooni:
        out.append(f'<p class="b-note">{_e(c.t("brief.no_ooni", year=b.year or "–"))}</p></section>')
        return "".join(out)
    legend = [c.t("brief.ok"), c.t("brief.anomaly"), c.t("brief.confirmed_blocking"), c.t("brief.failure")]
    body = []
    for test in b.ooni:
        ok = max(0.0, 1 - test.anomaly - test.confirmed - test.failure)
        label = strings.test_label(test.test, c.lang)
        parts = (ok, test.anomaly, test.confirmed, test.failure)
        bar = svgcharts.share_bar(parts, title=f"{label}: " + ", ".join(
            f"{name} {c.pct(share, 1)}" for name, share in zip(legend, parts, strict=True)))
        body.append(
            f"<tr><th scope=\"row\">{_e(label)}</th><td class=\"n\">{_e(c.num(test.measurements, 0))}</td>"
            f'<td class="n">{test.months}</td><td class="b-bar">{bar}</td>'
            f'<td class="n">{_e(c.pct(test.anomaly, 1))}</td>'
            f'<td class="n">{_e(c.pct(test.confirmed, 1))}</td>'
            f'<td class="n">{_e(c.pct(test.failure, 1))}</td></tr>'
        )
    start, end = b.ooni_window or ("–", "–")
    swatches = " ".join(f'<span class="b-swatch" style="background:{colour}"></span>{_e(name)}'
                        for colour, name in zip(svgcharts.SHARE_COLOURS, legend, strict=False))
    out.append(f'<div class="b-keep"><p class="b-legend">{start} – {end}: {swatches}</p>')
    out.append(_table("b-ooni-table", ["brief.test", "brief.measurements", "brief.months", "brief.shares",
                                       "brief.anomaly", "brief.confirmed_blocking", "brief.failure"], body, c,
                      numeric={1, 2, 4, 5, 6}, widths=[18, 12, 8, 26, 11, 14, 11]) + "</div>")
    what = c.t("brief.censorship_what", start=start, end=end, min=b.ooni_min)
    out.append(f'<p class="b-what">{_e(what)}</p>')
    out.append("</section>")
    return "".join(out)


def _kind(c: _Ctx, kind: str) -> str:
    key = f"brief.kind_{kind}"
    text = c.t(key)
    return kind if text == key else text


def _events(c: _Ctx) -> str:
    b = c.b
    if not b.event_years:
        return ""
    first, last = b.event_years[0].year, b.event_years[-1].year
    out = [f'<section id="b-events"><h2>{_e(c.t("brief.events", first=first, last=last))}</h2>']
    if not b.event_sources:
        out.append(f'<p class="b-note">{_e(c.t("brief.no_events"))}</p></section>')
        return "".join(out)
    sources = list(b.event_sources)
    names = [c.source_short(s) for s in sources]
    counts = [(ey.year, [float(ey.counts.get(s, 0)) if ey.covered.get(s) is not False else float("nan")
                         for s in sources]) for ey in b.event_years]
    svg = svgcharts.year_bars(counts, names, title=c.t("brief.events", first=first, last=last), lang=c.lang,
                              width=300, height=140)
    unpublished = any(ey.covered.get(s) is None for ey in b.event_years for s in sources)
    head = ["brief.events_year"] + [None] * len(sources)
    cols = [f'<th scope="col">{_e(c.t(head[0]))}</th>']
    cols += [f'<th scope="col" class="n">{_e(n)}</th>' for n in names]
    body = []
    for ey in b.event_years:
        cells = []
        for s in sources:
            covered = ey.covered.get(s)
            if covered is False:
                shown = _e(c.t("brief.not_covered"))
            elif covered is None:
                shown = f"{ey.counts.get(s, 0)}*"
            else:
                days = int(ey.days.get(s) or 0)
                shown = _e(i18n.tn("{events} ({n} day)", "{events} ({n} days)", days, c.lang,
                                   events=ey.counts.get(s, 0)))
            cells.append(f'<td class="n">{shown}</td>')
        body.append(f"<tr><th scope=\"row\">{ey.year}</th>{''.join(cells)}</tr>")
    table = (f'<table id="b-events-table" style="table-layout:auto"><thead><tr>{"".join(cols)}</tr></thead>'
             f'<tbody>{"".join(body)}</tbody></table>')
    out.append(f'<div class="b-row"><figure id="b-events-chart">{svg}</figure><div style="flex:1 1 0">{table}'
               + (f'<p class="b-small">* {_e(c.t("brief.coverage_unknown"))}</p>' if unpublished else "")
               + "</div></div>")
    states = b.event_states
    if b.events_total:
        text = i18n.tn("End of the {n} event: known {known}, ongoing {ongoing}, not reported {unknown}.",
                       "End of the {n} events: known {known}, ongoing {ongoing}, not reported {unknown}.",
                       int(b.events_total), c.lang, known=states.get("known", 0),
                       ongoing=states.get("ongoing", 0), unknown=states.get("unknown", 0))
        out.append(f"<p>{_e(text)}</p>")
    if not b.events.empty:
        rows = []
        for r in b.events.itertuples():
            if r.end_state == "known":
                end = i18n.fmt_date(r.end_time, c.lang)
            else:
                end = c.t("brief.end_ongoing" if r.end_state == "ongoing" else "brief.end_unknown")
            rows.append(f'<tr><td class="w">{_e(i18n.fmt_date(r.start_time, c.lang))}</td>'
                        f'<td class="w">{_e(end)}</td>'
                        f"<td>{_e(_kind(c, str(r.kind)))}</td><td>{_e(str(r.area)[:90])}</td>"
                        f"<td>{_e(c.source_short(_source_id(b, r.source_name)))}</td></tr>")
        out.append(f'<h3>{_e(c.t("brief.recent"))}</h3>')
        out.append(_table("b-events-recent", ["brief.start", "brief.end", "brief.kind", "brief.area",
                                              "brief.event_source"], rows, c, widths=[13, 13, 12, 47, 15]))
        if b.events_total > len(b.events):
            text = i18n.tn("The {shown} most recent of {n} event.", "The {shown} most recent of {n} events.",
                           int(b.events_total), c.lang, shown=len(b.events))
            out.append(f'<p class="b-small">{_e(text)}</p>')
    out.append(f'<p class="b-what">{_e(c.t("brief.events_what"))}</p>')
    out.append("</section>")
    return "".join(out)


def _source_id(b: Brief, name: str) -> str:
    for sid, sname in b.event_sources.items():
        if sname == name:
            return sid
    return name


def _context(c: _Ctx) -> str:
    b = c.b
    if not b.context:
        return ""
    body = []
    for line in b.context:
        ind = line.indicator
        value = _value(c, line) if line.raw is not None else _e(c.t("brief.no_data"))
        licence = c.licence(ind.source)
        body.append(f'<tr><td class="b-ind-name">{_e(c.ind_name(ind))}</td><td class="n">{value}</td>'
                    f"<td>{_period(c, line)}</td>"
                    f'<td>{_e(c.source_short(ind.source))}{_licence_span(licence)}</td></tr>')
    return (f'<section id="b-context"><h2>{_e(c.t("brief.context"))}</h2>'
            + _table("b-context-table", ["brief.indicator", "brief.value", "brief.period", "brief.source"],
                     body, c, numeric={1}, widths=[42, 18, 15, 25])
            + f'<p class="b-what">{_e(c.t("brief.context_what"))}</p></section>')


def _alerts(c: _Ctx) -> str:
    b = c.b
    if b.alerts is None or b.alerts.empty:
        # no section: an empty alert table says nothing (no check may have run on this data)
        return ""
    out = [f'<section id="b-alerts"><h2>{_e(c.t("brief.alerts"))}</h2>']
    if b.alerts.empty:
        out.append(f'<p class="b-note">{_e(c.t("brief.no_alerts", year=b.year or "–"))}</p>')
    else:
        time_col = next((col for col in ALERT_TIME_COLUMNS if col in b.alerts), None)
        text_col = next((col for col in ("title", "summary", "message", "rule") if col in b.alerts), None)
        rows = []
        for r in b.alerts.head(12).to_dict("records"):
            rows.append(f'<tr><td class="w">{_e(i18n.fmt_date(r.get(time_col), c.lang))}</td>'
                        f'<td>{_e(r.get(text_col, ""))}</td></tr>')
        out.append(_table("b-alerts-table", ["brief.alert_when", "brief.alert_what"], rows, c,
                          widths=[18, 82]))
    out.append("</section>")
    return "".join(out)


def _references(c: _Ctx) -> str:
    b = c.b
    m = b.methodology
    items = []
    for r in b.sources.itertuples():
        licence = i18n.source_note(r.licence, c.lang)
        url = "" if i18n.is_missing(r.licence_url) else str(r.licence_url)
        home = "" if i18n.is_missing(r.homepage) else str(r.homepage)
        citation = "" if i18n.is_missing(r.citation) else str(r.citation)
        # name, citation and addresses as the source words them, left to right in every language
        cited = f"<b>{_e(c.source_short(r.id))}</b> · {_e(r.name)}. {_e(citation)}"
        if home and home not in citation:
            cited += f" {_e(home)}"
        text = f'<span class="b-ref-cite" dir="ltr">{cited}</span>'
        text += f' <span class="b-lic">{_e(c.t("brief.licence"))}: {_e(licence or "–")}'
        if url:
            text += f" {_ltr(f'({url})')}"
        items.append(f'<li id="b-source-{_e(r.id)}">{text}</span></li>')
    year = b.year if b.year is not None else ""
    explain = f"roamwatch scores --explain {b.iso3}" + (f" --year {year}" if year != "" else "")
    brief_cmd = f"roamwatch brief {b.iso3}" + (f" --year {year}" if year != "" else "") + \
        (f" --lang {c.lang}" if c.lang != "en" else "") + f" -o {b.iso3}.pdf"
    method = c.t("brief.method", version=m["roamwatch"], catalogue=m["catalogue"], framework=m["framework"],
                 window=m["window"], threshold=c.pct(float(m["threshold"])))
    reproduce = c.t("brief.reproduce", snapshot=b.snapshot_id, explain=explain, brief=brief_cmd)
    framework = _e(c.t("brief.framework_ref", publication=_SLOT)).replace(_SLOT, _ltr(m["publication"]))
    out = [f'<section id="b-references"><h2>{_e(c.t("brief.references"))}</h2>',
           f'<h3>{_e(c.t("brief.cited"))}</h3>',
           f'<ul class="b-refs" id="b-sources">{"".join(items)}</ul>',
           f'<p class="b-keep">{_e(method)}</p>',
           f'<p class="b-small">{framework}</p>',
           f"<p>{_code_text(reproduce)} {_e(c.t('brief.methodology_doc'))}</p>",
           "</section>"]
    return "".join(out)


#: Stands for a value that :func:`_ltr` fills in after the message around it is escaped.
_SLOT = "\ue000"


def _ltr(text: str) -> str:
    """Latin text quoted as published (a citation, an address), isolated left to right: inside an
    Arabic line its full stops, slashes and parentheses would otherwise be reordered."""
    return f'<span class="b-ltr" dir="ltr">{_e(text)}</span>'


def _code_text(text: str) -> str:
    """Backquoted parts as <code>."""
    parts = text.split("`")
    return "".join(f"<code>{_e(p)}</code>" if i % 2 else _e(p) for i, p in enumerate(parts))
