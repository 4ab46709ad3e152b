"""The dashboard's thin query layer: the current snapshot's reader, and results cached per snapshot.

Every request asks :func:`get` for the :class:`DataService`; it re-reads the snapshot pointer (at
most every ``check_interval`` seconds) and, when a new snapshot was published, opens a reader on
it. Cached results are keyed on the snapshot id, so a new snapshot never serves stale numbers.
The SQL itself lives in :mod:`roamwatch.warehouse.dashboard_queries`.
"""

from __future__ import annotations

import atexit
import difflib
import functools
import inspect
import json
import re
import sys
import threading
import time
import unicodedata
import zlib
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from dashboard import i18n
from dashboard.bounded_cache import BoundedCache
from roamwatch.warehouse import dashboard_queries as q
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import NoSnapshot, current_snapshot_id

#: Sources whose metrics make up the country page's "rights scores" panel.
RIGHTS_SOURCES = ("fotn", "freedomhouse", "vdem")
#: Sources whose metrics make up the censorship panel.
CENSORSHIP_SOURCES = ("ooni",)
#: Sources of outage/shutdown events.
EVENT_SOURCES = ("ioda", "accessnow")
#: Metrics of the gender panel: (female, male) pairs, first match wins per source.
GENDER_PAIRS = (
    ("worldbank.IT.NET.USER.FE.ZS", "worldbank.IT.NET.USER.MA.ZS"),
)
#: Words that mark a sex-disaggregated metric name (other sources' Internet use by sex).
GENDER_RE = re.compile(r"\b(?:female|male|women|men)\b", re.IGNORECASE)
DEFAULT_METRIC = "worldbank.IT.NET.USER.ZS"
#: Each built-in source by the short proper name a reader knows it by (tables, legends, the
#: metric menus; the full name, licence and citation are in the source line, the CSV and on
#: /sources). Proper names: the same in every language.
SOURCE_SHORT = {"worldbank": "World Bank", "itu": "ITU", "fotn": "Freedom House", "vdem": "V-Dem",
                "apnic": "APNIC Labs", "dgg": "Digital Gender Gaps", "ioda": "IODA", "ooni": "OONI",
                "accessnow": "Access Now", "roamwatch": "roamwatch"}


def source_short(source: str) -> str:
    """``"worldbank"`` → ``"World Bank"`` (a source roamwatch does not know keeps its id)."""
    return SOURCE_SHORT.get(source, source)


#: Which end is better for metrics no catalogue indicator reads as they are.
KNOWN_DIRECTIONS = {"ioda.outage_hours": "lower_better"}
#: A month with fewer measurements of a test than this is drawn faded on the country page.
OONI_MIN_MEASUREMENTS = 10
MAX_CACHE = 512
#: Memory the query-result cache may hold (estimated: frames by their deep memory use).
MAX_CACHE_BYTES = 96 << 20
#: Query results with more rows than this are not kept (a country's observations are ~12k rows,
#: megabytes as a frame): the pages built from them are cached instead, small results are.
MAX_CACHED_ROWS = 5000
#: Rendered page layouts kept per snapshot, as compressed JSON (a country page is about 200 KB
#: of JSON, ~20 KB compressed, where its component tree took megabytes of Python objects).
MAX_PAGES = 128
#: Per-country query results kept (the few countries whose pages or downloads are in progress).
RECENT = 8
#: Memory the page cache may hold (compressed layouts and their keys).
MAX_PAGE_BYTES = 32 << 20
#: Seconds a replaced snapshot's reader stays open: a request that started on it may still be
#: querying it (closing a connection under a running query fails that request), so it is closed
#: only once it has been replaced this long, or when more than :data:`MAX_OLD_READERS` wait.
OLD_READER_GRACE = 30.0
MAX_OLD_READERS = 8
#: Longest text taken for a country code or name; longer input names no country and is not
#: fuzzy-matched (the longest English or French country name has about 50 characters).
MAX_COUNTRY_TEXT = 80
#: Longest text fuzzy-matched against metric ids and names.
MAX_SERIES_TEXT = 160


class RenderedPage:
    """A page layout as the JSON Dash would send, kept compressed; Dash serializes it through
    :meth:`to_plotly_json` like any component."""

    __slots__ = ("_blob",)

    def __init__(self, layout: Any) -> None:
        try:
            # the standard library's C encoder: several times faster than plotly's, which Dash
            # runs again on the result anyway (turning NaN into null there)
            text = json.dumps(layout, default=_plain_json, separators=(",", ":"))
            if "NaN" in text or "Infinity" in text:
                # strict JSON (null), as plotly's encoder writes it: a stored NaN would make
                # Dash's encoder decode and encode every response of this page again
                text = json.dumps(json.loads(text, parse_constant=lambda _c: None),
                                  separators=(",", ":"))
        except TypeError:  # something only plotly knows how to write
            from plotly.io.json import to_json_plotly

            text = to_json_plotly(layout)
        self._blob = zlib.compress(text.encode("utf-8"), 1)

    def to_plotly_json(self) -> Any:
        return json.loads(zlib.decompress(self._blob))

    def __sizeof__(self) -> int:
        return object.__sizeof__(self) + len(self._blob)


def _plain_json(value: Any) -> Any:
    """JSON of what page layouts hold besides plain values: components, numpy and dates."""
    if hasattr(value, "to_plotly_json"):
        return value.to_plotly_json()
    if hasattr(value, "tolist"):  # numpy arrays and scalars
        return value.tolist()
    if value is pd.NaT or value is pd.NA:
        return None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


@dataclass(frozen=True)
class CountryMatch:
    status: str  # "ok" | "redirect" | "missing"
    iso3: str | None = None
    suggestions: tuple[str, ...] = ()


def _fold(text: str) -> str:
    text = unicodedata.normalize("NFKD", str(text))
    return "".join(ch for ch in text if not unicodedata.combining(ch)).lower().strip()


def source_of(series: str) -> str:
    return series.split(".", 1)[0]


class DataService:
    """Readers over the published snapshots of one data directory, with a per-snapshot cache."""

    def __init__(self, serving_dir: Path, check_interval: float = 0.5,
                 snapshot_id: str | None = None, whole_tables: bool = True) -> None:
        self.serving_dir = Path(serving_dir)
        #: :meth:`for_country` computes every country's table once and slices it (pages of many
        #: countries); False: it asks for the one country only (one brief in a fresh process,
        #: where the whole tables would cost seconds and be used once).
        self.whole_tables = whole_tables
        self.check_interval = check_interval
        #: Read this snapshot only, never a newer one (batch work such as ``roamwatch brief --all``).
        self.pinned = snapshot_id
        self._lock = threading.RLock()
        self._reader: Reader | None = None
        self._old: deque[tuple[Reader, float]] = deque()  # replaced readers, when replaced
        self._checked = 0.0
        #: Why the current snapshot could not be opened (None when it could, or when there is none).
        self.problem: str | None = None
        self._cache = BoundedCache()  # query results, within MAX_CACHE / MAX_CACHE_BYTES
        self._pages = BoundedCache()  # rendered pages, within MAX_PAGES / MAX_PAGE_BYTES
        self._recent: OrderedDict[tuple, Any] = OrderedDict()
        self._warming: threading.Thread | None = None
        self._stopping = False

    # -- snapshot ------------------------------------------------------------------------------
    def reader(self) -> Reader | None:
        """The reader of the current snapshot, or ``None`` when nothing was published yet."""
        now = time.monotonic()
        with self._lock:
            if self._reader is not None and now - self._checked < self.check_interval:
                return self._reader
            self._checked = now
            self._close_old(now)
            current = self.pinned or current_snapshot_id(self.serving_dir)
            if current is None:
                return self._reader
            if self._reader is None or self._reader.snapshot_id != current:
                try:
                    fresh = Reader.open(self.serving_dir, self.pinned)
                except NoSnapshot:
                    return self._reader
                except Exception as exc:  # noqa: BLE001 - unreadable snapshot: say so, keep serving
                    self.problem = f"snapshot {current} cannot be read: {str(exc).splitlines()[0]}"
                    print(f"roamwatch dashboard: {self.problem}", file=sys.stderr, flush=True)
                    return self._reader
                self.problem = None
                if self._reader is not None:
                    # Keep old readers open a while: a request that started on them may still run.
                    self._old.append((self._reader, now))
                    self._close_old(now)
                self._reader = fresh
                self.clear_caches()
                if self.pinned is None:  # a served dashboard warms up; batch work does not
                    self._warming = threading.Thread(target=self.warm, name="roamwatch-warm", daemon=True)
                    self._warming.start()
            return self._reader

    def _close_old(self, now: float) -> None:
        while self._old and (now - self._old[0][1] > OLD_READER_GRACE or len(self._old) > MAX_OLD_READERS):
            self._old.popleft()[0].close()

    def warm(self) -> None:
        """Compute the per-snapshot tables every page needs, so the first visitor does not wait."""
        steps: list[Callable[[], Any]] = [
            self.countries, self.metrics, self.score_keys, self.source_status, self._series_index,
            _catalogue_names,
            # the tables every country page slices
            self.event_coverage, lambda: self.country_freshness(""),
            *[functools.partial(prepare, self) for prepare in _WARMERS],
        ]
        try:
            for step in steps:
                if self._stopping:
                    return
                step()
        except Exception:  # noqa: BLE001 - warming is best effort; requests compute on demand
            pass

    def stop_warming(self, timeout: float = 120.0) -> None:
        """Stop a warm-up in progress after its current step and wait for it: at exit, a
        thread killed inside a DuckDB query aborts the whole process."""
        thread = self._warming
        if thread is None or not thread.is_alive():
            return
        self._stopping = True
        thread.join(timeout)

    def clear_caches(self) -> None:
        with self._lock:
            self._cache.clear()
            self._pages.clear()
            self._recent.clear()

    def cache_bytes(self) -> tuple[int, int]:
        """Estimated bytes held by the query-result cache and the page cache."""
        return self._cache.bytes, self._pages.bytes

    def page(self, key: tuple, render: Callable[[], Any]) -> Any:
        """A rendered page layout, computed once per snapshot and ``key`` (kept as compressed
        JSON: :class:`RenderedPage`), within :data:`MAX_PAGES` and :data:`MAX_PAGE_BYTES`."""
        snapshot = self.snapshot_id()
        if snapshot is None:
            return render()
        full = (snapshot, *key)
        with self._lock:
            held = self._pages.get(full)
        if held is not None:
            return held
        value = RenderedPage(render())
        size = sys.getsizeof(value) + len(repr(key))
        with self._lock:
            self._pages.put(full, value, size, MAX_PAGES, MAX_PAGE_BYTES)
        return value

    def available(self) -> bool:
        return self.reader() is not None

    def snapshot_id(self) -> str | None:
        reader = self.reader()
        return reader.snapshot_id if reader else None

    def synthetic(self) -> bool:
        """True when the current snapshot holds synthetic demo data (``roamwatch demo``)."""
        reader = self.reader()
        return bool(reader and reader.synthetic)

    def cached(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(reader, *args)``, computed once per snapshot."""
        return self._memo(fn.__module__, fn.__qualname__, args, lambda reader: fn(reader, *args))

    def recent(self, fn: Callable[..., Any], *args: Any) -> Any:
        """``fn(reader, *args)`` kept only for the last few calls: one country's rows are needed
        while its page renders (and by its downloads just after), then the rendered page is
        cached instead; keeping every country's rows would grow the process by ~100 MB."""
        reader = self.reader()
        if reader is None:
            raise NoSnapshot(f"no published data in {self.serving_dir}")
        key = (reader.snapshot_id, fn.__qualname__, args)
        with self._lock:
            if key in self._recent:
                self._recent.move_to_end(key)
                return self._recent[key]
        value = fn(reader, *args)
        with self._lock:
            self._recent[key] = value
            while len(self._recent) > RECENT:
                self._recent.popitem(last=False)
        return value

    def derived(self, key: tuple, build: Callable[[], Any]) -> Any:
        """``build()`` (made from other cached results), computed once per snapshot and ``key``."""
        return self._memo(__name__, "derived", key, lambda _reader: build())

    def _memo(self, module: str, name: str, args: tuple, compute: Callable[[Reader], Any]) -> Any:
        reader = self.reader()
        if reader is None:
            raise NoSnapshot(f"no published data in {self.serving_dir}")
        key = (reader.snapshot_id, module, name, args)
        with self._lock:
            if key in self._cache:
                return self._cache.get(key)
        value = compute(reader)
        if isinstance(value, pd.DataFrame) and len(value) > MAX_CACHED_ROWS:
            return value  # large frames are not kept: see MAX_CACHED_ROWS
        size = _size_of(value) + len(repr(args))
        with self._lock:
            self._cache.put(key, value, size, MAX_CACHE, MAX_CACHE_BYTES)
        return value

    # -- reference data ------------------------------------------------------------------------
    def countries(self) -> pd.DataFrame:
        return self.cached(q.countries)

    def country_row(self, iso3: str) -> dict[str, Any] | None:
        """A country's reference row; attributes the snapshot lacks (region, income group,
        ISO2, …) are ``None``, never NaN or an empty string."""
        frame = self.countries()
        hit = frame[frame["iso3"] == iso3]
        if hit.empty:
            return None
        return {k: (None if i18n.is_missing(v) or v == "" else v) for k, v in hit.iloc[0].to_dict().items()}

    def country_names(self, lang: str) -> dict[str, str]:
        """ISO3 → the country's short common name in ``lang`` (CLDR; the warehouse's English
        name for economies CLDR does not know)."""
        return self.derived(("country_names", lang), lambda: _country_names(self.countries(), lang))

    def country_name(self, iso3: str, lang: str) -> str:
        return self.country_names(lang).get(iso3, iso3)

    def resolve_country(self, code: object) -> CountryMatch:
        """ISO3 → ok; ISO2 or a (French or English) name → redirect to ISO3; else suggestions.

        Text longer than :data:`MAX_COUNTRY_TEXT` (or not text) names no country and gets no
        suggestions: fuzzy matching costs time in proportion to its length."""
        if not isinstance(code, str | None) or len(code or "") > MAX_COUNTRY_TEXT:
            return CountryMatch("missing")
        text = (code or "").strip()
        # Codes first: the names in six languages are only gathered for text that is no code.
        codes = self.derived(("country_codes",), lambda: _country_codes(self.countries()))
        upper = text.upper()
        if upper in codes["iso3"]:
            return CountryMatch("ok" if text == upper else "redirect", upper)
        if upper in codes["iso2"]:
            return CountryMatch("redirect", codes["iso2"][upper])
        index = self.derived(("country_index",), lambda: _country_index(self.countries()))
        folded = _fold(text.replace("-", " ").replace("_", " "))
        if folded in index["names"]:
            return CountryMatch("redirect", index["names"][folded])
        close = difflib.get_close_matches(folded, list(index["names"]), n=5, cutoff=0.6)
        close_codes = difflib.get_close_matches(upper, list(index["iso3"]), n=3, cutoff=0.6)
        found: list[str] = []
        for iso3 in [index["names"][c] for c in close] + close_codes:
            if iso3 not in found:
                found.append(iso3)
        return CountryMatch("missing", None, tuple(found[:5]))

    def metrics(self) -> pd.DataFrame:
        return self.cached(q.metrics)

    def _series_index(self) -> dict[str, dict[str, Any]]:
        return self.derived(("series_index",), lambda: _series_index(
            self.metrics(), self.score_keys(), self.ooni_tests()))

    def score_keys(self) -> pd.DataFrame:
        return self.cached(q.score_keys)

    def has_scores(self) -> bool:
        return not self.score_keys().empty

    def series_info(self, series: str) -> dict[str, Any] | None:
        """Name, unit, source(s) of a metric, score or OONI share series; ``None`` if it does
        not exist."""
        if not isinstance(series, str):
            return None
        return self._series_index().get(series)

    def series_label(self, series: str, lang: str) -> str:
        info = self.series_info(series)
        if info is None:
            return series
        if q.is_score(series):
            level, key = q.score_parts(series)
            return score_label(level, key, lang)
        if q.is_ooni_share(series):
            return i18n.ooni_share_name(*q.ooni_parts(series), lang)
        return i18n.metric_name(series, info["name"], lang)

    def series_unit(self, series: str, lang: str) -> str:
        info = self.series_info(series) or {}
        return i18n.unit_label(info.get("unit") or "", lang)

    def series_scale(self, series: str) -> dict[str, Any]:
        """How a map colours ``series``: a fixed domain (``zmin``, ``zmax``) that no filter or
        year rescales, and the ``direction`` that is better (``higher_better``,
        ``lower_better`` or ``None`` when roamwatch does not claim one)."""
        return self.derived(("series_scale", series), lambda: self._series_scale(series))

    def _series_scale(self, series: str) -> dict[str, Any]:
        if q.is_score(series):
            return {"zmin": 0.0, "zmax": 100.0, "direction": "higher_better", "basis": "score"}
        if q.is_ooni_share(series):
            _test, bucket = q.ooni_parts(series)
            return {"zmin": 0.0, "zmax": 100.0, "basis": "share",
                    "direction": "higher_better" if bucket == "ok" else "lower_better"}
        goalposts = _catalogue_scales().get(series)
        if goalposts:
            return {**goalposts, "basis": "goalposts"}
        direction = _catalogue_directions().get(series) or KNOWN_DIRECTIONS.get(series)
        info = self.series_info(series) or {}
        if (info.get("unit") or "").strip() == "%":
            return {"zmin": 0.0, "zmax": 100.0, "direction": direction, "basis": "share"}
        reader = self.reader()
        lo, hi = q.series_domain(reader, series) if reader is not None else (None, None)
        return {"zmin": lo, "zmax": hi, "direction": direction, "basis": "range"}

    def series_suggestions(self, series: str, n: int = 5) -> list[str]:
        if not isinstance(series, str) or len(series) > MAX_SERIES_TEXT:
            return []  # nothing that long is a metric: not worth fuzzy matching
        index = self._series_index()
        by_name = {_fold(v["name"]): k for k, v in index.items()}
        hits = difflib.get_close_matches(series, list(index), n=n, cutoff=0.5)
        hits += [by_name[m] for m in difflib.get_close_matches(_fold(series), list(by_name), n=n, cutoff=0.5)]
        out: list[str] = []
        for h in hits:
            if h not in out:
                out.append(h)
        return out[:n]

    def years(self, series: str) -> pd.DataFrame:
        return self.cached(q.series_years, series)

    def default_year(self, series: str) -> int | None:
        """The latest year that has at least half as many countries as the best-covered year."""
        years = self.years(series)
        years = years[years["countries"] > 0]
        if years.empty:
            return None
        threshold = years["countries"].max() / 2
        return int(years[years["countries"] >= threshold]["year"].max())

    def default_series(self) -> str | None:
        """The overall ROAM-X score when scores exist, else Internet use, else any metric."""
        keys = self.score_keys()
        overall = keys[(keys["level"] == "overall") & (keys["countries"] > 0)]
        if not overall.empty:
            return q.score_series("overall", overall.iloc[0]["key"])
        metrics = self.metrics()
        if DEFAULT_METRIC in set(metrics["id"]):
            return DEFAULT_METRIC
        return None if metrics.empty else str(metrics.iloc[0]["id"])

    def series_options(self, lang: str, observations_only: bool = False) -> list[dict[str, Any]]:
        """Dropdown options: scores first (when present), then metrics grouped by source. Each
        option is ``{"label": name (with its unit), "value": id, "source": short source name}``
        (:func:`dashboard.components.layout.metric_options` draws the name first and the source
        after it, quieter).

        OONI's raw daily counts are offered as shares of measurements (a count of measurements
        says how much was measured, not how much was blocked); ``observations_only`` lists the
        stored metrics as they are (the data explorer) and no scores.
        """
        options: list[dict[str, Any]] = []
        if not observations_only:
            for row in self.score_keys().itertuples():
                label = score_label(row.level, row.key, lang)
                label = label if "ROAM-X" in label else f"ROAM-X · {label}"
                options.append({"label": label, "value": q.score_series(row.level, row.key),
                                 "source": source_short("roamwatch")})
        for row in self.metrics().itertuples():
            if row.source == "ooni" and not observations_only:
                continue
            name = i18n.metric_name(row.id, row.name, lang)
            unit = i18n.unit_label(row.unit, lang)
            # the unit unless the name says it already ("… per 100 inhabitants", "… (%)", "…（占人口百分比）")
            said = i18n.names_unit(name, unit, lang) or name.endswith((")", "）"))
            unit = "" if said else f" ({unit})"
            options.append({"label": f"{name}{unit}", "value": row.id, "source": source_short(row.source)})
        if not observations_only:
            for test in self.ooni_tests()["test"]:
                for bucket in ("confirmed", "anomaly"):
                    options.append({"label": i18n.ooni_share_name(test, bucket, lang),
                                    "value": q.ooni_series(test, bucket), "source": source_short("ooni")})
        return options

    def ooni_tests(self) -> pd.DataFrame:
        return self.cached(q.ooni_tests)

    def country_options(self, lang: str, with_data_only: bool = True) -> list[dict[str, str]]:
        frame = self.countries()
        if with_data_only:
            frame = frame[frame["has_data"]]
        names = self.country_names(lang)
        labels = sorted(((names.get(c, c), c) for c in frame["iso3"]), key=lambda p: _fold(p[0]))
        return [{"label": f"{name} ({iso3})", "value": iso3} for name, iso3 in labels]

    def regions(self) -> list[str]:
        return sorted(r for r in self.countries()["region"].dropna().unique() if r)

    def incomes(self) -> list[str]:
        order = list(i18n.INCOMES)
        found = [r for r in self.countries()["income_group"].dropna().unique() if r]
        return sorted(found, key=lambda x: (order.index(x) if x in order else 99, x))

    def collected_sources(self) -> set[str]:
        status = self.cached(q.source_status)
        return set(status.loc[status["run_id"].notna(), "id"])

    # -- pages ---------------------------------------------------------------------------------
    def world_values(self, series: str, year: int) -> pd.DataFrame:
        return self.cached(q.world_values, series, int(year))

    def country_observations(self, iso3: str) -> pd.DataFrame:
        return self.recent(q.country_observations, iso3)

    def country_ooni(self, iso3: str) -> pd.DataFrame:
        """OONI monthly counts of one country, sliced from every country's (computed once per
        snapshot: one pass over the daily counts instead of one per country page)."""
        return self.for_country("ooni", q.country_ooni, iso3)

    def country_events(self, iso3: str) -> pd.DataFrame:
        return self.for_country("events", q.country_events, iso3)

    def country_freshness(self, iso3: str) -> pd.DataFrame:
        return self.for_country("freshness", q.country_freshness, iso3)

    def for_country(self, name: str, query: Callable[..., pd.DataFrame], iso3: str,
                    prepare: Callable[[pd.DataFrame], pd.DataFrame] | None = None) -> pd.DataFrame:
        """One country's part of ``prepare(query(reader))``, a table of every country computed
        once per snapshot and split by its ``country`` column (dropped, as the one-country query
        ``query(reader, iso3)`` returns it); a country without rows gets the columns, no rows.
        Without :attr:`whole_tables`, only that country's rows are asked for (the same rows;
        an empty result may type a text column as object)."""
        if not self.whole_tables:
            def one() -> pd.DataFrame:
                frame = query(self._reader_or_fail(), iso3)
                if prepare is not None:
                    frame.insert(0, "country", iso3)
                    frame = prepare(frame).drop(columns="country").reset_index(drop=True)
                return frame
            return self.derived(("for_country", name, iso3), one)
        def build() -> dict[str, pd.DataFrame]:
            reader = self._reader_or_fail()
            frame = query(reader)
            if prepare is not None:
                frame = prepare(frame)
            parts = {str(c): part.drop(columns="country").reset_index(drop=True)
                     for c, part in frame.groupby("country", sort=False)}
            parts["\x00empty"] = frame.iloc[0:0].drop(columns="country")
            return parts
        parts = self.derived(("for_country", name), build)
        return parts.get(iso3, parts["\x00empty"])

    def _reader_or_fail(self) -> Reader:
        reader = self.reader()
        if reader is None:
            raise NoSnapshot(f"no published data in {self.serving_dir}")
        return reader

    def event_coverage(self) -> pd.DataFrame:
        return self.cached(q.event_coverage)

    def country_scores(self, iso3: str) -> pd.DataFrame:
        return self.cached(q.country_scores, iso3)

    def latest_country_scores(self, iso3: str) -> pd.DataFrame:
        return self.recent(q.latest_country_scores, iso3)

    def score_medians(self, year: int, level: str, region: str | None,
                      income_group: str | None = None) -> pd.DataFrame:
        return self.cached(q.score_medians, int(year), level, region, income_group)

    def compare_series(self, series: str, iso3s: tuple[str, ...]) -> pd.DataFrame:
        return self.cached(q.compare_series, series, tuple(iso3s))

    def source_status(self) -> pd.DataFrame:
        return self.cached(q.source_status)

    def data_count(self, flt: q.DataFilter) -> int:
        return self.cached(q.data_count, flt)

    def data_rows(self, flt: q.DataFilter, offset: int = 0, limit: int | None = None) -> pd.DataFrame:
        if limit is None:  # full selections are large and requested rarely: not cached
            reader = self.reader()
            if reader is None:
                raise NoSnapshot(f"no published data in {self.serving_dir}")
            return q.data_rows(reader, flt)
        return self.cached(q.data_rows, flt, int(offset), int(limit))


@functools.lru_cache(maxsize=1)
def _catalogue_names() -> dict[str, str]:
    """Theme and indicator names from ``indicators/catalogue.toml``, if present (in English:
    each is a message of the translation catalogues)."""
    try:
        from indicators.catalogue import load_catalogue

        catalogue = load_catalogue()
    except Exception:  # noqa: BLE001 - no catalogue (yet): keys are shown as they are
        return {}
    names = {tid: t.title_en for tid, t in catalogue.themes.items()}
    names.update({i.id: i.name_en for i in catalogue.indicators})
    return names


def score_label(level: str, key: str, lang: str) -> str:
    if level == "category" or (level == "overall" and key in i18n.ROAMX_NAMES):
        return i18n.roamx_label(key, lang)
    if level == "overall":
        return i18n.t("score.overall", lang)
    name = _catalogue_names().get(key)
    if name:
        return f"{key} {i18n.t(name, lang)}"
    return f"{level} {key}"


def _country_names(frame: pd.DataFrame, lang: str) -> dict[str, str]:
    return {iso3: i18n.country_name(iso3, lang, default=name)
            for iso3, name in zip(frame["iso3"], frame["name_en"], strict=True)}


def _country_index(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """Names that find a country: the warehouse's English and French names, then its name in
    each of the six languages (so ``/country/Irán`` and ``/country/伊朗`` find Iran too)."""
    names: dict[str, str] = {}
    for row in frame.itertuples():
        for name in (row.name_en, row.name_fr):
            if isinstance(name, str) and name:
                names.setdefault(_fold(name.replace("-", " ")), row.iso3)
    for lang in i18n.LANGS:
        for iso3, name in _country_names(frame, lang).items():
            names.setdefault(_fold(name.replace("-", " ")), iso3)
    return {**_country_codes(frame), "names": names}


def _country_codes(frame: pd.DataFrame) -> dict[str, dict[str, str]]:
    """ISO3 → itself and ISO2 → ISO3 of every country in the warehouse."""
    return {
        "iso3": {c: c for c in frame["iso3"]},
        "iso2": {c: i for c, i in zip(frame["iso2"], frame["iso3"], strict=True) if isinstance(c, str)},
    }


def _series_index(metrics: pd.DataFrame, score_keys: pd.DataFrame, ooni_tests: pd.DataFrame
                  ) -> dict[str, dict[str, Any]]:
    index: dict[str, dict[str, Any]] = {}
    for row in metrics.itertuples():
        index[row.id] = {
            "name": row.name, "unit": row.unit, "source": row.source, "source_name": row.source_name,
            "description": row.description, "kind": "metric",
        }
    for row in score_keys.itertuples():
        series = q.score_series(row.level, row.key)
        index[series] = {
            "name": score_label(row.level, row.key, "en"), "unit": "0–100", "source": "roamwatch",
            "source_name": "roamwatch (proxy scores)", "description": "", "kind": "score",
        }
    ooni_name = next((r.source_name for r in metrics.itertuples() if r.source == "ooni"), "OONI")
    for test in ooni_tests["test"]:
        for bucket in q.OONI_BUCKETS:
            index[q.ooni_series(test, bucket)] = {
                "name": i18n.ooni_share_name(test, bucket, "en"), "unit": "%", "source": "ooni",
                "source_name": ooni_name, "description": "", "kind": "ooni_share",
            }
    return index


@functools.lru_cache(maxsize=1)
def _catalogue_indicators() -> tuple:
    try:
        from indicators.catalogue import load_catalogue

        return load_catalogue().indicators
    except Exception:  # noqa: BLE001 - no catalogue: no goalposts or directions to borrow
        return ()


@functools.lru_cache(maxsize=1)
def _catalogue_scales() -> dict[str, dict[str, Any]]:
    """Metric id → the catalogue's goalposts and direction, for metrics an indicator reads as
    they are (no transform): the map colours them on the scale the scores use."""
    out: dict[str, dict[str, Any]] = {}
    for ind in _catalogue_indicators():
        if getattr(ind, "transform", "none") != "none":
            continue
        for metric in ind.metrics:
            if not metric.startswith("derived.") and metric not in out:
                lo, hi = sorted((float(ind.goalpost_lower), float(ind.goalpost_upper)))
                out[metric] = {"zmin": lo, "zmax": hi, "direction": ind.direction}
    return out


@functools.lru_cache(maxsize=1)
def _catalogue_directions() -> dict[str, str]:
    """Metric id → which end is better, from every indicator that reads it (unless indicators
    disagree)."""
    seen: dict[str, set[str]] = {}
    for ind in _catalogue_indicators():
        # the metrics it reads as they are, and a single input it derives its metric from
        read = [*ind.metrics, *(ind.inputs if len(ind.inputs) == 1 else ())]
        for metric in read:
            if not metric.startswith(("derived.", "event:")):
                seen.setdefault(metric, set()).add(ind.direction)
    return {m: next(iter(d)) for m, d in seen.items() if len(d) == 1}


#: Functions of a :class:`DataService` that compute per-snapshot tables pages slice (other
#: modules register theirs: the frames of the country page).
_WARMERS: list[Callable[[DataService], Any]] = []


def on_warm(fn: Callable[[DataService], Any]) -> Callable[[DataService], Any]:
    """Register ``fn(service)`` to run when a new snapshot is warmed up."""
    _WARMERS.append(fn)
    return fn


_service: DataService | None = None
_service_lock = threading.Lock()


@atexit.register
def _stop_warming() -> None:
    if _service is not None:
        _service.stop_warming()


def configure(serving_dir: Path, check_interval: float = 0.5) -> DataService:
    """Point the dashboard at a data directory's ``serving/`` folder (called by the app factory)."""
    global _service
    with _service_lock:
        _service = DataService(serving_dir, check_interval)
    return _service


def get() -> DataService:
    global _service
    if _service is None:
        with _service_lock:
            if _service is None:
                from roamwatch.config import load_config

                _service = DataService(load_config().serving_dir)
    return _service


def _size_of(value: Any) -> int:
    """Rough bytes held by a cached value (frames: their deep memory use)."""
    if isinstance(value, pd.DataFrame):
        return int(value.memory_usage(deep=True).sum())
    if isinstance(value, dict):
        return sys.getsizeof(value) + sum(sys.getsizeof(k) + sys.getsizeof(v) for k, v in value.items())
    if isinstance(value, list | tuple | set):
        return sys.getsizeof(value) + sum(sys.getsizeof(v) for v in value)
    return sys.getsizeof(value)


def page_params(layout: Callable[..., Any], params: tuple[str, ...] = ()) -> frozenset[str]:
    """The parameters a page layout reads: its named ones, and ``params``."""
    named = {name for name, p in inspect.signature(layout).parameters.items()
             if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)}
    return frozenset(named | set(params))


def view_state(kwargs: dict[str, Any], known: frozenset[str]) -> dict[str, Any]:
    """The normalised view state of a page request: only the ``known`` parameters (unknown
    and empty ones dropped), a repeated one's last value, and the language resolved first
    (``?lang=`` or Accept-Language: :func:`i18n.lang_of`) so the cache key says which."""
    state = {}
    for key, value in kwargs.items():
        if key not in known or key == "lang":
            continue
        if isinstance(value, list):
            value = value[-1] if value else None
        if value is None or value == "":
            continue
        state[key] = value
    if "lang" in known:
        state["lang"] = i18n.lang_of(kwargs.get("lang"))
    return state


def cached_page(layout: Callable[..., Any] | None = None, *, params: tuple[str, ...] = ()) -> Any:
    """Decorate a page's ``layout(**kwargs)`` so it renders once per snapshot and view state
    (:func:`view_state`: unknown parameters never make a new cache entry). A page that reads
    parameters through ``**query`` names them: ``@cached_page(params=("metrics", …))``."""

    def decorate(layout: Callable[..., Any]) -> Callable[..., Any]:
        known = page_params(layout, params)

        @functools.wraps(layout)
        def wrapper(**kwargs: Any) -> Any:
            state = view_state(kwargs, known)
            key = (layout.__module__, tuple(sorted((k, repr(v)) for k, v in state.items())))
            return get().page(key, lambda: layout(**state))

        return wrapper

    return decorate(layout) if layout is not None else decorate


def filter_from_query(query: dict[str, object]) -> q.DataFilter:
    """The data page's selection from its URL parameters (shared by the grid and the downloads).

    ``metrics``, ``countries``, ``regions``, ``incomes``: comma-separated lists; ``from``/``to``:
    years; ``sort``: ``column:asc|desc`` pairs separated by commas.
    """
    from dashboard.components.urlstate import split_list, to_int

    sort = []
    for item in split_list(query.get("sort")):
        column, _, direction = item.partition(":")
        if column in q.DATA_COLUMNS:
            sort.append((column, "desc" if direction.lower() == "desc" else "asc"))
    return q.DataFilter(
        metrics=tuple(split_list(query.get("metrics"))),
        countries=tuple(split_list(query.get("countries"), upper=True)),
        regions=tuple(split_list(query.get("regions"), sep="|")),
        incomes=tuple(split_list(query.get("incomes"), sep="|")),
        year_from=to_int(query.get("from")),
        year_to=to_int(query.get("to")),
        sort=tuple(sort),
    )
