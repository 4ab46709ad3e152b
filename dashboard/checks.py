"""URL validation shared by the pages (to render the friendly not-found page) and by the server
(to answer such URLs with HTTP 404, and to redirect ISO2 codes and names to ISO3)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from dashboard import data
from dashboard.components.urlstate import build, split_list, to_int
from roamwatch.warehouse import dashboard_queries as q


@dataclass
class NotFound:
    kind: str  # "page" | "country" | "metric" | "year"
    value: object
    #: (label, href) pairs, nearest first
    suggestions: list[tuple[str, str]] = field(default_factory=list)


def _with(query: Mapping[str, object], lang: str, **changes: object) -> dict[str, object]:
    params = {k: v for k, v in query.items() if k != "lang"}
    params.update(changes)
    params["lang"] = lang
    return params


def country(code: object, lang: str, make_href: Callable[[str], str] | None = None) -> NotFound | None:
    """``None`` when ``code`` names a country (ISO3, ISO2 or name); else the nearest countries."""
    svc = data.get()
    match = svc.resolve_country(code)
    if match.status != "missing":
        return None
    make_href = make_href or (lambda iso3: "/country/" + iso3 + build({"lang": lang}))
    return NotFound("country", code, [
        (f"{svc.country_name(iso3, lang)} ({iso3})", make_href(iso3)) for iso3 in match.suggestions
    ])


def series(value: object, path: str, query: Mapping[str, object], lang: str,
           param: str = "metric") -> NotFound | None:
    svc = data.get()
    name = str(value)
    if svc.series_info(name) is not None:
        return None
    return NotFound("metric", name, [
        (svc.series_label(s, lang) + f" ({s})", path + build(_with(query, lang, **{param: s})))
        for s in svc.series_suggestions(name)
    ])


def year(series_id: str, value: object, path: str, query: Mapping[str, object], lang: str
         ) -> NotFound | None:
    svc = data.get()
    years = [int(y) for y in svc.years(series_id)["year"]]
    wanted = to_int(value)
    if wanted is not None and wanted in years:
        return None
    nearest = sorted(years, key=lambda y: (abs(y - (wanted or max(years, default=0))), -y))[:5]
    return NotFound("year", value, [
        (str(y), path + build(_with(query, lang, year=y))) for y in nearest
    ])


def world(query: Mapping[str, object], lang: str) -> NotFound | None:
    metric = query.get("metric")
    if metric:
        missing = series(metric, "/", query, lang)
        if missing:
            return missing
    series_id = str(metric) if metric else data.get().default_series()
    if query.get("year") and series_id:
        return year(series_id, query["year"], "/", query, lang)
    return None


def compare(query: Mapping[str, object], lang: str) -> NotFound | None:
    metric = query.get("metric")
    if metric:
        missing = series(metric, "/compare", query, lang)
        if missing:
            return missing
    svc = data.get()
    codes = split_list(query.get("countries"))
    for code in codes:
        if svc.resolve_country(code).status == "missing":
            others = [c for c in codes if c != code]
            return country(code, lang, lambda iso3, others=others: "/compare" + build(
                _with(query, lang, countries=others + [iso3])))
    return None


def data_page(query: Mapping[str, object], lang: str) -> NotFound | None:
    svc = data.get()
    for metric in split_list(query.get("metrics")):
        if q.is_score(metric) or svc.series_info(metric) is None:
            others = [m for m in split_list(query.get("metrics")) if m != metric]
            return NotFound("metric", metric, [
                (svc.series_label(s, lang) + f" ({s})",
                 "/data" + build(_with(query, lang, metrics=others + [s])))
                for s in svc.series_suggestions(metric) if not q.is_score(s)
            ])
    for code in split_list(query.get("countries")):
        if svc.resolve_country(code).status == "missing":
            others = [c for c in split_list(query.get("countries")) if c != code]
            return country(code, lang, lambda iso3, others=others: "/data" + build(
                _with(query, lang, countries=others + [iso3])))
    return None
