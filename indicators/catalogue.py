"""The ROAM-X indicator catalogue: load ``catalogue.toml`` and validate it against a schema in code.

A broken entry stops loading with a :class:`CatalogueError` whose message names the file, the
entry and the field, e.g. ``indicators/catalogue.toml: indicator #7 'R.B.x': field 'direction':
must be one of higher_better, lower_better (got 'up')``.
"""

from __future__ import annotations

import math
import re
import tomllib
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from indicators.derive import is_derived_series

CATALOGUE_PATH = Path(__file__).with_name("catalogue.toml")

#: Scored categories, in the framework's order, then the contextual one (shown, never scored).
CATEGORIES = ("R", "O", "A", "M", "X")
CONTEXTUAL = "contextual"
CATEGORY_NAMES = {
    "R": ("Rights", "Droits"),
    "O": ("Openness", "Ouverture"),
    "A": ("Accessibility to all", "Accessibilité pour tous"),
    "M": ("Multistakeholder participation", "Participation multipartite"),
    "X": ("Cross-cutting", "Transversal"),
    CONTEXTUAL: ("Contextual", "Contexte"),
}
#: The framework's themes per category (25 in all: 6 R, 5 O, 6 A, 3 M, 5 X; confirmed count).
FRAMEWORK_THEMES = {
    "R": ("R.A", "R.B", "R.C", "R.D", "R.E", "R.F"),
    "O": ("O.A", "O.B", "O.C", "O.D", "O.E"),
    "A": ("A.A", "A.B", "A.C", "A.D", "A.E", "A.F"),
    "M": ("M.A", "M.B", "M.C"),
    "X": ("X.A", "X.B", "X.C", "X.D", "X.E"),
}
DIRECTIONS = ("higher_better", "lower_better")
MATCHES = ("confirmed", "approximate")
STANDS_FOR_STATUSES = ("confirmed", "unconfirmed")
DECISIONS = ("kept", "moved", "dropped", "contextual")
TRANSFORMS = ("none", "log10")

_ID = re.compile(r"^(R|O|A|M|X|CTX)\.([A-Z]|\d)\.[a-z0-9_]+$")
_THEME = re.compile(r"^(?:(R|O|A|M|X)\.[A-F]|CTX\.[1-6])$")
_REF = re.compile(r"^(?:(R|O|A|M|X)\.[A-F]\.(?:\d+|\?)|CTX\.[1-6])$")
_RAW_METRIC = re.compile(r"^[a-z0-9_]+\.[A-Za-z0-9_.]+$")
_EVENT_INPUT = re.compile(r"^event:[a-z0-9_]+:[a-z0-9_]+$")


class CatalogueError(ValueError):
    """The catalogue file is missing, not TOML, or an entry breaks the schema."""


@dataclass(frozen=True)
class Theme:
    id: str
    title_en: str
    unesco_match: str

    @property
    def category(self) -> str:
        prefix = self.id.split(".")[0]
        return CONTEXTUAL if prefix == "CTX" else prefix


@dataclass(frozen=True)
class Indicator:
    id: str
    category: str
    theme: str
    unesco_ref: str
    name_en: str
    description: str
    metrics: tuple[str, ...]
    inputs: tuple[str, ...]
    derivation: str
    unit: str
    direction: str
    goalpost_lower: float
    goalpost_upper: float
    goalpost_reason: str
    weight: float
    minimum_data: str
    source: str
    citation: str
    unesco_match: str | None = None
    proxy: str | None = None
    transform: str = "none"
    min_measurements: int | None = None
    min_days: int | None = None
    window_years: int | None = None
    core: bool | None = None
    stands_for: str | None = None
    stands_for_status: str | None = None

    @property
    def scored(self) -> bool:
        return self.category != CONTEXTUAL

    @property
    def question(self) -> str | None:
        """The ROAM-X question or indicator this one stands in for (``stands_for``)."""
        return self.stands_for

    @property
    def match_label(self) -> str:
        return "proxy" if self.proxy else str(self.unesco_match)


@dataclass(frozen=True)
class Review:
    """One decision of the review of the catalogue against the framework."""

    indicator: str  # the id before the review
    decision: str  # kept, moved, dropped or contextual
    reason: str
    now: str | None = None  # the id after the review (absent when dropped)


@dataclass(frozen=True)
class Catalogue:
    path: Path
    framework: dict[str, str]
    window_years: int
    threshold: float
    first_year: int | None
    themes: dict[str, Theme]
    indicators: tuple[Indicator, ...]
    review: tuple[Review, ...] = ()
    by_id: dict[str, Indicator] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_id.update({i.id: i for i in self.indicators})

    @property
    def scored(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if i.scored)

    @property
    def contextual(self) -> tuple[Indicator, ...]:
        return tuple(i for i in self.indicators if not i.scored)

    def category_themes(self, category: str) -> list[str]:
        """Themes of ``category`` that hold at least one indicator, in catalogue order."""
        return list(dict.fromkeys(i.theme for i in self.indicators if i.category == category))

    @property
    def categories(self) -> list[str]:
        present = {i.category for i in self.scored}
        return [c for c in CATEGORIES if c in present]

    def framework_themes(self, category: str) -> tuple[str, ...]:
        """The framework's themes of ``category`` (filled by the catalogue or not)."""
        return FRAMEWORK_THEMES.get(category, ())

    def raw_inputs(self) -> list[str]:
        """Warehouse metric ids the catalogue reads (event inputs excluded), sorted."""
        return sorted({m for i in self.indicators for m in i.inputs if not m.startswith("event:")})


# -- schema ----------------------------------------------------------------------------------------
def _nonempty_str(value: Any) -> str | None:
    if not isinstance(value, str) or not value.strip():
        return "must be a non-empty string"
    return None


def _choice(options: tuple[str, ...]) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if value not in options:
            return f"must be one of {', '.join(options)} (got {value!r})"
        return None

    return check


def _number(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        return f"must be a finite number (got {value!r})"
    return None


def _positive_number(value: Any) -> str | None:
    problem = _number(value)
    if problem is None and value <= 0:
        return f"must be greater than 0 (got {value!r})"
    return problem


def _positive_int(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        return f"must be a whole number of at least 1 (got {value!r})"
    return None


def _str_list(value: Any) -> str | None:
    if not isinstance(value, list) or not value:
        return "must be a non-empty list of strings"
    if not all(isinstance(v, str) and v.strip() for v in value):
        return "must be a non-empty list of strings"
    if len(set(value)) != len(value):
        return "must not repeat an entry"
    return None


def _pattern(regex: re.Pattern, what: str) -> Callable[[Any], str | None]:
    def check(value: Any) -> str | None:
        if not isinstance(value, str) or not regex.match(value):
            return f"must be {what} (got {value!r})"
        return None

    return check


def _bool(value: Any) -> str | None:
    return None if isinstance(value, bool) else f"must be true or false (got {value!r})"


def _sentence(value: Any) -> str | None:
    problem = _nonempty_str(value)
    if problem is None and len(value.split()) < 5:
        return "must be a sentence saying what the proxy approximates"
    return problem


#: field -> (required, check). Unknown fields are errors too (they are usually typos).
INDICATOR_FIELDS: dict[str, tuple[bool, Callable[[Any], str | None]]] = {
    "id": (True, _pattern(_ID, "like 'R.B.some_name' (category, theme letter, lower-case name)")),
    "category": (True, _choice((*CATEGORIES, CONTEXTUAL))),
    "theme": (True, _pattern(_THEME, "a theme id like 'R.B' or 'CTX.1'")),
    "unesco_ref": (True, _pattern(_REF, "a framework reference like 'R.B.?', 'A.D.3' or 'CTX.1'")),
    "unesco_match": (False, _choice(MATCHES)),
    "proxy": (False, _sentence),
    "name_en": (True, _nonempty_str),
    "description": (True, _nonempty_str),
    "metrics": (True, _str_list),
    "inputs": (True, _str_list),
    "derivation": (True, _nonempty_str),
    "unit": (True, _nonempty_str),
    "direction": (True, _choice(DIRECTIONS)),
    "goalpost_lower": (True, _number),
    "goalpost_upper": (True, _number),
    "goalpost_reason": (True, _nonempty_str),
    "transform": (False, _choice(TRANSFORMS)),
    "weight": (True, _positive_number),
    "minimum_data": (True, _nonempty_str),
    "min_measurements": (False, _positive_int),
    "min_days": (False, _positive_int),
    "window_years": (False, _positive_int),
    "source": (True, _nonempty_str),
    "citation": (True, _nonempty_str),
    "core": (False, _bool),
    "stands_for": (False, _sentence),
    "stands_for_status": (False, _choice(STANDS_FOR_STATUSES)),
}
REQUIRED_FIELDS = tuple(name for name, (required, _) in INDICATOR_FIELDS.items() if required)
THEME_FIELDS: dict[str, tuple[bool, Callable[[Any], str | None]]] = {
    "id": (True, _pattern(_THEME, "a theme id like 'R.B' or 'CTX.1'")),
    "title_en": (True, _nonempty_str),
    "unesco_match": (True, _choice(MATCHES)),
}
#: Fields of earlier versions whose content now lives elsewhere.
MOVED_TO_PO = {
    field: "translations live in the gettext catalogues "
           "(roamwatch/i18n/locale/<lang>/LC_MESSAGES/roamwatch.po; `python -m roamwatch.i18n update`), "
           "not in this file: the English text is the message"
    for field in ("name_fr", "title_fr")
}
FRAMEWORK_FIELDS = ("name", "version", "publication", "revision", "note")
REVIEW_FIELDS: dict[str, tuple[bool, Callable[[Any], str | None]]] = {
    "indicator": (True, _pattern(_ID, "an indicator id as it was before the review")),
    "decision": (True, _choice(DECISIONS)),
    "now": (False, _pattern(_ID, "the indicator's id after the review")),
    "reason": (True, _nonempty_str),
}


def _check_fields(
    entry: Any, schema: dict, where: str
) -> None:
    if not isinstance(entry, dict):
        raise CatalogueError(f"{where}: must be a table")
    for name in entry:
        if name in MOVED_TO_PO:
            raise CatalogueError(f"{where}: field '{name}': {MOVED_TO_PO[name]}")
        if name not in schema:
            raise CatalogueError(f"{where}: field '{name}': unknown field (a typo?)")
    for name, (required, check) in schema.items():
        if name not in entry:
            if required:
                raise CatalogueError(f"{where}: field '{name}': missing (required)")
            continue
        problem = check(entry[name])
        if problem:
            raise CatalogueError(f"{where}: field '{name}': {problem}")


def _check_indicator(entry: dict, where: str, themes: dict[str, Theme]) -> Indicator:
    _check_fields(entry, INDICATOR_FIELDS, where)

    def fail(name: str, problem: str) -> CatalogueError:
        return CatalogueError(f"{where}: field '{name}': {problem}")

    category, theme = entry["category"], entry["theme"]
    if theme not in themes:
        raise fail("theme", f"unknown theme {theme!r}; declare it in a [[theme]] table")
    if themes[theme].category != category:
        raise fail("theme", f"theme {theme!r} does not belong to category {category!r}")
    if not entry["id"].startswith(theme + "."):
        raise fail("id", f"must start with its theme {theme + '.'!r} (got {entry['id']!r})")
    if not entry["unesco_ref"].startswith(theme):
        raise fail("unesco_ref", f"must lie in its theme {theme!r} (got {entry['unesco_ref']!r})")
    has_match, has_proxy = "unesco_match" in entry, "proxy" in entry
    if has_match == has_proxy:
        raise fail(
            "unesco_match",
            "give exactly one of unesco_match (confirmed|approximate) or proxy (what it approximates)",
        )
    if entry["goalpost_lower"] >= entry["goalpost_upper"]:
        raise fail(
            "goalpost_upper",
            f"must be greater than goalpost_lower ({entry['goalpost_lower']!r} >= "
            f"{entry['goalpost_upper']!r}); direction says which end is better",
        )
    for item in entry["inputs"]:
        if not (_RAW_METRIC.match(item) or _EVENT_INPUT.match(item)) or item.startswith("derived."):
            raise fail(
                "inputs",
                f"{item!r} is neither a warehouse metric id nor an event input 'event:<source>:<kind>'",
            )
    for metric in entry["metrics"]:
        if metric.startswith("derived."):
            if not is_derived_series(metric):
                raise fail("metrics", f"unknown derived series {metric!r} (see indicators/derive.py)")
        elif not _RAW_METRIC.match(metric):
            raise fail("metrics", f"{metric!r} is not a metric id like 'source.code'")
        elif metric not in entry["inputs"]:
            raise fail("metrics", f"{metric!r} is read from the warehouse: list it in inputs too")
    if category != CONTEXTUAL:
        for name in ("stands_for", "stands_for_status"):
            if name not in entry:
                raise fail(name, "missing: every scored indicator states the ROAM-X question it "
                                 "stands in for (stands_for) and ROAMX.md's status of it "
                                 "(stands_for_status: confirmed or unconfirmed)")
    rules = [k for k in ("min_measurements", "min_days") if k in entry]
    if rules and not all(m.startswith("derived.ooni.") for m in entry["metrics"]):
        raise fail(rules[0], "only applies to OONI-derived series (derived.ooni.*)")
    values = {k: entry[k] for k in entry}
    values["metrics"] = tuple(entry["metrics"])
    values["inputs"] = tuple(entry["inputs"])
    values["goalpost_lower"] = float(entry["goalpost_lower"])
    values["goalpost_upper"] = float(entry["goalpost_upper"])
    values["weight"] = float(entry["weight"])
    return Indicator(**values)


def parse_catalogue(data: dict, path: Path | str = CATALOGUE_PATH) -> Catalogue:
    """Validate an already-parsed TOML document; ``path`` only names it in messages."""
    path = Path(path)
    name = str(path)
    framework = data.get("framework")
    if not isinstance(framework, dict):
        raise CatalogueError(f"{name}: [framework]: missing table (name, version, ...)")
    for key in FRAMEWORK_FIELDS:
        problem = _nonempty_str(framework.get(key))
        if problem:
            raise CatalogueError(f"{name}: [framework]: field '{key}': {problem}")
    scoring = data.get("scoring", {})
    window = scoring.get("window_years", 5)
    threshold = scoring.get("threshold", 0.5)
    if _positive_int(window):
        raise CatalogueError(f"{name}: [scoring]: field 'window_years': {_positive_int(window)}")
    if _number(threshold) or not 0 <= threshold <= 1:
        raise CatalogueError(f"{name}: [scoring]: field 'threshold': must be between 0 and 1")
    first_year = scoring.get("first_year")
    if first_year is not None and _positive_int(first_year):
        raise CatalogueError(f"{name}: [scoring]: field 'first_year': {_positive_int(first_year)}")
    for key in scoring:
        if key not in ("window_years", "threshold", "first_year"):
            raise CatalogueError(f"{name}: [scoring]: field '{key}': unknown field (a typo?)")
    for key in data:
        if key not in ("framework", "scoring", "theme", "indicator", "review"):
            raise CatalogueError(f"{name}: top-level key '{key}': unknown (a typo?)")

    themes: dict[str, Theme] = {}
    for n, entry in enumerate(data.get("theme", []), start=1):
        label = entry.get("id", "?") if isinstance(entry, dict) else "?"
        where = f"{name}: theme #{n} '{label}'"
        _check_fields(entry, THEME_FIELDS, where)
        if entry["id"] in themes:
            raise CatalogueError(f"{where}: field 'id': duplicate theme id")
        themes[entry["id"]] = Theme(**entry)

    entries = data.get("indicator", [])
    if not isinstance(entries, list) or not entries:
        raise CatalogueError(f"{name}: no [[indicator]] entries")
    indicators: list[Indicator] = []
    seen: set[str] = set()
    for n, entry in enumerate(entries, start=1):
        label = entry.get("id", "?") if isinstance(entry, dict) else "?"
        where = f"{name}: indicator #{n} '{label}'"
        indicator = _check_indicator(entry, where, themes)
        if indicator.id in seen:
            raise CatalogueError(f"{where}: field 'id': duplicate indicator id")
        seen.add(indicator.id)
        indicators.append(indicator)
    reviews: list[Review] = []
    for n, entry in enumerate(data.get("review", []), start=1):
        label = entry.get("indicator", "?") if isinstance(entry, dict) else "?"
        where = f"{name}: review #{n} '{label}'"
        _check_fields(entry, REVIEW_FIELDS, where)
        now = entry.get("now")
        if entry["decision"] == "dropped":
            if now is not None or entry["indicator"] in seen:
                raise CatalogueError(f"{where}: field 'decision': a dropped indicator has no 'now' "
                                     "and is no longer in the catalogue")
        elif now not in seen:
            raise CatalogueError(f"{where}: field 'now': {now!r} is not an indicator of the catalogue")
        elif entry["decision"] == "contextual" and not now.startswith("CTX."):
            raise CatalogueError(f"{where}: field 'now': a contextual indicator's id starts with CTX.")
        reviews.append(Review(**entry))
    return Catalogue(
        path=path,
        framework={k: str(v) for k, v in framework.items()},
        window_years=int(window),
        threshold=float(threshold),
        first_year=None if first_year is None else int(first_year),
        themes=themes,
        indicators=tuple(indicators),
        review=tuple(reviews),
    )


def load_catalogue(path: Path | str | None = None) -> Catalogue:
    """Read and validate the catalogue (the packaged ``catalogue.toml`` by default)."""
    if path is None:
        return _default_catalogue()
    return _load(Path(path))


def _load(path: Path) -> Catalogue:
    try:
        with path.open("rb") as fh:
            data = tomllib.load(fh)
    except FileNotFoundError as exc:
        raise CatalogueError(f"{path}: catalogue file not found") from exc
    except tomllib.TOMLDecodeError as exc:
        raise CatalogueError(f"{path}: not valid TOML: {exc}") from exc
    return parse_catalogue(data, path)


@cache
def _default_catalogue() -> Catalogue:
    return _load(CATALOGUE_PATH)
