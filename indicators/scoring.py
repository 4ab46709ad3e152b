"""Scoring: pure functions of data frames, no I/O.

Per indicator, country and year: the latest eligible value of its series within a window
(default 5 years; older values are carried forward and flagged with their real period),
normalised to 0–100 between fixed goalposts (direction-aware, clipped). Theme = weighted mean of
the indicators present; category = mean of its themes; overall ROAM-X = mean of the five
categories, given only when all five have a value, so the parts are never hidden. Coverage (the
share of weight with data) sits beside every score; below the threshold (default 0.5) a score is
``NaN`` with the reason "insufficient data". Beside it, *framework coverage* says how much of the
framework's category the score reaches: the themes with a value over the themes the framework
has in that category (R 6, O 5, A 6, M 3, X 5), whether the catalogue fills them or not.

The entry points are :func:`compute_scores` (inputs → scores) and :func:`reweight` (the same
aggregation over already normalised indicators with other weights or threshold: what the dashboard
calls for an on-demand re-weighted view).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from indicators.catalogue import CATEGORIES, CONTEXTUAL, FRAMEWORK_THEMES, Catalogue

OVERALL_KEY = "ROAMX"
INSUFFICIENT = "insufficient data"
NO_DATA = "no data"
BELOW_MINIMUM = "below minimum data"
_EPS = 1e-9

INDICATOR_COLUMNS = [
    "country", "year", "indicator", "category", "theme", "metric", "period", "obs_year", "raw",
    "n", "days", "carried_forward", "status", "value", "weight",
]


@dataclass
class Scores:
    """Every level of the scores, as long frames.

    - ``indicators``: one row per country, year and indicator with a value within the window
      (``status`` "ok") or only values below the minimum-data rule (``status`` "below minimum
      data", ``value`` NaN); contextual indicators included, with ``value`` NaN.
    - ``themes``/``categories``: ``country, year, category, [theme,] value, coverage, reason``;
      categories also ``themes_filled`` (themes with a value), ``framework_themes`` (themes of
      the framework's category) and ``framework_coverage`` (their ratio).
    - ``overall``: ``country, year, value, coverage, reason`` plus one column per category, and
      the same three framework columns over the whole framework (25 themes).
    """

    indicators: pd.DataFrame
    themes: pd.DataFrame
    categories: pd.DataFrame
    overall: pd.DataFrame
    threshold: float
    weights: dict[str, float]

    @property
    def context(self) -> pd.DataFrame:
        return self.indicators[self.indicators["category"] == CONTEXTUAL]


# -- settings ----------------------------------------------------------------------------------------
def effective_weights(catalogue: Catalogue, overrides: Mapping[str, float] | None = None) -> dict[str, float]:
    """Catalogue weights of the scored indicators, with ``overrides`` (id → weight ≥ 0) applied."""
    weights = {i.id: i.weight for i in catalogue.scored}
    for key, value in (overrides or {}).items():
        if key not in weights:
            raise ValueError(f"weights: {key!r} is not a scored indicator of the catalogue")
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value) \
                or value < 0:
            raise ValueError(f"weights: {key!r} must be a number ≥ 0 (got {value!r})")
        weights[key] = float(value)
    return weights


def effective_threshold(catalogue: Catalogue, threshold: float | None) -> float:
    value = catalogue.threshold if threshold is None else threshold
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise ValueError(f"threshold must be between 0 and 1 (got {value!r})")
    return float(value)


# -- latest value within the window ------------------------------------------------------------------
def _codes(values: pd.Series | np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Integer codes in sorted order of the unique values, and those values (object array)."""
    codes, uniques = pd.factorize(np.asarray(values, dtype=object), sort=True)
    return codes.astype("int64"), np.asarray(uniques, dtype=object)


def _categorical(codes: np.ndarray, categories: np.ndarray) -> pd.Categorical:
    return pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=object))


def _clean_inputs(inputs: pd.DataFrame) -> tuple[pd.DataFrame, dict[str, np.ndarray]]:
    """One row per (series, country, year), chosen independently of row order (on a repeated
    key the largest value is kept). String columns become integer codes (``s``, ``c``, ``p``)
    into the returned arrays of unique values."""
    value = inputs["value"].to_numpy(dtype=float)
    keep = np.isfinite(value)
    s_code, series = _codes(inputs["series"].to_numpy(dtype=object)[keep])
    c_code, countries = _codes(inputs["country"].to_numpy(dtype=object)[keep])
    p_code, periods = _codes(inputs["period"].astype(str).to_numpy(dtype=object)[keep])
    year = inputs["year"].to_numpy(dtype="int64")[keep]
    n = inputs["n"].to_numpy(dtype=float)[keep]
    days = inputs["days"].to_numpy(dtype=float)[keep]
    value = value[keep]
    order = np.lexsort((np.nan_to_num(days, nan=-1.0), np.nan_to_num(n, nan=-1.0), p_code, value,
                        year, c_code, s_code))
    keys = np.stack([s_code, c_code, year], axis=1)[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = (keys[1:] != keys[:-1]).any(axis=1)
    pick = order[last]
    frame = pd.DataFrame({"s": s_code[pick], "c": c_code[pick], "year": year[pick], "p": p_code[pick],
                          "value": value[pick], "n": n[pick], "days": days[pick]})
    return frame, {"series": series, "country": countries, "period": periods}


def _latest(rows: pd.DataFrame, years: np.ndarray, windows: np.ndarray) -> pd.DataFrame:
    """For every (indicator, country) pair of ``rows`` and every year of ``years``: the row with
    the latest year within the indicator's window (``windows[ind]``), the lowest ``rank``
    (preferred series) first on equal years."""
    if rows.empty:
        return rows.assign(obs_year=rows["year"])
    order = np.lexsort((rows["rank"].to_numpy(), rows["year"].to_numpy(), rows["c"].to_numpy(),
                        rows["ind"].to_numpy()))
    rows = rows.iloc[order]
    keys = rows[["ind", "c", "year"]].to_numpy()
    first = np.ones(len(rows), dtype=bool)
    first[1:] = (keys[1:] != keys[:-1]).any(axis=1)
    rows = rows[first].rename(columns={"year": "obs_year"}).sort_values("obs_year", kind="mergesort")
    pairs = rows[["ind", "c"]].drop_duplicates()
    grid = pd.DataFrame({
        "ind": np.repeat(pairs["ind"].to_numpy(), len(years)),
        "c": np.repeat(pairs["c"].to_numpy(), len(years)),
        "year": np.tile(years, len(pairs)),
    }).sort_values("year", kind="mergesort")
    merged = pd.merge_asof(
        grid, rows, left_on="year", right_on="obs_year", by=["ind", "c"],
        direction="backward", tolerance=int(windows.max()) - 1, allow_exact_matches=True,
    )
    merged = merged[merged["obs_year"].notna()]
    age = merged["year"].to_numpy() - merged["obs_year"].to_numpy()
    merged = merged[age < windows[merged["ind"].to_numpy()]]
    return merged.assign(obs_year=merged["obs_year"].astype("int64"), s=merged["s"].astype("int64"),
                         p=merged["p"].astype("int64"))


def select_values(
    inputs: pd.DataFrame,
    catalogue: Catalogue,
    years: Iterable[int] | None = None,
    window_years: int | None = None,
) -> pd.DataFrame:
    """Per indicator, country and year: the latest eligible value of its series within the window.

    ``inputs``: ``series, country, year, period, value, n, days``. ``years``: the years to score
    (default: every year from the first to the last in ``inputs``). An indicator lists several
    series in order of preference; the latest year wins and, on equal years, the preferred series.
    Values failing the indicator's minimum-data rule are never used; when only such values exist
    the row is kept with ``status`` "below minimum data" and no score. String columns of the
    result are categoricals.
    """
    frame, uniques = _clean_inputs(inputs)
    columns = [c for c in INDICATOR_COLUMNS if c not in ("value", "weight")]
    empty = pd.DataFrame({c: pd.Series(dtype=object) for c in columns})
    if frame.empty:
        return empty
    year_array = np.asarray(sorted({int(y) for y in years}) if years is not None else
                            range(int(frame["year"].min()), int(frame["year"].max()) + 1), dtype="int64")
    if not len(year_array):
        return empty
    inds = catalogue.indicators
    default_window = window_years or catalogue.window_years
    windows = np.array([i.window_years or default_window for i in inds], dtype="int64")
    min_n = np.array([i.min_measurements or 0 for i in inds], dtype=float)
    min_days = np.array([i.min_days or 0 for i in inds], dtype=float)
    s_index = {name: k for k, name in enumerate(uniques["series"])}
    mapping = pd.DataFrame(
        [(s_index[m], k, r) for k, i in enumerate(inds) for r, m in enumerate(i.metrics) if m in s_index],
        columns=["s", "ind", "rank"], dtype="int64",
    )
    rows = frame.merge(mapping, on="s")
    if rows.empty:
        return empty
    ind = rows["ind"].to_numpy()
    eligible = (np.nan_to_num(rows["n"].to_numpy(), nan=0.0) >= min_n[ind]) & \
        (np.nan_to_num(rows["days"].to_numpy(), nan=0.0) >= min_days[ind])
    found = _latest(rows[eligible], year_array, windows).assign(status=0)
    if not eligible.all():
        below = _latest(rows[~eligible], year_array, windows)
        n_countries, n_years = len(uniques["country"]), int(year_array.max()) + 1

        def key(df: pd.DataFrame) -> np.ndarray:
            return (df["ind"].to_numpy() * n_countries + df["c"].to_numpy()) * n_years \
                + df["year"].to_numpy()

        below = below[~np.isin(key(below), key(found))].assign(status=1)
        found = pd.concat([found, below], ignore_index=True)
    if found.empty:
        return empty
    ids = np.array([i.id for i in inds], dtype=object)
    id_order = np.argsort(ids, kind="stable")
    id_rank = np.empty_like(id_order)
    id_rank[id_order] = np.arange(len(ids))
    ind = found["ind"].to_numpy()
    order = np.lexsort((id_rank[ind], found["year"].to_numpy(), found["c"].to_numpy()))
    found = found.iloc[order]
    ind = found["ind"].to_numpy()
    themes = np.array(sorted({i.theme for i in inds}), dtype=object)
    theme_code = np.searchsorted(themes, np.array([i.theme for i in inds], dtype=object))
    categories = np.array([*CATEGORIES, CONTEXTUAL], dtype=object)
    category_code = np.array([list(categories).index(i.category) for i in inds])
    out = pd.DataFrame({
        "country": _categorical(found["c"].to_numpy(), uniques["country"]),
        "year": found["year"].to_numpy(dtype="int64"),
        "indicator": _categorical(id_rank[ind], ids[id_order]),
        "category": _categorical(category_code[ind], categories),
        "theme": _categorical(theme_code[ind], themes),
        "metric": _categorical(found["s"].to_numpy(), uniques["series"]),
        "period": _categorical(found["p"].to_numpy(), uniques["period"]),
        "obs_year": found["obs_year"].to_numpy(dtype="int64"),
        "raw": found["value"].to_numpy(dtype=float),
        "n": found["n"].to_numpy(dtype=float),
        "days": found["days"].to_numpy(dtype=float),
        "status": _categorical(found["status"].to_numpy(), np.array(["ok", BELOW_MINIMUM], dtype=object)),
    })
    out["carried_forward"] = out["obs_year"].to_numpy() < out["year"].to_numpy()
    return out[columns].reset_index(drop=True)


# -- normalisation -----------------------------------------------------------------------------------
def normalise_values(raw: pd.Series | np.ndarray | float, lower: float | np.ndarray,
                     upper: float | np.ndarray, direction: str | np.ndarray,
                     transform: str | np.ndarray = "none") -> np.ndarray:
    """Map raw values to 0–100 between goalposts: the better goalpost scores 100, clipped.

    Every argument may be an array (one entry per value)."""
    raw = np.asarray(raw, dtype=float)
    x = raw.copy()
    log = np.broadcast_to(np.asarray(transform) == "log10", x.shape)
    if log.any():
        with np.errstate(divide="ignore", invalid="ignore"):
            logged = np.where(raw > 0, np.log10(np.where(raw > 0, raw, 1.0)), -np.inf)
        x = np.where(log, logged, x)
    lower, upper = np.asarray(lower, dtype=float), np.asarray(upper, dtype=float)
    with np.errstate(invalid="ignore"):
        share = (x - lower) / (upper - lower)
    share = np.where(np.asarray(direction) == "lower_better", 1.0 - share, share)
    return np.clip(share, 0.0, 1.0) * 100.0


def _codes_of(column: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Codes and categories of a categorical column, or of a plain one (sorted uniques)."""
    if isinstance(column.dtype, pd.CategoricalDtype):
        return column.cat.codes.to_numpy(dtype="int64"), np.asarray(column.cat.categories, dtype=object)
    return _codes(column.to_numpy(dtype=object))


def normalise(selected: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Add ``value`` (0–100) to the rows of :func:`select_values`; contextual and below-minimum
    rows get NaN."""
    out = selected.copy()
    if out.empty:
        return out.assign(value=pd.Series(dtype=float))
    codes, ids = _codes_of(out["indicator"])
    by_id = catalogue.by_id
    known = np.array([i in by_id and by_id[i].scored for i in ids], dtype=bool)
    lo = np.array([by_id[i].goalpost_lower if i in by_id else np.nan for i in ids])
    hi = np.array([by_id[i].goalpost_upper if i in by_id else np.nan for i in ids])
    direction = np.array([by_id[i].direction if i in by_id else "" for i in ids], dtype=object)
    transform = np.array([by_id[i].transform if i in by_id else "none" for i in ids], dtype=object)
    values = normalise_values(out["raw"].to_numpy(dtype=float), lo[codes], hi[codes], direction[codes],
                              transform[codes])
    ok = (out["status"].to_numpy(dtype=object) == "ok") & known[codes]
    out["value"] = np.where(ok, values, np.nan)
    return out


# -- aggregation -------------------------------------------------------------------------------------
def aggregate(
    indicators: pd.DataFrame,
    catalogue: Catalogue,
    weights: Mapping[str, float] | None = None,
    threshold: float | None = None,
) -> Scores:
    """Themes, categories and overall from normalised indicator rows (``value`` 0–100 or NaN)."""
    w = effective_weights(catalogue, weights)
    thr = effective_threshold(catalogue, threshold)

    # Themes that count (positive total weight) and, per indicator, its theme among them.
    totals: dict[str, float] = {}
    for i in catalogue.scored:
        totals[i.theme] = totals.get(i.theme, 0.0) + w[i.id]
    themes = np.array(sorted(t for t, v in totals.items() if v > 0), dtype=object)
    total = np.array([totals[t] for t in themes], dtype=float)
    theme_category = np.array([catalogue.themes[t].category for t in themes], dtype=object)
    categories = [c for c in catalogue.categories if c in set(theme_category)]
    cat_order = sorted(categories)
    n_t, n_c = len(themes), len(cat_order)

    ind = indicators.reset_index(drop=True)
    c_code, countries = _codes_of(ind["country"])
    i_code, ids = _codes_of(ind["indicator"])
    year = ind["year"].to_numpy(dtype="int64")
    order = np.lexsort((i_code, year, c_code))
    ind = ind.iloc[order].reset_index(drop=True)
    c_code, i_code, year = c_code[order], i_code[order], year[order]
    weight_of = np.array([w.get(i, np.nan) for i in ids], dtype=float)
    theme_index = {t: k for k, t in enumerate(themes)}
    theme_of = np.array([theme_index.get(catalogue.by_id[i].theme, -1) if i in catalogue.by_id else -1
                         for i in ids], dtype="int64")
    weight = weight_of[i_code]
    value = ind["value"].to_numpy(dtype=float)
    t_of = theme_of[i_code]
    present = (t_of >= 0) & np.isfinite(value) & (np.nan_to_num(weight) > 0)

    span = int(year.max()) + 1 if len(year) else 1
    cy = c_code * span + year
    keys = np.unique(cy[present])
    n_cy = len(keys)
    keep = np.isin(cy, keys)
    ind = ind[keep].reset_index(drop=True)
    ind["weight"] = weight[keep]
    key_country, key_year = keys // span, keys % span

    # Themes: weighted mean of present indicators; coverage = present weight / theme weight.
    flat = np.searchsorted(keys, cy[present]) * n_t + t_of[present]
    size = n_cy * n_t
    wsum = np.bincount(flat, weights=weight[present], minlength=size).reshape(n_cy, n_t)
    wx = np.bincount(flat, weights=weight[present] * value[present], minlength=size).reshape(n_cy, n_t)
    count = np.bincount(flat, minlength=size).reshape(n_cy, n_t)
    coverage = np.minimum(wsum / total, 1.0)
    enough = (coverage + _EPS >= thr) & (wsum > 0)
    with np.errstate(invalid="ignore", divide="ignore"):
        t_value = np.where(enough, np.clip(wx / wsum, 0.0, 100.0), np.nan)
    t_reason = np.where(enough, "", np.where(wsum > 0, INSUFFICIENT, NO_DATA))
    country_cat = lambda codes: _categorical(codes, countries)  # noqa: E731
    theme_frame = pd.DataFrame({
        "country": country_cat(np.repeat(key_country, n_t)),
        "year": np.repeat(key_year, n_t),
        "category": np.tile(theme_category, n_cy),
        "theme": np.tile(themes, n_cy),
        "value": t_value.ravel(), "coverage": coverage.ravel(), "reason": t_reason.ravel(),
        "wsum": wsum.ravel(), "total": np.tile(total, n_cy), "present": count.ravel(),
    })

    # Categories: mean of themes; coverage = mean of theme coverages (each theme counts equally).
    c_value = np.full((n_cy, n_c), np.nan)
    c_cover = np.zeros((n_cy, n_c))
    for k, c in enumerate(cat_order):
        cols = np.flatnonzero(theme_category == c)
        c_cover[:, k] = coverage[:, cols].mean(axis=1)
        vals = t_value[:, cols]
        n_vals = np.isfinite(vals).sum(axis=1)
        mean = np.where(n_vals > 0, np.nansum(vals, axis=1) / np.maximum(n_vals, 1), np.nan)
        c_value[:, k] = np.where((c_cover[:, k] + _EPS >= thr) & (n_vals > 0), mean, np.nan)
    c_reason = np.where(np.isfinite(c_value), "", np.where(c_cover > 0, INSUFFICIENT, NO_DATA))
    # Framework coverage: themes with a value over the framework's themes of the category.
    filled = np.zeros((n_cy, n_c), dtype="int64")
    for k, c in enumerate(cat_order):
        filled[:, k] = np.isfinite(t_value[:, np.flatnonzero(theme_category == c)]).sum(axis=1)
    in_framework = np.array([max(len(FRAMEWORK_THEMES.get(c, ())), 1) for c in cat_order], dtype="int64")
    cats = pd.DataFrame({
        "country": country_cat(np.repeat(key_country, n_c)),
        "year": np.repeat(key_year, n_c),
        "category": np.tile(np.array(cat_order, dtype=object), n_cy),
        "value": c_value.ravel(), "coverage": c_cover.ravel(), "reason": c_reason.ravel(),
        "themes_filled": filled.ravel(), "framework_themes": np.tile(in_framework, n_cy),
        "framework_coverage": (filled / in_framework).ravel(),
    })

    # Overall: the five categories side by side; a number only when every one has a value.
    o_cover = c_cover.mean(axis=1) if n_c else np.zeros(n_cy)
    complete = np.isfinite(c_value).all(axis=1) & (o_cover + _EPS >= thr) & (n_c > 0)
    o_value = np.where(complete, c_value.mean(axis=1) if n_c else np.nan, np.nan)
    missing = pd.DataFrame(~np.isfinite(c_value), columns=cat_order)
    all_themes = sum(len(t) for t in FRAMEWORK_THEMES.values())
    overall = pd.DataFrame({
        "country": country_cat(key_country), "year": key_year, "value": o_value,
        "coverage": o_cover,
        "reason": _overall_reasons(pd.Series(complete), missing, categories),
        "themes_filled": filled.sum(axis=1), "framework_themes": all_themes,
        "framework_coverage": filled.sum(axis=1) / all_themes,
    })
    for c in categories:
        overall[c] = c_value[:, cat_order.index(c)]
    return Scores(indicators=ind, themes=theme_frame, categories=cats, overall=overall,
                  threshold=thr, weights=w)


def _overall_reasons(complete: pd.Series, missing: pd.DataFrame, categories: list[str]) -> np.ndarray:
    """Why an overall score is missing: the categories without a value."""
    names = np.full(len(missing), "", dtype=object)
    for c in categories:
        miss = missing[c].to_numpy()
        names = np.where(miss, np.where(names == "", c, names + ", " + c), names)
    text = np.where(names != "", INSUFFICIENT + " in " + names.astype(str), INSUFFICIENT)
    return np.where(complete.to_numpy(), "", text)


def compute_scores(
    inputs: pd.DataFrame,
    catalogue: Catalogue,
    weights: Mapping[str, float] | None = None,
    threshold: float | None = None,
    years: Iterable[int] | None = None,
    window_years: int | None = None,
) -> Scores:
    """Indicator, theme, category and overall scores from the long inputs frame.

    ``weights`` (indicator id → weight ≥ 0) and ``threshold`` (0–1) override the catalogue's.
    """
    selected = select_values(inputs, catalogue, years=years, window_years=window_years)
    if selected.empty:
        selected = selected.assign(value=pd.Series(dtype=float))
    return aggregate(normalise(selected, catalogue), catalogue, weights=weights, threshold=threshold)


def reweight(
    scores: Scores | pd.DataFrame,
    catalogue: Catalogue,
    weights: Mapping[str, float] | None = None,
    threshold: float | None = None,
) -> Scores:
    """The same scores with other weights or threshold, without re-selecting or re-normalising.

    Pass a :class:`Scores` or its ``indicators`` frame (e.g. from :func:`indicators_from_rows`).
    """
    frame = scores.indicators if isinstance(scores, Scores) else scores
    return aggregate(frame, catalogue, weights=weights, threshold=threshold)


def indicators_from_rows(rows: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Rebuild the normalised indicators frame from stored ``score`` rows of level ``theme``
    (their ``details.inputs`` list every indicator with data), so a reader of a published
    snapshot can :func:`reweight` without the warehouse."""
    import json

    records = []
    themes = rows[rows["level"] == "theme"]
    for country, year, details in zip(themes["country"], themes["year"], themes["details"], strict=True):
        trace = json.loads(details) if isinstance(details, str) else (details or {})
        for item in trace.get("inputs", []) if isinstance(trace, dict) else []:
            if not isinstance(item, dict):  # a trace of another shape: nothing to rebuild from
                continue
            ind = catalogue.by_id.get(item.get("indicator"))
            if ind is None:
                continue
            normalised = item.get("normalised")
            records.append((country, int(year), ind.id, ind.category, ind.theme, item.get("metric"),
                            item.get("period"), item.get("raw"), bool(item.get("carried_forward")),
                            item.get("status") or "ok",
                            np.nan if normalised is None else float(normalised)))
    return pd.DataFrame(records, columns=["country", "year", "indicator", "category", "theme", "metric",
                                          "period", "raw", "carried_forward", "status", "value"])


# -- medians -----------------------------------------------------------------------------------------
def group_medians(scores: Scores, countries: pd.DataFrame) -> pd.DataFrame:
    """World, region and income-group medians per year of every category and the overall score.

    ``countries``: ``iso3, region, income_group``. Returns ``year, level, key, group_type,
    group_name, median, n`` (only scores with a value count).
    """
    values = pd.concat([
        scores.categories.assign(level="category", key=scores.categories["category"])[
            ["country", "year", "level", "key", "value"]],
        scores.overall.assign(level="overall", key=OVERALL_KEY)[
            ["country", "year", "level", "key", "value"]],
        scores.themes.assign(level="theme", key=scores.themes["theme"])[
            ["country", "year", "level", "key", "value"]],
    ], ignore_index=True)
    values = values[values["value"].notna()]
    values = values.merge(countries.rename(columns={"iso3": "country"}), on="country", how="left")
    parts = []
    keys = ["year", "level", "key"]
    world = values.groupby(keys)["value"].agg(["median", "size"]).reset_index()
    parts.append(world.assign(group_type="world", group_name="World"))
    for group in ("region", "income_group"):
        sub = values[values[group].notna() & (values[group].astype(str) != "")]
        if sub.empty:
            continue
        g = sub.groupby([*keys, group])["value"].agg(["median", "size"]).reset_index()
        parts.append(g.rename(columns={group: "group_name"}).assign(group_type=group))
    out = pd.concat(parts, ignore_index=True).rename(columns={"size": "n"})
    return out[["year", "level", "key", "group_type", "group_name", "median", "n"]]
