"""Re-weighted rankings for the dashboard, from the published theme scores.

The same aggregation code as ``roamwatch scores`` (:func:`indicators.scoring.reweight`) is run
on the normalised indicator values stored in the theme traces, so a reader of a published
snapshot can change weights without the warehouse and without a second implementation.
"""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from indicators.catalogue import Catalogue
from indicators.scoring import indicators_from_rows, reweight

COLUMNS = ["country", "value", "rank", "new_value", "new_rank", "move", "coverage", "new_coverage"]


def _ranked(frame: pd.DataFrame) -> pd.Series:
    return frame["value"].rank(ascending=False, method="min")


def reweighted_ranking(
    theme_rows: pd.DataFrame,
    catalogue: Catalogue,
    category: str,
    weights: Mapping[str, float] | None = None,
    threshold: float | None = None,
) -> pd.DataFrame:
    """Per country: the category score and rank with catalogue weights and with ``weights``.

    ``theme_rows`` are stored ``score`` rows of level ``theme`` for one year. ``move`` is how
    many places a country climbs (positive) or falls under the new weights; countries whose
    score is insufficient data under either weighting have no rank there.
    """
    inputs = indicators_from_rows(theme_rows, catalogue)
    if inputs.empty:
        return pd.DataFrame(columns=COLUMNS)
    base = reweight(inputs, catalogue, threshold=threshold).categories
    new = reweight(inputs, catalogue, weights=weights, threshold=threshold).categories
    base = base[base["category"] == category][["country", "value", "coverage"]].copy()
    new = new[new["category"] == category][["country", "value", "coverage"]].copy()
    base["rank"] = _ranked(base)
    new["rank"] = _ranked(new)
    out = base.merge(new, on="country", how="outer", suffixes=("", "_new"))
    out = out.rename(columns={"value_new": "new_value", "rank_new": "new_rank",
                              "coverage_new": "new_coverage"})
    out["move"] = out["rank"] - out["new_rank"]
    return out.sort_values(["new_rank", "rank", "country"], na_position="last")[COLUMNS].reset_index(
        drop=True
    )
