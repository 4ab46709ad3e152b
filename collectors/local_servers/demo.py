"""Synthetic demo data: every collector run against the local servers and small generated files.

``roamwatch demo`` uses it to fill a separate data directory without network; the tests use it
for their end-to-end fixtures. The values are made up (deterministic hashes of their keys); the
shapes are real: each collector runs through its real code path (HTTP over sockets to the local
servers, files through ``--file``). The warehouse is marked synthetic (``warehouse_meta``:
``synthetic = true``) before anything lands in it, so no snapshot of it ever lacks the mark, and
a directory already holding collected (not synthetic) data is refused.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from datetime import UTC, datetime, timedelta
from pathlib import Path

from collectors.local_servers.apnic import LAST_DAY as APNIC_LAST_DAY
from collectors.local_servers.apnic import ApnicServer
from collectors.local_servers.dgg import DggServer, row
from collectors.local_servers.ioda import Event, IodaServer
from collectors.local_servers.ooni import OoniServer
from collectors.local_servers.worldbank import ECONOMIES, WorldBankServer
from collectors.runner import run_collectors
from roamwatch.config import Config, load_config
from roamwatch.warehouse.lock import writer_lock
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse

FAST_HTTP = {
    "ROAMWATCH_HTTP_BACKOFF_BASE": "0.01",
    "ROAMWATCH_HTTP_BACKOFF_MAX": "0.05",
    "ROAMWATCH_HTTP_READ_TIMEOUT": "5",
    "ROAMWATCH_HTTP_MAX_ATTEMPTS": "3",
}
ISO2 = [e[1] for e in ECONOMIES]
SOURCES = ("worldbank", "ooni", "ioda", "apnic", "dgg", "fotn", "accessnow", "vdem", "itu")


class DemoRefused(Exception):
    """The directory holds collected data that is not synthetic: the demo never mixes in."""


def _unit(*parts: object) -> float:
    """A deterministic number in [0, 1) from its parts."""
    digest = hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()
    return int(digest[:8], 16) / 0xFFFFFFFF


def write_files(directory: Path) -> dict[str, Path]:
    """Small source files in each file source's real layout, by source (ITU's by-gender table is
    ``itu_gender``)."""
    import openpyxl

    directory.mkdir(parents=True, exist_ok=True)
    files: dict[str, Path] = {}

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

    gender = directory / "Individuals using the Internet by gender.xlsx"
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "By gender"
    ws.append(["Individuals using the Internet by gender (%)"])
    ws.append(["Economy", "Year", "All individuals", "Male", "Female"])
    for _iso3, _iso2, name, *_ in ECONOMIES:
        male = round(25 + 70 * _unit(name, "male"), 1)
        female = round(male * (0.6 + 0.4 * _unit(name, "female")), 1)
        ws.append([name, 2022, round((male + female) / 2, 1), male, female])
    book.save(gender)
    files["itu"], files["itu_gender"] = itu, gender
    return files


def mark_synthetic(config: Config) -> None:
    """Mark the warehouse synthetic before anything lands; refuse one holding collected data."""
    with writer_lock(config.lock_path, purpose="roamwatch demo"), \
            Warehouse(config.warehouse_path) as wh:
        if wh.holds_data() and wh.meta().get("synthetic") != "true":
            raise DemoRefused(
                f"{config.data_dir} holds collected data that is not synthetic: the demo "
                "never writes into it; choose another directory (--data-dir)"
            )
        wh.set_meta("synthetic", "true")


def fill(data_dir: Path, files_dir: Path | None = None, log: Callable[[str], None] = print,
         sources: Iterable[str] | None = None) -> dict[str, str]:
    """Run the collectors (default: all) against local servers and generated files into
    ``data_dir``, then publish one snapshot; returns each collector's status."""
    wanted = tuple(sources) if sources is not None else SOURCES
    unknown = sorted(set(wanted) - set(SOURCES))
    if unknown:
        raise ValueError(f"no demo data for {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    today = datetime.now(UTC).date()
    files = write_files(files_dir or data_dir / "demo-files")
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
        mark_synthetic(config)
        plans = {
            "worldbank": {},
            "ooni": {"min_interval": 0, "history_days": 120},
            "ioda": {"min_interval": 0, "countries": ["IR", "UG", "KE"], "history_days": 60},
            "apnic": {"min_interval": 0, "countries": ISO2,
                      "as_of": (APNIC_LAST_DAY + timedelta(days=20)).isoformat()},
            "dgg": {"months_back": 6},
            "fotn": {"file": [str(files["fotn"])], "edition": 2018},
            "accessnow": {"file": [str(files["accessnow"])]},
            "vdem": {"file": [str(files["vdem"])]},
            "itu": {"file": [str(files["itu"]), str(files["itu_gender"])]},
        }
        for name in wanted:
            (result,), _ = run_collectors([name], config, progress=False, options=plans[name],
                                          log=lambda _m: None, publish_snapshot=False)
            statuses[name] = result.status
            log(f"{name}: {result.status}, {result.rows_written} rows"
                + (f" ({result.error})" if result.error else ""))
    with writer_lock(config.lock_path, purpose="roamwatch demo"), \
            Warehouse(config.warehouse_path) as wh:
        publish(wh.con, config.serving_dir, keep=int(config.warehouse.get("snapshots_keep", 5)))
    log(f"data directory {data_dir} ready (synthetic demo data)")
    return statuses
