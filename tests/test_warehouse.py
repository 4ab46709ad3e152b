"""Warehouse: schema version, transactions, writer lock, snapshots."""

from __future__ import annotations

import multiprocessing
import time

import duckdb
import pandas as pd
import pytest

from roamwatch.warehouse import schema
from roamwatch.warehouse.layout import is_snapshot_dir
from roamwatch.warehouse.lock import LockTimeout, writer_lock
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import NoSnapshot, current_snapshot_id, publish
from roamwatch.warehouse.store import MetricInfo, Warehouse


def obs(rows):
    return pd.DataFrame(rows, columns=["metric", "country", "period", "period_start", "value"])


METRIC = MetricInfo("test.m", "test", "m", "M", "%", "year")


def test_schema_created_with_version_and_countries(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert schema.current_version(wh.con) == schema.SCHEMA_VERSION
        tables = {r[0] for r in wh.con.execute("SELECT table_name FROM duckdb_tables()").fetchall()}
        assert {"country", "source", "metric", "observation", "event", "collector_run", "score"} <= tables
        names = dict(wh.con.execute("SELECT iso3, name_fr FROM country").fetchall())
        assert names["DEU"] == "Allemagne" and "XKX" in names


def test_reopening_does_not_migrate_twice(tmp_path):
    Warehouse(tmp_path / "w.duckdb").close()
    with Warehouse(tmp_path / "w.duckdb") as wh:
        assert wh.con.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(schema.MIGRATIONS)


def test_newer_schema_is_refused(tmp_path):
    path = tmp_path / "w.duckdb"
    Warehouse(path).close()
    con = duckdb.connect(str(path))
    con.execute("INSERT INTO schema_version VALUES (999, 'future', now()::TIMESTAMP)")
    con.close()
    with pytest.raises(RuntimeError, match="newer than this roamwatch"):
        Warehouse(path)


def test_failed_transaction_leaves_previous_rows(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.upsert_metrics([METRIC])
        with wh.transaction():
            wh.upsert_observations(obs([["test.m", "KEN", "2020", pd.Timestamp("2020-01-01"), 1.0]]), 1)
        with pytest.raises(RuntimeError), wh.transaction():
            wh.upsert_observations(
                obs(
                    [
                        ["test.m", "KEN", "2020", pd.Timestamp("2020-01-01"), 2.0],
                        ["test.m", "UGA", "2020", pd.Timestamp("2020-01-01"), 3.0],
                    ]
                ),
                2,
            )
            raise RuntimeError("crash mid-write")
        rows = wh.con.execute("SELECT country, value, run_id FROM observation").fetchall()
        assert rows == [("KEN", 1.0, 1)]


def test_duplicate_keys_in_one_batch_keep_the_last(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        ts = pd.Timestamp("2020-01-01")
        wh.upsert_observations(
            obs([["test.m", "KEN", "2020", ts, 1.0], ["test.m", "KEN", "2020", ts, 2.0]]), 1
        )
        assert wh.con.execute("SELECT value FROM observation").fetchall() == [(2.0,)]


def _hold_lock(path, seconds, ready):
    with writer_lock(path, "test holder"):
        ready.set()
        time.sleep(seconds)


def test_second_writer_waits_then_runs(tmp_path):
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(tmp_path / "l", 1.0, ready))
    holder.start()
    ready.wait(10)
    messages = []
    started = time.monotonic()
    with writer_lock(tmp_path / "l", "second", timeout=20, on_wait=messages.append):
        waited = time.monotonic() - started
    holder.join()
    assert waited >= 0.5
    assert messages and f"pid {holder.pid}" in messages[0]


def test_writer_lock_times_out_naming_the_holder(tmp_path):
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(tmp_path / "l", 3.0, ready))
    holder.start()
    ready.wait(10)
    with pytest.raises(LockTimeout, match=f"pid {holder.pid}"), writer_lock(tmp_path / "l", "x", timeout=0.3):
        pass
    holder.join()


def test_lock_of_a_killed_process_is_taken_over(tmp_path):
    ready = multiprocessing.Event()
    holder = multiprocessing.Process(target=_hold_lock, args=(tmp_path / "l", 60, ready))
    holder.start()
    ready.wait(10)
    holder.kill()
    holder.join()
    with writer_lock(tmp_path / "l", "after kill", timeout=2):
        pass


def test_interrupted_runs_are_marked_failed(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        run_id = wh.start_run("worldbank", {})
        assert wh.mark_interrupted_runs() == 1
        row = wh.run_row(run_id)
        assert row["status"] == "failed" and "interrupted" in row["error"]


def test_snapshot_is_consistent_and_pointer_moves(tmp_path):
    serving = tmp_path / "serving"
    with pytest.raises(NoSnapshot, match="roamwatch collect"):
        Reader.open(serving)
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.upsert_metrics([METRIC])
        wh.upsert_observations(obs([["test.m", "KEN", "2020", pd.Timestamp("2020-01-01"), 1.0]]), 1)
        first = publish(wh.con, serving)
        reader = Reader.open(serving)
        wh.upsert_observations(obs([["test.m", "UGA", "2020", pd.Timestamp("2020-01-01"), 2.0]]), 2)
        second = publish(wh.con, serving)
    assert first != second and current_snapshot_id(serving) == second
    assert len(reader.observations()) == 1  # a reader stays on its snapshot
    reader.close()
    with Reader.open(serving) as fresh:
        assert fresh.snapshot_id == second and len(fresh.observations()) == 2


def test_old_snapshots_are_pruned(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        ids = []
        for i in range(4):
            wh.upsert_observations(
                obs([["test.m", "KEN", str(2000 + i), pd.Timestamp(f"{2000 + i}-01-01"), 1.0]]), 1
            )
            ids.append(publish(wh.con, serving, keep=2))
    remaining = sorted(p.name for p in serving.iterdir() if is_snapshot_dir(p))
    assert remaining == sorted(ids[-2:])


def test_a_snapshot_being_read_is_never_pruned(tmp_path):
    serving = tmp_path / "serving"
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.upsert_metrics([METRIC])
        wh.upsert_observations(obs([["test.m", "KEN", "2020", pd.Timestamp("2020-01-01"), 1.0]]), 1)
        first = publish(wh.con, serving, keep=1)
        reader = Reader.open(serving)
        for i in range(3):
            wh.upsert_observations(
                obs([["test.m", "UGA", str(2001 + i), pd.Timestamp(f"{2001 + i}-01-01"), 2.0]]), 2
            )
            publish(wh.con, serving, keep=1)
        assert (serving / first).is_dir()  # leased: kept although keep=1
        assert len(reader.observations()) == 1
        reader.close()
        publish(wh.con, serving, keep=1)
    assert not (serving / first).exists()
    assert len([p for p in serving.iterdir() if is_snapshot_dir(p)]) == 1
