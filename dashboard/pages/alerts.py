"""Alerts page: every alert the detectors raised, newest first, filterable, in the URL.

URL: ``/alerts?country=IRN&rule=tor-blocking&state=new&from=2024-01-01&to=2024-12-31&page=2``,
or ``/alerts?id=<alert id>`` for one alert (the link in messages and the feed); ``lang=fr``.
Each alert shows its evidence as a small chart and links to its country's page; the list has an
Atom feed with the same filters.
"""

from __future__ import annotations

import math
from urllib.parse import urlencode

import dash
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import data, i18n
from dashboard.components import alerts as comp
from dashboard.components import inputs
from dashboard.components.layout import control, dropdown_labels, no_data_page, notice
from dashboard.components.urlstate import build, parse, split_list, to_int
from roamwatch.warehouse.alerts import STATES

dash.register_page(__name__, path="/alerts", name="Alerts", title=i18n.titled("nav.alerts"), order=5)

PAGE_SIZE = 25
FILTERS = ("country", "rule", "state", "from", "to")


@data.cached_page
def layout(country: str | None = None, rule: str | None = None, state: str | None = None,
           lang: str | None = None, page: str | None = None, id: str | None = None,  # noqa: A002
           **query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    if not svc.available():
        return no_data_page(lang, svc.problem)
    params = {"country": country, "rule": rule, "state": state, "from": query.get("from"),
              "to": query.get("to"), "page": page, "id": id}
    stranger = comp.unknown_country(params)
    bad = comp.problems(params) + ([f"country={stranger}"] if stranger else [])
    header = [html.H1(i18n.t("alerts.title", lang)),
              html.P(i18n.t("alerts.intro", lang), className="rw-what")]
    if bad:
        return html.Div([*header, notice(i18n.t("alerts.bad_filter", lang, value=", ".join(bad)), "error")],
                        className="rw-page", id="alerts-page")
    facets = svc.cached(comp.facets)
    countries = tuple(split_list(country, upper=True))
    rules = tuple(split_list(rule))
    states = (state,) if state else ()
    since, until = params["from"] or None, params["to"] or None
    ids = (id,) if id else ()
    number = to_int(page) or 1
    total = 1 if ids else svc.cached(comp.counted, countries, rules, states, since, until)
    frame = svc.cached(comp.listing, countries, rules, states, since, until, ids, PAGE_SIZE,
                       (number - 1) * PAGE_SIZE)
    pages = max(1, math.ceil(total / PAGE_SIZE))

    names = {iso3: i18n.country_name(iso3, lang, default=name)
             for iso3, name in svc.countries().set_index("iso3")["name_en"].items()}
    country_opts = [{"label": f"{names.get(c, c)} ({c})", "value": c}
                    for c in sorted(facets["country"].dropna().unique(), key=lambda c: names.get(c, c))]
    rule_opts = [{"label": r, "value": r} for r in sorted(facets["rule"].unique())]
    state_opts = [{"label": i18n.t(f"alerts.state.{s}", lang), "value": s} for s in STATES]
    controls = html.Div([
        control(i18n.t("alerts.country", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="alerts-country", options=country_opts, value=list(countries), multi=True,
            placeholder=i18n.t("alerts.all", lang)), "alerts-country"),
        control(i18n.t("alerts.rule", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="alerts-rule", options=rule_opts, value=list(rules), multi=True,
            placeholder=i18n.t("alerts.all", lang)), "alerts-rule"),
        control(i18n.t("alerts.state", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="alerts-state", options=state_opts, value=state, placeholder=i18n.t("alerts.all", lang)),
            "alerts-state"),
        control(i18n.t("alerts.from", lang), dcc.Input(id="alerts-from", type="date", value=since,
                                                        debounce=True), "alerts-from"),
        control(i18n.t("alerts.to", lang), dcc.Input(id="alerts-to", type="date", value=until,
                                                      debounce=True), "alerts-to"),
    ], className="rw-controls", id="alerts-controls")

    feed_query = {k: v for k, v in {"rule": rules[0] if len(rules) == 1 else None, "state": state,
                                     "lang": lang}.items() if v}
    feed = (f"/country/{countries[0]}/alerts.atom" if len(countries) == 1 else "/alerts.atom") + \
        (f"?{urlencode(feed_query)}" if feed_query else "")
    summary = html.P([
        html.Span(i18n.tn("{n} alert", "{n} alerts", total, lang, n=i18n.fmt_number(total, lang, 0)),
                  id="alerts-count"), " · ",
        html.A(i18n.t("alerts.feed", lang), href=feed, id="alerts-feed"),
    ], className="rw-muted")
    if frame.empty:
        empty = "alerts.empty" if facets.empty else "alerts.none"
        listing = [notice(i18n.t(empty, lang))]
    else:
        listing = [html.Div([comp.card(a, lang) for a in frame.to_dict("records")], id="alerts-list",
                            className="rw-alert-list")]
    nav = []
    if pages > 1:
        keep = {"country": ",".join(countries) or None, "rule": ",".join(rules) or None, "state": state,
                "from": since, "to": until, "lang": lang}
        if number > 1:
            target = "/alerts" + build({**keep, "page": number - 1})
            nav.append(dcc.Link(i18n.t("alerts.prev", lang), href=target, className="rw-button"))
        nav.append(html.Span(i18n.t("alerts.page", lang, page=number, pages=pages), className="rw-muted"))
        if number < pages:
            target = "/alerts" + build({**keep, "page": number + 1})
            nav.append(dcc.Link(i18n.t("alerts.next", lang), href=target, className="rw-button"))
    return html.Div([*header, controls, summary, *listing, html.Nav(nav, className="rw-actions")],
                    className="rw-page", id="alerts-page")


@callback(
    Output("url", "search", allow_duplicate=True),
    Input("alerts-country", "value"),
    Input("alerts-rule", "value"),
    Input("alerts-state", "value"),
    Input("alerts-from", "value"),
    Input("alerts-to", "value"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.texts, inputs.texts, inputs.text, inputs.text, inputs.text, inputs.search)
def _controls_to_url(countries, rules, state, since, until, search):
    current = parse(search if isinstance(search, str) else "")

    def joined(value: object) -> str | None:  # a list from the dropdown (anything else: ignored)
        items = value if isinstance(value, list) else [value] if isinstance(value, str) else []
        return ",".join(str(v) for v in items if isinstance(v, str) and v) or None

    def one(value: object) -> str | None:
        return value if isinstance(value, str) and value else None

    wanted = {"country": joined(countries), "rule": joined(rules), "state": one(state),
              "from": one(since), "to": one(until)}
    shown = {k: current.get(k) or None for k in FILTERS}
    if wanted == shown:
        return no_update
    return build({**wanted, "lang": current.get("lang")})  # a new filter starts at page 1
