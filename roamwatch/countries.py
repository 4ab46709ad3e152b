"""Country codes: the warehouse key is ISO 3166-1 alpha-3.

Built on pycountry (Debian iso-codes), plus the user-assigned codes that international
statistics use for economies outside ISO 3166 (Kosovo, the Channel Islands).
"""

from __future__ import annotations

import gettext
from functools import lru_cache

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
