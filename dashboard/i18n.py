# ruff: noqa: E501  (a message table reads best with one message per line)
"""The dashboard's strings and formatting in UNESCO's six languages (over :mod:`roamwatch.i18n`).

``t("World", lang)`` returns the translation of an English message from the gettext catalogues
(``roamwatch/i18n/locale``); ``tn`` picks a plural form, ``tp`` takes a context;
``t(..., n=3)`` formats the result. A message without a translation is shown in English.

Pages name most messages by a key of :data:`MESSAGES` (``t("nav.world", lang)``), whose values
are the English messages, marked for extraction; labels computed from data (metric, region,
OONI test names, units) come from the tables below it. Every translation, French included, is
in the catalogues: a translator works on the ``.po`` files only.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal
from urllib.parse import parse_qs

import pandas as pd
from babel.lists import format_list

from roamwatch import i18n as core
from roamwatch.i18n import N_, formatting

LANGS = core.LANGS
DEFAULT_LANG = core.DEFAULT_LANG

MESSAGES: dict[str, str] = {
    # shell
    "site.title": N_("roamwatch"),
    "site.tagline": N_("Internet freedom, from public data"),
    "site.description": N_("roamwatch: internet-freedom indicators from public data"),
    # the browser tab: "roamwatch – Sources"; a translation may put the page first
    "site.page_title": N_("roamwatch – {page}"),
    "nav.world": N_("World"),
    "nav.compare": N_("Compare"),
    "nav.data": N_("Data"),
    "nav.sources": N_("Sources"),
    "nav.methodology": N_("Methodology"),
    "nav.main": N_("Main navigation"),
    "nav.current": N_("(current page)"),
    "footer.snapshot": N_("Data snapshot {snapshot}"),
    "footer.nosnapshot": N_("No data snapshot yet"),
    "footer.note": N_(
        "roamwatch figures are proxies computed from public international data, not UNESCO assessments."),
    "footer.method": N_("How they are computed"),
    # common
    "common.value": N_("Value"),
    "common.year": N_("Year"),
    "common.period": N_("Period"),
    "common.country": N_("Country"),
    "common.countries": N_("Countries"),
    "common.rank": N_("Rank"),
    "common.metric": N_("Metric"),
    "common.unit": N_("Unit"),
    "common.source": N_("Source"),
    "common.region": N_("Region"),
    "common.income": N_("Income group"),
    "common.all_regions": N_("All regions"),
    "common.all_incomes": N_("All income groups"),
    "common.coverage": N_("Coverage"),
    "common.insufficient": N_("insufficient data"),
    "common.trend": N_("Trend"),
    "common.none": N_("none"),
    "common.download_csv": N_("Download CSV"),
    "common.download_excel": N_("CSV for Excel"),
    "common.download_excel_title": N_(
        "The same CSV with a UTF-8 byte-order mark, so Excel reads accents and symbols correctly"),
    "common.copy_link": N_("Copy link"),
    "common.copied": N_("link copied"),
    "common.cite": N_("Cite this"),
    "common.no_data": N_("no data"),
    "cite.plain_label": N_("Plain text"),
    "cite.plain": N_(
        "roamwatch ({year}). {title}. Data snapshot {snapshot}. Sources: {sources}. {{url}} (accessed {{date}})."),
    "cite.note": N_(
        "Data snapshot {snapshot}; sources: {sources}; roamwatch proxies computed from public data, not UNESCO assessments"),
    "common.download_zip": N_("Download ZIP (data + metadata)"),
    "common.download_svg": N_("Download SVG"),
    "common.table_view": N_("Table view"),
    "common.text_view": N_("Text description"),
    "common.what": N_("What this shows: "),
    "common.source_line": N_("Source: {sources}"),
    "common.stamp": N_("roamwatch snapshot {snapshot}"),
    "common.not_collected": N_(
        "{what}: this source is not collected on this site."),
    "common.no_data_country": N_(
        "{what}: no data for this country in the current snapshot."),
    "ooni.share_name": N_("OONI {test}: {share}"),
    "common.panel_failed": N_(
        "This panel could not be drawn from the current data. The rest of the page is unaffected."),
    "common.rows_shown": N_("Showing the first {n} of {total} rows."),
    "common.more": N_("… and {n} more"),
    "common.never": N_("never"),
    "common.unknown": N_("unknown"),
    "common.today": N_("today"),
    # no data / not found
    "nodata.title": N_("No data yet"),
    "nodata.body": N_(
        "This site has not published any data yet. Its pages fill in as soon as the first data is collected."),
    "nodata.problem": N_(
        "The published data cannot be read at the moment; the site's operator has been told."),
    "nodata.after": N_(
        "roamwatch gathers public data on Internet access, openness and rights (World Bank, ITU, OONI, IODA, Freedom House, Access Now and others) and publishes it here."),
    "notfound.title": N_("Not found"),
    "notfound.page": N_("There is no page at {value}."),
    "notfound.country": N_("No country matches “{value}”."),
    "notfound.metric": N_("No metric or score is called “{value}”."),
    "notfound.year": N_(
        "There is no data for {value} in this series."),
    "notfound.suggest": N_("Did you mean:"),
    "notfound.nosuggest": N_("No close match."),
    "notfound.home": N_("Back to the world map"),
    "redirect.body": N_("This country's page is at {href}."),
    # world
    "world.title": N_("World"),
    "world.heading": N_("Internet freedom indicators around the world"),
    "world.pick_metric": N_("Metric or score"),
    "world.pick_year": N_("Year"),
    "world.map_what": N_(
        "{metric} in {year}, one colour per country (darker = lower); countries in grey have no value. "
        "Select a country to open its page."),
    "world.map_what_better_high": N_(
        "{metric} in {year}, one colour per country; darker = worse (here: lower). Countries in grey "
        "have no value. Select a country to open its page."),
    "world.map_what_better_low": N_(
        "{metric} in {year}, one colour per country; darker = worse (here: higher). Countries in grey "
        "have no value. Select a country to open its page."),
    "world.scale_fixed": N_(
        "The colour scale runs from {lo} to {hi} whatever the filter."),
    "world.scale_goalposts": N_(
        "The colour scale runs between the goalposts of the scores ({lo} to {hi}) whatever the filter."),
    "world.scale_range": N_(
        "The colour scale runs from the lowest to the highest value of any country and year ({lo} to {hi}) whatever the filter."),
    "world.title_value": N_("{metric}, {year}"),
    "world.title_sum": N_("{metric}: total over {year}"),
    "world.title_mean": N_("{metric}: average over {year}"),
    "world.outside_filter": N_("outside the filter"),
    "world.too_few_measurements": N_(
        "only {n} measurements in {year} (a share needs {min})"),
    "world.ranking": N_("Ranking"),
    "world.ranking_note": N_(
        "Ranked by value; proxies from public data, not UNESCO assessments. For category scores, "
        "the rank range is the best and worst world rank under alternative aggregations (equal "
        "weights, geometric mean, each indicator left out in turn)."),
    "world.describe_empty": N_(
        "{metric}, {year}: no country has a value with these filters."),
    "world.no_metric": N_(
        "No metric has been collected yet."),
    "world.scores_missing": N_(
        "ROAM-X scores have not been computed on this site yet; the collected metrics are shown instead."),
    "score.overall": N_("ROAM-X overall score"),
    "world.scores_group": N_("ROAM-X scores (roamwatch proxies)"),
    # country
    "country.title": N_("Country"),
    "country.codes": N_("ISO codes {iso3} / {iso2}"),
    "country.indicators": N_("Indicators"),
    "country.indicators_what": N_(
        "The latest value of every collected metric for this country, with its year and a sparkline of its history."),
    "country.latest": N_("Latest value"),
    "country.gender": N_("Internet use, women and men"),
    "country.gender_what": N_(
        "Share of women and of men using the Internet, by year."),
    "country.score_inputs": N_("Score details and inputs"),
    "country.women": N_("Women"),
    "gender.gap_label": N_("gap: {gap} points"),
    "country.men": N_("Men"),
    "country.censorship": N_("Censorship measurements (OONI)"),
    "country.censorship_what": N_(
        "For each OONI test, the share of the month's measurements that were OK, showed an anomaly, confirmed blocking or failed, with the number of measurements above each bar. Months with fewer than {n} measurements are faded, not left out. An anomaly is not proof of censorship."),
    "country.anomaly": N_("anomaly"),
    "country.confirmed": N_("confirmed"),
    "country.measurements": N_("Measurements"),
    "country.events": N_("Outages and shutdowns"),
    "country.events_what": N_(
        "Each bar is an outage or shutdown event, from its start to its end, grouped by source and kind."),
    "country.rights": N_("Rights scores"),
    "country.rights_what": N_(
        "Independent assessments of rights online (Freedom on the Net, V-Dem), latest values."),
    "country.radar": N_("ROAM-X profile"),
    "country.radar_what": N_(
        "roamwatch's proxy score (0–100) per ROAM-X category for {year}, against the median of the region and the world."),
    "country.radar_more": N_(
        "The income-group median is in the table, with the number of the framework's themes in "
        "each category that public data fills. Not a ranking: UNESCO's framework is for national "
        "self-assessment."),
    "country.scores_missing": N_(
        "ROAM-X scores have not been computed on this site yet."),
    "country.scores_none": N_(
        "No ROAM-X score for this country yet (not enough data)."),
    "country.freshness": N_("Freshness per source"),
    "country.freshness_what": N_(
        "For each source: the newest period it has for this country and when roamwatch last fetched it."),
    "country.newest": N_("Newest period"),
    "country.age_note": N_(
        "The age of the newest data counts from the end of its period (a yearly value from 31 December); "
        "for outages and shutdowns, from the dataset's last update."),
    "country.fetched": N_("Fetched"),
    "country.last_success": N_("Last successful run"),
    "country.rows": N_("Rows"),
    "country.download": N_("Download this page's data (CSV)"),
    "country.world": N_("World"),
    "country.median_region": N_("Region median"),
    "country.median_world": N_("World median"),
    "country.median_income": N_("Income-group median"),
    "country.kind": N_("Kind"),
    "country.start": N_("Start"),
    "country.end": N_("End"),
    "country.severity": N_("Severity"),
    "country.ongoing": N_("ongoing"),
    "country.describe_lines": N_(
        "{title}: {parts}."),
    "country.describe_series": N_(
        "{label} went from {first} in {first_year} to {last} in {last_year}"),
    "country.describe_events": N_(
        "{n} events from {first} to {last}; longest: {longest}."),
    "country.describe_radar": N_(
        "ROAM-X scores for {year}: {parts}."),
    # the ROAM-X profile chart's title: "ROAM-X profile — Kenya, 2022"
    "country.radar_title": N_("{title} — {country}, {year}"),
    # the end of a sentence made of clauses (a chart's text description)
    "common.sentence": N_("{parts}."),
    "country.download_note": N_(
        "The CSV holds what this page shows."),
    "country.download_raw": N_(
        "Every raw observation of the country is on the data page."),
    "source.roamwatch": N_("roamwatch (computed from public data)"),
    "country.cite_title": N_("Country profile: {name}"),
    "country.test": N_("Test"),
    "country.low_sample": N_("Few measurements"),
    "country.ooni_explorer": N_("See this country on OONI Explorer (opens explorer.ooni.org)"),
    "country.ooni_faded": N_("Faded: fewer than {n} measurements in the month"),
    "country.describe_ooni_test": N_(
        "{test}: {months} months, {n} measurements, {confirmed}% confirmed blocking, {anomaly}% anomalies"),
    "country.end_unknown": N_("end not reported"),
    # outages and shutdowns
    "timeline.ongoing": N_("ongoing (drawn to the dataset's last update)"),
    "timeline.ongoing_until": N_("ongoing as of {date} (the dataset's last update)"),
    "timeline.as_of": N_("ongoing as of {date}"),
    "timeline.legend_known": N_("start to end"),
    "timeline.events_per_month": N_("events starting in the month"),
    "timeline.not_covered": N_("{source}: this country is not covered."),
    "timeline.none_recorded": N_("None recorded in {source} (covers {years})."),
    "timeline.type": N_("Type"),
    "timeline.days": N_("Days counted"),
    "timeline.area": N_("Area"),
    "timeline.cause": N_("Cause"),
    "timeline.causes": N_("Causes given"),
    "timeline.events": N_("Events"),
    "timeline.first": N_("First"),
    "timeline.last": N_("Latest"),
    "timeline.areas_title": N_("Areas and causes"),
    "timeline.list_csv": N_("Every event, one per row:"),
    "timeline.what_bars": N_(
        "Each outage or shutdown from its start to its end, one row per source and type. An event whose source gives no end is a diamond at its start (\"end not reported\"; it counts as one day); an ongoing one runs to the dataset's last update, which is stated. The pale band is the period the source covers: there, no bar means none recorded."),
    "timeline.what_many": N_(
        "{n} events: too many to draw one by one, so each month counts the events that started in it, by type. The pale band is the period the sources cover; below, the areas and the causes given."),
    "Full network": N_("Full network"),
    "Service-based": N_("Service-based"),
    "Full network and service-based": N_("Full network and service-based"),
    "Extent not stated": N_("Extent not stated"),
    "Outage": N_("Outage"),
    "Area not stated": N_("Area not stated"),
    "country.level": N_("Level"),
    "country.trace": N_("Trace (inputs)"),
    "level.overall": N_("overall"),
    "level.category": N_("category"),
    "level.theme": N_("theme"),
    "level.indicator": N_("indicator"),
    "common.yes": N_("yes"),
    "fotn.free": N_("Free"),
    "fotn.partly_free": N_("Partly Free"),
    "fotn.not_free": N_("Not Free"),
    # headline strip
    "headline.title": N_("Key facts"),
    "headline.internet": N_("Internet use"),
    "headline.gap": N_(
        "Women {women}, men {men} ({period}): gap of {gap} points"),
    "headline.gap_none": N_("Gender gap: no data"),
    "headline.fotn": N_("Freedom on the Net"),
    "headline.fotn_edition": N_("Edition {edition}; status from Freedom House's score bands"),
    "headline.fotn_none": N_("not assessed by Freedom House"),
    "headline.shutdowns": N_("Shutdowns, last 12 months covered"),
    "headline.shutdowns_none": N_("none recorded"),
    "headline.window": N_("{first} – {last}"),
    "headline.not_covered": N_("not covered by {source}"),
    "headline.ooni": N_("OONI confirmed blocking"),
    "headline.ooni_tests": N_("in {tests}, of {total} measurements"),
    "headline.ooni_none": N_("none found"),
    "headline.ooni_measured": N_("in {total} measurements"),
    "headline.ooni_nodata": N_("no measurements"),
    "headline.outage": N_("Latest outage"),
    "headline.outage_hours": N_("lasting {hours} h"),
    "headline.outage_none": N_("none detected"),
    "headline.not_collected": N_("not collected on this site"),
    "headline.not_covered_short": N_("not covered"),
    "headline.nothing_here": N_("{source} has nothing for this country in the data collected here."),
    "headline.ooni_no_probe": N_(
        "None from this country in the data collected here (OONI measures only where volunteers run "
        "its probe)."),
    "coverage.by_state": N_(
        "{source} records shutdowns country by country, and this territory is not one of them: no "
        "data here, which is not the same as none."),
    "country.compare_link": N_("Compare with other countries"),
    # compare
    "compare.title": N_("Compare countries"),
    "compare.pick_countries": N_("Countries (up to 8)"),
    "compare.what": N_(
        "{metric} over time for the selected countries, one line each."),
    "compare.too_many": N_("Only the first 8 countries are shown."),
    "compare.empty": N_("Choose one or more countries."),
    "compare.no_values": N_("None of these countries has a value for this metric."),
    # data
    "data.title": N_("Data explorer"),
    "data.intro": N_(
        "Every observation of the current snapshot. Filter here, sort by clicking a column header; "
        "the downloads contain exactly the filtered rows."),
    "data.metrics": N_("Metrics"),
    "data.from": N_("From year"),
    "data.to": N_("To year"),
    "data.all": N_("all"),
    "data.metric_id": N_("Metric id"),
    "grid.page": N_("Page"),
    "grid.of": N_("of"),
    "grid.to": N_("to"),
    "grid.more": N_("more"),
    "grid.next": N_("Next"),
    "grid.last": N_("Last"),
    "grid.first": N_("First"),
    "grid.previous": N_("Previous"),
    "grid.loadingOoo": N_("Loading…"),
    "grid.firstPage": N_("First page"),
    "grid.lastPage": N_("Last page"),
    "grid.nextPage": N_("Next page"),
    "grid.previousPage": N_("Previous page"),
    # what the grid says to screen readers (a focused column heading, rows still loading)
    "grid.ariaSortableColumn": N_("Press ENTER to sort"),
    "grid.ariaSkeletonCellLoading": N_("Row data is loading"),
    "grid.ariaDeferSkeletonCellLoading": N_("Cell is loading"),
    "grid.ariaSkeletonCellLoadingFailed": N_("Row failed to load"),
    "grid.ariaLabelTooltip": N_("Tooltip"),
    "grid.loadingError": N_("Error"),
    "data.no_rows": N_("No row matches these filters."),
    # sources
    "sources.title": N_("Sources"),
    "sources.intro": N_(
        "Where the data comes from, under which licence, and how fresh it is."),
    "sources.licence": N_("Licence"),
    "sources.citation": N_("Citation"),
    "sources.terms": N_("Terms"),
    "sources.last_run": N_("Last run"),
    "sources.last_success": N_("Last successful run"),
    "sources.rows": N_("Rows written (last run)"),
    "sources.rejected": N_("Rows rejected"),
    "sources.units_failed": N_("Units failed"),
    "sources.error": N_("Error"),
    "sources.problem_failed": N_(
        "The last collection of this source did not complete. The data shown is from its last successful collection."),
    "sources.problem_partial": N_(
        "The last collection of this source was partial: some parts could not be fetched and keep their earlier data."),
    "sources.observations": N_("Observations"),
    "sources.events": N_("Events"),
    "sources.newest": N_("Newest data"),
    "sources.age": N_("Age of newest data"),
    "sources.age_period_end": N_("{age}, counted from the end of the newest period ({date})"),
    "sources.age_last_update": N_("{age}, counted from the dataset's last update ({date})"),
    "sources.age_event_start": N_("{age}, counted from the start of the newest event ({date})"),
    "sources.not_collected": N_("Not collected yet"),
    "sources.not_collected_body": N_(
        "roamwatch can collect this source, but this site has not collected it."),
    "sources.status.success": N_("success"),
    "sources.status.partial": N_("partial"),
    "sources.status.failed": N_("failed"),
    "sources.status.running": N_("running"),
    "sources.status.interrupted": N_("interrupted"),
    # methodology
    "method.title": N_("Methodology"),
    "method.missing": N_(
        "The methodology document is not available on this site yet. Until scores are computed the dashboard shows the collected indicators as they are."),
    "method.english_only": N_("This document is in English."),
    "world.rank_range": N_("Rank range"),
    "world.framework_coverage": N_("Framework themes"),
    "common.n_of_m": N_("{n} of {m}"),
    "world.scores_table": N_("Scores by country"),
    "world.scores_note": N_(
        "Not a league table: UNESCO designed the ROAM-X framework for national self-assessment, "
        "not for ranking countries, and these are roamwatch's proxies from public data. The rank "
        "range is the best and worst place a country gets when the score is built other ways "
        "(equal weights, geometric mean, each indicator left out): a wide range means its place "
        "says little. Coverage is the share of the catalogue's indicators with data; framework "
        "themes, how many of the themes of UNESCO's category have a value."),
    "reweight.title": N_("Re-weight the indicators"),
    "reweight.what": N_(
        "Change the weight of any indicator of a category (0 leaves it out) and see how the "
        "ranking of countries moves. The scores are recomputed with the same code as the site's "
        "own scores; the weights are kept in the link, so the view can be shared."),
    "reweight.category": N_("Category"),
    "reweight.year": N_("Year"),
    "reweight.apply": N_("Apply weights"),
    "reweight.reset": N_("Catalogue weights"),
    "reweight.indicator": N_("Indicator"),
    "reweight.weight": N_("Weight"),
    "reweight.score": N_("Score"),
    "reweight.new_score": N_("Re-weighted score"),
    "reweight.move": N_("Places moved"),
    "reweight.no_positions": N_(
        "Countries are listed by re-weighted score, without their place: UNESCO designed the "
        "ROAM-X framework for national self-assessment, not for ranking countries, and a place "
        "depends on how the score is built. \"Places moved\" says how far your weights move a "
        "country against the catalogue's; the world page gives each country's rank range under "
        "other ways of building the score."),
    "reweight.none": N_(
        "No category scores for this year yet."),
    "reweight.insufficient": N_("insufficient data"),
    # alerts (page, filters, country strip)
    "nav.alerts": N_("Alerts"),
    "alerts.title": N_("Alerts"),
    "alerts.intro": N_(
        "Changes roamwatch's detectors found in the published data: new shutdowns and outages, "
        "onsets of blocking in OONI measurements, thresholds crossed, scores that fell. Each alert "
        "names the rule that raised it, the levels before and after with the measurements behind "
        "them, and the snapshot it was found in. They are signals to check, not verified incidents."),
    "alerts.country": N_("Country"),
    "alerts.rule": N_("Rule"),
    "alerts.state": N_("State"),
    "alerts.from": N_("Began on or after"),
    "alerts.to": N_("Began on or before"),
    "alerts.all": N_("All"),
    "alerts.page": N_("Page {page} of {pages}"),
    "alerts.prev": N_("Newer"),
    "alerts.next": N_("Older"),
    "alerts.none": N_("No alert matches these filters."),
    "alerts.empty": N_("No alerts yet: they are raised each time new data is collected."),
    "alerts.feed": N_("Atom feed of this list"),
    "alerts.details": N_("Evidence and detector"),
    "alerts.state.new": N_("new"),
    "alerts.state.delivered": N_("delivered"),
    "alerts.state.acknowledged": N_("acknowledged"),
    "alerts.severity.info": N_("information"),
    "alerts.severity.warning": N_("warning"),
    "alerts.severity.critical": N_("critical"),
    "alerts.country_link": N_("Country page"),
    "alerts.chart_alt": N_(
        "{what}: {before} before ({n_before}), {after} from {onset} ({n_after})"),
    "alerts.low_count": N_("hollow dots: too few measurements to count"),
    "alerts.bad_filter": N_("This filter value is not valid: {value}"),
    "alerts.strip": N_("Recent alerts"),
    "alerts.strip_none": N_("No alert in the last 12 months."),
    "alerts.strip_all": N_("All alerts for {country}"),
}

#: World Bank regions and income groups (English names as the World Bank publishes them; in this
#: order on pages). Their translations are messages of the catalogues.
REGIONS = (
    N_("East Asia & Pacific"),
    N_("Europe & Central Asia"),
    N_("Latin America & Caribbean"),
    N_("Middle East & North Africa"),
    N_("Middle East, North Africa, Afghanistan & Pakistan"),
    N_("North America"),
    N_("South Asia"),
    N_("Sub-Saharan Africa"),
)
INCOMES = (
    N_("High income"),
    N_("Upper middle income"),
    N_("Lower middle income"),
    N_("Low income"),
    N_("Not classified"),
)
ROAMX_NAMES = {
    "R": N_("Rights"),
    "O": N_("Openness"),
    "A": N_("Accessibility"),
    "M": N_("Multi-stakeholder participation"),
    "X": N_("Cross-cutting"),
}

#: Names of the metrics roamwatch's collectors define, as messages of the catalogues. English
#: pages show the name the snapshot holds (the source's own); other languages translate these.
#: A metric missing here shows its English name: the page tests list every such metric of a
#: filled snapshot, so a new collector metric cannot slip through.
METRIC_NAMES = {
    "worldbank.IT.NET.USER.ZS": N_("Individuals using the Internet (% of population)"),
    "worldbank.IT.NET.USER.FE.ZS": N_("Individuals using the Internet, female (% of female population)"),
    "worldbank.IT.NET.USER.MA.ZS": N_("Individuals using the Internet, male (% of male population)"),
    "worldbank.IT.NET.BBND.P2": N_("Fixed broadband subscriptions (per 100 people)"),
    "worldbank.IT.CEL.SETS.P2": N_("Mobile cellular subscriptions (per 100 people)"),
    "worldbank.IT.NET.SECR.P6": N_("Secure Internet servers (per 1 million people)"),
    "worldbank.EG.ELC.ACCS.ZS": N_("Access to electricity (% of population)"),
    "worldbank.NY.GNP.PCAP.CD": N_("GNI per capita, Atlas method (current US$)"),
    "worldbank.SE.ADT.LITR.ZS": N_("Literacy rate, adult total (% of people ages 15 and above)"),
    "itu.internet_use": N_("Individuals using the Internet (%)"),
    "itu.internet_use_female": N_("Individuals using the Internet, female (% of women)"),
    "itu.internet_use_male": N_("Individuals using the Internet, male (% of men)"),
    "itu.mobile_broadband_subs_per100": N_("Active mobile-broadband subscriptions per 100 inhabitants"),
    "itu.fixed_broadband_subs_per100": N_("Fixed-broadband subscriptions per 100 inhabitants"),
    "itu.mobile_cellular_subs_per100": N_("Mobile-cellular telephone subscriptions per 100 inhabitants"),
    "itu.mobile_broadband_basket_gni": N_("Mobile-broadband basket price (% of GNI per capita)"),
    "itu.fixed_broadband_basket_gni": N_("Fixed-broadband basket price (% of GNI per capita)"),
    "itu.households_internet": N_("Households with Internet access at home (%)"),
    "itu.households_computer": N_("Households with a computer (%)"),
    "itu.computer_use": N_("Individuals using a computer (%)"),
    "itu.mobile_phone_use": N_("Individuals using a mobile cellular telephone (%)"),
    "fotn.total": N_("FOTN total score (0–100, higher = freer)"),
    "fotn.a_obstacles": N_("FOTN A: obstacles to access (0–25, higher = freer)"),
    "fotn.b_content": N_("FOTN B: limits on content (0–35, higher = freer)"),
    "fotn.c_rights": N_("FOTN C: violations of user rights (0–40, higher = freer)"),
    "ioda.outage_hours": N_("IODA: hours of Internet outage per day"),
    "apnic.ipv6_capable": N_("APNIC Labs: IPv6-capable users (%)"),
    "apnic.ipv6_preferred": N_("APNIC Labs: IPv6-preferred users (%)"),
    "dgg.internet_gg": N_("Internet gender gap: female-to-male ratio (1 = parity)"),
    "dgg.mobile_gg": N_("Mobile gender gap: female-to-male ratio (1 = parity)"),
    "vdem.v2smgovfilprc": N_("V-Dem: government Internet filtering in practice"),
    "vdem.v2smgovshut": N_("V-Dem: government Internet shut down in practice"),
    "vdem.v2smgovsmcenprc": N_("V-Dem: government social media censorship in practice"),
    "vdem.v2smgovsmmon": N_("V-Dem: government social media monitoring"),
    "vdem.v2smprivex": N_("V-Dem: legal protection of privacy exists"),
    "vdem.v2smarrest": N_("V-Dem: arrests for political content"),
    "vdem.v2cscnsult": N_("V-Dem: consultation of civil society organisations"),
    "vdem.v2csprtcpt": N_("V-Dem: civil society organisation participatory environment"),
    "vdem.v2x_cspart": N_("V-Dem: civil society participation index"),
}
#: OONI tests by a name a reader knows (the test id stays in the tables and downloads); app
#: and tool names are the same in every language.
OONI_TESTS = {
    "web_connectivity": N_("Websites (Web Connectivity)"),
    "whatsapp": "WhatsApp",
    "telegram": "Telegram",
    "signal": "Signal",
    "facebook_messenger": "Facebook Messenger",
    "tor": "Tor",
    "psiphon": "Psiphon",
    "riseupvpn": "RiseupVPN",
    "dnscheck": N_("DNS check"),
    "stunreachability": N_("STUN reachability"),
    "http_header_field_manipulation": N_("HTTP header manipulation"),
    "http_invalid_request_line": N_("HTTP invalid request line"),
    "vanilla_tor": N_("Tor (vanilla)"),
}
#: OONI's result classes, as its Explorer names them (legend labels).
OONI_BUCKETS = {
    "ok": N_("OK"),
    "anomaly": N_("Anomaly"),
    "confirmed": N_("Confirmed"),
    "failure": N_("Failure"),
}
#: ... and as the share a series measures.
OONI_SHARES = {
    "ok": N_("share of measurements without an anomaly"),
    "anomaly": N_("share of measurements with an anomaly (not confirmed)"),
    "confirmed": N_("share of measurements with confirmed blocking"),
    "failure": N_("share of failed measurements"),
}
OONI_COUNT_NAMES = {
    "anomaly_count": N_("measurements with an anomaly"),
    "confirmed_count": N_("measurements with confirmed blocking"),
    "failure_count": N_("failed measurements"),
    "ok_count": N_("measurements without an anomaly"),
    "measurement_count": N_("measurements"),
}
#: Units of the collectors' metrics (catalogue units are messages of the catalogue itself).
UNITS = (
    N_("per 100 people"),
    N_("per 100 inhabitants"),
    N_("per 1 million people"),
    N_("current US$"),
    N_("% of GNI per capita"),
    N_("% of households"),
    N_("hours"),
    N_("measurements"),
    N_("ratio (female/male)"),
    N_("V-Dem model estimate (about −3 to +3)"),
    N_("V-Dem model scale"),
    N_("index 0–1"),
    N_("events"),
    N_("days"),
    N_("count"),
)
_SCORE_UNIT = re.compile(r"^score (\d+)–(\d+)$")
_POINTS_UNIT = re.compile(r"^points \((\d+)–(\d+)\)$")


#: Units shown in headers and axis titles but not after every number.
SCORE_UNITS = frozenset({"0–100", "0-100"})


def _accept_language() -> str | None:
    try:
        import flask

        if flask.has_request_context():
            return flask.request.headers.get("Accept-Language")
    except ImportError:  # pragma: no cover - flask comes with dash
        pass
    return None


def lang_of(value: object) -> str:
    """The language of a request: ``?lang=`` when it names one of the six, else the browser's
    ``Accept-Language`` (inside a request), else English."""
    return core.negotiate(value, _accept_language())


#: The id of the ``dcc.Location`` Dash's page router reads (``dash.page_container``).
PAGES_LOCATION = "_pages_location"


def page_lang() -> str:
    """The language of the page being served, where a function gets no ``lang`` argument (a
    page's tab title: Dash calls it with the path's variables only). In Dash's page-routing
    callback: the ``?lang=`` of the URL it routes (its ``search`` input); in a page request:
    the request's ``?lang=``; else ``Accept-Language``, else English, as :func:`lang_of`."""
    import dash
    import flask

    try:
        search = dash.ctx.inputs.get(f"{PAGES_LOCATION}.search")
    except (dash.exceptions.MissingCallbackContextException, LookupError):
        # not in a callback (LookupError: a server thread where no callback ever ran)
        search = None
        if flask.has_request_context():
            return lang_of(flask.request.args.get("lang"))
    values = parse_qs(str(search or "").lstrip("?")).get("lang")
    return lang_of(values[-1] if values else None)


def page_title(page: str, lang: str) -> str:
    """The browser tab's title of a page called ``page`` (already in ``lang``)."""
    return t("site.page_title", lang, page=page)


def titled(key: str):  # noqa: ANN201 - a Dash page title function
    """A page's ``title=`` for ``dash.register_page``: the page's name (a message key) in the
    language of the page being served (:func:`page_lang`), on the first load and when the
    page router changes the page on the browser's side."""

    def title(**_path: object) -> str:
        lang = page_lang()
        return page_title(t(key, lang), lang)

    title.__name__ = f"title_{key.replace('.', '_')}"
    return title


def direction(lang: str) -> str:
    return core.direction(lang)


_LATIN = re.compile("[A-Za-z]")


def _format(text: str, fmt: dict[str, object], lang: str = DEFAULT_LANG) -> str:
    """``text`` with its fields filled. In a right-to-left language a value written in Latin
    script (a source's name, an area) is isolated (U+2068 … U+2069), so its own parentheses and
    punctuation stay with it inside the Arabic sentence."""
    if not fmt:
        return text
    if core.direction(lang) == "rtl":
        fmt = {k: f"\u2068{v}\u2069" if isinstance(v, str) and _LATIN.search(v) else v
               for k, v in fmt.items()}
    return text.format(**fmt)


def t(message: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The translation of ``message`` (English text, or a key of :data:`MESSAGES`) in ``lang``."""
    return _format(core.gettext(MESSAGES.get(message, message), lang), fmt, lang)


def tn(singular: str, plural: str, count: int, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The plural form for ``count`` (CLDR rules: one/few/many/other), formatted with ``n`` =
    ``count`` unless ``n`` is given (e.g. ``n=fmt_number(count, lang)``)."""
    return _format(core.ngettext(singular, plural, int(count), lang), {"n": count, **fmt}, lang)


def tp(context: str, message: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """A message whose translation depends on ``context`` (e.g. a short column title)."""
    return _format(core.pgettext(context, message, lang), fmt, lang)


def join(items: object, lang: str = DEFAULT_LANG) -> str:
    """Items as a list in ``lang`` with CLDR's pattern: "A, B, and C", "A, B et C", "A وB وC",
    "A、B和C". In a right-to-left language each item written in Latin script is isolated, so
    the list runs right to left around it."""
    values = [str(item) for item in items]  # type: ignore[attr-defined]
    if core.direction(lang) == "rtl":
        values = [f"\u2068{v}\u2069" if _LATIN.search(v) else v for v in values]
    return format_list(values, style="standard", locale=formatting.locale(lang)) if values else ""


#: Languages whose sentences follow each other without a space ("…评估。计算方法").
CLOSED_UP = frozenset({"zh"})


def sentence_gap(lang: str) -> str:
    """What goes between two sentences (or a sentence and a link after it) in ``lang``."""
    return "" if lang in CLOSED_UP else " "


def sentences(texts: object, lang: str = DEFAULT_LANG) -> str:
    """Sentences one after the other, as ``lang`` writes them."""
    return sentence_gap(lang).join(str(t) for t in texts if t)  # type: ignore[attr-defined]


def join_clauses(parts: object, lang: str = DEFAULT_LANG) -> str:
    """Clauses of one sentence: "A; B" (Arabic "A؛ B", Chinese "A；B")."""
    return tp("between the clauses of a sentence", "; ", lang).join(str(p) for p in parts)  # type: ignore[attr-defined]


#: #KeepItOn's causes of a shutdown (``actual_cause``), a closed vocabulary that its sheets spell in
#: several ways ("Protest", "Protests"; "Religious holiday / anniversary", "…/ annversary"):
#: spelling key (:func:`_cause_key`) → the label shown, a message of the catalogues. A cause not
#: listed here is shown as the source wrote it.
EVENT_CAUSES: dict[str, str] = {
    "political instability": N_("Political instability"),
    "protest": N_("Protests"),
    "protests": N_("Protests"),
    "communal violence": N_("Communal violence"),
    "information control": N_("Information control"),
    "exam cheating": N_("Exam cheating"),
    "cheating during exams": N_("Exam cheating"),
    "election": N_("Elections"),
    "elections": N_("Elections"),
    "religious holiday/anniversary": N_("Religious holiday or anniversary"),
    "religious holiday/annversary": N_("Religious holiday or anniversary"),
    "visits by government officials": N_("Visits by government officials"),
    "military operation": N_("Military operation"),
    "other": N_("Other cause"),
    "unknown": N_("Cause not known"),
}


def _cause_key(text: str) -> str:
    return re.sub(r"\s*/\s*", "/", " ".join(text.split())).lower()


def cause_label(text: object) -> str:
    """The English label of a shutdown's cause as the source gave it: the vocabulary's label
    (variants of one cause become one), else the source's words, capitalised; "" for none."""
    if is_missing(text) or not str(text).strip():
        return ""
    raw = " ".join(str(text).split())
    return EVENT_CAUSES.get(_cause_key(raw), raw[:1].upper() + raw[1:])


def cause_text(text: object, lang: str) -> str:
    """A shutdown's cause in ``lang`` (its label translated; a cause outside the vocabulary as
    the source wrote it)."""
    label = cause_label(text)
    return core.gettext(label, lang) if label else ""


def region_label(region: str | None, lang: str) -> str:
    return core.gettext(region, lang) if isinstance(region, str) and region else ""


def income_label(income: str | None, lang: str) -> str:
    return core.gettext(income, lang) if isinstance(income, str) and income else ""


def roamx_label(key: str, lang: str) -> str:
    name = ROAMX_NAMES.get(key)
    return key if name is None else core.gettext(name, lang)


def country_name(iso3: str, lang: str, default: str | None = None) -> str:
    """The short common name of a country in ``lang`` (CLDR), e.g. "Iran", "Irán", "إيران"."""
    from roamwatch.countries import country_name as name

    return name(iso3, lang, default)


is_missing = formatting.is_missing


def fmt_number(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """``1234.5`` → ``1,234`` (en) / ``1 234`` (fr) / ``1.234`` (es); missing → ``–``.

    CLDR formatting costs tens of microseconds and a country page formats hundreds of
    numbers, many of them again on the next country's page (counts, shares of small counts):
    results are remembered per value, language and digits."""
    if value is None or isinstance(value, str):
        return formatting.number(value, lang, digits)
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return formatting.number(value, lang, digits)
    if x != x:  # NaN
        return formatting.MISSING
    return _number(x, lang, digits)


@functools.lru_cache(maxsize=16384)
def _number(x: float, lang: str, digits: int | None) -> str:
    if math.isinf(x) or abs(x) >= 1e15:
        return formatting.number(x, lang, digits)
    d = formatting.auto_digits(x) if digits is None else digits
    # CLDR's separators and minus sign, Babel's rounding (half-even on the decimal text of the
    # value), without Babel's per-call pattern machinery (tests/test_dashboard_figures.py
    # checks the two agree)
    q = Decimal(repr(x)).quantize(Decimal(1).scaleb(-d), rounding=ROUND_HALF_EVEN)
    minus, group, point = _number_style(lang)
    text = f"{abs(q):,.{d}f}".replace(",", "\x00").replace(".", point).replace("\x00", group)
    return (minus if q < 0 else "") + text


@functools.cache
def _number_style(lang: str) -> tuple[str, str, str]:
    """The minus sign, group separator and decimal mark of ``lang``, as Babel writes them."""
    sample = formatting.number(-1234.5, lang, 1)
    one = sample.index("1")
    rest = sample[one + 1:]
    group = rest[:rest.index("234")]
    after = rest[rest.index("234") + 3:]
    return sample[:one], group, after[:after.index("5")]


@functools.lru_cache(maxsize=8192)
def _percent(x: float, lang: str, digits: int | None = None) -> str:
    return formatting.percent(x, lang, digits)


def fmt_percent(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """A value in percent (``76.2``) → ``76.2%`` / ``76,2 %``."""
    return formatting.percent(value, lang, digits)


def fmt_share(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """A share of 1 (``0.8``) → ``80.0%`` / ``80,0 %`` (to :data:`SHARE_DIGITS`, the digits of
    every share on a page, unless told)."""
    if is_missing(value):
        return formatting.MISSING
    return fmt_value(float(value) * 100, "%", lang) if digits is None else formatting.share(value, lang, digits)


#: Fraction digits per kind of value, one rule for every page (headline cards, tables, hover
#: texts, descriptions): shares and rates (%, per 100 or per million people) 1, scores on a
#: 0–N scale 0, counts 0, indices and ratios 2, hours 1, money 0. A unit of no known kind keeps
#: :func:`formatting.auto_digits`. A value that is not zero is never written as zero: one that
#: those digits would round to 0 gets two significant digits (0.024 per 100 people).
SHARE_DIGITS, SCORE_DIGITS, COUNT_DIGITS, INDEX_DIGITS = 1, 0, 0, 2
_COUNT_UNITS = frozenset({"measurements", "events", "days", "count", "rows", "themes"})
_SCALE = re.compile(r"(\d+)\s*[–-]\s*(\d+)")


@functools.lru_cache(maxsize=1024)
def value_digits(unit: str | None) -> int | None:
    """The fraction digits of a value in ``unit`` (English, or as :func:`unit_label` shows it
    in any language), by its kind (see :data:`SHARE_DIGITS`); ``None``: no known kind."""
    if unit is None or is_missing(unit):
        return None
    text = _english_units().get(str(unit), str(unit)).strip().lower()
    if not text:
        return None
    if text in SCORE_UNITS or text.startswith(("score ", "points (")):
        return SCORE_DIGITS
    if text in _COUNT_UNITS:
        return COUNT_DIGITS
    if "ratio" in text or "index" in text or "v-dem" in text:
        return INDEX_DIGITS
    if "%" in text or "٪" in text or text.startswith(("per 100", "per 1 million", "share of")):
        return SHARE_DIGITS
    if text == "hours":
        return 1
    if "us$" in text:
        return 0
    scale = _SCALE.search(text)  # a translated "score 0–25"
    if scale and int(scale.group(2)) >= 10:
        return SCORE_DIGITS
    return None


@functools.cache
def _english_units() -> dict[str, str]:
    """Each collector unit as shown in every language → the English unit."""
    return {unit_label(u, lang): u for u in UNITS for lang in LANGS if unit_label(u, lang) != u}


def digits_for(value: object, unit: str | None) -> int | None:
    """:func:`value_digits` of ``unit``, widened to two significant digits for a value other
    than zero that those digits would round to zero."""
    digits = value_digits(unit)
    return _not_zero(value, digits)


def _not_zero(value: object, digits: int | None) -> int | None:
    if digits is None or is_missing(value):
        return digits
    x = abs(float(value))  # type: ignore[arg-type]
    if x == 0 or math.isinf(x) or round(x, digits) != 0:
        return digits
    return max(digits, 1 - math.floor(math.log10(x)))


def fmt_kind(value: object, unit: str | None, lang: str = DEFAULT_LANG) -> str:
    """The number alone, to the digits of its unit's kind (:func:`digits_for`): for tables
    whose header names the unit."""
    return fmt_number(value, lang, digits_for(value, unit) if not is_missing(value) else None)


def fmt_value(value: object, unit: str | None, lang: str = DEFAULT_LANG) -> str:
    """A number with its unit, to the digits of its kind (:func:`value_digits`): ``76.2%``,
    ``12.3 per 100 people``, ``68`` (a score), ``0.93 ratio (female/male)``."""
    if is_missing(value):
        return formatting.MISSING
    digits = digits_for(value, unit)
    if unit == "%":
        return _percent(float(value), lang, digits)  # type: ignore[arg-type]
    number = fmt_number(value, lang, digits)
    if not unit or unit in SCORE_UNITS:
        return number
    return f"{number} {unit_label(unit, lang)}"


def fmt_date(value: object, lang: str = DEFAULT_LANG, with_time: bool = False) -> str:
    """``Mar 5, 2024`` / ``5 mars 2024`` / ``2024年3月5日`` (CLDR), with ``14:07`` when asked
    (remembered per day, as country pages show the same dates again and again)."""
    if is_missing(value) or isinstance(value, str):
        return formatting.date_text(value, lang, with_time)
    try:
        stamp = pd.Timestamp(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return formatting.date_text(value, lang, with_time)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    if not with_time:
        stamp = stamp.normalize()
    return _date_text(stamp.to_datetime64().astype("datetime64[m]").astype(str), lang, with_time)


@functools.lru_cache(maxsize=8192)
def _date_text(minute: str, lang: str, with_time: bool) -> str:
    return formatting.date_text(pd.Timestamp(minute), lang, with_time)


def fmt_month(value: object, lang: str = DEFAULT_LANG) -> str:
    return formatting.month_text(value, lang)


def fmt_age(value: object, lang: str = DEFAULT_LANG, now: datetime | None = None) -> str:
    """How long ago ``value`` (a date or timestamp) was, in days."""
    days = formatting.days_between(value, now)
    if days is None:
        return formatting.MISSING
    if days <= 0:
        return t("common.today", lang)
    return tn("{n} day ago", "{n} days ago", days, lang, n=fmt_number(days, lang))


def source_note(text: object, lang: str) -> str:
    """A source's licence or terms note as roamwatch records it (the collectors write them in
    English and mark them for translation): its translation in ``lang`` where the catalogues have
    that exact text, else the text as recorded (a note written by an older version)."""
    if is_missing(text) or not text:
        return ""
    return core.gettext(str(text), lang)


def unit_label(unit: object, lang: str) -> str:
    """A unit as shown to readers: ``per 100 people`` → ``pour 100 personnes`` (units are
    messages of the catalogues: the indicator catalogue's, and the collectors' in :data:`UNITS`)."""
    if is_missing(unit) or not unit:
        return ""
    text = str(unit)
    if lang == DEFAULT_LANG or core.has_translation(text, lang):
        return core.gettext(text, lang)
    match = _SCORE_UNIT.match(text)
    if match:
        return t("score {lo}–{hi}", lang, lo=match.group(1), hi=match.group(2))
    match = _POINTS_UNIT.match(text)
    if match:
        return t("points ({lo}–{hi})", lang, lo=match.group(1), hi=match.group(2))
    return text


def names_unit(name: str, unit: object, lang: str = DEFAULT_LANG) -> bool:
    """Whether a metric's name (in ``lang``) already says its unit ("… (% of population)"), so
    a title or label does not add it again: no unit, the unit itself, or for a percentage the
    word names in ``lang`` use for it (Chinese names say 百分比, not %)."""
    if is_missing(unit) or not str(unit).strip():
        return True
    text = str(unit)
    if text in name:
        return True
    word = tp("how a metric name says 'percent' (Chinese: 百分比); else %", "%", lang)
    return text.strip() == "%" and word in name


def ooni_test_name(test: str, lang: str) -> str:
    name = OONI_TESTS.get(test)
    if name is None:
        return test.replace("_", " ").capitalize()
    return core.gettext(name, lang)


def ooni_share_name(test: str, bucket: str, lang: str) -> str:
    """``OONI Websites (Web Connectivity): share of measurements with confirmed blocking``."""
    what = core.gettext(OONI_SHARES.get(bucket, bucket), lang)
    return t("ooni.share_name", lang, test=ooni_test_name(test, lang), share=what)


def ooni_bucket_label(bucket: str, lang: str) -> str:
    return core.gettext(OONI_BUCKETS.get(bucket, bucket), lang)


def metric_name(metric: str, english: object, lang: str) -> str:
    """A metric's name in ``lang``: the snapshot's (English, the source's own) name on English
    pages; elsewhere the translation of :data:`METRIC_NAMES`, of an OONI count's name, or of the
    snapshot's name, else that name as it is."""
    english = "" if is_missing(english) else str(english)
    if lang == DEFAULT_LANG:
        return english or metric
    if metric in METRIC_NAMES:
        return core.gettext(METRIC_NAMES[metric], lang)
    parts = metric.split(".")
    if len(parts) == 3 and parts[0] == "ooni" and parts[2] in OONI_COUNT_NAMES:
        return t("OONI {test}: {what}", lang, test=ooni_test_name(parts[1], lang),
                 what=core.gettext(OONI_COUNT_NAMES[parts[2]], lang))
    if english and core.has_translation(english, lang):
        return core.gettext(english, lang)
    return english or metric
