"""Which ROAM-X categories the collected sources can score at all, and what each source feeds.

A category's coverage is the mean of its themes' coverages, and a theme's coverage is the share
of its indicators' weight that has data (:mod:`indicators.scoring`). Assuming every indicator a
source feeds had data for a country, the *reachable* coverage of a category is what the sources
at hand could give at best; below the scoring threshold the category is "insufficient data" in
every country, whatever the values, until another source is imported.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from indicators.catalogue import CATEGORIES, CATEGORY_NAMES, Catalogue, Indicator

_EPS = 1e-9


def input_sources(indicator: Indicator) -> set[str]:
    """The sources whose data an indicator reads (``ooni.x`` → ooni, ``event:accessnow:…``)."""
    out = set()
    for item in indicator.inputs:
        if item.startswith("event:"):
            out.add(item.split(":")[1])
        else:
            out.add(item.split(".", 1)[0])
    return out


def feeds(catalogue: Catalogue) -> dict[str, list[Indicator]]:
    """Source → the scored and contextual indicators it can feed, in catalogue order."""
    out: dict[str, list[Indicator]] = {}
    for indicator in catalogue.indicators:
        for source in sorted(input_sources(indicator)):
            out.setdefault(source, []).append(indicator)
    return out


def reachable_coverage(catalogue: Catalogue, sources: Iterable[str],
                       weights: Mapping[str, float] | None = None) -> dict[str, float]:
    """Category → the best coverage the given sources could give (0–1)."""
    have = set(sources)
    weights = weights or {}
    totals: dict[str, float] = {}
    present: dict[str, float] = {}
    for indicator in catalogue.scored:
        weight = float(weights.get(indicator.id, indicator.weight))
        totals[indicator.theme] = totals.get(indicator.theme, 0.0) + weight
        if input_sources(indicator) & have:
            present[indicator.theme] = present.get(indicator.theme, 0.0) + weight
    out = {}
    for category in CATEGORIES:
        themes = [t for t, w in totals.items() if w > 0 and catalogue.themes[t].category == category]
        if themes:
            out[category] = sum(min(present.get(t, 0.0) / totals[t], 1.0) for t in themes) / len(themes)
    return out


@dataclass(frozen=True)
class Gap:
    """A category that cannot be scored anywhere with the sources at hand."""

    category: str
    coverage: float  # reachable with the sources at hand
    with_all: float  # reachable with every source of the catalogue
    missing: tuple[str, ...]  # sources feeding the category that hold no data yet

    @property
    def name(self) -> str:
        return CATEGORY_NAMES[self.category][0]


def gaps(catalogue: Catalogue, sources: Iterable[str], threshold: float,
         weights: Mapping[str, float] | None = None) -> list[Gap]:
    """Categories whose reachable coverage is below ``threshold``, with the missing sources."""
    have = set(sources)
    everything = set(feeds(catalogue))
    now = reachable_coverage(catalogue, have, weights)
    best = reachable_coverage(catalogue, everything, weights)
    out = []
    for category, coverage in now.items():
        if coverage + _EPS >= threshold:
            continue
        missing = sorted({s for i in catalogue.scored if i.category == category
                          for s in input_sources(i)} - have)
        out.append(Gap(category, coverage, best.get(category, 0.0), tuple(missing)))
    return out
