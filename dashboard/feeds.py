"""Atom feeds of the alerts, as plain HTTP routes served with the pages:

- ``/alerts.atom``: every alert, newest first (``?rule=``, ``?state=``, ``?lang=fr`` narrow it);
- ``/country/<ISO3>/alerts.atom``: one country's alerts.

Bad parameters get HTTP 400, an unknown country 404, a country given by ISO2 code or name a
redirect to its ISO3 feed; without published data, 503.
"""

from __future__ import annotations

from urllib.parse import urlencode

import flask

from alerts.feed import atom
from dashboard import data
from roamwatch.i18n import LANGS
from roamwatch.warehouse import alerts as wq

FEED_SIZE = 100
PARAMS = {"lang", "rule", "state"}


def _text(status: int, message: str) -> flask.Response:
    return flask.Response(message + "\n", status=status, mimetype="text/plain")


def _feed(iso3: str | None) -> flask.Response:
    svc = data.get()
    reader = svc.reader()
    if reader is None:
        return _text(503, "No data published yet: run `roamwatch collect` first.")
    args = flask.request.args
    unknown = sorted(set(args) - PARAMS)
    if unknown:
        return _text(400, f"unknown parameter {unknown[0]!r}; known: {', '.join(sorted(PARAMS))}")
    lang = args.get("lang", "en")
    if lang not in LANGS:
        return _text(400, f"lang must be one of {', '.join(LANGS)}")
    state = args.get("state")
    if state is not None and state not in wq.STATES:
        return _text(400, f"state must be one of {', '.join(wq.STATES)}")
    rule = args.get("rule")
    if rule is not None and rule not in set(svc.cached(_rules)):
        return _text(400, f"no alerts of rule {rule!r} in this snapshot")
    suffix = None
    if iso3 is not None:
        match = svc.resolve_country(iso3)
        if match.status == "missing":
            return _text(404, f"no country {iso3!r}")
        if match.status == "redirect":
            query = urlencode(list(args.items(multi=True)))
            return flask.redirect(f"/country/{match.iso3}/alerts.atom" + (f"?{query}" if query else ""), 301)
        iso3 = match.iso3
        suffix = svc.country_name(iso3, lang)
    frame = svc.cached(_alerts, iso3, rule, state)
    root = flask.request.url_root
    body = atom(frame, feed_url=flask.request.url, site_url=root, lang=lang, title_suffix=suffix,
                snapshot_id=reader.snapshot_id)
    return flask.Response(body, mimetype="application/atom+xml")


def _rules(reader) -> list[str]:
    return sorted(wq.alert_facets(reader.con)["rule"].unique())


def _alerts(reader, iso3: str | None, rule: str | None, state: str | None):
    return wq.list_alerts(reader.con, [iso3] if iso3 else (), [rule] if rule else (), (),
                          [state] if state else (), limit=FEED_SIZE)


def register(server: flask.Flask) -> None:
    server.add_url_rule("/alerts.atom", "alerts_feed", lambda: _feed(None))
    server.add_url_rule("/country/<path:code>/alerts.atom", "country_alerts_feed",
                        lambda code: _feed(code))
