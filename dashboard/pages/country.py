"""Country page: every panel about one country, from whatever the snapshot holds.

URL: ``/country/<ISO3>?lang=fr``. ISO2 codes and names (``/country/KE``, ``/country/kenya``)
redirect to the ISO3 URL; anything else gets the not-found page with the nearest countries.
"""

from __future__ import annotations

import dash
from dash import Input, Output, callback, dcc, html, no_update

from dashboard import checks, data, frames, i18n
from dashboard import country_panels as panels
from dashboard.brief import strings as _brief_strings  # noqa: F401 - the brief button's label
from dashboard.components import inputs
from dashboard.components.alerts import country_strip
from dashboard.components.layout import (
    cite_block,
    copy_link_button,
    csv_links,
    no_data_page,
    not_found_page,
)
from dashboard.components.urlstate import build, href


def _title(iso3: str | None = None, **_kw: object) -> str:
    """The tab title: the country's name in the page's language (Dash passes the path only)."""
    lang = i18n.page_lang()
    name = i18n.t("common.country", lang)
    try:
        svc = data.get()
        if svc.available():
            match = svc.resolve_country(iso3)
            name = svc.country_name(match.iso3, lang) if match.iso3 else i18n.t("notfound.title", lang)
    except Exception:  # noqa: BLE001 - a title must never break the page
        pass
    return i18n.page_title(name, lang)


dash.register_page(__name__, path_template="/country/<iso3>", path="/country/KEN", name="Country",
                   title=_title, order=1)

@data.cached_page
def layout(iso3: str | None = None, lang: str | None = None, **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    if not svc.available():
        return no_data_page(lang, svc.problem)
    match = svc.resolve_country(iso3)
    if match.status == "missing":
        missing = checks.country(iso3, lang)
        return not_found_page(lang, "country", iso3, missing.suggestions if missing else [])
    if match.status == "redirect":
        target = f"/country/{match.iso3}" + build({"lang": lang})
        return html.Div([
            dcc.Store(id="country-redirect", data=target),
            html.P([i18n.t("redirect.body", lang, href=""), dcc.Link(target, href=target)]),
        ], className="rw-page")
    code = match.iso3
    country = svc.country_row(code) or {}
    snapshot = svc.snapshot_id()
    name = svc.country_name(code, lang)
    obs = svc.country_observations(code)
    months = frames.ooni_months(svc, code)
    events = frames.events_view(svc, code)
    gender = frames.gender_obs(svc, obs)
    facts_frame = frames.headline(svc, code, obs, months, events, gender)
    prof = frames.profile(svc, code, country.get("region"), country.get("income_group"))

    facts = [i18n.region_label(country.get("region"), lang),
             i18n.income_label(country.get("income_group"), lang),
             i18n.t("country.codes", lang, iso3=code, iso2=country.get("iso2") or "–")]
    compare_metric = data.DEFAULT_METRIC if (obs["metric"] == data.DEFAULT_METRIC).any() else None
    header = html.Header([
        html.H1(name, id="country-name"),
        html.P(" · ".join(f for f in facts if f), className="rw-muted", id="country-facts"),
        html.Div([
            *csv_links(f"/download/country/{code}.csv", f"roamwatch_{code}_{snapshot}", lang,
                       "country-download"),
            html.A(i18n.t("Brief (PDF)", lang), href=f"/country/{code}/brief.pdf" + build({"lang": lang}),
                   className="rw-button", id="country-brief", title=i18n.t(
                       "A printable 2–4 page brief of this country, arranged by ROAM-X", lang),
                   target="_blank", rel="noopener"),
            dcc.Link(i18n.t("country.compare_link", lang), className="rw-button",
                     href=href("/compare", lang, metric=compare_metric, countries=code)),
            copy_link_button(lang),
        ], className="rw-actions rw-tools"),
        html.P([i18n.t("country.download_note", lang), i18n.sentence_gap(lang),
                dcc.Link(i18n.t("country.download_raw", lang),
                         href="/data" + build({"countries": code, "lang": lang}))], className="rw-muted"),
        cite_block(i18n.t("country.cite_title", lang, name=name), snapshot,
                   frames.source_line(svc, sorted(svc.collected_sources()), lang), None, lang),
    ], className="rw-country-header")

    safe = panels.safe
    return html.Div([
        header,
        safe("country-headline", "headline.title", lang, panels.headline_strip, svc, code, facts_frame, lang),
        safe("country-radar", "country.radar", lang, panels.radar_panel, svc, code, prof, lang, snapshot),
        safe("country-indicators", "country.indicators", lang, panels.indicators_panel, svc, code, obs, lang),
        safe("country-gender", "country.gender", lang, panels.gender_panel, svc, code, gender, lang,
             snapshot),
        safe("country-censorship", "country.censorship", lang, panels.ooni_panel, svc, code,
             country.get("iso2"), months, lang, snapshot),
        safe("country-events", "country.events", lang, panels.events_panel, svc, code, events, lang,
             snapshot),
        safe("country-alerts", "alerts.strip", lang, country_strip, svc, code, lang),
        safe("country-rights", "country.rights", lang, panels.rights_panel, svc, code, obs, lang),
        safe("country-freshness", "country.freshness", lang, panels.freshness_panel, svc, code, lang),
    ], className="rw-page", id="country-page", **{"data-iso3": code})


@callback(
    Output("url", "pathname", allow_duplicate=True),
    Output("url", "search", allow_duplicate=True),
    Input("country-redirect", "data"),
    prevent_initial_call="initial_duplicate",
)
@inputs.checked(inputs.text)
def _redirect(target):
    if not target or not target.startswith("/country/"):
        return no_update, no_update
    path, _, search = target.partition("?")
    return path, ("?" + search) if search else ""

