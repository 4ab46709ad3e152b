"""The Dash app: shell (header, language menu, footer with the snapshot id), pages, downloads.

Everything the browser loads comes from this server: Dash's own bundles (``serve_locally``), our
CSS and the map geometry in ``assets/``; no external stylesheet, CDN or font. Every request
passes :mod:`dashboard.guard` first (limits, security headers); callbacks check what the
browser sent with :mod:`dashboard.components.inputs`.
"""

from __future__ import annotations

import functools
import logging
import re
from html import escape
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import dash
import flask
from dash import MATCH, Input, Output, State, dcc, html
from dash.exceptions import DependencyException

from dashboard import checks, data, downloads, feeds, guard, i18n
from dashboard.brief import routes as brief_routes
from dashboard.components import inputs
from dashboard.components.layout import synthetic_banner
from dashboard.components.urlstate import build, parse, safe_path
from roamwatch.config import Config, load_config
from roamwatch.i18n import LANGUAGES, N_

HERE = Path(__file__).resolve().parent
NAV = (("/", "nav.world"), ("/compare", "nav.compare"), ("/data", "nav.data"),
       ("/alerts", "nav.alerts"), ("/sources", "nav.sources"), ("/methodology", "nav.methodology"))
#: Paths served by Dash pages (others answer the not-found page with HTTP 404).
PAGE_PATHS = {"/", "/compare", "/data", "/sources", "/methodology", "/alerts"}
#: Path prefixes that are never pages: an unknown path under them is 404, not the app shell.
RESERVED_PREFIXES = ("/_", "/assets/", "/download/", "/static/")
APP_TITLE = "roamwatch"
DESCRIPTION = i18n.MESSAGES["site.description"]


def shell() -> html.Div:
    return html.Div([
        dcc.Location(id="url", refresh="callback-nav"),
        html.Header(id="rw-header", className="rw-header", children=_header("/", "")),
        html.Div(id="rw-banner", children=_banner("en")),
        html.Main(dash.page_container, id="rw-main", className="rw-main", tabIndex="-1"),
        html.Footer(id="rw-footer", className="rw-footer", children=_footer("en")),
        dcc.Store(id="rw-lang", data={"lang": "en", "dir": "ltr"}),
        html.Div(id="rw-lang-sink", hidden=True),
    ], className="rw-shell")


def _header(pathname: str, search: str) -> list:
    pathname = safe_path(pathname)
    query = parse(search)
    lang = i18n.lang_of(query.get("lang"))
    links = []
    for path, key in NAV:
        active = pathname == path or (path != "/" and pathname.startswith(path))
        label = [i18n.t(key, lang)]
        if active:  # dcc.Link takes no aria-current; say it in text for screen readers
            label.append(html.Span(" " + i18n.t("nav.current", lang), className="rw-sr-only"))
        links.append(html.Li(dcc.Link(label, href=path + build({"lang": lang}),
                                      className="rw-nav-link active" if active else "rw-nav-link")))
    switch = language_menu(pathname, query, lang)
    return [
        html.A(i18n.t("Skip to content", lang), href="#rw-main", className="rw-skip"),
        dcc.Link([html.Span("roamwatch", className="rw-brand-name"),
                  html.Span(i18n.t("site.tagline", lang), className="rw-brand-tag")],
                 href="/" + build({"lang": lang}), className="rw-brand"),
        html.Nav(html.Ul(links), **{"aria-label": i18n.t("nav.main", lang)}, className="rw-nav"),
        switch,
    ]


def language_menu(pathname: str, query: dict[str, str], lang: str) -> html.Details:
    """The six languages as links to this same view (path and query kept, ``lang`` replaced);
    each name in its own language, marked with its ``lang`` so screen readers pronounce it.
    Plain links (a full page load): the server then writes the new ``<html lang dir>`` itself."""
    current = LANGUAGES[lang]
    items = []
    for language in LANGUAGES.values():
        chosen = language.code == lang
        link = html.A(language.name, href=pathname + build({**query, "lang": language.code}),
                        lang=language.code, hrefLang=language.code, dir=language.direction,
                        className="rw-lang-link active" if chosen else "rw-lang-link",
                        id=f"rw-lang-{language.code}")
        items.append(html.Li([link, html.Span(" " + i18n.t("nav.current", lang), className="rw-sr-only")]
                             if chosen else link))
    return html.Details([
        html.Summary(current.name,
                     id="rw-lang-switch", className="rw-lang",
                     title=i18n.t("Language", lang), **{"aria-label": i18n.t("Language", lang)}),
        html.Ul(items, className="rw-lang-list"),
    ], className="rw-lang-menu", id="rw-lang-menu")


def _banner(lang: str) -> list:
    """What every page says above its content about the data as a whole: synthetic or not."""
    return [synthetic_banner(lang)] if data.get().synthetic() else []


def _footer(lang: str) -> list:
    svc = data.get()
    snapshot = svc.snapshot_id()
    stamp = (i18n.t("footer.snapshot", lang, snapshot=snapshot) if snapshot
             else i18n.t("footer.nosnapshot", lang))
    return [
        html.P([html.Span(stamp, id="rw-snapshot", **{"data-snapshot": snapshot or ""})]),
        html.P([i18n.t("footer.note", lang), i18n.sentence_gap(lang),
                dcc.Link(i18n.t("footer.method", lang), href="/methodology" + build({"lang": lang}))],
               id="rw-note"),
    ]


@dash.callback(
    Output("rw-header", "children"),
    Output("rw-banner", "children"),
    Output("rw-footer", "children"),
    Output("rw-lang", "data"),
    Input("url", "pathname"),
    Input("url", "search"),
)
@inputs.checked(inputs.pathname, inputs.search)
def _update_shell(pathname, search):
    lang = i18n.lang_of(parse(search).get("lang"))
    return (_header(pathname or "/", search or ""), _banner(lang), _footer(lang),
            {"lang": lang, "dir": i18n.direction(lang), "labels": builtin_labels(lang)})


#: Words Dash's components write in English with no property to change them: the buttons of a
#: number input (``dcc.Input(type="number")``) are labelled "Decrease value" / "Increase value"
#: for screen readers. ``assets/roamwatch.js`` relabels them from the page language's words.
BUILTIN_LABELS = (N_("Decrease value"), N_("Increase value"))


def builtin_labels(lang: str) -> dict[str, str]:
    return {label: i18n.t(label, lang) for label in BUILTIN_LABELS}


# The language the server chose (from ?lang= or Accept-Language) on <html>, as the page changes,
# and the words components write themselves (relabelled by assets/roamwatch.js).
dash.clientside_callback(
    """function(chosen) {
        if (chosen && chosen.lang) {
            document.documentElement.lang = chosen.lang;
            document.documentElement.dir = chosen.dir || "ltr";
            if (window.roamwatchRelabel) { window.roamwatchRelabel(chosen.labels || {}); }
        }
        return window.dash_clientside.no_update;
    }""",
    Output("rw-lang-sink", "children"),
    Input("rw-lang", "data"),
)

# SVG download of any chart card: Plotly.downloadImage on the graph inside "<card id>-wrap".
dash.clientside_callback(
    """function(n, filename) {
        const trig = window.dash_clientside.callback_context.triggered_id;
        if (!n || !trig) { return window.dash_clientside.no_update; }
        const wrap = document.getElementById(trig.index + "-wrap");
        const gd = wrap && wrap.querySelector(".js-plotly-plot");
        if (gd && window.Plotly) {
            window.Plotly.downloadImage(gd, {format: "svg", filename: filename || "roamwatch",
                                             width: gd.offsetWidth, height: gd.offsetHeight});
        }
        return window.dash_clientside.no_update;
    }""",
    Output({"type": "rw-svg", "index": MATCH}, "name"),
    Input({"type": "rw-svg", "index": MATCH}, "n_clicks"),
    State({"type": "rw-svg", "index": MATCH}, "value"),
    prevent_initial_call=True,
)


def http_status(path: str, args: dict[str, str]) -> int:
    """The HTTP status of a page URL: 404 for unknown paths, countries, metrics and years."""
    svc = data.get()
    if not svc.available():
        return 200
    lang = i18n.lang_of(args.get("lang"))
    try:
        if path.startswith("/country/"):
            return 404 if checks.country(path[len("/country/"):], lang) else 200
        if path not in PAGE_PATHS:
            return 404
        if path == "/alerts":
            return _alerts_status(args)
        check = {"/": checks.world, "/compare": checks.compare, "/data": checks.data_page}.get(path)
        return 404 if check and check(args, lang) else 200
    except Exception:  # noqa: BLE001 - the page itself will show what is wrong
        return 200


def page_title_of(path: str) -> str:
    """The tab title of a page URL (in the request's language): the one Dash's page router sets
    once the page's scripts run, so the first HTML carries it already."""
    path = safe_path(path)
    pages = list(dash.page_registry.values())
    for page in pages:
        template = page.get("path_template")
        found = re.fullmatch(re.sub(r"<(\w+)>", r"(?P<\1>[^/]+)", template), path) if template else None
        if found or (not template and page["path"] == path):
            break
    else:
        page = next((p for p in pages if p["module"].endswith("not_found_404")), None)
        found = None
    title = page["title"] if page else APP_TITLE
    if callable(title):
        return title(**found.groupdict()) if found else title()
    return str(title)


def _alerts_status(args: dict[str, str]) -> int:
    """400 for malformed alert filters, 404 for an unknown country."""
    from dashboard.components import alerts

    if alerts.problems(args):
        return 400
    return 404 if alerts.unknown_country(args) else 200


def _register_routes(app: dash.Dash) -> None:
    server = app.server
    downloads.register(server)
    feeds.register(server)
    brief_routes.register(server)

    @server.errorhandler(DependencyException)
    def _no_such_dependency(_exc):  # noqa: ANN202
        """Dash raises this for unknown files under ``/_dash-component-suites/``: not found, and
        no list of every registered path in the answer or the log."""
        return flask.Response("404 Not Found\n", status=404, mimetype="text/plain")

    @server.before_request
    def _reserved_paths():  # noqa: ANN202
        """Dash's catch-all route answers any path with the app shell; under the prefixes that
        are never pages (downloads, assets, Dash's own routes) an unknown path is 404."""
        rule = flask.request.url_rule
        if (rule is None or rule.rule == "/<path:path>") and \
                flask.request.path.startswith(RESERVED_PREFIXES):
            return flask.Response("404 Not Found\n", status=404, mimetype="text/plain")
        return None

    @server.before_request
    def _canonical_country():  # noqa: ANN202
        """``/country/KE`` and ``/country/kenya`` answer a redirect to ``/country/KEN``."""
        path = flask.request.path
        if (flask.request.method != "GET" or not path.startswith("/country/")
                or brief_routes.is_brief_path(path)):
            return None
        svc = data.get()
        if not svc.available():
            return None
        match = svc.resolve_country(path[len("/country/"):])
        if match.status == "redirect":
            query = urlencode(list(flask.request.args.items(multi=True)))
            return flask.redirect(f"/country/{match.iso3}" + (f"?{query}" if query else ""), 302)
        return None

    @server.after_request
    def _html_language(response: flask.Response) -> flask.Response:
        """The page's first HTML already says its language and direction (``<html lang dir>``),
        before any script runs; ``Vary`` tells caches the answer depends on Accept-Language."""
        if response.mimetype == "text/html" and not response.direct_passthrough:
            lang = i18n.lang_of(flask.request.args.get("lang"))
            body = response.get_data(as_text=True)
            if body.startswith(("<!DOCTYPE html>", "<!doctype html>")) and "<html>" in body[:200]:
                body = body.replace("<html>", f'<html lang="{lang}" dir="{i18n.direction(lang)}">', 1)
                # the tab title and the description in the page's language too (the page
                # router sets the same title again on every change of page)
                body = body.replace(f"<title>{APP_TITLE}</title>",
                                    f"<title>{escape(page_title_of(flask.request.path))}</title>", 1)
                body = body.replace(f'content="{DESCRIPTION}"',
                                    f'content="{escape(i18n.t(DESCRIPTION, lang))}"', 1)
                response.set_data(body)
            response.vary.add("Accept-Language")
        return response

    @server.after_request
    def _not_found_status(response: flask.Response) -> flask.Response:
        """Pages are served by Dash's catch-all route with 200; unknown things get 404."""
        path = flask.request.path
        if (flask.request.method == "GET" and response.status_code == 200
                and response.mimetype == "text/html"
                and not path.startswith(("/_", "/assets/", "/download/"))
                and not brief_routes.is_brief_path(path)):
            response.status_code = http_status(path, dict(flask.request.args))
        return response


def _normalised_layout(layout: Any) -> Any:
    """Wrap a page's ``layout(**kwargs)``: a query parameter given twice reaches Dash as a list;
    the page gets the last value, as :func:`urlstate.parse` reads URLs everywhere else."""
    if not callable(layout) or getattr(layout, "_roamwatch_normalised", False):
        return layout

    @functools.wraps(layout)
    def wrapper(**kwargs: Any) -> Any:
        return layout(**{k: (v[-1] if v else None) if isinstance(v, list) else v
                         for k, v in kwargs.items()})

    wrapper._roamwatch_normalised = True  # type: ignore[attr-defined]
    return wrapper


def style_hashes() -> list[str]:
    """CSP hashes of the style elements Dash's bundles insert (``csp_styles.txt``; regenerate
    with ``python -m tests.csp_styles``)."""
    lines = (HERE / "csp_styles.txt").read_text(encoding="utf-8").splitlines()
    return [line.split()[0] for line in lines if line.startswith("'sha")]


def _guard(app: dash.Dash, config: Config) -> guard.Guard:
    settings = config.raw.get("dashboard", {})
    frame_ancestors = str(settings.get("frame_ancestors") or "'none'")
    styles = None if settings.get("csp_style_inline") else style_hashes()

    def csp() -> str:
        return guard.content_security_policy(app.csp_hashes(), frame_ancestors, styles)

    def known_outputs() -> set[str]:
        return set(app.callback_map)

    return guard.Guard(app.server.wsgi_app, guard.Limits.from_settings(settings), csp=csp,
                       frame_ancestors=frame_ancestors, public_host=settings.get("public_host") or None,
                       known_outputs=known_outputs)


def create_app(config: Config | None = None) -> dash.Dash:
    """Build the app for a configuration (default: :func:`roamwatch.config.load_config`)."""
    config = config or load_config()
    logger = logging.getLogger("roamwatch.dashboard")
    if not logger.handlers:  # one line per refused request, on stderr like the rest
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("roamwatch dashboard: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False
    data.configure(config.serving_dir)
    app = dash.Dash(
        "dashboard",
        use_pages=True,
        pages_folder=str(HERE / "pages"),
        assets_folder=str(HERE / "assets"),
        serve_locally=True,
        suppress_callback_exceptions=True,
        title=APP_TITLE,
        update_title=None,
        # No og:/twitter: tags: Dash would write the request URL (and its Host) into them.
        include_pages_meta=False,
        # Every page layout also gets the path, so the not-found page can name it.
        routing_callback_inputs={"_path": State("_pages_location", "pathname")},
        meta_tags=[{"name": "viewport", "content": "width=device-width, initial-scale=1"},
                   {"name": "description", "content": DESCRIPTION}],
    )
    app.layout = shell
    _register_routes(app)
    for page in dash.page_registry.values():
        page["layout"] = _normalised_layout(page.get("layout"))
    # Dash completes its setup (callback map, pages router) on the first request; do it now,
    # so the guard knows every callback before the first request arrives.
    with app.server.test_request_context("/"):
        app.server.preprocess_request()
    app.server.wsgi_app = _guard(app, config)
    return app
