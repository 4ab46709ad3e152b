"""One check: run every enabled rule over the published snapshot, store what is new, deliver.

1. Read: the detectors run over the current snapshot (like any reader: no lock).
2. Store: under the writer lock, findings not stored yet become alerts (state ``new``); a
   change-point or threshold episode already alerted (same rule, country and series, overlapping
   or within the rule's quiet period) is not raised again, so a re-run over the same data, or over
   data a few days newer, raises nothing new.
3. Deliver: outside the lock (a slow receiver must not hold up collectors), each new alert goes
   to the channels that want it, with retries and backoff.
4. Record: under the writer lock again, every attempt lands in ``alert_delivery`` and delivered
   alerts change state; a snapshot is published when anything changed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import pandas as pd

from alerts import detectors
from alerts.delivery import channels as configured_channels
from alerts.delivery import deliver, delivery_settings
from alerts.events import details_of
from alerts.model import Finding
from alerts.rules import Rule, alerts_settings, load_rules
from roamwatch.config import Config
from roamwatch.warehouse import alerts as wq
from roamwatch.warehouse.lock import writer_lock
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse


def _stderr(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


@dataclass
class CheckResult:
    snapshot_read: str | None = None
    findings: list[Finding] = field(default_factory=list)
    new_ids: list[str] = field(default_factory=list)
    sent: int = 0
    failed: int = 0
    skipped: int = 0
    delivered: int = 0
    snapshot_published: str | None = None
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        parts = [f"{len(self.findings)} finding(s)", f"{len(self.new_ids)} new alert(s)"]
        if self.sent or self.failed or self.skipped:
            parts.append(f"{self.sent} sent, {self.failed} failed attempt(s), {self.skipped} "
                         "skipped as too old")
        return "alerts: " + ", ".join(parts)


def evaluate(reader: Reader, rules: list[Rule],
             memory: Callable[[str], dict[str, float | None]] | None = None
             ) -> tuple[list[Finding], dict[str, dict | None], list[str]]:
    """Run ``rules`` over a snapshot: the findings, what each rule remembers, notes."""
    ctx = detectors.Context(con=reader.con, snapshot_id=reader.snapshot_id,
                            countries=wq.countries(reader.con),
                            memory=memory or (lambda rule: {}))
    findings: list[Finding] = []
    memories: dict[str, dict | None] = {}
    notes: list[str] = []
    for rule in rules:
        result = detectors.run(rule, ctx)
        findings += result.findings
        notes += result.notes
        if result.memory is not None:
            memories[rule.id] = result.memory
    return findings, memories, notes


def _same_episode(finding: Finding, known: pd.DataFrame, quiet: Mapping[str, int]) -> bool:
    """Whether a stored alert of the same rule, country and series covers this finding."""
    if finding.detector not in ("change_point", "threshold") or known.empty:
        return False
    mine = known[(known["rule"] == finding.rule) & (known["country"] == finding.country)
                 & (known["series"] == finding.series)]
    if mine.empty or finding.onset is None:
        return False
    slack = pd.Timedelta(days=max(1, quiet.get(finding.rule, 14)))
    for row in mine.itertuples():
        start = pd.Timestamp(row.onset)
        end = pd.Timestamp(row.ended) if row.ended is not None and not pd.isna(row.ended) else None
        if end is None:
            if finding.onset >= start - slack:
                return True
        elif start - slack <= finding.onset <= end + slack:
            return True
    return False


def _same_event(finding: Finding, known: pd.DataFrame) -> bool:
    """New-event findings built from merged events: a stored alert naming any of its events."""
    if finding.detector != "new_event" or known.empty:
        return False
    ids = {e["id"] for e in finding.evidence.get("events", [])}
    if len(ids) <= 1:
        return False
    mine = known[(known["rule"] == finding.rule) & (known["country"] == finding.country)]
    for value in mine["evidence"]:
        stored = {e.get("id") for e in (details_of(value).get("events") or [])}
        if stored & ids:
            return True
    return False


def _quiet(rule: Rule) -> int:
    if rule.detector == "change_point":
        return rule.cusum.quiet_period + rule.cusum.clear_after
    if rule.detector == "threshold":
        return rule.quiet_period + rule.clear_after
    return 0


def check(config: Config, deliver_alerts: bool = True, log: Callable[[str], None] = _stderr,
          rule_ids: list[str] | None = None, env: Mapping[str, str] | None = None,
          sleep: Callable[[float], None] | None = None) -> CheckResult:
    """Detect, store, deliver and record (see the module docstring); returns what happened."""
    result = CheckResult()
    settings = alerts_settings(config)
    rules = load_rules(config)
    if rule_ids is not None:
        rules = [r for r in rules if r.id in rule_ids]
    chans = configured_channels(config, env) if deliver_alerts else []
    dsettings = delivery_settings(config)
    lock_timeout = float(config.warehouse.get("lock_timeout", 1800))
    keep = int(config.warehouse.get("snapshots_keep", 5))

    # 1. read
    memories_before = _read_memory(config, rules, lock_timeout, log)
    with Reader.open(config.serving_dir) as reader:
        result.snapshot_read = reader.snapshot_id
        findings, memories, notes = evaluate(reader, rules, lambda r: memories_before.get(r, {}))
    result.findings, result.notes = findings, notes

    # 2. store
    quiet = {r.id: _quiet(r) for r in rules}
    now = pd.Timestamp.now(tz="UTC").tz_localize(None).floor("s")
    changed = False
    with writer_lock(config.lock_path, purpose="roamwatch alerts check", timeout=lock_timeout,
                     on_wait=log), Warehouse(config.warehouse_path) as wh:
        known = wq.known_alerts(wh.con)
        fresh = [f for f in findings if f.id not in set(known["id"])
                 and not _same_episode(f, known, quiet) and not _same_event(f, known)]
        rows = pd.DataFrame([f.row(result.snapshot_read, now) for f in fresh])
        with wh.transaction():
            result.new_ids = wq.insert_alerts(wh.con, rows)
            for rule_id, values in memories.items():
                wq.remember(wh.con, rule_id, values or {}, result.snapshot_read)
        changed = bool(result.new_ids)
        pending = wq.alerts_to_deliver(wh.con) if chans else pd.DataFrame()
        history = wq.delivery_history(wh.con, pending["id"].tolist()) if not pending.empty \
            else pd.DataFrame(columns=["alert_id", "channel", "attempts", "last_status"])
        names = wq.countries(wh.con)[["iso3", "name_en", "name_fr"]]
        if not pending.empty:
            pending = pending.merge(names.rename(columns={"iso3": "country", "name_en": "country_name",
                                                          "name_fr": "country_name_fr"}),
                                    on="country", how="left")
        if changed and (pending.empty or not chans):
            result.snapshot_published = publish(wh.con, config.serving_dir, keep=keep)
            changed = False

    # 3. deliver
    if pending.empty or not chans:
        return result
    base = str(settings.get("dashboard_url") or "").rstrip("/")
    report = deliver(
        pending, history, chans, {r.id: r.channels for r in rules}, dsettings,
        link=(lambda a: f"{base}/alerts?id={a['id']}") if base else (lambda a: None),
        log=log, **({"sleep": sleep} if sleep else {}),
    )
    result.sent, result.failed = report.count("sent"), report.count("failed")
    result.skipped, result.delivered = report.count("skipped"), len(report.delivered)

    # 4. record
    if not report.records and not changed:
        return result
    with writer_lock(config.lock_path, purpose="roamwatch alerts check (deliveries)",
                     timeout=lock_timeout, on_wait=log), Warehouse(config.warehouse_path) as wh:
        with wh.transaction():
            wq.record_deliveries(wh.con, report.records)
            wq.set_state(wh.con, report.delivered, "delivered", only_from=["new"])
        result.snapshot_published = publish(wh.con, config.serving_dir, keep=keep)
    return result


def _read_memory(config: Config, rules: list[Rule], timeout: float, log) -> dict[str, dict]:
    """What rules that compare with the previous check remembered (needs the writer lock)."""
    wanted = [r.id for r in rules if r.detector == "score_drop" and r.between == "snapshots"]
    if not wanted or not config.warehouse_path.exists():
        return {}
    with writer_lock(config.lock_path, purpose="roamwatch alerts check (memory)", timeout=timeout,
                     on_wait=log), Warehouse(config.warehouse_path) as wh:
        return {rule_id: wq.memory(wh.con, rule_id) for rule_id in wanted}


def enabled(config: Config) -> bool:
    """Whether checks run after collections (``[alerts] enabled``, default true)."""
    value = alerts_settings(config).get("enabled", True)
    return bool(value)
