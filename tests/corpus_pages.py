"""For looking at the dashboard with real data: fill a data directory from the recorded files
of the shared corpus (``../shared/corpus`` or ``$ROAMWATCH_CORPUS``), through the real
collectors: World Bank rows and OONI fastpath rows served by the local test servers, the FOTN
2018, ITU and #KeepItOn workbooks through ``--file`` (``tests.corpus_fill`` imports the files
only, for the validation report).

    python -m tests.corpus_pages --data-dir /tmp/roamwatch-corpus

The corpus files are read where they lie, never copied. The World Bank corpus holds data rows of
one indicator and no country metadata, so economies get no region or income group here (real
metadata gives them to all but about 30 territories); that is also the hardest case for pages.
"""

from __future__ import annotations

import argparse
import json
import sys
from contextlib import ExitStack
from pathlib import Path

from collectors.runner import run_collectors
from roamwatch.config import load_config
from roamwatch.countries import is_iso3
from tests.conftest import FAST_HTTP
from tests.servers.ooni import OoniServer, measurements_from_fastpath_csv
from tests.servers.worldbank import WorldBankServer

REPO = Path(__file__).resolve().parents[1]


def corpus_dir() -> Path | None:
    """The shared corpus, or ``None`` when this machine has none."""
    from tests.helpers import corpus_root

    path = corpus_root()
    return path if path.is_dir() else None


class CorpusWorldBank(WorldBankServer):
    """The local World Bank API serving real recorded rows of one indicator."""

    def __init__(self, rows: list[dict]) -> None:
        super().__init__()
        self.rows = rows
        self.indicator = rows[0]["indicator"]["id"]

    def country_rows(self) -> list[dict]:
        seen: dict[str, dict] = {}
        for row in self.rows:
            code = row["countryiso3code"] or row["country"]["id"]
            if code in seen:
                continue
            economy = bool(row["countryiso3code"]) and is_iso3(row["countryiso3code"])
            kind = {"id": "", "iso2code": "", "value": ""} if economy else \
                {"id": "NA", "iso2code": "NA", "value": "Aggregates"}
            seen[code] = {
                "id": code, "iso2Code": row["country"]["id"], "name": row["country"]["value"],
                "region": kind, "adminregion": {"id": "", "iso2code": "", "value": ""},
                "incomeLevel": kind, "lendingType": kind,
                "capitalCity": "", "longitude": "", "latitude": "",
            }
        return list(seen.values())

    def data_rows(self, indicator: str, first: int, last: int) -> list[dict]:
        if indicator != self.indicator:
            return []
        return [r for r in self.rows if first <= int(r["date"]) <= last]


def fill(data_dir: Path, corpus: Path, log=print) -> dict[str, str]:
    rows = json.loads((corpus / "worldbank" / "IT.NET.USER.ZS.json").read_text(encoding="utf-8"))
    measurements = measurements_from_fastpath_csv(corpus / "ooni" / "fastpath_fixture_rows.derived.csv")
    tests = sorted({m.test for m in measurements})
    itu = sorted(p for p in (corpus / "itu").iterdir() if p.suffix in (".xls", ".xlsx"))
    statuses: dict[str, str] = {}
    with ExitStack() as stack:
        wb = stack.enter_context(CorpusWorldBank(rows))
        ooni = stack.enter_context(OoniServer(measurements))
        config = load_config(env={
            "ROAMWATCH_DATA_DIR": str(data_dir),
            "ROAMWATCH_WORLDBANK_BASE_URL": wb.url + "/v2",
            "ROAMWATCH_OONI_BASE_URL": ooni.url,
            **FAST_HTTP,
        })
        first = min(m.day for m in measurements).isoformat()
        last = max(m.day for m in measurements).isoformat()
        plans = [
            ("worldbank", {"indicators": [{"code": "IT.NET.USER.ZS", "unit": "%",
                                           "name": "Individuals using the Internet (% of population)"}],
                           "first_year": 2014}),
            ("ooni", {"min_interval": 0, "tests": tests, "first_day": first, "last_day": last}),
            ("fotn", {"file": [str(corpus / "freedom_house"
                                   / "FINAL_DATA_FOTN2018_TOTAL_and_CATEGORY_SCORES.xlsx")],
                      "edition": 2018}),
            ("accessnow", {"file": [str(corpus / "accessnow_stop"
                                        / "#KeepItOn STOP Data 2016-2022 [Public].xlsx")]}),
            ("itu", {"file": [str(p) for p in itu]}),
        ]
        for name, options in plans:
            (result,), _snapshot = run_collectors([name], config, full=True, progress=False,
                                                  options=options, log=lambda _m: None)
            statuses[name] = result.status
            log(f"{name}: {result.status}, {result.rows_written} rows"
                + (f" ({result.error})" if result.error else ""))
    from roamwatch.demo import score_status

    statuses["scores"] = score_status(config)
    log(f"data directory {data_dir} ready")
    return statuses


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    corpus = corpus_dir()
    if corpus is None:
        print("no corpus: set ROAMWATCH_CORPUS to the shared corpus directory", file=sys.stderr)
        return 2
    statuses = fill(args.data_dir.resolve(), corpus)
    return 0 if all(s in ("success", "partial") for s in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
