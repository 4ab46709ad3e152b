"""Numbers, percentages and dates per language, from Babel's CLDR data.

Digits are Latin in every language (Babel's default numbering system ``latn``), so Arabic pages
show the same digits as their charts and downloads; separators, percent signs, month names and
date order follow each locale (``1 234,5`` in French, ``1.234,5`` in Spanish, ``2024年3月5日``).
A missing value is an en dash everywhere.
"""

from __future__ import annotations

import math
from datetime import date, datetime
from functools import cache

import pandas as pd
from babel import Locale
from babel.dates import format_skeleton
from babel.numbers import NumberPattern, parse_pattern

from roamwatch.i18n import DEFAULT_LANG, LANGUAGES

MISSING = "–"


@cache
def locale(lang: str) -> Locale:
    return Locale.parse(LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANG]).babel)


def is_missing(value: object) -> bool:
    if value is None:
        return True
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False


@cache
def _pattern(lang: str, kind: str, digits: int) -> NumberPattern:
    """The locale's own decimal or percent pattern with exactly ``digits`` fraction digits."""
    loc = locale(lang)
    source = loc.percent_formats[None] if kind == "percent" else loc.decimal_formats[None]
    pattern = parse_pattern(source.pattern)
    pattern.frac_prec = (digits, digits)
    return pattern


def auto_digits(x: float) -> int:
    """Fraction digits that suit a value: none from 1000 or for whole numbers, 1 from 10, else 2."""
    magnitude = abs(x)
    return 0 if magnitude >= 1000 or x == int(x) else (1 if magnitude >= 10 else 2)


def number(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """``1234.5`` → ``1,234`` (en), ``1 234`` (fr, narrow no-break space); missing → ``–``."""
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    if digits is None:
        digits = auto_digits(x)
    if round(x, digits) == 0:
        x = 0.0  # no "-0"
    return _pattern(lang, "decimal", digits).apply(x, locale(lang))


def percent(value: object, lang: str = DEFAULT_LANG, digits: int | None = None) -> str:
    """A value already in percent (``76.2``) → ``76.2%`` / ``76,2 %`` / ``76,2 %``."""
    if is_missing(value):
        return MISSING
    x = float(value)  # type: ignore[arg-type]
    if math.isinf(x):
        return number(x, lang)
    if digits is None:
        digits = auto_digits(x)
    if round(x, digits) == 0:
        x = 0.0
    return _pattern(lang, "percent", digits).apply(x / 100, locale(lang))


def share(value: object, lang: str = DEFAULT_LANG, digits: int = 0) -> str:
    """A share between 0 and 1 (coverage ``0.8``) → ``80%`` in the locale's style."""
    if is_missing(value):
        return MISSING
    return percent(float(value) * 100, lang, digits)  # type: ignore[arg-type]


def _timestamp(value: object) -> pd.Timestamp:
    ts = pd.Timestamp(value)  # type: ignore[arg-type]
    return ts.tz_convert("UTC").tz_localize(None) if ts.tzinfo is not None else ts


def date_text(value: object, lang: str = DEFAULT_LANG, with_time: bool = False) -> str:
    """``5 Mar 2024`` style (CLDR ``yMMMd``; with the 24-hour time when ``with_time``)."""
    if is_missing(value):
        return MISSING
    if isinstance(value, str):
        try:
            value = pd.Timestamp(value)
        except ValueError:
            return value
    ts = _timestamp(value)
    loc = locale(lang)
    text = format_skeleton("yMMMd", ts.to_pydatetime(), locale=loc)
    if with_time:
        text += " " + format_skeleton("Hm", ts.to_pydatetime(), locale=loc)
    return text


def month_text(value: object, lang: str = DEFAULT_LANG) -> str:
    """``Mar 2024`` / ``mars 2024`` / ``2024年3月`` (CLDR ``yMMM``)."""
    if is_missing(value):
        return MISSING
    return format_skeleton("yMMM", _timestamp(value).to_pydatetime(), locale=locale(lang))


def days_between(value: object, now: datetime | None = None) -> int | None:
    if is_missing(value):
        return None
    ts = _timestamp(value)
    today = (now or datetime.now()).date()
    stamp = ts.date() if isinstance(ts, pd.Timestamp) else date.fromisoformat(str(value))
    return (today - stamp).days
