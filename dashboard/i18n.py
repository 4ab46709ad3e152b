# ruff: noqa: E501  (a translation table reads best with one string pair per line)
"""The dashboard's strings and formatting in UNESCO's six languages (over :mod:`roamwatch.i18n`).

``t("World", lang)`` returns the translation of an English message from the gettext catalogues
(``roamwatch/i18n/locale``); ``tn`` picks a plural form, ``tp`` takes a context;
``t(..., n=3)`` formats the result. A message without a translation is shown in English.

Transition: the old ``(en, fr)`` table below still answers its keys (``t("nav.world", lang)``):
the key's English text is looked up in the catalogues, and French falls back to the table.
The table goes once every page uses English messages directly.
"""

from __future__ import annotations

import functools
import math
import re
from datetime import datetime
from decimal import ROUND_HALF_EVEN, Decimal

import pandas as pd

from roamwatch import i18n as core
from roamwatch.i18n import formatting

LANGS = core.LANGS
DEFAULT_LANG = core.DEFAULT_LANG

STRINGS: dict[str, tuple[str, str]] = {
    # shell
    "site.title": ("roamwatch", "roamwatch"),
    "site.tagline": ("Internet freedom, from public data", "La liberté d'Internet, à partir de données publiques"),
    "nav.world": ("World", "Monde"),
    "nav.compare": ("Compare", "Comparer"),
    "nav.data": ("Data", "Données"),
    "nav.sources": ("Sources", "Sources"),
    "nav.methodology": ("Methodology", "Méthodologie"),
    "nav.main": ("Main navigation", "Navigation principale"),
    "nav.current": ("(current page)", "(page actuelle)"),
    "footer.snapshot": ("Data snapshot {snapshot}", "Instantané des données {snapshot}"),
    "footer.nosnapshot": ("No data snapshot yet", "Pas encore d'instantané des données"),
    "footer.note": (
        "roamwatch figures are proxies computed from public international data, not UNESCO assessments.",
        "Les chiffres de roamwatch sont des indicateurs indirects calculés à partir de données "
        "internationales publiques, et non des évaluations de l'UNESCO.",
    ),
    "footer.method": ("How they are computed", "Comment ils sont calculés"),
    # common
    "common.value": ("Value", "Valeur"),
    "common.year": ("Year", "Année"),
    "common.period": ("Period", "Période"),
    "common.country": ("Country", "Pays"),
    "common.countries": ("Countries", "Pays"),
    "common.rank": ("Rank", "Rang"),
    "common.metric": ("Metric", "Mesure"),
    "common.unit": ("Unit", "Unité"),
    "common.source": ("Source", "Source"),
    "common.region": ("Region", "Région"),
    "common.income": ("Income group", "Groupe de revenu"),
    "common.all_regions": ("All regions", "Toutes les régions"),
    "common.all_incomes": ("All income groups", "Tous les groupes de revenu"),
    "common.coverage": ("Coverage", "Couverture"),
    "common.insufficient": ("insufficient data", "données insuffisantes"),
    "common.trend": ("Trend", "Tendance"),
    "common.none": ("none", "aucune"),
    "common.download_csv": ("Download CSV", "Télécharger en CSV"),
    "common.download_excel": ("CSV for Excel", "CSV pour Excel"),
    "common.download_excel_title": (
        "The same CSV with a UTF-8 byte-order mark, so Excel reads accents and symbols correctly",
        "Le même CSV avec une marque d'ordre des octets UTF-8, pour qu'Excel lise correctement accents et symboles",
    ),
    "common.copy_link": ("Copy link", "Copier le lien"),
    "common.copied": ("link copied", "lien copié"),
    "common.cite": ("Cite this", "Citer"),
    "common.no_data": ("no data", "pas de données"),
    "cite.plain_label": ("Plain text", "Texte"),
    "cite.plain": (
        "roamwatch ({year}). {title}. Data snapshot {snapshot}. Sources: {sources}. {{url}} (accessed {{date}}).",
        "roamwatch ({year}). {title}. Instantané des données {snapshot}. Sources : {sources}. {{url}} (consulté le {{date}}).",
    ),
    "cite.note": (
        "Data snapshot {snapshot}; sources: {sources}; roamwatch proxies computed from public data, not UNESCO assessments",
        "Instantané des données {snapshot} ; sources : {sources} ; indicateurs indirects roamwatch calculés à partir de données publiques, non des évaluations de l'UNESCO",
    ),
    "common.download_zip": ("Download ZIP (data + metadata)", "Télécharger en ZIP (données + métadonnées)"),
    "common.download_svg": ("Download SVG", "Télécharger en SVG"),
    "common.table_view": ("Table view", "Vue en tableau"),
    "common.text_view": ("Text description", "Description textuelle"),
    "common.what": ("What this shows: ", "Ce que montre ce graphique : "),
    "common.source_line": ("Source: {sources}", "Source : {sources}"),
    "common.stamp": ("roamwatch snapshot {snapshot}", "instantané roamwatch {snapshot}"),
    "common.not_collected": (
        "{what}: this source is not collected on this site.",
        "{what} : cette source n'est pas collectée sur ce site.",
    ),
    "common.no_data_country": (
        "{what}: no data for this country in the current snapshot.",
        "{what} : aucune donnée pour ce pays dans l'instantané actuel.",
    ),
    "ooni.share_name": ("OONI {test}: {share}", "OONI {test} : {share}"),
    "common.panel_failed": (
        "This panel could not be drawn from the current data. The rest of the page is unaffected.",
        "Ce panneau n'a pas pu être construit à partir des données actuelles. Le reste de la page n'est pas affecté.",
    ),
    "common.rows_shown": ("Showing the first {n} of {total} rows.", "Affichage des {n} premières lignes sur {total}."),
    "common.more": ("… and {n} more", "… et {n} de plus"),
    "common.never": ("never", "jamais"),
    "common.unknown": ("unknown", "inconnu"),
    "common.ago_days": ("{n} days ago", "il y a {n} jours"),
    "common.today": ("today", "aujourd'hui"),
    # no data / not found
    "nodata.title": ("No data yet", "Pas encore de données"),
    "nodata.body": (
        "This site has not published any data yet. Its pages fill in as soon as the first data is collected.",
        "Ce site n'a encore publié aucune donnée. Ses pages se rempliront dès que les premières données seront collectées.",
    ),
    "nodata.problem": (
        "The published data cannot be read at the moment; the site's operator has been told.",
        "Les données publiées ne peuvent pas être lues pour le moment ; l'opérateur du site en est informé.",
    ),
    "nodata.after": (
        "roamwatch gathers public data on Internet access, openness and rights (World Bank, ITU, OONI, IODA, Freedom House, Access Now and others) and publishes it here.",
        "roamwatch rassemble des données publiques sur l'accès à Internet, son ouverture et les droits en ligne (Banque mondiale, UIT, OONI, IODA, Freedom House, Access Now et d'autres) et les publie ici.",
    ),
    "notfound.title": ("Not found", "Introuvable"),
    "notfound.page": ("There is no page at {value}.", "Il n'y a pas de page à l'adresse {value}."),
    "notfound.country": ("No country matches “{value}”.", "Aucun pays ne correspond à « {value} »."),
    "notfound.metric": ("No metric or score is called “{value}”.", "Aucune mesure ni note ne s'appelle « {value} »."),
    "notfound.year": (
        "There is no data for {value} in this series.",
        "Il n'y a pas de données pour {value} dans cette série.",
    ),
    "notfound.suggest": ("Did you mean:", "Vouliez-vous dire :"),
    "notfound.nosuggest": ("No close match.", "Aucune correspondance proche."),
    "notfound.home": ("Back to the world map", "Retour à la carte du monde"),
    "redirect.body": ("This country's page is at {href}.", "La page de ce pays se trouve à {href}."),
    # world
    "world.title": ("World", "Monde"),
    "world.heading": ("Internet freedom indicators around the world", "Indicateurs de liberté d'Internet dans le monde"),
    "world.pick_metric": ("Metric or score", "Mesure ou note"),
    "world.pick_year": ("Year", "Année"),
    "world.map_what": (
        "{metric} in {year}, one colour per country (darker = lower); countries in grey have no value. "
        "Select a country to open its page.",
        "{metric} en {year}, une couleur par pays (plus foncé = plus bas) ; les pays en gris n'ont "
        "pas de valeur. Sélectionnez un pays pour ouvrir sa page.",
    ),
    "world.map_what_better_high": (
        "{metric} in {year}, one colour per country; darker = worse (here: lower). Countries in grey "
        "have no value. Select a country to open its page.",
        "{metric} en {year}, une couleur par pays ; plus foncé = moins bien (ici : plus bas). Les pays "
        "en gris n'ont pas de valeur. Sélectionnez un pays pour ouvrir sa page.",
    ),
    "world.map_what_better_low": (
        "{metric} in {year}, one colour per country; darker = worse (here: higher). Countries in grey "
        "have no value. Select a country to open its page.",
        "{metric} en {year}, une couleur par pays ; plus foncé = moins bien (ici : plus haut). Les pays "
        "en gris n'ont pas de valeur. Sélectionnez un pays pour ouvrir sa page.",
    ),
    "world.scale_fixed": (
        "The colour scale runs from {lo} to {hi} whatever the filter.",
        "L'échelle de couleurs va de {lo} à {hi} quel que soit le filtre.",
    ),
    "world.scale_goalposts": (
        "The colour scale runs between the goalposts of the scores ({lo} to {hi}) whatever the filter.",
        "L'échelle de couleurs va d'une borne de normalisation des notes à l'autre ({lo} à {hi}) quel que soit le filtre.",
    ),
    "world.scale_range": (
        "The colour scale runs from the lowest to the highest value of any country and year ({lo} to {hi}) whatever the filter.",
        "L'échelle de couleurs va de la valeur la plus basse à la plus haute, tous pays et années confondus ({lo} à {hi}), quel que soit le filtre.",
    ),
    "world.title_value": ("{metric}, {year}", "{metric}, {year}"),
    "world.title_sum": ("{metric}: total over {year}", "{metric} : total sur {year}"),
    "world.title_mean": ("{metric}: average over {year}", "{metric} : moyenne sur {year}"),
    "world.no_value_count": (
        "{n} countries of this view have no value (grey on the map).",
        "{n} pays de cette vue n'ont pas de valeur (en gris sur la carte).",
    ),
    "world.outside_filter": ("outside the filter", "hors du filtre"),
    "world.too_few_measurements": (
        "only {n} measurements in {year} (a share needs {min})",
        "seulement {n} mesures en {year} (une part en demande {min})",
    ),
    "world.ranking": ("Ranking", "Classement"),
    "world.ranking_note": (
        "Ranked by value; proxies from public data, not UNESCO assessments. For category scores, "
        "the rank range is the best and worst world rank under alternative aggregations (equal "
        "weights, geometric mean, each indicator left out in turn).",
        "Classement par valeur ; indicateurs indirects issus de données publiques, non des "
        "évaluations de l'UNESCO. Pour les notes de catégorie, la fourchette de rang donne le "
        "meilleur et le pire rang mondial selon d'autres agrégations (poids égaux, moyenne "
        "géométrique, chaque indicateur écarté tour à tour).",
    ),
    "world.describe": (
        "{metric}, {year}: {n} countries have a value. Highest: {top}. Lowest: {bottom}. Median: {median}.",
        "{metric}, {year} : {n} pays ont une valeur. Le plus élevé : {top}. Le plus bas : {bottom}. Médiane : {median}.",
    ),
    "world.describe_empty": (
        "{metric}, {year}: no country has a value with these filters.",
        "{metric}, {year} : aucun pays n'a de valeur avec ces filtres.",
    ),
    "world.no_metric": (
        "No metric has been collected yet.", "Aucune mesure n'a encore été collectée.",
    ),
    "world.scores_missing": (
        "ROAM-X scores have not been computed on this site yet; the collected metrics are shown instead.",
        "Les notes ROAM-X n'ont pas encore été calculées sur ce site ; les mesures collectées sont affichées.",
    ),
    "score.overall": ("ROAM-X overall score", "Note ROAM-X globale"),
    "world.scores_group": ("ROAM-X scores (roamwatch proxies)", "Notes ROAM-X (indicateurs indirects roamwatch)"),
    # country
    "country.title": ("Country", "Pays"),
    "country.codes": ("ISO codes {iso3} / {iso2}", "Codes ISO {iso3} / {iso2}"),
    "country.indicators": ("Indicators", "Indicateurs"),
    "country.indicators_what": (
        "The latest value of every collected metric for this country, with its year and a sparkline of its history.",
        "La dernière valeur de chaque mesure collectée pour ce pays, avec son année et une mini-courbe de son historique.",
    ),
    "country.latest": ("Latest value", "Dernière valeur"),
    "country.gender": ("Internet use, women and men", "Usage d'Internet, femmes et hommes"),
    "country.gender_what": (
        "Share of women and of men using the Internet, by year.",
        "Part des femmes et des hommes qui utilisent Internet, par année.",
    ),
    "country.score_inputs": ("Score details and inputs", "Détail des notes et données d'entrée"),
    "country.women": ("Women", "Femmes"),
    "country.men": ("Men", "Hommes"),
    "country.censorship": ("Censorship measurements (OONI)", "Mesures de censure (OONI)"),
    "country.censorship_what": (
        "For each OONI test, the share of the month's measurements that were OK, showed an anomaly, confirmed blocking or failed, with the number of measurements above each bar. Months with fewer than {n} measurements are faded, not left out. An anomaly is not proof of censorship.",
        "Pour chaque test OONI, la part des mesures du mois qui étaient normales, présentaient une anomalie, un blocage confirmé ou un échec, avec le nombre de mesures au-dessus de chaque barre. Les mois de moins de {n} mesures sont estompés, pas écartés. Une anomalie n'est pas une preuve de censure.",
    ),
    "country.anomaly": ("anomaly", "anomalie"),
    "country.confirmed": ("confirmed", "confirmé"),
    "country.measurements": ("Measurements", "Mesures"),
    "country.events": ("Outages and shutdowns", "Coupures et interruptions"),
    "country.events_what": (
        "Each bar is an outage or shutdown event, from its start to its end, grouped by source and kind.",
        "Chaque barre est une coupure ou interruption, de son début à sa fin, groupée par source et type.",
    ),
    "country.rights": ("Rights scores", "Notes sur les droits"),
    "country.rights_what": (
        "Independent assessments of rights online (Freedom on the Net, V-Dem), latest values.",
        "Évaluations indépendantes des droits en ligne (Freedom on the Net, V-Dem), dernières valeurs.",
    ),
    "country.radar": ("ROAM-X profile", "Profil ROAM-X"),
    "country.radar_what": (
        "roamwatch's proxy score (0–100) per ROAM-X category for {year}, against the median of the region and the world.",
        "La note indirecte de roamwatch (0–100) par catégorie ROAM-X pour {year}, comparée à la médiane de la région et du monde.",
    ),
    "country.radar_more": (
        "The income-group median is in the table, with the number of the framework's themes in "
        "each category that public data fills. Not a ranking: UNESCO's framework is for national "
        "self-assessment.",
        "La médiane du groupe de revenu figure dans le tableau, avec le nombre de thèmes du cadre "
        "que les données publiques renseignent dans chaque catégorie. Pas un classement : le cadre "
        "de l'UNESCO sert à l'auto-évaluation nationale.",
    ),
    "country.scores_missing": (
        "ROAM-X scores have not been computed on this site yet.",
        "Les notes ROAM-X n'ont pas encore été calculées sur ce site.",
    ),
    "country.scores_none": (
        "No ROAM-X score for this country yet (not enough data).",
        "Pas encore de note ROAM-X pour ce pays (données insuffisantes).",
    ),
    "country.freshness": ("Freshness per source", "Fraîcheur par source"),
    "country.freshness_what": (
        "For each source: the newest period it has for this country and when roamwatch last fetched it.",
        "Pour chaque source : la période la plus récente disponible pour ce pays et la dernière collecte.",
    ),
    "country.newest": ("Newest period", "Période la plus récente"),
    "country.fetched": ("Fetched", "Collecté"),
    "country.last_success": ("Last successful run", "Dernière collecte réussie"),
    "country.rows": ("Rows", "Lignes"),
    "country.download": ("Download this page's data (CSV)", "Télécharger les données de cette page (CSV)"),
    "country.world": ("World", "Monde"),
    "country.median_region": ("Region median", "Médiane régionale"),
    "country.median_world": ("World median", "Médiane mondiale"),
    "country.median_income": ("Income-group median", "Médiane du groupe de revenu"),
    "country.kind": ("Kind", "Type"),
    "country.start": ("Start", "Début"),
    "country.end": ("End", "Fin"),
    "country.severity": ("Severity", "Gravité"),
    "country.ongoing": ("ongoing", "en cours"),
    "country.describe_lines": (
        "{title}: {parts}.", "{title} : {parts}.",
    ),
    "country.describe_series": (
        "{label} went from {first} in {first_year} to {last} in {last_year}",
        "{label} est passé de {first} en {first_year} à {last} en {last_year}",
    ),
    "country.describe_events": (
        "{n} events from {first} to {last}; longest: {longest}.",
        "{n} événements de {first} à {last} ; le plus long : {longest}.",
    ),
    "country.describe_radar": (
        "ROAM-X scores for {year}: {parts}.", "Notes ROAM-X pour {year} : {parts}.",
    ),
    "country.download_note": (
        "The CSV holds what this page shows.",
        "Le CSV contient ce que montre cette page.",
    ),
    "country.download_raw": (
        "Every raw observation of the country is on the data page.",
        "Toutes les observations brutes du pays sont sur la page des données.",
    ),
    "source.roamwatch": ("roamwatch (computed from public data)", "roamwatch (calculé à partir de données publiques)"),
    "country.cite_title": ("Country profile: {name}", "Profil de pays : {name}"),
    "country.test": ("Test", "Test"),
    "country.low_sample": ("Few measurements", "Peu de mesures"),
    "country.ooni_explorer": ("See this country on OONI Explorer (opens explorer.ooni.org)",
                              "Voir ce pays sur OONI Explorer (ouvre explorer.ooni.org)"),
    "country.ooni_faded": ("Faded: fewer than {n} measurements in the month",
                           "Estompé : moins de {n} mesures dans le mois"),
    "country.describe_ooni_test": (
        "{test}: {months} months, {n} measurements, {confirmed}% confirmed blocking, {anomaly}% anomalies",
        "{test} : {months} mois, {n} mesures, {confirmed} % de blocages confirmés, {anomaly} % d'anomalies",
    ),
    "country.end_unknown": ("end not reported", "fin non indiquée"),
    # outages and shutdowns
    "timeline.ongoing": ("ongoing (drawn to the dataset's last update)",
                         "en cours (tracé jusqu'à la dernière mise à jour des données)"),
    "timeline.ongoing_until": ("ongoing as of {date} (the dataset's last update)",
                               "en cours au {date} (dernière mise à jour des données)"),
    "timeline.as_of": ("ongoing as of {date}", "en cours au {date}"),
    "timeline.legend_known": ("start to end", "du début à la fin"),
    "timeline.events_per_month": ("events starting in the month", "événements commençant dans le mois"),
    "timeline.not_covered": ("{source}: this country is not covered.", "{source} : ce pays n'est pas couvert."),
    "timeline.none_recorded": ("None recorded in {source} (covers {years}).",
                               "Aucun événement recensé par {source} (couvre {years})."),
    "timeline.recorded": ("{source}: {n} recorded (covers {years}, last update {until}).",
                          "{source} : {n} recensé(s) (couvre {years}, dernière mise à jour {until})."),
    "timeline.type": ("Type", "Type"),
    "timeline.days": ("Days counted", "Jours comptés"),
    "timeline.area": ("Area", "Zone"),
    "timeline.cause": ("Cause", "Cause"),
    "timeline.causes": ("Causes given", "Causes indiquées"),
    "timeline.events": ("Events", "Événements"),
    "timeline.first": ("First", "Premier"),
    "timeline.last": ("Latest", "Dernier"),
    "timeline.areas_title": ("Areas and causes", "Zones et causes"),
    "timeline.list_csv": ("Every event, one per row:", "Chaque événement, un par ligne :"),
    "timeline.what_bars": (
        "Each outage or shutdown from its start to its end, one row per source and type. An event whose source gives no end is a diamond at its start (\"end not reported\"; it counts as one day); an ongoing one runs to the dataset's last update, which is stated. The pale band is the period the source covers: there, no bar means none recorded.",
        "Chaque coupure ou interruption de son début à sa fin, une ligne par source et par type. Un événement dont la source n'indique pas la fin est un losange à son début (« fin non indiquée » ; il compte pour un jour) ; un événement en cours va jusqu'à la dernière mise à jour des données, indiquée. La bande pâle est la période couverte par la source : sans barre, aucun événement n'y est recensé.",
    ),
    "timeline.what_many": (
        "{n} events: too many to draw one by one, so each month counts the events that started in it, by type. The pale band is the period the sources cover; below, the areas and the causes given.",
        "{n} événements : trop pour les dessiner un par un ; chaque mois compte les événements qui y ont commencé, par type. La bande pâle est la période couverte par les sources ; en dessous, les zones et les causes indiquées.",
    ),
    "timeline.describe": (
        "{n} events from {first} to {last}: {known} with a known end, {ongoing} ongoing, {unknown} with no end reported.",
        "{n} événements du {first} au {last} : {known} avec une fin connue, {ongoing} en cours, {unknown} sans fin indiquée.",
    ),
    "Full network": ("Full network", "Réseau entier"),
    "Service-based": ("Service-based", "Services ciblés"),
    "Full network and service-based": ("Full network and service-based", "Réseau entier et services ciblés"),
    "Extent not stated": ("Extent not stated", "Étendue non indiquée"),
    "Outage": ("Outage", "Coupure"),
    "Area not stated": ("Area not stated", "Zone non indiquée"),
    "country.level": ("Level", "Niveau"),
    "country.trace": ("Trace (inputs)", "Trace (données d'entrée)"),
    "level.overall": ("overall", "globale"),
    "level.category": ("category", "catégorie"),
    "level.theme": ("theme", "thème"),
    "level.indicator": ("indicator", "indicateur"),
    "common.yes": ("yes", "oui"),
    "fotn.free": ("Free", "Libre"),
    "fotn.partly_free": ("Partly Free", "Partiellement libre"),
    "fotn.not_free": ("Not Free", "Non libre"),
    # headline strip
    "headline.title": ("Key facts", "Faits essentiels"),
    "headline.internet": ("Internet use", "Usage d'Internet"),
    "headline.gap": (
        "Women {women}, men {men} ({period}): gap of {gap} points",
        "Femmes {women}, hommes {men} ({period}) : écart de {gap} points",
    ),
    "headline.gap_none": ("Gender gap: no data", "Écart femmes-hommes : pas de données"),
    "headline.fotn": ("Freedom on the Net", "Freedom on the Net"),
    "headline.fotn_edition": ("Edition {edition}; status from Freedom House's score bands",
                              "Édition {edition} ; statut selon les tranches de note de Freedom House"),
    "headline.fotn_none": ("not assessed by Freedom House", "non évalué par Freedom House"),
    "headline.shutdowns": ("Shutdowns, last 12 months covered", "Coupures, 12 derniers mois couverts"),
    "headline.shutdowns_n": ("{n} recorded", "{n} recensée(s)"),
    "headline.shutdowns_none": ("none recorded", "aucune recensée"),
    "headline.window": ("{first} – {last}", "{first} – {last}"),
    "headline.not_covered": ("not covered by {source}", "non couvert par {source}"),
    "headline.ooni": ("OONI confirmed blocking", "Blocage confirmé par OONI"),
    "headline.ooni_blocked": ("{n} measurements", "{n} mesures"),
    "headline.ooni_tests": ("in {tests}, of {total} measurements", "dans {tests}, sur {total} mesures"),
    "headline.ooni_none": ("none found", "aucun constaté"),
    "headline.ooni_measured": ("in {total} measurements", "sur {total} mesures"),
    "headline.ooni_nodata": ("no measurements", "aucune mesure"),
    "headline.outage": ("Latest outage", "Dernière coupure"),
    "headline.outage_hours": ("lasting {hours} h", "durée {hours} h"),
    "headline.outage_none": ("none detected", "aucune détectée"),
    "country.compare_link": ("Compare with other countries", "Comparer avec d'autres pays"),
    # compare
    "compare.title": ("Compare countries", "Comparer des pays"),
    "compare.pick_countries": ("Countries (up to 8)", "Pays (8 au plus)"),
    "compare.what": (
        "{metric} over time for the selected countries, one line each.",
        "{metric} au fil du temps pour les pays choisis, une ligne par pays.",
    ),
    "compare.too_many": ("Only the first 8 countries are shown.", "Seuls les 8 premiers pays sont affichés."),
    "compare.empty": ("Choose one or more countries.", "Choisissez un ou plusieurs pays."),
    "compare.no_values": ("None of these countries has a value for this metric.", "Aucun de ces pays n'a de valeur pour cette mesure."),
    # data
    "data.title": ("Data explorer", "Explorateur de données"),
    "data.intro": (
        "Every observation of the current snapshot. Filter here, sort by clicking a column header; "
        "the downloads contain exactly the filtered rows.",
        "Toutes les observations de l'instantané actuel. Filtrez ici, triez en cliquant sur un en-tête "
        "de colonne ; les téléchargements contiennent exactement les lignes filtrées.",
    ),
    "data.metrics": ("Metrics", "Mesures"),
    "data.from": ("From year", "De l'année"),
    "data.to": ("To year", "À l'année"),
    "data.count": ("{n} rows match.", "{n} lignes correspondent."),
    "data.all": ("all", "toutes"),
    "data.metric_id": ("Metric id", "Identifiant de la mesure"),
    "grid.page": ("Page", "Page"),
    "grid.of": ("of", "sur"),
    "grid.to": ("to", "à"),
    "grid.more": ("more", "plus"),
    "grid.next": ("Next", "Suivant"),
    "grid.last": ("Last", "Dernier"),
    "grid.first": ("First", "Premier"),
    "grid.previous": ("Previous", "Précédent"),
    "grid.loadingOoo": ("Loading…", "Chargement…"),
    "grid.firstPage": ("First page", "Première page"),
    "grid.lastPage": ("Last page", "Dernière page"),
    "grid.nextPage": ("Next page", "Page suivante"),
    "grid.previousPage": ("Previous page", "Page précédente"),
    "data.no_rows": ("No row matches these filters.", "Aucune ligne ne correspond à ces filtres."),
    # sources
    "sources.title": ("Sources", "Sources"),
    "sources.intro": (
        "Where the data comes from, under which licence, and how fresh it is.",
        "D'où viennent les données, sous quelle licence, et leur fraîcheur.",
    ),
    "sources.licence": ("Licence", "Licence"),
    "sources.citation": ("Citation", "Citation"),
    "sources.terms": ("Terms", "Conditions"),
    "sources.last_run": ("Last run", "Dernière collecte"),
    "sources.last_success": ("Last successful run", "Dernière collecte réussie"),
    "sources.rows": ("Rows written (last run)", "Lignes écrites (dernière collecte)"),
    "sources.rejected": ("Rows rejected", "Lignes rejetées"),
    "sources.units_failed": ("Units failed", "Unités en échec"),
    "sources.error": ("Error", "Erreur"),
    "sources.problem_failed": (
        "The last collection of this source did not complete. The data shown is from its last successful collection.",
        "La dernière collecte de cette source n'a pas abouti. Les données affichées viennent de sa dernière collecte réussie.",
    ),
    "sources.problem_partial": (
        "The last collection of this source was partial: some parts could not be fetched and keep their earlier data.",
        "La dernière collecte de cette source a été partielle : certaines parties n'ont pas pu être récupérées et gardent leurs données antérieures.",
    ),
    "sources.observations": ("Observations", "Observations"),
    "sources.events": ("Events", "Événements"),
    "sources.newest": ("Newest data", "Données les plus récentes"),
    "sources.age": ("Age of newest data", "Âge des données les plus récentes"),
    "sources.not_collected": ("Not collected yet", "Pas encore collectée"),
    "sources.not_collected_body": (
        "roamwatch can collect this source, but this site has not collected it.",
        "roamwatch sait collecter cette source, mais ce site ne l'a pas collectée.",
    ),
    "sources.status.success": ("success", "réussie"),
    "sources.status.partial": ("partial", "partielle"),
    "sources.status.failed": ("failed", "échouée"),
    "sources.status.running": ("running", "en cours"),
    "sources.status.interrupted": ("interrupted", "interrompue"),
    # methodology
    "method.title": ("Methodology", "Méthodologie"),
    "method.missing": (
        "The methodology document is not available on this site yet. Until scores are computed the dashboard shows the collected indicators as they are.",
        "Le document de méthodologie n'est pas encore disponible sur ce site. Tant que les notes ne sont pas calculées, le tableau de bord montre les indicateurs collectés tels quels.",
    ),
    "method.english_only": ("This document is in English.", "Ce document est en anglais."),
    "world.rank_range": ("Rank range", "Fourchette de rang"),
    "world.framework_coverage": ("Framework themes", "Thèmes du cadre"),
    "common.n_of_m": ("{n} of {m}", "{n} sur {m}"),
    "world.scores_table": ("Scores by country", "Notes par pays"),
    "world.scores_note": (
        "Not a league table: UNESCO designed the ROAM-X framework for national self-assessment, "
        "not for ranking countries, and these are roamwatch's proxies from public data. The rank "
        "range is the best and worst place a country gets when the score is built other ways "
        "(equal weights, geometric mean, each indicator left out): a wide range means its place "
        "says little. Coverage is the share of the catalogue's indicators with data; framework "
        "themes, how many of the themes of UNESCO's category have a value.",
        "Ce n'est pas un classement : l'UNESCO a conçu le cadre DOAM-X pour l'auto-évaluation "
        "nationale, non pour classer les pays, et ce sont des indicateurs indirects de roamwatch "
        "issus de données publiques. La fourchette de rang donne la meilleure et la pire place "
        "d'un pays quand la note est construite autrement (poids égaux, moyenne géométrique, "
        "chaque indicateur écarté tour à tour) : une fourchette large signifie que sa place dit "
        "peu de chose. La couverture est la part des indicateurs du catalogue disposant de "
        "données ; les thèmes du cadre, combien des thèmes de la catégorie de l'UNESCO ont une "
        "valeur.",
    ),
    "reweight.title": ("Re-weight the indicators", "Repondérer les indicateurs"),
    "reweight.what": (
        "Change the weight of any indicator of a category (0 leaves it out) and see how the "
        "ranking of countries moves. The scores are recomputed with the same code as the site's "
        "own scores; the weights are kept in the link, so the view can be shared.",
        "Modifiez le poids d'un indicateur d'une catégorie (0 l'écarte) et voyez comment le "
        "classement des pays change. Les notes sont recalculées avec le même code que les notes "
        "du site ; les poids sont gardés dans le lien, qui peut être partagé.",
    ),
    "reweight.category": ("Category", "Catégorie"),
    "reweight.year": ("Year", "Année"),
    "reweight.apply": ("Apply weights", "Appliquer les poids"),
    "reweight.reset": ("Catalogue weights", "Poids du catalogue"),
    "reweight.indicator": ("Indicator", "Indicateur"),
    "reweight.weight": ("Weight", "Poids"),
    "reweight.score": ("Score", "Note"),
    "reweight.new_score": ("Re-weighted score", "Note repondérée"),
    "reweight.move": ("Places moved", "Places gagnées"),
    "reweight.no_positions": (
        "Countries are listed by re-weighted score, without their place: UNESCO designed the "
        "ROAM-X framework for national self-assessment, not for ranking countries, and a place "
        "depends on how the score is built. \"Places moved\" says how far your weights move a "
        "country against the catalogue's; the world page gives each country's rank range under "
        "other ways of building the score.",
        "Les pays sont listés par note repondérée, sans leur place : l'UNESCO a conçu le cadre "
        "DOAM-X pour l'auto-évaluation nationale, non pour classer les pays, et une place dépend "
        "de la façon dont la note est construite. « Places gagnées » indique de combien vos "
        "poids déplacent un pays par rapport à ceux du catalogue ; la page Monde donne la "
        "fourchette de rang de chaque pays selon d'autres façons de construire la note.",
    ),
    "reweight.none": (
        "No category scores for this year yet.",
        "Pas encore de notes de catégorie pour cette année.",
    ),
    "reweight.insufficient": ("insufficient data", "données insuffisantes"),
    # alerts (page, filters, country strip)
    "nav.alerts": ("Alerts", "Alertes"),
    "alerts.title": ("Alerts", "Alertes"),
    "alerts.intro": (
        "Changes roamwatch's detectors found in the published data: new shutdowns and outages, "
        "onsets of blocking in OONI measurements, thresholds crossed, scores that fell. Each alert "
        "names the rule that raised it, the levels before and after with the measurements behind "
        "them, and the snapshot it was found in. They are signals to check, not verified incidents.",
        "Changements trouvés par les détecteurs de roamwatch dans les données publiées : nouvelles "
        "coupures et pannes, débuts de blocage dans les mesures OONI, seuils franchis, notes en baisse. "
        "Chaque alerte indique la règle qui l'a levée, les niveaux avant et après avec les mesures "
        "qui les fondent, et l'instantané où elle a été trouvée. Ce sont des signaux à vérifier, non "
        "des incidents avérés.",
    ),
    "alerts.country": ("Country", "Pays"),
    "alerts.rule": ("Rule", "Règle"),
    "alerts.state": ("State", "État"),
    "alerts.from": ("Began on or after", "Début à partir du"),
    "alerts.to": ("Began on or before", "Début jusqu'au"),
    "alerts.all": ("All", "Tous"),
    "alerts.count": ("{n} alert(s)", "{n} alerte(s)"),
    "alerts.page": ("Page {page} of {pages}", "Page {page} sur {pages}"),
    "alerts.prev": ("Newer", "Plus récentes"),
    "alerts.next": ("Older", "Plus anciennes"),
    "alerts.none": ("No alert matches these filters.", "Aucune alerte ne correspond à ces filtres."),
    "alerts.empty": (
        "No alerts yet: they are raised after each collection, or by `roamwatch alerts check`.",
        "Pas encore d'alerte : elles sont levées après chaque collecte, ou par `roamwatch alerts check`.",
    ),
    "alerts.feed": ("Atom feed of this list", "Flux Atom de cette liste"),
    "alerts.details": ("Evidence and detector", "Preuves et détecteur"),
    "alerts.state.new": ("new", "nouvelle"),
    "alerts.state.delivered": ("delivered", "envoyée"),
    "alerts.state.acknowledged": ("acknowledged", "prise en compte"),
    "alerts.severity.info": ("information", "information"),
    "alerts.severity.warning": ("warning", "avertissement"),
    "alerts.severity.critical": ("critical", "critique"),
    "alerts.country_link": ("Country page", "Page du pays"),
    "alerts.chart_alt": (
        "{what}: {before} before ({n_before}), {after} from {onset} ({n_after})",
        "{what} : {before} avant ({n_before}), {after} à partir du {onset} ({n_after})",
    ),
    "alerts.low_count": ("hollow dots: too few measurements to count", "points creux : trop peu de mesures pour compter"),
    "alerts.bad_filter": ("This filter value is not valid: {value}", "Cette valeur de filtre n'est pas valide : {value}"),
    "alerts.strip": ("Recent alerts", "Alertes récentes"),
    "alerts.strip_none": ("No alert in the last 12 months.", "Aucune alerte ces 12 derniers mois."),
    "alerts.strip_latest": ("{n} older alert(s); the latest:", "{n} alerte(s) plus ancienne(s) ; les dernières :"),
    "alerts.strip_all": ("All alerts for {country}", "Toutes les alertes : {country}"),
}

REGIONS_FR = {
    "East Asia & Pacific": "Asie de l'Est et Pacifique",
    "Europe & Central Asia": "Europe et Asie centrale",
    "Latin America & Caribbean": "Amérique latine et Caraïbes",
    "Middle East & North Africa": "Moyen-Orient et Afrique du Nord",
    "Middle East, North Africa, Afghanistan & Pakistan": "Moyen-Orient, Afrique du Nord, Afghanistan et Pakistan",
    "North America": "Amérique du Nord",
    "South Asia": "Asie du Sud",
    "Sub-Saharan Africa": "Afrique subsaharienne",
}
INCOMES_FR = {
    "High income": "Revenu élevé",
    "Upper middle income": "Revenu intermédiaire, tranche supérieure",
    "Lower middle income": "Revenu intermédiaire, tranche inférieure",
    "Low income": "Faible revenu",
    "Not classified": "Non classé",
}
ROAMX_NAMES = {
    "R": ("Rights", "Droits"),
    "O": ("Openness", "Ouverture"),
    "A": ("Accessibility", "Accessibilité"),
    "M": ("Multi-stakeholder participation", "Participation multipartite"),
    "X": ("Cross-cutting", "Transversal"),
}

#: French names of the metrics roamwatch's collectors define (the English name is the source's
#: or the collector's). A metric missing here shows its English name: the French-page test
#: lists every such metric of a filled snapshot, so a new collector metric cannot slip through.
METRIC_NAMES_FR = {
    "worldbank.IT.NET.USER.ZS": "Personnes utilisant Internet (% de la population)",
    "worldbank.IT.NET.USER.FE.ZS": "Personnes utilisant Internet, femmes (% de la population féminine)",
    "worldbank.IT.NET.USER.MA.ZS": "Personnes utilisant Internet, hommes (% de la population masculine)",
    "worldbank.IT.NET.BBND.P2": "Abonnements au haut débit fixe (pour 100 personnes)",
    "worldbank.IT.CEL.SETS.P2": "Abonnements à la téléphonie mobile (pour 100 personnes)",
    "worldbank.IT.NET.SECR.P6": "Serveurs Internet sécurisés (par million de personnes)",
    "worldbank.EG.ELC.ACCS.ZS": "Accès à l'électricité (% de la population)",
    "worldbank.NY.GNP.PCAP.CD": "RNB par habitant, méthode Atlas ($ US courants)",
    "worldbank.SE.ADT.LITR.ZS": "Taux d'alphabétisation des adultes (% des 15 ans et plus)",
    "itu.internet_use": "Personnes utilisant Internet (%)",
    "itu.internet_use_female": "Personnes utilisant Internet, femmes (% des femmes)",
    "itu.internet_use_male": "Personnes utilisant Internet, hommes (% des hommes)",
    "itu.mobile_broadband_subs_per100": "Abonnements actifs au haut débit mobile pour 100 habitants",
    "itu.fixed_broadband_subs_per100": "Abonnements au haut débit fixe pour 100 habitants",
    "itu.mobile_cellular_subs_per100": "Abonnements à la téléphonie mobile cellulaire pour 100 habitants",
    "itu.mobile_broadband_basket_gni": "Prix du panier haut débit mobile (% du RNB par habitant)",
    "itu.fixed_broadband_basket_gni": "Prix du panier haut débit fixe (% du RNB par habitant)",
    "itu.households_internet": "Ménages ayant accès à Internet à domicile (%)",
    "itu.households_computer": "Ménages disposant d'un ordinateur (%)",
    "itu.computer_use": "Personnes utilisant un ordinateur (%)",
    "itu.mobile_phone_use": "Personnes utilisant un téléphone mobile cellulaire (%)",
    "fotn.total": "Note totale FOTN (0–100, plus élevé = plus libre)",
    "fotn.a_obstacles": "FOTN A : obstacles à l'accès (0–25, plus élevé = plus libre)",
    "fotn.b_content": "FOTN B : limites imposées aux contenus (0–35, plus élevé = plus libre)",
    "fotn.c_rights": "FOTN C : atteintes aux droits des utilisateurs (0–40, plus élevé = plus libre)",
    "ioda.outage_hours": "IODA : heures de coupure d'Internet par jour",
    "apnic.ipv6_capable": "APNIC Labs : utilisateurs compatibles IPv6 (%)",
    "apnic.ipv6_preferred": "APNIC Labs : utilisateurs utilisant de préférence IPv6 (%)",
    "dgg.internet_gg": "Écart entre les sexes dans l'usage d'Internet : rapport femmes/hommes (1 = parité)",
    "dgg.mobile_gg": "Écart entre les sexes dans l'usage du mobile : rapport femmes/hommes (1 = parité)",
    "vdem.v2smgovfilprc": "V-Dem : filtrage d'Internet par l'État en pratique",
    "vdem.v2smgovshut": "V-Dem : coupures d'Internet par l'État en pratique",
    "vdem.v2smgovsmcenprc": "V-Dem : censure des réseaux sociaux par l'État en pratique",
    "vdem.v2smgovsmmon": "V-Dem : surveillance des réseaux sociaux par l'État",
    "vdem.v2smprivex": "V-Dem : existence d'une protection légale de la vie privée",
    "vdem.v2smarrest": "V-Dem : arrestations pour contenus politiques",
    "vdem.v2cscnsult": "V-Dem : consultation des organisations de la société civile",
    "vdem.v2csprtcpt": "V-Dem : environnement participatif des organisations de la société civile",
    "vdem.v2x_cspart": "V-Dem : indice de participation de la société civile",
}
#: OONI tests by a name a reader knows (the test id stays in the tables and downloads).
OONI_TESTS = {
    "web_connectivity": ("Websites (Web Connectivity)", "Sites web (Web Connectivity)"),
    "whatsapp": ("WhatsApp", "WhatsApp"),
    "telegram": ("Telegram", "Telegram"),
    "signal": ("Signal", "Signal"),
    "facebook_messenger": ("Facebook Messenger", "Facebook Messenger"),
    "tor": ("Tor", "Tor"),
    "psiphon": ("Psiphon", "Psiphon"),
    "riseupvpn": ("RiseupVPN", "RiseupVPN"),
    "dnscheck": ("DNS check", "Vérification DNS"),
    "stunreachability": ("STUN reachability", "Accessibilité STUN"),
    "http_header_field_manipulation": ("HTTP header manipulation", "Manipulation des en-têtes HTTP"),
    "http_invalid_request_line": ("HTTP invalid request line", "Ligne de requête HTTP invalide"),
    "vanilla_tor": ("Tor (vanilla)", "Tor (vanilla)"),
}
#: OONI's result classes, as its Explorer names them (legend labels).
OONI_BUCKETS = {
    "ok": ("OK", "OK"),
    "anomaly": ("Anomaly", "Anomalie"),
    "confirmed": ("Confirmed", "Confirmé"),
    "failure": ("Failure", "Échec"),
}
#: ... and as the share a series measures.
OONI_SHARES = {
    "ok": ("share of measurements without an anomaly", "part des mesures sans anomalie"),
    "anomaly": ("share of measurements with an anomaly (not confirmed)",
                "part des mesures avec une anomalie (non confirmée)"),
    "confirmed": ("share of measurements with confirmed blocking",
                  "part des mesures avec un blocage confirmé"),
    "failure": ("share of failed measurements", "part des mesures en échec"),
}
OONI_COUNT_NAMES = {
    "anomaly_count": ("measurements with an anomaly", "mesures avec une anomalie"),
    "confirmed_count": ("measurements with confirmed blocking", "mesures avec un blocage confirmé"),
    "failure_count": ("failed measurements", "mesures en échec"),
    "ok_count": ("measurements without an anomaly", "mesures sans anomalie"),
    "measurement_count": ("measurements", "mesures"),
}
UNITS_FR = {
    "%": "%",
    "per 100 people": "pour 100 personnes",
    "per 100 inhabitants": "pour 100 habitants",
    "per 1 million people": "par million de personnes",
    "current US$": "$ US courants",
    "% of GNI per capita": "% du RNB par habitant",
    "% of households": "% des ménages",
    "hours": "heures",
    "measurements": "mesures",
    "ratio (female/male)": "rapport (femmes/hommes)",
    "V-Dem model estimate (about −3 to +3)": "estimation du modèle V-Dem (environ −3 à +3)",
    "V-Dem model scale": "échelle du modèle V-Dem",
    "index 0–1": "indice 0–1",
    "events": "événements",
    "days": "jours",
    "count": "nombre",
}
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


def direction(lang: str) -> str:
    return core.direction(lang)


def _legacy(key: str, lang: str) -> str:
    pair = STRINGS.get(key)
    if pair is None:
        return core.gettext(key, lang)
    english, french = pair
    if lang == "fr" and not core.has_translation(english, lang):
        return french
    return core.gettext(english, lang)


def _format(text: str, fmt: dict[str, object]) -> str:
    return text.format(**fmt) if fmt else text


def t(message: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The translation of ``message`` (English text, or a key of the old table) in ``lang``."""
    return _format(_legacy(message, lang), fmt)


def tn(singular: str, plural: str, n: int, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """The plural form for ``n`` (CLDR rules: one/few/many/other), formatted with ``n``."""
    return _format(core.ngettext(singular, plural, int(n), lang), {"n": n, **fmt})


def tp(context: str, message: str, lang: str = DEFAULT_LANG, **fmt: object) -> str:
    """A message whose translation depends on ``context`` (e.g. a short column title)."""
    return _format(core.pgettext(context, message, lang), fmt)


def _label(english: str, french_table: dict[str, str], lang: str) -> str:
    if lang == "fr" and not core.has_translation(english, lang) and english in french_table:
        return french_table[english]
    return core.gettext(english, lang)


def region_label(region: str | None, lang: str) -> str:
    return _label(region, REGIONS_FR, lang) if isinstance(region, str) and region else ""


def income_label(income: str | None, lang: str) -> str:
    return _label(income, INCOMES_FR, lang) if isinstance(income, str) and income else ""


def roamx_label(key: str, lang: str) -> str:
    pair = ROAMX_NAMES.get(key)
    if pair is None:
        return key
    return _label(pair[0], {pair[0]: pair[1]}, lang)


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
def _percent(x: float, lang: str) -> str:
    return formatting.percent(x, lang)


def fmt_percent(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """A value in percent (``76.2``) → ``76.2%`` / ``76,2 %``."""
    return formatting.percent(value, lang, digits)


def fmt_share(value: object, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A share of 1 (``0.8``) → ``80%`` / ``80 %``."""
    return formatting.share(value, lang, digits)


def fmt_value(value: object, unit: str | None, lang: str = DEFAULT_LANG) -> str:
    """A number with its unit: ``76.2%``, ``12.3 per 100 people``."""
    if is_missing(value):
        return formatting.MISSING
    if unit == "%":
        return _percent(float(value), lang)  # type: ignore[arg-type]
    number = fmt_number(value, lang)
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
    return t("common.today", lang) if days <= 0 else t("common.ago_days", lang, n=fmt_number(days, lang))


def _pair(pair: tuple[str, str], lang: str) -> str:
    """An ``(English, French)`` pair in ``lang``: the catalogues first, the French of the pair
    when they have none (as the legacy table)."""
    return _label(pair[0], {pair[0]: pair[1]}, lang)


def unit_label(unit: object, lang: str) -> str:
    """A unit as shown to readers: ``per 100 people`` → ``pour 100 personnes`` (catalogue units
    are messages of the catalogues; collectors' units have their French here)."""
    if is_missing(unit) or not unit:
        return ""
    text = str(unit)
    if lang == DEFAULT_LANG or core.has_translation(text, lang):
        return core.gettext(text, lang)
    if lang != "fr":
        return text
    if text in UNITS_FR:
        return UNITS_FR[text]
    match = _SCORE_UNIT.match(text)
    if match:
        return f"note {match.group(1)}–{match.group(2)}"
    match = _POINTS_UNIT.match(text)
    if match:
        return f"points ({match.group(1)}–{match.group(2)})"
    return text


def ooni_test_name(test: str, lang: str) -> str:
    pair = OONI_TESTS.get(test)
    if pair is None:
        return test.replace("_", " ").capitalize()
    return _pair(pair, lang)


def ooni_share_name(test: str, bucket: str, lang: str) -> str:
    """``OONI Websites (Web Connectivity): share of measurements with confirmed blocking``."""
    what = _pair(OONI_SHARES.get(bucket, (bucket, bucket)), lang)
    return t("ooni.share_name", lang, test=ooni_test_name(test, lang), share=what)


def ooni_bucket_label(bucket: str, lang: str) -> str:
    return _pair(OONI_BUCKETS.get(bucket, (bucket, bucket)), lang)


def metric_name(metric: str, english: object, lang: str) -> str:
    """A metric's name in ``lang`` (the English name from the snapshot when no translation is
    known)."""
    english = "" if is_missing(english) else str(english)
    if lang == DEFAULT_LANG:
        return english or metric
    if english and core.has_translation(english, lang):
        return core.gettext(english, lang)
    if lang != "fr":
        return english or metric
    if metric in METRIC_NAMES_FR:
        return METRIC_NAMES_FR[metric]
    parts = metric.split(".")
    if len(parts) == 3 and parts[0] == "ooni" and parts[2] in OONI_COUNT_NAMES:
        return f"OONI {ooni_test_name(parts[1], lang)} : {OONI_COUNT_NAMES[parts[2]][1]}"
    return english or metric
