"""The crash loop: writers killed with SIGKILL at seeded moments, and the warehouse checked after
every kill. ``tests/test_crash_loop.py`` runs it in CI; ``python -m tests.crashloop --kills 500``
runs a longer one.

The writers are real ``roamwatch`` processes (this checkout, this Python) against a local World
Bank server on 127.0.0.1 that takes a moment per answer: ``roamwatch collect worldbank --full``
(fetch, upsert, score recomputation, snapshot publish) and ``roamwatch scores`` (score write,
publish). Each kill aims at one phase, told from outside the process:

- **fetch**: a request of the writer is in flight at the server;
- **upsert**: the server just sent an answer and no next request came yet (the writer parses,
  validates and writes that unit);
- **score write**: ``roamwatch scores`` holds the writer lock and has not started publishing;
- **snapshot publish**: a ``serving/.staging-*`` directory of the writer exists.

The phase actually hit is recorded from the same observations at the moment of the kill. After
every kill: the writer lock is free at once; the warehouse opens; no table's row count fell; no
key is duplicated; ``serving/CURRENT`` names a snapshot whose every table reads; and
``roamwatch status`` reports every run the warehouse still records as running as interrupted.
Every tenth kill, and at the end, an uninterrupted ``collect`` and ``scores`` must succeed and
leave the same values as the first run.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from tests.helpers import subprocess_env
from tests.servers.base import Reply
from tests.servers.worldbank import WorldBankServer

REPO = Path(__file__).resolve().parents[1]
PHASES = ("fetch", "upsert", "score write", "snapshot publish")
KEYS = {"observation": "metric, country, period", "event": "id", "score": "country, year, level, key",
        "metric": "id", "country": "iso3", "collector_run": "id"}
ANSWER_DELAY = 0.12


class SlowWorldBank(WorldBankServer):
    """The local World Bank server, a little slow, telling what it is doing."""

    def __init__(self) -> None:
        super().__init__()
        self.httpd.handle_error = lambda *_args: None  # a killed client's reset is expected
        self.in_flight = 0
        self.answers = 0
        self.requests_seen = 0
        self.state_lock = threading.Lock()

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        with self.state_lock:
            self.in_flight += 1
            self.requests_seen += 1
        try:
            time.sleep(ANSWER_DELAY)
            return super().handle(path, query)
        finally:
            with self.state_lock:
                self.in_flight -= 1
                self.answers += 1


@dataclass
class Kill:
    number: int
    command: str
    aimed: str
    hit: str
    after: float
    checks: list[str] = field(default_factory=list)


def _env(data_dir: Path, server: str) -> dict[str, str]:
    return subprocess_env(**{
        "ROAMWATCH_DATA_DIR": str(data_dir), "ROAMWATCH_WORLDBANK_BASE_URL": server + "/v2",
        "ROAMWATCH_HTTP_BACKOFF_BASE": "0.01", "ROAMWATCH_HTTP_BACKOFF_MAX": "0.05",
        "ROAMWATCH_HTTP_READ_TIMEOUT": "5", "ROAMWATCH_HTTP_MAX_ATTEMPTS": "2",
    })


def _spawn(args: list[str], env: dict[str, str]) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "roamwatch.cli", *args], cwd=REPO, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _staging(serving: Path, pid: int) -> bool:
    """A staging directory of this writer (a killed one leaves its own until the next publish)."""
    prefix = f".staging-{pid}-"
    try:
        return any(p.name.startswith(prefix) for p in serving.iterdir())
    except OSError:
        return False


def _holds_lock(lock: Path, pid: int) -> bool:
    try:
        return lock.read_text(encoding="utf-8", errors="replace").startswith(f"pid {pid} ")
    except OSError:
        return False


# -- checks -----------------------------------------------------------------------------------------
def counts(warehouse: Path) -> dict[str, int]:
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out = {}
        for table, key in KEYS.items():
            total, distinct = con.execute(
                f"SELECT count(*), count(DISTINCT ({key})) FROM {table}").fetchone()
            out[table] = total
            out[f"{table} duplicates"] = total - distinct
        out["values"] = hash(tuple(con.execute(
            "SELECT metric, country, period, value FROM observation ORDER BY 1, 2, 3").fetchall()))
        return out
    finally:
        con.close()


def check(data_dir: Path, before: dict[str, int], run_status: bool = True) -> tuple[list[str], dict]:
    """Problems after a kill (empty when none), and the new counts."""
    from click.testing import CliRunner

    from roamwatch.cli import cli
    from roamwatch.warehouse.lock import LockTimeout, writer_lock
    from roamwatch.warehouse.queries import Reader
    from roamwatch.warehouse.snapshot import PUBLISHED_TABLES

    problems: list[str] = []
    warehouse = data_dir / "warehouse.duckdb"
    try:
        with writer_lock(data_dir / "warehouse.lock", purpose="crash-loop check", timeout=0):
            now = counts(warehouse)
    except LockTimeout as exc:
        return [f"the writer lock was not recovered: {exc.holder}"], before
    except duckdb.Error as exc:
        return [f"the warehouse does not open: {exc}"], before
    for table in KEYS:
        if now[f"{table} duplicates"]:
            problems.append(f"{now[f'{table} duplicates']} duplicate keys in {table}")
        if now[table] < before.get(table, 0):
            problems.append(f"{table} fell from {before[table]} to {now[table]} rows")
    try:
        with Reader.open(data_dir / "serving") as reader:
            for table in PUBLISHED_TABLES:
                reader.con.cursor().execute(f"SELECT count(*) FROM {table}").fetchone()
    except Exception as exc:  # noqa: BLE001 - any failure to read CURRENT is the finding
        problems.append(f"CURRENT does not name a complete snapshot: {type(exc).__name__}: {exc}")
    if run_status:
        con = duckdb.connect(str(warehouse), read_only=True)
        try:
            running = {r[0] for r in con.execute(
                "SELECT id FROM collector_run WHERE status = 'running'").fetchall()}
        finally:
            con.close()
        result = CliRunner().invoke(cli, ["status", "--json"], obj={},
                                    env={"ROAMWATCH_DATA_DIR": str(data_dir)})
        if result.exit_code != 0:
            problems.append(f"roamwatch status exited {result.exit_code}: {result.output[-300:]}")
        else:
            reported = {r["id"] for r in json.loads(result.output)["interrupted"]}
            if reported != running:
                problems.append(f"status reports interrupted runs {sorted(reported)}, "
                                f"the warehouse has {sorted(running)} running")
    return problems, now


# -- the loop -------------------------------------------------------------------------------------
def _aim(proc: subprocess.Popen, aimed: str, server: SlowWorldBank, data_dir: Path,
         rng: random.Random, timeout: float = 60) -> str:
    """Wait for ``aimed`` to begin, wait a seeded moment into it, kill; return the phase hit."""
    serving, lock = data_dir / "serving", data_dir / "warehouse.lock"
    deadline = time.monotonic() + timeout
    answers = server.answers
    requests = server.requests_seen
    started = False
    pause = 0.0
    while time.monotonic() < deadline and proc.poll() is None:
        if aimed == "fetch":
            started, pause = server.in_flight > 0, rng.uniform(0, ANSWER_DELAY * 0.8)
        elif aimed == "upsert":
            started, pause = server.answers > answers and server.in_flight == 0, rng.uniform(0, 0.01)
            requests = server.requests_seen
        elif aimed == "score write":
            started = _holds_lock(lock, proc.pid) and not _staging(serving, proc.pid)
            pause = rng.uniform(0, 0.1)
        else:
            started, pause = _staging(serving, proc.pid), rng.uniform(0, 0.03)
        if started:
            break
        time.sleep(0.001)
    if not started:
        proc.kill()
        proc.wait()
        return "finished first"
    time.sleep(pause)
    # the phase going on at the kill, seen from outside
    if _staging(serving, proc.pid):
        hit = "snapshot publish"
    elif server.in_flight:
        hit = "fetch"
    elif aimed == "upsert" and server.requests_seen == requests:
        hit = "upsert"
    elif aimed == "score write" and _holds_lock(lock, proc.pid):
        hit = "score write"
    else:
        hit = "between phases"
    with contextlib.suppress(ProcessLookupError):  # it may have just finished
        os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    return hit if proc.returncode == -signal.SIGKILL else "finished first"


def run(kills: int = 50, seed: int = 16, log=print) -> tuple[list[Kill], list[str]]:
    """``kills`` seeded kills; returns them and the problems found (empty when none)."""
    rng = random.Random(seed)
    problems: list[str] = []
    done: list[Kill] = []
    with tempfile.TemporaryDirectory(prefix="roamwatch-crash-") as tmp, SlowWorldBank() as server:
        data_dir = Path(tmp) / "data"
        env = _env(data_dir, server.url)
        first = subprocess.run([sys.executable, "-m", "roamwatch.cli", "collect", "worldbank"],
                               cwd=REPO, env=env, capture_output=True, text=True, timeout=600)
        if first.returncode != 0:
            raise RuntimeError(f"the first collection failed: {first.stdout}{first.stderr}")
        baseline = counts(data_dir / "warehouse.duckdb")
        before = baseline
        for number in range(1, kills + 1):
            aimed = PHASES[(number - 1) % len(PHASES)]
            scores = aimed == "score write" or (aimed == "snapshot publish" and number % 8 == 0)
            command = ["scores"] if scores else ["collect", "worldbank", "--full", "--no-progress"]
            started = time.monotonic()
            proc = _spawn(command, env)
            hit = _aim(proc, aimed, server, data_dir, rng)
            kill = Kill(number, " ".join(command), aimed, hit, time.monotonic() - started)
            kill.checks, before = check(data_dir, before)
            done.append(kill)
            problems += [f"kill {number} ({aimed}, hit {hit}): {p}" for p in kill.checks]
            log(f"kill {number:3d} {kill.command:<34} aimed {aimed:<17} hit {hit:<17} "
                f"{kill.after:5.2f} s  {'OK' if not kill.checks else kill.checks}")
            if number % 10 == 0 or number == kills:
                for args in (["collect", "worldbank", "--no-progress"], ["scores"]):
                    clean = subprocess.run([sys.executable, "-m", "roamwatch.cli", *args], cwd=REPO,
                                           env=env, capture_output=True, text=True, timeout=600)
                    if clean.returncode != 0:
                        problems.append(f"after kill {number}: `roamwatch {' '.join(args)}` exited "
                                        f"{clean.returncode}: {(clean.stdout + clean.stderr)[-400:]}")
                extra, before = check(data_dir, before)
                problems += [f"after kill {number}, clean runs: {p}" for p in extra]
                if (before["values"], before["observation"]) != (baseline["values"], baseline["observation"]):
                    problems.append(f"after kill {number}: the observations differ from the first run's")
                log(f"clean runs after kill {number}: {extra or 'OK'}")
    return done, problems


def summary(kills: list[Kill]) -> Counter:
    return Counter((k.aimed, k.hit) for k in kills)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kills", type=int, default=int(os.environ.get("ROAMWATCH_CRASH_KILLS", 50)))
    parser.add_argument("--seed", type=int, default=int(os.environ.get("ROAMWATCH_CRASH_SEED", 16)))
    args = parser.parse_args(argv)
    kills, problems = run(args.kills, args.seed)
    for (aimed, hit), n in sorted(summary(kills).items()):
        print(f"aimed at {aimed:<17} hit {hit:<17} {n}")
    print("\n".join(problems) or f"{len(kills)} kills, every check passed")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
