"""Collectors: one module per public source, behind :class:`collectors.base.Collector`.

The registry maps a collector's name (as typed in ``roamwatch collect NAME``) to its class.
"""

from __future__ import annotations

import importlib

BUILTIN = ("collectors.worldbank",)


class UnknownCollector(KeyError):
    def __str__(self) -> str:
        return f"unknown collector {self.args[0]!r}; known: {', '.join(sorted(registry()))}"


def registry() -> dict[str, type]:
    """Every built-in collector class by name."""
    found = {}
    for module_name in BUILTIN:
        module = importlib.import_module(module_name)
        for cls in getattr(module, "COLLECTORS", ()):
            found[cls.name] = cls
    return found


def get_collector(name: str) -> type:
    try:
        return registry()[name]
    except KeyError:
        raise UnknownCollector(name) from None
