"""The Python API: read roamwatch's published data as pandas DataFrames.

It reads the current published snapshot through the same query layer as the dashboard and
``roamwatch export`` (:class:`roamwatch.warehouse.queries.Reader`), so it never locks or disturbs
the collectors. Every result names the snapshot it came from (:attr:`Roamwatch.snapshot_id`),
the citable data version.

>>> import roamwatch
>>> rw = roamwatch.open(data_dir)
>>> internet = rw.observations("worldbank.IT.NET.USER.ZS", country=["KEN", "UGA"], start=2020)
>>> sorted(internet["country"].unique())
['KEN', 'UGA']
>>> bool(internet["period"].astype(int).min() >= 2020)
True
>>> rw.snapshot_id == rw.sources()["snapshot_id"].iloc[0]
True
>>> rw.close()
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Sequence
from pathlib import Path

import pandas as pd

from roamwatch.config import load_config
from roamwatch.warehouse.queries import Reader


def _list(value: str | Sequence[str] | None) -> list[str]:
    if value is None:
        return []
    return [value] if isinstance(value, str) else list(value)


class SyntheticDataWarning(UserWarning):
    """The snapshot holds synthetic demo data (``roamwatch demo``): made-up values, not
    measurements."""


class MissingDataWarning(UserWarning):
    """A metric or source asked for has no data in this snapshot (not collected, or not
    imported yet); the result is empty, not an error."""


class Roamwatch:
    """A handle on one published snapshot. Use :func:`roamwatch.open` to get one.

    Call :meth:`refresh` to move to a newer snapshot; a handle never changes data under you.
    """

    def __init__(self, serving_dir: Path):
        self._serving_dir = serving_dir
        self._reader = Reader.open(serving_dir)
        self._warn_if_synthetic(stacklevel=4)  # the caller of roamwatch.open()

    def _warn_if_synthetic(self, stacklevel: int = 3) -> None:
        if self.synthetic:
            warnings.warn(f"snapshot {self.snapshot_id} holds synthetic demo data "
                          "(roamwatch demo): made-up values, not measurements",
                          SyntheticDataWarning, stacklevel=stacklevel)

    @property
    def synthetic(self) -> bool:
        """True when this snapshot holds synthetic demo data (``roamwatch demo``): made-up
        values in the real shapes, not measurements. Every result carries the same flag in
        :meth:`sources`."""
        return self._reader.synthetic

    @property
    def snapshot_id(self) -> str:
        """The citable id of the snapshot this handle reads (``<UTC time>-<content hash>``)."""
        return self._reader.snapshot_id

    def refresh(self) -> str:
        """Switch to the newest published snapshot; returns its id."""
        old = self._reader
        self._reader = Reader.open(self._serving_dir)
        old.close()
        self._warn_if_synthetic()
        return self.snapshot_id

    def close(self) -> None:
        self._reader.close()

    def __enter__(self) -> Roamwatch:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def observations(
        self,
        metric: str | Sequence[str] | None = None,
        country: str | Sequence[str] | None = None,
        start: int | None = None,
        end: int | None = None,
    ) -> pd.DataFrame:
        """Observations of metrics (ids, or prefixes ending in ``*``) for countries (ISO3) and
        years ``start``..``end`` (inclusive), one row per metric, country and period.

        >>> rw = open(data_dir)
        >>> frame = rw.observations("worldbank.*", country="KEN", start=2021, end=2021)
        >>> list(frame.columns[:4])
        ['metric', 'metric_name', 'unit', 'country']
        >>> set(frame["period"]) <= {"2021"}
        True
        >>> rw.close()
        """
        metrics = _list(metric)
        self._warn_missing_metrics(metrics)
        return self._reader.observations(metrics, _list(country), start, end)

    def _warn_missing_metrics(self, metrics: list[str]) -> None:
        """Say which requested metric ids (or ``prefix*``) this snapshot holds nothing for."""
        known = self._reader.metric_ids()
        missing = [m for m in metrics
                   if not any(k.startswith(m[:-1]) if m.endswith("*") else k == m for k in known)]
        if missing:
            sources = sorted({m.split(".", 1)[0].rstrip("*") for m in missing})
            warnings.warn(
                f"no data for {', '.join(missing)} in snapshot {self.snapshot_id}: "
                f"{', '.join(sources)} not collected or not imported here (see "
                "`roamwatch sources`); the result leaves them out",
                MissingDataWarning, stacklevel=3)

    def scores(
        self,
        country: str | Sequence[str] | None = None,
        year: int | Sequence[int] | None = None,
        level: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """ROAM-X scores with coverage and ``details`` (the trace of every input)."""
        years = [] if year is None else ([year] if isinstance(year, int) else list(year))
        return self._reader.scores(_list(country), years, _list(level))

    def events(
        self,
        source: str | Sequence[str] | None = None,
        country: str | Sequence[str] | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> pd.DataFrame:
        """Outages (IODA) and shutdowns (#KeepItOn) whose days overlap ``start``..``end`` (ISO
        dates), with ``end_state`` (``known``, ``ongoing`` or ``unknown``) and the days each one
        counts, ``first_day``..``last_day``: an unknown end counts as the start day, an ongoing
        event runs to the data's last update (never to today), as in the scores."""
        wanted = _list(source)
        missing = [s for s in wanted if s not in self._reader.event_sources()]
        if missing:
            warnings.warn(f"no events from {', '.join(missing)} in snapshot {self.snapshot_id}: "
                          "not collected or not imported here (see `roamwatch sources`)",
                          MissingDataWarning, stacklevel=2)
        return self._reader.events(wanted, _list(country), start, end)

    def alerts(
        self,
        country: str | Sequence[str] | None = None,
        rule: str | Sequence[str] | None = None,
        state: str | Sequence[str] | None = None,
        start: str | None = None,
        end: str | None = None,
    ) -> pd.DataFrame:
        """Alerts raised by roamwatch's detectors (``roamwatch alerts``), newest onset first:
        rule, detector, country, series, onset, end state, levels before and after with the
        counts behind them, ``evidence`` (JSON: observations or event ids, detector settings),
        the snapshot the detector read, and the state (new, delivered, acknowledged).
        ``start``/``end`` (ISO dates, inclusive) bound the onset.

        >>> rw = open(data_dir)
        >>> frame = rw.alerts(start="2000-01-01")
        >>> wanted = {"rule", "country", "onset", "level_before", "level_after", "evidence", "state"}
        >>> wanted <= set(frame.columns)
        True
        >>> rw.close()
        """
        return self._reader.alerts(_list(country), _list(rule), _list(state), start, end)

    def coverage(self, source: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Where each source's silence means "none recorded" rather than "no data":
        ``source, country`` (empty = every country the source covers), ``first_day, last_day,
        basis``. Outside these windows, no shutdown or no blocking day is *no data*, not zero.
        #KeepItOn (``accessnow``) records shutdowns state by state: its every-country windows
        cover states and the places it names, not other territories (Antarctica, Western
        Sahara); ``roamwatch.events.general_window_applies(source, country)`` says whether an
        every-country window applies to a country, as the scores and the dashboard use it."""
        return self._reader.coverage(_list(source))

    def metrics(self) -> pd.DataFrame:
        """Every metric: id, source, name, unit, frequency, description."""
        return self._reader.metrics()

    def countries(self) -> pd.DataFrame:
        """Countries with ISO codes, English and French names, region and income group."""
        return self._reader.countries()

    def sources(self) -> pd.DataFrame:
        """Each source with its licence and citation, the snapshot id to cite with it, and
        whether the snapshot is synthetic demo data (``synthetic``)."""
        frame = self._reader.sources()
        frame["snapshot_id"] = self.snapshot_id
        frame["synthetic"] = self.synthetic
        return frame

    def runs(self, limit: int = 100) -> pd.DataFrame:
        """The latest collector runs (status, rows, errors), newest first."""
        return self._reader.runs(limit)


def open(data_dir: str | os.PathLike | None = None) -> Roamwatch:  # noqa: A001 - roamwatch.open
    """Open the current published snapshot of ``data_dir`` (default: the configured one)."""
    if data_dir is None:
        serving = load_config().serving_dir
    else:
        serving = Path(data_dir).expanduser().resolve() / "serving"
    return Roamwatch(serving)
