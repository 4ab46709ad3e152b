"""Time an alerts check on a realistic snapshot: every built-in rule over 10 years of daily OONI
counts for 200 countries × 6 tests, IODA and #KeepItOn events (the warehouse of
``bench/bench_scores.py``), plus storing what it finds.

Times :func:`alerts.engine.evaluate` (read the snapshot, run the detectors) and a full
:func:`alerts.engine.check` without delivery channels (evaluate, store new alerts under the writer
lock, publish), then the same check again (nothing new: the common case after a collection).

    python bench/bench_alerts.py [--repeat 3] [--keep DIR [--reuse]]
"""

from __future__ import annotations

import os
import statistics
import time

from alerts.engine import check, evaluate
from alerts.rules import load_rules
from bench.bench_scores import bench_warehouse, warehouse_arguments
from bench.results import Results
from roamwatch.config import load_config
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse


def main() -> None:
    args = warehouse_arguments(__doc__.splitlines()[0])
    rec = Results("alerts", "alerts check over a realistic snapshot", parameters={"repeat": args.repeat})
    path = bench_warehouse(args, rec)
    directory = path.parent
    with Warehouse(path) as wh:
        wh.con.execute("DELETE FROM alert")
        wh.con.execute("DELETE FROM alert_delivery")
        publish(wh.con, directory / "serving", keep=2)
    config = load_config(env={"ROAMWATCH_DATA_DIR": str(directory)})
    rules = load_rules(config)
    evaluations, findings = [], 0
    for attempt in range(args.repeat):
        with Reader.open(config.serving_dir) as reader:
            started = time.perf_counter()
            found, _memory, _notes = evaluate(reader, rules)
            evaluations.append(time.perf_counter() - started)
        findings = len(found)
        print(f"run {attempt + 1}: evaluate {evaluations[-1]:.2f} s, {findings} findings, "
              f"load average {os.getloadavg()[0]:.1f}")
    started = time.perf_counter()
    first = check(config, deliver_alerts=False, log=lambda m: None)
    first_s = time.perf_counter() - started
    started = time.perf_counter()
    again = check(config, deliver_alerts=False, log=lambda m: None)
    again_s = time.perf_counter() - started
    print(f"evaluate: median {statistics.median(evaluations):.2f} s; first check (store "
          f"{len(first.new_ids)} alerts, publish) {first_s:.2f} s; second check "
          f"({len(again.new_ids)} new) {again_s:.2f} s")
    rec.add("evaluate built-in rules, median wall", statistics.median(evaluations), "s")
    rec.add("first check (store + publish)", first_s, "s")
    rec.add("second check (nothing new)", again_s, "s")
    rec.notes.append(f"{findings} findings over the bench snapshot")
    rec.write()


if __name__ == "__main__":
    main()
