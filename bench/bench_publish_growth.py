"""How publishing and recomputing grow with the archive: 1×, 2× and 4× the score bench warehouse.

For each size (``--scales``; the size grows with the years of daily OONI and IODA rows: 10, 20,
40 years = 23 M, 45 M, 88 M observations), side by side in one run:

- **full rewrite**: publishing the whole warehouse into an empty serving directory (every part
  written), and, for reference, the layout before incremental snapshots (one Parquet file per
  table, all rewritten and hashed at every publish);
- **one-source change**: the World Bank collector (``collectors.worldbank``, against the local
  server of the tests speaking the API's format) rewrites its rows, then ``publish`` — what
  ``roamwatch collect worldbank`` does before scoring; also the whole command, end to end
  (collect, recompute, publish twice) as a subprocess;
- **recompute**: the first one (rollups and score table empty), then one after the change;
- **disk**: five kept snapshots (after four one-source changes) against one;
- **reads**: one country's observations through the snapshot, against the one-file layout.

Ratios (side by side in the same run): one-source publish ÷ full rewrite (target ≤ 0.1×), five
snapshots ÷ one (≤ 1.5×), and at the largest size against 1×: the one-source publish (flat) and
the recompute (≤ linear). Writes ``bench/results/publish_growth.json``.

    python bench/bench_publish_growth.py [--scales 1,2,4] [--repeat 3] [--keep DIR]
"""

from __future__ import annotations

import argparse
import datetime as dt
import hashlib
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.bench_scores import LAST_YEAR, OONI_YEARS, build
from bench.results import Results
from collectors import get_collector
from collectors.local_servers.worldbank import WorldBankServer
from collectors.runner import run_one
from indicators.catalogue import load_catalogue
from indicators.recompute import recompute
from roamwatch.config import load_config
from roamwatch.warehouse.layout import PARTS, read_manifest
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import PUBLISHED_TABLES, publish
from roamwatch.warehouse.store import Warehouse

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from roamwatch.cli import main; main()"]
COUNTRIES = ["KEN", "IND", "BRA", "FRA", "CHN", "IRN", "EST", "UGA", "MEX", "EGY"]


def legacy_publish(con, directory: Path) -> None:
    """The layout before incremental snapshots: every table to one file, then hashed."""
    directory.mkdir(parents=True)
    h = hashlib.sha256()
    for table in PUBLISHED_TABLES:
        path = directory / f"{table}.parquet"
        con.execute(f"COPY (SELECT * FROM {table}) TO '{path}' (FORMAT parquet)")
        with path.open("rb") as fh:
            for block in iter(lambda fh=fh: fh.read(1 << 20), b""):
                h.update(block)


def unique_bytes(serving: Path) -> int:
    """Bytes of every distinct file (a hard-linked part counted once)."""
    seen, total = set(), 0
    for path in serving.rglob("*.parquet"):
        st = path.stat()
        if st.st_ino not in seen:
            seen.add(st.st_ino)
            total += st.st_size
    return total


def snapshot_bytes(serving: Path, snapshot_id: str) -> int:
    manifest = read_manifest(serving / snapshot_id)
    return sum(f["bytes"] for e in manifest["tables"].values() for f in e["files"])


def country_reads(con_factory, countries=COUNTRIES) -> float:
    """Median ms of reading one country's observations (each on a fresh connection)."""
    times = []
    for country in countries:
        con = con_factory()
        try:
            t0 = time.perf_counter()
            con.execute("SELECT metric, period, value FROM observation WHERE country = ? "
                        "ORDER BY metric, period", [country]).fetchall()
            times.append((time.perf_counter() - t0) * 1000)
        finally:
            con.close()
    return statistics.median(times)


def growth_ratios(rec: Results, scales: list[int]) -> None:
    """The largest size measured so far against the smallest (replacing earlier ones)."""
    rec.figures[:] = [f for f in rec.figures if not f["name"].startswith("growth: ")]
    if len(scales) < 2:
        return
    low, high = f"{scales[0]}x", f"{scales[-1]}x"
    rec.ratio(f"growth: one-source publish, {high} / {low}", f"publish after a one-source change ({high})",
              f"publish after a one-source change ({low})", better="lower", note="flat: about 1")
    rec.ratio(f"growth: recompute after a change, {high} / {low}",
              f"recompute after a one-source change ({high})",
              f"recompute after a one-source change ({low})", better="lower",
              note=f"at most linear: ≤ {scales[-1] // scales[0]}")
    rec.ratio(f"growth: full rewrite, {high} / {low}", f"publish, full rewrite ({high})",
              f"publish, full rewrite ({low})", better=None, note="grows with the archive")


def collect_worldbank(config) -> int:
    with Warehouse(config.warehouse_path) as wh:
        result = run_one(wh, get_collector("worldbank")(), config, full=True, progress=False,
                         log=lambda message: None)
    return result.rows_written


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,2,4")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", type=Path, help="build the warehouses under this directory "
                        "(and reuse ones built before)")
    args = parser.parse_args()
    scales = [int(s) for s in args.scales.split(",")]
    rec = Results("publish_growth", "Publish and recompute as the archive grows",
                  parameters={"scales": scales, "repeat": args.repeat, "ooni_years_at_1x": OONI_YEARS})
    root = args.keep or Path(tempfile.mkdtemp(prefix="roamwatch-bench-growth-"))
    catalogue = load_catalogue()
    today = dt.date(LAST_YEAR, 12, 31)
    rec.notes.append("measured on a shared 2-core machine under load (see the load averages); "
                     "ratios are side by side in one run")
    done_scales: list[int] = []
    with WorldBankServer() as server:
        for scale in scales:
            tag = f"{scale}x"
            data_dir = root / f"scale-{scale}"
            env = {"ROAMWATCH_DATA_DIR": str(data_dir),
                   "ROAMWATCH_WORLDBANK_BASE_URL": server.url + "/v2"}
            config = load_config(env=env)
            if not config.warehouse_path.exists():
                t0 = time.perf_counter()
                counts = build(config.warehouse_path, ooni_years=OONI_YEARS * scale)
                print(f"[{tag}] built in {time.perf_counter() - t0:.0f} s: {counts}", flush=True)
                rec.parameters[f"observations at {tag}"] = counts["observations"]
            shutil.rmtree(config.serving_dir, ignore_errors=True)
            collect_worldbank(config)  # the source's rows exist before anything is measured

            with Warehouse(config.warehouse_path) as wh:
                for table in ("rollup_daily", "rollup_days_any", "rollup_state", "score_input_hash"):
                    wh.con.execute(f"DROP TABLE IF EXISTS {table}")
                t0 = time.perf_counter()
                first = recompute(wh.con, catalogue, today=today)
                rec.add(f"recompute, first ({tag})", time.perf_counter() - t0, "s",
                        note="rollups and score table empty")
                sid = publish(wh.con, config.serving_dir)
            print(f"[{tag}] first recompute {first.timings}", flush=True)

            full, legacy, small, recomputes, cpus = [], [], [], [], []
            for attempt in range(args.repeat):
                scratch = root / f"scratch-{scale}-{attempt}"
                with Warehouse(config.warehouse_path) as wh:
                    t0 = time.perf_counter()
                    publish(wh.con, scratch / "serving")
                    full.append(time.perf_counter() - t0)
                    t0 = time.perf_counter()
                    legacy_publish(wh.con, scratch / "legacy")
                    legacy.append(time.perf_counter() - t0)
                if attempt == 0:
                    one_file = scratch / "legacy" / "observation.parquet"
                    import duckdb

                    def legacy_con(path=one_file):
                        con = duckdb.connect()
                        con.execute(f"CREATE VIEW observation AS SELECT * FROM read_parquet('{path}')")
                        return con

                    rec.add(f"country read, one-file layout ({tag})", country_reads(legacy_con), "ms")
                shutil.rmtree(scratch)
                written = collect_worldbank(config)
                with Warehouse(config.warehouse_path) as wh:
                    stats: dict = {}
                    t0 = time.perf_counter()
                    sid = publish(wh.con, config.serving_dir, stats=stats)
                    small.append(time.perf_counter() - t0)
                    t0, c0 = time.perf_counter(), time.process_time()
                    result = recompute(wh.con, catalogue, today=today)
                    recomputes.append(time.perf_counter() - t0)
                    cpus.append(time.process_time() - c0)
                    publish(wh.con, config.serving_dir)
                print(f"[{tag}] run {attempt + 1}: full {full[-1]:.2f} s, one-file {legacy[-1]:.2f} s, "
                      f"after worldbank ({written} rows) {small[-1]:.3f} s ({stats}), recompute "
                      f"{recomputes[-1]:.2f} s {result.changes}; load {os.getloadavg()[0]:.1f}",
                      flush=True)
            rec.add(f"publish, full rewrite ({tag})", statistics.median(full), "s")
            rec.add(f"publish, one file per table, previous layout ({tag})", statistics.median(legacy), "s")
            rec.add(f"publish after a one-source change ({tag})", statistics.median(small), "s")
            rec.add(f"recompute after a one-source change ({tag})", statistics.median(recomputes), "s",
                    note="target ≤ 2 s at 1x")
            rec.add(f"recompute after a one-source change, CPU ({tag})", statistics.median(cpus), "s",
                    note="CPU time of the process (all threads): less sensitive to a loaded machine")
            rec.ratio(f"one-source publish / full rewrite ({tag})",
                      f"publish after a one-source change ({tag})", f"publish, full rewrite ({tag})",
                      better="lower", note="target ≤ 0.1")

            # Disk: five snapshots kept after four more one-source changes.
            one = snapshot_bytes(config.serving_dir, sid)
            shutil.rmtree(config.serving_dir)
            with Warehouse(config.warehouse_path) as wh:
                publish(wh.con, config.serving_dir, keep=5)
            for _ in range(4):
                collect_worldbank(config)
                with Warehouse(config.warehouse_path) as wh:
                    recompute(wh.con, catalogue, today=today)
                    publish(wh.con, config.serving_dir, keep=5)
            rec.add(f"one snapshot on disk ({tag})", one / 1e6, "MB")
            rec.add(f"five snapshots on disk ({tag})", unique_bytes(config.serving_dir / PARTS) / 1e6, "MB")
            rec.ratio(f"five snapshots / one snapshot, disk ({tag})", f"five snapshots on disk ({tag})",
                      f"one snapshot on disk ({tag})", better="lower", note="target ≤ 1.5")

            def snapshot_con(serving=config.serving_dir):
                reader = Reader.open(serving)
                reader.lease.release()  # nothing prunes meanwhile
                return reader.con

            rec.add(f"country read, partitioned snapshot ({tag})", country_reads(snapshot_con), "ms")

            # The command itself, end to end: collect over HTTP, recompute, publish twice.
            t0 = time.perf_counter()
            done = subprocess.run([*CLI, "collect", "worldbank"],
                                  env={**os.environ, **env}, cwd=ROOT, capture_output=True, text=True)
            if done.returncode != 0:
                raise SystemExit(done.stderr)
            rec.add(f"roamwatch collect worldbank, whole command ({tag})", time.perf_counter() - t0, "s",
                    command=f"ROAMWATCH_DATA_DIR=<{tag} bench data> roamwatch collect worldbank",
                    note="collect over HTTP from the local server, recompute, publish twice")

            done_scales.append(scale)
            growth_ratios(rec, done_scales)
            rec.write()  # after every size: a long run stopped early keeps what it measured
    if not args.keep:
        shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    main()
