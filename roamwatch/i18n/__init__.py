"""roamwatch in UNESCO's six languages: gettext catalogues, language choice, text direction.

Messages live in ``roamwatch/i18n/locale/<lang>/LC_MESSAGES/roamwatch.po`` (one domain, English
source text as the message id), managed with Babel: ``python -m roamwatch.i18n`` extracts,
updates, compiles and reports completeness (see ``roamwatch/i18n/tools.py``). The ``.mo`` files
are not kept in git: :func:`translations` compiles a ``.po`` when its ``.mo`` is missing or older
(written beside it when the folder is writable, else kept in memory), so a fresh
``pip install -e .`` serves every language without a build step.

Lookups take the language explicitly (pages render for one language at a time, from the URL):

- ``gettext("World", "fr")`` → ``"Monde"``;
- ``ngettext("{n} row", "{n} rows", n, "ru")`` picks the CLDR plural form of ``n``;
- ``pgettext("score", "Rank", "ar")`` for a message whose meaning depends on its context;
- ``N_("text")`` only marks a string for extraction (module-level tables).

A message without a translation falls back to the English text, never to an error.
"""

from __future__ import annotations

import gettext as _gettext
import io
import os
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from pathlib import Path

DOMAIN = "roamwatch"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"


@dataclass(frozen=True)
class Language:
    code: str        #: the value of ``?lang=`` and of the ``lang`` attribute
    name: str        #: the language's name in itself (the language menu shows these)
    english: str     #: its English name
    direction: str   #: "ltr" or "rtl"
    babel: str       #: the Babel/CLDR locale used for formatting and country names
    plotly: str      #: the plotly.js locale name (``config.locale``)


#: UNESCO's six official languages, English first (the source language of every message).
LANGUAGES: dict[str, Language] = {
    "en": Language("en", "English", "English", "ltr", "en", "en"),
    "fr": Language("fr", "Français", "French", "ltr", "fr", "fr"),
    "es": Language("es", "Español", "Spanish", "ltr", "es", "es"),
    "ar": Language("ar", "العربية", "Arabic", "rtl", "ar", "ar"),
    "ru": Language("ru", "Русский", "Russian", "ltr", "ru", "ru"),
    "zh": Language("zh", "中文", "Chinese", "ltr", "zh_Hans", "zh-CN"),
}
LANGS = tuple(LANGUAGES)
DEFAULT_LANG = "en"
#: The languages translated from English (each has a ``.po`` file).
TARGET_LANGS = tuple(code for code in LANGS if code != DEFAULT_LANG)


def N_(message: str) -> str:
    """Mark ``message`` for extraction without translating it (translate where it is shown)."""
    return message


def supported(code: object) -> str | None:
    """The supported language a tag names (``"fr"``, ``"FR"``, ``"zh-Hans-CN"``, ``"ar_EG"``), or None."""
    text = str(code or "").strip().lower().replace("_", "-")
    if not text:
        return None
    base = text.split("-", 1)[0]
    return base if base in LANGUAGES else None


def parse_accept_language(header: str | None) -> list[str]:
    """The language tags of an ``Accept-Language`` header, best first (q=0 dropped)."""
    ranked: list[tuple[float, int, str]] = []
    for i, part in enumerate((header or "").split(",")):
        tag, _, params = part.strip().partition(";")
        tag = tag.strip()
        if not tag or tag == "*":
            continue
        q = 1.0
        for param in params.split(";"):
            key, _, value = param.strip().partition("=")
            if key.strip() == "q":
                try:
                    q = float(value)
                except ValueError:
                    q = 0.0
        if q > 0:
            ranked.append((-q, i, tag))
    return [tag for _, _, tag in sorted(ranked)]


def negotiate(requested: object = None, accept_language: str | None = None) -> str:
    """The language to use: the one asked for (``?lang=``) when supported, else the browser's
    best supported ``Accept-Language``, else English."""
    if isinstance(requested, list | tuple):
        requested = requested[-1] if requested else None
    chosen = supported(requested)
    if chosen:
        return chosen
    for tag in parse_accept_language(accept_language):
        chosen = supported(tag)
        if chosen:
            return chosen
    return DEFAULT_LANG


def direction(lang: str) -> str:
    return LANGUAGES.get(lang, LANGUAGES[DEFAULT_LANG]).direction


def po_path(lang: str, locale_dir: Path = LOCALE_DIR) -> Path:
    return locale_dir / lang / "LC_MESSAGES" / f"{DOMAIN}.po"


_lock = threading.Lock()


def compile_catalog(po: Path, mo: Path | None = None) -> bytes:
    """Compile one ``.po`` file to ``.mo`` bytes (fuzzy entries left out, as msgfmt does) and
    write them to ``mo`` when given and writable."""
    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po

    with po.open("rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    data = buffer.getvalue()
    if mo is not None:
        try:
            tmp = mo.with_name(f".{mo.name}.{os.getpid()}.tmp")
            tmp.write_bytes(data)
            os.replace(tmp, mo)
        except OSError:  # a read-only install: the compiled catalogue stays in memory
            pass
    return data


@cache
def translations(lang: str, locale_dir: Path = LOCALE_DIR) -> _gettext.NullTranslations:
    """The catalogue of ``lang`` (English and unknown languages: the identity)."""
    if lang == DEFAULT_LANG or lang not in LANGUAGES:
        return _gettext.NullTranslations()
    po = po_path(lang, locale_dir)
    mo = po.with_suffix(".mo")
    with _lock:
        if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
            with mo.open("rb") as fh:
                return _gettext.GNUTranslations(fh)
        if not po.exists():
            return _gettext.NullTranslations()
        return _gettext.GNUTranslations(io.BytesIO(compile_catalog(po, mo)))


def reload() -> None:
    """Forget loaded catalogues (after ``python -m roamwatch.i18n compile`` in a running process)."""
    translations.cache_clear()


def gettext(message: str, lang: str) -> str:
    return translations(lang).gettext(message) if message else message


def ngettext(singular: str, plural: str, n: int, lang: str) -> str:
    return translations(lang).ngettext(singular, plural, n)


def pgettext(context: str, message: str, lang: str) -> str:
    return translations(lang).pgettext(context, message)


def has_translation(message: str, lang: str, context: str | None = None) -> bool:
    """Whether ``lang``'s catalogue translates ``message`` (English always does)."""
    if lang == DEFAULT_LANG:
        return True
    catalogue = translations(lang)
    key = message if context is None else f"{context}\x04{message}"
    return key in getattr(catalogue, "_catalog", {})


def language_menu(current: str) -> list[Language]:
    """The languages in menu order, the current one first."""
    return [LANGUAGES[current], *(LANGUAGES[c] for c in LANGS if c != current)] \
        if current in LANGUAGES else list(LANGUAGES.values())


def each_language(langs: Iterable[str] | None = None) -> list[Language]:
    return [LANGUAGES[c] for c in (langs or LANGS)]
