"""The crash loop as a benchmark record: kills per phase aimed and hit, checks, time taken.

    python -m bench.bench_crashloop [--kills 50] [--seed 16]
"""

from __future__ import annotations

import argparse
import time

from bench.results import Results
from tests import crashloop


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=50)
    parser.add_argument("--seed", type=int, default=16)
    args = parser.parse_args()
    rec = Results("crashloop", "Crash loop: writers killed with SIGKILL, integrity checked after each",
                  parameters=vars(args))
    started = time.perf_counter()
    kills, problems = crashloop.run(args.kills, args.seed)
    elapsed = time.perf_counter() - started
    rec.add("kills", len(kills), "count", better=None)
    for phase in (*crashloop.PHASES, "between phases", "finished first"):
        n = sum(1 for k in kills if k.hit == phase)
        if n or phase in crashloop.PHASES:
            rec.add(f"kills that hit {phase}", n, "count", better=None)
    rec.add("problems found by the checks", len(problems), "count")
    rec.add("whole loop", elapsed, "s")
    rec.add("per kill (process start, kill, checks)", elapsed / max(1, len(kills)), "s")
    if problems:
        rec.notes.append("PROBLEMS: " + " | ".join(problems[:5]))
    rec.write()


if __name__ == "__main__":
    main()
