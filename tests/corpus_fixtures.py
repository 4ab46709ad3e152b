"""Fixtures built from the real corpus in ``../shared/corpus`` (or ``$ROAMWATCH_CORPUS``).

Nothing here is copied into the repository: tests read the corpus files where they are and skip,
saying why, when they are absent.

:func:`ooni_onsets` builds OONI measurements for the local OONI server out of OONI's real
fastpath fixture rows (the rows behind the official aggregation tests): for each target country
and test, a run of days replaying that test's real measurements from *other* probe countries that
show no interference (the country's usual state), then a run of days replaying the target
country's own real measurements of that test (with their real anomaly, confirmed and failure
flags), each repeated to reach a day's minimum count. The onset is constructed; every
measurement outcome is a real one.
"""

from __future__ import annotations

import csv
import math
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest

from tests.helpers import corpus_root
from tests.servers.ooni import Measurement

REPO = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path:
    return corpus_root()


def corpus_file(*parts: str) -> Path:
    """A corpus file, or skip the test saying where it was looked for."""
    path = corpus_dir().joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"real corpus file not found: {path} (set ROAMWATCH_CORPUS to the corpus folder)")
    return path


STOP_XLSX = ("accessnow_stop", "#KeepItOn STOP Data 2016-2022 [Public].xlsx")
FASTPATH_CSV = ("ooni", "fastpath_fixture_rows.derived.csv")


@dataclass(frozen=True)
class Target:
    cc: str  # ISO2 probe country
    test: str
    per_day: int  # measurements per day on both sides


#: Country/test pairs whose real rows show interference in OONI's fastpath fixture.
ONSET_TARGETS = (
    Target("IR", "whatsapp", 12),  # the real IR whatsapp measurement: anomaly
    Target("IR", "facebook_messenger", 12),  # anomaly
    Target("RU", "tor", 6),  # anomaly
    Target("IR", "web_connectivity", 30),  # 30 real rows, 12 confirmed, 17 anomaly
)


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _measurement(row: dict[str, str], cc: str, day: date) -> Measurement:
    return Measurement(cc=cc, day=day, test=row["test_name"], anomaly=row["anomaly"] == "t",
                       confirmed=row["confirmed"] == "t", failure=row["msm_failure"] == "t",
                       asn=int(row["probe_asn"] or 0))


def ooni_onsets(onset: date, before_days: int = 40, after_days: int = 20,
                targets: tuple[Target, ...] = ONSET_TARGETS) -> list[Measurement]:
    """Measurements with a blocking onset on ``onset`` for every target (see the module doc)."""
    rows = _rows(corpus_file(*FASTPATH_CSV))
    out: list[Measurement] = []
    for target in targets:
        same_test = [r for r in rows if r["test_name"] == target.test]
        own = [r for r in same_test if r["probe_cc"] == target.cc]
        usual = [r for r in same_test if r["probe_cc"] != target.cc and r["anomaly"] == "f"
                 and r["confirmed"] == "f" and r["msm_failure"] == "f"]
        if not own or not usual:
            raise ValueError(f"no real {target.test} rows for {target.cc} or elsewhere")
        for back in range(before_days, 0, -1):
            day = onset - timedelta(days=back)
            start = (back * target.per_day) % len(usual)  # rotate through the usual rows
            picked = [usual[(start + i) % len(usual)] for i in range(target.per_day)]
            out += [_measurement(r, target.cc, day) for r in picked]
        repeat = max(1, math.ceil(target.per_day / len(own)))
        for ahead in range(after_days):
            day = onset + timedelta(days=ahead)
            out += [_measurement(r, target.cc, day) for r in own * repeat]
    return out
