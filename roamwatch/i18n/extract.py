"""Babel extractors for roamwatch's messages that are not in Python calls.

Named in ``roamwatch/i18n/babel.cfg`` as ``[roamwatch.i18n.extract:NAME: PATTERN]``. Each follows
Babel's extractor protocol: ``(fileobj, keywords, comment_tags, options)`` yielding
``(lineno, funcname, message, comments)``.

- :func:`extract_catalogue`: the translatable fields of ``indicators/catalogue.toml`` (theme
  titles; indicator names, units, descriptions, stand-in notes, derivations, goalpost reasons,
  minimum-data rules and proxy sentences; review reasons; the framework note). Citations are
  bibliographic references and stay as published.
- :func:`extract_python`: calls like ``t("World", lang)`` and ``N_("World")`` read from the syntax
  tree; a message that is the value of a keyed table (``"nav.world": N_("World")``) carries its
  key as a comment for translators.
"""

from __future__ import annotations

import ast
import tomllib
from collections.abc import Iterator
from typing import Any, BinaryIO

Extracted = Iterator[tuple[int, str | None, Any, list[str]]]

#: Fields of a catalogue entry that are shown to readers, in the order a translator meets them.
THEME_FIELDS = ("title_en",)
INDICATOR_FIELDS = ("name_en", "unit", "description", "proxy", "stands_for", "derivation",
                    "goalpost_reason", "minimum_data")
#: The reasons of the ``[[review]]`` decisions (shown in the methodology document).
REVIEW_FIELDS = ("reason",)
FRAMEWORK_FIELDS = ("name", "note", "revision", "licence")


def _line_of(lines: list[str], text: str, start: int) -> int:
    """The 1-based line, from ``start``, on which ``text`` (or its first 40 characters) appears."""
    probe = text[:40]
    for i in range(start, len(lines)):
        if probe in lines[i]:
            return i + 1
    return start + 1


def _entry_starts(lines: list[str], table: str) -> list[int]:
    return [i for i, line in enumerate(lines) if line.strip() == f"[[{table}]]"]


def extract_catalogue(fileobj: BinaryIO, keywords: object, comment_tags: object,
                      options: dict[str, Any]) -> Extracted:
    raw = fileobj.read()
    text = raw.decode("utf-8")
    data = tomllib.loads(text)
    lines = text.splitlines()
    framework_at = next((i for i, line in enumerate(lines) if line.strip() == "[framework]"), 0)
    for field in FRAMEWORK_FIELDS:
        value = data.get("framework", {}).get(field)
        if isinstance(value, str) and value.strip():
            yield (_line_of(lines, value, framework_at), None, value.strip(),
                   [f"catalogue framework: {field}"])
    for table, fields in (("theme", THEME_FIELDS), ("indicator", INDICATOR_FIELDS),
                          ("review", REVIEW_FIELDS)):
        starts = _entry_starts(lines, table)
        for entry, start in zip(data.get(table, []), starts or [0] * len(data.get(table, [])),
                                strict=False):
            ident = entry.get("id", entry.get("indicator", "?"))
            for field in fields:
                value = entry.get(field)
                if isinstance(value, str) and value.strip():
                    yield (_line_of(lines, value, start), None, value.strip(),
                           [f"catalogue {table} {ident}: {field.removesuffix('_en')}"])


def _is_key(message: object) -> bool:
    """``"nav.world"``: a key of a message table passed to ``t()``, not English text."""
    import re

    return isinstance(message, str) and bool(re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)+", message))


def _call_name(node: ast.Call) -> str | None:
    if isinstance(node.func, ast.Name):
        return node.func.id
    if isinstance(node.func, ast.Attribute):
        return node.func.attr
    return None


def _comments_before(lines: list[str], lineno: int, tags: tuple[str, ...]) -> list[str]:
    """``# Translators: ...`` comment lines right above line ``lineno`` (tag stripped later)."""
    found: list[str] = []
    i = lineno - 2
    while i >= 0 and lines[i].strip().startswith("#"):
        found.insert(0, lines[i].strip().lstrip("#").strip())
        i -= 1
    for k, text in enumerate(found):
        if any(text.startswith(tag) for tag in tags):
            return found[k:]
    return []


def extract_python(fileobj: BinaryIO, keywords: Any, comment_tags: Any,
                   options: dict[str, Any]) -> Extracted:
    """Messages of calls like ``t("World", lang)`` or ``i18n.tn("{n} row", "{n} rows", n, lang)``,
    read from the syntax tree (so ``t["column"]`` on a frame named ``t`` is not a message), minus
    keys of a message table (``t("nav.world", lang)``). String arguments are passed on in
    position for Babel to pick by each keyword's spec; any other argument is ``None``."""
    source = fileobj.read().decode(options.get("encoding", "utf-8"))
    lines = source.splitlines()
    tags = tuple(comment_tags or ())
    tree = ast.parse(source)
    keyed = {id(value): key.value for table in ast.walk(tree) if isinstance(table, ast.Dict)
             for key, value in zip(table.keys, table.values, strict=True)
             if isinstance(key, ast.Constant) and isinstance(key.value, str)}
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        name = _call_name(node)
        if name is None or name not in keywords:
            continue
        args = tuple(a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else None
                     for a in node.args)
        if not args or all(a is None for a in args) or _is_key(args[0]):
            continue
        comments = _comments_before(lines, node.lineno, tags)
        if id(node) in keyed:
            comments = [*comments, f"key: {keyed[id(node)]}"]
        yield node.lineno, name, args, comments
