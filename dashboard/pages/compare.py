"""Compare page: up to 8 countries side by side on any metric or score over time.

URL: ``/compare?metric=<series>&countries=KEN,UGA,BRA&lang=fr``.
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
)
from dashboard.components.urlstate import build, parse, split_list
from roamwatch.warehouse import dashboard_queries as q

dash.register_page(__name__, path="/compare", name="Compare", title=i18n.titled("nav.compare"), order=2)

MAX_COUNTRIES = 8


@data.cached_page
def layout(metric: str | None = None, countries: str | None = None, lang: str | None = None,
           **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    if not svc.available():
        return no_data_page(lang, svc.problem)
    query = {k: v for k, v in {"metric": metric, "countries": countries}.items() if v}
    missing = checks.compare(query, lang)
    if missing:
        return not_found_page(lang, missing.kind, missing.value, missing.suggestions)
    series = metric or svc.default_series()
    codes = [svc.resolve_country(c).iso3 for c in split_list(countries)]
    codes = [c for c in codes if c]
    notes = []
    if len(codes) > MAX_COUNTRIES:
        notes.append(notice(i18n.t("compare.too_many", lang)))
        codes = codes[:MAX_COUNTRIES]

    controls = html.Div([
        control(i18n.t("world.pick_metric", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="compare-metric", options=metric_options(svc.series_options(lang)), value=series,
            clearable=False,
            optionHeight=50), "compare-metric"),
        control(i18n.t("compare.pick_countries", lang), dcc.Dropdown(labels=dropdown_labels(lang),
            id="compare-countries", options=svc.country_options(lang), value=codes, multi=True),
            "compare-countries"),
    ], className="rw-controls rw-controls-wide")

    body: list = []
    if series is None:
        body.append(notice(i18n.t("world.no_metric", lang)))
    elif not codes:
        body.append(notice(i18n.t("compare.empty", lang)))
    else:
        frame = svc.compare_series(series, tuple(codes))
        name_col = "name"
        names = svc.country_names(lang)
        frame = frame.assign(name=[names.get(c, n) for c, n in zip(frame["iso3"], frame["name_en"],
                                                                      strict=True)])
        absent = [names.get(c, c) for c in codes if c not in set(frame["iso3"])]
        if frame.empty:
            body.append(notice(i18n.t("compare.no_values", lang)))
        else:
            if absent:  # a chosen country missing from the chart is said, never silently dropped
                body.append(notice(i18n.t("No value of this metric, so not drawn: {countries}.", lang,
                                          countries=i18n.join(absent, lang))))
            order = {c: i for i, c in enumerate(codes)}
            frame = frame.assign(_o=frame["iso3"].map(order)).sort_values(["_o", "period_start"])
            info = svc.series_info(series) or {}
            label = svc.series_label(series, lang)
            unit = svc.series_unit(series, lang)
            sources = frames.source_line(svc, [info.get("source") or "roamwatch"], lang)
            lines = pd.DataFrame({"label": frame[name_col], "x": figures.x_values(frame),
                                  "value": frame["value"]})
            fig = figures.line_chart(
                lines, title=label, unit=unit, sources=sources,
                snapshot_id=svc.snapshot_id(), lang=lang, yrange=(0, 100) if q.is_score(series) else None,
                height=440,
            )
            tbl = frame.pivot_table(index="period", columns=name_col, values="value", aggfunc="last")
            tbl = tbl[[c for c in frame[name_col].unique() if c in tbl.columns]].reset_index()
            for column in tbl.columns[1:]:
                tbl[column] = [i18n.fmt_kind(v, unit, lang) for v in tbl[column]]
            tbl = tbl.rename(columns={"period": i18n.t("common.period", lang)})
            slug = series.replace(":", "_").replace(".", "_")
            body.append(chart_card(
                "compare-chart", title=label, what=i18n.t("compare.what", lang, metric=label), figure=fig,
                description=figures.describe_lines(lines, title=label, unit=unit, lang=lang),
                table_frame=tbl, filename=f"roamwatch_compare_{slug}_{'_'.join(codes)}", lang=lang,
                csv_href="/download/chart/compare.csv" + build({"metric": series, "countries": codes}),
                cite={"snapshot": svc.snapshot_id(), "sources": sources},
            ))
    return html.Div([html.H1(i18n.t("compare.title", lang)), controls, *notes, *body],
                    className="rw-page", id="compare-page")


@callback(
    Output("url", "search", allow_duplicate=True),
    Input("compare-metric", "value"),
    Input("compare-countries", "value"),
    State("url", "search"),
    prevent_initial_call=True,
)
@inputs.checked(inputs.text, inputs.texts, inputs.search)
def _controls_to_url(metric, countries, search):
    current = parse(search)
    shown = (current.get("metric") or data.get().default_series(),
             split_list(current.get("countries"), upper=True))
    wanted = (metric, list(countries or [])[:MAX_COUNTRIES])
    if wanted == shown:  # the page's own first render, or nothing changed: leave the URL alone
        return no_update
    return build({"metric": metric, "countries": wanted[1], "lang": current.get("lang")})
