"""``roamwatch brief``: write a country's brief (PDF or HTML) from the published snapshot."""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed
from pathlib import Path

import click

from roamwatch.i18n import LANGS

FORMATS = ("pdf", "html")


@click.command("brief")
@click.argument("country", required=False)
@click.option("--year", type=int, help="The year (default: the latest year with a category score).")
@click.option("--lang", type=click.Choice(list(LANGS)), default="en", show_default=True,
              help="Language of the brief.")
@click.option("-o", "--output", type=click.Path(path_type=Path), required=True,
              help="FILE.pdf or FILE.html for one country; a directory with --all.")
@click.option("--all", "all_countries", is_flag=True,
              help="Every country with at least one scored category (in --year, if given).")
@click.option("--format", "fmt", type=click.Choice(FORMATS),
              help="With --all: pdf (default) or html.")
@click.option("--jobs", type=click.IntRange(1, 64), default=None,
              help="With --all: worker processes (default: the number of CPUs).")
@click.pass_context
def brief(ctx: click.Context, country: str | None, year: int | None, lang: str, output: Path,
          all_countries: bool, fmt: str | None, jobs: int | None) -> None:
    """Write the brief of COUNTRY (ISO3, ISO2 or name): a 2–4 page ROAM-X profile for national
    assessment teams, from the published snapshot, as PDF or HTML (by the file's extension).

    The brief states the snapshot it was made from; nothing is fetched from any other host while
    rendering. With --all, one file per country goes into the directory OUTPUT.

    \b
    Examples:
      roamwatch brief KEN -o kenya.pdf
      roamwatch brief KEN --year 2022 --lang fr -o kenya-2022-fr.html
      roamwatch brief --all -o briefs/
    """
    from roamwatch.config import ConfigError, load_config

    try:
        config = load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    if all_countries:
        if country:
            raise click.UsageError("give either COUNTRY or --all, not both")
        _all(config.serving_dir, year, lang, output, fmt or "pdf", jobs or os.cpu_count() or 1)
        return
    if not country:
        raise click.UsageError("name a COUNTRY (ISO3, e.g. KEN) or use --all")
    if fmt is not None:
        raise click.UsageError("--format goes with --all; for one country the file's extension decides")
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in FORMATS:
        raise click.UsageError(f"OUTPUT must end in .pdf or .html (got {output.name!r})")
    started = time.perf_counter()
    from roamwatch.warehouse.snapshot import current_snapshot_id

    snapshot_id = current_snapshot_id(config.serving_dir)
    if snapshot_id is None:
        raise click.ClickException(
            f"no published data in {config.serving_dir}: run `roamwatch collect` first")
    result = _write(config.serving_dir, snapshot_id, country, year, lang, output, suffix,
                    whole_tables=False)
    if result["error"]:
        raise click.ClickException(result["error"])
    pages = f", {result['pages']} pages" if result["pages"] else ""
    click.echo(f"wrote {output} ({result['iso3']} {result['year']}, {lang}{pages}, snapshot "
               f"{result['snapshot']}) in {time.perf_counter() - started:.1f} s", err=True)


# -- one brief ---------------------------------------------------------------------------------------
_service = None


def _svc(serving_dir: Path, snapshot_id: str | None, whole_tables: bool = True):
    """One data service per process (workers reuse it for every country they write; a single
    brief asks for its one country's rows instead of every country's tables)."""
    global _service
    from dashboard import data

    if (_service is None or _service.pinned != snapshot_id or _service.serving_dir != serving_dir
            or _service.whole_tables != whole_tables):
        _service = data.DataService(serving_dir, check_interval=3600, snapshot_id=snapshot_id,
                                    whole_tables=whole_tables)
    return _service


def _write(serving_dir: Path, snapshot_id: str | None, code: str, year: int | None, lang: str,
           output: Path, fmt: str, whole_tables: bool = True) -> dict:
    """Write one brief; returns what happened (never raises for a data problem)."""
    from dashboard.brief import BriefError, build, render, to_pdf
    from roamwatch.warehouse.snapshot import NoSnapshot

    started = time.perf_counter()
    out = {"code": code, "iso3": None, "year": year, "snapshot": snapshot_id, "pages": None,
           "path": str(output), "error": None, "seconds": 0.0}
    try:
        svc = _svc(serving_dir, snapshot_id, whole_tables)
        doc = build(svc, code, year)
        out.update(iso3=doc.iso3, year=doc.year, snapshot=doc.snapshot_id)
        if fmt == "pdf":
            data, out["pages"] = to_pdf(doc, lang)
        else:
            data = render(doc, lang).encode("utf-8")
        output.parent.mkdir(parents=True, exist_ok=True)
        tmp = output.with_name(f".{output.name}.{os.getpid()}.tmp")
        tmp.write_bytes(data)
        os.replace(tmp, output)
    except (BriefError, NoSnapshot) as exc:
        out["error"] = str(exc)
    except OSError as exc:
        out["error"] = f"cannot write {output}: {exc}"
    out["seconds"] = round(time.perf_counter() - started, 3)
    return out


# -- every country --------------------------------------------------------------------------------------
def scored_countries(serving_dir: Path, year: int | None) -> tuple[str, list[str]]:
    """The snapshot id and the countries with at least one category score (in ``year``)."""
    from dashboard.brief.model import BriefError
    from roamwatch.warehouse import brief_queries as bq
    from roamwatch.warehouse.queries import Reader
    from roamwatch.warehouse.snapshot import NoSnapshot

    try:
        with Reader.open(serving_dir) as reader:
            return reader.snapshot_id, bq.scored_countries(reader, year)
    except NoSnapshot as exc:
        raise BriefError(str(exc)) from exc


def _all(serving_dir: Path, year: int | None, lang: str, output: Path, fmt: str, jobs: int) -> None:
    from dashboard.brief.model import BriefError

    if output.suffix.lower() in (".pdf", ".html"):
        raise click.UsageError("with --all, OUTPUT is a directory (e.g. briefs/)")
    try:
        snapshot_id, countries = scored_countries(serving_dir, year)
    except BriefError as exc:
        raise click.ClickException(str(exc)) from exc
    if not countries:
        raise click.ClickException(
            f"no country has a scored category{f' in {year}' if year else ''} in snapshot {snapshot_id}: "
            "run `roamwatch collect` (it recomputes the scores)")
    output.mkdir(parents=True, exist_ok=True)
    suffix = "" if lang == "en" else f"_{lang}"
    tasks = [(serving_dir, snapshot_id, iso3, year, lang, output / f"{iso3}{suffix}.{fmt}", fmt)
             for iso3 in countries]
    started = time.perf_counter()
    results = []
    click.echo(f"writing {len(tasks)} briefs ({fmt}, {lang}) from snapshot {snapshot_id} with {jobs} "
               f"process{'es' if jobs > 1 else ''} into {output}", err=True)
    if jobs == 1:
        for task in tasks:
            results.append(_write(*task))
            _progress(results, len(tasks))
    else:
        context = multiprocessing.get_context("spawn")  # no DuckDB or Pango state crosses a fork
        with ProcessPoolExecutor(jobs, mp_context=context) as pool:
            futures = [pool.submit(_write, *task) for task in tasks]
            for future in as_completed(futures):
                results.append(future.result())
                _progress(results, len(tasks))
    elapsed = time.perf_counter() - started
    failed = [r for r in results if r["error"]]
    pages = [r["pages"] for r in results if r["pages"]]
    click.echo("", err=True)
    summary = f"wrote {len(results) - len(failed)} of {len(results)} briefs in {elapsed:.1f} s"
    if pages:
        summary += f"; pages {min(pages)}–{max(pages)}"
    click.echo(summary, err=True)
    for r in failed:
        click.echo(f"  {r['code']}: {r['error']}", err=True)
    if failed:
        sys.exit(1)


def _progress(results: list[dict], total: int) -> None:
    if sys.stderr.isatty():
        click.echo(f"\r{len(results)}/{total}", err=True, nl=False)
