"""Offline ``roamwatch collect``: how long a bare collection takes to fail with no network.

Every source's base URL (and every file source's default URL) points at a host name under
``.invalid`` (RFC 2606), which the resolver refuses at once: the same failure as a machine
without DNS, provoked locally. The HTTP settings are the built-in defaults (five attempts with
exponential backoff): only the fail-fast path keeps the run short. Measured as a whole
``roamwatch collect`` process, start to exit, ``--repeat`` times on a fresh data directory.

    python -m bench.bench_offline [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.results import Results
from tests.helpers import offline_env


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rec = Results("offline", "Offline roamwatch collect: time to fail, output size, requests",
                  parameters=vars(args),
                  notes=["host names under .invalid: the resolver fails locally, no network",
                         "built-in HTTP settings (5 attempts, backoff base 2 s)"])
    times, lines, requests = [], [], []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory(prefix="roamwatch-bench-offline-") as tmp:
            env = offline_env(Path(tmp))
            started = time.perf_counter()
            proc = subprocess.run([sys.executable, "-m", "roamwatch.cli", "collect", "--no-progress"],
                                  env=env, capture_output=True, text=True, timeout=900)
            times.append(time.perf_counter() - started)
            if proc.returncode != 1:
                raise SystemExit(f"expected exit 1, got {proc.returncode}: {proc.stderr[-2000:]}")
            lines.append(len(proc.stdout.splitlines()) + len(proc.stderr.splitlines()))
            status = subprocess.run([sys.executable, "-m", "roamwatch.cli", "status", "--json"],
                                    env=env, capture_output=True, text=True, timeout=300, check=True)
            per_source = [c["details"]["requests"] for c in json.loads(status.stdout)["collectors"]]
            requests.append(max(per_source))
    median = statistics.median(times)
    print(f"offline collect: median {median:.2f} s over {args.repeat} runs; "
          f"{max(lines)} output lines; at most {max(requests)} request(s) per source")
    rec.add("offline collect, median wall clock", median, "s",
            note="the issue's target: 30 s or less (it took 5 min 36 s before fail-fast)")
    rec.add("offline collect, slowest run", max(times), "s")
    rec.add("output lines (stdout + stderr)", max(lines), "count")
    rec.add("requests per source, most", max(requests), "count")
    rec.write()


if __name__ == "__main__":
    main()
