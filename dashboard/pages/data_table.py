"""Data page: every observation in a grid filtered, sorted and paged on the server, and
downloads (CSV, or ZIP with metadata) of exactly the filtered selection.

URL: ``/data?metrics=a,b&countries=KEN,UGA&regions=A|B&incomes=X&from=2010&to=2020&sort=value:desc``.
"""

from __future__ import annotations

import dash
import dash_ag_grid as dag
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import checks, data, i18n
from dashboard.components import inputs
from dashboard.components.layout import (
    control,
    csv_links,
    download_link,
    dropdown_labels,
    metric_options,
    no_data_page,
    not_found_page,
)
from dashboard.components.urlstate import build, parse

dash.register_page(__name__, path="/data", name="Data", title=i18n.titled("nav.data"), order=3)

PAGE_SIZE = 100
#: Grid columns, names first: the value and its period are in view without scrolling at
#: 1280 px; the ids (for scripts and joins) follow.
GRID_COLUMNS = ("country_name", "metric_name", "period", "value", "unit", "source", "country", "metric",
                "region", "income_group", "year")
WIDTHS = {
    "country_name": {"width": 170, "pinned": "left"}, "metric_name": {"flex": 2, "minWidth": 300},
    "period": {"width": 100}, "value": {"width": 120}, "unit": {"width": 150}, "source": {"width": 140},
    "country": {"width": 80}, "metric": {"width": 240}, "region": {"width": 190},
    "income_group": {"width": 190}, "year": {"width": 80},
}
FILTER_KEYS = ("metrics", "countries", "regions", "incomes", "from", "to", "sort")


def _columns(lang: str, sort: tuple[tuple[str, str], ...]) -> list[dict]:
    labels = {
        "metric": i18n.t("data.metric_id", lang), "metric_name": i18n.t("common.metric", lang),
        "unit": i18n.t("common.unit", lang), "country": "ISO3",
        "country_name": i18n.t("common.country", lang),
        "region": i18n.t("common.region", lang), "income_group": i18n.t("common.income", lang),
        "period": i18n.t("common.period", lang), "year": i18n.t("common.year", lang),
        "value": i18n.t("common.value", lang), "source": i18n.t("common.source", lang),
    }
    sorted_cols = dict(sort)
    defs = []
    for column in GRID_COLUMNS:
        col = {"field": column, "headerName": labels[column], "sortable": True}
        if column in ("value", "year"):
            col["type"] = "numericColumn"
        if column == "value":
            # rounded for reading (the full value is in the downloads and the tooltip)
            # to the digits of the value's kind (each row's ``digits``, as on every page)
            col["valueFormatter"] = {
                "function": f"rwNumber(params.value, '{lang}', params.data && params.data.digits)"}
            col["tooltipField"] = "value"
        if column in sorted_cols:
            col["sort"] = sorted_cols[column]
        col.update(WIDTHS.get(column, {}))
        if col.get("pinned") and i18n.direction(lang) == "rtl":
            col["pinned"] = "right"  # the country stays at the start of the row: the right in Arabic
        defs.append(col)
    return defs


def grid_locale(lang: str) -> dict[str, str]:
    """AG Grid's own words (pagination, loading, empty grid) in ``lang``."""
    keys = {
        "page": "Page", "of": "of", "to": "to", "more": "more", "next": "Next", "last": "Last",
        "first": "First", "previous": "Previous", "loadingOoo": "Loading…", "firstPage": "First page",
        "lastPage": "Last page", "nextPage": "Next page", "previousPage": "Previous page",
        "pageLastRowUnknown": "?",
        # read out by screen readers (a focused column heading, rows still loading, tooltips)
        "ariaSortableColumn": "Press ENTER to sort", "ariaSkeletonCellLoading": "Row data is loading",
        "ariaDeferSkeletonCellLoading": "Cell is loading",
        "ariaSkeletonCellLoadingFailed": "Row failed to load", "ariaLabelTooltip": "Tooltip",
        "loadingError": "ERR",
    }
    out = {key: i18n.t(f"grid.{key}", lang) if f"grid.{key}" in i18n.MESSAGES else english
           for key, english in keys.items()}
    out["noRowsToShow"] = i18n.t("data.no_rows", lang)
    return out


def rows_for(lang: str, rows) -> list[dict]:
    """Grid rows in ``lang``: names of countries, metrics, units, regions and income groups;
    sources by their short proper names."""
    svc = data.get()
    names = svc.country_names(lang)
    out = rows.to_dict("records")
    for row in out:
        row["country_name"] = names.get(row["country"], row["country_name"])
        row["metric_name"] = i18n.metric_name(row["metric"], row["metric_name"], lang)
        # the value's digits by the kind of its unit, the rule of every page (i18n.value_digits)
        row["digits"] = i18n.value_digits(row["unit"])
        row["unit"] = i18n.unit_label(row["unit"], lang)
        row["region"] = i18n.region_label(row["region"], lang)
        row["income_group"] = i18n.income_label(row["income_group"], lang)
        # the source by the name readers know it by; its id stays in the metric id column and
        # the downloads
        row["source"] = data.source_short(row["source"]) if row.get("source") else row.get("source")
    return out


@data.cached_page(params=FILTER_KEYS)
def layout(lang: str | None = None, **query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    if not svc.available():
        return no_data_page(lang, svc.problem)
    query = {k: v for k, v in query.items() if k in FILTER_KEYS and v}
    missing = checks.data_page(query, lang)
    if missing:
        return not_found_page(lang, missing.kind, missing.value, missing.suggestions)
    flt = data.filter_from_query(query)
    total = svc.data_count(flt)
    metrics = svc.metrics()
    years = sorted({y for a, b in zip(metrics["first_year"], metrics["last_year"], strict=True)
                    for y in range(int(a), int(b) + 1)}) if not metrics.empty else []
    year_options = [{"label": str(y), "value": y} for y in years]

    controls = html.Div([
        control(i18n.t("data.metrics", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="data-metrics", multi=True, value=list(flt.metrics), placeholder=i18n.t("data.all", lang),
            options=metric_options(svc.series_options(lang, observations_only=True)), optionHeight=50),
            "data-metrics"),
        control(i18n.t("common.countries", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="data-countries", multi=True, value=list(flt.countries), placeholder=i18n.t("data.all", lang),
            options=svc.country_options(lang)), "data-countries"),
        control(i18n.t("common.region", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="data-regions", multi=True, value=list(flt.regions),
            placeholder=i18n.t("common.all_regions", lang),
            options=[{"label": i18n.region_label(r, lang), "value": r} for r in svc.regions()]),
            "data-regions"),
        control(i18n.t("common.income", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="data-incomes", multi=True, value=list(flt.incomes),
            placeholder=i18n.t("common.all_incomes", lang),
            options=[{"label": i18n.income_label(r, lang), "value": r} for r in svc.incomes()]),
            "data-incomes"),
        control(i18n.t("data.from", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="data-from", value=flt.year_from, options=year_options, placeholder="–"), "data-from"),
        control(i18n.t("data.to", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="data-to", value=flt.year_to, options=year_options, placeholder="–"), "data-to"),
    ], className="rw-controls rw-controls-data")

    selection = build({k: v for k, v in query.items()})
    snapshot = svc.snapshot_id()
    grid = dag.AgGrid(
        id="data-grid",
        rowModelType="infinite",
        columnDefs=_columns(lang, flt.sort),
        defaultColDef={"resizable": True, "sortable": True, "filter": False, "minWidth": 70},
        dashGridOptions={
            "cacheBlockSize": PAGE_SIZE, "maxBlocksInCache": 20,
            "infiniteInitialRowCount": min(total, PAGE_SIZE),
            "pagination": True, "paginationPageSize": PAGE_SIZE, "paginationPageSizeSelector": False,
            "suppressMultiSort": False, "rowBuffer": 0,
            "localeText": grid_locale(lang), "tooltipShowDelay": 400,
            # Arabic: columns run right to left, the country first at the right
            "enableRtl": i18n.direction(lang) == "rtl",
            "paginationNumberFormatter": {"function": f"rwNumber(params.value, '{lang}')"},
        },
        style={"height": "560px", "width": "100%"},
    )
    return html.Div([
        html.H1(i18n.t("data.title", lang)),
        html.P(i18n.t("data.intro", lang)),
        controls,
        html.Div([
            html.P(i18n.tn("{n} row matches.", "{n} rows match.", total, lang,
                           n=i18n.fmt_number(total, lang, 0)), id="data-count", **{"data-count": str(total)}),
            *csv_links("/download/data.csv" + selection, f"roamwatch_data_{snapshot}", lang,
                       "data-download-csv"),
            download_link(i18n.t("common.download_zip", lang), "/download/data.zip" + selection,
                          f"roamwatch_data_{snapshot}.zip", "data-download-zip"),
        ], className="rw-actions"),
        grid,
    ], className="rw-page", id="data-page")


@callback(
    Output("data-grid", "getRowsResponse"),
    Input("data-grid", "getRowsRequest"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.grid_request, inputs.search)
def _rows(request, search):
    if not request:
        return no_update
    query = parse(search)
    sort_model = request.get("sortModel") or []
    if sort_model:
        query["sort"] = ",".join(f"{s['colId']}:{s['sort']}" for s in sort_model)
    else:
        query.pop("sort", None)
    flt = data.filter_from_query(query)
    svc = data.get()
    start = int(request.get("startRow") or 0)
    end = int(request.get("endRow") or start + PAGE_SIZE)
    rows = svc.data_rows(flt, start, max(1, end - start))
    return {"rowData": rows_for(i18n.lang_of(query.get("lang")), rows), "rowCount": svc.data_count(flt)}


@callback(
    Output("url", "search", allow_duplicate=True),
    Input("data-metrics", "value"),
    Input("data-countries", "value"),
    Input("data-regions", "value"),
    Input("data-incomes", "value"),
    Input("data-from", "value"),
    Input("data-to", "value"),
    Input("data-grid", "getRowsRequest"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.texts, inputs.texts, inputs.texts, inputs.texts, inputs.integer, inputs.integer,
                inputs.grid_request, inputs.search)
def _controls_to_url(metrics, countries, regions, incomes, year_from, year_to, request, search):
    current = parse(search)
    sort = current.get("sort")
    if request is not None:
        model = request.get("sortModel") or []
        sort = ",".join(f"{s['colId']}:{s['sort']}" for s in model) or None
    new = build({
        "metrics": metrics or None, "countries": countries or None, "regions": regions or None,
        "incomes": incomes or None, "from": year_from, "to": year_to, "sort": sort,
        "lang": current.get("lang"),
    })
    return no_update if new == (search or "") else new
