"""Country codes: the warehouse key is ISO 3166-1 alpha-3.

Built on pycountry (Debian iso-codes) and country_converter's name patterns, plus the
user-assigned codes that international statistics use for economies outside ISO 3166
(Kosovo, the Channel Islands).
"""

from __future__ import annotations

import gettext
import re
import unicodedata
from functools import lru_cache

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
def _name_patterns() -> list[tuple[re.Pattern[str], str]]:
    """country_converter's name regexes (its data file, read with "NA" kept as Namibia's code).

    The package's own ``CountryConverter`` cannot load under pandas 3 (it reads Namibia's
    ISO2 ``NA`` as a missing value), so its data is read here directly.
    """
    import country_converter.country_converter as coco

    data = pd.read_csv(
        coco.COUNTRY_DATA_FILE, sep="\t", encoding="utf-8", keep_default_na=False, dtype=str
    )
    return [
        (re.compile(row.regex, re.IGNORECASE), row.ISO3)
        for row in data.itertuples()
        if row.regex and row.ISO3
    ]


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
