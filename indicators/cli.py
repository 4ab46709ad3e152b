"""``roamwatch scores``: recompute the ROAM-X proxy scores, or explain one of them."""

from __future__ import annotations

import json
import math
import sys

import click

CATEGORY_CHOICES = ["R", "O", "A", "M", "X", "ROAMX"]


@click.command("scores")
@click.option("--explain", "explain", metavar="ISO3",
              help="Print how a country's scores were computed (from the published snapshot) "
                   "instead of recomputing.")
@click.option("--year", type=int, help="With --explain: the year (default: the latest with scores).")
@click.option("--category", type=click.Choice(CATEGORY_CHOICES, case_sensitive=False),
              help="With --explain: one category, or ROAMX for the overall view (default: all).")
@click.option("--threshold", type=click.FloatRange(0, 1),
              help="Coverage below which a score is 'insufficient data' (overrides [scoring].threshold).")
@click.pass_context
def scores(ctx: click.Context, explain: str | None, year: int | None, category: str | None,
           threshold: float | None) -> None:
    """Recompute the ROAM-X proxy scores from the warehouse and publish a snapshot.

    Takes the writer lock, reads the collected data, computes indicator, theme, category and
    overall scores with their coverage and trace, the rank ranges under alternative
    aggregations and the region/income-group/world medians, replaces the score tables in one
    transaction and publishes a snapshot. Weights, threshold and window come from the
    [scoring] table of the configuration.

    These are roamwatch's proxies computed from public international data, arranged by
    UNESCO's ROAM-X categories; they are not UNESCO assessments (docs/methodology.md).

    \b
    Examples:
      roamwatch scores
      roamwatch scores --explain KEN --year 2023 --category R
    """
    from roamwatch.config import ConfigError, load_config

    try:
        config = load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if explain:
        _explain(config, explain.upper(), year, category.upper() if category else None)
        return
    if year is not None or category is not None:
        raise click.UsageError("--year and --category go with --explain ISO3")
    _recompute(config, threshold)


class ScoresError(Exception):
    """Scores could not be recomputed (bad catalogue or settings, no warehouse, lock timeout)."""


def recompute_and_publish(config, threshold: float | None = None, on_wait=None):
    """Recompute every score under the writer lock and publish a snapshot.

    Returns ``(result, snapshot_id)``; raises :class:`ScoresError` with a readable message.
    """
    from indicators.catalogue import CatalogueError, load_catalogue
    from indicators.recompute import Settings, recompute
    from roamwatch.warehouse.lock import LockTimeout, writer_lock
    from roamwatch.warehouse.snapshot import publish
    from roamwatch.warehouse.store import Warehouse

    try:
        catalogue = load_catalogue()
        settings = Settings.from_config(config.raw)
        if threshold is not None:
            settings.threshold = threshold
    except (CatalogueError, ValueError) as exc:
        raise ScoresError(str(exc)) from exc
    if not config.warehouse_path.exists():
        raise ScoresError(f"no warehouse at {config.warehouse_path}: run `roamwatch collect` first")
    try:
        with writer_lock(
            config.lock_path,
            purpose="roamwatch scores",
            timeout=float(config.warehouse.get("lock_timeout", 1800)),
            on_wait=on_wait,
        ), Warehouse(config.warehouse_path) as wh:
            try:
                result = recompute(wh.con, catalogue, settings)
            except ValueError as exc:
                raise ScoresError(f"scoring failed: {exc}") from exc
            snapshot_id = publish(
                wh.con, config.serving_dir, keep=int(config.warehouse.get("snapshots_keep", 5))
            )
    except LockTimeout as exc:
        raise ScoresError(str(exc)) from exc
    return result, snapshot_id


def recompute_scores(config) -> str:
    """The scheduler's hook: recompute and publish; returns the snapshot id."""
    return recompute_and_publish(config)[1]


def _recompute(config, threshold: float | None) -> None:
    try:
        result, snapshot_id = recompute_and_publish(
            config, threshold, on_wait=lambda m: click.echo(m, err=True)
        )
    except ScoresError as exc:
        raise click.ClickException(str(exc)) from exc
    s = result.scores
    if result.rows == 0:
        click.echo("no scores: the warehouse holds no data the catalogue reads "
                   "(run `roamwatch collect`)", err=True)
    else:
        cats = s.categories
        click.echo(
            f"scored {s.overall['country'].nunique()} countries, years "
            f"{int(s.overall['year'].min())}–{int(s.overall['year'].max())}: "
            f"{result.rows} score rows; category scores with a value: "
            f"{int(cats['value'].notna().sum())} of {len(cats)} "
            f"(threshold {s.threshold:g}) in {result.timings['total']:.2f} s"
        )
    click.echo(f"published snapshot {snapshot_id}")


# -- explain ---------------------------------------------------------------------------------------
def _fmt(value, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float):
        if value != 0 and abs(value) < 0.01:
            return f"{value:.4f}"
        if abs(value) >= 1000:
            return f"{value:,.0f}"
        return f"{value:.{digits}f}" if not float(value).is_integer() or digits else f"{value:g}"
    return str(value)


def _table(headers: list[str], rows: list[list[str]]) -> str:
    widths = [max(len(h), *(len(r[i]) for r in rows)) if rows else len(h) for i, h in enumerate(headers)]
    line = "  ".join(h.ljust(w) for h, w in zip(headers, widths, strict=True)).rstrip()
    out = [line, "  ".join("-" * w for w in widths)]
    out += ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in rows]
    return "\n".join(out)


def _score_text(value, coverage, reason: str | None = None) -> str:
    cov = "–" if coverage is None or (isinstance(coverage, float) and math.isnan(coverage)) \
        else f"{coverage * 100:.0f}%"
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return f"insufficient data (coverage {cov}{'; ' + reason if reason else ''})"
    return f"{value:.1f} / 100 (coverage {cov})"


def _explain(config, iso3: str, year: int | None, category: str | None) -> None:
    from indicators.catalogue import CATEGORY_NAMES, load_catalogue
    from roamwatch.warehouse.queries import Reader
    from roamwatch.warehouse.snapshot import NoSnapshot

    catalogue = load_catalogue()
    try:
        with Reader.open(config.serving_dir) as reader:
            frame = reader.scores(countries=[iso3])
            snapshot_id = reader.snapshot_id
    except NoSnapshot as exc:
        raise click.ClickException(str(exc)) from exc
    if frame.empty:
        raise click.ClickException(
            f"no scores for {iso3} in snapshot {snapshot_id}: check the ISO3 code, or run "
            "`roamwatch scores` after collecting"
        )
    if year is None:
        valued = frame[(frame["level"] == "category") & frame["value"].notna()]
        year = int((valued if not valued.empty else frame)["year"].max())
    rows = frame[frame["year"] == year]
    if rows.empty:
        years = sorted(frame["year"].unique())
        raise click.ClickException(
            f"no scores for {iso3} in {year}; years with scores: {years[0]}–{years[-1]}"
        )
    name = rows["country_name"].iloc[0] if "country_name" in rows else iso3
    out = [
        f"{name} ({iso3}), {year} — snapshot {snapshot_id}",
        "roamwatch's proxy scores from public international data, arranged by UNESCO's ROAM-X "
        "categories (framework 2019); not a UNESCO assessment. See docs/methodology.md.",
        "",
    ]
    by_key = {(r.level, r.key): r for r in rows.itertuples()}
    overall = by_key.get(("overall", "ROAMX"))
    if category in (None, "ROAMX") and overall is not None:
        details = json.loads(overall.details) if overall.details else {}
        out.append(f"ROAM-X overall: {_score_text(overall.value, overall.coverage, details.get('reason'))}")
        fw = details.get("framework")
        if fw:
            out.append(f"framework coverage: {fw['themes_filled']} of the framework's "
                       f"{fw['themes_in_framework']} themes have a value ({_fmt_cov(fw.get('coverage'))})")
        out.append(_table(
            ["category", "score", "coverage", "framework coverage"],
            [[f"{c['category']} {CATEGORY_NAMES.get(c['category'], ('',))[0]}",
              _fmt(c.get("value")), _fmt_cov(c.get("coverage")), _fmt_cov(c.get("framework_coverage"))]
             for c in details.get("categories", [])],
        ))
        if details.get("context"):
            out += ["", "Context (shown, never scored):"]
            out.append(_table(
                ["indicator", "value", "period"],
                [[catalogue.by_id[c["indicator"]].name_en if c["indicator"] in catalogue.by_id
                  else c["indicator"], _fmt(c.get("raw")), str(c.get("period"))]
                 for c in details["context"]],
            ))
        out.append("")
    cats = [category] if category not in (None, "ROAMX") else \
        ([] if category == "ROAMX" else list(catalogue.categories))
    for cat in cats:
        row = by_key.get(("category", cat))
        title = f"{cat} — {CATEGORY_NAMES[cat][0]}"
        if row is None:
            out += [f"{title}: no data", ""]
            continue
        details = json.loads(row.details) if row.details else {}
        out.append(f"{title}: {_score_text(row.value, row.coverage, details.get('reason'))}")
        fw = details.get("framework")
        if fw:
            out.append(f"  framework coverage: {fw['themes_filled']} of the framework's "
                       f"{fw['themes_in_framework']} {cat} themes have a value "
                       f"({_fmt_cov(fw.get('coverage'))})")
        rob = details.get("robustness")
        if rob:
            out.append(f"  rank range {rob['best_rank']}–{rob['worst_rank']} of {rob['n_countries']} "
                       f"under {rob['n_variants']} aggregations (not a league table: UNESCO's "
                       "framework is for national self-assessment; the range shows how much a "
                       "position depends on how the score is built)")
        med = details.get("medians") or {}
        if med:
            out.append("  medians: " + ", ".join(
                f"{k.replace('_', ' ')} {_fmt(v)}" for k, v in med.items() if v is not None))
        for theme in details.get("themes", []):
            t = catalogue.themes.get(theme["theme"])
            out.append(f"  {theme['theme']} {t.title_en if t else ''}: "
                       f"{_score_text(theme.get('value'), theme.get('coverage'), theme.get('reason'))}")
            table_rows = []
            theme_row = by_key.get(("theme", theme["theme"]))
            trace = json.loads(theme_row.details) if theme_row is not None and theme_row.details else {}
            for item in trace.get("inputs", []):
                ind = catalogue.by_id.get(item["indicator"])
                if ind is None:
                    continue
                flag = " (carried forward)" if item.get("carried_forward") else ""
                note = "" if item.get("status") in (None, "ok") else str(item["status"])
                table_rows.append([
                    ind.id, ind.name_en, item.get("metric", ""), f"{item.get('period')}{flag}",
                    f"{_fmt(item.get('raw'), 2)} {ind.unit}", _fmt(item.get("normalised")),
                    _fmt(item.get("weight"), 1), note,
                ])
            outside = {o.get("indicator"): o.get("note") for o in trace.get("outside_coverage", [])
                       if isinstance(o, dict)}
            for missing in trace.get("missing", []):
                ind = catalogue.by_id.get(missing)
                if ind is None:
                    continue
                table_rows.append([ind.id, ind.name_en, "", "", "", "–", _fmt(ind.weight, 1),
                                   outside.get(missing) or "no data within the window"])
            for flag in trace.get("flags", []):
                if isinstance(flag, dict):
                    out.append(f"    {flag.get('indicator')}: {flag.get('note')}")
            if table_rows:
                out.append(_indent(_table(
                    ["indicator", "name", "metric", "period used", "raw value", "score", "weight",
                     "note"], table_rows), "    "))
        out.append("")
    click.echo("\n".join(out).rstrip())


def _indent(text: str, prefix: str) -> str:
    return "\n".join(prefix + line for line in text.splitlines())


def _fmt_cov(value) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "–"
    return f"{value * 100:.0f}%"


if __name__ == "__main__":  # pragma: no cover
    scores(sys.argv[1:])
