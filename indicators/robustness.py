"""Robustness of rankings: how far a country's rank moves under alternative aggregations.

Per category and year the countries with a category score are ranked (1 = best) under:
- the catalogue's aggregation (weighted mean within themes, mean of themes) — the baseline;
- equal weights (every indicator weight 1);
- geometric means (within themes, weighted, then across themes), with values floored at 1 so
  that a single 0 does not zero the whole mean;
- each indicator of the category dropped in turn.
A country's best and worst rank over these variants is its rank range. Themes left out by the
coverage threshold stay out in every variant; a country whose category would have no theme left
when an indicator is dropped is not ranked in that variant. Vectorised over the frames of
:class:`indicators.scoring.Scores` (themes and categories come in fixed blocks per country-year).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from indicators.scoring import Scores, _codes_of

RANK_COLUMNS = ["country", "year", "category", "rank", "best_rank", "worst_rank", "n_countries",
                "n_variants"]


def _empty() -> pd.DataFrame:
    return pd.DataFrame({c: pd.Series(dtype=object) for c in RANK_COLUMNS})


def rank_ranges(scores: Scores) -> pd.DataFrame:
    """Per country, year and category: baseline rank, best and worst rank over the variants.

    Returns ``country, year, category, rank, best_rank, worst_rank, n_countries, n_variants``
    (ranks are 1 = best; ties share the better rank); only country-years with a category value.
    """
    cats, themes = scores.categories, scores.themes
    if cats.empty or not cats["value"].notna().any():
        return _empty()
    n_c = int(cats.groupby(["country", "year"], observed=True).size().iloc[0])
    n_t = int(themes.groupby(["country", "year"], observed=True).size().iloc[0])
    n_cy = len(cats) // n_c
    cat_order = cats["category"].to_numpy(dtype=object)[:n_c]
    theme_order = themes["theme"].to_numpy(dtype=object)[:n_t]
    theme_cat = np.searchsorted(cat_order, themes["category"].to_numpy(dtype=object)[:n_t])
    c_code, countries = _codes_of(cats["country"])
    key_country, key_year = c_code[::n_c], cats["year"].to_numpy(dtype="int64")[::n_c]
    base = cats["value"].to_numpy(dtype=float).reshape(n_cy, n_c)
    t_val = themes["value"].to_numpy(dtype=float).reshape(n_cy, n_t)

    # Indicator rows that count: a value, a positive weight, a theme with a value.
    ind = scores.indicators
    span = int(key_year.max()) + 1
    keys = key_country * span + key_year
    value = ind["value"].to_numpy(dtype=float)
    weight = ind["weight"].to_numpy(dtype=float)
    rows = np.flatnonzero(np.isfinite(value) & (np.nan_to_num(weight) > 0))
    names = ind["country"].to_numpy(dtype=object)[rows]
    ic = np.minimum(np.searchsorted(countries, names), len(countries) - 1)
    cy = np.searchsorted(keys, ic * span + ind["year"].to_numpy(dtype="int64")[rows])
    theme_names = ind["theme"].to_numpy(dtype=object)[rows]
    t = np.minimum(np.searchsorted(theme_order, theme_names), n_t - 1)
    valid = (countries[ic] == names) & (cy < n_cy) & (theme_order[t] == theme_names)
    valid[valid] &= np.isfinite(t_val[cy[valid], t[valid]])
    rows, cy, t = rows[valid], cy[valid], t[valid]
    value, weight = value[rows], weight[rows]
    i_code, ids = _codes_of(ind["indicator"].iloc[rows].astype(object))
    k = theme_cat[t]

    flat = cy * n_t + t
    size = n_cy * n_t
    S = np.bincount(flat, weights=weight * value, minlength=size)
    W = np.bincount(flat, weights=weight, minlength=size)
    N = np.bincount(flat, minlength=size)
    E = np.bincount(flat, weights=value, minlength=size)
    L = np.bincount(flat, weights=weight * np.log(np.maximum(value, 1.0)), minlength=size)
    has = (N > 0).reshape(n_cy, n_t)

    def by_category(theme_values: np.ndarray, geometric: bool = False) -> np.ndarray:
        out = np.full((n_cy, n_c), np.nan)
        for kk in range(n_c):
            cols = np.flatnonzero(theme_cat == kk)
            vals = np.where(has[:, cols], theme_values[:, cols], np.nan)
            n = np.isfinite(vals).sum(axis=1)
            if geometric:
                logs = np.log(np.maximum(np.where(np.isfinite(vals), vals, 1.0), 1.0))
                out[:, kk] = np.where(n > 0, np.exp(logs.sum(axis=1) / np.maximum(n, 1)), np.nan)
            else:
                out[:, kk] = np.where(n > 0, np.nansum(vals, axis=1) / np.maximum(n, 1), np.nan)
        return out

    with np.errstate(invalid="ignore", divide="ignore"):
        equal = by_category((E / N).reshape(n_cy, n_t))
        geometric = by_category(np.exp(L / W).reshape(n_cy, n_t), geometric=True)
        # Drop-one: the category value of row r's country-year without row r's indicator.
        valued = np.isfinite(t_val)
        tsum = np.zeros((n_cy, n_c))
        tn = np.zeros((n_cy, n_c))
        for kk in range(n_c):
            cols = np.flatnonzero(theme_cat == kk)
            tsum[:, kk] = np.where(valued[:, cols], t_val[:, cols], 0.0).sum(axis=1)
            tn[:, kk] = valued[:, cols].sum(axis=1)
        rest_w = W[flat] - weight
        has_rest = rest_w > 1e-12
        new_theme = np.where(has_rest, (S[flat] - weight * value) / np.where(has_rest, rest_w, 1.0), 0.0)
        num = tsum[cy, k] - t_val[cy, t] + new_theme
        den = tn[cy, k] - (~has_rest)
        dropped = np.where(den > 0, np.clip(num / np.where(den > 0, den, 1), 0.0, 100.0), np.nan)

    # Long frame of every (variant, country-year, category) value, then ranks within
    # (variant, category, year) groups among the countries with a baseline value.
    in_base = np.isfinite(base)
    parts_cy, parts_k, parts_var, parts_val = [], [], [], []
    for v, matrix in enumerate((base, equal, geometric)):
        r, c = np.nonzero(in_base)
        parts_cy.append(r), parts_k.append(c), parts_var.append(np.full(len(r), v)), \
            parts_val.append(matrix[r, c])
    # Each indicator dropped: every country with a baseline in its category; the ones without
    # the indicator keep their baseline value.
    for j in range(len(ids)):
        rows = np.flatnonzero(i_code == j)
        if not len(rows):
            continue
        kk = int(k[rows[0]])
        members = np.flatnonzero(in_base[:, kk])
        if not len(members):  # no country has a score in this category: nothing to rank
            continue
        vals = base[members, kk].copy()
        pos = np.searchsorted(members, cy[rows])
        inside = (pos < len(members)) & (members[np.minimum(pos, len(members) - 1)] == cy[rows])
        vals[pos[inside]] = dropped[rows[inside]]
        parts_cy.append(members), parts_k.append(np.full(len(members), kk))
        parts_var.append(np.full(len(members), 3 + j)), parts_val.append(vals)
    cy_all = np.concatenate(parts_cy)
    k_all = np.concatenate(parts_k)
    var_all = np.concatenate(parts_var)
    val_all = np.concatenate(parts_val)
    good = np.isfinite(val_all)
    cy_all, k_all, var_all, val_all = cy_all[good], k_all[good], var_all[good], val_all[good]
    group = (var_all * n_c + k_all) * span + key_year[cy_all]
    ranks = pd.Series(val_all).groupby(group).rank(ascending=False, method="min").to_numpy()

    cell = cy_all * n_c + k_all
    best = np.full(n_cy * n_c, np.inf)
    worst = np.full(n_cy * n_c, -np.inf)
    np.minimum.at(best, cell, ranks)
    np.maximum.at(worst, cell, ranks)
    n_variants = np.bincount(cell, minlength=n_cy * n_c)
    baseline = np.full(n_cy * n_c, np.nan)
    is_base = var_all == 0
    baseline[cell[is_base]] = ranks[is_base]
    n_countries = np.bincount((k_all[is_base] * span + key_year[cy_all[is_base]]),
                              minlength=n_c * span)
    r, c = np.nonzero(in_base)
    idx = r * n_c + c
    out = pd.DataFrame({
        "country": countries[key_country[r]],
        "year": key_year[r],
        "category": cat_order[c],
        "rank": baseline[idx].astype("int64"),
        "best_rank": best[idx].astype("int64"),
        "worst_rank": worst[idx].astype("int64"),
        "n_countries": n_countries[c * span + key_year[r]].astype("int64"),
        "n_variants": n_variants[idx].astype("int64"),
    })
    return out[RANK_COLUMNS]
