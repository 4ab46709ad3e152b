"""The country brief's messages (English, marked for extraction; their translations are in the
gettext catalogues, ``roamwatch/i18n/locale``) and readable names of OONI's tests.

The brief is written in UNESCO's six languages (:data:`BRIEF_LANGS`), like the dashboard;
catalogue texts (indicator names, units, theme titles, proxy sentences), numbers, dates and
country names come from the same catalogues and CLDR data.
"""

from __future__ import annotations

from dashboard import i18n
from roamwatch.i18n import LANGS, N_

#: The languages a brief is written in.
BRIEF_LANGS = LANGS

#: The brief's messages by key (English; translations in the gettext catalogues). Sections
#: look messages up by computed keys (``brief.kind_<kind>``, ``brief.use_<key>``), hence keys.
MESSAGES: dict[str, str] = {
    "brief.kicker": N_("roamwatch · country brief"),
    "brief.title": N_("{country}: Internet Universality profile (ROAM-X), {year}"),
    "brief.title_noyear": N_("{country}: Internet Universality profile (ROAM-X)"),
    "brief.region": N_("Region"),
    "brief.income": N_("Income group"),
    "brief.unclassified": N_("not classified by the World Bank"),
    "brief.codes": N_("ISO codes"),
    "brief.snapshot": N_("Data snapshot"),
    "brief.generated": N_("Generated"),
    "brief.disclaimer": N_(
        "These are roamwatch's proxies computed from public international data, arranged by UNESCO's "
        "ROAM-X categories (Rights, Openness, Accessibility to all, Multistakeholder participation, "
        "cross-cutting); they are not a UNESCO assessment. UNESCO's Internet Universality Indicators are "
        "a national self-assessment, mostly qualitative, and not meant to rank countries."),
    "brief.synthetic": N_(
        "Synthetic demonstration data: these figures were generated for testing and describe no real "
        "country."),
    "brief.print": N_("Print or save as PDF"),
    "brief.pdf": N_("Download PDF"),
    "brief.years": N_("Other years"),
    "brief.toolbar": N_("Brief: print, download, other languages and years"),
    "brief.footer": N_("roamwatch country brief · {country} · {year} · snapshot {snapshot}"),
    "brief.page": N_("page"),
    "brief.profile": N_("ROAM-X profile"),
    "brief.profile_what": N_(
        "Proxy score (0–100) per category for {country} in {year}, with the medians of its region, "
        "income group and the world. Coverage: the share of the category's indicator weight with data; "
        "below {threshold} no score is given. Framework themes: the framework's themes in the category "
        "that hold a score here."),
    "brief.category": N_("Category"),
    "brief.score": N_("Score"),
    "brief.coverage": N_("Coverage"),
    "brief.framework": N_("Framework themes"),
    "brief.median_region": N_("Region median"),
    "brief.median_income": N_("Income-group median"),
    "brief.median_world": N_("World median"),
    "brief.insufficient": N_("insufficient data"),
    "brief.no_data": N_("no data"),
    "brief.overall": N_("Overall (all five categories): {value}, coverage {coverage}."),
    "brief.overall_none": N_("No overall score: it is given only when all five categories have one."),
    "brief.no_scores": N_(
        "No ROAM-X proxy score could be computed for this country from the data in this snapshot. The "
        "sections below show what public data there is, and the inputs that are missing."),
    "brief.describe_profile": N_("ROAM-X profile of {country}, {year}: {parts}."),
    "brief.cat_head": N_("{score} · coverage {coverage} · framework themes {filled} of {total}"),
    "brief.indicator": N_("Indicator (ROAM-X question it stands in for)"),
    "brief.value": N_("Value"),
    "brief.period": N_("Period"),
    "brief.normalised": N_("Score"),
    "brief.source": N_("Source (licence)"),
    "brief.carried": N_("carried forward"),
    "brief.stands_for": N_("stands in for"),
    "brief.proxy": N_("proxy"),
    "brief.confirmed": N_("confirmed"),
    "brief.approximate": N_("approximate"),
    "brief.theme_score": N_("theme {theme}: {score}"),
    "brief.missing": N_("Missing inputs"),
    "brief.compact_note": N_(
        "To keep this brief within four pages, each indicator names the ROAM-X question it stands in for "
        "by its reference only; the methodology (docs/methodology.md) gives the wording."),
    "brief.missing_item": N_("{name}: {reason}; would be filled by {source}"),
    "brief.reason_nodata": N_("no data within the window"),
    "brief.reason_minimum": N_("below the minimum data"),
    "brief.uncovered": N_(
        "Framework themes no public dataset in roamwatch fills (a national assessment answers them): "
        "{themes}."),
    "brief.no_indicator": N_("No indicator of this category has data for this country in {year}."),
    "brief.connectivity": N_("Connectivity and the gender gap"),
    "brief.internet_use": N_("Internet use (% of population)"),
    "brief.use_total": N_("Everyone"),
    "brief.use_female": N_("Women"),
    "brief.use_male": N_("Men"),
    "brief.subscriptions": N_("Broadband subscriptions per 100 people"),
    "brief.broadband_fixed": N_("Fixed broadband"),
    "brief.broadband_mobile": N_("Mobile broadband"),
    "brief.gap": N_("Latest gap: women {female}, men {male} ({year}, {source}): {gap} points."),
    "brief.dgg": N_(
        "Digital Gender Gaps, female-to-male ratio (1 = parity), {year} mean: Internet {internet}, "
        "mobile phone {mobile}."),
    "brief.no_connectivity": N_("No Internet-use or subscription data for this country in this snapshot."),
    "brief.describe_lines": N_("{title}: {parts}."),
    "brief.describe_line": N_("{label} {first} in {first_year}, {last} in {last_year}"),
    "brief.censorship": N_("Censorship measurements (OONI), by test"),
    "brief.censorship_what": N_(
        "Shares of OONI Probe measurements per result, {start} to {end}. An anomaly may be interference "
        "or an ordinary fault; confirmed blocking was verified by OONI. Months with under {min} "
        "measurements of a test are left out; what is tested depends on volunteers."),
    "brief.test": N_("Test"),
    "brief.measurements": N_("Measurements"),
    "brief.months": N_("Months"),
    "brief.ok": N_("no anomaly"),
    "brief.shares": N_("Results"),
    "brief.anomaly": N_("anomaly"),
    "brief.confirmed_blocking": N_("confirmed blocking"),
    "brief.failure": N_("failed"),
    "brief.no_ooni": N_(
        "No OONI measurements for this country in the 12 months up to {year} in this snapshot."),
    "brief.events": N_("Shutdowns and outages, {first}–{last}"),
    "brief.events_what": N_(
        "Events in force per year and source, with the days they cover. An end is known, ongoing (only "
        "where the source says so; up to the data's last update) or not reported (the start day only). "
        "Outside a source's coverage a year is “not covered”, not zero."),
    "brief.events_year": N_("Year"),
    "brief.not_covered": N_("not covered"),
    "brief.coverage_unknown": N_(
        "No coverage window is published for this source: events starting in the year are counted, and a "
        "0 does not say the source covered the year."),
    "brief.recent": N_("Most recent events"),
    "brief.start": N_("Start"),
    "brief.end": N_("End"),
    "brief.kind": N_("Kind"),
    "brief.area": N_("Area"),
    "brief.event_source": N_("Source"),
    "brief.end_ongoing": N_("ongoing"),
    "brief.end_unknown": N_("not reported"),
    "brief.no_events": N_("No outage or shutdown source has events for this country in this snapshot."),
    "brief.kind_shutdown": N_("shutdown"),
    "brief.kind_outage": N_("outage"),
    "brief.context": N_("Context (shown, not scored)"),
    "brief.context_what": N_("Context, kept apart from the categories as the framework does; not scored."),
    "brief.alerts": N_("Alerts, last 12 months"),
    "brief.no_alerts": N_("No alert was raised for this country in the 12 months up to the end of {year}."),
    "brief.alert_when": N_("Raised"),
    "brief.alert_what": N_("Alert"),
    "brief.references": N_("Sources and method"),
    "brief.cited": N_("Sources cited in this brief"),
    "brief.licence": N_("Licence"),
    "brief.citation": N_("Citation"),
    "brief.method": N_(
        "Method: roamwatch {version}, catalogue {catalogue}, UNESCO ROAM-X framework {framework}: each "
        "indicator's latest value within {window} years (older ones carried forward, flagged), "
        "normalised to 0–100 between goalposts; themes average their indicators (weighted), categories "
        "their themes; a score needs {threshold} coverage."),
    "brief.framework_ref": N_("Framework: {publication}"),
    "brief.reproduce": N_(
        "To reproduce: on the same snapshot ({snapshot}), run `{explain}` for every input and trace, and "
        "`{brief}` for this document."),
    "brief.methodology_doc": N_("Full methodology: docs/methodology.md, or /methodology in the dashboard."),
    "brief.notfound": N_("No brief: {reason}"),
    "brief.button": N_("Brief (PDF)"),
    "brief.button_title": N_("A printable 2–4 page brief of this country, arranged by ROAM-X"),
}

#: OONI test ids → readable names.
OONI_TEST_NAMES: dict[str, str] = {
    "web_connectivity": N_("Websites"),
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "signal": "Signal",
    "facebook_messenger": "Facebook Messenger",
    "tor": "Tor",
}


def t(key: str, lang: str, **fmt: object) -> str:
    """The brief's message ``key`` in ``lang``; a key it does not know is returned as is."""
    message = MESSAGES.get(key)
    return key if message is None else i18n.t(message, lang, **fmt)


def brief_lang(lang: str) -> str:
    """``lang`` when the brief is written in it, else English."""
    return lang if lang in BRIEF_LANGS else "en"


def test_label(test: str, lang: str) -> str:
    name = OONI_TEST_NAMES.get(test)
    return test if name is None else i18n.t(name, lang)
