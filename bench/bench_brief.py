"""Time the country brief: one brief (in process and as a fresh `roamwatch brief` command) and
`roamwatch brief --all` for every country (targets: one brief ≤ 2 s; 250 countries ≤ 3 min on
a 2-core machine).

Builds bench_scores' warehouse (250 countries with every series the catalogue reads, ten years of
daily OONI counts, IODA hours, outage and shutdown events), computes the real scores and publishes
a snapshot, then renders briefs from it. Records its figures with :mod:`bench.results`
(``bench/results/brief.json``, contract C5).

    python bench/bench_brief.py [--repeat 5] [--keep DIR [--reuse]] [--skip-all]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
if str(REPO) not in sys.path:  # run as a script: the repository's packages (bench, dashboard)
    sys.path.insert(0, str(REPO))

from bench.results import Results  # noqa: E402


def prepare(directory: Path, reuse: bool) -> str:
    """A data directory with bench_scores' warehouse, scored and published; its snapshot id."""
    import datetime as dt

    from bench.bench_scores import LAST_YEAR, build
    from indicators.catalogue import load_catalogue
    from indicators.recompute import recompute
    from roamwatch.warehouse.snapshot import current_snapshot_id, publish
    from roamwatch.warehouse.store import Warehouse

    serving = directory / "serving"
    if reuse and current_snapshot_id(serving):
        return current_snapshot_id(serving)
    path = directory / "warehouse.duckdb"
    path.unlink(missing_ok=True)
    started = time.perf_counter()
    counts = build(path)
    with Warehouse(path) as wh:
        recompute(wh.con, load_catalogue(), today=dt.date(LAST_YEAR, 12, 31))
        snapshot = publish(wh.con, serving, keep=2)
    print(f"built and scored {path} in {time.perf_counter() - started:.1f} s: {counts}", flush=True)
    return snapshot


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="in-process briefs timed per language")
    parser.add_argument("--keep", type=Path, help="build the data directory here")
    parser.add_argument("--reuse", action="store_true", help="with --keep: reuse what was built")
    parser.add_argument("--skip-all", action="store_true", help="skip `roamwatch brief --all`")
    parser.add_argument("--country", default="KEN")
    args = parser.parse_args()
    directory = args.keep or Path(tempfile.mkdtemp(prefix="roamwatch-bench-brief-"))
    directory.mkdir(parents=True, exist_ok=True)
    snapshot = prepare(directory, args.reuse)
    env = {**os.environ, "ROAMWATCH_DATA_DIR": str(directory)}
    env.pop("ROAMWATCH_CONFIG", None)
    rec = Results("brief", "Country brief: one brief (target ≤ 2 s) and --all for 250 countries "
                  "(target ≤ 3 min on 2 cores)",
                  parameters={"country": args.country, "repeat": args.repeat, "snapshot": snapshot})

    # In process: gather (queries), HTML, PDF; the first brief of a process pays for the
    # per-snapshot tables and the font set-up, later ones do not.
    from dashboard import data
    from dashboard.brief import build, render, to_pdf

    svc = data.DataService(directory / "serving", check_interval=3600, snapshot_id=snapshot)
    runs = []
    for i in range(args.repeat + 1):
        for lang in ("en", "fr"):
            t0, c0 = time.perf_counter(), time.process_time()
            brief = build(svc, args.country)
            t1 = time.perf_counter()
            render(brief, lang)
            t2 = time.perf_counter()
            _pdf, pages = to_pdf(brief, lang)
            t3 = time.perf_counter()
            runs.append({"first": i == 0, "build": t1 - t0, "html": t2 - t1, "pdf": t3 - t2,
                         "total": t3 - t0, "cpu": time.process_time() - c0, "pages": pages})
    warm = [r for r in runs if not r["first"]]

    def median(key: str) -> float:
        return statistics.median(r[key] for r in warm)

    print(f"in process ({args.country}, en and fr, median of {len(warm)}): gather {median('build'):.3f} s, "
          f"HTML {median('html'):.3f} s, PDF {median('pdf'):.3f} s, total {median('total'):.3f} s "
          f"(CPU {median('cpu'):.3f} s); first brief of the process {runs[0]['total']:.2f} s", flush=True)
    rec.add("one brief in process, median wall", median("total"), "s", note="gather + HTML + PDF")
    rec.add("one brief in process, median CPU", median("cpu"), "s")
    rec.add("gather (queries), median", median("build"), "s")
    rec.add("HTML, median", median("html"), "s")
    rec.add("PDF (WeasyPrint), median", median("pdf"), "s")
    rec.add("first brief of a process", runs[0]["total"], "s")
    rec.add("pages, most", max(r["pages"] for r in runs), "count", better=None)

    # A fresh command, as a user runs it: interpreter start, imports, snapshot, one PDF.
    # CPU time (user + sys of the child) beside wall time: on a shared machine wall time
    # mostly measures the other processes.
    times, cpus = [], []
    for _ in range(3):
        out = directory / "one.pdf"
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "roamwatch.cli", "brief", args.country, "-o", str(out)],
                       cwd=REPO, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpus.append(after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime)
    command = f"roamwatch brief {args.country} -o one.pdf"
    print(f"`{command}`: median {statistics.median(times):.2f} s wall, {statistics.median(cpus):.2f} s "
          f"CPU (target ≤ 2 s; load average {os.getloadavg()[0]:.1f})", flush=True)
    rec.add("one brief, fresh command, median", statistics.median(times), "s", command=command,
            note="target ≤ 2 s; includes interpreter start and imports")
    rec.add("one brief, fresh command, median CPU", statistics.median(cpus), "s", command=command,
            note="user + sys of the command")

    if not args.skip_all:
        out = directory / "briefs"
        command = f"roamwatch brief --all -o briefs/ ({os.cpu_count()} processes)"
        started = time.perf_counter()
        done = subprocess.run([sys.executable, "-m", "roamwatch.cli", "brief", "--all", "-o", str(out)],
                              cwd=REPO, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        tail = done.stderr.strip().splitlines()[-1] if done.stderr.strip() else ""
        match = re.search(r"wrote (\d+) of (\d+) briefs.*pages (\d+)–(\d+)", done.stderr)
        print(f"`roamwatch brief --all`: {elapsed:.1f} s (target ≤ 180 s): {tail}", flush=True)
        rec.add("--all, every country with a scored category", elapsed, "s", command=command,
                note="target ≤ 180 s for 250 countries on 2 cores")
        if match:
            rec.add("--all, briefs written", int(match.group(1)), "count", better="higher")
            rec.add("--all, pages, most", int(match.group(4)), "count", better=None)
        if done.returncode != 0:
            rec.notes.append(f"--all exited {done.returncode}: {tail}")
    print(f"figures in {rec.write()}")


if __name__ == "__main__":
    main()
