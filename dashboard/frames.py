"""What each chart and table of the dashboard shows, as data frames.

A page draws its figures from these frames, and the CSV beside each chart *is* the frame (plus
``source``, ``source_name`` and ``licence`` columns), so a download holds exactly what the
chart shows. The country page's CSV is the tidy union of its panels (:func:`country_tidy`).
Frames are language-neutral (English names, ids, numbers); pages translate when they draw.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from dashboard import data, i18n
from roamwatch import events as rw_events
from roamwatch.warehouse import dashboard_queries as q

#: The licence line of roamwatch's own derived numbers (scores, medians, shares).
ROAMWATCH_LICENCE = ("derived by roamwatch from the sources listed on /sources; "
                     "each input source's licence and terms apply")
ROAMWATCH_NAME = "roamwatch (computed from public data)"
SOURCE_COLUMNS = ["source", "source_name", "licence"]
TIDY_COLUMNS = ["section", "metric", "name", "unit", "period", "value", *SOURCE_COLUMNS]
#: Freedom on the Net's status bands on its 0–100 total, higher = freer (the 2018 edition's
#: lower = freer bands 0–30 / 31–60 / 61–100, flipped, are the same).
FOTN_BANDS = ((70.0, "Free"), (40.0, "Partly Free"), (0.0, "Not Free"))


def source_table(svc: data.DataService) -> dict[str, dict[str, str]]:
    """Source id → name, licence, citation (cached per snapshot)."""
    def build() -> dict[str, dict[str, str]]:
        status = svc.source_status()
        out = {}
        for row in status.itertuples():
            out[row.id] = {
                "name": row.name if isinstance(row.name, str) and row.name else row.id,
                "licence": row.licence if isinstance(row.licence, str) and row.licence else "not stated",
                "citation": row.citation if isinstance(row.citation, str) else "",
            }
        out["roamwatch"] = {"name": ROAMWATCH_NAME, "licence": ROAMWATCH_LICENCE, "citation": ""}
        return out

    return svc.derived(("source_table",), build)


def with_sources(frame: pd.DataFrame, svc: data.DataService, ids: object = None) -> pd.DataFrame:
    """``frame`` with ``source`` (id), ``source_name`` and ``licence`` columns last; ``ids`` is
    the source id of each row (a column of ``frame`` named ``source`` by default, or one id)."""
    table = source_table(svc)
    if ids is None:
        ids = frame.get("source", "roamwatch")
    if isinstance(ids, str):
        ids = pd.Series([ids] * len(frame), index=frame.index, dtype=object)
    ids = pd.Series(ids, index=frame.index).astype(object)
    unknown = {"name": "", "licence": "not stated"}
    out = frame.drop(columns=[c for c in SOURCE_COLUMNS if c in frame])
    out["source"] = ids.to_numpy()
    out["source_name"] = [table.get(i, unknown)["name"] or i for i in ids]
    out["licence"] = [table.get(i, unknown)["licence"] for i in ids]
    return out


def source_line(svc: data.DataService, ids: object, lang: str = "en") -> str:
    """``World Bank …, ITU …``: the names of the sources of a chart, for its source line
    (source names are proper names; roamwatch's own numbers are said in ``lang``)."""
    table = source_table(svc)
    names = [i18n.t("source.roamwatch", lang) if i == "roamwatch" else table.get(i, {"name": i})["name"]
             for i in dict.fromkeys(ids) if isinstance(i, str)]
    return ", ".join(names)


# -- world map ----------------------------------------------------------------------------------
@dataclass
class WorldView:
    series: str
    year: int | None
    label: str
    unit: str
    aggregation: str
    #: Every country the filter keeps: iso3, name, value (NaN = no data), period, coverage,
    #: best_rank, worst_rank, measurements, note (why there is no value, when known).
    values: pd.DataFrame
    #: Countries the region/income filter leaves out (drawn pale): iso3, name.
    outside: pd.DataFrame
    scale: dict[str, Any] = field(default_factory=dict)
    source_ids: tuple[str, ...] = ()


def world_view(svc: data.DataService, series: str, year: int | None, region: str | None,
               income: str | None, lang: str) -> WorldView:
    info = svc.series_info(series) or {}
    countries = svc.countries()[["iso3", "name_en", "name_fr", "region", "income_group"]]
    got = svc.world_values(series, year) if year else pd.DataFrame(columns=[
        "iso3", "value", "period", "coverage", "best_rank", "worst_rank", "aggregation", "measurements"])
    got = got[[c for c in got.columns if c not in ("name_en", "name_fr", "region", "income_group")]]
    # Every country of the snapshot, plus any code the series has that the table lacks.
    extra = got.loc[~got["iso3"].isin(countries["iso3"]), ["iso3"]].assign(
        name_en=lambda f: f["iso3"], name_fr=lambda f: f["iso3"], region=None, income_group=None)
    world = pd.concat([countries, extra], ignore_index=True).merge(got, on="iso3", how="left")
    names = svc.country_names(lang)
    world["name"] = [names.get(c, n) for c, n in zip(world["iso3"], world["name_en"], strict=True)]
    keep = pd.Series(True, index=world.index)
    if region:
        keep &= world["region"] == region
    if income:
        keep &= world["income_group"] == income
    values = world[keep].reset_index(drop=True)
    values["note"] = _no_value_notes(values, series, year, lang)
    aggregations = values["aggregation"].dropna().unique()
    aggregation = str(aggregations[0]) if len(aggregations) else "value"
    return WorldView(
        series=series, year=year, label=svc.series_label(series, lang),
        unit=svc.series_unit(series, lang), aggregation=aggregation, values=values,
        outside=world.loc[~keep, ["iso3", "name"]].reset_index(drop=True),
        scale=svc.series_scale(series), source_ids=(info.get("source") or "roamwatch",),
    )


def _no_value_notes(values: pd.DataFrame, series: str, year: int | None, lang: str) -> list[str | None]:
    """Why a country has no value, where the data say more than "no data"."""
    notes: list[str | None] = []
    is_score = q.is_score(series)
    for value, measurements, period in zip(values["value"], values["measurements"], values["period"],
                                           strict=True):
        if not i18n.is_missing(value):
            notes.append(None)
        elif q.is_ooni_share(series) and not i18n.is_missing(measurements):
            notes.append(i18n.t("world.too_few_measurements", lang, n=i18n.fmt_number(measurements, lang, 0),
                                min=q.OONI_MIN_YEAR_MEASUREMENTS, year=year))
        elif is_score and not i18n.is_missing(period):
            notes.append(i18n.t("common.insufficient", lang))
        else:
            notes.append(i18n.t("common.no_data", lang))
    return notes


def world_csv(svc: data.DataService, view: WorldView) -> pd.DataFrame:
    """The map's CSV: one row per country it draws in colour or as no data."""
    v = view.values
    frame = pd.DataFrame({
        "country": v["iso3"], "country_name": v["name_en"], "series": view.series,
        "name": svc.series_label(view.series, "en"), "unit": (svc.series_info(view.series) or {}).get("unit"),
        "period": v["period"].where(v["period"].notna(), str(view.year) if view.year else None),
        "value": v["value"], "aggregation": view.aggregation,
    })
    if q.is_score(view.series):
        frame["coverage"] = v["coverage"]
    if q.is_ooni_share(view.series):
        frame["measurements"] = v["measurements"]
    frame["note"] = _no_value_notes(v, view.series, view.year, "en")
    return with_sources(frame, svc, view.source_ids[0])


# -- compare ------------------------------------------------------------------------------------
def compare_csv(svc: data.DataService, series: str, codes: tuple[str, ...]) -> pd.DataFrame:
    frame = svc.compare_series(series, tuple(codes))
    info = svc.series_info(series) or {}
    out = pd.DataFrame({
        "country": frame["iso3"], "country_name": frame["name_en"], "series": series,
        "name": svc.series_label(series, "en"), "unit": info.get("unit"), "period": frame["period"],
        "value": frame["value"],
    })
    return with_sources(out, svc, info.get("source") or "roamwatch")


# -- country page -------------------------------------------------------------------------------
def rights_obs(obs: pd.DataFrame) -> pd.DataFrame:
    return obs[obs["source"].isin(data.RIGHTS_SOURCES)]


def indicator_obs(obs: pd.DataFrame) -> pd.DataFrame:
    """Observations of the indicators table: every collected metric but rights and OONI."""
    return obs[~obs["source"].isin(data.RIGHTS_SOURCES + data.CENSORSHIP_SOURCES)]


def gender_obs(svc: data.DataService, obs: pd.DataFrame) -> pd.DataFrame:
    """Internet use by sex: the World Bank pair and other sources' sex-disaggregated Internet
    use (ITU), with a ``sex`` column (women / men)."""
    pairs = {m: sex for pair in data.GENDER_PAIRS for m, sex in zip(pair, ("women", "men"), strict=True)}
    names = obs[["metric", "metric_name"]].drop_duplicates()
    sexes = {}
    for metric, name in names.itertuples(index=False):
        if metric in pairs:
            sexes[metric] = pairs[metric]
            continue
        low = str(name).lower()
        if "internet" not in low or any(w in low for w in ("gap", "parity", "ratio")):
            continue
        match = data.GENDER_RE.search(str(name))
        if match:
            sexes[metric] = "women" if match.group(0).lower() in ("female", "women") else "men"
    wanted = obs[obs["metric"].isin(sexes)]
    return wanted.assign(sex=wanted["metric"].map(sexes))


def observations_csv(svc: data.DataService, obs: pd.DataFrame, iso3: str) -> pd.DataFrame:
    frame = pd.DataFrame({
        "country": iso3, "metric": obs["metric"], "name": obs["metric_name"], "unit": obs["unit"],
        "period": obs["period"], "value": obs["value"],
    })
    if "sex" in obs:
        frame.insert(3, "sex", obs["sex"].to_numpy())
    return with_sources(frame.reset_index(drop=True), svc, obs["source"].reset_index(drop=True))


def _ooni_shares(counts: pd.DataFrame) -> pd.DataFrame:
    n = counts["measurements"].astype(float)
    out = counts.copy()
    for bucket, column in (("ok", "ok"), ("anomaly", "anomalies"), ("confirmed", "confirmed"),
                           ("failure", "failures")):
        out[f"{bucket}_share"] = 100.0 * counts[column] / n
    out["low_sample"] = counts["measurements"] < data.OONI_MIN_MEASUREMENTS
    return out


def ooni_months(svc: data.DataService, iso3: str) -> pd.DataFrame:
    """The OONI panel: per test and month, the counts and the share (%) of each result class,
    ``low_sample`` when the month has fewer than :data:`data.OONI_MIN_MEASUREMENTS`."""
    return svc.for_country("ooni_months", q.country_ooni, iso3, _ooni_shares)


def ooni_csv(svc: data.DataService, months: pd.DataFrame, iso3: str) -> pd.DataFrame:
    frame = pd.DataFrame({
        "country": iso3, "test": months["test"],
        "test_name": [i18n.ooni_test_name(t, "en") for t in months["test"]],
        "month": [pd.Timestamp(m).strftime("%Y-%m") for m in months["month"]],
        "measurements": months["measurements"], "ok": months["ok"], "anomaly": months["anomalies"],
        "confirmed": months["confirmed"], "failure": months["failures"],
        "ok_share": months["ok_share"], "anomaly_share": months["anomaly_share"],
        "confirmed_share": months["confirmed_share"], "failure_share": months["failure_share"],
        "low_sample": months["low_sample"],
    })
    return with_sources(frame, svc, "ooni")


@dataclass
class Profile:
    year: int | None
    #: key, country, coverage, region, world (scores 0–100; NaN = insufficient / no median)
    frame: pd.DataFrame
    detail: pd.DataFrame


def framework_themes(details: object) -> tuple[int, int] | None:
    """(themes of the framework's category with a value, themes in the category) from a
    category score's details; ``None`` when the trace does not say."""
    try:
        fw = json.loads(str(details)).get("framework") or {}
        return int(fw["themes_filled"]), int(fw["themes_in_framework"])
    except (ValueError, TypeError, KeyError, AttributeError):
        return None


def profile(svc: data.DataService, iso3: str, region: str | None,
            income_group: str | None = None) -> Profile | None:
    """The ROAM-X profile: category scores of the latest year with any, how much of the
    framework's category public data fills (``themes_filled`` of ``framework_themes``), and the
    medians of the region, the income group and the world (``None`` when the snapshot has no
    scores at all)."""
    if not svc.has_scores():
        return None
    scores = svc.latest_country_scores(iso3)
    if scores.empty:
        return Profile(None, pd.DataFrame(columns=["key", "country", "coverage", "themes_filled",
                                                   "framework_themes", "region", "income_group",
                                                   "world"]), scores)
    year = int(scores["year"].iloc[0])
    mine = scores[scores["level"] == "category"]
    themes = [framework_themes(d) for d in mine["details"]]
    mine = mine.assign(themes_filled=[t[0] if t else None for t in themes],
                       framework_themes=[t[1] if t else None for t in themes])
    medians = svc.score_medians(year, "category", region, income_group)
    keys = [k for k in "ROAMX" if k in set(mine["key"]) | set(medians["key"])]
    keys += sorted(set(mine["key"]) - set(keys))
    frame = pd.DataFrame({"key": keys})
    frame = frame.merge(mine[["key", "value", "coverage", "themes_filled", "framework_themes"]]
                        .rename(columns={"value": "country"}), on="key", how="left")
    frame = frame.merge(medians, on="key", how="left")
    order = {"overall": 0, "category": 1, "theme": 2}
    detail = scores.assign(_o=scores["level"].map(order)).sort_values(["_o", "key"]).drop(columns="_o")
    return Profile(year, frame, detail)


def profile_csv(svc: data.DataService, prof: Profile | None, iso3: str) -> pd.DataFrame:
    if prof is None or prof.year is None:
        return with_sources(pd.DataFrame(columns=["country", "year", "category", "name", "value",
                                                  "coverage", "framework_themes_filled",
                                                  "framework_themes", "region_median",
                                                  "income_group_median", "world_median"]), svc)
    f = prof.frame
    frame = pd.DataFrame({
        "country": iso3, "year": prof.year, "category": f["key"],
        "name": [i18n.roamx_label(k, "en") for k in f["key"]], "value": f["country"],
        "coverage": f["coverage"], "framework_themes_filled": f["themes_filled"],
        "framework_themes": f["framework_themes"], "region_median": f["region"],
        "income_group_median": f["income_group"], "world_median": f["world"],
    })
    return with_sources(frame, svc, "roamwatch")


# -- outages and shutdowns ----------------------------------------------------------------------
#: Short names of event sources for chart rows and sentences.
EVENT_SOURCE_SHORT = {"accessnow": "#KeepItOn", "ioda": "IODA"}
SOURCE_SHORT = data.SOURCE_SHORT
source_short = data.source_short
#: #KeepItOn's extent column, as the type of a shutdown.
EXTENTS = {"full network": "Full network", "service-based": "Service-based",
           "full network, service-based": "Full network and service-based"}


@dataclass
class EventsView:
    #: One row per event: id, source, source_name, type, row (chart row label), start_time,
    #: end_time, end_state, first_day, last_day (the days it counts, by roamwatch.events),
    #: as_of (the date an ongoing event is drawn to), days, area, cause, justification.
    events: pd.DataFrame
    #: The coverage windows of the event sources for this country: source, first_day, last_day.
    coverage: pd.DataFrame
    #: Per event source collected on this site: source, name, events, state ("events",
    #: "none" = none recorded inside its coverage, "not_covered"), reason (why not covered:
    #: "territory" a source reporting by state does not list, "nothing_collected" for the
    #: country), first_day, last_day.
    sources: pd.DataFrame

    @property
    def many(self) -> bool:
        from dashboard.components.timeline import MAX_BARS

        return len(self.events) > MAX_BARS


def _details(value: object) -> dict:
    if isinstance(value, dict):
        return value
    try:
        parsed = json.loads(str(value)) if not i18n.is_missing(value) else {}
    except ValueError:
        return {}
    return parsed if isinstance(parsed, dict) else {}


def _text(value: object) -> str:
    if i18n.is_missing(value) or value in ("", "NA", "N/A"):
        return ""
    return str(value).strip()


def event_type(source: str, kind: str, details: dict) -> str:
    if source == "accessnow":
        extent = _text(details.get("extent")).lower()
        return EXTENTS.get(extent, extent.capitalize() if extent else "Extent not stated")
    return str(kind).capitalize() if kind else "Event"


def _coverage_for(svc: data.DataService, iso3: str, named_by: set[str] | frozenset[str] = frozenset()
                  ) -> pd.DataFrame:
    """The coverage windows of the event sources that apply to one country. A source that
    reports country by country covers a territory only where it names it (``named_by``: the
    sources with events in the country; :func:`roamwatch.events.general_window_applies`)."""
    def build() -> dict[str, pd.DataFrame]:
        cov = svc.event_coverage()
        cov = cov[cov["source"].isin(data.EVENT_SOURCES)]
        general = cov[cov["country"].isna()][["source", "first_day", "last_day"]].assign(general=True)
        out = {"": general.reset_index(drop=True)}
        for country, part in cov[cov["country"].notna()].groupby("country"):
            out[str(country)] = pd.concat([general, part[["source", "first_day", "last_day"]]
                                           .assign(general=False)], ignore_index=True)
        return out
    table = svc.derived(("event_coverage_by_country",), build)
    cov = table.get(iso3, table[""])
    keep = [not g or s in named_by or rw_events.general_window_applies(s, iso3)
            for s, g in zip(cov["source"], cov["general"], strict=True)]
    return cov[pd.Series(keep, index=cov.index, dtype=bool)].drop(columns="general").reset_index(drop=True)


def _prepare_events(raw: pd.DataFrame) -> pd.DataFrame:
    """Every event as the outages panel shows it: its type, chart row, area and causes (from
    the source's details), the days it counts and the date an ongoing one is drawn to."""
    details = [_details(d) for d in raw["details"]]
    types = [event_type(s, k, d) for s, k, d in zip(raw["source"], raw["kind"], details, strict=True)]
    first = pd.to_datetime(raw["first_day"])
    last = pd.to_datetime(raw["last_day"])
    return pd.DataFrame({
        "country": raw["country"], "id": raw["id"], "source": raw["source"],
        "source_name": raw["source_name"], "type": types,
        "row": [f"{EVENT_SOURCE_SHORT.get(s, s)} · {t}" for s, t in zip(raw["source"], types, strict=True)],
        "start_time": raw["start_time"], "end_time": raw["end_time"], "end_state": raw["end_state"],
        "first_day": first, "last_day": last, "as_of": last.where(raw["end_state"] == "ongoing"),
        "days": ((last - first).dt.days + 1).astype("Int64"),
        "area": [_text(d.get("area")) for d in details],
        "cause": [_text(d.get("actual_cause")) for d in details],
        "justification": [_text(d.get("justification")) for d in details],
        "severity": raw["severity"],
    })


def events_view(svc: data.DataService, iso3: str) -> EventsView:
    """One country's outages and shutdowns with their end states and the days they count
    (:mod:`roamwatch.events`, computed by the warehouse layer), and what each event source
    covers for the country."""
    events = svc.for_country("events_prepared", q.country_events, iso3, _prepare_events)
    coverage = _coverage_for(svc, iso3, set(events["source"]))
    rows = []
    collected = svc.collected_sources()
    sources, starts = events["source"].tolist(), coverage["source"].tolist()
    for source in data.EVENT_SOURCES:
        n = sources.count(source)
        windows = [i for i, s in enumerate(starts) if s == source]
        if not n and not windows and source not in collected:
            continue
        state = "events" if n else ("none" if windows else "not_covered")
        # why a source collected here covers no day of this country: a territory a source that
        # reports country by country does not list, or (other sources) nothing collected for it
        reason = None if state != "not_covered" else (
            "territory" if not rw_events.general_window_applies(source, iso3) else "nothing_collected")
        rows.append({
            "source": source, "name": source_table(svc).get(source, {"name": source})["name"],
            "short": EVENT_SOURCE_SHORT.get(source, source), "events": n, "state": state, "reason": reason,
            "first_day": min(coverage["first_day"].iloc[i] for i in windows) if windows else None,
            "last_day": max(coverage["last_day"].iloc[i] for i in windows) if windows else None,
        })
    summary = pd.DataFrame(rows, columns=["source", "name", "short", "events", "state", "reason",
                                          "first_day", "last_day"])
    return EventsView(events, coverage, summary)


@data.on_warm
def _warm(svc: data.DataService) -> None:
    """The per-snapshot tables every country page slices."""
    ooni_months(svc, "\x00warm")
    svc.for_country("events_prepared", q.country_events, "\x00warm", _prepare_events)
    _coverage_for(svc, "")


def monthly_counts(view: EventsView) -> pd.DataFrame:
    """Events per month (of their first day) and type, every month of the covered span
    present (zeros included): month, type, events."""
    ev = view.events
    first = min([pd.Timestamp(d) for d in view.coverage["first_day"]] + list(ev["first_day"]))
    last = max([pd.Timestamp(d) for d in view.coverage["last_day"]] + list(ev["first_day"]))
    months = pd.date_range(first.to_period("M").to_timestamp(), last.to_period("M").to_timestamp(), freq="MS")
    month = ev["first_day"].dt.to_period("M").dt.to_timestamp()
    counts = ev.assign(month=month).groupby(["month", "type"]).size().rename("events").reset_index()
    types = list(ev["type"].value_counts().index)
    grid = pd.MultiIndex.from_product([months, types], names=["month", "type"]).to_frame(index=False)
    out = grid.merge(counts, on=["month", "type"], how="left")
    out["events"] = out["events"].fillna(0).astype(int)
    return out


def areas_and_causes(view: EventsView) -> pd.DataFrame:
    """Per area: events, days counted, first and last start, the causes given (most frequent
    first, as ``(English label, events)`` pairs; spellings of one cause counted as one): area
    ("" where the source names none), events, days, first, last, causes."""
    # the same area written two ways ("Jammu & Kashmir", "jammu and kashmir") is one area
    key = view.events["area"].str.replace("&", " and ", regex=False).str.split().str.join(" ").str.lower()
    ev = view.events.assign(_key=key)
    rows = []
    for _key, part in ev.groupby("_key", sort=False):
        area = part["area"].mode().iloc[0] if part["area"].ne("").any() else ""
        causes = pd.Series([i18n.cause_label(c) for c in part["cause"]], dtype=object)
        counted = causes[causes != ""].value_counts()
        rows.append({"area": area, "events": len(part), "days": int(part["days"].sum()),
                     "first": part["first_day"].min(), "last": part["first_day"].max(),
                     "causes": [(c, int(n)) for c, n in counted.items()]})
    out = pd.DataFrame(rows, columns=["area", "events", "days", "first", "last", "causes"])
    return out.sort_values(["events", "days"], ascending=False).reset_index(drop=True)


def events_chart_csv(svc: data.DataService, iso3: str) -> pd.DataFrame:
    """What the events chart shows: each event (:func:`events_csv`), or, past the number the
    chart draws one by one, the events per month and type."""
    view = events_view(svc, iso3)
    if not view.many:
        return events_csv(svc, iso3)
    counts = monthly_counts(view)
    sources = view.events.groupby("type")["source"].first()
    frame = pd.DataFrame({"country": iso3, "month": counts["month"].dt.strftime("%Y-%m"),
                          "type": counts["type"], "events_starting": counts["events"]})
    return with_sources(frame, svc, counts["type"].map(sources).fillna("accessnow"))


def events_csv(svc: data.DataService, iso3: str) -> pd.DataFrame:
    """Every event of the country, with its end state and the days it counts."""
    ev = events_view(svc, iso3).events
    frame = pd.DataFrame({
        "country": iso3, "id": ev["id"], "type": ev["type"], "start_time": ev["start_time"],
        "end_time": ev["end_time"], "end_state": ev["end_state"],
        "first_day": ev["first_day"].dt.date, "last_day": ev["last_day"].dt.date, "days": ev["days"],
        "area": ev["area"], "cause": ev["cause"], "justification": ev["justification"],
        "severity": ev["severity"],
    })
    return with_sources(frame, svc, ev["source"])


# -- headline strip -----------------------------------------------------------------------------
HEADLINE_FACTS = ("internet", "gender", "fotn", "shutdowns", "ooni", "outage")


def _latest(obs: pd.DataFrame, metrics: tuple[str, ...]) -> pd.Series | None:
    """The newest observation among ``metrics`` (the first listed wins a tie)."""
    rows = obs[obs["metric"].isin(metrics)]
    if rows.empty:
        return None
    order = {m: i for i, m in enumerate(metrics)}
    rows = rows.assign(_o=rows["metric"].map(order)).sort_values(["period_start", "_o"],
                                                                  ascending=[False, True])
    return rows.iloc[0]


def fotn_status(total: float) -> str:
    return next(name for bound, name in FOTN_BANDS if total >= bound)


def headline(svc: data.DataService, iso3: str, obs: pd.DataFrame, months: pd.DataFrame,
             events: EventsView | None = None, gender: pd.DataFrame | None = None) -> pd.DataFrame:
    """The five facts an analyst looks for first, one row each (``fact``): Internet use and its
    gender gap, Freedom on the Net, shutdowns, OONI confirmed blocking, the latest outage.
    Columns: fact, metric, name, unit, period, value, state, detail (dict), source.

    ``state`` says what a missing value means, as "What a derived number means" asks:
    ``not_collected`` (the source is not collected on this site), ``no_data`` (collected, but
    nothing for this country), ``not_covered`` (the country is outside what the source covers:
    not assessed by Freedom House, a territory #KeepItOn does not list), ``none`` (inside the
    source's coverage, none recorded), else ``value``."""
    rows: list[dict[str, Any]] = []

    use = _latest(obs, ("itu.internet_use", "worldbank.IT.NET.USER.ZS"))
    rows.append({"fact": "internet", "metric": None if use is None else use["metric"],
                 "name": "Individuals using the Internet", "unit": "%",
                 "period": None if use is None else use["period"],
                 "value": None if use is None else float(use["value"]),
                 "state": "no_data" if use is None else "value", "detail": {},
                 "source": None if use is None else use["source"]})

    gender = gender_obs(svc, obs) if gender is None else gender
    gap_row: dict[str, Any] = {"fact": "gender", "metric": None, "name": "Gender gap in Internet use "
                               "(men minus women)", "unit": "percentage points", "period": None,
                               "value": None, "state": "no_data", "detail": {}, "source": None}
    if not gender.empty:
        wide = gender.pivot_table(index=["source", "period", "period_start"], columns="sex", values="value",
                                  aggfunc="last").reset_index()
        if {"women", "men"} <= set(wide.columns):
            wide = wide.dropna(subset=["women", "men"])
            if not wide.empty:
                prefer = {"itu": 0, "worldbank": 1}
                wide = wide.assign(_o=wide["source"].map(prefer).fillna(9)).sort_values(
                    ["period_start", "_o"], ascending=[False, True])
                best = wide.iloc[0]
                gap_row.update(metric=f"{best['source']}:gender_gap", period=best["period"],
                               value=float(best["men"] - best["women"]), state="value",
                               detail={"women": float(best["women"]), "men": float(best["men"])},
                               source=best["source"])
    rows.append(gap_row)

    total = _latest(obs, ("fotn.total",))
    fotn = {"fact": "fotn", "metric": "fotn.total", "name": "Freedom on the Net total score (higher = freer)",
            "unit": "0–100", "period": None, "value": None, "state": "not_covered", "detail": {},
            "source": "fotn"}
    if total is not None:
        fotn.update(period=total["period"], value=float(total["value"]), state="value",
                    detail={"status": fotn_status(float(total["value"])), "edition": total["period"]})
    elif "fotn" not in svc.collected_sources():
        fotn.update(state="not_collected", source=None)
    rows.append(fotn)

    rows.append(_shutdowns_fact(svc, iso3, events))
    rows.append(_ooni_fact(svc, months))
    rows.append(_outage_fact(svc, iso3, events))
    return pd.DataFrame(rows)


def _ooni_fact(svc: data.DataService, months: pd.DataFrame) -> dict[str, Any]:
    row: dict[str, Any] = {"fact": "ooni", "metric": "ooni:*:confirmed", "name": "OONI measurements "
                           "with confirmed blocking, last 12 months measured", "unit": "measurements",
                           "period": None, "value": None, "state": "no_data", "detail": {}, "source": "ooni"}
    if months.empty:
        if "ooni" not in svc.collected_sources():
            row.update(source=None, state="not_collected")
        return row
    last = pd.Timestamp(months["month"].max())
    first = last - pd.DateOffset(months=11)
    recent = months[pd.to_datetime(months["month"]) >= first]
    blocked = recent.groupby("test")["confirmed"].sum()
    tests = sorted(t for t, v in blocked.items() if v > 0)
    row.update(
        period=f"{pd.Timestamp(recent['month'].min()).strftime('%Y-%m')}..{last.strftime('%Y-%m')}",
        value=float(recent["confirmed"].sum()), state="value",
        detail={"measurements": float(recent["measurements"].sum()), "tests": tests,
                "tests_measured": int(recent["test"].nunique())},
    )
    return row


def _source_window(view: EventsView | None, source: str) -> dict | None:
    if view is None:
        return None
    rows = view.sources[view.sources["source"] == source]
    return None if rows.empty else rows.iloc[0].to_dict()


def _shutdowns_fact(svc: data.DataService, iso3: str, view: EventsView | None) -> dict[str, Any]:
    """#KeepItOn shutdowns in force during the last 12 months the source covers."""
    row: dict[str, Any] = {"fact": "shutdowns", "metric": "event:accessnow:shutdown",
                           "name": "Internet shutdowns recorded by #KeepItOn, last 12 months it covers",
                           "unit": "events", "period": None, "value": None, "state": "no_data",
                           "detail": {}, "source": None}
    src = _source_window(view, "accessnow")
    if src is None:
        row["state"] = "no_data" if "accessnow" in svc.collected_sources() else "not_collected"
        return row
    row["source"] = "accessnow"
    if src["state"] == "not_covered" or src["last_day"] is None:
        row.update(state="not_covered", detail={"source_name": src["name"], "reason": src["reason"]})
        return row
    last = pd.Timestamp(src["last_day"])
    first = max(last - pd.DateOffset(years=1) + pd.Timedelta(days=1), pd.Timestamp(src["first_day"]))
    ev = view.events[view.events["source"] == "accessnow"]
    inside = ev[(ev["last_day"] >= first) & (ev["first_day"] <= last)]
    row.update(period=f"{first.date().isoformat()}..{last.date().isoformat()}", value=float(len(inside)),
               state="value", detail={"first": first.date().isoformat(), "last": last.date().isoformat()})
    return row


def _outage_fact(svc: data.DataService, iso3: str, view: EventsView | None) -> dict[str, Any]:
    """The latest IODA outage: its start and how long it lasted (or that it was ongoing)."""
    row: dict[str, Any] = {"fact": "outage", "metric": "event:ioda:outage",
                           "name": "Latest Internet outage detected by IODA", "unit": "hours", "period": None,
                           "value": None, "state": "no_data", "detail": {}, "source": None}
    src = _source_window(view, "ioda")
    if src is None:
        row["state"] = "no_data" if "ioda" in svc.collected_sources() else "not_collected"
        return row
    row["source"] = "ioda"
    ev = view.events[view.events["source"] == "ioda"]
    if ev.empty:
        if src["state"] == "not_covered" or src["last_day"] is None:
            # IODA's coverage of a country is the days its signals were collected for it:
            # none means nothing was collected for this country, not that it lies outside IODA
            row.update(state="no_data", detail={"source_name": src["name"]})
        else:
            row.update(state="none", detail={"first": pd.Timestamp(src["first_day"]).date().isoformat(),
                                             "last": pd.Timestamp(src["last_day"]).date().isoformat()})
        return row
    latest = ev.sort_values("start_time").iloc[-1]
    hours = None
    if latest["end_state"] == "known" and not i18n.is_missing(latest["end_time"]):
        hours = (pd.Timestamp(latest["end_time"]) - pd.Timestamp(latest["start_time"])).total_seconds() / 3600
    row.update(period=pd.Timestamp(latest["start_time"]).date().isoformat(), value=hours, state="value",
               detail={"end_state": latest["end_state"],
                       "as_of": None if i18n.is_missing(latest["as_of"])
                       else pd.Timestamp(latest["as_of"]).date().isoformat()})
    return row


def headline_csv(svc: data.DataService, facts: pd.DataFrame, iso3: str) -> pd.DataFrame:
    detail = [", ".join(f"{k}={_plain(v)}" for k, v in d.items()) if d else "" for d in facts["detail"]]
    frame = pd.DataFrame({
        "country": iso3, "fact": facts["fact"], "metric": facts["metric"], "name": facts["name"],
        "unit": facts["unit"], "period": facts["period"], "value": facts["value"], "state": facts["state"],
        "detail": detail,
    })
    return with_sources(frame, svc, facts["source"].where(facts["source"].notna(), "").astype(str))


def _plain(value: object) -> str:
    if isinstance(value, list | tuple):
        return "/".join(str(v) for v in value)
    if isinstance(value, float) and value == int(value) and not math.isinf(value):
        return str(int(value))
    return str(value)


# -- the country page as one tidy table -----------------------------------------------------------
def country_tidy(svc: data.DataService, iso3: str) -> pd.DataFrame:
    """Everything the country page shows as one tidy table: section, metric, name, unit,
    period, value, source, source_name, licence (the raw rows stay on the data page)."""
    country = svc.country_row(iso3) or {}
    obs = svc.country_observations(iso3)
    months = ooni_months(svc, iso3)
    parts = []

    view = events_view(svc, iso3)
    facts = headline(svc, iso3, obs, months, view)
    facts = facts[facts["value"].notna()]
    parts.append(pd.DataFrame({"section": "headline", "metric": facts["metric"], "name": facts["name"],
                               "unit": facts["unit"], "period": facts["period"], "value": facts["value"],
                               "source": facts["source"]}))
    prof = profile(svc, iso3, country.get("region"), country.get("income_group"))
    if prof is not None and prof.year is not None:
        f = prof.frame
        for column, prefix, label in (("country", "score", "{name} score"),
                                      ("region", "median_region", "{name}: median of the region"),
                                      ("income_group", "median_income", "{name}: median of the income group"),
                                      ("world", "median_world", "{name}: median of the world")):
            parts.append(pd.DataFrame({
                "section": "roamx_profile",
                "metric": [f"{prefix}:category:{k}" for k in f["key"]],
                "name": [label.format(name=i18n.roamx_label(k, "en")) for k in f["key"]],
                "unit": "0–100", "period": str(prof.year), "value": f[column], "source": "roamwatch"}))
        parts.append(pd.DataFrame({
            "section": "roamx_profile", "metric": [f"framework_themes:category:{k}" for k in f["key"]],
            "name": [f"{i18n.roamx_label(k, 'en')}: themes of UNESCO's category with a value"
                     for k in f["key"]],
            "unit": "themes", "period": str(prof.year), "value": f["themes_filled"], "source": "roamwatch"}))
    for section, part in (("indicators", indicator_obs(obs)), ("internet_use_by_sex", gender_obs(svc, obs)),
                          ("rights", rights_obs(obs))):
        if not part.empty:
            parts.append(pd.DataFrame({"section": section, "metric": part["metric"],
                                       "name": part["metric_name"], "unit": part["unit"],
                                       "period": part["period"], "value": part["value"],
                                       "source": part["source"]}))
    if not months.empty:
        month = [pd.Timestamp(m).strftime("%Y-%m") for m in months["month"]]
        parts.append(pd.DataFrame({"section": "ooni", "metric": [f"ooni.{t}.measurement_count"
                                                                 for t in months["test"]],
                                   "name": [f"OONI {i18n.ooni_test_name(t, 'en')}: measurements"
                                            for t in months["test"]],
                                   "unit": "measurements", "period": month, "value": months["measurements"],
                                   "source": "ooni"}))
        for bucket in q.OONI_BUCKETS:
            parts.append(pd.DataFrame({
                "section": "ooni", "metric": [q.ooni_series(t, bucket) for t in months["test"]],
                "name": [i18n.ooni_share_name(t, bucket, "en") for t in months["test"]],
                "unit": "%", "period": month, "value": months[f"{bucket}_share"], "source": "ooni"}))
    if not view.events.empty:
        ev = view.events
        # one row per event: the days it counts (an unknown end counts its start day only)
        parts.append(pd.DataFrame({
            "section": "outages_and_shutdowns",
            "metric": [f"event:{s}:{k}" for s, k in zip(ev["source"], ev["type"], strict=True)],
            "name": [f"{t} ({state} end)" + (f": {a}" if a else "")
                     for t, state, a in zip(ev["type"], ev["end_state"], ev["area"], strict=True)],
            "unit": "days", "value": ev["days"].astype(float),
            "period": [f"{a.date().isoformat()}..{b.date().isoformat()}"
                       for a, b in zip(ev["first_day"], ev["last_day"], strict=True)],
            "source": ev["source"]}))
    parts = [p for p in parts if not p.empty]
    if not parts:
        return with_sources(pd.DataFrame(columns=TIDY_COLUMNS[:-3] + ["source"]), svc)
    tidy = pd.concat(parts, ignore_index=True)
    tidy.insert(0, "country", iso3)
    return with_sources(tidy, svc, tidy["source"].astype(str))


def _panel_obs(select: Callable[[pd.DataFrame], pd.DataFrame]
               ) -> Callable[[data.DataService, str], pd.DataFrame]:
    def build(svc: data.DataService, iso3: str) -> pd.DataFrame:
        return observations_csv(svc, select(svc.country_observations(iso3)), iso3)
    return build


def _headline_csv(svc: data.DataService, iso3: str) -> pd.DataFrame:
    obs = svc.country_observations(iso3)
    facts = headline(svc, iso3, obs, ooni_months(svc, iso3), events_view(svc, iso3))
    return headline_csv(svc, facts, iso3)


def _profile_csv(svc: data.DataService, iso3: str) -> pd.DataFrame:
    country = svc.country_row(iso3) or {}
    return profile_csv(svc, profile(svc, iso3, country.get("region"), country.get("income_group")), iso3)


#: The CSV of each chart or table of the country page: ``/download/country/<ISO3>/<name>.csv``.
PANEL_CSV: dict[str, Callable[[data.DataService, str], pd.DataFrame]] = {
    "headline": _headline_csv,
    "profile": _profile_csv,
    "indicators": _panel_obs(indicator_obs),
    "gender": lambda svc, iso3: observations_csv(svc, gender_obs(svc, svc.country_observations(iso3)), iso3),
    "ooni": lambda svc, iso3: ooni_csv(svc, ooni_months(svc, iso3), iso3),
    "events": events_chart_csv,
    "events_list": events_csv,
    "rights": _panel_obs(rights_obs),
}
