"""Collectors: one module per public source, behind :class:`collectors.base.Collector`.

Every module in this package that defines ``COLLECTORS`` (a tuple of collector classes) is
registered; the registry maps a collector's name (``roamwatch collect NAME``) to its class.
"""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

# Shared machinery, not sources.
_MACHINERY = frozenset({"base", "errors", "http", "validate", "runner", "files", "local_servers"})


class UnknownCollector(KeyError):
    def __str__(self) -> str:
        return f"unknown collector {self.args[0]!r}; known: {', '.join(sorted(registry()))}"


@lru_cache(maxsize=1)
def registry() -> dict[str, type]:
    """Every built-in collector class by name, in module order."""
    found = {}
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name in _MACHINERY or info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        for cls in getattr(module, "COLLECTORS", ()):
            found[cls.name] = cls
    return found


def get_collector(name: str) -> type:
    try:
        return registry()[name]
    except KeyError:
        raise UnknownCollector(name) from None
