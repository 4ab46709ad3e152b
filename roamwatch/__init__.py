"""roamwatch: internet-freedom monitoring organised by UNESCO's ROAM-X principles.

>>> import roamwatch
>>> rw = roamwatch.open()          # doctest: +SKIP
>>> rw.observations("worldbank.IT.NET.USER.ZS", country="KEN")  # doctest: +SKIP
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from roamwatch.api import Roamwatch, open  # noqa: A004

__version__ = "0.1.0"
__all__ = ["Roamwatch", "open", "__version__"]


def __getattr__(name: str) -> Any:
    """``Roamwatch`` and ``open`` are imported on first use: the reading API needs pandas, and
    importing it for every ``roamwatch`` command (``--help``, ``brief``, ``collect``) cost
    ~0.5 s before anything ran. ``roamwatch.api`` stays reachable after a bare ``import roamwatch``."""
    if name in ("Roamwatch", "open", "api"):
        import importlib

        api = importlib.import_module("roamwatch.api")
        return api if name == "api" else getattr(api, name)
    raise AttributeError(f"module 'roamwatch' has no attribute {name!r}")
