"""``roamwatch demo``: a separate data directory filled with synthetic demo data.

Command wiring: :mod:`collectors.local_servers.demo` runs every collector against the local
stand-ins of the upstream APIs and small generated files (made-up values in the real shapes),
then the ROAM-X scores are computed and a snapshot published. The warehouse is marked
synthetic (``warehouse_meta``: ``synthetic = true``) before anything lands in it, so every
page, export, API handle and notebook on it says "synthetic demo data, not measurements".
It needs no network and nothing beyond roamwatch's own dependencies (no test extras).
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

if TYPE_CHECKING:
    from roamwatch.config import Config


def build(data_dir: Path, files_dir: Path | None = None, log: Callable[[str], None] = print,
          sources: tuple[str, ...] | None = None, scores: bool = True) -> dict[str, str]:
    """Fill ``data_dir`` with synthetic data from ``sources`` (default: every collector), then
    recompute the scores; returns each step's status (``success``, ``partial``, ``failed…``).
    The generated source files go to ``files_dir`` (default: ``demo-files`` inside it)."""
    import importlib.util

    from collectors.local_servers.demo import fill
    from roamwatch.config import load_config

    statuses = fill(data_dir, files_dir, log=log, sources=sources)
    if scores and importlib.util.find_spec("indicators.cli") is not None:
        statuses["scores"] = score_status(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
        log(f"scores: {statuses['scores']}")
    return statuses


def score_status(config: Config) -> str:
    """Recompute and publish the scores of ``config``'s data directory: ``success`` or
    ``failed: <why>``."""
    from indicators.cli import ScoresError, recompute_and_publish

    try:
        recompute_and_publish(config)
    except ScoresError as exc:
        return f"failed: {exc}"
    return "success"


@click.command("demo")
@click.option("--data-dir", type=click.Path(file_okay=False, path_type=Path),
              help="Where to put the demo data (default: demo/ inside the data directory). "
                   "Never a directory holding collected data.")
@click.pass_context
def demo(ctx: click.Context, data_dir: Path | None) -> None:
    """Fill a separate data directory with synthetic demo data: made-up values, not
    measurements, in the real shapes of every source, to try roamwatch without network.

    Every collector runs through its real code against local stand-ins of the public APIs
    (started and stopped by this command) and small generated files; the scores are
    computed and a snapshot published. Every dashboard page, export, API handle and notebook
    reading it says "synthetic demo data, not measurements".

    \b
    Examples:
      roamwatch demo --data-dir /tmp/roamwatch-demo
      ROAMWATCH_DATA_DIR=/tmp/roamwatch-demo roamwatch serve
    """
    from collectors.local_servers.demo import DemoRefused
    from roamwatch.config import ConfigError, load_config

    if data_dir is None:
        try:
            data_dir = load_config((ctx.obj or {}).get("config_path")).data_dir / "demo"
        except ConfigError as exc:
            raise click.ClickException(str(exc)) from exc
    data_dir = data_dir.expanduser().resolve()
    click.echo(f"filling {data_dir} with synthetic demo data (not measurements)", err=True)
    try:
        statuses = build(data_dir, log=lambda m: click.echo(m, err=True))
    except DemoRefused as exc:
        raise click.ClickException(str(exc)) from exc
    bad = {k: v for k, v in statuses.items() if v not in ("success", "partial")}
    click.echo(f"synthetic demo data in {data_dir}: not measurements; every page says so")
    click.echo(f"serve it: ROAMWATCH_DATA_DIR={data_dir} roamwatch serve")
    if bad:
        raise click.ClickException("demo steps failed: " + ", ".join(f"{k} ({v})" for k, v in bad.items()))
