"""One writer at a time, readers on published snapshots, recovery after kill -9, reader leases.

Real processes throughout: ``roamwatch collect`` writers, a reader process in a tight loop.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from roamwatch.warehouse import leases
from roamwatch.warehouse.snapshot import current_snapshot_id, publish
from roamwatch.warehouse.store import Warehouse
from tests.helpers import query, wait_for
from tests.servers.base import Reply
from tests.servers.worldbank import ECONOMIES, FIRST_YEAR, LAST_YEAR, value_for

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from roamwatch.cli import main; main()"]
A, B = "IT.NET.USER.ZS", "IT.CEL.SETS.P2"


def indicator_setting(code: str) -> str:
    return f'indicators=[{{code="{code}", name="{code}", unit="%"}}]'


def expected_rows(code: str) -> int:
    return sum(value_for(code, e[0], y) is not None
               for e in ECONOMIES for y in range(FIRST_YEAR, LAST_YEAR + 1))


def start(env, *args):
    return subprocess.Popen([*CLI, *args], env=env, cwd=ROOT, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)


def finish(proc, timeout=60):
    out, err = proc.communicate(timeout=timeout)
    return proc.returncode, out, err


def test_two_writers_started_together_both_land(proc_env, wb_server, tmp_path):
    # The first writer's first data request is slow; the second starts once the first holds
    # the writer lock, so the two certainly overlap however loaded the machine is.
    wb_server.fail("indicator/", Reply(status=503, headers={"Retry-After": "0"}, delay=5.0))
    first = start(proc_env, "collect", "worldbank", "--set", indicator_setting(A))
    lock = tmp_path / "data" / "warehouse.lock"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and not (lock.exists() and lock.read_text().strip()):
        time.sleep(0.05)
    second = start(proc_env, "collect", "worldbank", "--set", indicator_setting(B))
    (code1, _, err1), (code2, _, err2) = finish(first), finish(second)
    assert (code1, code2) == (0, 0), err1 + err2
    assert "waiting for the warehouse writer lock held by pid" in err1 + err2
    rows = query(tmp_path / "data" / "warehouse.duckdb",
                 """SELECT r.id, r.status, r.rows_written, o.metric, count(*), count(DISTINCT o.run_id)
                    FROM collector_run r JOIN observation o ON o.run_id = r.id
                    GROUP BY ALL ORDER BY o.metric""")
    assert {(status, metric) for _, status, _, metric, _, _ in rows} == {
        ("success", f"worldbank.{B}"), ("success", f"worldbank.{A}")}
    for _, _, written, metric, count, runs in rows:
        assert written == count == expected_rows(metric.split(".", 1)[1]) and runs == 1
    values = query(tmp_path / "data" / "warehouse.duckdb",
                   "SELECT metric, country, period, value FROM observation")
    assert len(values) == expected_rows(A) + expected_rows(B)
    for metric, country, period, value in values:
        assert value == value_for(metric.split(".", 1)[1], country, int(period))


READER = r"""
import json, sys, time
from pathlib import Path
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import NoSnapshot
from tests.servers.worldbank import value_for

serving, stop, expected = Path(sys.argv[1]), Path(sys.argv[2]), json.loads(sys.argv[3])
# Exact and order-independent (a float sum over several files may differ in its last bits).
CHECKSUM = "SELECT count(*), bit_xor(hash(metric, country, period, value)) FROM observation"
errors, seen, n, deadline = [], set(), 0, time.monotonic() + 40
while not stop.exists() and time.monotonic() < deadline and n < 100000:
    try:
        with Reader.open(serving) as r:
            q = lambda sql: r.con.cursor().execute(sql).fetchall()
            seen.add(r.snapshot_id)
            n += 1
            total = q(CHECKSUM)
            running = q("SELECT count(*) FROM collector_run WHERE status NOT IN ('success')")
            if running[0][0]:
                errors.append(f"{r.snapshot_id}: unfinished or failed runs {running}")
            orphans = q("SELECT count(*) FROM observation o ANTI JOIN collector_run c ON c.id = o.run_id")
            if orphans[0][0]:
                errors.append(f"{r.snapshot_id}: observations of unknown runs")
            per_metric = q("SELECT metric, count(*), count(DISTINCT run_id), max(run_id) "
                           "FROM observation GROUP BY metric")
            for metric, count, runs, run_id in per_metric:
                if count != expected[metric] or runs != 1:
                    errors.append(f"{r.snapshot_id}: {metric} has {count} rows from {runs} runs")
                written = q(f"SELECT rows_written FROM collector_run WHERE id = {run_id}")[0][0]
                if written < count:
                    errors.append(f"{r.snapshot_id}: run {run_id} wrote {written} < {count}")
            if n % 10 == 0:
                for metric, country, period, value in q(
                        "SELECT metric, country, period, value FROM observation"):
                    if value != value_for(metric.split('.', 1)[1], country, int(period)):
                        errors.append(f"{r.snapshot_id}: wrong value {metric} {country} {period}")
                        break
            if q(CHECKSUM) != total:
                errors.append(f"{r.snapshot_id}: data changed under an open reader")
    except NoSnapshot:
        time.sleep(0.01)
    except Exception as exc:
        errors.append(f"{type(exc).__name__}: {exc}")
print(json.dumps({"iterations": n, "snapshots": sorted(seen), "errors": errors[:20],
                  "error_count": len(errors)}))
"""


def test_reader_in_a_tight_loop_while_writers_publish(proc_env, tmp_path):
    serving = tmp_path / "data" / "serving"
    stop = tmp_path / "stop"
    expected = {f"worldbank.{A}": expected_rows(A), f"worldbank.{B}": expected_rows(B)}
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(serving), str(stop), json.dumps(expected)],
        env=proc_env, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        for _ in range(3):  # rounds of two concurrent writers, each rewriting its whole metric
            writers = [start(proc_env, "collect", "worldbank", "--full", "--set", indicator_setting(c))
                       for c in (A, B)]
            for w in writers:
                code, _, err = finish(w)
                assert code == 0, err
    finally:
        stop.touch()
        out, err = reader.communicate(timeout=60)
    assert reader.returncode == 0, err
    report = json.loads(out)
    assert report["error_count"] == 0, report["errors"]
    assert report["iterations"] >= 20
    assert len(report["snapshots"]) >= 3  # it really read while snapshots were being published
    print(f"reader: {report['iterations']} reads over {len(report['snapshots'])} snapshots")


def test_kill_9_mid_run_recovers(proc_env, wb_server, tmp_path):
    warehouse = tmp_path / "data" / "warehouse.duckdb"
    done = subprocess.run([*CLI, "collect", "worldbank"], env=proc_env, cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    before = query(warehouse, "SELECT metric, country, period, value FROM observation ORDER BY ALL")
    assert before

    wb_server.fail(B, Reply(status=200, body=b"[]", delay=15))
    victim = start(proc_env, "collect", "worldbank", "--full")
    wait_for(lambda: sum(B in r for r in wb_server.requests) >= 2, 30, "the slow request")
    time.sleep(0.3)
    os.kill(victim.pid, signal.SIGKILL)
    assert victim.wait(timeout=10) == -signal.SIGKILL

    started = time.monotonic()
    again = subprocess.run([*CLI, "collect", "worldbank"], env=proc_env, cwd=ROOT,
                           capture_output=True, text=True, timeout=60)
    assert again.returncode == 0, again.stderr
    assert "waiting for the warehouse writer lock" not in again.stderr
    assert "marked 1 interrupted run(s) as failed" in again.stderr
    assert time.monotonic() - started < 15
    runs = query(warehouse, "SELECT id, status, error, pid FROM collector_run ORDER BY id")
    assert [(r[0], r[1]) for r in runs] == [(1, "success"), (2, "failed"), (3, "success")]
    assert runs[1][2].startswith("interrupted") and runs[1][3] == victim.pid
    after = query(warehouse, "SELECT metric, country, period, value FROM observation ORDER BY ALL")
    assert after == before  # the same upstream data: nothing lost, nothing duplicated
    status = subprocess.run([*CLI, "status", "--json"], env=proc_env, cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    assert json.loads(status.stdout)["collectors"][0]["run_id"] == 3


# -- reader leases ---------------------------------------------------------------------------------
HOLDER = r"""
import sys
from pathlib import Path
from roamwatch.warehouse import leases
lease, con = leases.open_leased(Path(sys.argv[1]))
print(lease.snapshot_id, flush=True)
sys.stdin.readline()
print(con.execute("SELECT count(*) FROM country").fetchone()[0], flush=True)
con.close()
lease.release()
"""


def test_prune_skips_snapshots_being_read(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "warehouse.duckdb") as wh:
        first = publish(wh.con, serving, keep=100)
        leases.create_lease_file(serving / first)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(serving)], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            assert holder.stdout.readline().strip() == first
            assert leases.in_use(serving / first)
            for _ in range(3):
                time.sleep(0.002)
                wh.con.execute("UPDATE country SET updated_at = now()::TIMESTAMP WHERE iso3 = 'KEN'")
                publish(wh.con, serving, keep=100)
            (serving / ".staging-999999999-1").mkdir()  # left by a publisher that died
            (serving / ".CURRENT.999999999").write_text("x")
            result = leases.prune(serving, keep=1)
            assert result.in_use == [first]
            assert len(result.removed) == 2
            assert not (serving / ".staging-999999999-1").exists()
            assert not (serving / ".CURRENT.999999999").exists()
            assert sorted(p.name for p in serving.iterdir() if not p.name.startswith(".")) == sorted(
                [first, current_snapshot_id(serving), "CURRENT", "parts"])
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert int(holder.stdout.readline()) > 200  # the leased snapshot is still readable
        finally:
            holder.stdin.close()
            holder.wait(timeout=10)
        assert not leases.in_use(serving / first)
        assert leases.prune(serving, keep=1).removed == [first]
        with leases.acquire(serving) as lease:
            assert lease.snapshot_id == current_snapshot_id(serving) and lease.fd is not None
