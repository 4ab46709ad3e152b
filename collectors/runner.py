"""Runs collectors: writer lock, run bookkeeping, one transaction per unit, publishing."""

from __future__ import annotations

import sys
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tqdm import tqdm

from collectors import get_collector
from collectors.base import Batch, Collector, RunContext
from collectors.http import HttpClient, HttpError, RawArchive
from collectors.validate import validate_observations
from roamwatch.config import Config
from roamwatch.warehouse.lock import writer_lock
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse

#: After this many consecutive units with no HTTP answer (DNS failure, refused, timed out after
#: every retry) the source is taken as unreachable: the rest of the run's units are recorded as
#: failed without being tried, instead of waiting out every retry of every unit.
UNREACHABLE_AFTER = 3


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

    @property
    def ok(self) -> bool:
        return self.status == "success"


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _write_batch(
    wh: Warehouse, batch: Batch, run_id: int, known: set[str], source: str
) -> tuple[int, Counter, list]:
    """Validate and write one batch inside the caller's transaction."""
    written = 0
    rejected: Counter = Counter(batch.rejected)
    examples: list = []
    if batch.countries is not None and not batch.countries.empty:
        wh.upsert_countries(batch.countries)
        known |= set(batch.countries["iso3"])
    if batch.metrics:
        wh.upsert_metrics(batch.metrics)
    if batch.observations is not None:
        good, bad, examples = validate_observations(batch.observations, known)
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
    notes: dict[str, dict] = {}
    examples: list = []
    known = wh.known_countries()
    try:
        try:
            units = collector.plan(ctx)
        except Exception as exc:  # noqa: BLE001 - recorded, reported, never swallowed
            result.error = f"planning failed: {exc}"
            units = []
        if units and collector.retry_failed_units and not full:
            again = [u for u in wh.previous_failed_units(collector.name, run_id) if u not in units]
            if again:
                ctx.log(f"retrying {len(again)} unit(s) that failed last time")
            units = again + units
        result.units_total = len(units)
        bar = tqdm(units, desc=collector.name, unit="unit", file=sys.stderr,
                   disable=(not sys.stderr.isatty()) if progress is None else not progress)
        unreachable = 0  # consecutive units that got no HTTP answer at all
        for unit in bar:
            bar.set_postfix_str(unit[:40])
            if unreachable >= UNREACHABLE_AFTER:
                result.failed_units[unit] = (
                    f"not attempted: the source gave no answer for {UNREACHABLE_AFTER} units in a row"
                )
                continue
            try:
                batch = collector.fetch(ctx, unit)
                with wh.transaction():
                    written, bad, ex = _write_batch(wh, batch, run_id, known, collector.name)
                result.rows_written += written
                rejected.update(bad)
                skipped.update(batch.skipped)
                unmapped.update(batch.unmapped)
                if batch.notes:
                    notes[unit] = batch.notes
                examples.extend(ex[: max(0, 5 - len(examples))])
                unreachable = 0
            except Exception as exc:  # noqa: BLE001 - a failed unit must not stop the others
                result.failed_units[unit] = f"{type(exc).__name__}: {exc}"
                ctx.log(f"unit {unit} failed: {exc}")
                no_answer = isinstance(exc, HttpError) and exc.status is None
                unreachable = unreachable + 1 if no_answer else 0
        result.rows_rejected = sum(rejected.values())
        if result.rows_written:
            with wh.transaction():
                wh.refresh_coverage(collector.name)
        if result.error is None and not result.failed_units:
            result.status = "success"
        elif result.error is None and len(result.failed_units) < len(units):
            result.status = "partial"
        else:
            result.status = "failed"
            if result.error is None:
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
            "notes": notes,
            "requests": http.requests_made,
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
) -> tuple[list[RunResult], str]:
    """Run the named collectors one after the other under the writer lock; publish once.

    Returns the run results and the id of the snapshot published afterwards.
    """
    collectors = [get_collector(name)() for name in names]  # fail fast on an unknown name
    with writer_lock(
        config.lock_path,
        purpose="roamwatch collect " + " ".join(names),
        timeout=float(config.warehouse.get("lock_timeout", 1800)),
        on_wait=log,
    ), Warehouse(config.warehouse_path) as wh:
        interrupted = wh.mark_interrupted_runs()
        if interrupted:
            log(f"marked {interrupted} interrupted run(s) as failed")
        results = [
            run_one(wh, c, config, full=full, progress=progress, log=log, options=options)
            for c in collectors
        ]
        snapshot_id = publish(
            wh.con, config.serving_dir, keep=int(config.warehouse.get("snapshots_keep", 5))
        )
    return results, snapshot_id

