"""Alerts on the dashboard: a small evidence chart (pure SVG), an alert card, the country strip.

Self-contained, so pages only place them: the alerts page lists cards, the country page adds
:func:`country_strip`. Queries go through the snapshot reader (:mod:`roamwatch.warehouse.alerts`)
and are cached per snapshot by :class:`dashboard.data.DataService`.
"""

from __future__ import annotations

import math
from datetime import date
from typing import Any

import pandas as pd
from dash import dcc, html

from alerts import text
from dashboard import i18n
from dashboard.components.figures import svg_data_uri
from dashboard.components.urlstate import href, split_list, to_int
from roamwatch.warehouse import alerts as wq
from roamwatch.warehouse.alerts import STATES

CHART_W, CHART_H = 260, 70
LINE, BEFORE, AFTER, LOW = "#0072B2", "#57606a", "#D55E00", "#9aa4ae"  # Okabe-Ito blue, vermilion
STRIP_SIZE = 5
STRIP_OLDER = 3  # older alerts shown when none is recent


# -- queries (cached per snapshot by DataService.cached) ------------------------------------------------
def facets(reader) -> pd.DataFrame:
    return wq.alert_facets(reader.con)


def listing(reader, countries: tuple, rules: tuple, states: tuple, since: str | None,
            until: str | None, ids: tuple, limit: int, offset: int) -> pd.DataFrame:
    return wq.list_alerts(reader.con, countries, rules, (), states, since, until, ids,
                          limit=limit, offset=offset)


def counted(reader, countries: tuple, rules: tuple, states: tuple, since: str | None,
            until: str | None) -> int:
    return wq.count_alerts(reader.con, countries, rules, (), states, since, until)


# -- URL parameters of the alerts page (also read by the server for the HTTP status) ------------
def problems(query: dict[str, object]) -> list[str]:
    """What is wrong with the page's URL parameters (shared with the HTTP status check)."""
    out = []
    for key in ("from", "to"):
        value = query.get(key)
        if value:
            try:
                date.fromisoformat(str(value))
            except ValueError:
                out.append(f"{key}={value}")
    state = query.get("state")
    if state and str(state) not in STATES:
        out.append(f"state={state}")
    page = query.get("page")
    if page is not None and (to_int(page) is None or to_int(page) < 1):
        out.append(f"page={page}")
    ident = query.get("id")
    if ident is not None and (not str(ident).startswith("al-") or len(str(ident)) > 40):
        out.append(f"id={ident}")
    return out


def unknown_country(query: dict[str, object]) -> str | None:
    from dashboard import data

    svc = data.get()
    for code in split_list(query.get("country"), upper=True):
        if svc.resolve_country(code).status != "ok":
            return code
    return None


# -- the evidence chart ------------------------------------------------------------------------
def evidence_svg(alert: Any, width: int = CHART_W, height: int = CHART_H) -> str:
    """A small chart of an alert's evidence: the series (shares in %, hollow dots for periods
    with too few measurements), the baseline level over its window, the level after from the
    onset, and the onset itself. '' when the alert has no series (events, scores)."""
    ev = text.evidence(alert)
    points = ev.get("points") or []
    if len(points) < 2:
        return ""
    share = text.is_share(alert)
    min_count = (ev.get("params") or {}).get("min_count", 0) if share else 0
    days = [pd.Timestamp(p[0]) for p in points]
    values, usable = [], []
    for _day, x, n in points:
        if share:
            values.append(None if not n else 100 * x / n)
            usable.append(bool(n) and n >= min_count)
        else:
            values.append(x)
            usable.append(True)
    scale = 100 if share else 1
    levels = [v * scale for v in (text._get(alert, "level_before"), text._get(alert, "level_after"))
              if v is not None]
    known = [v for v in values if v is not None] + levels
    if ev.get("limit") is not None:
        known.append(float(ev["limit"]))
    lo, hi = (0.0, 100.0) if share else (min(known), max(known))
    span = (hi - lo) or 1.0
    pad = 4
    t0, t1 = days[0], days[-1]
    total = max(1.0, (t1 - t0).days)

    def x_of(day: pd.Timestamp) -> float:
        return pad + (width - 2 * pad) * (day - t0).days / total

    def y_of(value: float) -> float:
        return pad + (height - 2 * pad) * (1 - (value - lo) / span)

    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
             f'viewBox="0 0 {width} {height}">',
             f'<rect x="0.5" y="0.5" width="{width - 1}" height="{height - 1}" fill="#fff" '
             'stroke="#d0d7de"/>']
    line = [f"{x_of(d):.1f},{y_of(v):.1f}" for d, v, ok in zip(days, values, usable, strict=True)
            if v is not None and ok]
    if len(line) > 1:
        parts.append(f'<polyline fill="none" stroke="{LINE}" stroke-width="1.4" points="{" ".join(line)}"/>')
    for d, v, ok in zip(days, values, usable, strict=True):
        if v is not None and not ok:
            parts.append(f'<circle cx="{x_of(d):.1f}" cy="{y_of(v):.1f}" r="2" fill="none" stroke="{LOW}"/>')
    onset = ev.get("onset") or (str(text._get(alert, "onset"))[:10] if text._get(alert, "onset") else None)
    if ev.get("baseline_from") and text._get(alert, "level_before") is not None:
        y = y_of(text._get(alert, "level_before") * scale)
        x1, x2 = x_of(pd.Timestamp(ev["baseline_from"])), x_of(pd.Timestamp(ev["baseline_to"]))
        parts.append(f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{BEFORE}" '
                     'stroke-width="2" stroke-dasharray="4 2"/>')
    changed = text._get(alert, "detector") == "change_point"
    if onset and changed and text._get(alert, "level_after") is not None:
        y = y_of(text._get(alert, "level_after") * scale)
        end = pd.Timestamp(ev["cleared"]) if ev.get("cleared") else t1
        parts.append(f'<line x1="{x_of(pd.Timestamp(onset)):.1f}" x2="{x_of(end):.1f}" y1="{y:.1f}" '
                     f'y2="{y:.1f}" stroke="{AFTER}" stroke-width="2" stroke-dasharray="4 2"/>')
    if ev.get("limit") is not None:
        y = y_of(float(ev["limit"]))
        parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{y:.1f}" y2="{y:.1f}" stroke="{AFTER}" '
                     'stroke-width="1" stroke-dasharray="2 2"/>')
    if onset:
        x = x_of(pd.Timestamp(onset))
        parts.append(f'<line x1="{x:.1f}" x2="{x:.1f}" y1="{pad}" y2="{height - pad}" stroke="{AFTER}" '
                     'stroke-width="1"/>')
    parts.append("</svg>")
    return "".join(parts)


def chart_alt(alert: Any, lang: str) -> str:
    ev = text.evidence(alert)
    share = text.is_share(alert)

    def counts(n: Any, periods: Any) -> str:
        if share:
            return i18n.t("country.measurements", lang).lower() + f" {text.number(n, lang, 0)}"
        return f"{periods}"

    return i18n.t(
        "alerts.chart_alt", lang, what=text.what(alert, lang),
        before=text.level(text._get(alert, "level_before"), share, lang),
        after=text.level(text._get(alert, "level_after"), share, lang),
        n_before=counts(text._get(alert, "n_before"), ev.get("periods_before")),
        n_after=counts(text._get(alert, "n_after"), ev.get("periods_after")),
        onset=text._date(ev.get("onset") or text._get(alert, "onset"), lang),
    )


# -- cards ---------------------------------------------------------------------------------------
def card(alert: dict[str, Any], lang: str, compact: bool = False) -> html.Article:
    """One alert: title, badges, country link, the evidence chart and (unless compact) the
    explanation with its evidence."""
    severity = str(alert.get("severity") or "info")
    state = str(alert.get("state") or "new")
    badges = html.P([
        html.Span(i18n.t(f"alerts.severity.{severity}", lang),
                  className=f"rw-badge rw-alert-{severity}"), " ",
        html.Span(i18n.t(f"alerts.state.{state}", lang), className="rw-badge"), " ",
        html.Code(str(alert["rule"])), " · ", html.Span(text.end_text(alert, lang)),
    ], className="rw-muted")
    head: list[Any] = [html.H3(dcc.Link(text.title(alert, lang), href=href("/alerts", lang, id=alert["id"])),
                               className="rw-alert-title", dir="auto"), badges]
    body: list[Any] = []
    svg = evidence_svg(alert)
    if svg:
        alt = chart_alt(alert, lang)
        body.append(html.Img(src=svg_data_uri(svg), alt=alt, title=alt, width=CHART_W, height=CHART_H,
                             className="rw-alert-chart"))
    if not compact and alert.get("country") and not _missing(alert.get("country")):  # not on its own page
        body.append(dcc.Link(i18n.t("alerts.country_link", lang) + f" ({alert['country']})",
                             href=href(f"/country/{alert['country']}", lang), className="rw-alert-country"))
    parts = [*head, html.Div(body, className="rw-alert-body")]
    if not compact:
        lines = text.lines(alert, lang)
        if text.is_share(alert):
            lines.append(i18n.t("alerts.low_count", lang))
        parts.append(html.Details([html.Summary(i18n.t("alerts.details", lang)),
                                   html.Ul([html.Li(line, dir="auto") for line in lines])],
                                  className="rw-details"))
    return html.Article(parts, className=f"rw-alert rw-alert-{severity}-edge", id=f"alert-{alert['id']}",
                        **{"data-alert": alert["id"], "data-rule": alert["rule"]})


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def country_strip(svc, iso3: str, lang: str, today: pd.Timestamp | None = None) -> html.Section:
    """The country page's strip: its alerts of the last 12 months, newest first, linking to all."""
    today = today or pd.Timestamp.now(tz="UTC").tz_localize(None)
    since = (today - pd.Timedelta(days=365)).date().isoformat()
    title = i18n.t("alerts.strip", lang)
    try:
        recent = svc.cached(listing, (iso3,), (), (), since, None, (), STRIP_SIZE, 0)
        total = svc.cached(counted, (iso3,), (), (), None, None)
        in_year = svc.cached(counted, (iso3,), (), (), since, None)
    except Exception:  # noqa: BLE001 - an unreadable alert table must not break the country page
        recent, total, in_year = pd.DataFrame(), 0, 0
    name = svc.country_name(iso3, lang)
    links = [dcc.Link(i18n.t("alerts.strip_all", lang, country=name),
                      href=href("/alerts", lang, country=iso3), className="rw-button"), " ",
             html.A(i18n.t("alerts.feed", lang), href=f"/country/{iso3}/alerts.atom?lang={lang}",
                    className="rw-button")]
    if recent.empty:
        older = total - in_year
        body: list[Any] = [html.P(i18n.t("alerts.strip_none", lang), className="rw-muted")]
        if older:  # say so, and show the latest ones (data that stopped updating still matter)
            body.append(html.P(i18n.tn("{n} older alert; the latest:", "{n} older alerts; the latest:",
                                       older, lang), className="rw-muted"))
            latest = svc.cached(listing, (iso3,), (), (), None, None, (), STRIP_OLDER, 0)
            body.append(html.Div([card(a, lang, compact=True) for a in latest.to_dict("records")],
                                 className="rw-alert-strip-list"))
    else:
        body = [html.Div([card(a, lang, compact=True) for a in recent.to_dict("records")],
                         className="rw-alert-strip-list")]
        if in_year > len(recent):
            body.append(html.P(i18n.tn("{n} alert", "{n} alerts", in_year, lang), className="rw-muted"))
    return html.Section([html.H2(title, id="country-alerts-title"), *body,
                         html.P(links, className="rw-actions")],
                        className="rw-card rw-alert-strip", id="country-alerts",
                        **{"aria-labelledby": "country-alerts-title"})


__all__ = ["card", "chart_alt", "counted", "country_strip", "evidence_svg", "facets", "listing"]

