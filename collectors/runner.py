"""Runs collectors: writer lock, run bookkeeping, one transaction per unit, publishing."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

from collectors import get_collector
from collectors.base import Batch, Collector, RunContext
from collectors.errors import HttpError, SourceError, Unreachable
from collectors.http import HttpClient, RawArchive
from collectors.validate import validate_observations
from roamwatch.config import Config
from roamwatch.warehouse.lock import writer_lock
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse

#: After this many consecutive units with no HTTP answer (timed out or cut off after every retry)
#: the source is taken as unreachable: the rest of the run's units are recorded as failed without
#: being tried, instead of waiting out every retry of every unit. A host that does not resolve or
#: refuses the connection (:class:`~collectors.errors.Unreachable`) stops the run at once.
UNREACHABLE_AFTER = 3
NOT_ATTEMPTED = "not attempted"


@dataclass
class RunResult:
    """The outcome of one collector run, as recorded in ``collector_run``."""

    run_id: int
    collector: str
    status: str  # success | partial | failed
    rows_written: int = 0
    rows_rejected: int = 0
    units_total: int = 0
    failed_units: dict[str, str] = field(default_factory=dict)
    error: str | None = None
    #: Failed units counted by reason (``HTTP 500``, ``not attempted``, ``no network (...)``).
    failed_by_reason: dict[str, int] = field(default_factory=dict)
    #: Why the source could not be reached at all, e.g. ``no network (cannot resolve api.ooni.io)``.
    unreachable: str | None = None
    #: Rejected rows by reason.
    rejected: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.status == "success"

    def summary(self) -> str:
        """One line: status, why the source was unreachable, rows, units failed by reason."""
        parts = [self.status]
        failed = len(self.failed_units)
        if self.unreachable:
            parts.append(self.unreachable)
        parts.append(f"{self.rows_written:,} rows written, {self.rows_rejected:,} rejected")
        if self.units_total == 0:
            parts.append("nothing attempted" if self.unreachable else (self.error or "no unit planned"))
        elif self.unreachable and failed == self.units_total:
            skipped = self.failed_by_reason.get(NOT_ATTEMPTED, 0)
            parts.append(f"{skipped} of {self.units_total} units not attempted" if skipped
                         else f"{self.units_total} unit{'s' * (self.units_total > 1)} failed")
        else:
            units = f"{self.units_total - failed}/{self.units_total} units"
            if failed:
                reasons = sorted(self.failed_by_reason.items(), key=lambda kv: (-kv[1], kv[0]))
                units += " (failed: " + ", ".join(f"{n} {why}" for why, n in reasons) + ")"
            parts.append(units)
            if self.status != "success" and not failed and self.error:
                parts.append(self.error)  # partial without a failed unit: say why
        return f"{self.collector}: " + "; ".join(parts)


def every_row_rejected(rejected: Counter) -> str:
    reasons = "; ".join(f"{reason} ({n})" for reason, n in rejected.most_common(3))
    return (f"every row of the answer was rejected ({reasons}): the source's format may have "
            "changed; nothing of this unit was written")


def failure_reason(exc: BaseException) -> str:
    """The reason a unit failed, coarse enough to count: ``HTTP 503``, ``no answer``, ..."""
    if isinstance(exc, Unreachable):
        return exc.summary
    if isinstance(exc, HttpError):
        return f"HTTP {exc.status}" if exc.status is not None else "no answer"
    if isinstance(exc, SourceError):
        return "bad input"
    return f"error ({type(exc).__name__})"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_batch(
    wh: Warehouse, batch: Batch, run_id: int, known: set[str], source: str
) -> tuple[int, Counter, list]:
    """Validate and write one batch inside the caller's transaction."""
    written = 0
    rejected: Counter = Counter(batch.rejected) + batch.inconsistent
    examples: list = list(batch.examples)
    if batch.countries is not None and not batch.countries.empty:
        wh.upsert_countries(batch.countries)
        known |= set(batch.countries["iso3"])
    if batch.metrics:
        wh.upsert_metrics(batch.metrics)
    if batch.observations is not None:
        good, bad, more = validate_observations(batch.observations, known)
        examples += more
        rejected.update(bad)
        written += wh.upsert_observations(good, run_id)
    if batch.events is not None and not batch.events.empty:
        events = batch.events
        if "source" not in events:
            events = events.assign(source=source)
        unknown = ~events["country"].isin(known)
        if unknown.any():
            rejected["event with unknown country code"] += int(unknown.sum())
        written += wh.upsert_events(events.loc[~unknown], run_id)
    if batch.retired_events:
        wh.delete_events(batch.retired_events)
    if batch.coverage is not None and not batch.coverage.empty:
        wh.merge_coverage(batch.coverage)
    return written, rejected, examples


def run_one(
    wh: Warehouse,
    collector: Collector,
    config: Config,
    full: bool = False,
    progress: bool | None = None,
    log: Callable[[str], None] = _stderr,
    options: dict | None = None,
) -> RunResult:
    """Run one collector against an open warehouse (the caller holds the writer lock)."""
    settings = {**config.source(collector.name, collector.defaults), **(options or {})}
    wh.upsert_source(collector.source)
    run_id = wh.start_run(
        collector.name,
        {"full": full, "base_url": settings.get("base_url"), **{
            k: str(v) for k, v in (options or {}).items()}},
    )
    archive = RawArchive(config.raw_dir / collector.name / str(run_id))
    http = HttpClient(
        config.http,
        archive,
        log=lambda m: log(f"[{collector.name}] {m}"),
        min_interval=float(settings.get("min_interval", 0) or 0),
    )
    ctx = RunContext(
        config=config,
        settings=settings,
        http=http,
        full=full,
        run_id=run_id,
        latest_period=wh.latest_period,
        log=lambda m: log(f"[{collector.name}] {m}"),
        file_imported=lambda sha: wh.file_imported(collector.name, sha, run_id),
        latest_period_start=wh.latest_period_start,
    )
    result = RunResult(run_id=run_id, collector=collector.name, status="failed")
    rejected: Counter = Counter()
    skipped: Counter = Counter()
    unmapped: Counter = Counter()
    inconsistent: Counter = Counter()
    notes: dict[str, dict] = {}
    examples: list = []
    known = wh.known_countries()
    try:
        try:
            units = collector.plan(ctx)
        except Exception as exc:  # noqa: BLE001 - recorded, reported, never swallowed
            result.error = f"planning failed: {exc}"
            if isinstance(exc, Unreachable):
                result.unreachable = exc.summary
            units = []
        if units and collector.retry_failed_units and not full:
            again = [u for u in wh.previous_failed_units(collector.name, run_id) if u not in units]
            if again:
                ctx.log(f"retrying {len(again)} unit(s) that failed last time")
            units = again + units
        result.units_total = len(units)
        bar = tqdm(units, desc=collector.name, unit="unit", file=sys.stderr,
                   disable=(not sys.stderr.isatty()) if progress is None else not progress)
        reasons: Counter = Counter()
        unanswered = 0  # consecutive units that got no HTTP answer at all
        gave_up: str | None = None  # why the remaining units are not attempted
        for unit in bar:
            bar.set_postfix_str(unit[:40])
            if gave_up is None and unanswered >= UNREACHABLE_AFTER:
                gave_up = f"the source gave no answer for {UNREACHABLE_AFTER} units in a row"
            if gave_up is not None:
                result.failed_units[unit] = f"{NOT_ATTEMPTED}: {gave_up}"
                reasons[NOT_ATTEMPTED] += 1
                continue
            try:
                batch = collector.fetch(ctx, unit)
                with wh.transaction():
                    written, bad, ex = _write_batch(wh, batch, run_id, known, collector.name)
                    rejected.update(bad)  # counted whether the unit lands or not
                    if not written and bad:
                        # rows came, none could be used: a format change, not "no data"
                        raise SourceError(every_row_rejected(bad))
                result.rows_written += written
                skipped.update(batch.skipped)
                unmapped.update(batch.unmapped)
                inconsistent.update(batch.inconsistent)
                if batch.notes:
                    notes[unit] = batch.notes
                examples.extend(ex[: max(0, 5 - len(examples))])
                unanswered = 0
            except Exception as exc:  # noqa: BLE001 - a failed unit must not stop the others
                result.failed_units[unit] = f"{type(exc).__name__}: {exc}"
                reasons[failure_reason(exc)] += 1
                ctx.log(f"unit {unit} failed: {exc}")
                if isinstance(exc, Unreachable):
                    # one probe is enough: a name that does not resolve or a host that refuses
                    # will not answer the next unit either
                    result.unreachable = gave_up = exc.summary
                no_answer = isinstance(exc, HttpError) and exc.status is None
                unanswered = unanswered + 1 if no_answer else 0
        bar.close()
        result.failed_by_reason = dict(reasons)
        result.rows_rejected = sum(rejected.values())
        result.rejected = dict(rejected)
        if result.rows_written:
            with wh.transaction():
                wh.refresh_coverage(collector.name)
        if result.error is None and not result.failed_units and inconsistent:
            result.status = "partial"
            result.error = (
                f"{sum(inconsistent.values())} row(s) rejected because the source contradicts "
                "itself: " + "; ".join(f"{reason} ({n})" for reason, n in inconsistent.most_common())
            )
        elif result.error is None and not result.failed_units:
            result.status = "success"
        elif result.error is None and len(result.failed_units) < len(units):
            result.status = "partial"
        else:
            result.status = "failed"
            if result.error is None and result.unreachable:
                result.error = result.unreachable
            elif result.error is None:
                result.error = "every unit failed; first error: " + next(
                    iter(result.failed_units.values())
                )
    except KeyboardInterrupt:
        result.status, result.error = "failed", "interrupted by the user"
        raise
    finally:
        details = {
            "rejected": dict(rejected),
            "rejected_examples": examples,
            "skipped": dict(skipped),
            "unmapped": dict(unmapped),
            "inconsistent": dict(inconsistent),
            "notes": notes,
            "requests": http.requests_made,
            "failed_by_reason": result.failed_by_reason,
            "unreachable": result.unreachable,
        }
        with wh.transaction():
            wh.record_raw_responses(run_id, collector.name, archive.entries)
            wh.finish_run(
                run_id,
                result.status,
                rows_written=result.rows_written,
                rows_rejected=result.rows_rejected,
                units_total=result.units_total,
                failed_units=result.failed_units,
                error=result.error,
                details=details,
            )
    return result


def run_collectors(
    names: Sequence[str],
    config: Config,
    full: bool = False,
    progress: bool | None = None,
    log: Callable[[str], None] = _stderr,
    options: dict | None = None,
    notice: Callable[[str], None] | None = None,
    publish_snapshot: bool = True,
) -> tuple[list[RunResult], str | None]:
    """Run the named collectors one after the other under the writer lock; publish once.

    ``log`` gets the detail (retries, failed units); ``notice`` (default: ``log``) what a person
    must see (waiting for the writer lock, runs of a killed writer marked failed). Returns the
    run results and the id of the snapshot published afterwards, or None when nothing was
    published: a warehouse that holds no data at all (every source failed on a first run) is not
    published as an empty snapshot.
    """
    notice = notice or log
    collectors = [get_collector(name)() for name in names]  # fail fast on an unknown name
    with writer_lock(
        config.lock_path,
        purpose="roamwatch collect " + " ".join(names),
        timeout=float(config.warehouse.get("lock_timeout", 1800)),
        on_wait=notice,
    ), Warehouse(config.warehouse_path) as wh:
        interrupted = wh.mark_interrupted_runs()
        if interrupted:
            notice(f"marked {interrupted} interrupted run(s) as failed")
        results = [
            run_one(wh, c, config, full=full, progress=progress, log=log, options=options)
            for c in collectors
        ]
        snapshot_id = None
        if publish_snapshot and wh.holds_data():
            snapshot_id = publish(
                wh.con, config.serving_dir, keep=int(config.warehouse.get("snapshots_keep", 5))
            )
    return results, snapshot_id

