"""Time a full ROAM-X score recomputation on a realistic warehouse (target: ≤ 2 s).

Builds, with DuckDB SQL, a warehouse of 250 countries × 60 years × 60 yearly metrics (the
catalogue's yearly series, its monthly ones as 12 months a year over the last 15 years, and
filler series the catalogue does not read), 10 years of daily OONI counts for 200 countries ×
6 tests × 5 buckets, 10 years of daily IODA outage hours, and IODA and #KeepItOn events. Then
times :func:`indicators.recompute.recompute` (read inputs with the OONI daily → yearly
aggregation in DuckDB, derive, score, rank ranges, medians, replace the score tables in one
transaction) and, separately, publishing the snapshot.

    python bench/bench_scores.py [--repeat 3] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import statistics
import tempfile
import time
from pathlib import Path

import pandas as pd

from bench.results import Results
from indicators.catalogue import load_catalogue
from indicators.derive import OONI_BUCKETS, OONI_TESTS
from indicators.recompute import recompute
from roamwatch.countries import reference_countries
from roamwatch.warehouse.partitions import check_tracked
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import MetricInfo, Warehouse

REGIONS = ["East Asia & Pacific", "Europe & Central Asia", "Latin America & Caribbean",
           "Middle East & North Africa", "North America", "South Asia", "Sub-Saharan Africa"]
INCOMES = ["High income", "Upper middle income", "Lower middle income", "Low income"]
N_COUNTRIES, N_YEARS, N_METRICS = 250, 60, 60
OONI_COUNTRIES, OONI_YEARS = 200, 10
LAST_YEAR = 2024


def build(path: Path, ooni_years: int = OONI_YEARS) -> dict[str, int]:
    """Build the bench warehouse at ``path`` (``ooni_years``: years of daily OONI and IODA rows)."""
    catalogue = load_catalogue()
    ref = pd.DataFrame(reference_countries())[["iso3", "iso2", "name_en"]]
    extra = N_COUNTRIES - len(ref)
    if extra > 0:
        ref = pd.concat([ref, pd.DataFrame({
            "iso3": [f"X{i:02d}" for i in range(extra)], "iso2": None,
            "name_en": [f"Test country {i}" for i in range(extra)]})], ignore_index=True)
    countries = ref.head(N_COUNTRIES).assign(
        region=[REGIONS[i % len(REGIONS)] for i in range(N_COUNTRIES)],
        income_group=[INCOMES[i % len(INCOMES)] for i in range(N_COUNTRIES)],
    )
    raw = [m for m in catalogue.raw_inputs() if not m.startswith(("ooni.", "ioda."))]
    monthly = [m for m in raw if m.startswith(("dgg.", "apnic."))]
    yearly = [m for m in raw if m not in monthly]
    filler = [f"worldbank.FILLER.{k:02d}" for k in range(N_METRICS - len(raw))]
    with Warehouse(path) as wh:
        wh.upsert_countries(countries)
        wh.upsert_metrics([
            MetricInfo(id=m, source=m.split(".")[0], source_code=m.split(".", 1)[1], name=m,
                       unit="", frequency="month" if m in monthly else "year")
            for m in [*yearly, *filler, *monthly]
        ])
        run_id = wh.start_run("bench", {})
        con = wh.con
        con.execute("CREATE TEMP TABLE bench_countries AS SELECT iso3, row_number() OVER () AS k "
                    "FROM (SELECT unnest($c::VARCHAR[]) AS iso3)", {"c": list(countries["iso3"])})
        con.execute("CREATE TEMP TABLE bench_metrics AS SELECT m, row_number() OVER () AS j "
                    "FROM (SELECT unnest($m::VARCHAR[]) AS m)", {"m": [*yearly, *filler]})
        first_year = LAST_YEAR - N_YEARS + 1
        # Yearly series: a smooth trend per country and metric, in a plausible range for each.
        con.execute(
            """INSERT INTO observation
               SELECT m.m, c.iso3, y::VARCHAR, make_date(y::INTEGER, 1, 1),
                      CASE WHEN m.m LIKE 'vdem.v2x%' THEN ((c.k * 7 + m.j * 3 + y) % 100) / 100.0
                           WHEN m.m LIKE 'vdem.%' THEN ((c.k * 7 + m.j * 3 + y) % 60) / 10.0 - 3
                           WHEN m.m LIKE '%basket_gni' THEN 0.5 + ((c.k + y) % 40)
                           WHEN m.m LIKE '%SECR.P6' THEN power(10, ((c.k + y) % 50) / 10.0)
                           ELSE ((c.k * 13 + m.j * 5 + (y - $y0) * 2) % 100)::DOUBLE END,
                      $run, now()::TIMESTAMP
               FROM bench_countries c, bench_metrics m, range($y0, $y1 + 1) t(y)""",
            {"y0": first_year, "y1": LAST_YEAR, "run": run_id},
        )
        con.execute(
            """INSERT INTO observation
               SELECT m.m, c.iso3, strftime(d, '%Y-%m'), d::DATE,
                      CASE WHEN m.m LIKE 'dgg.%' THEN 0.5 + ((c.k + month(d)) % 60) / 100.0
                           ELSE ((c.k * 3 + month(d)) % 90)::DOUBLE END,
                      $run, now()::TIMESTAMP
               FROM bench_countries c, (SELECT unnest($m::VARCHAR[]) AS m) m,
                    range(make_date($y0, 1, 1)::TIMESTAMP, make_date($y1 + 1, 1, 1)::TIMESTAMP,
                          INTERVAL 1 MONTH) t(d)""",
            {"m": monthly, "y0": LAST_YEAR - 14, "y1": LAST_YEAR, "run": run_id},
        )
        # OONI: daily counts whose buckets add up to the measurements.
        con.execute(
            """INSERT INTO observation
               WITH days AS (
                   SELECT c.iso3, c.k, t.test, t.ti, d::DATE AS day,
                          1 + (c.k * 31 + t.ti * 17 + dayofyear(d)) % 40 AS meas
                   FROM (SELECT * FROM bench_countries WHERE k <= $nc) c,
                        (SELECT unnest($tests::VARCHAR[]) AS test,
                                generate_subscripts($tests::VARCHAR[], 1) AS ti) t,
                        range(make_date($y0, 1, 1)::TIMESTAMP, make_date($y1 + 1, 1, 1)::TIMESTAMP,
                              INTERVAL 1 DAY) r(d)
               ), parts AS (
                   SELECT *, (k + dayofyear(day)) % 3 AS anomaly,
                          CASE WHEN k % 10 = 0 AND dayofyear(day) % 4 = 0 THEN 1 ELSE 0 END AS confirmed,
                          (k + ti) % 2 AS failure
                   FROM days
               )
               SELECT 'ooni.' || test || '.' || b.bucket, iso3, strftime(day, '%Y-%m-%d'), day,
                      CASE b.bucket WHEN 'anomaly_count' THEN anomaly
                                    WHEN 'confirmed_count' THEN confirmed
                                    WHEN 'failure_count' THEN failure
                                    WHEN 'ok_count' THEN meas - anomaly - confirmed - failure
                                    ELSE meas END::DOUBLE,
                      $run, now()::TIMESTAMP
               FROM parts, (SELECT unnest($buckets::VARCHAR[]) AS bucket) b
               WHERE meas >= anomaly + confirmed + failure""",
            {"nc": OONI_COUNTRIES, "tests": list(OONI_TESTS), "buckets": list(OONI_BUCKETS),
             "y0": LAST_YEAR - ooni_years + 1, "y1": LAST_YEAR, "run": run_id},
        )
        con.execute(
            """INSERT INTO observation
               SELECT 'ioda.outage_hours', c.iso3, strftime(d, '%Y-%m-%d'), d::DATE,
                      CASE WHEN (c.k + dayofyear(d)) % 97 = 0 THEN (c.k % 24)::DOUBLE ELSE 0 END,
                      $run, now()::TIMESTAMP
               FROM (SELECT * FROM bench_countries WHERE k <= $nc) c,
                    range(make_date($y0, 1, 1)::TIMESTAMP, make_date($y1 + 1, 1, 1)::TIMESTAMP,
                          INTERVAL 1 DAY) r(d)""",
            {"nc": OONI_COUNTRIES, "y0": LAST_YEAR - ooni_years + 1, "y1": LAST_YEAR, "run": run_id},
        )
        con.execute(
            """INSERT INTO event (id, source, country, start_time, end_time, kind, severity, details,
                                  run_id, fetched_at)
               SELECT src || '-' || c.iso3 || '-' || i, src, c.iso3,
                      make_timestamp($y0 + i % 10, 1 + i % 12, 1 + i % 27, 3, 0, 0),
                      CASE WHEN i % 13 = 0 THEN NULL
                           ELSE make_timestamp($y0 + i % 10, 1 + i % 12, 1 + i % 27, 3, 0, 0)
                                + to_hours(1 + (c.k * i) % 100) END,
                      CASE src WHEN 'ioda' THEN 'outage' ELSE 'shutdown' END, NULL, NULL,
                      $run, now()::TIMESTAMP
               FROM (SELECT * FROM bench_countries WHERE k <= $nc) c,
                    (SELECT unnest(['ioda', 'accessnow']) AS src), range(0, 40) t(i)
               WHERE src = 'ioda' OR (c.k + i) % 9 = 0""",
            {"nc": OONI_COUNTRIES, "y0": LAST_YEAR - ooni_years + 1, "run": run_id},
        )
        con.execute("UPDATE event SET end_state = CASE WHEN end_time IS NULL THEN 'ongoing' "
                    "ELSE 'known' END")
        # #KeepItOn covers every country over the bench's years; IODA its days with hours.
        con.execute("INSERT INTO source_coverage VALUES ('accessnow', NULL, make_date($y0, 1, 1), "
                    "make_date($y1, 12, 31), 'bench')",
                    {"y0": LAST_YEAR - OONI_YEARS + 1, "y1": LAST_YEAR})
        wh.refresh_coverage("ioda")
        wh.finish_run(run_id, "success")
        # What the store does after its writes: give the parts their version tokens.
        check_tracked(con, "observation")
        counts = {
            "observations": con.execute("SELECT count(*) FROM observation").fetchone()[0],
            "ooni_rows": con.execute(
                "SELECT count(*) FROM observation WHERE starts_with(metric, 'ooni.')").fetchone()[0],
            "events": con.execute("SELECT count(*) FROM event").fetchone()[0],
            "metrics": con.execute("SELECT count(DISTINCT metric) FROM observation "
                                   "WHERE length(period) <= 7").fetchone()[0],
        }
        con.execute("CHECKPOINT")
    return counts


def warehouse_arguments(description: str) -> argparse.Namespace:
    """The command line of a bench over :func:`build`'s warehouse: ``--repeat``, ``--keep DIR``
    (build it there, to look at or reuse) and ``--reuse``."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the warehouse (data directory) here")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse a built warehouse")
    return parser.parse_args()


def bench_warehouse(args: argparse.Namespace, rec: Results) -> Path:
    """``warehouse.duckdb`` in ``--keep`` (else in a new temporary directory): built by
    :func:`build`, its row counts added to ``rec``'s parameters, unless ``--reuse`` finds one."""
    directory = args.keep or Path(tempfile.mkdtemp(prefix=f"roamwatch-bench-{rec.bench}-"))
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / "warehouse.duckdb"
    if not (args.reuse and path.exists()):
        path.unlink(missing_ok=True)
        started = time.perf_counter()
        counts = build(path)
        print(f"built {path} in {time.perf_counter() - started:.1f} s: {counts}")
        rec.parameters.update(counts)
    return path


def main() -> None:
    args = warehouse_arguments(__doc__.splitlines()[0])
    rec = Results("scores", "ROAM-X score recomputation (target ≤ 2 s) and publish",
                  parameters={"repeat": args.repeat, "countries": N_COUNTRIES, "years": N_YEARS,
                              "metrics": N_METRICS})
    path = bench_warehouse(args, rec)
    directory = path.parent
    catalogue = load_catalogue()
    totals, cpus, publishes = [], [], []
    today = dt.date(LAST_YEAR, 12, 31)
    for attempt in range(args.repeat):
        with Warehouse(path) as wh:
            started, cpu = time.perf_counter(), time.process_time()
            result = recompute(wh.con, catalogue, today=today)
            totals.append(time.perf_counter() - started)
            cpus.append(time.process_time() - cpu)
            parts = ", ".join(f"{k} {v:.2f}" for k, v in result.timings.items() if k != "total")
            print(f"run {attempt + 1}: recompute {totals[-1]:.2f} s wall, {cpus[-1]:.2f} s CPU "
                  f"({parts}); {result.rows} score rows, {len(result.ranks)} rank rows, "
                  f"{len(result.scores.indicators)} indicator values, load average "
                  f"{os.getloadavg()[0]:.1f}")
            started = time.perf_counter()
            publish(wh.con, directory / "serving", keep=2)
            publishes.append(time.perf_counter() - started)
    print(f"recompute: median {statistics.median(totals):.2f} s, best {min(totals):.2f} s wall "
          f"(target ≤ 2 s; CPU median {statistics.median(cpus):.2f} s on {os.cpu_count()} cores); "
          f"publish snapshot: median {statistics.median(publishes):.2f} s")
    rec.add("recompute, median wall", statistics.median(totals), "s", note="target ≤ 2 s")
    rec.add("recompute, best wall", min(totals), "s")
    rec.add("recompute, median CPU", statistics.median(cpus), "s")
    rec.add("publish after recompute, median", statistics.median(publishes), "s")
    rec.write()


if __name__ == "__main__":
    main()
