"""The brief in the dashboard: ``/country/<ISO3>/brief`` (HTML, print-ready, ``?lang=fr``,
``?year=``) and ``/country/<ISO3>/brief.pdf`` (the same document as PDF).

Plain Flask routes beside Dash's pages: the brief is a document, not an app page, so it carries
no Dash shell and no script. ISO2 codes and names redirect to the ISO3 URL, as country pages do.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from html import escape
from pathlib import Path
from urllib.parse import urlencode

import flask

from dashboard import data, i18n
from dashboard.brief import Brief, BriefError, build, render, strings, to_pdf
from dashboard.brief.strings import brief_lang

#: Rendered PDFs kept per (snapshot, country, year, language): the button is often pressed twice.
PDF_CACHE = 8
_pdfs: OrderedDict[tuple, bytes] = OrderedDict()
#: One PDF at a time: WeasyPrint (Pango, fontconfig) is not documented as thread-safe, and a
#: rendering takes most of a core anyway.
_render_lock = threading.Lock()


def is_brief_path(path: str) -> bool:
    return path.startswith("/country/") and path.endswith(("/brief", "/brief.pdf"))


def _year(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    try:
        return int(raw)
    except ValueError:
        flask.abort(flask.Response(f"year must be a number, got {escape(raw)!r}\n", status=400,
                                   mimetype="text/plain"))
    return None


def _problem(lang: str, reason: str, status: int) -> flask.Response:
    text = escape(strings.t("brief.notfound", lang, reason=reason))
    body = (f'<!DOCTYPE html><html lang="{lang}" dir="{i18n.direction(lang)}"><head><meta charset="utf-8">'
            '<title>roamwatch</title>'
            f'</head><body><main><h1>roamwatch</h1><p>{text}</p><p><a href="/?lang={lang}">'
            f'{escape(i18n.t("notfound.home", lang))}</a></p></main></body></html>')
    return flask.Response(body, status=status, mimetype="text/html")


def _redirect(code: str, suffix: str) -> flask.Response | None:
    match = data.get().resolve_country(code)
    if match.status == "redirect":
        query = urlencode(list(flask.request.args.items(multi=True)))
        return flask.redirect(f"/country/{match.iso3}/{suffix}" + (f"?{query}" if query else ""), 302)
    return None


#: Where the served brief finds its stylesheet and print script (files beside this module).
ASSETS = "/brief/"
_HERE = Path(__file__).resolve().parent


def _requested_brief(code: str, suffix: str) -> tuple[Brief, str]:
    """The brief the request asks for and its language; any other answer ends the request
    through :func:`flask.abort`: no published data (503), a redirect to the ISO3 URL, an
    unknown country or a year it has no brief for (404)."""
    lang = brief_lang(i18n.lang_of(flask.request.args.get("lang")))
    svc = data.get()
    if not svc.available():
        flask.abort(_problem(lang, i18n.t("nodata.title", lang), 503))
    moved = _redirect(code, suffix)
    if moved is not None:
        flask.abort(moved)
    try:
        return build(svc, code, _year(flask.request.args.get("year"))), lang
    except BriefError as exc:
        flask.abort(_problem(lang, exc.text(lang), 404))


def register(server: flask.Flask) -> None:
    @server.route(ASSETS + "<name>")
    def brief_asset(name: str):  # noqa: ANN202
        kinds = {"brief.css": "text/css", "print.js": "text/javascript"}
        if name not in kinds:
            flask.abort(404)
        response = flask.send_file(_HERE / name, mimetype=kinds[name], max_age=3600)
        return response

    @server.route("/country/<code>/brief")
    def country_brief(code: str):  # noqa: ANN202
        brief, lang = _requested_brief(code, "brief")
        html = render(brief, lang, toolbar=True, base_path=f"/country/{brief.iso3}/brief", assets=ASSETS)
        return flask.Response(html, mimetype="text/html")

    @server.route("/country/<code>/brief.pdf")
    def country_brief_pdf(code: str):  # noqa: ANN202
        brief, lang = _requested_brief(code, "brief.pdf")
        key = (brief.snapshot_id, brief.iso3, brief.year, lang)
        with _render_lock:
            pdf = _pdfs.get(key)
            if pdf is None:
                pdf = to_pdf(brief, lang)[0]
                _pdfs[key] = pdf
                while len(_pdfs) > PDF_CACHE:
                    _pdfs.popitem(last=False)
            else:
                _pdfs.move_to_end(key)
        name = f"roamwatch_brief_{brief.iso3}_{brief.year or 'none'}_{lang}_{brief.snapshot_id}.pdf"
        response = flask.Response(pdf, mimetype="application/pdf")
        response.headers["Content-Disposition"] = f'inline; filename="{name}"'
        return response
