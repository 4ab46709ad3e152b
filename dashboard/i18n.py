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

from datetime import datetime

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
    "common.download_zip": ("Download ZIP (data + metadata)", "Télécharger en ZIP (données + métadonnées)"),
    "common.download_svg": ("Download SVG", "Télécharger en SVG"),
    "common.table_view": ("Table view", "Vue en tableau"),
    "common.text_view": ("Text description", "Description textuelle"),
    "common.what": ("What this shows: ", "Ce que montre ce graphique : "),
    "common.source_line": ("Source: {sources}", "Source : {sources}"),
    "common.stamp": ("roamwatch snapshot {snapshot}", "instantané roamwatch {snapshot}"),
    "common.not_collected": (
        "{what} not collected yet. Run `roamwatch collect {cmd}` to add it.",
        "{what} : pas encore collecté. Lancez `roamwatch collect {cmd}` pour l'ajouter.",
    ),
    "common.no_data_country": (
        "{what}: no data for this country in the current snapshot.",
        "{what} : aucune donnée pour ce pays dans l'instantané actuel.",
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
        "roamwatch has not published any data yet in its data directory (ROAMWATCH_DATA_DIR). Collect some first, for example:",
        "roamwatch n'a encore publié aucune donnée dans son répertoire de données (ROAMWATCH_DATA_DIR). Collectez d'abord des données, par exemple :",
    ),
    "nodata.problem": (
        "The published data could not be read ({problem}). Publishing a new snapshot (`roamwatch collect` or `roamwatch scores`) fixes this.",
        "Les données publiées n'ont pas pu être lues ({problem}). Publier un nouvel instantané (`roamwatch collect` ou `roamwatch scores`) corrige ce problème.",
    ),
    "nodata.after": (
        "Each run publishes a snapshot; this page picks it up at the next request.",
        "Chaque collecte publie un instantané ; cette page le prendra en compte à la prochaine requête.",
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
        "{metric} in {year}, one colour per country (darker = lower); grey countries have no value. "
        "Select a country to open its page.",
        "{metric} en {year}, une couleur par pays (plus foncé = plus bas) ; les pays en gris n'ont "
        "pas de valeur. Sélectionnez un pays pour ouvrir sa page.",
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
        "ROAM-X scores are not available yet (run `roamwatch scores`); metrics are shown instead.",
        "Les notes ROAM-X ne sont pas encore disponibles (lancez `roamwatch scores`) ; les mesures sont affichées.",
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
        "Share of OONI measurements per test and month that showed an anomaly, or confirmed blocking (months with at least 10 measurements). Anomalies are not all censorship.",
        "Part des mesures OONI par test et par mois présentant une anomalie, ou un blocage confirmé (mois d'au moins 10 mesures). Toutes les anomalies ne sont pas de la censure.",
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
        "ROAM-X scores are not available yet: run `roamwatch scores` after collecting.",
        "Les notes ROAM-X ne sont pas encore disponibles : lancez `roamwatch scores` après la collecte.",
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
    "country.download": ("Download everything on this page (CSV)", "Télécharger tout le contenu de cette page (CSV)"),
    "country.world": ("World", "Monde"),
    "country.median_region": ("Region median", "Médiane régionale"),
    "country.median_world": ("World median", "Médiane mondiale"),
    "country.median_income": ("Income-group median", "Médiane du groupe de revenu"),
    "country.kind": ("Kind", "Type"),
    "country.start": ("Start", "Début"),
    "country.end": ("End", "Fin"),
    "country.severity": ("Severity", "Gravité"),
    "country.ongoing": ("ongoing", "en cours"),
    "country.coverage_line": (
        "{source} covers {spans}: outside these dates, no event shown is no data, not zero.",
        "{source} couvre {spans} : en dehors de ces dates, l'absence d'événement signifie "
        "« pas de données », non zéro.",
    ),
    "country.events_none_recorded": (
        "No outage or shutdown recorded for this country in the periods the sources cover.",
        "Aucune panne ni coupure enregistrée pour ce pays dans les périodes couvertes par les sources.",
    ),
    "country.ongoing_as_of": ("ongoing as of {date}", "en cours au {date}"),
    "country.end_unknown": ("end unknown (counted as its start day)",
                            "fin inconnue (comptée comme son premier jour)"),
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
    "sources.observations": ("Observations", "Observations"),
    "sources.events": ("Events", "Événements"),
    "sources.newest": ("Newest data", "Données les plus récentes"),
    "sources.age": ("Age of newest data", "Âge des données les plus récentes"),
    "sources.not_collected": ("Not collected yet", "Pas encore collectée"),
    "sources.not_collected_body": (
        "This source is known to roamwatch but has not been collected: `roamwatch collect {name}`.",
        "Cette source est connue de roamwatch mais n'a pas été collectée : `roamwatch collect {name}`.",
    ),
    "sources.status.success": ("success", "réussie"),
    "sources.status.partial": ("partial", "partielle"),
    "sources.status.failed": ("failed", "échouée"),
    "sources.status.running": ("running", "en cours"),
    "sources.status.interrupted": ("interrupted", "interrompue"),
    # methodology
    "method.title": ("Methodology", "Méthodologie"),
    "method.missing": (
        "Scores are not available yet: the methodology document (docs/methodology.md) is generated "
        "by `roamwatch scores`. Until then the dashboard shows the collected indicators as they are.",
        "Les notes ne sont pas encore disponibles : le document de méthodologie (docs/methodology.md) "
        "est produit par `roamwatch scores`. En attendant, le tableau de bord montre les indicateurs collectés tels quels.",
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
        "ranking of countries moves. The same code as `roamwatch scores` recomputes the scores; "
        "the weights are kept in the link, so the view can be shared.",
        "Modifiez le poids d'un indicateur d'une catégorie (0 l'écarte) et voyez comment le "
        "classement des pays change. Le même code que `roamwatch scores` recalcule les notes ; "
        "les poids sont gardés dans le lien, qui peut être partagé.",
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
        "No category scores for this year yet: run `roamwatch scores` after collecting.",
        "Pas encore de notes de catégorie pour cette année : lancez `roamwatch scores` après la collecte.",
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
    """``1234.5`` → ``1,234`` (en) / ``1 234`` (fr) / ``1.234`` (es); missing → ``–``."""
    return formatting.number(value, lang, digits)


def fmt_percent(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """A value in percent (``76.2``) → ``76.2%`` / ``76,2 %``."""
    return formatting.percent(value, lang, digits)


def fmt_share(value: object, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A share of 1 (``0.8``) → ``80%`` / ``80 %``."""
    return formatting.share(value, lang, digits)


def unit_label(unit: str | None, lang: str) -> str:
    """A unit as shown in ``lang`` (catalogue units are messages of the catalogues)."""
    return core.gettext(unit, lang) if unit else ""


def fmt_value(value: object, unit: str | None, lang: str = DEFAULT_LANG) -> str:
    """A number with its unit: ``76.2%``, ``12.3 per 100 people``."""
    if is_missing(value):
        return formatting.MISSING
    if unit == "%":
        return formatting.percent(value, lang)
    number = fmt_number(value, lang)
    if not unit or unit in SCORE_UNITS:
        return number
    return f"{number} {unit_label(unit, lang)}"


def fmt_date(value: object, lang: str = DEFAULT_LANG, with_time: bool = False) -> str:
    """``Mar 5, 2024`` / ``5 mars 2024`` / ``2024年3月5日`` (CLDR), with ``14:07`` when asked."""
    return formatting.date_text(value, lang, with_time)


def fmt_month(value: object, lang: str = DEFAULT_LANG) -> str:
    return formatting.month_text(value, lang)


def fmt_age(value: object, lang: str = DEFAULT_LANG, now: datetime | None = None) -> str:
    """How long ago ``value`` (a date or timestamp) was, in days."""
    days = formatting.days_between(value, now)
    if days is None:
        return formatting.MISSING
    return t("common.today", lang) if days <= 0 else t("common.ago_days", lang, n=fmt_number(days, lang))
