"""Fill a data directory from the local test servers and small generated files.

Used by end-to-end tests (dashboard, notebooks) and by anyone who wants to try roamwatch
without network access:

    python -m tests.demo --data-dir /tmp/roamwatch-demo
    ROAMWATCH_DATA_DIR=/tmp/roamwatch-demo roamwatch serve

Every collector runs through its real code path (HTTP over sockets to the local servers,
files through ``--file``), so the data has the same shape a real collection produces.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import sys
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collectors.runner import run_collectors
from roamwatch.config import load_config
from tests.servers.apnic import LAST_DAY as APNIC_LAST_DAY
from tests.servers.apnic import ApnicServer
from tests.servers.dgg import DggServer, row
from tests.servers.ioda import Event, IodaServer
from tests.servers.ooni import OoniServer
from tests.servers.worldbank import ECONOMIES, WorldBankServer

FAST_HTTP = {
    "ROAMWATCH_HTTP_BACKOFF_BASE": "0.01",
    "ROAMWATCH_HTTP_BACKOFF_MAX": "0.05",
    "ROAMWATCH_HTTP_READ_TIMEOUT": "5",
    "ROAMWATCH_HTTP_MAX_ATTEMPTS": "3",
}
ISO2 = [e[1] for e in ECONOMIES]


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from its parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def write_files(directory: Path) -> dict[str, Path]:
    """Small source files in each file source's real layout."""
    import openpyxl

    directory.mkdir(parents=True, exist_ok=True)
    files = {}

    fotn = directory / "FOTN2018_scores.csv"  # the 2018 edition: lower = freer
    with fotn.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["Country", "Status", "A Obstacles to Access", "B Limits on Content",
                    "C Violations of User Rights", "Total"])
        for name, scores, status in [
            ("Estonia", (2, 3, 1), "Free"), ("France", (4, 5, 13), "Free"),
            ("Brazil", (7, 9, 16), "Free"), ("Kenya", (7, 9, 16), "Free"),
            ("Uganda", (12, 12, 21), "Partly Free"), ("Iran", (20, 32, 33), "Not Free"),
            ("China", (18, 30, 40), "Not Free"),
        ]:
            w.writerow([name, status, *scores, sum(scores)])
    files["fotn"] = fotn

    stop = directory / "keepiton_stop.csv"
    with stop.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["start_date", "end_date", "country", "shutdown_type", "shutdown_extent",
                    "affected_network", "whatsapp_affected", "facebook_affected"])
        w.writerow(["1/13/2021", "1/18/2021", "Uganda", "Shutdown", "Full network",
                    "Broadband, Mobile", "Yes", "Yes"])
        w.writerow(["11/16/2019", "11/24/2019", "Iran (Islamic Republic of)", "Shutdown",
                    "Full network", "Mobile", "Yes", "Yes"])
        w.writerow(["9/21/2022", "", "Iran (Islamic Republic of)", "Service-based",
                    "Service-based", "Mobile", "Yes", "No"])
        w.writerow(["2/3/2022", "2/5/2022", "Kenya; Uganda", "Throttling", "Service-based",
                    "Mobile", "No", "Yes"])
    files["accessnow"] = stop

    vdem = directory / "V-Dem-CY-Core-v15.csv"
    variables = ["v2smgovfilprc", "v2smgovshut", "v2smgovsmcenprc", "v2smgovsmmon",
                 "v2smprivex", "v2smarrest", "v2cscnsult", "v2csprtcpt", "v2x_cspart"]
    with vdem.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["country_name", "country_text_id", "year", *variables])
        for iso3, _iso2, name, *_ in ECONOMIES:
            for year in range(2010, 2025):
                values = [round(_unit(iso3, v, year) * 6 - 3, 3) for v in variables]
                values[-1] = round(_unit(iso3, "cspart", year), 3)  # an index in [0, 1]
                w.writerow([name, iso3, year, *values])
    files["vdem"] = vdem

    itu = directory / "Mobile_broadband_2000-2023.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "Final"
    years = list(range(2015, 2024))
    ws.append([None, "Active mobile-broadband subscriptions per 100 inhabitants"])
    ws.append([None, *years, "Notes 2023", "Source 2023"])
    for _iso3, _iso2, name, *_ in ECONOMIES:
        ws.append([name, *[round(20 + 100 * _unit(name, y), 1) for y in years], None, "ITU"])
    ws.append(["World", *[80.0] * len(years), None, None])
    book.save(itu)
    files["itu"] = itu
    return files


def fill(data_dir: Path, files_dir: Path | None = None, log=print) -> dict[str, str]:
    """Run every collector against local servers and generated files into ``data_dir``."""
    today = datetime.now(UTC).date()
    files = write_files(files_dir or data_dir.parent / f"{data_dir.name}-files")
    statuses = {}
    with ExitStack() as stack:
        wb = stack.enter_context(WorldBankServer())
        ooni = stack.enter_context(OoniServer())
        ioda = IodaServer()
        h = 3600
        for i, (cc, hours) in enumerate([("IR", 30), ("IR", 6), ("UG", 12), ("KE", 3)]):
            start = datetime.combine(today - timedelta(days=40 - 9 * i), datetime.min.time())
            ioda.events.append(Event(cc, int(start.replace(tzinfo=UTC).timestamp()) + 6 * h,
                                     hours * h, "bgp", "median", 50.0 + 10 * i))
        stack.enter_context(ioda)
        apnic = stack.enter_context(ApnicServer())
        months = {}
        for back in range(6):
            month = (today.replace(day=1) - timedelta(days=31 * back)).strftime("%Y%m")
            months[month] = {
                iso2: row(internet_online_model_prediction=round(0.6 + 0.4 * _unit(iso2, month), 3),
                          mobile_online_model_prediction=round(0.7 + 0.3 * _unit(month, iso2), 3))
                for iso2 in ISO2
            }
        dgg = stack.enter_context(DggServer(months))
        env = {
            "ROAMWATCH_DATA_DIR": str(data_dir),
            "ROAMWATCH_WORLDBANK_BASE_URL": wb.url + "/v2",
            "ROAMWATCH_OONI_BASE_URL": ooni.url,
            "ROAMWATCH_IODA_BASE_URL": ioda.url + "/v2",
            "ROAMWATCH_APNIC_BASE_URL": apnic.url,
            "ROAMWATCH_DGG_BASE_URL": dgg.url,
            **FAST_HTTP,
        }
        config = load_config(env=env)
        plans = [
            ("worldbank", {}),
            ("ooni", {"min_interval": 0, "history_days": 120}),
            ("ioda", {"min_interval": 0, "countries": ["IR", "UG", "KE"],
                      "history_days": 60}),
            ("apnic", {"min_interval": 0, "countries": ISO2,
                       "as_of": (APNIC_LAST_DAY + timedelta(days=20)).isoformat()}),
            ("dgg", {"months_back": 6}),
            ("fotn", {"file": [str(files["fotn"])], "edition": 2018}),
            ("accessnow", {"file": [str(files["accessnow"])]}),
            ("vdem", {"file": [str(files["vdem"])]}),
            ("itu", {"file": [str(files["itu"])]}),
        ]
        for name, options in plans:
            (result,), snapshot = run_collectors([name], config, progress=False,
                                                 options=options, log=lambda _m: None)
            statuses[name] = result.status
            log(f"{name}: {result.status}, {result.rows_written} rows"
                + (f" ({result.error})" if result.error else ""))
    scores = _scores(config, log)
    if scores:
        statuses["scores"] = scores
    log(f"data directory {data_dir} ready")
    return statuses


def _scores(config, log) -> str | None:
    """Recompute scores when the indicators package provides the command."""
    try:
        from indicators.cli import scores  # noqa: F401
    except ImportError:
        return None
    from click.testing import CliRunner

    from roamwatch.cli import cli

    result = CliRunner().invoke(cli, ["scores"], obj={},
                                env={"ROAMWATCH_DATA_DIR": str(config.data_dir)})
    log(f"scores: exit {result.exit_code}")
    return "success" if result.exit_code == 0 else f"failed: {result.output[-300:]}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", required=True, type=Path)
    args = parser.parse_args(argv)
    statuses = fill(args.data_dir.resolve())
    return 0 if all(s in ("success", "partial") for s in statuses.values()) else 1


if __name__ == "__main__":
    sys.exit(main())
