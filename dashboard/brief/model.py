"""What a country brief says, gathered from the published snapshot into plain data.

Everything comes through the dashboard's :class:`~dashboard.data.DataService` (the same reader,
queries and per-snapshot cache as the country page) plus the few brief-only queries of
:mod:`roamwatch.warehouse.brief_queries`; the catalogue supplies names, units, the ROAM-X
question each indicator stands in for, and which source would fill a missing input. Nothing
here formats text for a language beyond picking the French or English name: that is
:mod:`dashboard.brief.render`'s job.
"""

from __future__ import annotations

import hashlib
import json
import math
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from typing import Any

import pandas as pd

from dashboard import data, i18n
from indicators.catalogue import CATEGORIES, Catalogue, Indicator, load_catalogue
from roamwatch import events as rw_events
from roamwatch.i18n import N_
from roamwatch.warehouse import brief_queries as bq
from roamwatch.warehouse import dashboard_queries as dq

#: Years of outages and shutdowns shown (the brief's year and the ones before it).
EVENT_YEARS = 5
#: Most recent events listed one by one (the rest are counted per year).
EVENT_ROWS = 8
#: OONI: the months shown end with the brief's year (or the last month measured, if earlier).
OONI_MONTHS = 12
#: Readable names of OONI tests (the dashboard shows the test ids).
OONI_TESTS = ("web_connectivity", "whatsapp", "telegram", "signal", "facebook_messenger", "tor")
#: Internet use total / female / male per source, in order of preference on a tie.
INTERNET_USE = {
    "itu": ("itu.internet_use", "itu.internet_use_female", "itu.internet_use_male"),
    "worldbank": ("worldbank.IT.NET.USER.ZS", "worldbank.IT.NET.USER.FE.ZS", "worldbank.IT.NET.USER.MA.ZS"),
}
#: Subscriptions per 100 (fixed broadband, mobile broadband), first source with data wins.
SUBSCRIPTIONS = (
    ("broadband_fixed", ("itu.fixed_broadband_subs_per100", "worldbank.IT.NET.BBND.P2")),
    ("broadband_mobile", ("itu.mobile_broadband_subs_per100",)),
)

#: Every observation series the brief draws (the rest comes through the scores' traces).
SERIES = tuple(sorted({m for ms in INTERNET_USE.values() for m in ms}
                      | {m for _, ms in SUBSCRIPTIONS for m in ms} | {"dgg.internet_gg", "dgg.mobile_gg"}))


class BriefError(Exception):
    """No brief can be made (no snapshot, unknown country, a year without scores).

    ``str()`` is the English message (the command line); :meth:`text` says it in a language."""

    def __init__(self, message: str, **fields: object) -> None:
        self.message, self.fields = message, fields
        super().__init__(message.format(**fields) if fields else message)

    def text(self, lang: str) -> str:
        return i18n.t(self.message, lang, **self.fields)


@dataclass
class IndicatorLine:
    indicator: Indicator
    raw: float | None
    period: str
    carried_forward: bool
    normalised: float | None
    weight: float | None
    status: str  # "ok" | "below minimum data" | ...


@dataclass
class MissingLine:
    indicator: Indicator
    reason: str  # "no data" | "below minimum data"


@dataclass
class ThemeBlock:
    id: str
    title: str  #: the theme's English title (a message of the catalogues)
    value: float | None
    coverage: float | None
    reason: str
    lines: list[IndicatorLine] = field(default_factory=list)
    missing: list[MissingLine] = field(default_factory=list)


@dataclass
class CategoryBlock:
    key: str
    value: float | None
    coverage: float | None
    reason: str
    #: themes of the framework's category holding a score for the country, and all of them
    framework_filled: int
    framework_total: int
    medians: dict[str, float | None]  # world / region / income_group
    themes: list[ThemeBlock] = field(default_factory=list)
    #: framework themes no public dataset in the catalogue fills: (id, (en, fr))
    uncovered: list[tuple[str, str]] = field(default_factory=list)  #: (theme id, English title)

    @property
    def framework_share(self) -> float | None:
        return self.framework_filled / self.framework_total if self.framework_total else None


@dataclass
class Series:
    key: str  # what it is: "total" / "female" / "male" / "broadband_fixed" / ...
    metric: str
    source: str
    unit: str
    points: list[tuple[int, float, str]]  # (year, value, period)


@dataclass
class OoniTest:
    test: str
    measurements: int
    months: int
    anomaly: float  # shares of measurements
    confirmed: float
    failure: float


@dataclass
class EventYear:
    year: int
    counts: dict[str, int]  # source → events in force that year (without coverage: starting)
    covered: dict[str, bool | None]  # source → inside its coverage window (None: not published)
    days: dict[str, int | None] = field(default_factory=dict)  # source → days in force (covered only)


@dataclass
class Brief:
    iso3: str
    iso2: str | None
    names: tuple[str, str]
    region: str | None
    income_group: str | None
    year: int | None
    years: list[int]
    snapshot_id: str
    generated_at: datetime
    synthetic: bool
    catalogue: Catalogue
    overall: tuple[float | None, float | None]  # value, coverage
    categories: list[CategoryBlock]
    internet_use: list[Series]
    subscriptions: list[Series]
    dgg: list[Series]
    ooni: list[OoniTest]
    ooni_window: tuple[str, str] | None
    ooni_min: int
    event_years: list[EventYear]
    event_sources: dict[str, str]  # id → name
    events: pd.DataFrame  # the listed ones: source_name, kind, start_time, end_time, end_state, area
    events_total: int
    event_states: dict[str, int]  # end state → count in the window
    coverage_known: bool
    context: list[IndicatorLine]
    alerts: pd.DataFrame | None
    sources: pd.DataFrame  # cited sources: id, name, homepage, licence, licence_url, citation
    methodology: dict[str, str]

    @property
    def has_scores(self) -> bool:
        return any(c.value is not None for c in self.categories)


# -- helpers ------------------------------------------------------------------------------------------
def _num(value: Any) -> float | None:
    if value is None:
        return None
    try:
        x = float(value)
    except (TypeError, ValueError):
        return None
    return x if math.isfinite(x) else None


def _details(value: Any) -> dict:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return {}
    try:
        out = json.loads(str(value))
    except ValueError:
        return {}
    return out if isinstance(out, dict) else {}


def score_years(scores: pd.DataFrame) -> list[int]:
    """Years with at least one category score that has a value."""
    cats = scores[(scores["level"] == "category") & scores["value"].notna()]
    return sorted(int(y) for y in cats["year"].unique())


def default_year(scores: pd.DataFrame) -> int | None:
    """The latest year with a category score; else the latest year with any score row."""
    years = score_years(scores)
    if years:
        return years[-1]
    return int(scores["year"].max()) if not scores.empty else None


def methodology_version(catalogue: Catalogue) -> dict[str, str]:
    digest = hashlib.sha256(catalogue.path.read_bytes()).hexdigest()[:12]
    try:
        version = metadata.version("roamwatch")
    except metadata.PackageNotFoundError:  # pragma: no cover - running from a bare checkout
        version = "unknown"
    return {
        "roamwatch": version,
        "catalogue": digest,
        "framework": str(catalogue.framework.get("version", "")),
        "framework_name": str(catalogue.framework.get("name", "")),
        "publication": str(catalogue.framework.get("publication", "")),
        "threshold": f"{catalogue.threshold:g}",
        "window": str(catalogue.window_years),
    }


# -- building ------------------------------------------------------------------------------------------
def build(svc: data.DataService, code: str, year: int | None = None,
          now: datetime | None = None) -> Brief:
    """Gather the brief of country ``code`` (ISO3, ISO2 or a name) for ``year`` (default: the
    latest year with a category score)."""
    reader = svc.reader()
    if reader is None:
        raise BriefError(N_("no published data in {folder}: run `roamwatch collect` first"),
                         folder=svc.serving_dir)
    match = svc.resolve_country(code)
    if match.iso3 is None:
        if match.suggestions:
            raise BriefError(N_("no country matches {code} (did you mean {codes}?)"), code=repr(code),
                             codes=", ".join(match.suggestions))
        raise BriefError(N_("no country matches {code}"), code=repr(code))
    iso3 = match.iso3
    row = svc.country_row(iso3) or {}
    catalogue = load_catalogue()
    scores = svc.country_scores(iso3) if svc.has_scores() else _empty_scores()
    years = score_years(scores)
    if year is None:
        year = default_year(scores)
    elif int(year) not in set(scores["year"].astype(int)):
        if years:
            raise BriefError(N_("{iso3} has no scores for {year} (years with scores: {first}–{last})"),
                             iso3=iso3, year=year, first=years[0], last=years[-1])
        raise BriefError(N_("{iso3} has no scores for {year} (no scores at all)"), iso3=iso3, year=year)
    year = int(year) if year is not None else None
    meta = svc.cached(bq.warehouse_meta)
    region, income = _text(row.get("region")), _text(row.get("income_group"))

    categories, overall, context = _scores_part(svc, scores, catalogue, year, region, income)
    obs = svc.cached(dq.country_observations, iso3, SERIES)
    internet_use = _internet_use(obs, year)
    subscriptions = _subscriptions(obs, year)
    dgg = _pick_series(obs, (("internet", "dgg.internet_gg"), ("mobile", "dgg.mobile_gg")), year)
    ooni, ooni_window = _ooni(svc.country_ooni(iso3), year)
    events = svc.country_events(iso3)
    coverage = svc.cached(bq.source_coverage, iso3)
    event_years, listed, total, states, event_sources = _events(events, coverage, year, iso3)
    alerts = _alerts(svc, iso3, year)

    cited = {line.indicator.source for c in categories for t in c.themes for line in t.lines}
    cited |= {m.indicator.source for c in categories for t in c.themes for m in t.missing}
    cited |= {line.indicator.source for line in context}
    cited |= {s.source for s in internet_use + subscriptions + dgg}
    if ooni:
        cited.add("ooni")
    cited |= set(event_sources)
    all_sources = svc.cached(bq.source_references)
    sources = all_sources[all_sources["id"].isin(cited)]

    return Brief(
        iso3=iso3, iso2=_text(row.get("iso2")),
        names=(str(row.get("name_en") or iso3), str(row.get("name_fr") or row.get("name_en") or iso3)),
        region=region, income_group=income, year=year, years=years,
        snapshot_id=reader.snapshot_id, generated_at=now or datetime.now(UTC),
        synthetic=meta.get("synthetic", "").lower() == "true", catalogue=catalogue,
        overall=overall, categories=categories, internet_use=internet_use,
        subscriptions=subscriptions, dgg=dgg, ooni=ooni, ooni_window=ooni_window,
        ooni_min=data.OONI_MIN_MEASUREMENTS, event_years=event_years, event_sources=event_sources,
        events=listed, events_total=total, event_states=states, coverage_known=not coverage.empty,
        context=context, alerts=alerts, sources=sources.reset_index(drop=True),
        methodology=methodology_version(catalogue),
    )


def _text(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    text = str(value).strip()
    return text or None


def _empty_scores() -> pd.DataFrame:
    return pd.DataFrame({"year": pd.Series(dtype="int64"), "level": pd.Series(dtype=str),
                         "key": pd.Series(dtype=str), "value": pd.Series(dtype=float),
                         "coverage": pd.Series(dtype=float), "details": pd.Series(dtype=str)})


def _scores_part(svc, scores, catalogue, year, region, income):
    rows = scores[scores["year"] == year] if year is not None else scores.iloc[0:0]
    by_key = {(r.level, r.key): r for r in rows.itertuples()}
    medians = svc.cached(bq.group_medians, year, "category") if year is not None else None
    categories = []
    for cat in CATEGORIES:
        row = by_key.get(("category", cat))
        details = _details(row.details) if row is not None else {}
        framework = [tid for tid, t in catalogue.themes.items() if t.category == cat]
        used = catalogue.category_themes(cat)
        themes = []
        for tid in used:
            theme_row = by_key.get(("theme", tid))
            themes.append(_theme_block(catalogue, tid, theme_row))
        filled = sum(1 for t in themes if t.value is not None)
        if isinstance(details.get("framework_coverage"), dict):  # when the scores publish it
            filled = int(details["framework_coverage"].get("filled", filled))
        med = {"world": None, "region": None, "income_group": None}
        if medians is not None and not medians.empty:
            m = medians[medians["key"] == cat]
            for group_type, name in (("world", None), ("region", region), ("income_group", income)):
                hit = m[m["group_type"] == group_type]
                if name is not None:
                    hit = hit[hit["group_name"] == name]
                elif group_type != "world":
                    continue
                if not hit.empty:
                    med[group_type] = _num(hit.iloc[0]["median"])
        categories.append(CategoryBlock(
            key=cat, value=_num(row.value) if row is not None else None,
            coverage=_num(row.coverage) if row is not None else None,
            reason=str(details.get("reason") or ("no data" if row is None else "")),
            framework_filled=filled, framework_total=len(framework), medians=med, themes=themes,
            uncovered=[(tid, catalogue.themes[tid].title_en)
                       for tid in framework if tid not in used],
        ))
    overall_row = by_key.get(("overall", "ROAMX"))
    overall = (None, None)
    if overall_row is not None:
        overall = (_num(overall_row.value), _num(overall_row.coverage))
    context = []
    details = _details(overall_row.details) if overall_row is not None else {}
    found = {c.get("indicator"): c for c in details.get("context", []) if isinstance(c, dict)}
    for ind in catalogue.contextual:
        item = found.get(ind.id)
        context.append(IndicatorLine(
            indicator=ind, raw=_num(item.get("raw")) if item else None,
            period=str(item.get("period") or "") if item else "",
            carried_forward=bool(item.get("carried_forward")) if item else False,
            normalised=None, weight=None, status="ok" if item else "no data",
        ))
    return categories, overall, context


def _theme_block(catalogue: Catalogue, tid: str, row) -> ThemeBlock:
    theme = catalogue.themes.get(tid)
    title = theme.title_en if theme else tid
    details = _details(row.details) if row is not None else {}
    block = ThemeBlock(id=tid, title=title, value=_num(row.value) if row is not None else None,
                       coverage=_num(row.coverage) if row is not None else None,
                       reason=str(details.get("reason") or ("no data" if row is None else "")))
    seen = set()
    for item in details.get("inputs", []):
        ind = catalogue.by_id.get(item.get("indicator"))
        if ind is None:
            continue
        seen.add(ind.id)
        status = str(item.get("status") or "ok")
        line = IndicatorLine(
            indicator=ind, raw=_num(item.get("raw")), period=str(item.get("period") or ""),
            carried_forward=bool(item.get("carried_forward")), normalised=_num(item.get("normalised")),
            weight=_num(item.get("weight")), status=status,
        )
        if status == "ok" and line.normalised is not None:
            block.lines.append(line)
        else:
            block.missing.append(MissingLine(ind, status))
    for ind_id in details.get("missing", []):
        ind = catalogue.by_id.get(ind_id)
        if ind is not None and ind.id not in seen:
            seen.add(ind.id)
            block.missing.append(MissingLine(ind, "no data"))
    # indicators of the theme the trace does not name at all (no score row: nothing collected)
    for ind in catalogue.scored:
        if ind.theme == tid and ind.id not in seen:
            block.missing.append(MissingLine(ind, "no data"))
    return block


def _series(obs: pd.DataFrame, metric: str, key: str, year: int | None) -> Series | None:
    rows = obs[obs["metric"] == metric]
    if year is not None:
        rows = rows[rows["year"] <= year]
    if rows.empty:
        return None
    # yearly series as they are; monthly ones as the mean of each year's months
    if rows["period"].astype(str).str.fullmatch(r"\d{4}").all():
        points = [(int(y), float(v), str(p)) for y, v, p in zip(rows["year"], rows["value"], rows["period"],
                                                              strict=True)]
    else:
        grouped = rows.groupby("year")["value"].agg(["mean", "count"])
        points = [(int(y), float(r["mean"]), f"{int(y)} ({int(r['count'])})") for y, r in grouped.iterrows()]
    first = rows.iloc[0]
    return Series(key=key, metric=metric, source=str(first["source"]), unit=str(first["unit"] or ""),
                  points=points)


def _internet_use(obs: pd.DataFrame, year: int | None) -> list[Series]:
    best: list[Series] = []
    for _source, metrics in INTERNET_USE.items():
        found = [s for s in (_series(obs, m, k, year) for m, k in zip(metrics, ("total", "female", "male"),
                                                                   strict=True)) if s]
        score = (sum(len(s.points) for s in found if s.key != "total") > 0,
                 max((p[0] for s in found for p in s.points), default=0),
                 sum(len(s.points) for s in found))
        best_score = (sum(len(s.points) for s in best if s.key != "total") > 0,
                      max((p[0] for s in best for p in s.points), default=0),
                      sum(len(s.points) for s in best))
        if found and score > best_score:
            best = found
    return best


def _subscriptions(obs: pd.DataFrame, year: int | None) -> list[Series]:
    out = []
    for key, metrics in SUBSCRIPTIONS:
        for metric in metrics:
            found = _series(obs, metric, key, year)
            if found:
                out.append(found)
                break
    return out


def _pick_series(obs, pairs, year) -> list[Series]:
    return [s for s in (_series(obs, metric, key, year) for key, metric in pairs) if s]


def _ooni(counts: pd.DataFrame, year: int | None) -> tuple[list[OoniTest], tuple[str, str] | None]:
    if counts.empty:
        return [], None
    months = pd.to_datetime(counts["month"])
    end = months.max()
    if year is not None:
        end = min(end, pd.Timestamp(year=year, month=12, day=1))
    start = end - pd.DateOffset(months=OONI_MONTHS - 1)
    window = counts[(months >= start) & (months <= end)]
    if window.empty:
        return [], (start.strftime("%Y-%m"), end.strftime("%Y-%m"))
    tests = []
    order = {t: i for i, t in enumerate(OONI_TESTS)}
    for test, part in sorted(window.groupby("test"), key=lambda kv: (order.get(kv[0], 99), kv[0])):
        total = float(part["measurements"].sum())
        if total <= 0:
            continue
        tests.append(OoniTest(
            test=str(test), measurements=int(total), months=int(part["month"].nunique()),
            anomaly=float(part["anomalies"].sum()) / total, confirmed=float(part["confirmed"].sum()) / total,
            failure=float(part["failures"].sum()) / total,
        ))
    first = pd.to_datetime(window["month"]).min()
    return tests, (first.strftime("%Y-%m"), end.strftime("%Y-%m"))


def end_state(row: Any) -> str:
    """known / ongoing / unknown: the published ``end_state`` when the snapshot has it, else
    known when an end is recorded, otherwise what the source said (#KeepItOn's status), else
    unknown (an end that is not reported is never taken as still going on)."""
    state = getattr(row, "end_state", None)
    if isinstance(state, str) and state in ("known", "ongoing", "unknown"):
        return state
    if getattr(row, "end_time", None) is not None and not pd.isna(row.end_time):
        return "known"
    status = str(_details(getattr(row, "details", None)).get("status") or "").lower()
    return "ongoing" if status == "ongoing" else "unknown"


def _events(events: pd.DataFrame, coverage: pd.DataFrame, year: int | None, iso3: str):
    """Per event source and year of the window: events and days in force, counted by
    :mod:`roamwatch.events` inside the source's coverage (a year outside it is not covered, not
    0); the end states of the window's events, and the most recent ones."""
    empty = pd.DataFrame(columns=["source_name", "kind", "start_time", "end_time", "end_state", "area"])
    if year is None:
        return [], empty, 0, {}, {}
    years = list(range(year - EVENT_YEARS + 1, year + 1))
    covered_sources = set(coverage["source"]) if not coverage.empty else set()
    sources = {s: s for s in data.EVENT_SOURCES if s in covered_sources}
    if not events.empty:
        sources.update(dict(zip(events["source"], events["source_name"], strict=True)))
    frame = events.copy()
    if frame.empty:
        frame = frame.assign(first_day=pd.Series(dtype="datetime64[s]"),
                             last_day=pd.Series(dtype="datetime64[s]"))
    if "end_state" not in frame or "first_day" not in frame:  # a snapshot from before event end states
        frame["end_state"] = [end_state(r) for r in frame.itertuples()] if not frame.empty else []
        frame = rw_events.event_spans(frame, rw_events.last_updates(coverage))
    first = pd.to_datetime(frame["first_day"]).dt.year
    last = pd.to_datetime(frame["last_day"]).dt.year
    window = frame[(last >= years[0]) & (first <= years[-1])] if not frame.empty else frame
    per_source = {}
    for sid in sources:
        cov = coverage[coverage["source"] == sid] if not coverage.empty else coverage
        spans = frame[frame["source"] == sid].assign(country=iso3)
        if cov is None or cov.empty:
            per_source[sid] = None  # no published coverage: counts only, said so
            continue
        # a territory a source reporting by state does not list on its own: not covered
        counted = rw_events.days_by_year(
            spans, cov, countries=[iso3] if rw_events.general_window_applies(sid, iso3) else [])
        per_source[sid] = {int(r.year): (int(r.events), int(r.days)) for r in counted.itertuples()}
    rows = []
    for y in years:
        counts, days, covered = {}, {}, {}
        for sid in sources:
            table = per_source[sid]
            if table is None:
                starts = frame[(frame["source"] == sid) & (pd.to_datetime(frame["first_day"]).dt.year == y)]
                counts[sid], days[sid], covered[sid] = int(len(starts)), None, None
            elif y in table:
                counts[sid], days[sid] = table[y]
                covered[sid] = True
            else:
                counts[sid], days[sid], covered[sid] = 0, None, False
        rows.append(EventYear(y, counts, covered, days))
    states = {}
    if not window.empty:
        states = {str(k): int(v) for k, v in window["end_state"].value_counts().items()}
    listed = window.sort_values("start_time", ascending=False).head(EVENT_ROWS)
    if not listed.empty:
        listed = listed.assign(area=[_details(d).get("area") or "" for d in listed["details"]])
        listed = listed[["source_name", "kind", "start_time", "end_time", "end_state", "area"]]
    else:
        listed = empty
    return rows, listed.reset_index(drop=True), int(len(window)), states, sources


def _alerts(svc: data.DataService, iso3: str, year: int | None) -> pd.DataFrame | None:
    """The country's alerts of the last 12 months, once the alerts feature publishes a table
    (``None`` until then, and the brief leaves the section out)."""
    if year is None or not svc.cached(bq.has_alerts):
        return None
    return svc.cached(bq.country_alerts, iso3, f"{year}-12-31")
