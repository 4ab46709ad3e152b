"""Methodology page: ``docs/methodology.md`` and a re-weighting panel whose state is in the URL.

``?category=A&year=2023&w=A.B.internet_users:2,A.B.fixed_broadband:0`` reproduces a view: each
country's category score under catalogue weights beside its score under the weights given, and
how many places the weights move it. No position is listed (no league table: UNESCO's framework
is not for ranking countries).
"""

from __future__ import annotations

import functools
import re

import dash
import pandas as pd
from dash import ALL, Input, Output, State, callback, dcc, html, no_update

from dashboard import data, i18n
from dashboard.components import inputs
from dashboard.components.layout import dropdown_labels, notice, table
from dashboard.components.urlstate import build, href, parse, to_int
from roamwatch.i18n import LANGS

dash.register_page(__name__, path="/methodology", name="Methodology", title=i18n.titled("nav.methodology"),
                   order=5)

CATEGORIES = ("R", "O", "A", "M", "X")
#: A sentence of the methodology document that holds a ``roamwatch …`` command.
COMMAND_SENTENCE = re.compile(r"(?<=[.!?] )[^.!?\n]*`roamwatch [^`]*`[^.!?\n]*[.!?]|"
                              r"^[^.!?\n]*`roamwatch [^`]*`[^.!?\n]*[.!?] ?", re.M)


def parse_weights(text: object) -> dict[str, float]:
    """``"A.B.x:2,A.C.y:0"`` → ``{"A.B.x": 2.0, "A.C.y": 0.0}``; malformed items are ignored."""
    out: dict[str, float] = {}
    for item in str(text or "").split(","):
        key, sep, value = item.partition(":")
        try:
            weight = float(value)
        except ValueError:
            continue
        if sep and key.strip() and weight >= 0:
            out[key.strip()] = weight
    return out


def format_weights(weights: dict[str, float]) -> str:
    return ",".join(f"{k}:{v:g}" for k, v in sorted(weights.items()))


def _theme_rows(reader, year: int) -> pd.DataFrame:
    return reader.scores(years=[year], levels=["theme"])


def _score_years(reader) -> list[int]:
    frame = reader.scores(levels=["category"])
    frame = frame[frame["value"].notna()]
    return sorted({int(y) for y in frame["year"]}, reverse=True)


def _catalogue():
    from indicators.catalogue import load_catalogue

    return load_catalogue()


def _fmt(value: object, lang: str, insufficient: str) -> str:
    if value is None or pd.isna(value):
        return insufficient
    return i18n.fmt_number(float(value), lang, 1)


def _move(places: object) -> str:
    if places is None or pd.isna(places):
        return ""
    return f"{int(places):+d}" if places else "0"


def reweight_section(lang: str, category: str | None, year: object, w: object) -> html.Section:
    svc = data.get()
    title = html.H2(i18n.t("reweight.title", lang), id="reweight-title")
    what = html.P(i18n.t("reweight.what", lang), className="rw-muted")
    try:
        years = svc.cached(_score_years) if svc.available() else []
    except Exception:  # noqa: BLE001 - an unreadable snapshot: say there is nothing to re-weight
        years = []
    if not years:
        return html.Section([title, what, notice(i18n.t("reweight.none", lang))],
                            className="rw-card", id="reweight")
    catalogue = _catalogue()
    category = (category or "A").upper()
    category = category if category in CATEGORIES else "A"
    the_year = to_int(year)
    the_year = the_year if the_year in years else years[0]
    weights = parse_weights(w)
    indicators = [i for i in catalogue.scored if i.category == category]
    known = {i.id for i in indicators}
    weights = {k: v for k, v in weights.items() if k in known}

    controls = html.Div([
        html.Label([i18n.t("reweight.category", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="reweight-category", value=category, clearable=False,
            options=[{"label": i18n.roamx_label(c, lang), "value": c} for c in CATEGORIES])]),
        html.Label([i18n.t("reweight.year", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="reweight-year", value=the_year, clearable=False,
            options=[{"label": str(y), "value": y} for y in years])]),
    ], className="rw-controls")
    inputs = html.Table([
        html.Thead(html.Tr([html.Th(i18n.t("reweight.indicator", lang)),
                            html.Th(i18n.t("reweight.weight", lang))])),
        html.Tbody([
            html.Tr([
                html.Td(html.Label(f"{ind.id} · {i18n.t(ind.name_en, lang)}",
                                   htmlFor=f"reweight-w-{ind.id}")),
                html.Td(dcc.Input(id={"type": "reweight-weight", "index": ind.id},
                                  type="number", min=0, step=0.5, debounce=True,
                                  value=weights.get(ind.id, ind.weight))),
            ]) for ind in indicators
        ]),
    ], className="rw-table", id="reweight-weights")
    buttons = html.Div([
        html.Button(i18n.t("reweight.apply", lang), id="reweight-apply", className="rw-button"),
        dcc.Link(i18n.t("reweight.reset", lang), className="rw-button",
                 href=href("/methodology", lang, category=category, year=the_year)),
    ], className="rw-buttons")

    from indicators.reweighting import reweighted_ranking

    rows = svc.cached(_theme_rows, the_year)
    ranking = reweighted_ranking(rows, catalogue, category, weights=weights or None)
    names = svc.country_names(lang)
    insufficient = i18n.t("reweight.insufficient", lang)
    shown = pd.DataFrame({
        i18n.t("common.country", lang): [names.get(c, c) for c in ranking["country"]],
        "_href": [href(f"/country/{c}", lang) for c in ranking["country"]],
        i18n.t("reweight.score", lang): [_fmt(v, lang, insufficient) for v in ranking["value"]],
        i18n.t("reweight.new_score", lang): [_fmt(v, lang, insufficient) for v in ranking["new_value"]],
        i18n.t("reweight.move", lang): [_move(m) for m in ranking["move"]],
    })
    no_positions = html.P(i18n.t("reweight.no_positions", lang), className="rw-muted")
    return html.Section([
        title, what, controls, inputs, buttons, no_positions,
        table(shown, lang=lang, links={i18n.t("common.country", lang): "_href"},
              class_name="rw-table rw-ranking", max_rows=300),
    ], className="rw-card", id="reweight", **{"aria-labelledby": "reweight-title"})


@functools.lru_cache(maxsize=len(LANGS))
def methodology_document(lang: str) -> str:
    """The methodology in ``lang``, generated from the catalogue as ``python -m
    indicators.methodology`` writes it to ``docs/`` (without the note to editors); "" when the
    catalogue cannot be read."""
    from indicators.methodology import render

    try:
        text = render(_catalogue(), lang)
    except Exception:  # noqa: BLE001 - a broken catalogue: the page says the document is missing
        return ""
    return re.sub(r"<!--.*?-->", "", text, flags=re.S)


def layout(lang: str | None = None, category: str | None = None, year: str | None = None,
           w: str | None = None, **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    body: list = [html.H1(i18n.t("method.title", lang))]
    body.append(reweight_section(lang, category, year, w))
    text = methodology_document(lang)
    # Sentences telling how to run roamwatch's command line are for the site's operator (the
    # same document in docs/ keeps them); visitors cannot run anything.
    text = COMMAND_SENTENCE.sub("", text)
    if text.strip():
        # No raw HTML: the document is rendered as Markdown only.
        body.append(dcc.Markdown(text, className="rw-markdown", id="methodology-doc", link_target="_self"))
    else:
        body.append(notice(i18n.t("method.missing", lang)))
    body.append(html.P(i18n.t("footer.note", lang), className="rw-muted"))
    return html.Div(body, className="rw-page rw-prose", id="methodology-page")


@callback(
    Output("url", "search", allow_duplicate=True),
    Input("reweight-apply", "n_clicks"),
    Input("reweight-category", "value"),
    Input("reweight-year", "value"),
    State({"type": "reweight-weight", "index": ALL}, "value"),
    State({"type": "reweight-weight", "index": ALL}, "id"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.clicks, inputs.one_of(*CATEGORIES, what="category"), inputs.integer,
                inputs.list_of(lambda v: inputs.number(v, lo=0, hi=1e6, what="weight")),
                inputs.list_of(inputs.pattern_id), inputs.search)
def _weights_to_url(_clicks, category, year, values, ids, search):
    if len(values) != len(ids):
        raise inputs.BadInput("one weight per indicator")
    current = parse(search)
    catalogue = _catalogue()
    defaults = {i.id: i.weight for i in catalogue.scored}
    same_category = (current.get("category") or "A") == category
    weights = {}
    if same_category:  # weights belong to one category's indicators
        for value, ident in zip(values, ids, strict=True):
            key = ident["index"]
            if value is not None and float(value) >= 0 and float(value) != defaults.get(key):
                weights[key] = float(value)
    wanted = build({"category": category, "year": year, "w": format_weights(weights) or None,
                    "lang": current.get("lang")})
    if wanted == build({k: current.get(k) for k in ("category", "year", "w", "lang")}):
        return no_update
    return wanted
