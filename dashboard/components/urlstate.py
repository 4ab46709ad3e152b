"""View state in the URL: parse and build query strings the same way on every page.

Parsing is linear in the length of the text and bounded: at most :data:`MAX_PARAMS` parameters
and :data:`MAX_LIST` list items are read (the server's guard refuses longer URLs and lists
before a page sees them; these bounds hold for any caller).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

#: URL parameters whose lists are joined with "|" because their items may contain commas.
PIPE_LISTS = frozenset({"regions", "incomes"})
#: Parameters read from one query string (see :class:`dashboard.guard.Limits`).
MAX_PARAMS = 64
#: Items read from one list value.
MAX_LIST = 300
_LEADING = re.compile(r"^[/\\]+")


def parse(search: str | None) -> dict[str, str]:
    """``"?a=1&b=x"`` → ``{"a": "1", "b": "x"}`` (the last value wins for a repeated key;
    parameters past :data:`MAX_PARAMS` are ignored)."""
    text = search if isinstance(search, str) else ""
    pairs = text.lstrip("?").split("&", MAX_PARAMS)[:MAX_PARAMS]
    return dict(parse_qsl("&".join(pairs), keep_blank_values=False))


def safe_path(pathname: object) -> str:
    """A path to build links from: absolute, and never protocol-relative (``//host/x`` or
    ``/\\host/x`` would leave the site) — leading slashes and backslashes collapse to one."""
    text = pathname if isinstance(pathname, str) else ""
    return "/" + _LEADING.sub("", text)


def build(params: Mapping[str, object]) -> str:
    """A query string (with ``?``, or ``""``) of the non-empty params; lists become ``a,b``.
    ``lang`` is kept for every language, English too: without it the browser's Accept-Language
    would choose, and a reader who picked English on a French browser would lose that choice."""
    clean: dict[str, str] = {}
    for key, value in params.items():
        if value is None or value == "" or value == [] or value == ():
            continue
        if isinstance(value, list | tuple):
            joiner = "|" if key in PIPE_LISTS else ","
            value = joiner.join(str(v) for v in value)
        clean[key] = str(value)
    return "?" + urlencode(clean) if clean else ""


def split_list(value: object, upper: bool = False, sep: str = ",") -> list[str]:
    """``"KEN,UGA"`` or ``["KEN", "UGA"]`` → ``["KEN", "UGA"]`` without blanks or repeats, in
    order, at most :data:`MAX_LIST` items (linear: repeats are found with a dict).
    (Regions and income groups contain commas, so their lists use ``sep="|"``.)"""
    if value is None:
        return []
    items: Iterable[object] = value if isinstance(value, list | tuple) else [value]
    out: dict[str, None] = {}
    for item in items:
        for part in str(item).split(sep, MAX_LIST):
            part = part.strip()
            if upper:
                part = part.upper()
            if part:
                out.setdefault(part)
                if len(out) >= MAX_LIST:
                    return list(out)
    return list(out)


def to_int(value: object) -> int | None:
    """A whole number of at most nine digits (years, row numbers), else None."""
    text = str(value).strip()
    if len(text) > 10:
        return None
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


def href(path: str, lang: str, **params: object) -> str:
    return path + build({**params, "lang": lang})
