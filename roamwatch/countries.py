"""Country codes: the warehouse key is ISO 3166-1 alpha-3.

Built on pycountry (Debian iso-codes) and country_converter's name patterns, plus the
user-assigned codes that international statistics use for economies outside ISO 3166
(Kosovo, the Channel Islands).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import cache, lru_cache

import pandas as pd
import pycountry

# Economies reported by international statistics that ISO 3166-1 does not list.
EXTRA_ECONOMIES: tuple[dict[str, str], ...] = (
    {"iso3": "XKX", "iso2": "XK", "name_en": "Kosovo", "name_fr": "Kosovo"},
    {"iso3": "CHI", "iso2": "JG", "name_en": "Channel Islands", "name_fr": "Îles Anglo-Normandes"},
)


@lru_cache(maxsize=1)
def _french() -> gettext.NullTranslations:
    try:
        return gettext.translation("iso3166-1", pycountry.LOCALES_DIR, languages=["fr"])
    except OSError:  # locale files missing: fall back to English names
        return gettext.NullTranslations()


def reference_countries() -> list[dict[str, str]]:
    """Every ISO 3166-1 country plus :data:`EXTRA_ECONOMIES`, with English and French names."""
    fr = _french()
    rows = [
        {
            "iso3": c.alpha_3,
            "iso2": c.alpha_2,
            "name_en": getattr(c, "common_name", None) or c.name,
            "name_fr": fr.gettext(c.name),
        }
        for c in pycountry.countries
    ]
    rows.extend(dict(extra) for extra in EXTRA_ECONOMIES)
    return rows


@lru_cache(maxsize=1)
def _by_iso2() -> dict[str, str]:
    return {row["iso2"]: row["iso3"] for row in reference_countries()}


@lru_cache(maxsize=1)
def _iso3_set() -> frozenset[str]:
    return frozenset(row["iso3"] for row in reference_countries())


def iso2_to_iso3(code: str) -> str | None:
    """``"KE"`` → ``"KEN"``; ``None`` for codes that name no country (``"ZZ"``, aggregates)."""
    return _by_iso2().get((code or "").strip().upper())


def is_iso3(code: str) -> bool:
    return (code or "").strip().upper() in _iso3_set()


# Spellings that country_converter's patterns find ambiguous (they match both Congos).
NAME_ALIASES: dict[str, str] = {
    "congo (rep. of the)": "COG",
    "congo (rep.)": "COG",
    "dem. rep. of the congo": "COD",
}


@lru_cache(maxsize=1)
def _coco_table() -> pd.DataFrame:
    """country_converter's data file, read with "NA" kept as Namibia's code.

    The package's own ``CountryConverter`` cannot load under pandas 3 (it reads Namibia's
    ISO2 ``NA`` as a missing value), so its data is read here directly.
    """
    import country_converter.country_converter as coco

    return pd.read_csv(
        coco.COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", keep_default_na=False, dtype=str
    )


@lru_cache(maxsize=1)
def _name_patterns() -> list[tuple[re.Pattern[str], str]]:
    """country_converter's name regexes."""
    return [
        (re.compile(row.regex, re.IGNORECASE), row.ISO3)
        for row in _coco_table().itertuples()
        if row.regex and row.ISO3
    ]


#: States outside the United Nations' membership: its two non-member observer states
#: (Palestine, the Holy See) and the two self-governing states of Gleditsch and Ward's list of
#: independent states that the UN does not seat (Taiwan, Kosovo).
NON_MEMBER_STATES = frozenset({"PSE", "VAT", "TWN", "XKX"})


@lru_cache(maxsize=1)
def states() -> frozenset[str]:
    """ISO3 codes of sovereign states: the UN's member states (country_converter's ``UNmember``
    column) and :data:`NON_MEMBER_STATES`. Every other code names a territory (Antarctica,
    Western Sahara, Greenland, Hong Kong…): sources that report country by country, such as
    #KeepItOn, do not list it on its own."""
    members = {row.ISO3 for row in _coco_table().itertuples() if row.ISO3 and row.UNmember.strip()}
    return frozenset(members | NON_MEMBER_STATES)


def is_state(iso3: str) -> bool:
    return (iso3 or "").strip().upper() in states()


def _clean(name: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", name).replace("*", " ").split())


@lru_cache(maxsize=4096)
def name_to_iso3(name: str) -> str | None:
    """Map a country name as sources print it to ISO3; ``None`` when nothing (or more than one
    country) matches, e.g. for "World" or a region.

    >>> name_to_iso3("Iran (Islamic Republic of)"), name_to_iso3("Viet Nam"), name_to_iso3("World")
    ('IRN', 'VNM', None)
    """
    text = _clean(name or "")
    if not text:
        return None
    if len(text) == 3 and is_iso3(text):
        return text.upper()
    if text.lower() in NAME_ALIASES:
        return NAME_ALIASES[text.lower()]
    matches = {iso3 for pattern, iso3 in _name_patterns() if pattern.search(text)}
    if len(matches) == 1:
        return matches.pop()
    return None


# -- names per language --------------------------------------------------------------------------
#: Where CLDR's standard name is a long or disambiguating form ("Hong Kong SAR China",
#: "Congo - Kinshasa", "Myanmar (Burma)"), the short common name a reader expects (mostly
#: CLDR's own ``alt="short"``/``"variant"`` forms, which Babel does not expose).
SHORT_NAMES: dict[str, dict[str, str]] = {
    "HK": {"en": "Hong Kong", "fr": "Hong Kong", "es": "Hong Kong", "ar": "هونغ كونغ",
           "ru": "Гонконг", "zh": "香港"},
    "MO": {"en": "Macao", "fr": "Macao", "es": "Macao", "ar": "ماكاو", "ru": "Макао", "zh": "澳门"},
    "PS": {"en": "Palestine", "fr": "Palestine", "es": "Palestina", "ar": "فلسطين",
           "ru": "Палестина", "zh": "巴勒斯坦"},
    "MM": {"en": "Myanmar", "fr": "Myanmar", "es": "Myanmar", "ar": "ميانمار", "ru": "Мьянма"},
    "CD": {"en": "DR Congo", "ar": "جمهورية الكونغو الديمقراطية", "ru": "ДР Конго"},
    "CG": {"en": "Congo", "ar": "جمهورية الكونغو", "ru": "Республика Конго"},
    "TL": {"ar": "تيمور الشرقية"},
    "SH": {"en": "Saint Helena"},
}
#: Economies outside ISO 3166-1 and CLDR (see :data:`EXTRA_ECONOMIES`).
EXTRA_NAMES: dict[str, dict[str, str]] = {
    "JG": {"en": "Channel Islands", "fr": "Îles Anglo-Normandes", "es": "Islas del Canal",
           "ar": "جزر القنال", "ru": "Нормандские острова", "zh": "海峡群岛"},
}


@lru_cache(maxsize=1)
def _iso3_to_iso2() -> dict[str, str]:
    return {row["iso3"]: row["iso2"] for row in reference_countries()}


@cache
def country_names(lang: str) -> dict[str, str]:
    """ISO3 → the short common name of every known country in ``lang`` (CLDR territory names,
    e.g. ``IRN`` → "Iran" / "Irán" / "إيران" / "Иран" / "伊朗", not the ISO formal name)."""
    from roamwatch.i18n import formatting

    territories = formatting.locale(lang).territories
    english = formatting.locale("en").territories
    names: dict[str, str] = {}
    for iso3, iso2 in _iso3_to_iso2().items():
        short = SHORT_NAMES.get(iso2, {}).get(lang)
        extra = EXTRA_NAMES.get(iso2, {})
        name = short or territories.get(iso2) or extra.get(lang) or extra.get("en") \
            or english.get(iso2)
        if name:
            names[iso3] = name
    return names


def country_name(iso3: str, lang: str, default: str | None = None) -> str:
    """The name of ``iso3`` in ``lang``; ``default`` (else the code itself) when unknown."""
    code = (iso3 or "").strip().upper()
    return country_names(lang).get(code) or default or code
