"""Layout pieces shared by the pages: chart cards, tables, notices, not-found and no-data pages."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
import plotly.graph_objects as go
from dash import dcc, html

from dashboard import i18n
from dashboard.components import figures
from dashboard.components.urlstate import href

MAX_TABLE_ROWS = 300


def topojson_url() -> str:
    """Where the browser fetches map geometry: our own assets, never cdn.plot.ly."""
    return dash.get_asset_url("topojson/")


def table(frame: pd.DataFrame, *, caption: str | None = None, max_rows: int = MAX_TABLE_ROWS,
          lang: str = "en", class_name: str = "rw-table", links: dict[str, str] | None = None
          ) -> html.Div:
    """An accessible HTML table of ``frame`` (already formatted and labelled).

    ``links`` maps a column name to another column holding each row's href.
    """
    links = links or {}
    shown = [c for c in frame.columns if c not in set(links.values())]
    head = frame.head(max_rows)
    if head.columns.is_unique:
        at = {column: i for i, column in enumerate(head.columns)}
        rows = _row_values(head)
    else:  # duplicate names: look cells up by label, as a row Series does
        at = {column: column for column in head.columns}
        rows = [row for _, row in head.iterrows()]
    cols = [(at[c], at[links[c]] if c in links else None) for c in shown]
    body = []
    for row in rows:
        cells = []
        for j, link in cols:
            value = row[j]
            text = value if isinstance(value, str) else ("" if i18n.is_missing(value) else str(value))
            if link is not None and not i18n.is_missing(row[link]):
                cells.append(html.Td(dcc.Link(text, href=row[link])))
            else:
                cells.append(html.Td(text))
        body.append(html.Tr(cells))
    children: list[Any] = []
    if caption:
        children.append(html.Caption(caption))
    children += [html.Thead(html.Tr([html.Th(c, scope="col") for c in shown])), html.Tbody(body)]
    out: list[Any] = [html.Table(children, className=class_name)]
    if len(frame) > max_rows:
        out.append(html.P(i18n.t("common.rows_shown", lang, n=max_rows, total=len(frame)),
                          className="rw-muted"))
    return html.Div(out, className="rw-table-wrap")


def _row_values(frame: pd.DataFrame) -> list:
    """Each row's cells, as ``iterrows()`` would give them (it reads ``frame.values`` too) but
    without building a Series per row."""
    values = frame.values
    if values.dtype == object:
        return values.tolist()
    if values.dtype.kind in "mM":  # a datetime array: the row Series gives Timestamps
        return [list(row) for _, row in frame.iterrows()]
    return list(values)


def chart_card(gid: str, *, title: str, what: str, figure: go.Figure, description: str,
               table_frame: pd.DataFrame | None, filename: str, lang: str,
               topojson: bool = False, graph_id: str | None = None, extra: Any = None) -> html.Section:
    """A chart with its one-line "what this shows", a text description (the accessible
    alternative), a table view, and PNG (modebar) and SVG downloads."""
    config = figures.graph_config(filename, topojson_url() if topojson else None, lang)
    details = [
        html.Details([html.Summary(i18n.t("common.text_view", lang)),
                      html.P(description, className="rw-description")], className="rw-details"),
    ]
    if table_frame is not None:
        details.append(html.Details([html.Summary(i18n.t("common.table_view", lang)),
                                     table(table_frame, lang=lang)], className="rw-details"))
    return html.Section([
        html.H2(title, id=f"{gid}-title"),
        html.P([html.Strong(i18n.t("common.what", lang)), what], className="rw-what"),
        html.Div(
            dcc.Graph(id=graph_id or f"{gid}-graph", figure=figure, config=config,
                      className="rw-graph"),
            id=f"{gid}-wrap", role="img", **{"aria-label": description},
        ),
        html.Div([
            html.Button(i18n.t("common.download_svg", lang), className="rw-button rw-svg",
                        id={"type": "rw-svg", "index": gid}, value=filename, type="button"),
            *(extra or []),
        ], className="rw-actions"),
        *details,
    ], className="rw-card", id=gid, **{"aria-labelledby": f"{gid}-title"})


def panel(gid: str, title: str, children: Any, what: str | None = None, lang: str = "en") -> html.Section:
    body = [html.H2(title, id=f"{gid}-title")]
    if what:
        body.append(html.P([html.Strong(i18n.t("common.what", lang)), what], className="rw-what"))
    body += children if isinstance(children, list) else [children]
    return html.Section(body, className="rw-card", id=gid, **{"aria-labelledby": f"{gid}-title"})


def synthetic_banner(lang: str) -> html.Div:
    """The banner every page of synthetic demo data carries (``roamwatch demo``)."""
    return html.Div([
        html.Strong(i18n.t("Synthetic demo data, not measurements", lang)),
        " ",
        html.Span(i18n.t("Every value here was made up by `roamwatch demo` to show how roamwatch "
                         "works; do not cite it.", lang)),
    ], className="rw-banner rw-banner-synthetic", id="rw-synthetic-banner", role="note")


def notice(text: str, kind: str = "info") -> html.P:
    return html.P(text, className=f"rw-notice rw-notice-{kind}", role="status")


def no_data_page(lang: str, problem: str | None = None) -> html.Div:
    """The first-run page; ``problem`` says why a published snapshot could not be read."""
    body = [html.H1(i18n.t("nodata.title", lang))]
    if problem:
        body.append(notice(i18n.t("nodata.problem", lang, problem=problem), "error"))
    body += [
        html.P(i18n.t("nodata.body", lang)),
        html.Pre(html.Code("roamwatch collect worldbank\nroamwatch collect\nroamwatch status")),
        html.P(i18n.t("nodata.after", lang)),
    ]
    return html.Div(body, className="rw-page rw-nodata", id="rw-nodata")


def not_found_page(lang: str, kind: str, value: object,
                   suggestions: list[tuple[str, str]] | None = None) -> html.Div:
    """The friendly not-found page: what was not found and the nearest matches (label, href)."""
    suggestions = suggestions or []
    body: list[Any] = [
        html.H1(i18n.t("notfound.title", lang)),
        html.P(i18n.t(f"notfound.{kind}", lang, value=str(value)[:120]), id="rw-notfound-what"),
    ]
    if suggestions:
        body += [html.P(i18n.t("notfound.suggest", lang)),
                 html.Ul([html.Li(dcc.Link(label, href=target)) for label, target in suggestions],
                         id="rw-notfound-suggestions")]
    else:
        body.append(html.P(i18n.t("notfound.nosuggest", lang)))
    body.append(html.P(dcc.Link(i18n.t("notfound.home", lang), href=href("/", lang))))
    return html.Div(body, className="rw-page rw-notfound", id="rw-notfound")


def control(label: str, component: Any, cid: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=cid), component], className="rw-control")


def download_link(text: str, target: str, filename: str, cid: str) -> html.A:
    return html.A(text, href=target, download=filename, className="rw-button", id=cid)
