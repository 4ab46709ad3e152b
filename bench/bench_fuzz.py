"""Fuzzing as a benchmark record: cases sent, time per request, the server's memory, failures.

Runs ``tests/test_fuzz.py`` (Hypothesis, against a real ``roamwatch serve``; see its docstring)
with the given number of cases and seed, and records what it measured. The test suite runs the
same module with 5,000 cases; a larger run here is the same check, longer.

    python -m bench.bench_fuzz [--cases 5000] [--seed 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import REPO, Results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=5000)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rec = Results("fuzz", "Fuzzing every route, page and callback of the dashboard",
                  parameters=vars(args))
    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-fuzz-") as tmp:
        report = Path(tmp) / "fuzz.json"
        env = {**os.environ, "ROAMWATCH_FUZZ_CASES": str(args.cases),
               "ROAMWATCH_FUZZ_SEED": str(args.seed), "ROAMWATCH_FUZZ_REPORT": str(report)}
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider",
                               "tests/test_fuzz.py"], cwd=REPO, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        figures = json.loads(report.read_text(encoding="utf-8")) if report.exists() else None
    failed = done.returncode != 0
    if failed:
        tail = (done.stdout + done.stderr).strip().splitlines()[-15:]
        rec.notes.append("FAILED: " + " | ".join(tail))
        print("\n".join(tail), file=sys.stderr)
    rec.add("failing properties", int(failed), "count")
    if figures:
        rec.add("requests sent", figures["requests"], "count", better=None)
        rec.add("request time, median", figures["median_ms"], "ms")
        rec.add("request time, p99", figures["p99_ms"], "ms")
        rec.add("request time, max", figures["max_ms"], "ms")
        rss = figures["rss_mb"]
        rec.add("server RSS at start", rss[0], "MB")
        rec.add("server RSS peak", max(rss), "MB")
        rec.add("server RSS at the end", rss[-1], "MB")
        rec.add("RSS growth after warm-up", figures["growth_mb"], "MB", note="the test allows < 150 MB")
    rec.add("whole run (server start, demo data, every case)", elapsed, "s")
    rec.notes.append("The client (Hypothesis, one request at a time) shares the machine with the server.")
    rec.write()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
