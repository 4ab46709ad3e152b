"""The ``roamwatch`` command line."""

from __future__ import annotations

import importlib
import importlib.util
import json
import sys
from pathlib import Path

import click

from roamwatch.config import ConfigError, load_config


def _config(ctx: click.Context):
    try:
        return load_config(ctx.obj.get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--config",
    "config_path",
    type=click.Path(dir_okay=False),
    envvar="ROAMWATCH_CONFIG",
    help="TOML configuration file (default: ./roamwatch.toml if present).",
)
@click.version_option(package_name="roamwatch")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None) -> None:
    """roamwatch: collect public internet-freedom indicators, score them on UNESCO's ROAM-X
    principles and publish them for the dashboard.

    Data lives in ROAMWATCH_DATA_DIR (default: data/ in a checkout).
    """
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


@cli.command()
@click.argument("sources", nargs=-1)
@click.option("--full", is_flag=True,
              help="Ask for the whole history, not only recent periods (files: re-import).")
@click.option("--file", "files", multiple=True, type=click.Path(exists=True, dir_okay=False),
              help="Import this local file, as downloaded from the provider, instead of the "
                   "configured URL or API (repeatable; sources that read files only, see "
                   "`roamwatch sources`).")
@click.option("--set", "settings", multiple=True, metavar="KEY=VALUE",
              help="Override one setting of the SOURCE for this run, e.g. --set edition=2018 "
                   "(VALUE is read as TOML, else as text; repeatable).")
@click.option("--scores/--no-scores", default=True,
              help="Recompute the ROAM-X scores after a collection that wrote rows (default).")
@click.option("--progress/--no-progress", default=None, help="Show a progress bar (default: on a terminal).")
@click.option("-v", "--verbose", is_flag=True,
              help="Also print each retry and failed unit as it happens, and every failed unit "
                   "and rejected-row reason after the summary.")
@click.pass_context
def collect(ctx: click.Context, sources: tuple[str, ...], full: bool, files: tuple[str, ...],
            settings: tuple[str, ...], scores: bool, progress: bool | None, verbose: bool) -> None:
    """Run collectors (all enabled ones when no SOURCE is given) and publish a snapshot.

    Each unit of collection (one indicator series, one file, one window) lands in one
    transaction: a unit that fails leaves earlier data as it was and is named in the run record
    (`roamwatch status --json`). A source whose host does not resolve or refuses connections
    stops after one attempt. Prints one line per source; exits 1 when any run failed or was
    partial. A warehouse still holding no data is not published.

    \b
    Examples:
      roamwatch collect                 # every enabled source, incremental
      roamwatch collect worldbank --full
      roamwatch collect dgg --file national.csv
    """
    from collectors import UnknownCollector, registry
    from collectors.runner import run_collectors
    from roamwatch.warehouse.lock import LockTimeout

    config = _config(ctx)
    known = registry()
    names = list(sources)
    skipped: list[str] = []
    if not names:
        for name, cls in known.items():
            source_settings = config.source(name, cls.defaults)
            if not source_settings.get("enabled", True):
                continue
            if getattr(cls, "file_source", False) and not (
                source_settings.get("url") or source_settings.get("files")
            ):
                skipped.append(name)
                continue
            names.append(name)
    for name in names:
        if name not in known:
            raise click.ClickException(str(UnknownCollector(name)))
    options: dict | None = None
    if files or settings:
        if len(names) != 1:
            raise click.UsageError("--file and --set need exactly one SOURCE")
        cls = known[names[0]]
        if files and not getattr(cls, "reads_files", False):
            how = getattr(cls, "collected_from", "") or "its API"
            raise click.UsageError(
                f"{names[0]} cannot import files: it is collected from {how}; run "
                f"`roamwatch collect {names[0]}` (point it at a mirror with "
                f"ROAMWATCH_{names[0].upper()}_BASE_URL). `roamwatch sources` lists the sources "
                "that read files."
            )
        options = _parse_settings(settings)
        if files:
            options["file"] = [str(Path(f).resolve()) for f in files]
    if skipped:
        click.echo(f"not collected, no file configured: {', '.join(skipped)} "
                   "(`roamwatch sources` says what to download and how to import it)", err=True)

    def detail(message: str) -> None:
        if verbose:
            click.echo(message, err=True)

    try:
        results, snapshot_id = run_collectors(
            names, config, full=full, progress=progress, options=options, log=detail,
            notice=lambda m: click.echo(m, err=True),
        )
    except LockTimeout as exc:
        raise click.ClickException(str(exc)) from exc
    failed = False
    for r in results:
        click.echo(r.summary())
        if verbose:
            for unit, error in r.failed_units.items():
                click.echo(f"  failed unit {unit}: {error}", err=True)
            for reason, count in sorted(r.rejected.items()):
                click.echo(f"  rejected {count:,}: {reason}", err=True)
        failed = failed or not r.ok
    if scores and any(r.rows_written for r in results):
        from indicators.cli import ScoresError, recompute_and_publish

        try:
            _result, snapshot_id = recompute_and_publish(
                config, on_wait=lambda m: click.echo(m, err=True)
            )
            click.echo("scores recomputed")
        except ScoresError as exc:
            click.echo(f"scores not recomputed: {exc}", err=True)
            failed = True
    if snapshot_id:
        click.echo(f"published snapshot {snapshot_id}")
    else:
        click.echo("nothing published: the warehouse holds no data yet "
                   "(details: `roamwatch status --json`)")
    if snapshot_id and any(r.rows_written for r in results) and _installed(ALERTS_MODULE):
        failed = _check_alerts(config) or failed
    if not sources:
        _gaps_sentence(config)
    if failed:
        sys.exit(1)


#: After a collection that wrote rows, ``alerts.cli.after_collection(config, log)`` runs a check.
ALERTS_MODULE = "alerts.cli"


def _check_alerts(config) -> bool:
    """Run the alerts check after a collection; True when it failed (said on stderr)."""
    hook = importlib.import_module(ALERTS_MODULE).after_collection
    try:
        result = hook(config, lambda m: click.echo(m, err=True))
    except Exception as exc:  # noqa: BLE001 - the collection itself is done; say why, exit 1
        click.echo(f"alerts not checked: {exc}", err=True)
        return True
    if result is not None and result.snapshot_published:
        click.echo(f"published snapshot {result.snapshot_published}")
    return False


def _gaps_sentence(config) -> None:
    """After a bare collect: which categories no country can be scored in, and the fix."""
    if not _installed("indicators.coverage"):
        return
    from roamwatch.sourcelist import entries, gaps_sentence

    sentence = gaps_sentence(config, entries(config))
    if sentence:
        click.echo(sentence)


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
def status(ctx: click.Context, as_json: bool) -> None:
    """Show each collector's last run, its rows and errors, and how fresh its data is."""
    from roamwatch.warehouse.lock import LockTimeout
    from roamwatch.warehouse.queries import open_latest, unfinished_runs
    from roamwatch.warehouse.snapshot import NoSnapshot

    config = _config(ctx)
    writer, interrupted = unfinished_runs(config.warehouse_path, config.lock_path)
    try:
        with open_latest(config.serving_dir, config.warehouse_path, config.lock_path) as reader:
            frame = reader.collector_status()
            snapshot_id = reader.snapshot_id
            runs = reader.last_runs() if as_json else None
    except NoSnapshot as exc:
        raise click.ClickException(str(exc)) from exc
    except LockTimeout as exc:
        raise click.ClickException(
            f"nothing published yet and a writer holds the warehouse ({exc.holder}); "
            "try again when it finishes") from exc
    if as_json:
        collectors = json.loads(frame.to_json(orient="records", date_format="iso"))
        detail = {r["collector"]: r for r in json.loads(runs.to_json(orient="records",
                                                                     date_format="iso"))}
        for row in collectors:
            last = detail.get(row["collector"], {})
            row["failed_units"] = json.loads(last.get("failed_units") or "{}")
            row["details"] = json.loads(last.get("details") or "{}")
        click.echo(json.dumps({
            "snapshot_id": snapshot_id, "collectors": collectors, "writer": writer,
            "interrupted": json.loads(interrupted.to_json(orient="records", date_format="iso")),
        }, indent=2))
        return
    if writer:
        click.echo(f"a writer is running: {writer}")
    for run in interrupted.itertuples():
        click.echo(f"{run.collector:<14} run {run.id} interrupted: started {run.started_at:%Y-%m-%d %H:%M:%S}"
                   f"{f' by pid {int(run.pid)}' if not _isnull(run.pid) else ''}, its process ended "
                   "before the run finished (nothing of its unfinished unit was kept; the next "
                   "collection records it as failed)")
    click.echo(f"snapshot {snapshot_id}  (data dir {config.data_dir})")
    if frame.empty:
        click.echo("no collector has run yet: try `roamwatch collect`")
        return
    for row in frame.itertuples():
        last_ok = row.last_success.strftime("%Y-%m-%d %H:%M") if not _isnull(row.last_success) else "never"
        click.echo(
            f"{row.collector:<14} last run {row.run_id} {row.status:<8} "
            f"{row.started_at:%Y-%m-%d %H:%M}  rows {row.rows_written}, rejected {row.rows_rejected}, "
            f"failed units {row.units_failed}  | last success {last_ok}  "
            f"| {row.observations} observations, {row.events} events, "
            f"newest period {'-' if _isnull(row.newest_period) else row.newest_period}"
        )
        if not _isnull(row.error) and row.error:
            click.echo(f"{'':<14} error: {row.error}")


def _parse_settings(pairs: tuple[str, ...]) -> dict:
    import tomllib

    out = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise click.UsageError(f"--set expects KEY=VALUE, got {pair!r}")
        try:
            out[key.strip()] = tomllib.loads(f"v = {value}")["v"]
        except tomllib.TOMLDecodeError:
            out[key.strip()] = value
    return out


def _isnull(value: object) -> bool:
    import pandas as pd

    return value is None or bool(pd.isna(value))


@cli.command()
@click.option("--metric", "-m", "metrics", multiple=True,
              help="Metric id, or a prefix ending in * (repeatable). Default: all.")
@click.option("--country", "-c", "countries", multiple=True, help="ISO3 code (repeatable).")
@click.option("--from", "year_from", type=int, help="First year (inclusive).")
@click.option("--to", "year_to", type=int, help="Last year (inclusive).")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path),
              help="Write to this file (and its provenance to FILE.provenance.json) instead of stdout.")
@click.option("--scores", "scores", is_flag=True,
              help="Export the ROAM-X category and overall scores (with coverage, framework "
                   "coverage and rank range) instead of observations.")
@click.pass_context
def export(ctx, metrics, countries, year_from, year_to, output, scores) -> None:
    """Export observations (or, with --scores, ROAM-X scores) of the published snapshot as CSV.

    Text cells that a spreadsheet would run as a formula are prefixed with an apostrophe;
    numbers are written as numbers. Scores carry their coverage, their framework coverage
    (share of the framework's themes with a value) and their rank range under alternative
    aggregations, never a single rank: UNESCO's framework is not for ranking countries.

    \b
    Examples:
      roamwatch export -m worldbank.IT.NET.USER.ZS -c KEN -c UGA --from 2015
      roamwatch export -m 'worldbank.*' -o worldbank.csv
      roamwatch export --scores -c KEN --from 2018 -o kenya_scores.csv
    """
    from roamwatch.warehouse.queries import Reader
    from roamwatch.warehouse.snapshot import NoSnapshot

    config = _config(ctx)
    if scores and metrics:
        raise click.UsageError("--scores exports scores; do not combine it with --metric")
    try:
        with Reader.open(config.serving_dir) as reader:
            snapshot_id = reader.snapshot_id
            if scores:
                frame = _score_export(reader, countries, year_from, year_to)
                sources = reader.sources()
            else:
                frame = _observation_export(reader, metrics, countries, year_from, year_to)
                sources = reader.sources(sorted(frame["source"].unique()))
            synthetic = reader.synthetic
    except NoSnapshot as exc:
        raise click.ClickException(str(exc)) from exc
    if synthetic:
        from roamwatch.export import SYNTHETIC_NOTE

        click.echo(f"warning: {SYNTHETIC_NOTE}", err=True)
    _write_export(frame, output, snapshot_id, sources, synthetic)


def _observation_export(reader, metrics, countries, year_from, year_to):
    known = set(reader.metric_ids())
    unknown = [m for m in metrics if not m.endswith("*") and m not in known]
    if unknown:
        raise click.ClickException(
            f"unknown metric(s): {', '.join(unknown)}; see `roamwatch export --help` "
            "and the metric ids in `roamwatch status`"
        )
    return reader.observations(metrics, countries, year_from, year_to)


def _score_export(reader, countries, year_from, year_to):
    """Category and overall scores: value, coverage, framework coverage, rank range."""
    import json

    import pandas as pd

    frame = reader.scores(countries, [], ["category", "overall"])
    if year_from is not None:
        frame = frame[frame["year"] >= year_from]
    if year_to is not None:
        frame = frame[frame["year"] <= year_to]

    def robustness(details, key):
        try:
            return (json.loads(details).get("robustness") or {}).get(key)
        except (TypeError, ValueError):
            return None

    out = frame[["country", "country_name", "year", "level", "key", "value", "coverage",
                 "framework_coverage"]].copy()
    for column, key in (("rank_range_best", "best_rank"), ("rank_range_worst", "worst_rank"),
                        ("ranked_countries", "n_countries")):
        out[column] = pd.array([robustness(d, key) for d in frame["details"]], dtype="Int64")
    return out.reset_index(drop=True)


def _write_export(frame, output, snapshot_id, sources, synthetic: bool = False) -> None:
    from roamwatch.export import provenance, write_csv

    if output is None:
        write_csv(frame, sys.stdout)
        return
    with output.open("w", encoding="utf-8", newline="") as fh:
        write_csv(frame, fh)
    meta = output.with_name(output.name + ".provenance.json")
    meta.write_text(json.dumps(provenance(snapshot_id, sources, synthetic), indent=2),
                    encoding="utf-8")
    click.echo(f"wrote {len(frame)} rows to {output} (snapshot {snapshot_id}; provenance in {meta})",
               err=True)


# Commands that live beside the packages they drive; each module imports its heavy
# dependencies (Dash, APScheduler) inside the command, so `roamwatch --help` stays fast.
PLUGGED_COMMANDS = {
    "scores": "indicators.cli",
    "serve": "dashboard.cli",
    "brief": "dashboard.brief.cli",
    "schedule": "roamwatch.scheduler",
    "alerts": "alerts.cli",
    "sources": "roamwatch.sourcelist",
    "demo": "roamwatch.demo",
}


def _installed(module: str) -> bool:
    try:
        return importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is absent
        return False


for _name, _module in PLUGGED_COMMANDS.items():
    if _installed(_module):
        cli.add_command(getattr(importlib.import_module(_module), _name), _name)


def main() -> None:
    cli(obj={})


if __name__ == "__main__":
    main()
