"""Sources page: each source's licence and citation, its last (successful) run, rows, errors and
the age of its newest data; sources roamwatch knows but has not collected are listed as such."""

from __future__ import annotations

import dash
import pandas as pd
from dash import html

from dashboard import data, i18n
from dashboard.components.layout import no_data_page, notice

dash.register_page(__name__, path="/sources", name="Sources", title=i18n.titled("nav.sources"), order=4)


def known_collectors() -> dict[str, object]:
    """Collector name → its ``SourceInfo``, for every built-in collector (empty if unavailable)."""
    try:
        from collectors import registry

        return {name: getattr(cls, "source", None) for name, cls in registry().items()}
    except Exception:  # noqa: BLE001 - a broken collector module must not break this page
        return {}


def _link(text: str | None, url: str | None) -> object:
    if not url or i18n.is_missing(url):
        return text or "–"
    return html.A(text or url, href=url, rel="noopener noreferrer", target="_blank")


def _as_published(text: object) -> object:
    """A citation as the source words it, in its own direction (in an Arabic page a Latin
    citation's final full stop and parentheses would otherwise be laid out right to left)."""
    if i18n.is_missing(text) or not text:
        return "–"
    return html.Bdi(str(text), dir="auto")


def _count(value: object) -> int:
    return 0 if i18n.is_missing(value) else int(value)


def _dl(pairs: list[tuple[str, object]]) -> html.Dl:
    items: list = []
    for term, value in pairs:
        items += [html.Dt(term), html.Dd(value)]
    return html.Dl(items, className="rw-dl")


def _status_badge(status: object, lang: str) -> html.Span:
    text = str(status) if not i18n.is_missing(status) else "–"
    return html.Span(i18n.t(f"sources.status.{text}", lang) if text != "–" else text,
                     className=f"rw-badge rw-badge-{text}")


def _age(row: pd.Series, lang: str) -> str:
    """How old the newest data is, from the day it speaks of: the end of its period (a 2023
    value from 31 Dec 2023), an event source's last update, else its newest event's start."""
    basis = row.get("newest_basis")
    if i18n.is_missing(row.get("newest_end")) or not basis:
        return i18n.fmt_age(None, lang)
    return i18n.t(f"sources.age_{basis}", lang, age=i18n.fmt_age(row["newest_end"], lang),
                  date=i18n.fmt_date(row["newest_end"], lang))


def _source_card(row: pd.Series, lang: str) -> html.Section:
    sid = row["id"]
    newest = row["newest_period"] if not i18n.is_missing(row["newest_period"]) else None
    newest_event = row["newest_event"] if not i18n.is_missing(row["newest_event"]) else None
    pairs: list[tuple[str, object]] = [
        (i18n.t("sources.licence", lang), _link(i18n.source_note(row["licence"], lang), row["licence_url"])),
        (i18n.t("sources.citation", lang), _as_published(row["citation"])),
    ]
    if row.get("terms") and not i18n.is_missing(row["terms"]):
        pairs.append((i18n.t("sources.terms", lang), i18n.source_note(row["terms"], lang)))
    pairs += [
        (i18n.t("sources.last_run", lang), [
            _status_badge(row["status"], lang), " ", i18n.fmt_date(row["started_at"], lang, True),
            "" if i18n.is_missing(row["run_id"])
            else " " + i18n.t("(run {run})", lang, run=int(row["run_id"])),
        ]),
        (i18n.t("sources.last_success", lang),
         i18n.fmt_date(row["last_success"], lang, True) if not i18n.is_missing(row["last_success"])
         else i18n.t("common.never", lang)),
        (i18n.t("sources.rows", lang), i18n.fmt_number(row["rows_written"], lang, 0)),
        (i18n.t("sources.rejected", lang), i18n.fmt_number(row["rows_rejected"], lang, 0)),
        (i18n.t("sources.units_failed", lang),
         f"{i18n.fmt_number(row['units_failed'], lang, 0)} / {i18n.fmt_number(row['units_total'], lang, 0)}"),
        (i18n.t("sources.observations", lang),
         f"{i18n.fmt_number(row['observations'], lang, 0)} · "
         + i18n.tn("{n} metric", "{n} metrics", _count(row["metrics"]), lang,
                   n=i18n.fmt_number(row["metrics"], lang, 0)) + " · "
         + i18n.tn("{n} country", "{n} countries", _count(row["countries"]), lang,
                   n=i18n.fmt_number(row["countries"], lang, 0))),
    ]
    if row["events"]:
        pairs.append((i18n.t("sources.events", lang), i18n.fmt_number(row["events"], lang, 0)))
    pairs += [
        (i18n.t("sources.newest", lang), str(newest or i18n.fmt_date(newest_event, lang) or "–")),
        (i18n.t("sources.age", lang), _age(row, lang)),
    ]
    body: list = [html.H2([_link(row["name"] if not i18n.is_missing(row["name"]) else sid, row["homepage"]),
                           html.Code(sid, className="rw-source-id")], id=f"source-{sid}-title"),
                  _dl(pairs)]
    if (not i18n.is_missing(row["error"]) and row["error"]) or str(row["status"]) in ("failed", "partial"):
        # The error text is for the operator (`roamwatch status`); visitors learn what it means.
        key = "sources.problem_partial" if str(row["status"]) == "partial" else "sources.problem_failed"
        body.append(html.P(i18n.t(key, lang), className="rw-notice rw-notice-error", role="status"))
    return html.Section(body, className="rw-card rw-source", id=f"source-{sid}",
                        **{"aria-labelledby": f"source-{sid}-title"})


def _missing_card(name: str, info: object, lang: str) -> html.Section:
    pairs = []
    if info is not None:
        pairs = [(i18n.t("sources.licence", lang), _link(
                     i18n.source_note(getattr(info, "licence", ""), lang), getattr(info, "licence_url", ""))),
                 (i18n.t("sources.citation", lang), _as_published(getattr(info, "citation", "")))]
    title = getattr(info, "name", None) or name
    return html.Section([
        html.H2([_link(title, getattr(info, "homepage", None)), html.Code(name, className="rw-source-id")],
                id=f"source-{name}-title"),
        html.P([html.Span(i18n.t("sources.not_collected", lang), className="rw-badge rw-badge-missing"), " ",
                i18n.t("sources.not_collected_body", lang, name=name)]),
        _dl(pairs) if pairs else None,
    ], className="rw-card rw-source rw-source-missing", id=f"source-{name}",
        **{"aria-labelledby": f"source-{name}-title"})


@data.cached_page
def layout(lang: str | None = None, **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    known = known_collectors()
    if not svc.available():
        return html.Div([no_data_page(lang, svc.problem),
                         *[_missing_card(n, i, lang) for n, i in known.items()]])
    status = svc.source_status()
    present = set(status["id"])
    cards = [_source_card(row, lang) for _, row in status.iterrows()]
    missing = [_missing_card(n, i, lang) for n, i in known.items() if n not in present]
    body = [html.H1(i18n.t("sources.title", lang)), html.P(i18n.t("sources.intro", lang)), *cards]
    if not cards:
        body.append(notice(i18n.t("world.no_metric", lang)))
    body += missing
    return html.Div(body, className="rw-page", id="sources-page")
