# ruff: noqa: E501  (a translation table reads best with one string pair per line)
"""English and French strings of the country brief, added to the dashboard's table
(:data:`dashboard.i18n.STRINGS`, read with :func:`dashboard.i18n.t`; they move to the gettext
catalogues with the rest of that table), and readable names of OONI's tests.

The brief is written in English and French (:data:`BRIEF_LANGS`); catalogue texts (indicator
names, units, theme titles, proxy sentences) come from the translation catalogues.
"""

from __future__ import annotations

from dashboard import i18n

#: The languages a brief is written in.
BRIEF_LANGS = ("en", "fr")

STRINGS: dict[str, tuple[str, str]] = {
    "brief.kicker": ("roamwatch · country brief", "roamwatch · fiche pays"),
    "brief.title": ("{country}: Internet Universality profile (ROAM-X), {year}", "{country} : profil d'universalité de l'Internet (DOAM-X), {year}"),
    "brief.title_noyear": ("{country}: Internet Universality profile (ROAM-X)", "{country} : profil d'universalité de l'Internet (DOAM-X)"),
    "brief.region": ("Region", "Région"),
    "brief.income": ("Income group", "Groupe de revenu"),
    "brief.unclassified": ("not classified by the World Bank", "non classé par la Banque mondiale"),
    "brief.codes": ("ISO codes", "Codes ISO"),
    "brief.snapshot": ("Data snapshot", "Instantané des données"),
    "brief.generated": ("Generated", "Généré le"),
    "brief.disclaimer": (
        "These are roamwatch's proxies computed from public international data, arranged by UNESCO's ROAM-X categories (Rights, Openness, Accessibility to all, Multistakeholder participation, cross-cutting); they are not a UNESCO assessment. UNESCO's Internet Universality Indicators are a national self-assessment, mostly qualitative, and not meant to rank countries.",
        "Il s'agit d'indicateurs indirects de roamwatch, calculés à partir de données internationales publiques et organisés selon les catégories DOAM-X de l'UNESCO (droits, ouverture, accessibilité pour tous, participation multipartite, questions transversales) ; ce n'est pas une évaluation de l'UNESCO. Les indicateurs d'universalité de l'Internet de l'UNESCO sont une auto-évaluation nationale, surtout qualitative, qui n'est pas faite pour classer les pays.",
    ),
    "brief.synthetic": (
        "Synthetic demonstration data: these figures were generated for testing and describe no real country.",
        "Données de démonstration synthétiques : ces chiffres ont été générés pour des tests et ne décrivent aucun pays réel.",
    ),
    "brief.print": ("Print or save as PDF", "Imprimer ou enregistrer en PDF"),
    "brief.pdf": ("Download PDF", "Télécharger le PDF"),
    "brief.other_lang": ("Version française", "English version"),
    "brief.years": ("Other years", "Autres années"),
    "brief.footer": ("roamwatch country brief · {country} · {year} · snapshot {snapshot}", "Fiche pays roamwatch · {country} · {year} · instantané {snapshot}"),
    "brief.page": ("page", "page"),
    # profile
    "brief.profile": ("ROAM-X profile", "Profil DOAM-X"),
    "brief.profile_what": (
        "Proxy score (0–100) per category for {country} in {year}, with the medians of its region, income group and the world. Coverage: the share of the category's indicator weight with data; below {threshold} no score is given. Framework themes: the framework's themes in the category that hold a score here.",
        'Note indirecte (0–100) par catégorie pour {country} en {year}, avec les médianes de sa région, de son groupe de revenu et du monde. Couverture : part du poids des indicateurs de la catégorie qui a des données ; sous {threshold}, pas de note. Thèmes du cadre : ceux de la catégorie qui ont ici une note.',
    ),
    "brief.category": ("Category", "Catégorie"),
    "brief.score": ("Score", "Note"),
    "brief.coverage": ("Coverage", "Couverture"),
    "brief.framework": ("Framework themes", "Thèmes du cadre"),
    "brief.median_region": ("Region median", "Médiane de la région"),
    "brief.median_income": ("Income-group median", "Médiane du groupe de revenu"),
    "brief.median_world": ("World median", "Médiane mondiale"),
    "brief.insufficient": ("insufficient data", "données insuffisantes"),
    "brief.no_data": ("no data", "aucune donnée"),
    "brief.overall": ("Overall (all five categories): {value}, coverage {coverage}.", "Ensemble (les cinq catégories) : {value}, couverture {coverage}."),
    "brief.overall_none": (
        "No overall score: it is given only when all five categories have one.",
        "Pas de note d'ensemble : elle n'est donnée que lorsque les cinq catégories en ont une.",
    ),
    "brief.no_scores": (
        "No ROAM-X proxy score could be computed for this country from the data in this snapshot. The sections below show what public data there is, and the inputs that are missing.",
        "Aucune note indirecte DOAM-X n'a pu être calculée pour ce pays à partir des données de cet instantané. Les sections ci-dessous montrent les données publiques disponibles et les données manquantes.",
    ),
    "brief.describe_profile": ("ROAM-X profile of {country}, {year}: {parts}.", "Profil DOAM-X de {country}, {year} : {parts}."),
    # categories
    "brief.cat_head": ("{score} · coverage {coverage} · framework themes {filled} of {total}", "{score} · couverture {coverage} · thèmes du cadre {filled} sur {total}"),
    "brief.indicator": ("Indicator (ROAM-X question it stands in for)", "Indicateur (question DOAM-X qu'il représente)"),
    "brief.value": ("Value", "Valeur"),
    "brief.period": ("Period", "Période"),
    "brief.normalised": ("Score", "Note"),
    "brief.source": ("Source (licence)", "Source (licence)"),
    "brief.carried": ("carried forward", "reporté"),
    "brief.stands_for": ("stands in for", "représente"),
    "brief.proxy": ("proxy", "indicateur indirect"),
    "brief.confirmed": ("confirmed", "confirmé"),
    "brief.approximate": ("approximate", "approximatif"),
    "brief.theme_score": ("theme {theme}: {score}", "thème {theme} : {score}"),
    "brief.missing": ("Missing inputs", "Données manquantes"),
    "brief.compact_note": (
        "To keep this brief within four pages, each indicator names the ROAM-X question it stands in for by its reference only; the methodology (docs/methodology.md) gives the wording.",
        "Pour tenir en quatre pages, chaque indicateur ne donne que la référence de la question DOAM-X qu'il représente ; la méthodologie (docs/methodology.md) en donne la formulation.",
    ),
    "brief.missing_item": ("{name}: {reason}; would be filled by {source}", "{name} : {reason} ; serait renseigné par {source}"),
    "brief.reason_nodata": ("no data within the window", "aucune donnée dans la fenêtre"),
    "brief.reason_minimum": ("below the minimum data", "sous le minimum de données"),
    "brief.uncovered": (
        "Framework themes no public dataset in roamwatch fills (a national assessment answers them): {themes}.",
        "Thèmes du cadre qu'aucune donnée publique de roamwatch ne renseigne (une évaluation nationale y répond) : {themes}.",
    ),
    "brief.no_indicator": ("No indicator of this category has data for this country in {year}.", "Aucun indicateur de cette catégorie n'a de données pour ce pays en {year}."),
    # connectivity
    "brief.connectivity": ("Connectivity and the gender gap", "Connectivité et écart entre les genres"),
    "brief.internet_use": ("Internet use (% of population)", "Usage d'Internet (% de la population)"),
    "brief.use_total": ("Everyone", "Ensemble"),
    "brief.use_female": ("Women", "Femmes"),
    "brief.use_male": ("Men", "Hommes"),
    "brief.subscriptions": ("Broadband subscriptions per 100 people", "Abonnements haut débit pour 100 habitants"),
    "brief.broadband_fixed": ("Fixed broadband", "Haut débit fixe"),
    "brief.broadband_mobile": ("Mobile broadband", "Haut débit mobile"),
    "brief.gap": ("Latest gap: women {female}, men {male} ({year}, {source}): {gap} points.", "Dernier écart : femmes {female}, hommes {male} ({year}, {source}) : {gap} points."),
    "brief.dgg": ("Digital Gender Gaps, female-to-male ratio (1 = parity), {year} mean: Internet {internet}, mobile phone {mobile}.", "Digital Gender Gaps, rapport femmes/hommes (1 = parité), moyenne {year} : Internet {internet}, téléphone mobile {mobile}."),
    "brief.no_connectivity": ("No Internet-use or subscription data for this country in this snapshot.", "Aucune donnée d'usage d'Internet ou d'abonnement pour ce pays dans cet instantané."),
    "brief.describe_lines": ("{title}: {parts}.", "{title} : {parts}."),
    "brief.describe_line": ("{label} {first} in {first_year}, {last} in {last_year}", "{label} {first} en {first_year}, {last} en {last_year}"),
    # censorship
    "brief.censorship": ("Censorship measurements (OONI), by test", "Mesures de censure (OONI), par test"),
    "brief.censorship_what": (
        'Shares of OONI Probe measurements per result, {start} to {end}. An anomaly may be interference or an ordinary fault; confirmed blocking was verified by OONI. Months with under {min} measurements of a test are left out; what is tested depends on volunteers.',
        "Parts des mesures OONI Probe par résultat, de {start} à {end}. Une anomalie peut être une interférence ou une panne ordinaire ; le blocage confirmé a été vérifié par OONI. Les mois de moins de {min} mesures d'un test sont écartés ; ce qui est testé dépend des bénévoles.",
    ),
    "brief.test": ("Test", "Test"),
    "brief.measurements": ("Measurements", "Mesures"),
    "brief.months": ("Months", "Mois"),
    "brief.ok": ("no anomaly", "sans anomalie"),
    "brief.shares": ("Results", "Résultats"),
    "brief.anomaly": ("anomaly", "anomalie"),
    "brief.confirmed_blocking": ("confirmed blocking", "blocage confirmé"),
    "brief.failure": ("failed", "échec"),
    "brief.no_ooni": ("No OONI measurements for this country in the 12 months up to {year} in this snapshot.", "Aucune mesure OONI pour ce pays dans les 12 mois jusqu'à {year} dans cet instantané."),
    # events
    "brief.events": ("Shutdowns and outages, {first}–{last}", "Coupures et pannes, {first}–{last}"),
    "brief.events_what": (
        "Events in force per year and source, with the days they cover. An end is known, ongoing (only where the source says so; up to the data's last update) or not reported (the start day only). Outside a source's coverage a year is “not covered”, not zero.",
        "Événements en cours chaque année par source, avec les jours couverts. Une fin est connue, en cours (seulement si la source le dit ; jusqu'à la dernière mise à jour) ou non signalée (seul le jour de début). Hors de la couverture d'une source, une année est « non couverte », pas zéro.",
    ),
    "brief.events_year": ("Year", "Année"),
    "brief.not_covered": ("not covered", "non couvert"),
    "brief.events_cell": ("{events} ({days} days)", "{events} ({days} jours)"),
    "brief.events_cell_one": ("{events} (1 day)", "{events} (1 jour)"),
    "brief.coverage_unknown": (
        "No coverage window is published for this source: events starting in the year are counted, and a 0 does not say the source covered the year.",
        "Aucune fenêtre de couverture n'est publiée pour cette source : les événements commençant dans l'année sont comptés, et un 0 ne dit pas que la source couvrait l'année.",
    ),
    "brief.states": ("End of the {n} events: known {known}, ongoing {ongoing}, not reported {unknown}.", "Fin des {n} événements : connue {known}, en cours {ongoing}, non signalée {unknown}."),
    "brief.recent": ("Most recent events", "Événements les plus récents"),
    "brief.recent_more": ("The {n} most recent of {total} events.", "Les {n} plus récents des {total} événements."),
    "brief.start": ("Start", "Début"),
    "brief.end": ("End", "Fin"),
    "brief.kind": ("Kind", "Type"),
    "brief.area": ("Area", "Zone"),
    "brief.event_source": ("Source", "Source"),
    "brief.end_ongoing": ("ongoing", "en cours"),
    "brief.end_unknown": ("not reported", "non signalée"),
    "brief.no_events": ("No outage or shutdown source has events for this country in this snapshot.", "Aucune source de pannes ou de coupures n'a d'événement pour ce pays dans cet instantané."),
    "brief.kind_shutdown": ("shutdown", "coupure"),
    "brief.kind_outage": ("outage", "panne"),
    # context
    "brief.context": ("Context (shown, not scored)", "Contexte (montré, non noté)"),
    "brief.context_what": (
        'Context, kept apart from the categories as the framework does; not scored.',
        'Contexte, tenu à part des catégories comme dans le cadre ; non noté.',
    ),
    # alerts
    "brief.alerts": ("Alerts, last 12 months", "Alertes des 12 derniers mois"),
    "brief.no_alerts": ("No alert was raised for this country in the 12 months up to the end of {year}.", "Aucune alerte n'a été émise pour ce pays dans les 12 mois jusqu'à la fin de {year}."),
    "brief.alert_when": ("Raised", "Émise le"),
    "brief.alert_what": ("Alert", "Alerte"),
    # references
    "brief.references": ("Sources and method", "Sources et méthode"),
    "brief.cited": ("Sources cited in this brief", "Sources citées dans cette fiche"),
    "brief.licence": ("Licence", "Licence"),
    "brief.citation": ("Citation", "Citation"),
    "brief.method": (
        "Method: roamwatch {version}, catalogue {catalogue}, UNESCO ROAM-X framework {framework}: each indicator's latest value within {window} years (older ones carried forward, flagged), normalised to 0–100 between goalposts; themes average their indicators (weighted), categories their themes; a score needs {threshold} coverage.",
        "Méthode : roamwatch {version}, catalogue {catalogue}, cadre DOAM-X de l'UNESCO {framework} : dernière valeur de chaque indicateur sur {window} ans (plus anciennes reportées, signalées), normalisée de 0 à 100 entre des bornes ; thèmes = moyenne pondérée des indicateurs, catégories = moyenne des thèmes ; une note exige {threshold} de couverture.",
    ),
    "brief.framework_ref": ("Framework: {publication}", "Cadre : {publication}"),
    "brief.reproduce": (
        "To reproduce: on the same snapshot ({snapshot}), run `{explain}` for every input and trace, and `{brief}` for this document.",
        "Pour reproduire : sur le même instantané ({snapshot}), lancez `{explain}` pour chaque donnée et son calcul, et `{brief}` pour ce document.",
    ),
    "brief.methodology_doc": ("Full methodology: docs/methodology.md, or /methodology in the dashboard.", "Méthodologie complète : docs/methodology.md, ou /methodology dans le tableau de bord."),
    "brief.notfound": ("No brief: {reason}", "Pas de fiche : {reason}"),
    "brief.button": ("Brief (PDF)", "Fiche (PDF)"),
    "brief.button_title": ("A printable 2–4 page brief of this country, arranged by ROAM-X", "Une fiche imprimable de 2 à 4 pages sur ce pays, organisée selon DOAM-X"),
}

#: OONI test ids → readable names (English, French).
OONI_TEST_NAMES: dict[str, tuple[str, str]] = {
    "web_connectivity": ("Websites", "Sites web"),
    "whatsapp": ("WhatsApp", "WhatsApp"),
    "telegram": ("Telegram", "Telegram"),
    "signal": ("Signal", "Signal"),
    "facebook_messenger": ("Facebook Messenger", "Facebook Messenger"),
    "tor": ("Tor", "Tor"),
}

i18n.STRINGS.update(STRINGS)


def brief_lang(lang: str) -> str:
    """``lang`` when the brief is written in it, else English."""
    return lang if lang in BRIEF_LANGS else "en"


def test_label(test: str, lang: str) -> str:
    pair = OONI_TEST_NAMES.get(test)
    return test if pair is None else pair[1 if lang == "fr" else 0]
