"""The one small interface every collector implements, and the data it hands back."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import pandas as pd

from collectors.errors import SourceError
from collectors.http import HttpClient
from roamwatch.config import Config
from roamwatch.warehouse.store import MetricInfo, SourceInfo

__all__ = [
    "Batch", "Collector", "PublishedFile", "RunContext", "SourceError", "as_date", "setting_date",
]


def as_date(value: Any) -> date | None:
    """A date from a date, a datetime, an ISO string (``YYYY-MM-DD…``) or None/NaN."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return date.fromisoformat(str(value)[:10])


def setting_date(settings: dict[str, Any], key: str, source: str) -> date | None:
    """An optional date setting of a source; a value that is no date is a :class:`SourceError`."""
    value = settings.get(key)
    if value in (None, ""):
        return None
    try:
        return as_date(value)
    except ValueError as exc:
        raise SourceError(f"{source} setting {key}={value!r} is not a date (YYYY-MM-DD)") from exc


@dataclass(frozen=True)
class PublishedFile:
    """Where a provider publishes the file a source imports, for ``roamwatch sources``."""

    page: str  # the provider's page to download it from
    what: str  # which file to take there
    example: str  # a file name for the example import command


@dataclass
class Batch:
    """What one unit of collection produced; written to the warehouse in one transaction.

    ``observations`` has columns metric, country, period (and optionally period_start);
    ``events`` has columns id, country, start_time, end_time, end_state, kind, severity,
    details (``end_state``: known, ongoing or unknown, see :mod:`roamwatch.events`);
    ``countries`` has columns iso3, iso2, name_en, region, income_group.
    ``rejected`` counts rows the parser could not use, by reason; ``skipped`` counts rows
    deliberately left out (aggregates, empty values) that are not errors; ``unmapped`` counts
    country names or codes that map to no country.
    """

    observations: pd.DataFrame | None = None
    events: pd.DataFrame | None = None
    countries: pd.DataFrame | None = None
    metrics: list[MetricInfo] = field(default_factory=list)
    rejected: Counter = field(default_factory=Counter)
    skipped: Counter = field(default_factory=Counter)
    unmapped: Counter = field(default_factory=Counter)
    #: Rows rejected because the source contradicts itself (parts that do not add up to the
    #: published total, a share outside 0–100), by reason. They count as rejected rows, and a
    #: run with any of them is ``partial``, never ``success``: the file or answer is suspect.
    inconsistent: Counter = field(default_factory=Counter)
    #: Up to a few examples of such rows (reason, metric, country, period, value) for the run record.
    examples: list[dict[str, Any]] = field(default_factory=list)
    #: What the collector detected about its input (an edition, a dataset version, a file's
    #: direction), kept per unit in ``collector_run.details["notes"]``.
    notes: dict[str, Any] = field(default_factory=dict)
    #: Coverage windows the source declares (columns source, country, first_day, last_day,
    #: basis; see :mod:`roamwatch.warehouse.coverage`), merged with the stored ones.
    coverage: pd.DataFrame | None = None
    #: Ids of events this batch merged into another one (repeats): removed if stored.
    retired_events: list[str] = field(default_factory=list)


@dataclass
class RunContext:
    """What a collector may use during a run."""

    config: Config
    settings: dict[str, Any]
    http: HttpClient
    full: bool
    run_id: int
    latest_period: Callable[[str], str | None]
    log: Callable[[str], None]
    #: True when a file with this SHA-256 was already imported by a successful run of the source.
    file_imported: Callable[[str], bool] = lambda _sha256: False
    #: Latest ``period_start`` (a date) of any metric whose id starts with the prefix, or None.
    latest_period_start: Callable[[str], Any] = lambda _prefix: None


class Collector:
    """Base class of every collector.

    A collector knows its endpoint, how to page through it and how to parse its payload into the
    canonical long shape; the runner (:mod:`collectors.runner`) does the rest: HTTP retries, raw
    archiving, validation, one transaction per unit, run bookkeeping and progress.

    ``plan`` lists the units of collection (one indicator series, one file, one window of one
    test); ``fetch`` turns one unit into a :class:`Batch`. A unit that raises is recorded as
    failed and leaves the warehouse as it was; the other units still land.
    """

    name: ClassVar[str]
    source: ClassVar[SourceInfo]
    #: Built-in settings (``base_url``, ``schedule``, options); configuration overrides them.
    defaults: ClassVar[dict[str, Any]] = {}
    #: Units that failed in the previous run are planned again (for collectors whose
    #: incremental window would otherwise move past a failed window for good).
    retry_failed_units: ClassVar[bool] = False
    #: The source imports the provider's own file (``roamwatch collect NAME --file PATH``).
    reads_files: ClassVar[bool] = False
    #: The source has no API: a bare ``roamwatch collect`` runs it only with a url or files set.
    file_source: ClassVar[bool] = False
    #: The file the provider publishes, if any.
    published_file: ClassVar[PublishedFile | None] = None
    #: How the source is collected when it is not from a file, in a few words.
    collected_from: ClassVar[str] = ""

    def plan(self, ctx: RunContext) -> list[str]:
        raise NotImplementedError

    def fetch(self, ctx: RunContext, unit: str) -> Batch:
        raise NotImplementedError
