"""World page: a choropleth of any metric or score for one year, with a ranked table beside it.

URL: ``/?metric=<series>&year=<YYYY>&region=<region>&income=<income group>&lang=fr``.
Every control writes the URL (the page re-renders from it), so a link reproduces the view.
"""

from __future__ import annotations

import dash
import pandas as pd
from dash import Input, Output, State, callback, dcc, html, no_update

from dashboard import checks, data, frames, i18n
from dashboard.components import figures, inputs
from dashboard.components.layout import (
    chart_card,
    control,
    dropdown_labels,
    metric_options,
    no_data_page,
    not_found_page,
    notice,
    table,
)
from dashboard.components.urlstate import build, parse, to_int
from roamwatch.warehouse import dashboard_queries as q

dash.register_page(__name__, path="/", name="World", title=i18n.titled("nav.world"), order=0)


@data.cached_page
def layout(metric: str | None = None, year: str | None = None, region: str | None = None,
           income: str | None = None, lang: str | None = None, **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    if not svc.available():
        return no_data_page(lang, svc.problem)
    query = {"metric": metric, "year": year, "region": region, "income": income}
    query = {k: v for k, v in query.items() if v}
    missing = checks.world(query, lang)
    if missing:
        return not_found_page(lang, missing.kind, missing.value, missing.suggestions)
    series = metric or svc.default_series()
    if series is None:
        return html.Div([html.H1(i18n.t("world.heading", lang)), notice(i18n.t("world.no_metric", lang))],
                        className="rw-page")
    the_year = to_int(year) or svc.default_year(series)
    years = [int(y) for y in svc.years(series)["year"]]
    view = frames.world_view(svc, series, the_year, region, income, lang)
    label, unit = view.label, view.unit
    title = _map_title(view, lang)
    snapshot = svc.snapshot_id()
    sources = frames.source_line(svc, view.source_ids, lang)
    scale = view.scale
    fig = figures.choropleth(
        view.values[["iso3", "name", "value", "note"]], title=title, unit=unit, sources=sources,
        snapshot_id=snapshot, lang=lang, zrange=(scale.get("zmin"), scale.get("zmax")),
        direction=scale.get("direction"), outside=view.outside,
    )
    values = view.values
    description = figures.describe_ranking(values, label=label, unit=unit, year=the_year, lang=lang)

    ranked = values[values["value"].notna()].sort_values("value", ascending=False).reset_index(drop=True)
    is_score = q.is_score(series)
    rank_table = pd.DataFrame({
        i18n.t("common.rank", lang): [str(i + 1) for i in range(len(ranked))],
        i18n.t("common.country", lang): ranked["name"],
        i18n.t("common.value", lang): [i18n.fmt_value(v, unit, lang) for v in ranked["value"]],
        i18n.t("common.period", lang): ranked["period"],
        "_href": ["/country/" + c + build({"lang": lang}) for c in ranked["iso3"]],
    })
    if is_score:
        # ROAM-X scores are not ranked (UNESCO's framework is not for ranking): no position
        # column, only the rank range under alternative aggregations, with the reason.
        rank_table = rank_table.drop(columns=[i18n.t("common.rank", lang)])
        rank_table[i18n.t("common.coverage", lang)] = [i18n.fmt_share(c, lang) for c in ranked["coverage"]]
        if "themes_filled" in ranked and ranked["framework_themes"].notna().any():
            rank_table[i18n.t("world.framework_coverage", lang)] = [
                "–" if i18n.is_missing(t) else i18n.t("common.n_of_m", lang, n=int(f), m=int(t))
                for f, t in zip(ranked["themes_filled"], ranked["framework_themes"], strict=True)
            ]
        rank_table = rank_table.drop(columns=[i18n.t("common.period", lang)])  # it is the year
        if "best_rank" in ranked and ranked["best_rank"].notna().any():
            rank_table[i18n.t("world.rank_range", lang)] = [
                "–" if i18n.is_missing(b) else (f"{int(b)}" if b == w else f"{int(b)}–{int(w)}")
                for b, w in zip(ranked["best_rank"], ranked["worst_rank"], strict=True)
            ]
    if q.is_ooni_share(series):
        rank_table[i18n.t("country.measurements", lang)] = [
            i18n.fmt_number(v, lang, 0) for v in ranked["measurements"]]
    no_value = int(values["value"].isna().sum())

    notices = []
    if not svc.has_scores():
        notices.append(notice(i18n.t("world.scores_missing", lang)))

    controls = html.Div([
        control(i18n.t("world.pick_metric", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="world-metric", options=metric_options(svc.series_options(lang)), value=series,
            clearable=False,
            optionHeight=50, maxHeight=400), "world-metric"),
        control(i18n.t("world.pick_year", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="world-year", options=[{"label": str(y), "value": y} for y in reversed(years)],
            value=the_year, clearable=False), "world-year"),
        control(i18n.t("common.region", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="world-region", value=region, placeholder=i18n.t("common.all_regions", lang),
            options=[{"label": i18n.region_label(r, lang), "value": r} for r in svc.regions()]),
            "world-region"),
        control(i18n.t("common.income", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="world-income", value=income, placeholder=i18n.t("common.all_incomes", lang),
            options=[{"label": i18n.income_label(r, lang), "value": r} for r in svc.incomes()]),
            "world-income"),
    ], className="rw-controls", role="group", **{"aria-label": i18n.t("world.pick_metric", lang)})

    slug = series.replace(":", "_").replace(".", "_")
    direction = scale.get("direction")
    what_key = {"higher_better": "world.map_what_better_high", "lower_better": "world.map_what_better_low"
                }.get(direction, "world.map_what")
    what = i18n.t(what_key, lang, metric=label, year=the_year)
    scale_note = _scale_note(scale, unit, lang)
    csv_query = build({"metric": series, "year": the_year, "region": region, "income": income})
    map_card = chart_card(
        "world-map-card", title=title,
        what=i18n.sentences((what, scale_note), lang), figure=fig,
        description=description, table_frame=None, filename=f"roamwatch_{slug}_{the_year}",
        lang=lang, topojson=True, graph_id="world-map",
        csv_href="/download/chart/world.csv" + csv_query,
        cite={"snapshot": snapshot, "sources": sources},
    )
    ranking = html.Section([
        html.H2(i18n.t("world.scores_table" if is_score else "world.ranking", lang),
                id="world-ranking-title"),
        html.P(i18n.t("world.scores_note" if is_score else "world.ranking_note", lang),
               className="rw-muted"),
        table(rank_table, lang=lang, links={i18n.t("common.country", lang): "_href"},
              class_name="rw-table rw-ranking", max_rows=250),
        html.P(i18n.tn("{n} country of this view has no value (grey on the map).",
                       "{n} countries of this view have no value (grey on the map).", no_value, lang),
               className="rw-muted") if no_value else None,
    ], className="rw-card rw-ranking-card", id="world-ranking", **{"aria-labelledby": "world-ranking-title"})

    return html.Div([
        html.H1(i18n.t("world.heading", lang)),
        *notices,
        controls,
        html.Div([map_card, ranking], className="rw-world-grid"),
    ], className="rw-page", id="world-page")


def _map_title(view: frames.WorldView, lang: str) -> str:
    """The map's title says how a year's value was made from the source's periods."""
    key = {"sum": "world.title_sum", "mean": "world.title_mean"}.get(view.aggregation, "world.title_value")
    return i18n.t(key, lang, metric=view.label, year=view.year)


def _scale_note(scale: dict, unit: str, lang: str) -> str:
    lo, hi = scale.get("zmin"), scale.get("zmax")
    if lo is None or hi is None:
        return ""
    key = {"goalposts": "world.scale_goalposts", "range": "world.scale_range"}.get(
        scale.get("basis"), "world.scale_fixed")
    return i18n.t(key, lang, lo=i18n.fmt_value(lo, unit, lang), hi=i18n.fmt_value(hi, unit, lang))


@callback(
    Output("url", "search", allow_duplicate=True),
    Input("world-metric", "value"),
    Input("world-year", "value"),
    Input("world-region", "value"),
    Input("world-income", "value"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.text, inputs.integer, inputs.text, inputs.text, inputs.search)
def _controls_to_url(metric, year, region, income, search):
    svc = data.get()
    current = parse(search)
    shown_metric = current.get("metric") or svc.default_series()
    shown = {"metric": shown_metric, "year": to_int(current.get("year")) or svc.default_year(shown_metric),
             "region": current.get("region"), "income": current.get("income")}
    wanted = {"metric": metric, "year": to_int(year), "region": region or None, "income": income or None}
    if wanted == shown:  # the page's own first render, or nothing changed: leave the URL alone
        return no_update
    if metric and metric != shown_metric:
        wanted["year"] = svc.default_year(metric)  # a new metric starts at its best-covered year
    return build({**wanted, "lang": current.get("lang")})


@callback(
    Output("url", "pathname", allow_duplicate=True),
    Output("url", "search", allow_duplicate=True),
    Input("world-map", "clickData"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.click_data, inputs.search)
def _map_click_to_country(click, search):
    try:
        point = click["points"][0]
        iso3 = point.get("location") or point.get("customdata")
    except (TypeError, KeyError, IndexError):
        return no_update, no_update
    if not isinstance(iso3, str) or not iso3.isalnum() or len(iso3) > 3:
        return no_update, no_update
    return f"/country/{iso3}", build({"lang": parse(search).get("lang")})
