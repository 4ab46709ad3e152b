"""Hostile requests of issue 16 against a real ``roamwatch serve``: status, time and memory of each.

Serves a data directory (default: a demo one filled from the local test servers; ``--data-dir``
for a copy of a real warehouse), renders every page once, then sends each request of
``tests/hostile.py`` (and a few of them ten at a time while a country page is timed) and reports
its status, its time, and the server's RSS before and after. Targets: every answer 4xx within
100 ms; RSS within 20 % of its level before the hostile requests.

    python -m bench.bench_hostile [--data-dir DIR] [--parallel 10]
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from bench.results import Results
from tests import dashclient, hostile

WARM = ("/", "/country/KEN", "/data", "/compare?countries=KEN,UGA", "/methodology", "/sources")


def page(server: dashclient.Server, deps: list, path: str) -> dashclient.Reply:
    return dashclient.post_json(server.base, "/_dash-update-component", dashclient.page_body(deps, path))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, help="serve this data directory (default: a demo one)")
    parser.add_argument("--parallel", type=int, default=10, help="hostile requests in flight at once")
    args = parser.parse_args()
    rec = Results("hostile", "Hostile requests: answer, time and server memory",
                  parameters={"data_dir": "demo" if args.data_dir is None else "given",
                              "parallel": args.parallel})
    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-hostile-") as tmp:
        root = Path(tmp)
        data_dir = args.data_dir
        if data_dir is None:
            from tests.demo import fill

            data_dir = root / "data"
            fill(data_dir, root / "files", log=lambda _m: None)
        with dashclient.serve(data_dir, root / "serve.log") as server:
            deps = dashclient.get(server.base, "/_dash-dependencies").json()
            for path in WARM:
                page(server, deps, path)
            time.sleep(1)
            base_rss = server.rss()
            worst_ms, worst_rss, failures = 0.0, base_rss, []
            for attack in hostile.attacks(deps):
                reply = dashclient.request(server.base, attack.method, attack.target, attack.body,
                                           attack.headers, timeout=120)
                rss = server.rss()
                problems = attack.problems(reply)
                failures += problems
                worst_ms, worst_rss = max(worst_ms, reply.seconds * 1000), max(worst_rss, rss)
                rec.add(f"{attack.name}: time", reply.seconds * 1000, "ms",
                        note=f"HTTP {reply.status}" + ("; " + "; ".join(problems) if problems else ""))
                print(f"{attack.name:<45} {reply.status}  {reply.seconds * 1000:8.1f} ms  RSS {rss:6.0f} MB"
                      + (f"  PROBLEM {problems}" if problems else ""))
            # the report: ten long-list requests in flight while a normal page is asked for
            flood = next(a for a in hostile.attacks(deps) if a.name == "long list in the URL")
            with ThreadPoolExecutor(args.parallel + 1) as pool:
                started = time.perf_counter()
                futures = [pool.submit(dashclient.request, server.base, flood.method, flood.target,
                                       None, {}, 120) for _ in range(args.parallel)]
                country = pool.submit(page, server, deps, "/country/BRA")
                country_ms = country.result().seconds * 1000
                flood_ms = [f.result().seconds * 1000 for f in futures]
                flood_total = time.perf_counter() - started
            end_rss = server.rss()
        log = (root / "serve.log").read_text(encoding="utf-8", errors="replace")
    rec.add("slowest hostile answer", worst_ms, "ms", note="target: every one within 100 ms")
    rec.add("hostile requests answered as expected", len(hostile.attacks(deps)) - len(failures), "count",
            better="higher", note=f"of {len(hostile.attacks(deps))}")
    rec.add("RSS before the hostile requests", base_rss, "MB")
    rec.add("RSS peak during them", worst_rss, "MB")
    rec.add("RSS after them", end_rss, "MB")
    rec.add("RSS after / before", end_rss / base_rss * 100, "%", note="target ≤ 120 %")
    rec.add(f"country page while {args.parallel} long-list requests are in flight", country_ms, "ms")
    rec.add(f"{args.parallel} long-list requests in flight: median answer", statistics.median(flood_ms), "ms")
    rec.add(f"{args.parallel} long-list requests in flight: all answered after", flood_total * 1000, "ms")
    rec.add("tracebacks in the server log", log.count("Traceback"), "count")
    if failures:
        rec.notes.append("PROBLEMS: " + "; ".join(failures))
    print(f"RSS {base_rss:.0f} MB before, {worst_rss:.0f} MB peak, {end_rss:.0f} MB after; "
          f"slowest {worst_ms:.0f} ms; country page under flood {country_ms:.0f} ms")
    rec.write()


if __name__ == "__main__":
    main()
