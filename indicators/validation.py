"""Statistical validation of the ROAM-X proxy scores, from a published snapshot.

``python -m indicators.validation [--data-dir DIR] [--output docs/validation.md]`` reads the
current snapshot (the scores, their traces and the observations) and writes a Markdown report in
the spirit of the JRC-COIN statistical audits of composite indicators:

1. **Internal consistency** per category: the correlation (Pearson, over countries, in the year
   with the most scored countries) of each indicator's normalised value with its category score
   and with the other indicators of the category. Pairs above :data:`REDUNDANT` are flagged as
   redundant (one of them adds little); indicators below :data:`WEAK` against their category as
   not measuring what the category measures.
2. **Held-out-source validity**: a category recomputed *without* one source, against that
   source's own headline measure (Spearman's ρ and the number of countries): Rights without
   Freedom on the Net against the FOTN total score; Accessibility without Internet use against
   ITU's Internet use. The recomputation is the same code as ``roamwatch scores``
   (:func:`indicators.scoring.reweight` with the held-out weights at 0), at the catalogue's
   coverage threshold and at threshold 0 (any data).
3. **Robustness**: widths of the rank ranges under the alternative aggregations (``score_rank``).
4. **Reach**: the share of countries with a category score, per year.
5. **Goalposts**: the share of each indicator's values at or beyond a goalpost (normalised to
   exactly 0 or 100), where the real data saturate them.

Every figure comes from the snapshot; the report names it. Pure functions below take data
frames; :func:`main` does the reading and writing.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from indicators.catalogue import CATEGORY_NAMES, Catalogue, load_catalogue
from indicators.scoring import indicators_from_rows, reweight

DOC_PATH = Path(__file__).resolve().parent.parent / "docs" / "validation.md"
REDUNDANT = 0.9
WEAK = 0.2
MIN_N = 5
#: held-out checks: (category, held-out source, reference metrics in order of preference, label)
HELD_OUT = (
    ("R", "fotn", ("fotn.total",), "Freedom on the Net total score (higher = freer)"),
    ("A", "itu_internet_use", ("itu.internet_use", "worldbank.IT.NET.USER.ZS"),
     "ITU individuals using the Internet (%)"),
)


@dataclass
class Snapshot:
    """What the report reads from one snapshot."""

    snapshot_id: str
    scores: pd.DataFrame  # every score row (country, year, level, key, value, coverage, details)
    ranks: pd.DataFrame  # score_rank
    observations: pd.DataFrame  # metric, country, period, value of the held-out references
    countries: pd.DataFrame  # iso3, region, income_group
    holdings: pd.DataFrame | None = None  # source, observations, events, first, last (years)


# -- statistics ---------------------------------------------------------------------------------
def pearson(x: pd.Series, y: pd.Series) -> tuple[float, int]:
    """Pearson's r over the pairs where both are finite, and their number (NaN below 3 pairs
    or without variance)."""
    both = pd.concat([x, y], axis=1).dropna()
    n = len(both)
    if n < 3 or both.iloc[:, 0].nunique() < 2 or both.iloc[:, 1].nunique() < 2:
        return math.nan, n
    return float(np.corrcoef(both.iloc[:, 0], both.iloc[:, 1])[0, 1]), n


def spearman(x: pd.Series, y: pd.Series) -> tuple[float, int]:
    """Spearman's ρ: Pearson's r of the ranks (ties share their mean rank)."""
    both = pd.concat([x, y], axis=1).dropna()
    return pearson(both.iloc[:, 0].rank(), both.iloc[:, 1].rank())


def reference_year(categories: pd.DataFrame, category: str,
                   indicators: pd.DataFrame | None = None) -> int | None:
    """The year with the most countries scored in ``category``; on a tie, the one whose inputs
    are least often carried forward from earlier years (then the latest)."""
    rows = categories[(categories["key"] == category) & categories["value"].notna()]
    if rows.empty:
        return None
    counts = rows.groupby("year").size()
    best = counts[counts == counts.max()].index
    if indicators is None or indicators.empty or len(best) == 1:
        return int(best.max())
    mine = indicators[(indicators["category"] == category) & indicators["year"].isin(best)]
    carried = mine.groupby("year")["carried_forward"].mean().reindex(best).fillna(1.0)
    return int(carried[carried == carried.min()].index.max())


def consistency(indicators: pd.DataFrame, categories: pd.DataFrame, catalogue: Catalogue,
                category: str, year: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Per indicator of ``category``: r with the category score and n; and every pair of
    indicators with r and n (pairs with at least :data:`MIN_N` countries in common)."""
    cat = categories[(categories["key"] == category) & (categories["year"] == year)]
    score = cat.set_index("country")["value"]
    ind = indicators[(indicators["category"] == category) & (indicators["year"] == year)]
    wide = ind.pivot_table(index="country", columns="indicator", values="value", aggfunc="first")
    rows = []
    for i in [i.id for i in catalogue.scored if i.category == category]:
        if i not in wide:
            rows.append((i, math.nan, 0))
            continue
        r, n = pearson(wide[i], score)
        rows.append((i, r, n))
    with_category = pd.DataFrame(rows, columns=["indicator", "r", "n"])
    pairs = []
    ids = [c for c in wide.columns]
    for a_index, a in enumerate(ids):
        for b in ids[a_index + 1:]:
            r, n = pearson(wide[a], wide[b])
            if n >= MIN_N:
                pairs.append((a, b, r, n))
    return with_category, pd.DataFrame(pairs, columns=["a", "b", "r", "n"])


def held_out(indicators: pd.DataFrame, catalogue: Catalogue, category: str, drop: list[str],
             reference: pd.DataFrame, threshold: float | None) -> tuple[float, int, int | None]:
    """Spearman's ρ between ``category`` recomputed without the indicators ``drop`` and the
    reference values (``country, year, value``), in the year with the most pairs; returns
    (ρ, n, year)."""
    weights = {i: 0.0 for i in drop}
    scores = reweight(indicators, catalogue, weights=weights, threshold=threshold).categories
    scores = scores[(scores["category"] == category) & scores["value"].notna()]
    merged = scores.merge(reference, on=["country", "year"], suffixes=("", "_ref"))
    merged = merged[merged["value_ref"].notna()]
    if merged.empty:
        return math.nan, 0, None
    counts = merged.groupby("year").size()
    year = int(counts[counts == counts.max()].index.max())
    at = merged[merged["year"] == year]
    rho, n = spearman(at["value"], at["value_ref"])
    return rho, n, year


def rank_widths(ranks: pd.DataFrame) -> pd.DataFrame:
    """Per category, in its latest year with rank ranges: countries, median, 90th percentile and
    largest width (worst − best), and the share of countries whose range spans 10 places or more."""
    rows = []
    valid = ranks.dropna(subset=["best_rank", "worst_rank"])
    for category, part in valid.groupby("category"):
        year = int(part["year"].max())
        at = part[part["year"] == year]
        width = (at["worst_rank"] - at["best_rank"]).astype(float)
        rows.append((category, year, len(at), float(width.median()), float(width.quantile(0.9)),
                     float(width.max()), float((width >= 10).mean()),
                     int(at["n_countries"].max()) if "n_countries" in at else len(at)))
    return pd.DataFrame(rows, columns=["category", "year", "countries", "median", "p90", "max",
                                       "share_10_plus", "ranked"])


def reach(categories: pd.DataFrame, n_countries: int, keys: list[str] | None = None) -> pd.DataFrame:
    """Share of the ``n_countries`` known countries with a score, per year (with any category
    score) and category (``keys``: the columns, 0 where none)."""
    scored = categories[categories["value"].notna()]
    if scored.empty:
        return pd.DataFrame()
    table = scored.groupby(["year", "key"]).size().unstack("key").fillna(0) / max(n_countries, 1)
    if keys is not None:
        table = table.reindex(columns=keys, fill_value=0.0)
    return table.sort_index()


def clipping(indicators: pd.DataFrame, catalogue: Catalogue) -> pd.DataFrame:
    """Per scored indicator, over its values measured in the year scored (carried-forward
    copies left out): n, the share normalised to 0 and the share normalised to 100."""
    own = indicators[~indicators["carried_forward"].astype(bool) & indicators["value"].notna()]
    rows = []
    for ind in catalogue.scored:
        values = own.loc[own["indicator"] == ind.id, "value"].astype(float)
        n = len(values)
        rows.append((ind.id, n, float((values <= 1e-9).mean()) if n else math.nan,
                     float((values >= 100 - 1e-9).mean()) if n else math.nan))
    return pd.DataFrame(rows, columns=["indicator", "n", "at_0", "at_100"])


# -- report -------------------------------------------------------------------------------------
def _num(value: float, digits: int = 2) -> str:
    return "–" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.{digits}f}"


def _pct(value: float) -> str:
    missing = value is None or (isinstance(value, float) and math.isnan(value))
    return "–" if missing else f"{value * 100:.0f} %"


def _held_out_ids(catalogue: Catalogue, key: str) -> list[str]:
    if key == "fotn":
        return [i.id for i in catalogue.scored if i.source == "fotn"]
    if key == "itu_internet_use":
        return [i.id for i in catalogue.scored
                if set(i.inputs) & {"itu.internet_use", "worldbank.IT.NET.USER.ZS"}]
    raise ValueError(key)


def _contents(snap: Snapshot) -> list[str]:
    if snap.holdings is None or snap.holdings.empty:
        return ["The snapshot holds no observation or event."]
    lines = ["| Source | Observations | Events | Years |", "|---|---|---|---|"]
    for row in snap.holdings.itertuples():
        years = f"{row.first}–{row.last}" if row.first != row.last else f"{row.first}"
        lines.append(f"| {row.source} | {int(row.observations)} | {int(row.events)} | {years} |")
    return lines


def _reference(observations: pd.DataFrame, metrics: tuple[str, ...]) -> tuple[pd.DataFrame, str | None]:
    for metric in metrics:
        rows = observations[observations["metric"] == metric]
        if not rows.empty:
            out = rows.assign(year=rows["period"].astype(str).str[:4].astype(int))
            return out[["country", "year", "value"]], metric
    return pd.DataFrame(columns=["country", "year", "value"]), None


def render(snap: Snapshot, catalogue: Catalogue | None = None, note: str | None = None) -> str:
    """The report as Markdown; ``note`` says where the snapshot's data came from."""
    catalogue = catalogue or load_catalogue()
    scores = snap.scores
    categories = scores[scores["level"] == "category"]
    indicators = indicators_from_rows(scores, catalogue)
    n_countries = len(snap.countries)
    lines = [
        "# Validation of roamwatch's ROAM-X proxy scores",
        "",
        "<!-- Generated by `python -m indicators.validation` from a published snapshot. "
        "Do not edit by hand. -->",
        "",
        f"Snapshot: `{snap.snapshot_id}`.",
        "",
        *([note.strip(), ""] if note else []),
        "What the snapshot holds:",
        "",
        *_contents(snap),
        "",
        "A statistical audit in the spirit of the European Commission JRC's Competence Centre on "
        "Composite Indicators (COIN): does each indicator move with the category it feeds, do two "
        "indicators say the same thing, does a category agree with an independent measure of the "
        "same concept when that measure is left out of it, how much a country's position depends "
        "on the way the scores are put together, and how many countries public data lets us "
        "score. The scores are roamwatch's proxies computed from public international data, "
        "arranged by UNESCO's ROAM-X categories; they are not UNESCO assessments, and UNESCO's "
        "framework is not meant for ranking countries. See [the methodology](methodology.md).",
        "",
        f"Thresholds: indicator pairs with |r| > {REDUNDANT:g} are flagged *redundant*; an "
        f"indicator whose correlation with its own category is below {WEAK:g} is flagged *weak* "
        f"(it does not measure what the category measures, or the category is driven by "
        f"others). Correlations need at least {MIN_N} countries; fewer are not reported.",
        "",
        "## 1. Held-out-source validity",
        "",
        "| Category | Recomputed without | Compared with | Threshold | Year | Spearman ρ | n |",
        "|---|---|---|---|---|---|---|",
    ]
    for category, key, metrics, label in HELD_OUT:
        drop = [i for i in _held_out_ids(catalogue, key) if catalogue.by_id[i].category == category]
        reference, metric = _reference(snap.observations, metrics)
        names = ", ".join(f"`{d}`" for d in drop) or "–"
        for threshold, text in ((None, f"{catalogue.threshold:g} (catalogue)"), (0.0, "0 (any data)")):
            if metric is None or indicators.empty:
                rho, n, year = math.nan, 0, None
            else:
                rho, n, year = held_out(indicators, catalogue, category, drop, reference, threshold)
            lines.append(f"| {category} {CATEGORY_NAMES[category][0]} | {names} | {label} "
                         f"(`{metric or metrics[0]}`) | {text} | {year or '–'} | "
                         f"{_num(rho) if n >= MIN_N else '–'} | {n} |")
    lines += [
        "",
        "ρ is computed in the year with the most countries having both values. At the catalogue's "
        "threshold a category without the held-out source often lacks the coverage to be scored "
        "at all (n small or 0): that is the honest answer, not a failure of the check; the row at "
        "threshold 0 shows the agreement of whatever the other sources say.",
        "",
        "## 2. Internal consistency per category",
        "",
    ]
    for category in catalogue.categories:
        year = reference_year(categories, category, indicators)
        title = f"### {category} {CATEGORY_NAMES[category][0]}"
        if year is None:
            lines += [title, "", "No country has a score in this category in this snapshot.", ""]
            continue
        with_category, pairs = consistency(indicators, categories, catalogue, category, year)
        n_scored = int(((categories["key"] == category) & (categories["year"] == year)
                        & categories["value"].notna()).sum())
        lines += [title, "", f"Year {year} ({n_scored} countries scored; indicators are compared "
                  "over every country with values that year).", "",
                  "| Indicator | r with the category | n | Flag |", "|---|---|---|---|"]
        for row in with_category.itertuples():
            flag = ""
            if row.n >= MIN_N and not math.isnan(row.r) and row.r < WEAK:
                flag = "weak"
            r = _num(row.r) if row.n >= MIN_N else "–"
            lines.append(f"| `{row.indicator}` | {r} | {row.n} | {flag} |")
        lines.append("")
        if pairs.empty:
            lines += ["No pair of indicators shares enough countries to correlate.", ""]
        else:
            lines += ["| Indicator pair | r | n | Flag |", "|---|---|---|---|"]
            for row in pairs.sort_values("r", ascending=False, key=lambda s: s.abs()).itertuples():
                flag = "redundant" if not math.isnan(row.r) and abs(row.r) > REDUNDANT else ""
                lines.append(f"| `{row.a}` · `{row.b}` | {_num(row.r)} | {row.n} | {flag} |")
            lines.append("")
    widths = rank_widths(snap.ranks)
    lines += ["## 3. Rank ranges under alternative aggregations", "",
              "Each category score is also computed with equal weights, with geometric means and "
              "with each indicator left out in turn; a country's rank range is its best and worst "
              "place over these variants. roamwatch shows ranges, not ranks: a wide range means "
              "the position says little.", ""]
    if widths.empty:
        lines += ["No rank ranges in this snapshot.", ""]
    else:
        lines += ["| Category | Year | Countries | Median width | 90th percentile | Largest | "
                  "Range of 10 places or more |", "|---|---|---|---|---|---|---|"]
        for row in widths.itertuples():
            lines.append(f"| {row.category} | {row.year} | {row.countries} | {row.median:g} | "
                         f"{row.p90:g} | {row.max:g} | {_pct(row.share_10_plus)} |")
        lines.append("")
    table = reach(categories, n_countries, list(catalogue.categories))
    lines += ["## 4. Countries scored", "",
              f"Share of the {n_countries} countries and territories roamwatch knows that have a "
              "score, per category and year (below the coverage threshold a score is "
              "*insufficient data*, not a number).", ""]
    if table.empty:
        lines += ["No category score in this snapshot.", ""]
    else:
        cats = list(table.columns)
        lines += ["| Year | " + " | ".join(cats) + " |", "|---" * (len(cats) + 1) + "|"]
        for year, row in table.iterrows():
            lines.append(f"| {year} | " + " | ".join(_pct(row[c]) for c in cats) + " |")
        lines.append("")
    clip = clipping(indicators, catalogue)
    lines += ["## 5. Goalposts: values at the ends of the scale", "",
              "Share of each indicator's values (measured in the year scored, carried-forward "
              "copies left out) that normalise to exactly 0 or 100, i.e. that sit at or beyond a "
              "goalpost. A large share at 100 for a measure with a natural best (no shutdown, no "
              "confirmed blocking) is expected; for a level such as subscriptions it means the "
              "goalpost no longer separates countries.", "",
              "| Indicator | Values | At 0 | At 100 |", "|---|---|---|---|"]
    for row in clip.itertuples():
        lines.append(f"| `{row.indicator}` | {row.n} | {_pct(row.at_0)} | {_pct(row.at_100)} |")
    return "\n".join(lines).rstrip() + "\n"


def read_snapshot(serving_dir: Path) -> Snapshot:
    """Everything :func:`render` needs, from the current snapshot of ``serving_dir``."""
    from roamwatch.warehouse.queries import Reader

    metrics = sorted({m for _, _, ms, _ in HELD_OUT for m in ms})
    with Reader.open(serving_dir) as reader:
        scores = reader.scores()
        ranks = reader.score_ranks()
        observations = reader.observations(metrics)
        countries = reader.countries()
        holdings = reader.holdings()
        return Snapshot(reader.snapshot_id, scores, ranks, observations, countries, holdings)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="data directory (default: the configured one)")
    parser.add_argument("--output", type=Path, default=DOC_PATH)
    parser.add_argument("--note", help="a sentence saying where the snapshot's data came from")
    args = parser.parse_args(argv)
    if args.data_dir is not None:
        serving = args.data_dir.expanduser().resolve() / "serving"
    else:
        from roamwatch.config import load_config

        serving = load_config().serving_dir
    from roamwatch.warehouse.snapshot import NoSnapshot

    try:
        snap = read_snapshot(serving)
    except NoSnapshot as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(render(snap, note=args.note), encoding="utf-8")
    print(f"wrote {args.output} from snapshot {snap.snapshot_id}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
