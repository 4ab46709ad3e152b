"""Read queries over a published snapshot, shared by export, status, the dashboard and the API."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd

from roamwatch.events import COVERAGE_COLUMNS, event_spans, last_updates
from roamwatch.warehouse import leases
from roamwatch.warehouse.lock import writer_lock
from roamwatch.warehouse.snapshot import NoSnapshot, open_snapshot

#: The ``snapshot_id`` of a :class:`Reader` over the warehouse itself (nothing published yet).
UNPUBLISHED = "(nothing published yet)"
#: Queries one reader runs at once. Its DuckDB connection has a memory cap (see
#: ``snapshot.READER_MEMORY_LIMIT``) shared by every query on it; a busy server's threads each
#: running a query on the same snapshot could together exhaust it (DuckDB then fails the query
#: with an out-of-memory error, seen as HTTP 500 under the load test). The others wait.
READER_CONCURRENT_QUERIES = 2


@dataclass
class Reader:
    """Queries over one snapshot. Use :meth:`open` to read the current one."""

    snapshot_id: str
    con: duckdb.DuckDBPyConnection
    lease: leases.Lease | None = field(default=None, repr=False)
    _meta: dict[str, str] | None = field(default=None, repr=False)
    _gate: threading.BoundedSemaphore = field(
        default_factory=lambda: threading.BoundedSemaphore(READER_CONCURRENT_QUERIES), repr=False)

    @classmethod
    def open(cls, serving_dir: Path, snapshot_id: str | None = None) -> Reader:
        """Read the current snapshot (or ``snapshot_id``), holding a lease on it so it is not
        pruned meanwhile."""
        lease = leases.acquire(serving_dir, snapshot_id)
        try:
            snapshot_id, con = open_snapshot(serving_dir, lease.snapshot_id)
        except BaseException:
            lease.release()
            raise
        return cls(snapshot_id, con, lease)

    @classmethod
    def open_unpublished(cls, warehouse_path: Path) -> Reader:
        """The warehouse file itself, read-only, for when nothing has been published yet (a first
        run where every source failed). The caller holds the writer lock meanwhile: a read-only
        DuckDB connection would make a writer's open fail."""
        return cls(UNPUBLISHED, duckdb.connect(str(warehouse_path), read_only=True))

    def close(self) -> None:
        self.con.close()
        if self.lease is not None:
            self.lease.release()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _df(self, sql: str, params: Sequence | dict | None = None) -> pd.DataFrame:
        with self._gate:
            try:
                return self.con.cursor().execute(sql, params or []).df()
            except duckdb.OutOfMemoryException:
                # The cap is shared with the other running query: once more when it has had a
                # moment to finish; a second failure is a real one.
                time.sleep(0.25)
                return self.con.cursor().execute(sql, params or []).df()

    @property
    def meta(self) -> dict[str, str]:
        """The warehouse's ``warehouse_meta`` facts as published (empty for a snapshot published
        before the table existed)."""
        if self._meta is None:
            try:
                rows = self.con.cursor().execute("SELECT key, value FROM warehouse_meta").fetchall()
            except duckdb.CatalogException:
                rows = []
            self._meta = dict(rows)
        return self._meta

    @property
    def synthetic(self) -> bool:
        """True when the data are synthetic demo data (``roamwatch demo``), not measurements."""
        return self.meta.get("synthetic") == "true"

    def metric_ids(self) -> list[str]:
        return [r[0] for r in self.con.cursor().execute("SELECT id FROM metric ORDER BY id").fetchall()]

    def observations(
        self,
        metrics: Sequence[str] = (),
        countries: Sequence[str] = (),
        year_from: int | None = None,
        year_to: int | None = None,
    ) -> pd.DataFrame:
        """Observations joined with metric, country and source names.

        ``metrics`` entries may end in ``*`` to select by prefix (``worldbank.*``).
        """
        where, params = ["TRUE"], {}
        if metrics:
            exact = [m for m in metrics if not m.endswith("*")]
            prefixes = [m[:-1] for m in metrics if m.endswith("*")]
            either = []
            if exact:
                params["exact"] = exact
                either.append("list_contains($exact::VARCHAR[], o.metric)")
            if prefixes:
                params["prefixes"] = prefixes
                either.append(
                    "len(list_filter($prefixes::VARCHAR[], lambda p: starts_with(o.metric, p))) > 0"
                )
            where.append("(" + " OR ".join(either) + ")")
        if countries:
            params["countries"] = [c.upper() for c in countries]
            where.append("list_contains($countries::VARCHAR[], o.country)")
        if year_from is not None:
            params["year_from"] = year_from
            where.append("year(o.period_start) >= $year_from")
        if year_to is not None:
            params["year_to"] = year_to
            where.append("year(o.period_start) <= $year_to")
        sql = f"""
            SELECT o.metric, m.name AS metric_name, m.unit, o.country,
                   c.name_en AS country_name, o.period, o.value, m.source,
                   o.fetched_at
            FROM observation o
            JOIN metric m ON m.id = o.metric
            LEFT JOIN country c ON c.iso3 = o.country
            WHERE {' AND '.join(where)}
            ORDER BY o.metric, o.country, o.period
        """
        return self._df(sql, params)

    def event_sources(self) -> set[str]:
        """The sources that have at least one event in this snapshot."""
        return {r[0] for r in self.con.cursor().execute("SELECT DISTINCT source FROM event").fetchall()}

    def countries(self) -> pd.DataFrame:
        return self._df("SELECT * FROM country ORDER BY iso3")

    def metrics(self) -> pd.DataFrame:
        return self._df("SELECT * FROM metric ORDER BY id")

    def coverage(self, sources: Sequence[str] = ()) -> pd.DataFrame:
        """Coverage windows (``source, country, first_day, last_day, basis``; country NULL =
        every country): where a source's silence means "none recorded", not "no data"."""
        try:
            if sources:
                return self._df(
                    "SELECT * FROM source_coverage WHERE list_contains($s::VARCHAR[], source) "
                    "ORDER BY source, country NULLS FIRST, first_day", {"s": list(sources)})
            return self._df(
                "SELECT * FROM source_coverage ORDER BY source, country NULLS FIRST, first_day")
        except duckdb.CatalogException:  # a snapshot published before coverage existed
            return pd.DataFrame({c: pd.Series(dtype=object) for c in COVERAGE_COLUMNS})

    def events(
        self,
        sources: Sequence[str] = (),
        countries: Sequence[str] = (),
        start: str | None = None,
        end: str | None = None,
    ) -> pd.DataFrame:
        """Outage and shutdown events whose days overlap [start, end] (ISO dates, optional).

        Each row has the event's ``end_state`` (known, ongoing, unknown) and the days it
        covers, ``first_day`` and ``last_day`` (inclusive), by :func:`roamwatch.events.event_spans`
        (an ongoing event runs to the data's last update, an unknown end counts as the start
        day), with ``span_rule`` saying which rule applied.
        """
        where, params = ["TRUE"], {}
        if sources:
            params["sources"] = list(sources)
            where.append("list_contains($sources::VARCHAR[], e.source)")
        if countries:
            params["countries"] = [c.upper() for c in countries]
            where.append("list_contains($countries::VARCHAR[], e.country)")
        if end:
            params["end"] = end
            where.append("e.start_time < ($end::DATE + 1)::TIMESTAMP")
        frame = self._df(
            f"""SELECT e.*, c.name_en AS country_name
                FROM event e LEFT JOIN country c ON c.iso3 = e.country
                WHERE {' AND '.join(where)} ORDER BY e.start_time, e.country""",
            params,
        )
        if "end_state" not in frame:  # a snapshot published before end states existed
            frame["end_state"] = None
        frame = frame[["id", "source", "country", "country_name", "start_time", "end_time",
                       "end_state", "kind", "severity", "details"]]
        spans = event_spans(frame, last_updates(self.coverage(sorted(frame["source"].unique()))))
        if start and not spans.empty:
            spans = spans[spans["last_day"] >= pd.Timestamp(start).normalize()]
        return spans.reset_index(drop=True)

    def scores(
        self,
        countries: Sequence[str] = (),
        years: Sequence[int] = (),
        levels: Sequence[str] = (),
    ) -> pd.DataFrame:
        """Scores (0–100, NULL when coverage was insufficient) with coverage and their trace;
        ``framework_coverage`` (categories and overall): the share of the framework's themes
        with a value, whatever the catalogue fills."""
        where, params = ["TRUE"], {}
        if countries:
            params["countries"] = [c.upper() for c in countries]
            where.append("list_contains($countries::VARCHAR[], s.country)")
        if years:
            params["years"] = [int(y) for y in years]
            where.append("list_contains($years::INTEGER[], s.year)")
        if levels:
            params["levels"] = list(levels)
            where.append("list_contains($levels::VARCHAR[], s.level)")
        return self._df(
            f"""SELECT s.*,
                       TRY_CAST(json_extract_string(s.details, '$.framework.coverage') AS DOUBLE)
                           AS framework_coverage,
                       c.name_en AS country_name FROM score s
                LEFT JOIN country c ON c.iso3 = s.country
                WHERE {' AND '.join(where)} ORDER BY s.country, s.year, s.level, s.key""",
            params,
        )

    def alerts(
        self,
        countries: Sequence[str] = (),
        rules: Sequence[str] = (),
        states: Sequence[str] = (),
        since: str | None = None,
        until: str | None = None,
        limit: int | None = None,
    ) -> pd.DataFrame:
        """Stored alerts (newest onset first) with the country's names; ``since``/``until``
        (ISO dates, inclusive) bound the onset. Empty for a snapshot without alerts."""
        from roamwatch.warehouse import alerts

        return alerts.list_alerts(self.con, [c.upper() for c in countries], rules, (), states,
                                  since, until, limit=limit)

    def alerts_for_country(self, iso3: str, since: str | None = None) -> pd.DataFrame:
        """One country's alerts with an onset on or after ``since`` (ISO date), newest first:
        e.g. "alerts of the last 12 months" for a country brief."""
        return self.alerts(countries=[iso3], since=since)

    def runs(self, limit: int = 100) -> pd.DataFrame:
        return self._df("SELECT * FROM collector_run ORDER BY id DESC LIMIT $n", {"n": limit})

    def run_history(self) -> list[tuple]:
        """Per collector: (name, last success start, failed or partial runs since, the newest
        of those, the database's clock), for the scheduler's due and retry rules."""
        return self.con.cursor().execute(
            """WITH ok AS (
                   SELECT collector, max(started_at) AS last_ok FROM collector_run
                   WHERE status = 'success' GROUP BY collector)
               SELECT r.collector, ok.last_ok,
                      count(*) FILTER (WHERE r.status <> 'success'
                                       AND (ok.last_ok IS NULL OR r.started_at > ok.last_ok)),
                      max(coalesce(r.finished_at, r.started_at))
                          FILTER (WHERE r.status <> 'success'
                                  AND (ok.last_ok IS NULL OR r.started_at > ok.last_ok)),
                      now()::TIMESTAMP
               FROM collector_run r LEFT JOIN ok USING (collector)
               GROUP BY r.collector, ok.last_ok"""
        ).fetchall()

    def last_runs(self) -> pd.DataFrame:
        """Each collector's newest run with its failed units and details (JSON text)."""
        return self._df(
            """SELECT collector, id AS run_id, failed_units, details FROM collector_run
               QUALIFY row_number() OVER (PARTITION BY collector ORDER BY id DESC) = 1
               ORDER BY collector"""
        )

    def score_ranks(self) -> pd.DataFrame:
        """``score_rank``: per country, year and category, the best and worst rank under the
        alternative aggregations (never a single rank: ``rank`` is empty)."""
        return self._df("SELECT * FROM score_rank ORDER BY category, year, country")

    def holdings(self) -> pd.DataFrame:
        """Per source: observations and events held, first and last year of either."""
        return self._df(
            """WITH o AS (SELECT m.source, count(*) AS observations,
                                 min(year(o.period_start)) AS first, max(year(o.period_start)) AS last
                          FROM observation o JOIN metric m ON m.id = o.metric GROUP BY m.source),
                    e AS (SELECT source, count(*) AS events, min(year(start_time)) AS first,
                                 max(year(start_time)) AS last FROM event GROUP BY source)
               SELECT coalesce(o.source, e.source) AS source,
                      coalesce(o.observations, 0) AS observations, coalesce(e.events, 0) AS events,
                      least(o.first, e.first) AS first, greatest(o.last, e.last) AS last
               FROM o FULL OUTER JOIN e ON o.source = e.source ORDER BY source"""
        )

    def sources(self, ids: Sequence[str] | None = None) -> pd.DataFrame:
        sql = "SELECT * FROM source"
        if ids is not None:
            return self._df(
                sql + " WHERE list_contains($ids::VARCHAR[], id) ORDER BY id", {"ids": list(ids)}
            )
        return self._df(sql + " ORDER BY id")

    def collector_status(self) -> pd.DataFrame:
        """Per collector: its last run, its last successful run and the newest data it holds."""
        return self._df(
            """
            WITH last AS (
                SELECT * FROM collector_run
                QUALIFY row_number() OVER (PARTITION BY collector ORDER BY id DESC) = 1
            ), ok AS (
                SELECT collector, max(finished_at) AS last_success
                FROM collector_run WHERE status IN ('success', 'partial') GROUP BY collector
            ), fresh AS (
                SELECT m.source AS collector, max(o.period) AS newest_period,
                       count(*) AS observations
                FROM observation o JOIN metric m ON m.id = o.metric GROUP BY m.source
            ), happenings AS (
                SELECT source AS collector, count(*) AS events,
                       max(start_time) AS newest_event
                FROM event GROUP BY source
            )
            SELECT last.collector, last.id AS run_id, last.status, last.started_at,
                   last.finished_at, last.rows_written, last.rows_rejected, last.units_failed,
                   last.error, ok.last_success,
                   coalesce(fresh.newest_period, strftime(happenings.newest_event, '%Y-%m-%d'))
                       AS newest_period,
                   coalesce(fresh.observations, 0) AS observations,
                   coalesce(happenings.events, 0) AS events
            FROM last LEFT JOIN ok USING (collector) LEFT JOIN fresh USING (collector)
                 LEFT JOIN happenings USING (collector)
            ORDER BY last.collector
            """
        )


@contextmanager
def open_latest(serving_dir: Path, warehouse_path: Path, lock_path: Path) -> Iterator[Reader]:
    """The current snapshot; when nothing was published yet, the warehouse itself (read-only,
    under the writer lock, so a collector starting meanwhile waits instead of failing).

    Raises :class:`~roamwatch.warehouse.snapshot.NoSnapshot` when there is neither, and
    :class:`~roamwatch.warehouse.lock.LockTimeout` when a writer holds the unpublished warehouse.
    """
    try:
        reader = Reader.open(serving_dir)
    except NoSnapshot:
        if not warehouse_path.exists():
            raise
    else:
        with reader:
            yield reader
        return
    with writer_lock(lock_path, purpose="reading a warehouse with nothing published", timeout=0), \
            Reader.open_unpublished(warehouse_path) as reader:
        yield reader


def unfinished_runs(warehouse_path: Path, lock_path: Path) -> tuple[str | None, pd.DataFrame]:
    """Runs the warehouse records as ``running``, and who holds the writer lock now.

    Every writer holds the lock while its runs go on, and the kernel drops a lock with its
    process. So when nobody holds it, a ``running`` run died with its process (killed, power
    cut): it is *interrupted* (the next writer records it as failed). Returns ``(holder, runs)``:
    with a holder, the warehouse is the writer's and is not read (``runs`` is empty).
    """
    from roamwatch.warehouse.lock import LockTimeout

    empty = pd.DataFrame(columns=["id", "collector", "started_at", "pid"])
    if not warehouse_path.exists():
        return None, empty
    try:
        with writer_lock(lock_path, purpose="roamwatch status: looking for interrupted runs", timeout=0):
            con = duckdb.connect(str(warehouse_path), read_only=True)
            try:
                return None, con.execute(
                    "SELECT id, collector, started_at, pid FROM collector_run "
                    "WHERE status = 'running' ORDER BY id").df()
            finally:
                con.close()
    except LockTimeout as exc:
        return exc.holder, empty
