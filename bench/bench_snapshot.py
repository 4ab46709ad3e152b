"""Cost of published snapshots: publish time, disk, and reader latency while a writer publishes.

Builds a synthetic warehouse the size of a real one with DuckDB SQL (every reference country ×
60 years × 60 yearly metrics, plus daily rows: 200 countries × 3 years × 5 metrics, events,
runs, raw responses and scores), then:

1. publishes the warehouse ``--publishes`` times into an empty serving directory (every part
   written), then ``--publishes`` times after a small change (one metric's latest year
   rewritten through the store: only its part is written again), keeping that many snapshots;
   reports both, their ratio, and the disk of one snapshot against all kept ones;
2. runs a reader *process* that, in a loop, opens the current snapshot (``Reader.open``) and asks
   three typical questions (one metric for every country in one year — the world map; one
   country's series of every yearly metric; ``collector_status``), first while nothing happens,
   then while the writer changes and publishes back to back; reports p50 / p95 / max per phase.

    python bench/bench_snapshot.py [--years 60] [--metrics 60] [--publishes 5] [--seconds 8]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Results
from roamwatch.warehouse.layout import PARTS
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse

READER = r"""
import json, sys, time
from pathlib import Path
from roamwatch.warehouse.queries import Reader
serving, phase_file, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
samples = {}
while True:
    phase = phase_file.read_text().strip()
    if phase == "stop":
        break
    t0 = time.perf_counter()
    with Reader.open(serving) as r:
        t1 = time.perf_counter()
        c = r.con.cursor()
        year = c.execute("SELECT max(period) FROM observation WHERE metric = 'bench.Y00'").fetchone()[0]
        c.execute("SELECT country, value FROM observation WHERE metric = 'bench.Y07' AND period = ?",
                  [year]).fetchall()
        t2 = time.perf_counter()
        c.execute("SELECT metric, period, value FROM observation WHERE country = 'KEN' "
                  "AND metric LIKE 'bench.Y%' ORDER BY metric, period").fetchall()
        t3 = time.perf_counter()
        r.collector_status()
        t4 = time.perf_counter()
    s = samples.setdefault(phase, {"open": [], "map": [], "country": [], "status": [], "total": []})
    for key, value in (("open", t1 - t0), ("map", t2 - t1), ("country", t3 - t2),
                       ("status", t4 - t3), ("total", t4 - t0)):
        s[key].append(value)
out.write_text(json.dumps(samples))
"""


def build(wh: Warehouse, years: int, metrics: int) -> dict[str, int]:
    con = wh.con
    (countries,) = con.execute("SELECT count(*) FROM country").fetchone()
    con.execute("""INSERT INTO source VALUES ('bench', 'Benchmark', '', 'CC BY 4.0', '', '', '')""")
    con.execute(f"""
        INSERT INTO metric
        SELECT 'bench.Y' || lpad(i::VARCHAR, 2, '0'), 'bench', 'Y' || i, 'yearly metric ' || i, '%',
               'year', '', now()::TIMESTAMP FROM range({metrics}) t(i)
        UNION ALL
        SELECT 'bench.D' || i, 'bench', 'D' || i, 'daily metric ' || i, 'count', 'day', '',
               now()::TIMESTAMP FROM range(5) t(i)""")
    con.execute("""
        INSERT INTO collector_run (id, collector, parameters, started_at, finished_at, status,
                                   rows_written, units_total)
        SELECT i + 1, 'bench', '{}', now()::TIMESTAMP - INTERVAL (500 - i) HOUR,
               now()::TIMESTAMP - INTERVAL (500 - i) HOUR + INTERVAL 5 MINUTE,
               CASE WHEN i % 17 = 0 THEN 'failed' ELSE 'success' END, 1000, 10
        FROM range(500) t(i)""")
    con.execute(f"""
        INSERT INTO observation
        SELECT 'bench.Y' || lpad(m::VARCHAR, 2, '0'), c.iso3, (2025 - {years} + y)::VARCHAR,
               make_date(2025 - {years} + y, 1, 1), (hash(m, c.iso3, y) % 10000) / 100.0,
               1 + (hash(m, y) % 500), now()::TIMESTAMP
        FROM country c, range({metrics}) a(m), range({years}) b(y)""")
    con.execute("""
        INSERT INTO observation
        SELECT 'bench.D' || m, c.iso3, strftime(d, '%Y-%m-%d'), d::DATE, (hash(m, c.iso3, d) % 500),
               1 + (hash(m, d) % 500), now()::TIMESTAMP
        FROM (SELECT iso3 FROM country ORDER BY iso3 LIMIT 200) c, range(5) a(m),
             range(DATE '2023-01-01', DATE '2026-01-01', INTERVAL 1 DAY) b(d)""")
    con.execute("""
        INSERT INTO event (id, source, country, start_time, end_time, kind, severity, details,
                           run_id, fetched_at)
        SELECT 'ev' || i, 'bench', c.iso3, TIMESTAMP '2016-01-01' + INTERVAL (i * 7) HOUR,
               TIMESTAMP '2016-01-01' + INTERVAL (i * 7 + 30) HOUR, 'outage', (i % 10) / 10.0,
               '{"note": "synthetic"}', 1, now()::TIMESTAMP
        FROM range(5000) t(i), (SELECT iso3, row_number() OVER () AS n FROM country) c
        WHERE c.n = 1 + i % 200""")
    con.execute("""
        INSERT INTO raw_response
        SELECT 1 + i // 20, i % 20, 'bench', 'https://example.org/' || i, 200, now()::TIMESTAMP,
               md5(i::VARCHAR), 100000, 'raw/bench/' || i
        FROM range(10000) t(i)""")
    con.execute("""
        INSERT INTO score
        SELECT c.iso3, 2000 + y, l.level, l.level || '.' || k, (hash(c.iso3, y, k) % 100)::DOUBLE,
               0.8, '{}'
        FROM country c, range(25) a(y), (VALUES ('indicator'), ('theme'), ('category')) l(level),
             range(20) b(k)""")
    counts = {}
    for table in ("country", "observation", "event", "collector_run", "raw_response", "score"):
        counts[table] = con.execute(f"SELECT count(*) FROM {table}").fetchone()[0]
    counts["countries"] = countries
    return counts


def small_change(wh: Warehouse, round_: int) -> None:
    """What a small collection does: one metric's latest year rewritten, through the store."""
    frame = wh.con.execute(
        "SELECT metric, country, period, period_start, value + 1 AS value FROM observation "
        "WHERE metric = 'bench.Y07' AND period = (SELECT max(period) FROM observation "
        "WHERE metric = 'bench.Y07')").df()
    with wh.transaction():
        wh.upsert_observations(frame, 1000 + round_)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(q * len(values)))]


def du(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--years", type=int, default=60)
    ap.add_argument("--metrics", type=int, default=60)
    ap.add_argument("--publishes", type=int, default=5)
    ap.add_argument("--seconds", type=float, default=8.0, help="length of each reader phase")
    args = ap.parse_args()
    rec = Results("snapshot", "Snapshot publish, disk and reader latency while publishing",
                  parameters=vars(args))

    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-") as tmp:
        root = Path(tmp)
        serving = root / "serving"
        t0 = time.perf_counter()
        with Warehouse(root / "warehouse.duckdb") as wh:
            counts = build(wh, args.years, args.metrics)
        build_s = time.perf_counter() - t0
        print(f"warehouse built in {build_s:.1f} s: " + ", ".join(f"{k} {v:,}" for k, v in counts.items()))
        print(f"warehouse.duckdb {(root / 'warehouse.duckdb').stat().st_size / 1e6:.0f} MB")

        with Warehouse(root / "warehouse.duckdb") as wh:
            full, times = [], []
            for attempt in range(args.publishes):  # into an empty serving directory: every part
                t0 = time.perf_counter()
                publish(wh.con, root / f"full-{attempt}", keep=3)
                full.append(time.perf_counter() - t0)
                shutil.rmtree(root / f"full-{attempt}")
            for round_ in range(args.publishes):  # after a small change: the parts it touched
                small_change(wh, round_)
                t0 = time.perf_counter()
                sid = publish(wh.con, serving, keep=args.publishes)
                times.append(time.perf_counter() - t0)
            print(f"publish, full ({args.publishes}x): median {statistics.median(full):.2f} s; "
                  f"after a small change: median {statistics.median(times):.3f} s, "
                  f"max {max(times):.3f} s")
            files = list((serving / sid).rglob("*.parquet"))
            one = sum(p.stat().st_size for p in files)
            print(f"one snapshot: {one / 1e6:.1f} MB ({len(files)} Parquet files); "
                  f"{args.publishes} kept: {du(serving / PARTS) / 1e6:.1f} MB")
            rec.parameters.update(counts)
            rec.add("publish, full rewrite, median", statistics.median(full), "s")
            rec.add("publish after a small change, median", statistics.median(times), "s")
            rec.add("publish after a small change, max", max(times), "s")
            rec.ratio("publish after a small change / full rewrite", "publish after a small change, median",
                      "publish, full rewrite, median", better="lower", note="target ≤ 0.1")
            rec.add("one snapshot on disk", one / 1e6, "MB")
            rec.add(f"{args.publishes} snapshots on disk", du(serving / PARTS) / 1e6, "MB")
            rec.ratio(f"{args.publishes} snapshots / one snapshot, disk",
                      f"{args.publishes} snapshots on disk", "one snapshot on disk", better="lower",
                      note="target ≤ 1.5 for five")
            rec.add("warehouse.duckdb on disk", (root / "warehouse.duckdb").stat().st_size / 1e6, "MB")

            phase = root / "phase"
            phase.write_text("idle")
            out = root / "reader.json"
            reader = subprocess.Popen([sys.executable, "-c", READER, str(serving), str(phase), str(out)],
                                      env={**os.environ})
            try:
                time.sleep(args.seconds)
                phase.write_text("publishing")
                deadline = time.monotonic() + args.seconds
                during = []
                while time.monotonic() < deadline:
                    small_change(wh, len(during) + 100)
                    t0 = time.perf_counter()
                    publish(wh.con, serving, keep=3)
                    during.append(time.perf_counter() - t0)
            finally:
                phase.write_text("stop")
                reader.wait(timeout=120)
        samples = json.loads(out.read_text())
        print(f"publishes while reading: {len(during)}, median {statistics.median(during):.2f} s")
        print(f"{'reader latency (ms)':<22}{'n':>6}{'p50':>9}{'p95':>9}{'max':>9}")
        for name, s in samples.items():
            for key in ("open", "map", "country", "status", "total"):
                v = [x * 1000 for x in s[key]]
                print(f"{name + ' ' + key:<22}{len(v):>6}{pct(v, .5):>9.1f}{pct(v, .95):>9.1f}"
                      f"{max(v):>9.1f}")
                if key in ("open", "total"):
                    rec.add(f"reader {key}, {name}, p50", pct(v, .5), "ms")
                    rec.add(f"reader {key}, {name}, p95", pct(v, .95), "ms")
        rec.add("publishes while reading, median", statistics.median(during), "s")
        if "idle" in samples and "publishing" in samples:
            rec.ratio("reader p95 while publishing / idle", "reader total, publishing, p95",
                      "reader total, idle, p95", better="lower",
                      note="how much a publishing writer slows a reader")
    rec.write()


if __name__ == "__main__":
    main()
