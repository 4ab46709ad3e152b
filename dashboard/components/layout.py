"""Layout pieces shared by the pages: chart cards, tables, notices, not-found and no-data pages."""

from __future__ import annotations

from typing import Any

import dash
import pandas as pd
from dash import dcc, html

from dashboard import i18n
from dashboard.components import figures
from dashboard.components.urlstate import href

MAX_TABLE_ROWS = 300


def topojson_url() -> str:
    """Where the browser fetches map geometry: our own assets, never cdn.plot.ly."""
    return dash.get_asset_url("topojson/")


def table(frame: pd.DataFrame, *, caption: str | None = None, max_rows: int = MAX_TABLE_ROWS,
          lang: str = "en", class_name: str = "rw-table", links: dict[str, str] | None = None,
          markdown: bool = True) -> html.Div:
    """An accessible HTML table of ``frame`` (already formatted and labelled).

    ``links`` maps a column name to another column holding each row's href (links navigate
    inside the app). A table without links is sent as one Markdown text (rendered as an HTML
    table by the browser): a component per cell would make a page several times heavier.
    ``markdown=False`` keeps one element per cell (cells that are data of their own, such as a
    score's JSON trace).
    """
    if markdown and not links and not caption:
        return markdown_table(frame, max_rows=max_rows, lang=lang, class_name=class_name)
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


_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]<>|#"})


def _md_cell(value: object) -> str:
    text = value if isinstance(value, str) else ("" if i18n.is_missing(value) else str(value))
    return " ".join(text.split()).translate(_MD_SPECIAL) or " "


def markdown_table(frame: pd.DataFrame, *, max_rows: int = MAX_TABLE_ROWS, lang: str = "en",
                   class_name: str = "rw-table") -> html.Div:
    """``frame`` as a Markdown table in one component (no raw HTML: cells are escaped)."""
    head = frame.head(max_rows)
    lines = ["| " + " | ".join(_md_cell(c) for c in head.columns) + " |",
             "|" + "---|" * len(head.columns)]
    lines += ["| " + " | ".join(_md_cell(v) for v in row) + " |" for row in _row_values(head)]
    out: list[Any] = [dcc.Markdown("\n".join(lines), className=f"rw-md-table {class_name}")]
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


def chart_card(gid: str, *, title: str, what: str | list, figure: figures.Figure, description: str,
               table_frame: pd.DataFrame | None, filename: str, lang: str,
               topojson: bool = False, graph_id: str | None = None, extra: Any = None,
               csv_href: str | None = None, cite: dict | None = None, notes: Any = None,
               after: Any = None) -> html.Section:
    """A chart with its one-line "what this shows", a text description (the accessible
    alternative), a table view, and its tools: SVG download (PNG from the chart's toolbar), the
    CSV of exactly what it shows (and the same for Excel), a link to it, and how to cite it.

    ``cite`` holds ``snapshot`` and ``sources`` (names) for :func:`cite_block`.
    """
    config = figures.graph_config(filename, topojson_url() if topojson else None, lang)
    details = [
        html.Details([html.Summary(i18n.t("common.text_view", lang)),
                      html.P(description, className="rw-description")], className="rw-details"),
    ]
    if table_frame is not None:
        details.append(html.Details([html.Summary(i18n.t("common.table_view", lang)),
                                     table(table_frame, lang=lang)], className="rw-details"))
    tools: list[Any] = [
        html.Button(i18n.t("common.download_svg", lang), className="rw-button rw-svg",
                    id={"type": "rw-svg", "index": gid}, value=filename, type="button"),
    ]
    if csv_href:
        tools += csv_links(csv_href, filename, lang, f"{gid}-csv")
    tools.append(copy_link_button(lang, gid))
    tools += list(extra or [])
    body: list[Any] = [
        html.H2(title, id=f"{gid}-title"),
        html.P([html.Strong(i18n.t("common.what", lang)), *(what if isinstance(what, list) else [what])],
               className="rw-what"),
    ]
    if notes:
        body += notes if isinstance(notes, list) else [notes]
    body += [
        html.Div(
            dcc.Graph(id=graph_id or f"{gid}-graph", figure=figure, config=config,
                      className="rw-graph"),
            id=f"{gid}-wrap", role="img", **{"aria-label": description},
        ),
        html.Div(tools, className="rw-actions rw-tools"),
    ]
    if cite:
        body.append(cite_block(title, cite.get("snapshot"), cite.get("sources", ""), gid, lang))
    if after:
        body += after if isinstance(after, list) else [after]
    body += details
    return html.Section(body, className="rw-card", id=gid, **{"aria-labelledby": f"{gid}-title"})


def csv_links(href_: str, filename: str, lang: str, cid: str) -> list[html.A]:
    """"Download CSV" and its "CSV for Excel" sibling (UTF-8 with a byte-order mark)."""
    excel = href_ + ("&" if "?" in href_ else "?") + "excel=1"
    return [
        html.A(i18n.t("common.download_csv", lang), href=href_, download=f"{filename}.csv",
               className="rw-button", id=cid),
        html.A(i18n.t("common.download_excel", lang), href=excel, download=f"{filename}_excel.csv",
               className="rw-button", id=f"{cid}-excel", title=i18n.t("common.download_excel_title", lang)),
    ]


def copy_link_button(lang: str, anchor: str | None = None) -> html.Button:
    """Copies the page's URL (which holds the whole view), pointing at ``anchor`` if given
    (``assets/roamwatch.js``; nothing is sent anywhere)."""
    return html.Button(
        [i18n.t("common.copy_link", lang),
         html.Span("", className="rw-copy-status", **{"aria-live": "polite",
                                                       "data-done": i18n.t("common.copied", lang)})],
        type="button", className="rw-button rw-copy-link", **{"data-anchor": anchor or ""},
    )


def cite_block(title: str, snapshot: str | None, sources: str, anchor: str | None, lang: str
               ) -> html.Details:
    """"Cite this": the citation in plain text and BibTeX, naming the data snapshot; the
    page's address and today's date are filled in by the browser (``assets/roamwatch.js``)."""
    snapshot = snapshot or "–"
    year = snapshot[:4] if snapshot[:4].isdigit() else "n.d."
    plain = i18n.t("cite.plain", lang, year=year, title=title, snapshot=snapshot,
                   sources=sources or "–")
    key = "roamwatch_" + "".join(ch if ch.isalnum() else "_" for ch in (anchor or "page")) + \
        "_" + "".join(ch for ch in snapshot[:8] if ch.isdigit())
    bibtex = "\n".join([
        f"@misc{{{key},",
        "  author = {{roamwatch}},",
        f"  title = {{{{{_bib(title)}}}}},",
        f"  year = {{{year}}},",
        f"  note = {{{_bib(i18n.t('cite.note', lang, snapshot=snapshot, sources=sources or '–'))}}},",
        "  url = {{url}},",
        "  urldate = {{date}}",
        "}",
    ])
    return html.Details([
        html.Summary(i18n.t("common.cite", lang)),
        html.P(i18n.t("cite.plain_label", lang), className="rw-muted"),
        html.Pre(plain, className="rw-cite-text rw-cite-plain", **{"data-template": plain,
                                                                    "data-anchor": anchor or ""}),
        html.P("BibTeX", className="rw-muted"),
        html.Pre(bibtex, className="rw-cite-text rw-cite-bibtex", **{"data-template": bibtex,
                                                                      "data-anchor": anchor or ""}),
    ], className="rw-details rw-cite")


def _bib(text: str) -> str:
    """Text safe inside a BibTeX brace group (without the invisible isolates of Arabic text)."""
    return "".join("\\" + ch if ch in "{}&%$#_" else ch for ch in str(text) if ch not in "\u2068\u2069")


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
    """The page before any data is published, or when the published data cannot be read
    (``problem``: the reason, for the server log only; visitors never see operator detail)."""
    body = [html.H1(i18n.t("nodata.title", lang))]
    if problem:
        body.append(notice(i18n.t("nodata.problem", lang), "error"))
    body += [html.P(i18n.t("nodata.body", lang)), html.P(i18n.t("nodata.after", lang))]
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


def dropdown_labels(lang: str) -> dict[str, str]:
    """The words Dash's dropdown writes itself ("3 selected", "Select All", "Search"…), in the
    page's language: without them a French page showed "5 selected" under its country list."""
    return {
        "select_all": i18n.t("Select All", lang),
        "deselect_all": i18n.t("Deselect All", lang),
        # Dash fills in {num_selected}
        "selected_count": i18n.t("{num_selected} selected", lang),
        "search": i18n.t("Search", lang),
        "clear_search": i18n.t("Clear search", lang),
        "clear_selection": i18n.t("Clear selection", lang),
        "no_options_found": i18n.t("No options found", lang),
    }


def metric_options(options: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Options of a metric menu (:meth:`dashboard.data.DataService.series_options`) as a reader
    scans them: the metric's name first, its source after it in a quieter style (left out when
    the name already starts with it, "OONI …"); found by typing any word of either (or the id)."""
    out = []
    for option in options:
        name, source = option["label"], option.get("source") or ""
        shown = source if source and not name.startswith(source) else ""
        label = html.Span([html.Span(name, className="rw-opt-name"),
                           *([" ", html.Span(shown, className="rw-opt-source")] if shown else [])],
                          className="rw-opt", title=f"{name} · {source}" if source else name)
        out.append({"label": label, "value": option["value"],
                    "search": " ".join(x for x in (name, source, str(option["value"])) if x)})
    return out


def control(label: str, component: Any, cid: str) -> html.Div:
    return html.Div([html.Label(label, htmlFor=cid), component], className="rw-control")


def download_link(text: str, target: str, filename: str, cid: str) -> html.A:
    return html.A(text, href=target, download=filename, className="rw-button", id=cid)
