"""The page Dash shows for an unknown path (the server answers it with HTTP 404)."""

from __future__ import annotations

import difflib

import dash
from dash import html

from dashboard import i18n
from dashboard.components.layout import not_found_page
from dashboard.components.urlstate import build

dash.register_page(__name__, path="/404", name="Not found", title=i18n.titled("notfound.title"))

PAGES = {"/": "nav.world", "/compare": "nav.compare", "/data": "nav.data", "/sources": "nav.sources",
         "/methodology": "nav.methodology"}


def layout(lang: str | None = None, **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    # Dash passes no path to this layout; the browser's location is shown by the clientside title,
    # so list every page, nearest first when we can tell.
    path = str(_query.get("_path") or "")
    order = difflib.get_close_matches(path, list(PAGES), n=len(PAGES), cutoff=0) if path else list(PAGES)
    return not_found_page(lang, "page", path or "?", [
        (i18n.t(PAGES[p], lang), p + build({"lang": lang})) for p in order
    ])
