"""Country page: every panel about one country, from whatever the snapshot holds.

URL: ``/country/<ISO3>?lang=fr``. ISO2 codes and names (``/country/KE``, ``/country/kenya``)
redirect to the ISO3 URL; anything else gets the not-found page with the nearest countries.
"""

from __future__ import annotations

import json
import re

import dash
import pandas as pd
from dash import Input, Output, callback, dcc, html, no_update

from dashboard import checks, data, i18n
from dashboard.brief import strings as _brief_strings  # noqa: F401 - the brief button's label
from dashboard.components import figures, inputs
from dashboard.components.alerts import country_strip
from dashboard.components.layout import (
    chart_card,
    download_link,
    no_data_page,
    not_found_page,
    notice,
    panel,
    table,
)
from dashboard.components.urlstate import build, href


def _title(iso3: str | None = None, **_kw: object) -> str:
    try:
        svc = data.get()
        match = svc.resolve_country(iso3)
        if svc.available() and match.iso3:
            return f"roamwatch – {svc.country_name(match.iso3, 'en')}"
    except Exception:  # noqa: BLE001 - a title must never break the page
        pass
    return "roamwatch – Country"


dash.register_page(__name__, path_template="/country/<iso3>", path="/country/KEN", name="Country",
                   title=_title, order=1)

GENDER_RE = re.compile(r"\b(?:female|male|women|men)\b", re.IGNORECASE)


def _source_collected(svc: data.DataService, prefix: str) -> bool:
    return any(s == prefix or s.startswith(prefix + ".") or s.startswith(prefix + "_")
               for s in svc.collected_sources())


def _stamp_sources(frame: pd.DataFrame) -> str:
    return ", ".join(sorted(frame["source_name"].dropna().unique()))


def _series_table(obs: pd.DataFrame, lang: str, table_id: str) -> html.Table:
    """Latest value, year and sparkline per metric (obs: one country's observations)."""
    rows = []
    ordered, groups = figures.group_slices(obs, ["metric", "metric_name", "unit", "source"], "period_start")
    all_values, periods = ordered["value"].tolist(), ordered["period"].tolist()
    for (metric, name, unit, source), a, b in groups:
        values = all_values[a:b]
        svg = figures.sparkline_svg(values)
        words = figures.trend_words(values, lang)
        spark = html.Img(src=figures.svg_data_uri(svg), alt=words, title=words, width=120, height=28) \
            if svg else html.Span("–", title=words)
        rows.append(html.Tr([
            html.Th(name, scope="row", title=metric),
            html.Td(i18n.fmt_value(values[-1], unit, lang), className="rw-num"),
            html.Td(str(periods[b - 1])),
            html.Td(spark),
            html.Td(source),
        ]))
    head = html.Thead(html.Tr([html.Th(i18n.t(k, lang), scope="col") for k in (
        "common.metric", "country.latest", "common.period", "common.trend", "common.source")]))
    return html.Div(html.Table([head, html.Tbody(rows)], className="rw-table", id=table_id),
                    className="rw-table-wrap")


def _lines_card(gid: str, obs: pd.DataFrame, *, title: str, what: str, lang: str, snapshot: str | None,
                filename: str, yrange: tuple[float, float] | None = None,
                labels: dict[str, str] | None = None) -> html.Section:
    obs = obs.assign(metric_name=obs["metric"].map(labels or {}).fillna(obs["metric_name"]))
    frame = pd.DataFrame({"label": obs["metric_name"], "x": figures.x_values(obs), "value": obs["value"]})
    units = sorted(u for u in obs["unit"].dropna().unique() if u)
    unit = units[0] if len(units) == 1 else None
    fig = figures.line_chart(frame, title=title, unit=unit, sources=_stamp_sources(obs),
                             snapshot_id=snapshot, lang=lang, yrange=yrange)
    tbl = obs.pivot_table(index="period", columns="metric_name", values="value", aggfunc="last")
    tbl = tbl.reset_index().rename(columns={"period": i18n.t("common.period", lang)})
    for column in tbl.columns[1:]:
        tbl[column] = [i18n.fmt_number(v, lang) for v in tbl[column]]
    return chart_card(gid, title=title, what=what, figure=fig,
                      description=figures.describe_lines(frame, title=title, unit=unit, lang=lang),
                      table_frame=tbl, filename=filename, lang=lang)


def _gender_panel(svc, obs, iso3, lang, snapshot) -> html.Section:
    title = i18n.t("country.gender", lang)
    pairs = [m for pair in data.GENDER_PAIRS for m in pair]
    # the World Bank pair, plus other sources' sex-disaggregated Internet-use metrics (ITU, DGG)
    # the name tests run once per distinct name, not once per observation
    names = pd.Series(obs["metric_name"].unique(), dtype=obs["metric_name"].dtype)
    by_sex = names[names.str.contains(GENDER_RE) & names.str.contains("internet", case=False)
                   & ~names.str.contains("gap|parity|ratio", case=False)]
    wanted = obs[obs["metric"].isin(pairs) | obs["metric_name"].isin(by_sex)]
    if wanted.empty:
        known = set(svc.metrics()["id"])
        text = i18n.t("common.no_data_country", lang, what=title) if known & set(pairs) else \
            i18n.t("common.not_collected", lang, what=title, cmd="worldbank")
        return panel("country-gender", title, notice(text), lang=lang)
    labels = {}
    for metric, name in wanted[["metric", "metric_name"]].drop_duplicates().itertuples(index=False):
        sex = GENDER_RE.search(name)
        if sex:
            key = "country.women" if sex.group(0).lower() in ("female", "women") else "country.men"
            several = wanted["source"].nunique() > 1
            labels[metric] = i18n.t(key, lang) + (f" ({data.source_of(metric)})" if several else "")
    return _lines_card("country-gender", wanted, title=title, what=i18n.t("country.gender_what", lang),
                       lang=lang, snapshot=snapshot, filename=f"roamwatch_{iso3}_internet_use_by_sex",
                       labels=labels)


def _censorship_panel(svc, iso3, lang, snapshot) -> html.Section:
    title = i18n.t("country.censorship", lang)
    counts = svc.country_ooni(iso3)
    if counts.empty:
        text = i18n.t("common.no_data_country", lang, what=title) if _source_collected(svc, "ooni") else \
            i18n.t("common.not_collected", lang, what=title, cmd="ooni")
        return panel("country-censorship", title, notice(text), lang=lang)
    anomaly, confirmed = i18n.t("country.anomaly", lang), i18n.t("country.confirmed", lang)
    colour = counts["test"].map({t: i for i, t in enumerate(dict.fromkeys(counts["test"]))})
    parts = [pd.DataFrame({"label": counts["test"] + f" · {anomaly}", "x": counts["month"],
                           "value": counts["anomaly_rate"], "colour": colour, "dash": 0})]
    if (counts["confirmed"] > 0).any():
        parts.append(pd.DataFrame({"label": counts["test"] + f" · {confirmed}", "x": counts["month"],
                                   "value": counts["confirmed_rate"], "colour": colour, "dash": 2}))
    lines = pd.concat(parts, ignore_index=True)
    fig = figures.line_chart(lines, title=title, unit="%", sources="OONI", snapshot_id=snapshot, lang=lang,
                             height=440)
    tbl = pd.DataFrame({
        "test": counts["test"],
        i18n.t("common.period", lang): counts["month"].map(lambda d: pd.Timestamp(d).strftime("%Y-%m")),
        i18n.t("country.measurements", lang): [i18n.fmt_number(v, lang, 0) for v in counts["measurements"]],
        f"{anomaly} (%)": [i18n.fmt_number(v, lang, 1) for v in counts["anomaly_rate"]],
        f"{confirmed} (%)": [i18n.fmt_number(v, lang, 1) for v in counts["confirmed_rate"]],
    })
    return chart_card("country-censorship", title=title, what=i18n.t("country.censorship_what", lang),
                      figure=fig, description=figures.describe_lines(lines, title=title, unit="%", lang=lang),
                      table_frame=tbl, filename=f"roamwatch_{iso3}_ooni", lang=lang)


def _coverage_lines(svc, iso3, lang) -> list[str]:
    """One sentence per event source: the periods in which its silence means "none recorded"."""
    status = svc.source_status()
    names = dict(zip(status["id"], status["name"], strict=True)) if "name" in status else {}
    lines = []
    for source in data.EVENT_SOURCES:
        windows = svc.coverage(source, iso3)
        if windows:
            spans = ", ".join(f"{i18n.fmt_date(a, lang)} – {i18n.fmt_date(b, lang)}" for a, b in windows)
            lines.append(i18n.t("country.coverage_line", lang, source=names.get(source) or source,
                                spans=spans))
    return lines


def _events_panel(svc, iso3, lang, snapshot) -> html.Section:
    title = i18n.t("country.events", lang)
    events = svc.country_events(iso3)
    coverage = _coverage_lines(svc, iso3, lang)
    if events.empty:
        collected = any(_source_collected(svc, s) for s in data.EVENT_SOURCES)
        if coverage:  # inside the sources' coverage, no event is "none recorded", not "no data"
            return panel("country-events", title,
                         html.Div([notice(i18n.t("country.events_none_recorded", lang)),
                                   *[html.P(line, className="rw-muted") for line in coverage]],
                                  id="country-events-coverage"), lang=lang)
        text = i18n.t("common.no_data_country", lang, what=title) if collected else \
            i18n.t("common.not_collected", lang, what=title, cmd=" ".join(data.EVENT_SOURCES))
        return panel("country-events", title, notice(text), lang=lang)
    fig = figures.timeline(events, title=title, sources=_stamp_sources(events), snapshot_id=snapshot,
                           lang=lang)
    tbl = pd.DataFrame({
        i18n.t("common.source", lang): events["source_name"],
        i18n.t("country.kind", lang): events["kind"],
        i18n.t("country.start", lang): [i18n.fmt_date(v, lang, True) for v in events["start_time"]],
        i18n.t("country.end", lang): [_end_label(e, state, last, lang) for e, state, last in zip(
            events["end_time"], events["end_state"], events["last_day"], strict=True)],
        i18n.t("country.severity", lang): [i18n.fmt_number(v, lang) for v in events["severity"]],
    })
    return chart_card("country-events", title=title, what=i18n.t("country.events_what", lang), figure=fig,
                      description=figures.describe_timeline(events, lang), table_frame=tbl,
                      filename=f"roamwatch_{iso3}_outages", lang=lang,
                      extra=[html.Div([html.P(line, className="rw-muted") for line in coverage],
                                      id="country-events-coverage")] if coverage else None)


def _end_label(end, state, last_day, lang: str) -> str:
    """An event's end as roamwatch.events defines it: a date, ongoing as of the data's last
    update, or unknown."""
    if state == "known" and not i18n.is_missing(end):
        return i18n.fmt_date(end, lang, True)
    if state == "ongoing":
        return i18n.t("country.ongoing_as_of", lang, date=i18n.fmt_date(last_day, lang))
    return i18n.t("country.end_unknown", lang)


def _rights_panel(svc, obs, lang) -> html.Section:
    title = i18n.t("country.rights", lang)
    rights = obs[obs["source"].isin(data.RIGHTS_SOURCES)]
    if rights.empty:
        collected = any(_source_collected(svc, s) for s in data.RIGHTS_SOURCES)
        text = i18n.t("common.no_data_country", lang, what=title) if collected else \
            i18n.t("common.not_collected", lang, what=title, cmd="fotn vdem")
        return panel("country-rights", title, notice(text), lang=lang)
    return panel("country-rights", title, _series_table(rights, lang, "country-rights-table"),
                 what=i18n.t("country.rights_what", lang), lang=lang)


def _radar_panel(svc, iso3, country, lang, snapshot) -> html.Section:
    title = i18n.t("country.radar", lang)
    if not svc.has_scores():
        return panel("country-radar", title, notice(i18n.t("country.scores_missing", lang)), lang=lang)
    scores = svc.country_scores(iso3)
    cats = scores[(scores["level"] == "category") & scores["value"].notna()]
    if cats.empty:
        return panel("country-radar", title, notice(i18n.t("country.scores_none", lang)), lang=lang)
    year = int(cats["year"].max())
    mine = scores[(scores["year"] == year) & (scores["level"] == "category")]
    medians = svc.score_medians(year, "category", country.get("region"), country.get("income_group"))
    keys = [k for k in "ROAMX" if k in set(mine["key"]) | set(medians["key"])]
    keys += sorted(set(mine["key"]) - set(keys))
    profile = pd.DataFrame({"key": keys})
    profile = profile.merge(mine[["key", "value"]].rename(columns={"value": "country"}), on="key", how="left")
    profile = profile.merge(medians, on="key", how="left")
    name = svc.country_name(iso3, lang)
    labels = {"country": name, "region": i18n.t("country.median_region", lang),
              "income_group": i18n.t("country.median_income", lang),
              "world": i18n.t("country.median_world", lang)}
    fig = figures.radar(profile, title=f"{title} — {name}, {year}", snapshot_id=snapshot, lang=lang,
                        labels=labels)
    framework = {k: _framework_text(d, lang) for k, d in zip(mine["key"], mine["details"], strict=True)}
    tbl = pd.DataFrame({
        i18n.t("common.metric", lang): [i18n.roamx_label(k, lang) for k in profile["key"]],
        name: [i18n.fmt_number(v, lang, 0) for v in profile["country"]],
        labels["region"]: [i18n.fmt_number(v, lang, 0) for v in profile["region"]],
        labels["income_group"]: [i18n.fmt_number(v, lang, 0) for v in profile["income_group"]],
        labels["world"]: [i18n.fmt_number(v, lang, 0) for v in profile["world"]],
        i18n.t("world.framework_coverage", lang): [framework.get(k, "–") for k in profile["key"]],
    })
    detail = scores[scores["year"] == year]
    inputs = pd.DataFrame({
        "level": detail["level"],
        i18n.t("common.metric", lang): [data.score_label(lv, k, lang)
                                        for lv, k in zip(detail["level"], detail["key"], strict=True)],
        i18n.t("common.value", lang): [i18n.fmt_number(v, lang, 1) if not i18n.is_missing(v)
                                       else i18n.t("common.insufficient", lang) for v in detail["value"]],
        i18n.t("common.coverage", lang): [i18n.fmt_number(c * 100, lang, 0) + "%"
                                          if not i18n.is_missing(c) else "–" for c in detail["coverage"]],
        "details": [_short_json(d) for d in detail["details"]],
    })
    return chart_card(
        "country-radar", title=title,
        what=i18n.t("country.radar_what", lang, year=year) + " " + i18n.t("country.radar_more", lang),
        figure=fig,
        description=figures.describe_radar(profile, year, lang), table_frame=tbl,
        filename=f"roamwatch_{iso3}_roamx_{year}", lang=lang,
        extra=[html.Details([html.Summary(i18n.t("country.score_inputs", lang)),
                             table(inputs, lang=lang)], className="rw-details")],
    )


def _framework_text(details: object, lang: str) -> str:
    """"2 of 6": the framework's themes of a category with a value, from a score's details."""
    try:
        fw = json.loads(str(details)).get("framework") or {}
        return i18n.t("common.n_of_m", lang, n=int(fw["themes_filled"]), m=int(fw["themes_in_framework"]))
    except (ValueError, TypeError, KeyError, AttributeError):
        return "–"


def _short_json(value: object, limit: int = 300) -> str:
    if i18n.is_missing(value):
        return ""
    try:
        text = json.dumps(json.loads(str(value)), ensure_ascii=False, sort_keys=True)
    except ValueError:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _freshness_panel(svc, iso3, lang) -> html.Section:
    title = i18n.t("country.freshness", lang)
    fresh = svc.country_freshness(iso3)
    tbl = pd.DataFrame({
        i18n.t("common.source", lang): fresh["source_name"],
        i18n.t("country.newest", lang): fresh["newest_period"],
        i18n.t("sources.age", lang): [i18n.fmt_age(v, lang) for v in fresh["newest_start"]],
        i18n.t("country.fetched", lang): [i18n.fmt_date(v, lang, True) for v in fresh["fetched_at"]],
        i18n.t("country.last_success", lang): [i18n.fmt_date(v, lang, True) for v in fresh["last_success"]],
        i18n.t("country.rows", lang): [i18n.fmt_number(v, lang, 0) for v in fresh["rows"]],
    })
    return panel("country-freshness", title, table(tbl, lang=lang),
                 what=i18n.t("country.freshness_what", lang), lang=lang)


@data.cached_page
def layout(iso3: str | None = None, lang: str | None = None, **_query: object) -> html.Div:
    lang = i18n.lang_of(lang)
    svc = data.get()
    if not svc.available():
        return no_data_page(lang, svc.problem)
    match = svc.resolve_country(iso3)
    if match.status == "missing":
        missing = checks.country(iso3, lang)
        return not_found_page(lang, "country", iso3, missing.suggestions if missing else [])
    if match.status == "redirect":
        target = f"/country/{match.iso3}" + build({"lang": lang})
        return html.Div([
            dcc.Store(id="country-redirect", data=target),
            html.P([i18n.t("redirect.body", lang, href=""), dcc.Link(target, href=target)]),
        ], className="rw-page")
    code = match.iso3
    country = svc.country_row(code) or {}
    snapshot = svc.snapshot_id()
    name = svc.country_name(code, lang)
    obs = svc.country_observations(code)

    other = obs[~obs["source"].isin(data.RIGHTS_SOURCES + data.CENSORSHIP_SOURCES)
                & ~obs["source"].str.startswith("ooni")]
    if other.empty:
        indicators = panel("country-indicators", i18n.t("country.indicators", lang),
                           notice(i18n.t("common.no_data_country", lang,
                                         what=i18n.t("country.indicators", lang))),
                           lang=lang)
    else:
        indicators = panel("country-indicators", i18n.t("country.indicators", lang),
                           _series_table(other, lang, "country-indicators-table"),
                           what=i18n.t("country.indicators_what", lang), lang=lang)

    facts = [i18n.region_label(country.get("region"), lang),
             i18n.income_label(country.get("income_group"), lang),
             i18n.t("country.codes", lang, iso3=code, iso2=country.get("iso2") or "–")]
    header = html.Header([
        html.H1(name, id="country-name"),
        html.P(" · ".join(f for f in facts if f), className="rw-muted"),
        html.Div([
            download_link(i18n.t("country.download", lang), f"/download/country/{code}.csv",
                          f"roamwatch_{code}_{snapshot}.csv", "country-download"),
            html.A(i18n.t("Brief (PDF)", lang), href=f"/country/{code}/brief.pdf" + build({"lang": lang}),
                   className="rw-button", id="country-brief", title=i18n.t(
                       "A printable 2–4 page brief of this country, arranged by ROAM-X", lang),
                   target="_blank", rel="noopener"),
            dcc.Link(i18n.t("country.compare_link", lang), className="rw-button",
                     href=href("/compare", lang, metric=data.DEFAULT_METRIC
                               if (obs["metric"] == data.DEFAULT_METRIC).any() else None, countries=code)),
        ], className="rw-actions"),
    ], className="rw-country-header")

    return html.Div([
        header,
        _radar_panel(svc, code, country, lang, snapshot),
        indicators,
        html.Div([_gender_panel(svc, obs, code, lang, snapshot),
                  _censorship_panel(svc, code, lang, snapshot)], className="rw-two"),
        _events_panel(svc, code, lang, snapshot),
        country_strip(svc, code, lang),
        _rights_panel(svc, obs, lang),
        _freshness_panel(svc, code, lang),
    ], className="rw-page", id="country-page", **{"data-iso3": code})


@callback(
    Output("url", "pathname", allow_duplicate=True),
    Output("url", "search", allow_duplicate=True),
    Input("country-redirect", "data"),
    prevent_initial_call="initial_duplicate",
)
@inputs.checked(inputs.text)
def _redirect(target):
    if not target or not target.startswith("/country/"):
        return no_update, no_update
    path, _, search = target.partition("?")
    return path, ("?" + search) if search else ""

