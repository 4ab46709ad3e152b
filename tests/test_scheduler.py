"""``roamwatch schedule``: jobs from configuration, due rule, retries, --once, one scheduler, stop."""

from __future__ import annotations

import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click
import pytest
from apscheduler.schedulers.background import BackgroundScheduler

from roamwatch.scheduler import (
    History,
    Outcome,
    Service,
    Settings,
    cron_trigger,
    due_sources,
    plan_jobs,
    previous_fire_time,
)
from tests.helpers import config_from, query, wait_for
from tests.servers.base import Reply

ROOT = Path(__file__).resolve().parent.parent
CLI = [sys.executable, "-c", "from roamwatch.cli import main; main()"]
ONLY_WORLDBANK = '[scheduler]\nsources = ["worldbank"]\n'


def run(env, *args, timeout=60):
    return subprocess.run([*CLI, *args], env=env, cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout)


# -- cron ------------------------------------------------------------------------------------------
WEDNESDAY = datetime(2026, 11, 25, 10, 0, tzinfo=UTC)


@pytest.mark.parametrize("expr, weekday", [
    ("0 4 * * 1", 0),     # crontab 1 = Monday (APScheduler 3's own numbering would say Tuesday)
    ("0 4 * * 0", 6),     # 0 = Sunday
    ("0 4 * * 7", 6),     # 7 = Sunday too
    ("0 4 * * mon", 0),
    ("0 4 * * 5-6", 4),   # Friday
])
def test_cron_day_of_week_follows_crontab(expr, weekday):
    fire = cron_trigger(expr, UTC).get_next_fire_time(None, WEDNESDAY)
    assert fire.weekday() == weekday and (fire.hour, fire.minute) == (4, 0)


def test_cron_previous_fire_time():
    trigger = cron_trigger("0 4 * * 1", UTC)
    assert previous_fire_time(trigger, WEDNESDAY) == datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
    every_minute = cron_trigger("* * * * *", UTC)
    assert previous_fire_time(every_minute, WEDNESDAY) == WEDNESDAY
    yearly = cron_trigger("0 0 1 1 *", UTC)
    assert previous_fire_time(yearly, WEDNESDAY) == datetime(2026, 1, 1, tzinfo=UTC)


# -- jobs from configuration -----------------------------------------------------------------------
def test_jobs_registered_from_config(tmp_path):
    config = config_from(tmp_path, """
[scheduler]
sources = ["worldbank", "ooni"]
misfire_grace_time = 120
[sources.worldbank]
schedule = "15 3 * * 2"
""")
    settings = Settings.from_config(config)
    specs = plan_jobs(config, settings)
    assert [s.name for s in specs] == sorted(["worldbank", "ooni"])
    service = Service(config, specs, settings, collect=lambda name: None)
    scheduler = service.build(BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        jobs = {job.id: job for job in scheduler.get_jobs()}
        assert set(jobs) == {"worldbank", "ooni"}
        for job in jobs.values():
            assert job.coalesce is True
            assert job.max_instances == 1
            assert job.misfire_grace_time == 120
        wb = jobs["worldbank"]
        fields = {f.name: str(f) for f in wb.trigger.fields}
        assert (fields["minute"], fields["hour"], fields["day_of_week"]) == ("15", "3", "tue")
        # the ooni collector's own default schedule, no override in the configuration
        ooni_cls_schedule = config.source("ooni", __import__("collectors").get_collector("ooni").defaults)
        assert ooni_cls_schedule["schedule"] == "30 2 * * *"
        assert {f.name: str(f) for f in jobs["ooni"].trigger.fields}["hour"] == "2"
        now = datetime.now(UTC)
        assert wb.next_run_time.weekday() == 1 and wb.next_run_time > now
    finally:
        scheduler.shutdown(wait=False)


def test_disabled_and_unknown_sources(tmp_path):
    config = config_from(tmp_path, "[sources.worldbank]\nenabled = false\n")
    settings = Settings.from_config(config)
    notes = []
    assert plan_jobs(config, settings, ["worldbank"], note=notes.append) == []
    assert "disabled" in notes[0]
    with pytest.raises(click.ClickException, match="unknown collector 'nope'"):
        plan_jobs(config, settings, ["nope"])
    with pytest.raises(click.ClickException, match=r"unknown setting\(s\) colour"):
        Settings.from_config(config_from(tmp_path, "[scheduler]\ncolour = 1\n"))


@pytest.mark.parametrize("expr", ["61 * * * *", "0 4 * *", "0 4 * * 9"])
def test_bad_cron_names_the_source(tmp_path, expr):
    config = config_from(tmp_path, f'[sources.worldbank]\nschedule = "{expr}"\n')
    with pytest.raises(click.ClickException) as info:
        plan_jobs(config, Settings.from_config(config), ["worldbank"])
    assert "source worldbank" in info.value.message and expr in info.value.message


def test_bad_cron_cli_exit_code(proc_env, tmp_path):
    Path(proc_env["ROAMWATCH_CONFIG"]).write_text(
        ONLY_WORLDBANK + '[sources.worldbank]\nschedule = "0 25 * * *"\n', encoding="utf-8")
    for args in (["schedule", "--list"], ["schedule"], ["schedule", "--once"]):
        done = run(proc_env, *args)
        assert done.returncode == 1, done.stderr
        assert "source worldbank" in done.stderr and "0 25 * * *" in done.stderr
    assert not (tmp_path / "data" / "scheduler.lock").exists()


# -- due rule and retries --------------------------------------------------------------------------
def test_due_rule(tmp_path):
    settings = Settings(retry_initial=600, retry_max=3600)
    spec = plan_jobs(config_from(tmp_path, '[sources.worldbank]\nschedule = "0 4 * * 1"\n'),
                     settings, ["worldbank"])[0]
    fired = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)

    def due(history):
        return due_sources([spec], {"worldbank": history}, settings, WEDNESDAY)[0]

    assert due(History()).due                                            # never ran
    assert not due(History(last_success=fired + timedelta(hours=1))).due  # ran since the fire
    assert due(History(last_success=fired - timedelta(hours=1))).due      # last ran before it
    recent_failure = History(fired - timedelta(days=7), 1, WEDNESDAY - timedelta(minutes=5))
    assert not due(recent_failure).due and "next retry" in due(recent_failure).reason
    assert due(History(fired - timedelta(days=7), 1, WEDNESDAY - timedelta(minutes=11))).due
    # three failures: 600 * 2**2 = 2400 s, capped at 3600
    assert not due(History(None, 3, WEDNESDAY - timedelta(minutes=39))).due
    assert due(History(None, 3, WEDNESDAY - timedelta(minutes=41))).due
    assert settings.retry_delay(10) == 3600


def test_failed_job_is_retried_with_backoff(tmp_path):
    config = config_from(tmp_path, """
[scheduler]
retry_initial = 60
retry_max = 200
[sources.worldbank]
schedule = "0 4 1 1 *"
""")
    settings = Settings.from_config(config)
    specs = plan_jobs(config, settings, ["worldbank"])
    answers = []
    service = Service(config, specs, settings, collect=lambda name: answers.pop(0))
    scheduler = service.build(BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        delays = []
        for _ in range(4):
            answers.append(Outcome("worldbank", error="boom"))
            before = datetime.now(UTC)
            service.run_source("worldbank")
            retry = scheduler.get_job("worldbank.retry")
            assert retry is not None and retry.misfire_grace_time == settings.misfire_grace_time
            delays.append(round((retry.next_run_time - before).total_seconds()))
        assert delays == [60, 120, 200, 200]
        answers.append(Outcome("worldbank", results=[{"status": "success", "rows_written": 3}]))
        service.run_source("worldbank")
        assert scheduler.get_job("worldbank.retry") is None and service.failures == {}
        # a crashing job is logged and retried, never raised into the scheduler
        service.collect = lambda name: 1 / 0
        service.run_source("worldbank")
        assert scheduler.get_job("worldbank.retry") is not None
    finally:
        scheduler.shutdown(wait=False)


def test_no_retry_when_the_regular_run_comes_first(tmp_path):
    config = config_from(tmp_path, '[sources.worldbank]\nschedule = "* * * * *"\n')
    settings = Settings.from_config(config)
    service = Service(config, plan_jobs(config, settings, ["worldbank"]), settings,
                      collect=lambda name: Outcome(name, error="boom"))
    scheduler = service.build(BackgroundScheduler)
    scheduler.start(paused=True)
    try:
        service.run_source("worldbank")
        assert scheduler.get_job("worldbank.retry") is None and service.failures == {"worldbank": 1}
    finally:
        scheduler.shutdown(wait=False)


# -- real processes --------------------------------------------------------------------------------
def test_once_runs_due_sources_and_status_shows_them(proc_env, tmp_path):
    done = run(proc_env, "schedule", "--once")
    assert done.returncode == 0, done.stderr
    assert "worldbank: due (never ran)" in done.stderr
    assert "worldbank: success" in done.stderr
    status = run(proc_env, "status")
    assert status.returncode == 0, status.stderr
    assert "worldbank" in status.stdout and "success" in status.stdout
    again = run(proc_env, "schedule", "--once")
    assert again.returncode == 0 and "nothing is due" in again.stderr
    listing = run(proc_env, "schedule", "--list")
    assert listing.returncode == 0
    assert "worldbank" in listing.stdout and "next run" in listing.stdout
    assert "not due (up to date)" in listing.stdout
    forced = run(proc_env, "schedule", "--once", "--force")
    assert forced.returncode == 0 and "run 2" in forced.stderr
    log = (tmp_path / "data" / "roamwatch.log").read_text(encoding="utf-8")
    assert log.count("worldbank: success") == 2 and "scheduler lock released" in log
    runs = query(tmp_path / "data" / "warehouse.duckdb",
                 "SELECT id, status FROM collector_run ORDER BY id")
    assert runs == [(1, "success"), (2, "success")]


def test_once_failure_exit_code(proc_env, wb_server):
    wb_server.fail("/v2/country?", Reply(status=500), times=100)
    done = run(proc_env, "schedule", "--once")
    assert done.returncode == 1
    assert "worldbank: failed" in done.stderr
    # the failure is in the published data, and the backoff keeps --once from hammering the source
    again = run(proc_env, "schedule", "--once")
    assert again.returncode == 0 and "next retry" in again.stderr


def start_scheduler(env, log_path: Path):
    fh = log_path.open("w")
    proc = subprocess.Popen([*CLI, "schedule"], env=env, cwd=ROOT, stdout=fh,
                            stderr=subprocess.STDOUT, text=True)
    return proc, fh


def test_one_scheduler_at_a_time_and_clean_stop(proc_env, tmp_path):
    data = tmp_path / "data"
    proc, fh = start_scheduler(proc_env, tmp_path / "first.log")
    try:
        log = data / "roamwatch.log"
        wait_for(lambda: log.exists() and "worldbank: finished" in log.read_text(), 30,
                 "the catch-up run")
        second = run(proc_env, "schedule")
        assert second.returncode == 1
        assert f"pid {proc.pid}" in second.stderr and "another roamwatch scheduler" in second.stderr
        once = run(proc_env, "schedule", "--once")
        assert once.returncode == 1 and f"pid {proc.pid}" in once.stderr
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=15) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
        fh.close()
    text = (data / "roamwatch.log").read_text()
    assert "worldbank: success" in text
    assert "received SIGTERM: stopping" in text and "stopped; scheduler lock released" in text
    # the lock is free again
    assert run(proc_env, "schedule", "--once").returncode == 0


def test_sigterm_mid_run_rolls_back_and_releases_locks(proc_env, wb_server, tmp_path):
    data = tmp_path / "data"
    wb_server.fail("IT.NET.USER.ZS", Reply(status=200, body=b"[]", delay=20))
    proc, fh = start_scheduler(proc_env, tmp_path / "first.log")
    try:
        wait_for(lambda: any("IT.NET.USER.ZS" in r for r in wb_server.requests), 30,
                 "the slow request")
        time.sleep(0.2)
        proc.send_signal(signal.SIGTERM)
        started = time.monotonic()
        assert proc.wait(timeout=15) == 0
        assert time.monotonic() - started < 10  # did not wait for the 20 s reply
    finally:
        if proc.poll() is None:
            proc.kill()
        fh.close()
    text = (data / "roamwatch.log").read_text()
    assert "interrupting the collector in progress" in text
    assert "stopped; scheduler lock released" in text
    rows = query(data / "warehouse.duckdb", "SELECT status, error FROM collector_run")
    assert rows == [("failed", "interrupted by the user")]
    # writer lock and scheduler lock are free: a collection starts at once and succeeds
    done = run(proc_env, "collect", "worldbank")
    assert done.returncode == 0, done.stderr
    assert "waiting for the warehouse writer lock" not in done.stderr


def test_after_collection_hook(tmp_path, monkeypatch):
    from types import SimpleNamespace

    import roamwatch.scheduler as sched

    package = tmp_path / "fake_scores_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "cli.py").write_text(
        "calls = []\ndef recompute_scores(config):\n    calls.append(config)\n    return 'snap-1'\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.setattr(sched, "SCORES_MODULE", "fake_scores_pkg.cli")
    notes = []
    assert sched.after_collection("cfg", [SimpleNamespace(rows_written=0)], notes.append) is None
    assert "not recomputed" in notes[-1]
    assert sched.after_collection("cfg", [SimpleNamespace(rows_written=5)], notes.append) == "snap-1"
    import fake_scores_pkg.cli as fake

    assert fake.calls == ["cfg"]
    monkeypatch.setattr(sched, "SCORES_MODULE", "no_such_package_xyz.cli")
    assert sched.after_collection("cfg", [SimpleNamespace(rows_written=5)], notes.append) is None
    assert "is not available" in notes[-1]
