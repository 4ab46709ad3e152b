"""Ingest speed: roamwatch's write path against DuckDB's own DataFrame insert and upsert.

The same long frame of observations (``--rows``, default 1,000,000: yearly metrics × every
reference country × years) is written four ways, each into a fresh warehouse file created by the
same migrations, so the tables, keys and indexes are identical:

- ``roamwatch insert``: :meth:`Warehouse.upsert_observations` into an empty table, in one
  transaction (what a collector's first run does after validation);
- ``DuckDB insert``: ``INSERT INTO observation SELECT * FROM df`` of the same rows with the same
  ``run_id``/``fetched_at`` columns already filled (DuckDB's own DataFrame insert);
- ``roamwatch upsert`` / ``DuckDB upsert``: the same again over the filled table with new values
  (``INSERT … ON CONFLICT DO UPDATE``), the re-collection case;
- ``roamwatch validate + insert``: :func:`collectors.validate.validate_observations` first, the
  full path of a collector unit.

Each is repeated ``--repeat`` times; medians are reported, and the ratios DuckDB time ÷
roamwatch time (1.00× = as fast as DuckDB's own insert, below 1 = slower).

    python -m bench.bench_ingest [--rows 1000000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from bench.results import Results
from collectors.validate import validate_observations
from roamwatch.countries import reference_countries
from roamwatch.warehouse.store import OBSERVATION_COLUMNS, MetricInfo, Warehouse


def make_frame(rows: int, seed: int = 7) -> tuple[pd.DataFrame, list[MetricInfo]]:
    """``rows`` observations: metric × country × year, values uniform 0–100."""
    rng = np.random.default_rng(seed)
    iso3 = [c["iso3"] for c in reference_countries()]
    years = list(range(1960, 2025))
    per_metric = len(iso3) * len(years)
    n_metrics = max(1, -(-rows // per_metric))
    metrics = [MetricInfo(f"bench.M{i:03d}", "bench", f"M{i:03d}", f"metric {i}", "%", "year")
               for i in range(n_metrics)]
    grid = pd.MultiIndex.from_product([[m.id for m in metrics], iso3, years],
                                      names=["metric", "country", "year"]).to_frame(index=False)
    grid = grid.iloc[:rows]
    frame = pd.DataFrame({
        "metric": grid["metric"].astype(str), "country": grid["country"].astype(str),
        "period": grid["year"].astype(str),
        "period_start": pd.to_datetime(grid["year"].astype(str) + "-01-01"),
        "value": rng.uniform(0, 100, len(grid)).round(3),
    })
    return frame, metrics


def fresh(directory: Path, name: str, metrics: list[MetricInfo]) -> Warehouse:
    path = directory / f"{name}.duckdb"
    path.unlink(missing_ok=True)
    wh = Warehouse(path)
    wh.upsert_metrics(metrics)
    return wh


def timed(fn: Callable[[], object]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def duckdb_insert(wh: Warehouse, rows_df: pd.DataFrame, upsert: bool) -> None:
    """DuckDB's own DataFrame insert (replacement scan of ``rows_df``), in one transaction."""
    sql = "INSERT INTO observation SELECT * FROM rows_df"
    if upsert:
        sql += (" ON CONFLICT (metric, country, period) DO UPDATE SET value = excluded.value, "
                "period_start = excluded.period_start, run_id = excluded.run_id, "
                "fetched_at = excluded.fetched_at")
    wh.con.begin()
    wh.con.execute(sql)
    wh.con.commit()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rec = Results("ingest", "Ingest: roamwatch write path against DuckDB's own DataFrame insert/upsert",
                  parameters=vars(args))
    frame, metrics = make_frame(args.rows)
    known = {c["iso3"] for c in reference_countries()}
    changed = frame.assign(value=frame["value"] + 1)
    times: dict[str, list[float]] = {k: [] for k in (
        "roamwatch insert", "DuckDB insert", "roamwatch upsert", "DuckDB upsert",
        "roamwatch validate + insert")}
    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-ingest-") as tmp:
        root = Path(tmp)
        for _ in range(args.repeat):
            with fresh(root, "rw", metrics) as wh:
                run = wh.start_run("bench", {})

                def ours(data: pd.DataFrame, wh: Warehouse = wh, run: int = run) -> None:
                    with wh.transaction():
                        wh.upsert_observations(data, run)

                times["roamwatch insert"].append(timed(lambda: ours(frame)))
                times["roamwatch upsert"].append(timed(lambda: ours(changed)))
            with fresh(root, "duck", metrics) as wh:
                run = wh.start_run("bench", {})
                stamp = pd.Timestamp.now(tz="UTC").tz_localize(None)
                full = frame.assign(run_id=run, fetched_at=stamp)[OBSERVATION_COLUMNS]
                full2 = changed.assign(run_id=run, fetched_at=stamp)[OBSERVATION_COLUMNS]
                times["DuckDB insert"].append(timed(lambda: duckdb_insert(wh, full, False)))  # noqa: B023
                times["DuckDB upsert"].append(timed(lambda: duckdb_insert(wh, full2, True)))  # noqa: B023
            with fresh(root, "valid", metrics) as wh:
                run = wh.start_run("bench", {})

                def collector_path(wh: Warehouse = wh, run: int = run) -> None:
                    good, _bad, _examples = validate_observations(frame, known)
                    with wh.transaction():
                        wh.upsert_observations(good, run)

                times["roamwatch validate + insert"].append(timed(collector_path))
    for name, values in times.items():
        median = statistics.median(values)
        rec.add(f"{name}, median", median, "s")
        rec.add(f"{name}, rows per second", args.rows / median, "rows/s", better="higher")
        print(f"{name:<30} median {median:6.2f} s  ({args.rows / median:,.0f} rows/s)")
    rec.ratio("insert speed vs DuckDB", "DuckDB insert, median", "roamwatch insert, median",
              note="DuckDB time ÷ roamwatch time; 1.00× = as fast as DuckDB's own DataFrame insert")
    rec.ratio("upsert speed vs DuckDB", "DuckDB upsert, median", "roamwatch upsert, median",
              note="DuckDB time ÷ roamwatch time for INSERT … ON CONFLICT DO UPDATE of the same rows")
    rec.ratio("validate + insert speed vs DuckDB insert", "DuckDB insert, median",
              "roamwatch validate + insert, median", note="the whole collector write path")
    for fig in rec.figures[-3:]:
        print(f"{fig['name']}: {fig['value']:.2f}x")
    rec.write()


if __name__ == "__main__":
    main()
