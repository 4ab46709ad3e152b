"""View state in the URL: parse and build query strings the same way on every page."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import parse_qsl, urlencode

#: URL parameters whose lists are joined with "|" because their items may contain commas.
PIPE_LISTS = frozenset({"regions", "incomes"})


def parse(search: str | None) -> dict[str, str]:
    """``"?a=1&b=x"`` → ``{"a": "1", "b": "x"}`` (the last value wins for a repeated key)."""
    return dict(parse_qsl((search or "").lstrip("?"), keep_blank_values=False))


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
    """``"KEN,UGA"`` or ``["KEN", "UGA"]`` → ``["KEN", "UGA"]`` without blanks or repeats.
    (Regions and income groups contain commas, so their lists use ``sep="|"``.)"""
    if value is None:
        return []
    items: Iterable[str] = value if isinstance(value, list | tuple) else [str(value)]
    out: list[str] = []
    for item in items:
        for part in str(item).split(sep):
            part = part.strip()
            if upper:
                part = part.upper()
            if part and part not in out:
                out.append(part)
    return out


def to_int(value: object) -> int | None:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        return None


def href(path: str, lang: str, **params: object) -> str:
    return path + build({**params, "lang": lang})
