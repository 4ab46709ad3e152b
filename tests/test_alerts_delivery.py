"""Delivery: a scheduled collection raising an alert end to end (webhook + SMTP with login),
secrets that never reach logs, warehouse or snapshots, STARTTLS, and the signature itself."""

from __future__ import annotations

import subprocess
import sys
from datetime import date, timedelta
from pathlib import Path

import pandas as pd
import pytest

from alerts import webhook
from alerts.delivery import EmailChannel, deliver
from tests.helpers import query, subprocess_env
from tests.servers.ooni import Measurement, OoniServer
from tests.servers.receivers import SmtpReceiver, WebhookReceiver, make_certificate

ROOT = Path(__file__).resolve().parents[1]
HOOK_SECRET = "hook-secret-PLANTED-4c1d9e"
SMTP_PASSWORD = "smtp-password-PLANTED-77ab3f"
LAST = date(2025, 3, 31)
ONSET = LAST - timedelta(days=9)


def tor_onset() -> list[Measurement]:
    """Kenya's Tor measurements: 8 a day, none blocked, then all blocked from ``ONSET``."""
    out = []
    for back in range(80, -1, -1):
        day = LAST - timedelta(days=back)
        out += [Measurement("KE", day, "tor", anomaly=day >= ONSET, confirmed=False, failure=False,
                            asn=36866) for _ in range(8)]
    return out


def test_scheduled_collection_delivers_alerts_and_secrets_stay_out_of_everything(tmp_path):
    password_file = tmp_path / "smtp.password"
    password_file.write_text(SMTP_PASSWORD + "\n", encoding="utf-8")
    with OoniServer(tor_onset()) as ooni, WebhookReceiver(HOOK_SECRET) as hook, \
            SmtpReceiver(auth=("roamwatch", SMTP_PASSWORD)) as smtp:
        hook.fail_next(503, 500)  # two failures first: retried, and logged without secrets
        cfg = tmp_path / "roamwatch.toml"
        cfg.write_text(f"""
[scheduler]
sources = ["ooni"]
[sources.ooni]
tests = ["tor"]
min_interval = 0
first_day = "{(LAST - timedelta(days=80)).isoformat()}"
last_day = "{LAST.isoformat()}"
[alerts.delivery]
backoff_base = 0.01
backoff_max = 0.05
[[alerts.webhooks]]
name = "ops"
url = "{hook.url}"
secret_env = "TEST_HOOK_SECRET"
[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
username = "roamwatch"
password_file = "{password_file}"
from = "roamwatch@localhost"
to = ["ops@localhost"]
lang = "fr"
""", encoding="utf-8")
        env = subprocess_env(ROAMWATCH_DATA_DIR=str(tmp_path / "data"), ROAMWATCH_CONFIG=str(cfg),
                             ROAMWATCH_OONI_BASE_URL=ooni.url, TEST_HOOK_SECRET=HOOK_SECRET,
                             ROAMWATCH_HTTP_BACKOFF_BASE="0.01")
        run = subprocess.run([sys.executable, "-m", "roamwatch.cli", "schedule", "--once"],
                             env=env, cwd=ROOT, capture_output=True, text=True, timeout=240)
        assert run.returncode == 0, run.stdout + run.stderr
        accepted = hook.accepted()
        messages = list(smtp.messages)

    data = tmp_path / "data"
    (alert_id, rule, country, onset), = query(data / "warehouse.duckdb",
                                              "SELECT id, rule, country, onset FROM alert")
    assert (rule, country, onset.date()) == ("tor-blocking", "KEN", ONSET)
    assert [d.status for d in hook.deliveries] == [503, 500, 200]
    assert [d.headers["X-Roamwatch-Delivery"] for d in accepted] == [alert_id]
    assert all(d.verified for d in hook.deliveries)
    assert [m["X-Roamwatch-Alert"] for m in messages] == [alert_id] and smtp.logins == ["roamwatch"]
    assert messages[0]["Subject"].startswith("[roamwatch] Part de blocage OONI tor en hausse")  # lang = "fr"
    assert "Kenya (KEN)" in messages[0]["Subject"]
    log = (data / "roamwatch.log").read_text(encoding="utf-8")
    assert "alerts: 1 finding(s), 1 new alert(s)" in log and "HTTP 503" in log
    assert query(data / "warehouse.duckdb", "SELECT state FROM alert") == [("delivered",)]

    # the planted secrets appear nowhere: output, log, warehouse, snapshots, raw archive
    texts = {"stdout": run.stdout, "stderr": run.stderr}
    for path in data.rglob("*"):
        if path.is_file():
            texts[str(path)] = path.read_bytes().decode("latin-1")
    assert any(p.endswith(".parquet") for p in texts) and any(p.endswith(".duckdb") for p in texts)
    for where, content in texts.items():
        for secret in (HOOK_SECRET, SMTP_PASSWORD):
            assert secret not in content, f"secret found in {where}"


def test_webhook_signature_binds_body_and_time():
    body = b'{"id": "al-1"}'
    header, ts = webhook.sign("s3cret", body, timestamp=1_700_000_000)
    assert header.startswith("t=1700000000,v1=") and ts == 1_700_000_000
    assert webhook.verify("s3cret", body, header, now=ts + 10)
    assert not webhook.verify("s3cret", body + b" ", header, now=ts)  # body changed
    assert not webhook.verify("other", body, header, now=ts)  # another secret
    assert not webhook.verify("s3cret", body, header, now=ts + webhook.TOLERANCE + 1)  # replayed late
    forged = header.replace("t=1700000000", "t=1700000900")  # a fresh time on an old signature
    assert not webhook.verify("s3cret", body, forged, now=1_700_000_900)
    assert not webhook.verify("s3cret", body, None) and not webhook.verify("s3cret", body, "v1=abc")


def _alert(**extra) -> pd.DataFrame:
    row = {"id": "al-starttls", "rule": "new-shutdown", "detector": "new_event", "country": "UGA",
           "country_name": "Uganda", "series": "event:accessnow", "title": "t", "severity": "critical",
           "onset": pd.Timestamp("2021-01-13"), "ended": pd.Timestamp("2021-01-18"),
           "end_state": "known", "level_before": None, "level_after": None, "n_before": None,
           "n_after": 1, "evidence": '{"kind": ["shutdown"], "events": [{"id": "e1"}], '
                                     '"data_last_day": "2021-01-20"}',
           "snapshot_id": "snap", "detected_at": pd.Timestamp("2021-01-20"), **extra}
    return pd.DataFrame([row])


def test_email_over_starttls(tmp_path):
    cert = make_certificate(tmp_path)
    if cert is None:
        pytest.skip("needs the openssl command to make a certificate")
    with SmtpReceiver(tls=cert) as smtp:
        settings = {"host": "127.0.0.1", "port": smtp.port, "starttls": True, "ca_file": str(cert[0]),
                    "from": "roamwatch@localhost", "to": ["desk@localhost"]}
        report = deliver(_alert(), pd.DataFrame(columns=["alert_id", "channel", "attempts", "last_status"]),
                         [EmailChannel(settings, "test", timeout=10)], {"new-shutdown": None},
                         {"max_attempts": 2, "backoff_base": 0, "backoff_max": 0, "max_age_days": 30,
                          "give_up_after": 5}, sleep=lambda s: None)
        assert [r["status"] for r in report.records] == ["sent"] and report.delivered == ["al-starttls"]
        assert smtp.messages[0]["Subject"] == "[roamwatch] New internet shutdown in Uganda (UGA) from " \
                                              "Jan 13, 2021 (ended Jan 18, 2021)"  # CLDR dates
        # the same server refuses a client that does not upgrade the connection
        plain = EmailChannel({**settings, "starttls": False}, "test", timeout=10)
        outcome = plain.send(_alert().iloc[0].to_dict(), None)
        plain.close()
        assert outcome.status == "rejected" and outcome.detail.startswith("SMTP 530")
