"""Alerts end to end: `roamwatch collect` on the local servers and the real #KeepItOn file raises
the new shutdowns and the OONI blocking onsets, stores them with their evidence, and delivers
each exactly once to a signed webhook and an SMTP server on loopback; a second run raises and
sends nothing new.

OONI's measurements are built from OONI's real fastpath fixture rows (:mod:`tests.corpus_fixtures`);
IODA has no real payload in the corpus, so its events come from the local IODA server.
"""

from __future__ import annotations

import csv
import json
import subprocess
import sys
from collections import Counter
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from tests.corpus_fixtures import FASTPATH_CSV, STOP_XLSX, corpus_file, ooni_onsets
from tests.helpers import query, subprocess_env
from tests.servers.ioda import Event, IodaServer, ts
from tests.servers.ooni import OoniServer
from tests.servers.receivers import SmtpReceiver, WebhookReceiver

ROOT = Path(__file__).resolve().parents[1]
SECRET = "whsec-test-7f3a9c2e51b8"
ONSET = date(2024, 1, 1)  # the day of OONI's real fastpath rows


def cli(env: dict, *args: str, timeout: float = 240) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "roamwatch.cli", *args], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    """Servers, configuration and a data directory after the three collections."""
    stop = corpus_file(*STOP_XLSX)
    measurements = ooni_onsets(ONSET)
    tmp = tmp_path_factory.mktemp("alerts")
    ioda = IodaServer()
    ioda.events += [
        # one outage seen by two datasources: 20:00–24:00 and 23:00–04:00 → 8 h together
        Event("IR", ts("2024-01-10T20:00"), 4 * 3600, "bgp"),
        Event("IR", ts("2024-01-10T23:00"), 5 * 3600, "ping-slash24"),
        Event("KE", ts("2024-01-12T08:00"), 2 * 3600, "bgp"),  # too short for the rule
    ]
    with OoniServer(measurements) as ooni, ioda, WebhookReceiver(SECRET) as hook, \
            SmtpReceiver() as smtp:
        hook.fail_next(500)  # the very first delivery fails once: it must be retried
        cfg = tmp / "roamwatch.toml"
        cfg.write_text(f"""
[alerts]
dashboard_url = "http://dashboard.test"
[alerts.delivery]
backoff_base = 0.01
backoff_max = 0.05
[[alerts.webhooks]]
name = "desk"
url = "{hook.url}"
secret_env = "TEST_WEBHOOK_SECRET"
[alerts.email]
host = "127.0.0.1"
port = {smtp.port}
from = "roamwatch@localhost"
to = ["desk@localhost"]
[[alerts.rules]]
id = "web-blocking-confirmed"
enabled = true
""", encoding="utf-8")
        env = subprocess_env(
            ROAMWATCH_DATA_DIR=str(tmp / "data"), ROAMWATCH_CONFIG=str(cfg),
            ROAMWATCH_OONI_BASE_URL=ooni.url, ROAMWATCH_IODA_BASE_URL=ioda.url + "/v2",
            ROAMWATCH_HTTP_BACKOFF_BASE="0.01", TEST_WEBHOOK_SECRET=SECRET,
        )
        runs = {
            "ooni": cli(env, "collect", "ooni", "--no-scores", "--set", "min_interval=0",
                        "--set", 'first_day="2023-10-01"', "--set", 'last_day="2024-01-20"'),
            "accessnow": cli(env, "collect", "accessnow", "--no-scores", "--file", str(stop)),
            "ioda": cli(env, "collect", "ioda", "--no-scores", "--set", "min_interval=0",
                        "--set", 'countries=["IR", "KE"]', "--set", 'last_day="2024-01-20"',
                        "--set", "history_days=30"),
        }
        sent_after_collect = (list(hook.deliveries), list(smtp.messages))
        again = cli(env, "alerts", "check")
        yield {"env": env, "runs": runs, "hook": hook, "smtp": smtp, "again": again,
               "first": sent_after_collect, "warehouse": tmp / "data" / "warehouse.duckdb",
               "data": tmp / "data"}


def alerts(world) -> list[dict]:
    rows = query(world["warehouse"], "SELECT id, rule, country, series, onset, end_state, "
                 "level_before, level_after, n_before, n_after, evidence, state FROM alert")
    keys = ["id", "rule", "country", "series", "onset", "end_state", "level_before",
            "level_after", "n_before", "n_after", "evidence", "state"]
    return [dict(zip(keys, r, strict=True)) | {"evidence": json.loads(r[10])} for r in rows]


def test_collections_ran_and_checked_alerts(world):
    for name, run in world["runs"].items():
        assert run.returncode == 0, (name, run.stdout, run.stderr)
        assert "alerts:" in run.stderr and "new alert(s)" in run.stderr, (name, run.stderr)


def test_ooni_blocking_onsets_with_their_evidence(world):
    found = {(a["rule"], a["country"], a["series"]): a for a in alerts(world)
             if a["rule"] in ("messaging-blocking", "tor-blocking", "web-blocking-confirmed")}
    assert set(found) == {
        ("messaging-blocking", "IRN", "ooni.whatsapp"),
        ("messaging-blocking", "IRN", "ooni.facebook_messenger"),
        ("tor-blocking", "RUS", "ooni.tor"),
        ("web-blocking-confirmed", "IRN", "ooni.web_connectivity"),
    }
    for alert in found.values():
        ev = alert["evidence"]
        assert str(alert["onset"])[:10] == ONSET.isoformat()
        assert alert["level_after"] > alert["level_before"] + 0.2 - 1e-9 or \
            alert["rule"] == "web-blocking-confirmed"
        assert alert["n_before"] > 0 and alert["n_after"] > 0
        assert ev["periods_before"] >= 21 and ev["periods_after"] == 20
        assert ev["onset"] == ONSET.isoformat() and ev["alarm"] >= ONSET.isoformat()
        points = {p[0]: (p[1], p[2]) for p in ev["points"]}
        assert ONSET.isoformat() in points and len(points) >= 40
    whatsapp = found[("messaging-blocking", "IRN", "ooni.whatsapp")]
    assert whatsapp["level_before"] == 0 and whatsapp["level_after"] == 1  # the real IR row: anomaly
    web = found[("web-blocking-confirmed", "IRN", "ooni.web_connectivity")]
    # the share of IR's real rows with confirmed blocking among those that did not fail
    rows = [r for r in csv.DictReader(corpus_file(*FASTPATH_CSV).open(encoding="utf-8"))
            if r["probe_cc"] == "IR" and r["test_name"] == "web_connectivity"]
    usable = [r for r in rows if r["msm_failure"] == "f"]
    expected = sum(r["confirmed"] == "t" for r in usable) / len(usable)
    assert web["level_after"] == pytest.approx(expected) and expected > 0.3


def test_new_shutdowns_from_the_real_keepiton_file(world):
    shutdowns = [a for a in alerts(world) if a["rule"] == "new-shutdown"]
    assert len(shutdowns) > 100  # the last year of the file (2022) and the ongoing ones
    states = Counter(a["end_state"] for a in shutdowns)
    assert states["ongoing"] > 0 and states["known"] > 0
    ids = {e["id"] for a in shutdowns for e in a["evidence"]["events"]}
    stored = {r[0] for r in query(world["warehouse"], "SELECT id FROM event WHERE source = 'accessnow'")}
    assert ids <= stored  # the evidence names real event ids
    # the look-back runs from the dataset's last update (C1 coverage), never from today
    (last,), = query(world["warehouse"], "SELECT max(last_day) FROM source_coverage "
                     "WHERE source = 'accessnow' AND country IS NULL")
    assert last.year == 2022
    assert all(a["evidence"]["data_last_day"] == last.isoformat() for a in shutdowns)


def test_outage_rule_merges_datasources_and_keeps_only_long_ones(world):
    outages = [a for a in alerts(world) if a["rule"] == "outage-6h"]
    assert [(a["country"], round(a["evidence"]["hours"])) for a in outages] == [("IRN", 8)]
    assert len(outages[0]["evidence"]["events"]) == 2


def test_each_alert_reaches_webhook_and_smtp_exactly_once(world):
    hook, smtp = world["hook"], world["smtp"]
    sent = query(world["warehouse"], "SELECT alert_id, channel FROM alert_delivery WHERE status = 'sent'")
    by_channel = {c: sorted(a for a, ch in sent if ch == c) for c in ("webhook:desk", "email")}
    assert by_channel["webhook:desk"] and by_channel["webhook:desk"] == by_channel["email"]
    accepted = Counter(d.headers["X-Roamwatch-Delivery"] for d in hook.accepted())
    assert sorted(accepted) == by_channel["webhook:desk"] and set(accepted.values()) == {1}
    assert all(d.verified for d in hook.deliveries)
    for d in hook.accepted():
        assert d.json["id"] == d.headers["X-Roamwatch-Delivery"] and d.json["type"] == "roamwatch.alert"
        assert d.json["link"] == f"http://dashboard.test/alerts?id={d.json['id']}"
    mailed = Counter(m["X-Roamwatch-Alert"] for m in smtp.messages)
    assert sorted(mailed) == by_channel["email"] and set(mailed.values()) == {1}
    # delivered alerts changed state; the rest stayed new
    states = dict(query(world["warehouse"], "SELECT id, state FROM alert"))
    assert {states[a] for a in by_channel["email"]} == {"delivered"}
    # every OONI onset and the outage went out (they are recent); old shutdowns were not pushed
    rules = dict(query(world["warehouse"], "SELECT id, rule FROM alert"))
    pushed = Counter(rules[a] for a in by_channel["email"])
    assert pushed["messaging-blocking"] == 2 and pushed["tor-blocking"] == 1
    assert pushed["web-blocking-confirmed"] == 1 and pushed["outage-6h"] == 1
    assert 0 < pushed["new-shutdown"] < sum(1 for r in rules.values() if r == "new-shutdown")


def test_a_500_is_retried_and_every_attempt_recorded(world):
    first = world["hook"].deliveries[0]
    assert first.status == 500
    again = [d for d in world["hook"].deliveries
             if d.headers["X-Roamwatch-Delivery"] == first.headers["X-Roamwatch-Delivery"]]
    assert [d.status for d in again] == [500, 200]
    rows = query(world["warehouse"], "SELECT attempt, status, detail FROM alert_delivery "
                 "WHERE alert_id = ? AND channel = 'webhook:desk' ORDER BY attempt",
                 [first.headers["X-Roamwatch-Delivery"]])
    assert rows == [(1, "failed", "HTTP 500"), (2, "sent", "HTTP 200")]
    skipped = query(world["warehouse"], "SELECT count(*) FROM alert_delivery WHERE status = 'skipped'")
    assert skipped[0][0] > 0  # shutdowns older than max_age_days: recorded, not pushed


def test_email_content(world):
    by_rule = {}
    for message in world["smtp"].messages:
        by_rule.setdefault(message["X-Roamwatch-Rule"], message)
    tor = by_rule["tor-blocking"]
    assert tor["Subject"].startswith("[roamwatch] ")
    assert "Russia (RUS)" in tor["Subject"]  # CLDR short name and "0\u00a0% → 100\u00a0%" in tor["Subject"]
    body = tor.get_content()
    assert "Level before: 0" in body and "measurements over" in body
    assert "One-sided CUSUM" in body and "Data snapshot:" in body
    assert "http://dashboard.test/alerts?id=" in body
    assert tor["To"] == "desk@localhost" and tor["Message-ID"] == f"<{tor['X-Roamwatch-Alert']}@roamwatch>"
    shutdown = by_rule["new-shutdown"]
    assert "New internet shutdown in" in shutdown["Subject"]
    assert "Events: " in shutdown.get_content()


def test_a_second_run_raises_and_sends_nothing_new(world):
    again = world["again"]
    assert again.returncode == 0, again.stderr
    assert "0 new alert(s)" in again.stdout
    hook_before, smtp_before = world["first"]
    assert len(world["hook"].deliveries) == len(hook_before)
    assert len(world["smtp"].messages) == len(smtp_before)


def test_list_test_and_ack_commands(world):
    env = world["env"]
    listed = cli(env, "alerts", "list", "-c", "IRN", "--json", "-n", "500")
    assert listed.returncode == 0, listed.stderr
    payload = json.loads(listed.stdout)
    assert payload["alerts"] and {a["country"] for a in payload["alerts"]} == {"IRN"}
    assert all(isinstance(a["evidence"], dict) for a in payload["alerts"])
    text = cli(env, "alerts", "list", "--rule", "tor-blocking", "--lang", "fr")
    assert "Russie" in text.stdout or "Russian" in text.stdout
    assert "Part de blocage OONI tor en hausse" in text.stdout
    tested = cli(env, "alerts", "test", "roamx-drop")  # disabled rules can be tried
    assert tested.returncode == 0 and "rule roamx-drop over snapshot" in tested.stdout
    tried = cli(env, "alerts", "test", "tor-blocking", "--json")
    found = json.loads(tried.stdout)["findings"]
    assert [f["country"] for f in found] == ["RUS"] and found[0]["evidence"]["onset"] == ONSET.isoformat()
    tor_id = found[0]["id"]
    assert cli(env, "alerts", "test", "no-such-rule").returncode == 1
    acked = cli(env, "alerts", "ack", tor_id[:10], "--note", "seen by the desk")
    assert acked.returncode == 0 and f"acknowledged {tor_id}" in acked.stdout, acked.stderr
    state = query(world["warehouse"], "SELECT state, ack_note FROM alert WHERE id = ?", [tor_id])
    assert state == [("acknowledged", "seen by the desk")]
    assert "already acknowledged" in cli(env, "alerts", "ack", tor_id).stdout
    assert cli(env, "alerts", "ack", "al-").returncode == 1  # ambiguous
    assert cli(env, "alerts", "list", "--since", "yesterday").returncode == 2


def test_python_api_and_country_function(world):
    import roamwatch
    from roamwatch.warehouse.queries import Reader

    with roamwatch.open(world["data"]) as rw:
        frame = rw.alerts(country="IRN", start="2024-01-01")
        assert set(frame["rule"]) >= {"messaging-blocking", "outage-6h"}
        assert (frame["onset"] >= "2024-01-01").all() and frame["onset"].is_monotonic_decreasing
        assert {"level_before", "n_before", "evidence", "snapshot_id", "state"} <= set(frame.columns)
        assert rw.alerts(rule="tor-blocking")["country"].tolist() == ["RUS"]
    with Reader.open(world["data"] / "serving") as reader:
        recent = reader.alerts_for_country("IRN", since="2023-01-01")
        assert set(recent["country"]) == {"IRN"} and len(recent) < len(reader.alerts(countries=["IRN"]))


# -- the dashboard: feeds and page ------------------------------------------------------------------
ATOM = "{http://www.w3.org/2005/Atom}"


@pytest.fixture(scope="module")
def client(world):
    from dashboard.app import create_app
    from roamwatch.config import load_config

    app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(world["data"])}))
    return app.server.test_client()


def _entries(body: bytes):
    import xml.etree.ElementTree as ET

    root = ET.fromstring(body)
    assert root.tag == f"{ATOM}feed"
    for required in ("id", "title", "updated"):  # RFC 4287 §4.1.1
        assert root.find(f"{ATOM}{required}") is not None
    assert root.find(f"{ATOM}link[@rel='self']") is not None
    entries = root.findall(f"{ATOM}entry")
    for entry in entries:  # §4.1.2
        for required in ("id", "title", "updated"):
            assert entry.find(f"{ATOM}{required}").text
        assert entry.find(f"{ATOM}link[@rel='alternate']").get("href").startswith("http://localhost/alerts?id=al-")
        assert "&lang=" in entry.find(f"{ATOM}link[@rel='alternate']").get("href")
    return root, entries


def test_atom_feed_lists_new_shutdowns_and_blocking_onsets(client, world):
    reply = client.get("/alerts.atom")
    assert reply.status_code == 200 and reply.mimetype == "application/atom+xml"
    _root, entries = _entries(reply.data)
    terms = {c.get("term") for e in entries for c in e.findall(f"{ATOM}category")}
    assert {"new-shutdown", "messaging-blocking", "tor-blocking", "outage-6h"} <= terms
    ids = [e.find(f"{ATOM}id").text for e in entries]
    assert len(ids) == len(set(ids)) == 100  # the newest 100
    tor = next(e for e in entries if e.find(f"{ATOM}category").get("term") == "tor-blocking")
    content = tor.find(f"{ATOM}content").text
    assert "Level before: 0" in content and "Data snapshot:" in content
    french = client.get("/alerts.atom?lang=fr&rule=tor-blocking")
    _r, fr = _entries(french.data)
    assert len(fr) == 1 and "hausse" in fr[0].find(f"{ATOM}title").text


def test_country_feed_and_bad_input(client):
    _root, entries = _entries(client.get("/country/IRN/alerts.atom").data)
    related = {e.find(f"{ATOM}link[@rel='related']").get("href") for e in entries}
    assert related == {"http://localhost/country/IRN"} and len(entries) > 3
    moved = client.get("/country/IR/alerts.atom?lang=fr")
    assert moved.status_code == 301 and moved.headers["Location"].endswith("/country/IRN/alerts.atom?lang=fr")
    assert client.get("/country/XYZ/alerts.atom").status_code == 404
    assert client.get("/country/%00/alerts.atom").status_code in (400, 404)  # the guard or us
    assert client.get("/alerts.atom?lang=ar").status_code == 200  # any of the six languages
    for bad in ("state=bogus", "lang=de", "rule=nope", "page=2"):
        assert client.get(f"/alerts.atom?{bad}").status_code == 400, bad
    assert client.get("/alerts").status_code == 200
    for bad in ("from=yesterday", "state=bogus", "page=0", "id=x"):
        assert client.get(f"/alerts?{bad}").status_code == 400, bad
    assert client.get("/alerts?country=XYZ").status_code == 404


def test_evidence_chart_is_a_pure_function_of_the_alert(world):
    from dashboard.components.alerts import evidence_svg

    (tor,) = [a for a in alerts(world) if a["rule"] == "tor-blocking"]
    tor = {**tor, "detector": "change_point"}
    svg = evidence_svg(tor)
    assert svg.startswith("<svg") and svg.count("<polyline") == 1
    assert svg.count("<line") == 3  # baseline level, level after, onset
    assert svg == evidence_svg(dict(tor))
    shutdown = next(a for a in alerts(world) if a["rule"] == "new-shutdown")
    assert evidence_svg({**shutdown, "detector": "new_event"}) == ""


def test_country_strip_shows_the_latest_when_none_is_recent(world):
    """The real #KeepItOn file ends in 2022: nothing is recent by today's clock, so the strip says
    so and still shows the newest alerts."""
    from dashboard import data
    from dashboard.components.alerts import STRIP_OLDER, country_strip

    svc = data.configure(world["data"] / "serving")
    section = country_strip(svc, "IND", "en", today=pd.Timestamp("2026-01-01"))
    html_text = str(section.to_plotly_json())
    assert "No alert in the last 12 months." in html_text and "the latest:" in html_text
    cards = [c for c in section.children if getattr(c, "className", "") == "rw-alert-strip-list"]
    assert len(cards[0].children) == STRIP_OLDER
    recent = country_strip(svc, "IND", "en", today=pd.Timestamp("2023-01-01"))
    assert "No alert in the last 12 months." not in str(recent.to_plotly_json())


def test_country_brief_reads_the_alerts_of_its_year(world):
    """Issue 15's brief lists a country's alerts whose onset lies in the 12 months up to the end
    of its year."""
    from roamwatch.warehouse import brief_queries as bq
    from roamwatch.warehouse.queries import Reader

    with Reader.open(world["data"] / "serving") as reader:
        in_2024 = bq.country_alerts(reader, "IRN", "2024-12-31")
        in_2022 = bq.country_alerts(reader, "IRN", "2022-12-31")
    assert set(in_2024["rule"]) == {"messaging-blocking", "web-blocking-confirmed", "outage-6h"}
    assert set(in_2022["rule"]) == {"new-shutdown"}
    assert (in_2022["onset"] >= "2022-01-01").all() and in_2022["onset"].is_monotonic_decreasing
