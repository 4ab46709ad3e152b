"""``roamwatch sources``: every source, how it is collected, whether it is set up, what it feeds.

Command wiring: it joins the collector registry (how each source is read, its licence and the file
its provider publishes), the configuration, the newest data (current snapshot) and the ROAM-X
catalogue (which categories and indicators each source feeds). ``roamwatch collect`` ends with
:func:`gaps_sentence` built from the same pieces.
"""

from __future__ import annotations

import json
import textwrap
from dataclasses import asdict, dataclass, field
from typing import Any

import click

from roamwatch.config import Config


@dataclass
class SourceEntry:
    """One row of ``roamwatch sources``."""

    name: str
    title: str
    kind: str  # "API", "file" or "API or file"
    setup: str  # how it is configured right now, in words
    setup_short: str  # the same in a word or two, for the table
    enabled: bool
    runs_in_bare_collect: bool
    licence: str
    collected_from: str = ""
    last_run: str | None = None
    last_status: str | None = None
    last_success: str | None = None
    newest_period: str | None = None
    observations: int = 0
    events: int = 0
    feeds: dict[str, list[str]] = field(default_factory=dict)  # category → indicator ids
    download_page: str | None = None
    download_what: str | None = None
    import_command: str = ""  # how a person gets its data in
    file_command: str | None = None  # the import of the provider's file, if the source reads one

    @property
    def has_data(self) -> bool:
        return bool(self.observations or self.events)


def _text(value: Any) -> str | None:
    import pandas as pd

    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:%M")
    return str(value)


def _status(config: Config) -> dict[str, dict]:
    """Per collector: its last run and the data it holds, from the newest readable state."""
    from roamwatch.warehouse.lock import LockTimeout
    from roamwatch.warehouse.queries import open_latest
    from roamwatch.warehouse.snapshot import NoSnapshot

    try:
        with open_latest(config.serving_dir, config.warehouse_path, config.lock_path) as reader:
            frame = reader.collector_status()
    except (NoSnapshot, LockTimeout):
        return {}
    return {row["collector"]: row for row in frame.to_dict("records")}


def _feeds() -> dict[str, dict[str, list[str]]]:
    """Source → category → the catalogue indicators it feeds (empty without the catalogue)."""
    try:
        from indicators.catalogue import CatalogueError, load_catalogue
        from indicators.coverage import feeds
    except ImportError:
        return {}
    try:
        catalogue = load_catalogue()
    except CatalogueError:
        return {}
    out: dict[str, dict[str, list[str]]] = {}
    for source, indicators in feeds(catalogue).items():
        for indicator in indicators:
            out.setdefault(source, {}).setdefault(indicator.category, []).append(indicator.id)
    return out


def entries(config: Config) -> list[SourceEntry]:
    """Every registered source, as ``roamwatch sources`` shows it."""
    from collectors import registry

    status = _status(config)
    feeds = _feeds()
    out = []
    for name, cls in registry().items():
        settings = config.source(name, cls.defaults)
        enabled = bool(settings.get("enabled", True))
        file_only = bool(getattr(cls, "file_source", False))
        kind = "file" if file_only else ("API or file" if cls.reads_files else "API")
        url, files = settings.get("url"), settings.get("files")
        published = cls.published_file
        if not enabled:
            setup, short = f"disabled ([sources.{name}].enabled = false)", "disabled"
        elif file_only and url and url == cls.defaults.get("url"):
            setup, short = (f"default URL {url} (unverified until an import from it succeeds)",
                            "default URL")
        elif file_only and url:
            setup, short = f"URL {url}", "URL"
        elif file_only and files:
            setup = f"files: {', '.join(map(str, files if isinstance(files, list) else [files]))}"
            short = "files"
        elif file_only:
            setup, short = "not configured: import the file", "not set up"
        else:
            setup, short = f"API {settings.get('base_url', '')}".strip(), "API"
        row = status.get(name, {})
        example = published.example if published else "FILE"
        file_command = f"roamwatch collect {name} --file {example}" if cls.reads_files else None
        out.append(SourceEntry(
            name=name,
            title=cls.source.name,
            kind=kind,
            setup=setup,
            setup_short=short,
            enabled=enabled,
            runs_in_bare_collect=enabled and (not file_only or bool(url or files)),
            licence=cls.source.licence,
            collected_from=cls.collected_from,
            last_run=_text(row.get("started_at")),
            last_status=_text(row.get("status")),
            last_success=_text(row.get("last_success")),
            newest_period=_text(row.get("newest_period")),
            observations=int(row.get("observations") or 0),
            events=int(row.get("events") or 0),
            feeds=feeds.get(name, {}),
            download_page=published.page if published else None,
            download_what=published.what if published else None,
            import_command=file_command if file_only else f"roamwatch collect {name}",
            file_command=file_command,
        ))
    return sorted(out, key=lambda e: e.name)


def gaps_sentence(config: Config, rows: list[SourceEntry]) -> str | None:
    """One sentence naming the ROAM-X categories that will be "insufficient data" in every
    country because a source feeding them holds no data yet, and the command that fixes it;
    None when every category can be scored with the data at hand."""
    try:
        from indicators.catalogue import CATEGORY_NAMES, CatalogueError, load_catalogue
        from indicators.coverage import gaps, reachable_coverage
        from indicators.recompute import Settings
    except ImportError:
        return None
    try:
        catalogue = load_catalogue()
        settings = Settings.from_config(config.raw)
    except (CatalogueError, ValueError):
        return None
    threshold = catalogue.threshold if settings.threshold is None else settings.threshold
    have = {r.name for r in rows if r.has_data}
    found = gaps(catalogue, have, threshold, settings.weights)
    if not found:
        return None
    by_name = {r.name: r for r in rows}
    missing = sorted({s for g in found for s in g.missing if s in by_name})
    # the one source that leaves the fewest categories short (then: the largest gain)
    def left_after(source: str) -> tuple[int, float]:
        after = gaps(catalogue, have | {source}, threshold, settings.weights)
        gain = sum(reachable_coverage(catalogue, have | {source}, settings.weights).values())
        return len(after), -gain

    categories = [f"{CATEGORY_NAMES[g.category][0]} ({g.category})" for g in found]
    listed = ", ".join(categories[:-1]) + (" and " if len(categories) > 1 else "") + categories[-1]
    if not missing:
        return (f"{listed} cannot be scored with the catalogue's sources at the {threshold:.0%} "
                "coverage threshold.")
    best = by_name[min(missing, key=left_after)]
    if best.kind == "API":
        fix = ("run `roamwatch collect` again once the network is back (`roamwatch demo` fills "
               "a separate data directory with synthetic data to try roamwatch offline)")
    else:
        fix = (f"import {best.name} first: download {best.download_what or 'its file'} from "
               f"{best.download_page} and run `{best.file_command}` (`roamwatch sources` says "
               "what to download for each)")
    verb = "is" if len(categories) == 1 else "are"
    return (f"{listed} {verb} \"insufficient data\" in every country until "
            f"{', '.join(missing)} hold{'s' if len(missing) == 1 else ''} data: {fix}.")


@click.command("sources")
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.pass_context
def sources(ctx: click.Context, as_json: bool) -> None:
    """Every source: API or file, how it is set up, its last success and newest data, its
    licence, the ROAM-X categories and indicators it feeds, and for file sources where to
    download the file and the exact command that imports it.

    \b
    Examples:
      roamwatch sources
      roamwatch sources --json
    """
    from roamwatch.config import ConfigError, load_config

    try:
        config = load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    rows = entries(config)
    if as_json:
        click.echo(json.dumps([asdict(r) | {"has_data": r.has_data} for r in rows], indent=2))
        return
    width = max(len(r.name) for r in rows)
    click.echo(f"{'source':<{width}}  {'kind':<11}  {'set up':<11}  {'last success':<16}  "
               f"{'newest':<10}  feeds (categories: indicators)")
    for r in rows:
        feeds = " ".join(f"{c[:3]}:{len(ids)}" for c, ids in r.feeds.items())
        click.echo(f"{r.name:<{width}}  {r.kind:<11}  {r.setup_short:<11}  "
                   f"{r.last_success or 'never':<16}  {(r.newest_period or '-')[:10]:<10}  "
                   f"{feeds or '-'}")
    for r in rows:
        click.echo("")
        click.echo(f"{r.name}: {r.title}")
        _field("how", f"{r.kind}" + (f": {r.collected_from}" if r.collected_from else ""))
        _field("set up", r.setup)
        state = "no data yet" if not r.has_data else \
            f"{r.observations:,} observations, {r.events:,} events, newest {r.newest_period}"
        last = f"last run {r.last_run} {r.last_status}; " if r.last_run else ""
        _field("data", f"{last}{state}")
        _field("licence", r.licence)
        for category, ids in r.feeds.items():
            _field(f"feeds {category[:3]}", ", ".join(ids))
        if r.download_page:
            _field("download", f"{r.download_what}, from {r.download_page}")
        if r.kind == "API or file":
            _field("collect", f"{r.import_command}   (or, from the file: {r.file_command})")
        else:
            _field("import" if r.kind == "file" else "collect", r.import_command)
    sentence = gaps_sentence(config, rows)
    if sentence:
        click.echo("")
        click.echo(sentence)


def _field(label: str, text: str) -> None:
    click.echo(textwrap.fill(text, width=100, initial_indent=f"  {label:<10} ",
                             subsequent_indent=" " * 13, break_on_hyphens=False,
                             break_long_words=False))
