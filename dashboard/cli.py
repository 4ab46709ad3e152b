"""``roamwatch serve``: run the dashboard (waitress by default, Dash's dev server with --debug)."""

from __future__ import annotations

import click


@click.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Interface to bind. The default serves this machine only; use 0.0.0.0 to expose it.")
@click.option("--port", default=8050, show_default=True, type=click.IntRange(1, 65535), help="TCP port.")
@click.option("--threads", default=8, show_default=True, type=click.IntRange(1, 256),
              help="Worker threads (waitress).")
@click.option("--debug", is_flag=True, help="Use Dash's development server (reloader, error pages).")
@click.pass_context
def serve(ctx: click.Context, host: str, port: int, threads: int, debug: bool) -> None:
    """Serve the dashboard on http://HOST:PORT/ from the published data snapshot.

    The dashboard reads the current snapshot (see `roamwatch status`) and switches to a newer
    one between requests, so `roamwatch collect` can run while it serves. Every file the browser
    needs is served locally: the dashboard works offline.

    \b
    Examples:
      roamwatch serve
      roamwatch serve --port 8080
      roamwatch serve --host 0.0.0.0 --port 80   # expose on the network
    """
    from roamwatch.config import ConfigError, load_config

    try:
        config = load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc

    from dashboard.app import create_app

    app = create_app(config)
    click.echo(f"roamwatch dashboard on http://{host}:{port}/ (data: {config.serving_dir})", err=True)
    if debug:
        app.run(host=host, port=port, debug=True)
        return
    from waitress import serve as waitress_serve

    # No Server header (ident=""). Waitress answers requests beyond its own hard limits itself,
    # before the app's guard (dashboard/guard.py) sees them: keep those limits above the guard's.
    waitress_serve(app.server, host=host, port=port, threads=threads, ident="",
                   max_request_header_size=256 << 10, max_request_body_size=64 << 20,
                   recv_bytes=256 << 10)
