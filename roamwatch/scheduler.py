"""``roamwatch schedule``: run every enabled collector on its own cron schedule.

One foreground process (APScheduler 3 ``BlockingScheduler``, in-memory job store, jobs rebuilt
from the configuration at every start), one scheduler per data directory
(``<data dir>/scheduler.lock``), one writer at a time (the warehouse writer lock that
``roamwatch collect`` and ``roamwatch scores`` take as well).

How it behaves:

- Each source's cron expression is ``[sources.NAME].schedule`` (default: the collector's own),
  read as a standard crontab line (minute hour day-of-month month day-of-week, 0 or 7 = Sunday)
  in ``[scheduler].timezone`` (default UTC).
- Jobs have ``coalesce=True``, ``max_instances=1`` and ``misfire_grace_time`` from the
  configuration. They run one at a time, each in a child process (``job_main``): a crash or a
  memory leak in one collector cannot take the scheduler down, and stopping is clean.
- A failed (or partial) run is retried after ``retry_initial`` seconds, doubling up to
  ``retry_max``, unless the regular schedule comes first; success resets the delay.
- At start (``catch_up``), and for ``--once``, a source is **due** when it has no *successful*
  run in the published snapshot since the most recent time its cron expression fired; a source
  whose runs since then failed waits out the same backoff first. A job that APScheduler reports
  as missed (the process was busy or asleep for longer than the grace time) gets one catch-up run.
- After a collection that wrote rows, :func:`after_collection` recomputes the scores.
- SIGTERM or Ctrl-C: the collector in progress gets SIGINT, so the unit it was writing rolls
  back and its run is recorded as failed ("interrupted by the user"); the locks are released and
  the log says so. A second signal kills the child at once (still safe: DuckDB recovers, and
  the next writer marks the run failed).
- The log goes to the terminal and to ``<data dir>/roamwatch.log`` (rotating).

``[scheduler]`` settings (all optional)::

    [scheduler]
    sources = ["worldbank", "ooni"]   # only these (default: every enabled source)
    timezone = "UTC"
    misfire_grace_time = 3600         # seconds
    retry_initial = 300               # seconds; doubled after each further failure
    retry_max = 21600
    catch_up = true                   # run due sources at start and after a missed run
    stop_timeout = 120                # seconds to wait for the interrupted collector to exit
    log_max_bytes = 5000000
    log_backups = 5
"""

from __future__ import annotations

import importlib
import importlib.util
import json
import logging
import logging.handlers
import os
import re
import signal
import subprocess
import sys
import threading
import time
import traceback
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import asdict, dataclass, field, fields
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import click

from roamwatch.config import Config, ConfigError, load_config

log = logging.getLogger("roamwatch.scheduler")

RESULT_PREFIX = "ROAMWATCH-RESULT "
LOCK_NAME = "scheduler.lock"
LOG_NAME = "roamwatch.log"
#: The indicators package exposes ``recompute_scores(config) -> snapshot id`` here.
SCORES_MODULE = "indicators.cli"
SCORES_FUNCTION = "recompute_scores"
#: The alerts package exposes ``after_collection(config, log) -> result | None`` here.
ALERTS_MODULE = "alerts.cli"
ALERTS_FUNCTION = "after_collection"


# -- settings --------------------------------------------------------------------------------------
@dataclass
class Settings:
    """The ``[scheduler]`` table of the configuration."""

    sources: list[str] | None = None
    timezone: str = "UTC"
    misfire_grace_time: int = 3600
    retry_initial: float = 300.0
    retry_max: float = 21600.0
    catch_up: bool = True
    stop_timeout: float = 120.0
    log_max_bytes: int = 5_000_000
    log_backups: int = 5

    @classmethod
    def from_config(cls, config: Config) -> Settings:
        table = dict(config.raw.get("scheduler", {}) or {})
        known = {f.name: f for f in fields(cls)}
        unknown = sorted(set(table) - set(known))
        if unknown:
            raise click.ClickException(
                f"[scheduler]: unknown setting(s) {', '.join(unknown)}; known: {', '.join(known)}"
            )
        out = cls()
        for key, value in table.items():
            default = getattr(out, key)
            if key == "sources":
                if not (isinstance(value, list) and all(isinstance(v, str) for v in value)):
                    raise click.ClickException("[scheduler].sources must be a list of source names")
            elif isinstance(default, bool):
                if not isinstance(value, bool):
                    raise click.ClickException(f"[scheduler].{key} must be true or false")
            elif isinstance(default, int | float):
                if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
                    raise click.ClickException(f"[scheduler].{key} must be a number >= 0")
                value = type(default)(value)
            elif not isinstance(value, str):
                raise click.ClickException(f"[scheduler].{key} must be text")
            setattr(out, key, value)
        if out.retry_initial <= 0:
            raise click.ClickException("[scheduler].retry_initial must be > 0")
        return out

    def tz(self):
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        try:
            return ZoneInfo(self.timezone)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise click.ClickException(
                f"[scheduler].timezone {self.timezone!r} is not a known time zone"
            ) from exc

    def retry_delay(self, failures: int) -> float:
        """Seconds to wait before retrying after ``failures`` consecutive failed runs (>= 1)."""
        return min(self.retry_initial * 2 ** max(0, failures - 1), max(self.retry_max, 0.0))


# -- cron ------------------------------------------------------------------------------------------
_CRON_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


def _day_of_week(expr: str) -> str:
    """A crontab day-of-week field (0 or 7 = Sunday) as APScheduler 3 names.

    APScheduler 3 numbers weekdays from Monday = 0, so ``from_crontab("0 4 * * 1")`` would
    fire on Tuesdays (its docs call this "a historical mistake"). Numbers are turned into
    names here; names (``mon-fri``) mean the same to both and are passed on.
    """
    out: list[str] = []
    for item in expr.lower().split(","):
        base, slash, step_text = item.partition("/")
        if slash and not step_text.isdigit():
            raise ValueError(f"bad step in day of week {item!r}")
        step = int(step_text) if slash else 1
        if step == 0:
            raise ValueError(f"bad step in day of week {item!r}")
        if base == "*":
            if not slash:
                return "*"
            days = range(0, 7, step)
        elif base.isdigit():
            days = range(int(base), 7 if slash else int(base) + 1, step)
        elif re.fullmatch(r"\d+-\d+", base):
            first, last = (int(x) for x in base.split("-"))
            if first > last:
                raise ValueError(f"day of week range {base!r} runs backwards")
            days = range(first, last + 1, step)
        else:
            out.append(item)
            continue
        for day in days:
            if day > 7:
                raise ValueError(f"day of week {day} is out of range 0-7")
        out.extend(_CRON_DAYS[day % 7] for day in days)
    return ",".join(dict.fromkeys(out))


def cron_trigger(expr: str, tz: Any):
    """A CronTrigger for a standard crontab expression; ValueError when it is not one."""
    from apscheduler.triggers.cron import CronTrigger

    if not isinstance(expr, str):
        raise ValueError(f"expected text, got {type(expr).__name__}")
    parts = expr.split()
    if len(parts) != 5:
        raise ValueError(f"expected 5 fields (minute hour day month day-of-week), got {len(parts)}")
    minute, hour, day, month, dow = parts
    return CronTrigger(minute=minute, hour=hour, day=day, month=month,
                       day_of_week=_day_of_week(dow), timezone=tz)


def previous_fire_time(trigger: Any, now: datetime) -> datetime | None:
    """The latest time at or before ``now`` when ``trigger`` fired (None: not within 5 years)."""
    for window in (timedelta(minutes=2), timedelta(hours=2), timedelta(days=2), timedelta(days=8),
                   timedelta(days=32), timedelta(days=367), timedelta(days=5 * 366)):
        fire = trigger.get_next_fire_time(None, now - window)
        if fire is None or fire > now:
            continue
        while True:
            following = trigger.get_next_fire_time(None, fire + timedelta(seconds=1))
            if following is None or following > now:
                return fire
            fire = following
    return None


# -- jobs from configuration ---------------------------------------------------------------------
@dataclass
class JobSpec:
    name: str
    cron: str
    trigger: Any


def plan_jobs(config: Config, settings: Settings, only: Sequence[str] = (),
              note: Callable[[str], None] | None = None) -> list[JobSpec]:
    """One job per enabled source (restricted to ``only`` or ``[scheduler].sources``).

    Raises :class:`click.ClickException` naming the source for a bad cron expression.
    """
    from collectors import UnknownCollector, registry

    note = note or log.info
    known = registry()
    wanted = list(only) or settings.sources or []
    for name in wanted:
        if name not in known:
            raise click.ClickException(str(UnknownCollector(name)))
    tz = settings.tz()
    specs = []
    for name, cls in known.items():
        if wanted and name not in wanted:
            continue
        source = config.source(name, cls.defaults)
        if not source.get("enabled", True):
            if wanted:
                note(f"not scheduling {name}: disabled ([sources.{name}].enabled = false)")
            continue
        if getattr(cls, "file_source", False) and not source.get("url"):
            note(f"not scheduling {name}: no url configured; set [sources.{name}].url")
            continue
        expr = source.get("schedule")
        if not expr:
            note(f"not scheduling {name}: no schedule; set [sources.{name}].schedule")
            continue
        try:
            trigger = cron_trigger(expr, tz)
        except ValueError as exc:
            raise click.ClickException(
                f"source {name}: [sources.{name}].schedule = {expr!r} is not a valid cron "
                f"expression (minute hour day-of-month month day-of-week): {exc}"
            ) from exc
        specs.append(JobSpec(name, str(expr), trigger))
    return specs


# -- what is due -----------------------------------------------------------------------------------
@dataclass
class History:
    """A source's runs in the published snapshot, times in UTC."""

    last_success: datetime | None = None
    failures: int = 0  # failed or partial runs since the last success
    last_failure: datetime | None = None


def read_history(config: Config) -> dict[str, History]:
    """Per collector: last success and failures since, from the published snapshot (if any;
    else from the warehouse, where a first run that got no data at all left its failures)."""
    from roamwatch.warehouse.lock import LockTimeout
    from roamwatch.warehouse.queries import open_latest
    from roamwatch.warehouse.snapshot import NoSnapshot

    try:
        with open_latest(config.serving_dir, config.warehouse_path, config.lock_path) as reader:
            rows = reader.run_history()
    except (NoSnapshot, LockTimeout):
        return {}
    now = datetime.now(UTC)
    out = {}
    for name, last_ok, failures, last_failure, db_now in rows:
        # The warehouse stores naive timestamps in DuckDB's session time zone; map them to UTC
        # through the difference with DuckDB's own clock, whatever that zone is.
        def utc(value, db_now=db_now):
            return None if value is None else now - (db_now - value)
        out[name] = History(utc(last_ok), int(failures or 0), utc(last_failure))
    return out


@dataclass
class Due:
    name: str
    due: bool
    reason: str


def due_sources(specs: Sequence[JobSpec], history: dict[str, History], settings: Settings,
                now: datetime | None = None) -> list[Due]:
    """Which sources should run now (see the module docstring for the rule)."""
    now = now or datetime.now(UTC)
    out = []
    for spec in specs:
        h = history.get(spec.name, History())
        fired = previous_fire_time(spec.trigger, now)
        if h.last_success is None and h.failures == 0:
            out.append(Due(spec.name, True, "never ran"))
            continue
        if h.last_success is not None and (fired is None or h.last_success >= fired):
            out.append(Due(spec.name, False, "up to date"))
            continue
        if h.failures and h.last_failure is not None:
            retry_at = h.last_failure + timedelta(seconds=settings.retry_delay(h.failures))
            if now < retry_at:
                out.append(Due(spec.name, False, f"{h.failures} failed run(s); next retry "
                                                 f"{retry_at:%Y-%m-%d %H:%M:%S} UTC"))
                continue
            out.append(Due(spec.name, True, f"retry after {h.failures} failed run(s)"))
            continue
        out.append(Due(spec.name, True, f"scheduled at {fired:%Y-%m-%d %H:%M} UTC, not run since"))
    return out


# -- one collection --------------------------------------------------------------------------------
@dataclass
class Outcome:
    """What one scheduled collection did (passed from the child process as JSON)."""

    source: str
    results: list[dict] = field(default_factory=list)  # collectors.runner.RunResult as dicts
    snapshot_id: str | None = None
    scores_snapshot_id: str | None = None
    scores_error: str | None = None
    alerts: str | None = None  # the alerts check's summary
    alerts_error: str | None = None
    error: str | None = None
    interrupted: bool = False

    @property
    def ok(self) -> bool:
        return (self.error is None and not self.interrupted and bool(self.results)
                and all(r.get("status") == "success" for r in self.results))

    @property
    def rows_written(self) -> int:
        return sum(int(r.get("rows_written") or 0) for r in self.results)

    def summary(self) -> list[str]:
        lines = []
        for r in self.results:
            lines.append(
                f"{r.get('collector', self.source)}: {r.get('status')}, run {r.get('run_id')}, "
                f"{r.get('rows_written', 0)} rows written, {r.get('rows_rejected', 0)} rejected, "
                f"{len(r.get('failed_units') or {})}/{r.get('units_total', 0)} units failed"
                + (f"; error: {r['error']}" if r.get("error") else "")
            )
        if self.snapshot_id:
            lines.append(f"{self.source}: published snapshot {self.snapshot_id}")
        if self.scores_snapshot_id:
            lines.append(f"{self.source}: scores recomputed, snapshot {self.scores_snapshot_id}")
        if self.scores_error:
            lines.append(f"{self.source}: score recomputation failed: {self.scores_error}")
        if self.alerts:
            lines.append(f"{self.source}: {self.alerts}")
        if self.alerts_error:
            lines.append(f"{self.source}: alerts check failed: {self.alerts_error}")
        if self.interrupted:
            lines.append(f"{self.source}: interrupted; the unit in progress was rolled back and "
                         "the run recorded as failed")
        elif self.error:
            lines.append(f"{self.source}: failed: {self.error}")
        return lines


def after_collection(config: Config, results: Sequence[Any],
                     note: Callable[[str], None] | None = None) -> str | None:
    """Hook run after each scheduled collection (the runner has published and let go of the lock).

    When some run wrote rows, recompute the scores through ``indicators.cli.recompute_scores(
    config)`` (it takes the writer lock and publishes; returns the snapshot id) if the
    indicators package provides it. Returns that snapshot id, or None when nothing was done.
    """
    note = note or log.info
    if not any(int(getattr(r, "rows_written", 0) or 0) > 0 for r in results):
        note("no rows written: scores not recomputed")
        return None
    recompute = _upper_hook(SCORES_MODULE, SCORES_FUNCTION)
    if recompute is None:
        note(f"scores not recomputed: {SCORES_MODULE}.{SCORES_FUNCTION}(config) is not available "
             "(run `roamwatch scores`)")
        return None
    note("data changed: recomputing scores")
    return recompute(config)


def collect_source(config: Config, name: str, note: Callable[[str], None]) -> Outcome:
    """Run one collector (writer lock, runs, publish), then :func:`after_collection`.

    Never raises for a failing collector; a KeyboardInterrupt becomes ``interrupted``.
    """
    from collectors.runner import run_collectors
    from roamwatch.warehouse.lock import LockTimeout

    outcome = Outcome(name)
    try:
        results, outcome.snapshot_id = run_collectors([name], config, progress=False, log=note)
    except KeyboardInterrupt:
        outcome.interrupted = True
        outcome.error = "interrupted"
        return outcome
    except LockTimeout as exc:
        outcome.error = str(exc)
        return outcome
    except Exception as exc:  # noqa: BLE001 - one failing source must not stop the others
        note(traceback.format_exc().rstrip())
        outcome.error = f"{type(exc).__name__}: {exc}"
        return outcome
    outcome.results = [asdict(r) for r in results]
    try:
        outcome.scores_snapshot_id = after_collection(config, results, note)
    except KeyboardInterrupt:
        outcome.interrupted = True
        outcome.scores_error = "interrupted"
    except (Exception, SystemExit) as exc:  # noqa: BLE001 - the collection itself succeeded
        outcome.scores_error = f"{type(exc).__name__}: {exc}"
    if not outcome.interrupted and outcome.rows_written:
        try:
            outcome.alerts = check_alerts(config, note)
        except KeyboardInterrupt:
            outcome.interrupted = True
            outcome.alerts_error = "interrupted"
        except (Exception, SystemExit) as exc:  # noqa: BLE001 - the collection itself succeeded
            outcome.alerts_error = f"{type(exc).__name__}: {exc}"
    return outcome


def _upper_hook(module: str, function: str) -> Callable | None:
    """``module.function`` of a package above the ground (imported by name, so the ground
    imports nothing from it), or None when that package or function is not installed."""
    try:
        found = importlib.util.find_spec(module) is not None
    except ModuleNotFoundError:  # its parent package is missing
        found = False
    return getattr(importlib.import_module(module), function, None) if found else None


def check_alerts(config: Config, note: Callable[[str], None]) -> str | None:
    """Run the alerts check after a collection that wrote rows, through
    ``alerts.cli.after_collection(config, log)`` when the alerts package is installed; returns
    its one-line summary."""
    hook = _upper_hook(ALERTS_MODULE, ALERTS_FUNCTION)
    if hook is None:
        return None
    result = hook(config, note)
    return None if result is None else result.summary()


def _raise_interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(signum).name)


def job_main(argv: Sequence[str] | None = None) -> None:
    """Entry point of the child process that runs one scheduled collection.

    ``python -c "from roamwatch.scheduler import job_main; job_main()" SOURCE``. Log lines go
    to stderr; the outcome is printed as one ``ROAMWATCH-RESULT {json}`` line on stdout.
    """
    args = list(sys.argv[1:] if argv is None else argv)
    name = args[0]
    signal.signal(signal.SIGTERM, _raise_interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)

    def note(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    try:
        config = load_config()
    except ConfigError as exc:
        outcome = Outcome(name, error=str(exc))
    else:
        outcome = collect_source(config, name, note)
    sys.stdout.write(RESULT_PREFIX + json.dumps(asdict(outcome), default=str) + "\n")
    sys.stdout.flush()
    sys.exit(0 if outcome.ok else 130 if outcome.interrupted else 1)


# -- the scheduler lock ----------------------------------------------------------------------------
class SchedulerRunning(click.ClickException):
    """Another scheduler holds ``<data dir>/scheduler.lock``."""


@contextmanager
def scheduler_lock(path: Path, purpose: str = "roamwatch schedule") -> Iterator[None]:
    """Hold the scheduler lock for the block, or raise :class:`SchedulerRunning` at once.

    ``flock``: the kernel releases it when the holder dies, so a dead scheduler's lock is taken
    over without anyone cleaning up. The file names the holder's PID.
    """
    from roamwatch.warehouse.lock import LockTimeout, file_lock

    with ExitStack() as stack:
        try:
            stack.enter_context(file_lock(path, purpose, timeout=0, what="the scheduler lock"))
        except LockTimeout as exc:  # only the scheduler lock's own: the body's pass through
            raise SchedulerRunning(
                f"another roamwatch scheduler is running on {path.parent}: "
                f"{exc.holder} holds {path}. Stop it first (or use "
                "`roamwatch schedule --list` to see its jobs)."
            ) from None
        yield


# -- logging ---------------------------------------------------------------------------------------
_HANDLER_TAG = "_roamwatch_scheduler"


def setup_logging(config: Config, settings: Settings) -> Path:
    """Log to the terminal and to ``<data dir>/roamwatch.log`` (rotating)."""
    config.data_dir.mkdir(parents=True, exist_ok=True)
    path = config.data_dir / LOG_NAME
    fmt = logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s")
    file_handler = logging.handlers.RotatingFileHandler(
        path, maxBytes=settings.log_max_bytes, backupCount=settings.log_backups, encoding="utf-8"
    )
    terminal = logging.StreamHandler(sys.stderr)
    for logger_name in ("roamwatch", "apscheduler"):
        logger = logging.getLogger(logger_name)
        for handler in [h for h in logger.handlers if getattr(h, _HANDLER_TAG, False)]:
            logger.removeHandler(handler)
            handler.close()
        for handler in (file_handler, terminal):
            handler.setFormatter(fmt)
            setattr(handler, _HANDLER_TAG, True)
            logger.addHandler(handler)
        # APScheduler's own INFO lines repeat ours; its warnings (missed runs) are kept.
        logger.setLevel(logging.INFO if logger_name == "roamwatch" else logging.WARNING)
        logger.propagate = False
    return path


# -- the service -----------------------------------------------------------------------------------
CHILD_CODE = "from roamwatch.scheduler import job_main; job_main()"


class Service:
    """The jobs, their retries and the child process of the collection in progress."""

    def __init__(self, config: Config, specs: Sequence[JobSpec], settings: Settings,
                 collect: Callable[[str], Outcome | None] | None = None):
        self.config = config
        self.specs = {s.name: s for s in specs}
        self.settings = settings
        self.collect = collect or self.collect_in_child
        self.failures: dict[str, int] = {}
        self.scheduler: Any = None
        self.stopping = False
        self._lock = threading.Lock()
        self._child: subprocess.Popen | None = None
        self._idle = threading.Event()
        self._idle.set()

    # building
    def job_options(self) -> dict[str, Any]:
        return {"coalesce": True, "max_instances": 1,
                "misfire_grace_time": self.settings.misfire_grace_time}

    def build(self, scheduler_cls: type | None = None) -> Any:
        from apscheduler.events import (
            EVENT_JOB_ERROR,
            EVENT_JOB_MAX_INSTANCES,
            EVENT_JOB_MISSED,
            EVENT_SCHEDULER_STARTED,
        )
        from apscheduler.executors.pool import ThreadPoolExecutor
        from apscheduler.jobstores.memory import MemoryJobStore
        from apscheduler.schedulers.blocking import BlockingScheduler

        scheduler_cls = scheduler_cls or BlockingScheduler
        # One worker: collections run one after the other (they would queue on the writer lock
        # anyway), and a stop has one child process to interrupt.
        scheduler = scheduler_cls(
            jobstores={"default": MemoryJobStore()},
            executors={"default": ThreadPoolExecutor(max_workers=1)},
            job_defaults=self.job_options(),
            timezone=self.settings.tz(),
        )
        for spec in self.specs.values():
            scheduler.add_job(self.run_source, spec.trigger, args=[spec.name, "scheduled"],
                              id=spec.name, name=f"collect {spec.name}", replace_existing=True,
                              **self.job_options())
        scheduler.add_listener(
            self._on_event,
            EVENT_JOB_MISSED | EVENT_JOB_MAX_INSTANCES | EVENT_JOB_ERROR | EVENT_SCHEDULER_STARTED,
        )
        self.scheduler = scheduler
        return scheduler

    def add_one_off(self, name: str, kind: str, delay: float, grace: int | None) -> None:
        from apscheduler.triggers.date import DateTrigger

        when = datetime.now(UTC) + timedelta(seconds=delay)
        self.scheduler.add_job(
            self.run_source, DateTrigger(when), args=[name, kind], id=f"{name}.{kind}",
            name=f"{kind} {name}", replace_existing=True, coalesce=True, max_instances=1,
            misfire_grace_time=grace,
        )

    def schedule_catch_up(self, history: dict[str, History]) -> list[Due]:
        due = due_sources(list(self.specs.values()), history, self.settings)
        for d in due:
            if d.due:
                log.info("%s is due (%s): running it now", d.name, d.reason)
                self.add_one_off(d.name, "catchup", 0, None)
            else:
                log.info("%s: %s", d.name, d.reason)
        return due

    # running
    def run_source(self, name: str, reason: str = "scheduled") -> Outcome | None:
        """One job: collect ``name``, log the outcome, arrange a retry when it failed."""
        with self._lock:
            if self.stopping:
                return None
            self._idle.clear()
        try:
            return self._run_source(name, reason)
        finally:
            self._idle.set()

    def _run_source(self, name: str, reason: str) -> Outcome | None:
        log.info("%s: starting (%s)", name, reason)
        started = time.monotonic()
        try:
            outcome = self.collect(name)
        except Exception as exc:  # noqa: BLE001 - a job must never take the scheduler down
            log.exception("%s: the job itself failed", name)
            outcome = Outcome(name, error=f"{type(exc).__name__}: {exc}")
        if outcome is None:  # stopping before it started
            return None
        for line in outcome.summary():
            (log.info if outcome.ok else log.warning)(line)
        log.info("%s: finished in %.1f s", name, time.monotonic() - started)
        if outcome.interrupted or self.stopping:
            return outcome
        if outcome.ok:
            self.failures.pop(name, None)
            self._remove_job(f"{name}.retry")
        else:
            self._schedule_retry(name)
        return outcome

    def _remove_job(self, job_id: str) -> None:
        from apscheduler.jobstores.base import JobLookupError

        with suppress(JobLookupError):
            self.scheduler.remove_job(job_id)

    def _schedule_retry(self, name: str) -> None:
        failures = self.failures[name] = self.failures.get(name, 0) + 1
        delay = self.settings.retry_delay(failures)
        retry_at = datetime.now(UTC) + timedelta(seconds=delay)
        regular = self.scheduler.get_job(name)
        next_regular = getattr(regular, "next_run_time", None) if regular else None
        if next_regular is not None and next_regular <= retry_at:
            log.warning("%s: %d failure(s) in a row; next try at its regular time %s", name,
                        failures, next_regular.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S UTC"))
            return
        log.warning("%s: %d failure(s) in a row; retrying in %s (at %s)", name, failures,
                    _duration(delay), retry_at.strftime("%Y-%m-%d %H:%M:%S UTC"))
        self.add_one_off(name, "retry", delay, self.settings.misfire_grace_time)

    def collect_in_child(self, name: str) -> Outcome | None:
        """Run :func:`job_main` for ``name`` in a child process; its log lines become ours."""
        env = dict(os.environ)
        if self.config.config_file is not None:
            env["ROAMWATCH_CONFIG"] = str(Path(self.config.config_file).resolve())
        env["ROAMWATCH_DATA_DIR"] = str(self.config.data_dir)
        with self._lock:
            if self.stopping:
                return None
            # Its own session: a Ctrl-C in the terminal reaches the scheduler only, which
            # then interrupts the child exactly once.
            child = subprocess.Popen(
                [sys.executable, "-c", CHILD_CODE, name], stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, text=True,
                encoding="utf-8", errors="replace", start_new_session=True,
            )
            self._child = child
        job_log = logging.getLogger(f"roamwatch.job.{name}")
        try:
            assert child.stderr is not None and child.stdout is not None
            for line in child.stderr:
                if line.strip():
                    job_log.info(line.rstrip())
            out = child.stdout.read()
            code = child.wait()
        finally:
            with self._lock:
                self._child = None
        for line in reversed(out.splitlines()):
            if line.startswith(RESULT_PREFIX):
                data = json.loads(line[len(RESULT_PREFIX):])
                return Outcome(**{k: v for k, v in data.items()
                                  if k in {f.name for f in fields(Outcome)}})
        interrupted = self.stopping or code in (-signal.SIGINT, -signal.SIGKILL, 130)
        return Outcome(name, interrupted=interrupted,
                       error=f"the collector process exited with code {code} and no result")

    # events and stopping
    def _on_event(self, event: Any) -> None:
        from apscheduler.events import (
            EVENT_JOB_ERROR,
            EVENT_JOB_MAX_INSTANCES,
            EVENT_JOB_MISSED,
            EVENT_SCHEDULER_STARTED,
        )

        if event.code == EVENT_SCHEDULER_STARTED:
            if self.stopping:  # a signal arrived before the scheduler was running
                threading.Thread(target=self._shutdown_scheduler, daemon=True).start()
            return
        name = event.job_id.split(".")[0]
        if event.code == EVENT_JOB_MISSED:
            log.warning("%s: run scheduled at %s was missed (more than %s late)", name,
                        event.scheduled_run_time, _duration(self.settings.misfire_grace_time))
            if self.settings.catch_up and not self.stopping:
                self.add_one_off(name, "catchup", 0, None)
        elif event.code == EVENT_JOB_MAX_INSTANCES:
            log.warning("%s: skipped a run: the previous one is still going", name)
        elif event.code == EVENT_JOB_ERROR:
            log.error("%s: job error: %s", name, event.exception)

    def request_stop(self, signum: int) -> None:
        """Signal handler (main thread): do the work in a thread, never under a lock here."""
        threading.Thread(target=self._stop, args=(signum,), daemon=True).start()

    def _stop(self, signum: int) -> None:
        signame = signal.Signals(signum).name
        with self._lock:
            again = self.stopping
            self.stopping = True
            child = self._child
        if again:
            if child is not None and child.poll() is None:
                log.warning("received %s again: killing the collector in progress (pid %d)",
                            signame, child.pid)
                _signal_group(child, signal.SIGKILL)
            return
        if child is not None and child.poll() is None:
            log.info("received %s: stopping; interrupting the collector in progress (pid %d): its "
                     "current unit rolls back and the run is recorded as failed", signame, child.pid)
            _signal_group(child, signal.SIGINT)
        else:
            log.info("received %s: stopping (no collection in progress)", signame)
        self._shutdown_scheduler()

    def _shutdown_scheduler(self) -> None:
        from apscheduler.schedulers import SchedulerNotRunningError

        with suppress(SchedulerNotRunningError):  # not started yet: the listener shuts it down
            self.scheduler.shutdown(wait=False)

    def wait_idle(self) -> bool:
        """After the scheduler stopped: wait for the interrupted collection to exit."""
        if self._idle.wait(self.settings.stop_timeout):
            return True
        with self._lock:
            child = self._child
        if child is not None:
            log.warning("the collector (pid %d) did not stop within %s: killing it",
                        child.pid, _duration(self.settings.stop_timeout))
            _signal_group(child, signal.SIGKILL)
        return self._idle.wait(10)


def _signal_group(child: subprocess.Popen, signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(child.pid, signum)


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "any time"
    seconds = float(seconds)
    if seconds < 120:
        return f"{seconds:.3g} s"
    if seconds < 7200:
        return f"{seconds / 60:.3g} min"
    return f"{seconds / 3600:.3g} h"


# -- the command -----------------------------------------------------------------------------------
def _fmt_time(value: datetime | None) -> str:
    return "-" if value is None else value.astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")


def _list(config: Config, specs: Sequence[JobSpec], settings: Settings) -> None:
    now = datetime.now(UTC)
    history = read_history(config)
    due = {d.name: d for d in due_sources(specs, history, settings, now)}
    click.echo(f"{len(specs)} scheduled collector(s), data dir {config.data_dir}, "
               f"time zone {settings.timezone}")
    for spec in specs:
        h = history.get(spec.name, History())
        d = due[spec.name]
        upcoming = spec.trigger.get_next_fire_time(None, now)
        click.echo(
            f"{spec.name:<14} {spec.cron:<16} next run {_fmt_time(upcoming)}"
            f"  last success {_fmt_time(h.last_success)}"
            f"  {'due now' if d.due else 'not due'} ({d.reason})"
        )


def _once(config: Config, specs: Sequence[JobSpec], settings: Settings, force: bool) -> int:
    if force:
        todo = [s.name for s in specs]
        log.info("--once --force: running %s", ", ".join(todo) or "nothing")
    else:
        due = due_sources(specs, read_history(config), settings)
        for d in due:
            log.info("%s: %s (%s)", d.name, "due" if d.due else "not due", d.reason)
        todo = [d.name for d in due if d.due]
        if not todo:
            log.info("nothing is due")
            return 0
    failed = False
    for name in todo:
        outcome = collect_source(config, name, note=logging.getLogger(f"roamwatch.job.{name}").info)
        for line in outcome.summary():
            (log.info if outcome.ok else log.warning)(line)
        if outcome.interrupted:
            log.info("interrupted: stopping; the unit in progress was rolled back")
            return 130
        failed = failed or not outcome.ok
    return 1 if failed else 0


def _serve(config: Config, specs: Sequence[JobSpec], settings: Settings) -> int:
    service = Service(config, specs, settings)
    scheduler = service.build()
    previous = {s: signal.signal(s, lambda signum, frame: service.request_stop(signum))
                for s in (signal.SIGTERM, signal.SIGINT)}
    try:
        if settings.catch_up:
            service.schedule_catch_up(read_history(config))
        log.info("scheduler started (pid %d), data dir %s, %d job(s):", os.getpid(),
                 config.data_dir, len(specs))
        now = datetime.now(UTC)
        for spec in specs:
            log.info("  %s  %s  next run %s", spec.name, spec.cron,
                     _fmt_time(spec.trigger.get_next_fire_time(None, now)))
        scheduler.start()  # blocks until a signal shuts it down
        clean = service.wait_idle()
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if not clean:
        log.error("the collector in progress could not be stopped")
    return 0


@click.command("schedule")
@click.option("--list", "list_jobs", is_flag=True,
              help="Print each scheduled collector with its cron expression, next run time, last "
                   "success and whether it is due, then exit.")
@click.option("--once", is_flag=True,
              help="Run the collectors that are due now, one after the other, and exit (for cron "
                   "or a systemd timer). Exit 1 when any of them failed.")
@click.option("--force", is_flag=True, help="With --once: run every scheduled collector, due or not.")
@click.option("--source", "-s", "sources", multiple=True, metavar="NAME",
              help="Only this source (repeatable; default: [scheduler].sources, else every "
                   "enabled source).")
@click.pass_context
def schedule(ctx: click.Context, list_jobs: bool, once: bool, force: bool,
             sources: tuple[str, ...]) -> None:
    """Run every enabled collector on its cron schedule, in the foreground, until stopped.

    Each source runs at [sources.NAME].schedule (a crontab line in [scheduler].timezone,
    default UTC), one at a time, under the same writer lock as `roamwatch collect`. After a
    collection that wrote rows the scores are recomputed. A failed run is retried with a
    doubling delay. At start, sources whose last scheduled run has not happened (no success in
    the published data since the schedule last fired) are run at once.

    One scheduler per data directory: a second one exits naming the first one's PID.
    SIGTERM or Ctrl-C stops it cleanly: the collector in progress rolls back its current unit,
    the locks are released. The log is also written to <data dir>/roamwatch.log.

    \b
    Examples:
      roamwatch schedule                    # run until stopped
      roamwatch schedule --list
      roamwatch schedule --once             # from cron: run what is due, then exit
      roamwatch schedule --once --force -s worldbank
    """
    if force and not once:
        raise click.UsageError("--force goes with --once")
    if list_jobs and once:
        raise click.UsageError("--list and --once exclude each other")
    try:
        config = load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc
    settings = Settings.from_config(config)
    if list_jobs:
        specs = plan_jobs(config, settings, sources, note=lambda m: click.echo(m, err=True))
        _list(config, specs, settings)
        return
    specs = plan_jobs(config, settings, sources, note=lambda m: click.echo(m, err=True))
    if not specs:
        raise click.ClickException(
            "nothing to schedule: no enabled source has a schedule (see `roamwatch schedule --help`)"
        )
    with scheduler_lock(config.data_dir / LOCK_NAME,
                        purpose="roamwatch schedule" + (" --once" if once else "")):
        path = setup_logging(config, settings)
        log.info("logging to %s", path)
        if once:
            signal.signal(signal.SIGTERM, _raise_interrupt)
            try:
                code = _once(config, specs, settings, force)
            except KeyboardInterrupt:
                log.info("interrupted: stopping")
                code = 130
        else:
            code = _serve(config, specs, settings)
    log.info("%s; scheduler lock released", "done" if once else "stopped")
    if code:
        sys.exit(code)
