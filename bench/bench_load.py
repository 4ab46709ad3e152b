"""Load: concurrent clients on cached and uncached pages while a collector publishes snapshots.

``roamwatch serve`` (waitress) on 127.0.0.1 serves a data directory (default: a demo one filled
from the local test servers). ``--clients`` threads ask for pages the way a browser does (the
pages router callback, plus the page shell now and then) for ``--seconds``:

- **cached**: a few fixed views (world map, a country, the data page), served from the page
  cache once rendered;
- **uncached**: country pages across every country and world maps of every metric and year, in
  turn, so most are rendered for the first time;

while a writer process runs ``roamwatch collect worldbank --full`` back to back against a local
World Bank server: every run publishes a new snapshot, which the dashboard switches to (and its
caches start again). Errors: any answer other than the expected status, any connection error or
timeout, any page answer without a page in it. Reported per kind: requests, errors, p50/p95/p99;
the server's RSS (start, peak, end); snapshots published meanwhile.

    python -m bench.bench_load [--clients 50] [--seconds 60] [--data-dir DIR]
"""

from __future__ import annotations

import argparse
import itertools
import random
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from tests import dashclient

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Kind:
    times: list[float] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def pct(self, q: float) -> float:
        values = sorted(self.times)
        return values[min(len(values) - 1, int(q * len(values)))] * 1000 if values else float("nan")


@dataclass
class LoadResult:
    clients: int
    seconds: float
    kinds: dict[str, Kind]
    rss: list[float]
    publishes: int
    writer_failures: list[str]
    #: Tracebacks and error lines the server logged during the run.
    server_errors: list[str] = field(default_factory=list)

    @property
    def errors(self) -> list[str]:
        return [e for k in self.kinds.values() for e in k.errors]

    def lines(self) -> list[str]:
        out = []
        for name, kind in self.kinds.items():
            rate = len(kind.times) / self.seconds
            out.append(f"{name:<9} {len(kind.times):6d} requests ({rate:6.1f}/s), "
                       f"{len(kind.errors)} errors, p50 {kind.pct(.5):7.1f} ms, p95 {kind.pct(.95):7.1f} ms, "
                       f"p99 {kind.pct(.99):7.1f} ms")
        out.append(f"server RSS {self.rss[0]:.0f} MB at start, {max(self.rss):.0f} MB peak, "
                   f"{self.rss[-1]:.0f} MB at the end; {self.publishes} snapshots published meanwhile")
        return out


def _writer(data_dir: Path, stop: threading.Event, published: list[int], failures: list[str]) -> None:
    """``roamwatch collect worldbank --full`` back to back until ``stop``."""

    from tests.servers.worldbank import WorldBankServer

    from tests.helpers import subprocess_env

    with WorldBankServer() as server:
        env = subprocess_env(ROAMWATCH_DATA_DIR=str(data_dir),
                             ROAMWATCH_WORLDBANK_BASE_URL=server.url + "/v2",
                             ROAMWATCH_HTTP_BACKOFF_BASE="0.01", ROAMWATCH_HTTP_MAX_ATTEMPTS="2")
        while not stop.is_set():
            done = subprocess.run([sys.executable, "-m", "roamwatch.cli", "collect", "worldbank", "--full",
                                   "--no-scores", "--no-progress"], cwd=REPO, env=env,
                                  capture_output=True, text=True, timeout=600)
            if done.returncode == 0:
                published.append(1)
            else:
                failures.append((done.stdout + done.stderr)[-300:])


def run(data_dir: Path, clients: int = 50, seconds: float = 60.0, publish: bool = True,
        log=print) -> LoadResult:
    kinds = {"cached": Kind(), "uncached": Kind(), "shell": Kind()}
    lock = threading.Lock()
    stop = threading.Event()
    published: list[int] = []
    writer_failures: list[str] = []
    with tempfile.TemporaryDirectory(prefix="roamwatch-load-") as tmp, \
            dashclient.serve(data_dir, Path(tmp) / "serve.log", args=["--threads", "16"]) as server:
        deps = dashclient.get(server.base, "/_dash-dependencies").json()
        from roamwatch.warehouse.queries import Reader

        with Reader.open(data_dir / "serving") as reader:
            countries = list(reader.countries()["iso3"])
            metrics = reader.metric_ids()
        cached = ["/", "/country/KEN", "/data?countries=KEN", "/compare?countries=KEN,UGA"]
        uncached = itertools.cycle(
            [f"/country/{c}" for c in countries]
            + [f"/?metric={m}&year={y}" for m in metrics for y in (2015, 2020, 2023)])
        for path in cached:
            dashclient.post_json(server.base, "/_dash-update-component", dashclient.page_body(deps, path),
                                 timeout=120)
        rss = [server.rss()]
        writer = None
        if publish:
            writer = threading.Thread(target=_writer, args=(data_dir, stop, published, writer_failures),
                                      daemon=True)
            writer.start()

        def client(number: int) -> None:
            rng = random.Random(number)
            while not stop.is_set():
                roll = rng.random()
                if roll < 0.1:
                    name, target, body = "shell", "/", None
                else:
                    with lock:
                        path = rng.choice(cached) if roll < 0.55 else next(uncached)
                    name, target = ("cached" if roll < 0.55 else "uncached"), path
                    body = dashclient.page_body(deps, path)
                started = time.perf_counter()
                try:
                    if body is None:
                        reply = dashclient.get(server.base, target, timeout=120)
                        ok = reply.status == 200 and b"_dash-config" in reply.body
                    else:
                        reply = dashclient.post_json(server.base, "/_dash-update-component", body,
                                                     timeout=120)
                        ok = reply.status == 200 and b'"_pages_content"' in reply.body \
                            and b'"children"' in reply.body
                    problem = None if ok else f"{name} {target}: HTTP {reply.status} {reply.text[:120]!r}"
                except OSError as exc:
                    problem = f"{name} {target}: {type(exc).__name__}: {exc}"
                elapsed = time.perf_counter() - started
                with lock:
                    kinds[name].times.append(elapsed)
                    if problem:
                        kinds[name].errors.append(problem)

        threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(clients)]
        started = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() - started < seconds:
            time.sleep(1)
            rss.append(server.rss())
        stop.set()
        for t in threads:
            t.join(timeout=180)
        if writer is not None:
            writer.join(timeout=600)
        rss.append(server.rss())
        elapsed = time.monotonic() - started
        server_errors = _logged_errors(Path(tmp) / "serve.log")
    result = LoadResult(clients, elapsed, kinds, rss, len(published), writer_failures, server_errors)
    for line in result.lines():
        log(line)
    return result


def _logged_errors(path: Path) -> list[str]:
    """Each traceback (whole) and each error line of the server's log."""
    try:
        text = path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return []
    out: list[str] = []
    block: list[str] | None = None
    for line in text.splitlines():
        if line.startswith("Traceback (most recent call last)"):
            block = [line]
        elif block is not None:
            block.append(line)
            if line and not line.startswith((" ", "\t")):  # the exception line ends it
                out.append("\n".join(block))
                block = None
        elif "ERROR" in line or " 500 " in line:
            out.append(line)
    return out


def main() -> None:
    from bench.results import Results

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--data-dir", type=Path, help="serve this data directory (default: a demo one)")
    args = parser.parse_args()
    rec = Results("load", "Load: clients on cached and uncached pages while snapshots are published",
                  parameters={"clients": args.clients, "seconds": args.seconds,
                              "data_dir": "demo" if args.data_dir is None else "given"})
    with tempfile.TemporaryDirectory(prefix="roamwatch-bench-load-") as tmp:
        data_dir = args.data_dir
        if data_dir is None:
            from tests.demo import fill

            data_dir = Path(tmp) / "data"
            fill(data_dir, Path(tmp) / "files", log=lambda _m: None)
        result = run(data_dir, args.clients, args.seconds)
    rec.notes.append("The load generator (Python threads) shares the machine with the server.")
    for name, kind in result.kinds.items():
        rec.add(f"{name}: requests per second", len(kind.times) / result.seconds, "req/s", better="higher")
        rec.add(f"{name}: errors", len(kind.errors), "errors")
        for q in (50, 95, 99):
            rec.add(f"{name}: p{q}", kind.pct(q / 100), "ms")
    rec.add("server RSS at start", result.rss[0], "MB")
    rec.add("server RSS peak", max(result.rss), "MB")
    rec.add("server RSS at the end", result.rss[-1], "MB")
    rec.add("snapshots published during the run", result.publishes, "count", better=None)
    if result.errors:
        rec.notes.append("ERRORS (first 5): " + " | ".join(result.errors[:5]))
    rec.write()


if __name__ == "__main__":
    main()
