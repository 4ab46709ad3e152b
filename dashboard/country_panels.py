"""The country page's panels, each drawn from a frame of :mod:`dashboard.frames` (so the CSV
beside a chart is what it shows). Every panel renders for every country: a missing attribute
or source says so in plain words.
"""

from __future__ import annotations

import json
import sys
import traceback
from collections.abc import Callable
from typing import Any

import pandas as pd
from dash import dcc, html

from dashboard import data, frames, i18n
from dashboard.components import figures, timeline
from dashboard.components.layout import chart_card, csv_links, notice, panel, table

OONI_EXPLORER = "https://explorer.ooni.org/country/{iso2}"


def safe(gid: str, title_key: str, lang: str, build: Callable[..., Any], *args: Any) -> html.Section:
    """``build(*args)``; a panel that fails says so in plain words (the error goes to the server
    log, never to the visitor) instead of blanking the whole page."""
    try:
        return build(*args)
    except Exception:  # noqa: BLE001 - one broken panel must not take the page down
        print(f"roamwatch dashboard: panel {gid} failed:\n{traceback.format_exc()}", file=sys.stderr,
              flush=True)
        section = panel(gid, i18n.t(title_key, lang), notice(i18n.t("common.panel_failed", lang), "error"),
                        lang=lang)
        section.className += " rw-panel-failed"
        return section


def _csv_href(iso3: str, name: str) -> str:
    return f"/download/country/{iso3}/{name}.csv"


def _cite(svc: data.DataService, ids: object, lang: str) -> dict:
    return {"snapshot": svc.snapshot_id(), "sources": frames.source_line(svc, ids, lang)}


def _not_collected(svc: data.DataService, sources: tuple[str, ...]) -> bool:
    collected = svc.collected_sources()
    return not any(s in collected for s in sources)


def _absent(svc: data.DataService, title: str, sources: tuple[str, ...], lang: str) -> str:
    """"no data for this country" or, when no source of the panel was collected here,
    "not collected on this site" (without operator instructions)."""
    key = "common.not_collected" if _not_collected(svc, sources) else "common.no_data_country"
    return i18n.t(key, lang, what=title)


# -- headline strip ------------------------------------------------------------------------------
def headline_strip(svc: data.DataService, iso3: str, facts: pd.DataFrame, lang: str) -> html.Section:
    by = {row["fact"]: row for row in facts.to_dict("records")}
    table_ = frames.source_table(svc)

    def src(row: dict) -> str:
        sid = row.get("source")
        return table_.get(sid, {"name": sid})["name"] if isinstance(sid, str) and sid else ""

    def fact(key: str, label: str, value: Any, lines: list[Any], *rows: dict | None) -> html.Div:
        names = list(dict.fromkeys(src(r) for r in rows if r is not None and src(r)))
        return html.Div([
            html.Div(label, className="rw-fact-label"),
            html.Div(value, className="rw-fact-value"),
            *[html.Div(x, className="rw-fact-line") for x in lines if x],
            html.Div(" · ".join(names), className="rw-fact-source") if names else None,
        ], className="rw-fact", id=f"country-fact-{key}")

    no_data = i18n.t("common.no_data", lang)
    cards = []

    use, gap = by.get("internet"), by.get("gender")
    lines = []
    if gap and gap["state"] == "value":
        d = gap["detail"]
        lines.append(i18n.t("headline.gap", lang, gap=i18n.fmt_kind(gap["value"], "%", lang),
                            women=i18n.fmt_value(d["women"], "%", lang),
                            men=i18n.fmt_value(d["men"], "%", lang), period=gap["period"]))
    else:
        lines.append(i18n.t("headline.gap_none", lang))
    if use and use["state"] == "value":
        value = [i18n.fmt_value(use["value"], "%", lang),
                 html.Span(f" ({use['period']})", className="rw-muted")]
    else:
        value = no_data
    cards.append(fact("internet", i18n.t("headline.internet", lang), value, lines,
                      use if use and use["state"] == "value" else None,
                      gap if gap and gap["state"] == "value" else None))

    f = by.get("fotn")
    if f and f["state"] == "value":
        status = i18n.t("fotn." + f["detail"]["status"].lower().replace(" ", "_"), lang)
        value = [f"{i18n.fmt_kind(f['value'], '0–100', lang)}/100 · {status}"]
        lines = [i18n.t("headline.fotn_edition", lang, edition=f["detail"]["edition"])]
    else:
        value = (i18n.t("headline.fotn_none", lang) if f and f["state"] == "not_covered"
                 else _missing_text(f, lang))
        lines = []
    cards.append(fact("fotn", i18n.t("headline.fotn", lang), value, lines, f if f and f["source"] else None))

    s = by.get("shutdowns")
    cards.append(fact("shutdowns", i18n.t("headline.shutdowns", lang), *_shutdown_text(s, lang),
                      s if s and s.get("source") else None))

    o = by.get("ooni")
    if o and o["state"] == "value":
        d = o["detail"]
        n = i18n.fmt_number(d["measurements"], lang, 0)
        if o["value"] > 0:
            value = i18n.tn("{n} measurement", "{n} measurements", int(o["value"]), lang,
                            n=i18n.fmt_number(o["value"], lang, 0))
            tests = i18n.join((i18n.ooni_test_name(t, lang) for t in d["tests"]), lang)
            lines = [i18n.t("headline.ooni_tests", lang, tests=tests, total=n)]
        else:
            value = i18n.t("headline.ooni_none", lang)
            lines = [i18n.t("headline.ooni_measured", lang, total=n)]
        lines.append(o["period"].replace("..", " – "))
    elif o and o["state"] == "no_data":
        # collected here, nothing from this country: OONI measures only where someone runs its
        # probe, so this says nothing about blocking
        value = i18n.t("headline.ooni_nodata", lang)
        lines = [i18n.t("headline.ooni_no_probe", lang)]
    else:
        value, lines = _missing_text(o, lang), []
    cards.append(fact("ooni", i18n.t("headline.ooni", lang), value, lines,
                      o if o and o["state"] == "value" else None))

    u = by.get("outage")
    cards.append(fact("outage", i18n.t("headline.outage", lang), *_outage_text(u, lang),
                      u if u and u.get("source") else None))
    return html.Section([
        html.H2(i18n.t("headline.title", lang), className="rw-sr-only", id="country-headline-title"),
        html.Div(cards, className="rw-facts"),
    ], id="country-headline", className="rw-headline", **{"aria-labelledby": "country-headline-title"})


def _missing_text(row: dict | None, lang: str) -> str:
    """"not collected on this site" or "no data" (collected, nothing for this country)."""
    if row and row["state"] == "not_collected":
        return i18n.t("headline.not_collected", lang)
    return i18n.t("common.no_data", lang)


def _shutdown_text(row: dict | None, lang: str) -> tuple[Any, list[Any]]:
    if not row or row["state"] in ("no_data", "not_collected"):
        return _missing_text(row, lang), []
    d = row.get("detail") or {}
    if row["state"] == "not_covered":
        if d.get("reason") == "territory":
            return i18n.t("headline.not_covered_short", lang), [
                i18n.t("coverage.by_state", lang, source=frames.EVENT_SOURCE_SHORT["accessnow"])]
        return i18n.t("headline.not_covered", lang, source=d.get("source_name", "")), []
    window = i18n.t("headline.window", lang, first=d.get("first", "?"), last=d.get("last", "?"))
    if not row["value"]:
        return i18n.t("headline.shutdowns_none", lang), [window]
    return i18n.tn("{n} recorded", "{n} recorded", int(row["value"]), lang), [window]


def _outage_text(row: dict | None, lang: str) -> tuple[Any, list[Any]]:
    if not row or row["state"] == "not_collected":
        return _missing_text(row, lang), []
    d = row.get("detail") or {}
    if row["state"] == "no_data":
        return i18n.t("common.no_data", lang), [i18n.t("headline.nothing_here", lang, source="IODA")]
    if row["state"] == "not_covered":
        return i18n.t("headline.not_covered", lang, source=d.get("source_name", "")), []
    if row["state"] == "none":
        return i18n.t("headline.outage_none", lang), [i18n.t("headline.window", lang, first=d.get("first"),
                                                             last=d.get("last"))]
    hours = i18n.fmt_number(row["value"], lang, 1) if not i18n.is_missing(row["value"]) else "?"
    return row["period"], [i18n.t("headline.outage_hours", lang, hours=hours)]


# -- tables of series ----------------------------------------------------------------------------
def series_table(obs: pd.DataFrame, lang: str, table_id: str) -> html.Div:
    """Latest value, year and sparkline per metric (obs: one country's observations, ordered
    by source, name and period as the query returns them)."""
    metrics, names, units = obs["metric"].tolist(), obs["metric_name"].tolist(), obs["unit"].tolist()
    sources, periods, values = obs["source"].tolist(), obs["period"].tolist(), obs["value"].tolist()
    starts = [i for i in range(len(metrics)) if i == 0 or metrics[i] != metrics[i - 1]]
    rows = []
    for a, b in zip(starts, [*starts[1:], len(metrics)], strict=True):
        series = values[a:b]
        svg = figures.sparkline_svg(series)
        words = figures.trend_words(series, lang, units[a])
        spark = html.Img(src=figures.svg_data_uri(svg), alt=words, width=120, height=28) \
            if svg else html.Span("–")
        rows.append(html.Tr([
            html.Th(i18n.metric_name(metrics[a], names[a], lang), scope="row", title=metrics[a]),
            html.Td(i18n.fmt_value(series[-1], units[a], lang), className="rw-num"),
            html.Td(str(periods[b - 1])),
            html.Td(spark),
            html.Td(frames.source_short(sources[a]), title=sources[a]),
        ]))
    head = html.Thead(html.Tr([html.Th(i18n.t(k, lang), scope="col") for k in (
        "common.metric", "country.latest", "common.period", "common.trend", "common.source")]))
    return html.Div(html.Table([head, html.Tbody(rows)], className="rw-table", id=table_id),
                    className="rw-table-wrap")


def indicators_panel(svc: data.DataService, iso3: str, obs: pd.DataFrame, lang: str) -> html.Section:
    title = i18n.t("country.indicators", lang)
    other = frames.indicator_obs(obs)
    if other.empty:
        return panel("country-indicators", title,
                     notice(i18n.t("common.no_data_country", lang, what=title)), lang=lang)
    return panel("country-indicators", title, [
        series_table(other, lang, "country-indicators-table"),
        html.Div(csv_links(_csv_href(iso3, "indicators"), f"roamwatch_{iso3}_indicators", lang,
                           "country-indicators-csv"), className="rw-actions rw-tools"),
    ], what=i18n.t("country.indicators_what", lang), lang=lang)


def rights_panel(svc: data.DataService, iso3: str, obs: pd.DataFrame, lang: str) -> html.Section:
    title = i18n.t("country.rights", lang)
    rights = frames.rights_obs(obs)
    if rights.empty:
        return panel("country-rights", title, notice(_absent(svc, title, data.RIGHTS_SOURCES, lang)),
                     lang=lang)
    return panel("country-rights", title, [
        series_table(rights, lang, "country-rights-table"),
        html.Div(csv_links(_csv_href(iso3, "rights"), f"roamwatch_{iso3}_rights", lang,
                           "country-rights-csv"), className="rw-actions rw-tools"),
    ], what=i18n.t("country.rights_what", lang), lang=lang)


# -- charts --------------------------------------------------------------------------------------
def gender_panel(svc: data.DataService, iso3: str, wanted: pd.DataFrame, lang: str, snapshot: str | None
                 ) -> html.Section:
    """``wanted``: Internet use by sex (:func:`frames.gender_obs`)."""
    title = i18n.t("country.gender", lang)
    if wanted.empty:
        return panel("country-gender", title, notice(_absent(svc, title, ("worldbank", "itu"), lang)),
                     lang=lang)
    several = wanted["source"].nunique() > 1
    words = {"women": i18n.t("country.women", lang), "men": i18n.t("country.men", lang)}
    label = [words[s] + (f" ({frames.source_short(src)})" if several else "") for s, src in
             zip(wanted["sex"], wanted["source"], strict=True)]
    frame = pd.DataFrame({"label": label, "sex": wanted["sex"].to_numpy(),
                          "source": wanted["source"].to_numpy(), "x": figures.x_values(wanted).to_numpy(),
                          "value": wanted["value"].to_numpy()})
    sources = frames.source_line(svc, wanted["source"], lang)
    fig = figures.gender_chart(frame, title=title, sources=sources, snapshot_id=snapshot, lang=lang)
    tbl = wanted.assign(label=label).pivot_table(index="period", columns="label", values="value",
                                                 aggfunc="last")
    tbl = tbl.reset_index().rename(columns={"period": i18n.t("common.period", lang)})
    for column in tbl.columns[1:]:
        tbl[column] = [i18n.fmt_kind(v, "%", lang) for v in tbl[column]]
    return chart_card("country-gender", title=title, what=i18n.t("country.gender_what", lang), figure=fig,
                      description=figures.describe_lines(frame, title=title, unit="%", lang=lang),
                      table_frame=tbl, filename=f"roamwatch_{iso3}_internet_use_by_sex", lang=lang,
                      csv_href=_csv_href(iso3, "gender"), cite=_cite(svc, wanted["source"], lang))


def ooni_panel(svc: data.DataService, iso3: str, iso2: str | None, months: pd.DataFrame, lang: str,
               snapshot: str | None) -> html.Section:
    title = i18n.t("country.censorship", lang)
    link = None
    if iso2:
        link = html.P(html.A(i18n.t("country.ooni_explorer", lang), href=OONI_EXPLORER.format(iso2=iso2),
                             rel="noopener noreferrer", target="_blank", id="country-ooni-explorer"),
                      className="rw-muted")
    if months.empty:
        return panel("country-censorship", title,
                     [notice(_absent(svc, title, data.CENSORSHIP_SOURCES, lang)), link], lang=lang)
    threshold = data.OONI_MIN_MEASUREMENTS
    fig = figures.ooni_bars(months, title=title, sources=frames.source_line(svc, ["ooni"], lang),
                            snapshot_id=snapshot, lang=lang, threshold=threshold)
    tbl = pd.DataFrame({
        i18n.t("country.test", lang): [i18n.ooni_test_name(t, lang) for t in months["test"]],
        i18n.t("common.period", lang): [pd.Timestamp(d).strftime("%Y-%m") for d in months["month"]],
        i18n.t("country.measurements", lang): [i18n.fmt_number(v, lang, 0) for v in months["measurements"]],
        **{f"{i18n.ooni_bucket_label(b, lang)} (%)":
           [i18n.fmt_kind(v, "%", lang) for v in months[f"{b}_share"]]
           for b in ("ok", "anomaly", "confirmed", "failure")},
        i18n.t("country.low_sample", lang):
            [i18n.t("common.yes", lang) if v else "" for v in months["low_sample"]],
    })
    what = i18n.t("country.censorship_what", lang, n=threshold)
    return chart_card("country-censorship", title=title, what=what, figure=fig,
                      description=figures.describe_ooni(months, lang), table_frame=tbl,
                      filename=f"roamwatch_{iso3}_ooni", lang=lang, csv_href=_csv_href(iso3, "ooni"),
                      cite=_cite(svc, ["ooni"], lang), notes=link)


def radar_panel(svc: data.DataService, iso3: str, prof: frames.Profile | None, lang: str,
                snapshot: str | None) -> html.Section:
    title = i18n.t("country.radar", lang)
    if prof is None:
        return panel("country-radar", title, notice(i18n.t("country.scores_missing", lang)), lang=lang)
    if prof.year is None:
        return panel("country-radar", title, notice(i18n.t("country.scores_none", lang)), lang=lang)
    year, profile = prof.year, prof.frame
    name = svc.country_name(iso3, lang)
    labels = {"country": name, "region": i18n.t("country.median_region", lang),
              "income_group": i18n.t("country.median_income", lang),
              "world": i18n.t("country.median_world", lang)}
    heading = i18n.t("country.radar_title", lang, title=title, country=name, year=year)
    fig = figures.radar(profile, title=heading, snapshot_id=snapshot, lang=lang, labels=labels)
    tbl = pd.DataFrame({
        i18n.t("common.metric", lang): [i18n.roamx_label(k, lang) for k in profile["key"]],
        name: [i18n.fmt_kind(v, "0–100", lang) for v in profile["country"]],
        i18n.t("common.coverage", lang): [i18n.fmt_share(c, lang) for c in profile["coverage"]],
        i18n.t("world.framework_coverage", lang): [
            "–" if i18n.is_missing(t) else i18n.t("common.n_of_m", lang, n=int(f), m=int(t))
            for f, t in zip(profile["themes_filled"], profile["framework_themes"], strict=True)],
        labels["region"]: [i18n.fmt_kind(v, "0–100", lang) for v in profile["region"]],
        labels["income_group"]: [i18n.fmt_kind(v, "0–100", lang)
                                 for v in profile["income_group"]],
        labels["world"]: [i18n.fmt_kind(v, "0–100", lang) for v in profile["world"]],
    })
    detail = prof.detail
    inputs = pd.DataFrame({
        i18n.t("country.level", lang): [i18n.t(f"level.{lv}", lang) for lv in detail["level"]],
        i18n.t("common.metric", lang): [data.score_label(lv, k, lang)
                                        for lv, k in zip(detail["level"], detail["key"], strict=True)],
        i18n.t("common.value", lang): [i18n.fmt_kind(v, "0–100", lang) if not i18n.is_missing(v)
                                       else i18n.t("common.insufficient", lang) for v in detail["value"]],
        i18n.t("common.coverage", lang): [i18n.fmt_share(c, lang) for c in detail["coverage"]],
        i18n.t("country.trace", lang): [_short_json(d) for d in detail["details"]],
    })
    return chart_card(
        "country-radar", title=title,
        what=i18n.sentences((i18n.t("country.radar_what", lang, year=year),
                             i18n.t("country.radar_more", lang)), lang),
        figure=fig,
        description=figures.describe_radar(profile, year, lang), table_frame=tbl,
        filename=f"roamwatch_{iso3}_roamx_{year}", lang=lang, csv_href=_csv_href(iso3, "profile"),
        cite=_cite(svc, ["roamwatch"], lang),
        extra=[html.Details([html.Summary(i18n.t("country.score_inputs", lang)),
                             table(inputs, lang=lang, markdown=False)], className="rw-details")],
    )


def _short_json(value: object, limit: int = 300) -> str:
    if i18n.is_missing(value):
        return ""
    try:
        text = json.dumps(json.loads(str(value)), ensure_ascii=False, sort_keys=True)
    except ValueError:
        text = str(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _years(first: object, last: object) -> str:
    a, b = pd.Timestamp(first).year, pd.Timestamp(last).year
    return str(a) if a == b else f"{a}–{b}"


def coverage_lines(view: frames.EventsView, lang: str) -> list[str]:
    """Per event source: what it recorded, "none recorded … (covers …)", or "not covered"."""
    lines = []
    for row in view.sources.to_dict("records"):
        if row["state"] == "not_covered":
            lines.append(i18n.t("coverage.by_state", lang, source=row["short"])
                         if row.get("reason") == "territory"
                         else i18n.t("timeline.not_covered", lang, source=row["name"]))
            continue
        covers = _years(row["first_day"], row["last_day"]) if row["first_day"] is not None else "?"
        if row["state"] == "none":
            lines.append(i18n.t("timeline.none_recorded", lang, source=row["name"], years=covers))
        else:
            until = "" if row["last_day"] is None else i18n.fmt_date(row["last_day"], lang)
            lines.append(i18n.tn("{source}: {n} recorded (covers {years}, last update {until}).",
                                 "{source}: {n} recorded (covers {years}, last update {until}).",
                                 int(row["events"]), lang, source=row["name"], years=covers, until=until))
    return lines


def _end_text(row: dict, lang: str) -> str:
    if row["end_state"] == "known":
        return i18n.fmt_date(row["end_time"], lang)
    if row["end_state"] == "ongoing":
        return i18n.t("timeline.ongoing_until", lang, date=i18n.fmt_date(row["as_of"], lang))
    return i18n.t("country.end_unknown", lang)


def events_panel(svc: data.DataService, iso3: str, view: frames.EventsView, lang: str,
                 snapshot: str | None) -> html.Section:
    title = i18n.t("country.events", lang)
    lines = coverage_lines(view, lang)
    notes = html.Ul([html.Li(x) for x in lines], className="rw-coverage-lines",
                    id="country-events-coverage") if lines else None
    if view.events.empty:
        # "none recorded" inside a source's coverage is a finding, not a gap in the data
        found = lines and set(view.sources["state"]) == {"none"}
        text = i18n.sentences(lines, lang) if lines else _absent(svc, title, data.EVENT_SOURCES, lang)
        body = [notice(text, "fact" if found else "info")]
        return panel("country-events", title, body, lang=lang)
    # chart rows and types in the page's language (the frames keep the source's English)
    words = {t: i18n.t(t, lang) for t in view.events["type"].unique()}
    label = {r: f"{frames.EVENT_SOURCE_SHORT.get(s, s)} · {words[t]}"
             for r, s, t in zip(view.events["row"], view.events["source"], view.events["type"], strict=True)}
    ev = view.events.assign(row=view.events["row"].map(label))
    view = frames.EventsView(ev, view.coverage, view.sources)
    sources = frames.source_line(svc, ev["source"], lang)
    rows = ev.to_dict("records")
    listing = pd.DataFrame({
        i18n.t("common.source", lang): [frames.EVENT_SOURCE_SHORT.get(r["source"], r["source"])
                                        for r in rows],
        i18n.t("timeline.type", lang): [i18n.t(r["type"], lang) for r in rows],
        i18n.t("country.start", lang): [i18n.fmt_date(r["start_time"], lang) for r in rows],
        i18n.t("country.end", lang): [_end_text(r, lang) for r in rows],
        i18n.t("timeline.days", lang): [str(r["days"]) for r in rows],
        i18n.t("timeline.area", lang): [r["area"] for r in rows],
        i18n.t("timeline.cause", lang): [i18n.cause_text(r["cause"], lang) for r in rows],
    })
    if view.many:
        counts = frames.monthly_counts(view)
        counts = counts.assign(type=[i18n.t(x, lang) for x in counts["type"]])
        fig = timeline.monthly_counts(counts, view.coverage, title=title, sources=sources,
                                      snapshot_id=snapshot, lang=lang)
        what = i18n.t("timeline.what_many", lang, n=len(ev))
        areas = frames.areas_and_causes(view)
        area_table = pd.DataFrame({
            i18n.t("timeline.area", lang): [a or i18n.t("Area not stated", lang) for a in areas["area"]],
            i18n.t("timeline.events", lang): areas["events"].astype(str),
            i18n.t("timeline.days", lang): areas["days"].astype(str),
            i18n.t("timeline.first", lang): [i18n.fmt_date(d, lang) for d in areas["first"]],
            i18n.t("timeline.last", lang): [i18n.fmt_date(d, lang) for d in areas["last"]],
            i18n.t("timeline.causes", lang): [
                i18n.join([i18n.t("{cause} ({n})", lang, cause=i18n.cause_text(c, lang),
                                  n=i18n.fmt_number(n, lang, 0)) for c, n in causes], lang)
                for causes in areas["causes"]],
        })
        after = [html.H3(i18n.t("timeline.areas_title", lang), className="rw-h3"),
                 table(area_table, lang=lang, max_rows=25, class_name="rw-table rw-areas"),
                 html.Div([html.Span(i18n.t("timeline.list_csv", lang) + " "),
                           *csv_links(_csv_href(iso3, "events_list"), f"roamwatch_{iso3}_events", lang,
                                      "country-events-list-csv")], className="rw-actions rw-tools")]
    else:
        fig = timeline.event_bars(ev, _coverage_rows(view), title=title, sources=sources,
                                  snapshot_id=snapshot, lang=lang)
        what = i18n.t("timeline.what_bars", lang)
        after = None
    return chart_card("country-events", title=title, what=what, figure=fig,
                      description=describe_events(view, lang), table_frame=listing,
                      filename=f"roamwatch_{iso3}_outages_shutdowns", lang=lang,
                      csv_href=_csv_href(iso3, "events"), cite=_cite(svc, ev["source"], lang),
                      notes=notes, after=after)


def _coverage_rows(view: frames.EventsView) -> pd.DataFrame:
    """The coverage band of each chart row: the windows of the row's source."""
    pairs = dict.fromkeys(zip(view.events["source"], view.events["row"], strict=True))
    windows = view.coverage.to_dict("records")
    return pd.DataFrame([{"row": row, "first_day": w["first_day"], "last_day": w["last_day"]}
                         for source, row in pairs for w in windows if w["source"] == source],
                        columns=["row", "first_day", "last_day"])


def describe_events(view: frames.EventsView, lang: str) -> str:
    ev = view.events
    states = ev["end_state"].value_counts()
    parts = [i18n.tn("{n} event from {first} to {last}: {known} with a known end, {ongoing} ongoing, "
                     "{unknown} with no end reported.",
                     "{n} events from {first} to {last}: {known} with a known end, {ongoing} ongoing, "
                     "{unknown} with no end reported.", len(ev), lang,
                     first=i18n.fmt_date(ev["first_day"].min(), lang),
                    last=i18n.fmt_date(ev["first_day"].max(), lang),
                    known=int(states.get("known", 0)),
                    ongoing=int(states.get("ongoing", 0)), unknown=int(states.get("unknown", 0)))]
    parts += coverage_lines(view, lang)
    return i18n.sentences(parts, lang)


def freshness_panel(svc: data.DataService, iso3: str, lang: str) -> html.Section:
    title = i18n.t("country.freshness", lang)
    fresh = svc.country_freshness(iso3)
    if fresh.empty:
        return panel("country-freshness", title, notice(i18n.t("common.no_data_country", lang, what=title)),
                     lang=lang)
    tbl = pd.DataFrame({
        i18n.t("common.source", lang): fresh["source_name"],
        i18n.t("country.newest", lang): fresh["newest_period"],
        i18n.t("sources.age", lang): [i18n.fmt_age(v, lang) for v in fresh["newest_end"]],
        i18n.t("country.fetched", lang): [i18n.fmt_date(v, lang, True) for v in fresh["fetched_at"]],
        i18n.t("country.last_success", lang): [i18n.fmt_date(v, lang, True) for v in fresh["last_success"]],
        i18n.t("country.rows", lang): [i18n.fmt_number(v, lang, 0) for v in fresh["rows"]],
    })
    return panel("country-freshness", title, table(tbl, lang=lang),
                 what=i18n.sentences((i18n.t("country.freshness_what", lang),
                                     i18n.t("country.age_note", lang)), lang),
                 lang=lang)


def explorer_link(iso2: str | None) -> str | None:
    return OONI_EXPLORER.format(iso2=iso2) if iso2 else None


__all__ = ["dcc"]
