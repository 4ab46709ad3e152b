"""Incremental snapshots: parts written once and shared, read by a second engine, pruned by
reference, and safe against a publisher killed mid-way and readers holding an old snapshot.

Real processes where it matters: a publisher killed with SIGKILL, a reader process on an old
snapshot while newer ones are published and pruned.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pyarrow.dataset as ds
import pytest

from roamwatch.warehouse import leases
from roamwatch.warehouse.layout import PARTS, is_snapshot_dir, read_manifest
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import PUBLISHED_TABLES, current_snapshot_id, publish
from roamwatch.warehouse.store import MetricInfo, Warehouse

ROOT = Path(__file__).resolve().parent.parent
SOURCES = ("alpha", "beta", "gamma")


def metrics() -> list[MetricInfo]:
    out = [MetricInfo(f"{s}.m{i}", s, f"m{i}", f"{s} metric {i}", "%", "year")
           for s in SOURCES for i in range(3)]
    out.append(MetricInfo("gamma.daily", "gamma", "daily", "a daily count", "count", "day"))
    return out


def yearly(source: str, shift: float = 0.0, years=range(1995, 2025)) -> pd.DataFrame:
    rows = [(f"{source}.m{i}", c, str(y), pd.Timestamp(f"{y}-01-01"), float(i + y % 7) + shift)
            for i in range(3) for c in ("KEN", "UGA", "FRA", "IND") for y in years]
    return pd.DataFrame(rows, columns=["metric", "country", "period", "period_start", "value"])


def daily(days: int = 400, shift: float = 0.0) -> pd.DataFrame:
    dates = pd.date_range("2023-06-01", periods=days, freq="D")
    rows = [("gamma.daily", c, d.strftime("%Y-%m-%d"), d, float(d.day) + shift)
            for c in ("KEN", "UGA") for d in dates]
    return pd.DataFrame(rows, columns=["metric", "country", "period", "period_start", "value"])


def fill(wh: Warehouse) -> None:
    wh.upsert_metrics(metrics())
    with wh.transaction():
        for s in SOURCES:
            wh.upsert_observations(yearly(s), 1)
        wh.upsert_observations(daily(), 1)


def table_checksums(con) -> dict[str, tuple[int, int]]:
    """Per table: row count and an order-independent hash of every row."""
    out = {}
    for table in PUBLISHED_TABLES:
        out[table] = tuple(con.execute(
            f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {table} t").fetchone())
    return out


def checksum(table) -> str:
    """SHA-256 of the rows (already sorted) as JSON."""
    return hashlib.sha256(json.dumps(table.to_pylist(), default=str).encode()).hexdigest()


def snapshot_dirs(serving: Path) -> list[str]:
    return sorted(p.name for p in serving.iterdir() if is_snapshot_dir(p))


def parts_on_disk(serving: Path) -> set[str]:
    return {f"{p.parent.name}/{p.name}" for p in (serving / PARTS).glob("*/*.parquet")}


def test_publishing_after_a_one_source_change_writes_that_source_only(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        first_stats, second_stats = {}, {}
        first = publish(wh.con, serving, stats=first_stats)
        before = read_manifest(serving / first)
        # Decades 1990s, 2000s, 2010s, 2020s per yearly source; two years of the daily one.
        obs_parts = {f["part"] for f in before["tables"]["observation"]["files"]}
        assert obs_parts == {f"{s}-{d}s" for s in SOURCES for d in (1990, 2000, 2010, 2020)} | {
            "gamma-2023", "gamma-2024"}
        assert first_stats["reused"] == 0
        with wh.transaction():
            wh.upsert_observations(yearly("beta", shift=0.5, years=range(2021, 2025)), 2)
        second = publish(wh.con, serving, stats=second_stats)
    after = read_manifest(serving / second)
    changed = {(t, f["part"]) for t, e in after["tables"].items() for f in e["files"]} - {
        (t, f["part"]) for t, e in before["tables"].items() for f in e["files"]}
    assert changed == set()  # the same parts ...
    rewritten = {(t, f["part"]) for t, e in after["tables"].items() for f in e["files"]
                 if f not in before["tables"][t]["files"]}
    assert rewritten == {("observation", "beta-2020s")}  # ... and only the changed one rewritten
    assert second_stats["written"] == 1
    assert second_stats["reused"] == sum(len(e["files"]) for e in after["tables"].values()) - 1
    # An unchanged part is the very same file in both snapshots (a hard link, not a copy).
    same = before["tables"]["observation"]["files"][0]["path"]
    assert os.stat(serving / first / same).st_ino == os.stat(serving / second / same).st_ino
    assert first.split("-")[1] != second.split("-")[1]  # the id hashes the content
    with Reader.open(serving) as r:
        got = r.observations(["beta.m0"], ["KEN"], 2021, 2024)
    assert list(got["value"]) == [float(y % 7) + 0.5 for y in range(2021, 2025)]


def test_same_content_gives_the_same_hash_and_rows_written_around_the_store_are_published(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        first = publish(wh.con, serving)
        time.sleep(0.002)
        again_stats = {}
        again = publish(wh.con, serving, stats=again_stats)
        assert again_stats["written"] == 0 and first.split("-")[1] == again.split("-")[1]
        # A row inserted without the store (so its part is not marked): the row count gives it
        # away and the table is written in full.
        wh.con.execute("INSERT INTO observation VALUES ('alpha.m0', 'EST', '2001', DATE '2001-01-01', "
                       "42.0, 3, now()::TIMESTAMP)")
        publish(wh.con, serving)
        # A new column (a migration): every part of that table is written again with it.
        wh.con.execute("ALTER TABLE event ADD COLUMN quality VARCHAR")
        schema_stats = {}
        publish(wh.con, serving, stats=schema_stats)
        assert schema_stats["written"] == 1  # the (empty) event table
    with Reader.open(serving) as r:
        assert r.observations(["alpha.m0"], ["EST"])["value"].tolist() == [42.0]
        assert "quality" in r.con.execute("SELECT * FROM event").df().columns


def test_a_second_engine_reads_a_snapshot_identically(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        wh.upsert_events(pd.DataFrame([
            {"id": "ioda-1", "source": "ioda", "country": "KEN", "kind": "outage",
             "start_time": pd.Timestamp("2024-01-02 03:00"), "end_time": None,
             "severity": 0.5, "details": {"note": "x"}}]), 1)
        sid = publish(wh.con, serving)
    manifest = read_manifest(serving / sid)
    with Reader.open(serving) as r:
        for table in ("observation", "event", "country", "metric"):
            ours = r.con.execute(f"SELECT * FROM {table}").to_arrow_table()
            # pyarrow alone, pointed at the snapshot's directory of the table: no roamwatch code.
            theirs = ds.dataset(serving / sid / table, format="parquet").to_table()
            assert theirs.schema.names == ours.schema.names
            assert theirs.num_rows == ours.num_rows == manifest["tables"][table]["rows"]
            keys = [(c, "ascending") for c in ours.schema.names]
            theirs, ours = theirs.sort_by(keys), ours.sort_by(keys)
            for name in ours.schema.names:  # same values, column by column
                assert theirs[name].equals(ours[name].cast(theirs[name].type)), (table, name)
            assert checksum(theirs) == checksum(ours), table
    for entry in manifest["tables"].values():
        for f in entry["files"]:
            digest = hashlib.sha256((serving / sid / f["path"]).read_bytes()).hexdigest()
            assert digest == f["sha256"] and f["path"].split("-")[-1] == digest[:16] + ".parquet"


def test_pruning_removes_only_parts_no_kept_snapshot_lists_and_five_snapshots_stay_small(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        ids = [publish(wh.con, serving, keep=5)]
        one = sum((serving / PARTS / p).stat().st_size for p in parts_on_disk(serving))
        for run in range(2, 8):  # small changes: one year of one source each time
            with wh.transaction():
                wh.upsert_observations(yearly("alpha", shift=run, years=[2024]), run)
            ids.append(publish(wh.con, serving, keep=5))
    kept = snapshot_dirs(serving)
    assert kept == sorted(ids[-5:])
    needed = set().union(*({f["path"] for e in read_manifest(serving / s)["tables"].values()
                            for f in e["files"]} for s in kept))
    assert parts_on_disk(serving) == needed  # nothing unreferenced left, nothing referenced gone
    five = sum((serving / PARTS / p).stat().st_size for p in parts_on_disk(serving))
    assert five <= 1.5 * one, (five, one)


HOLDER = r"""
import sys
from pathlib import Path
from roamwatch.warehouse.queries import Reader
def sums(r):
    return [r.con.execute(f"SELECT count(*), coalesce(bit_xor(hash(t)), 0) FROM {t} t").fetchone()
            for t in ("observation", "metric", "country", "score")]
r = Reader.open(Path(sys.argv[1]))
print(r.snapshot_id, sums(r), flush=True)
sys.stdin.readline()
print(r.snapshot_id, sums(r), flush=True)
r.close()
"""


def test_a_reader_on_snapshot_n_keeps_reading_it_while_newer_ones_are_published_and_pruned(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        first = publish(wh.con, serving, keep=1)
        holder = subprocess.Popen([sys.executable, "-c", HOLDER, str(serving)], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        try:
            seen = holder.stdout.readline().split(" ", 1)
            assert seen[0] == first
            first_parts = {f["path"] for e in read_manifest(serving / first)["tables"].values()
                           for f in e["files"]}
            for run in range(2, 5):  # every part of the observations changes each time
                with wh.transaction():
                    for s in SOURCES:
                        wh.upsert_observations(yearly(s, shift=run), run)
                    wh.upsert_observations(daily(shift=run), run)
                publish(wh.con, serving, keep=1)
            assert snapshot_dirs(serving) == sorted([first, current_snapshot_id(serving)])
            assert first_parts <= parts_on_disk(serving)  # the lease keeps its parts too
            holder.stdin.write("\n")
            holder.stdin.flush()
            assert holder.stdout.readline().split(" ", 1) == seen  # same rows, same checksums
        finally:
            holder.stdin.close()
            holder.wait(timeout=20)
        assert holder.returncode == 0
        publish(wh.con, serving, keep=1)
    assert snapshot_dirs(serving) == [current_snapshot_id(serving)]
    assert not first_parts & parts_on_disk(serving) - {  # gone, except parts still shared
        f["path"] for e in read_manifest(serving / current_snapshot_id(serving))["tables"].values()
        for f in e["files"]}


PUBLISHER = r"""
import sys
from pathlib import Path
import pandas as pd
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse
from tests.test_snapshot_layout import SOURCES, daily, yearly
with Warehouse(Path(sys.argv[1])) as wh:
    with wh.transaction():
        for s in SOURCES:
            wh.upsert_observations(yearly(s, shift=100), 9)
        wh.upsert_observations(daily(days=3000, shift=100), 9)
    print("publishing", flush=True)
    publish(wh.con, Path(sys.argv[2]))
"""


def test_kill_9_during_a_publish_leaves_the_previous_snapshot_current_and_complete(tmp_path):
    serving = tmp_path / "serving"
    warehouse = tmp_path / "w.duckdb"
    with Warehouse(warehouse) as wh:
        fill(wh)
        first = publish(wh.con, serving)
    with Reader.open(serving) as r:
        expected = table_checksums(r.con)
    victim = subprocess.Popen([sys.executable, "-c", PUBLISHER, str(warehouse), str(serving)],
                              cwd=ROOT, stdout=subprocess.PIPE, text=True)
    try:
        assert victim.stdout.readline().strip() == "publishing"
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                p.name.startswith(".staging-") for p in serving.iterdir()):
            time.sleep(0.001)
        os.kill(victim.pid, signal.SIGKILL)
    finally:
        victim.wait(timeout=20)
    assert victim.returncode == -signal.SIGKILL
    assert current_snapshot_id(serving) == first
    with Reader.open(serving) as r:  # the previous snapshot, whole
        assert r.snapshot_id == first and table_checksums(r.con) == expected
    left = [p.name for p in serving.iterdir() if p.name.startswith(".staging-")]
    assert left, "the publisher was killed before it started staging"
    with Warehouse(warehouse) as wh:  # the next writer publishes what was committed and cleans up
        second = publish(wh.con, serving)
        (value,) = wh.con.execute("SELECT value FROM observation WHERE metric = 'alpha.m1' "
                                  "AND country = 'KEN' AND period = '2020'").fetchone()
    assert second != first and value == 1 + 2020 % 7 + 100
    assert not [p for p in serving.iterdir() if p.name.startswith((".staging-", ".trash-"))]
    assert not list((serving / PARTS).glob(".tmp-*"))
    needed = set().union(*({f["path"] for e in read_manifest(serving / s)["tables"].values()
                            for f in e["files"]} for s in snapshot_dirs(serving)))
    assert parts_on_disk(serving) == needed
    with Reader.open(serving) as r:
        assert r.observations(["alpha.m1"], ["KEN"], 2020, 2020)["value"].tolist() == [value]


def test_snapshots_of_the_layout_before_manifests_are_still_read(tmp_path):
    serving = tmp_path / "serving"
    old = serving / "20240101T000000000Z-0123abcd"
    old.mkdir(parents=True)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        fill(wh)
        for table in PUBLISHED_TABLES:
            wh.con.execute(f"COPY {table} TO '{old / (table + '.parquet')}' (FORMAT parquet)")
    (serving / "CURRENT").write_text(old.name + "\n")
    with Reader.open(serving) as r:
        assert r.snapshot_id == old.name
        assert len(r.observations(["alpha.*"])) == len(yearly("alpha"))
    with leases.acquire(serving) as lease:
        assert lease.directory == old


@pytest.mark.parametrize("table", ["source_coverage_probe"])
def test_a_table_added_to_published_tables_is_published_as_one_part(tmp_path, monkeypatch, table):
    from roamwatch.warehouse import snapshot

    monkeypatch.setattr(snapshot, "PUBLISHED_TABLES", (*snapshot.PUBLISHED_TABLES, table))
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.con.execute(f"CREATE TABLE {table} (source VARCHAR, first_day DATE)")
        wh.con.execute(f"INSERT INTO {table} VALUES ('ioda', DATE '2022-01-01'), ('ooni', NULL)")
        sid = publish(wh.con, serving)
    assert len(read_manifest(serving / sid)["tables"][table]["files"]) == 1
    with Reader.open(serving) as r:
        assert r.con.execute(f"SELECT count(*) FROM {table}").fetchone()[0] == 2
    assert json.loads((serving / sid / "manifest.json").read_text())["snapshot_id"] == sid
