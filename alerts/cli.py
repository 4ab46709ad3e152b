"""``roamwatch alerts``: list, check, test a rule, acknowledge; and the hook run after collections."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable

import click


def _config(ctx: click.Context):
    from roamwatch.config import ConfigError, load_config

    try:
        return load_config((ctx.obj or {}).get("config_path"))
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from exc


def _errors():
    from alerts.rules import RuleError
    from alerts.secrets import SecretError
    from roamwatch.warehouse.lock import LockTimeout
    from roamwatch.warehouse.snapshot import NoSnapshot

    return (RuleError, SecretError, LockTimeout, NoSnapshot)


@click.group("alerts")
def alerts() -> None:
    """Change detection and alerts over every source (rules: [[alerts.rules]] in the TOML).

    \b
    Examples:
      roamwatch alerts list --since 2025-01-01 -c IRN
      roamwatch alerts check            # detect, store, deliver (also run after collections)
      roamwatch alerts test tor-blocking
      roamwatch alerts ack al-3f2a
    """


@alerts.command("list")
@click.option("--country", "-c", "countries", multiple=True, help="ISO3 code (repeatable).")
@click.option("--rule", "-r", "rules", multiple=True, help="Rule id (repeatable).")
@click.option("--state", "states", multiple=True, type=click.Choice(["new", "delivered", "acknowledged"]),
              help="Only alerts in this state (repeatable).")
@click.option("--since", help="Onset on or after this date (YYYY-MM-DD).")
@click.option("--until", help="Onset on or before this date (YYYY-MM-DD).")
@click.option("--limit", "-n", default=50, show_default=True, type=click.IntRange(1, 100000))
@click.option("--json", "as_json", is_flag=True, help="Print machine-readable JSON.")
@click.option("--lang", type=click.Choice(["en", "fr"]), default="en", show_default=True)
@click.pass_context
def list_alerts(ctx, countries, rules, states, since, until, limit, as_json, lang) -> None:
    """List stored alerts of the published snapshot, newest onset first."""
    from alerts import text
    from roamwatch.warehouse import alerts as wq
    from roamwatch.warehouse.queries import Reader

    for name, value in (("--since", since), ("--until", until)):
        _check_date(name, value)
    config = _config(ctx)
    try:
        with Reader.open(config.serving_dir) as reader:
            frame = wq.list_alerts(reader.con, [c.upper() for c in countries], rules, (), states,
                                   since, until, limit=limit)
            snapshot = reader.snapshot_id
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    if as_json:
        records = json.loads(frame.to_json(orient="records", date_format="iso"))
        for record in records:
            record["evidence"] = text.evidence(record)
        click.echo(json.dumps({"snapshot_id": snapshot, "alerts": records}, indent=2, ensure_ascii=False))
        return
    if frame.empty:
        click.echo(f"no alerts (snapshot {snapshot})")
        return
    for row in frame.to_dict("records"):
        click.echo(f"{row['id']}  {row['state']:<12} {row['severity']:<8} {row['rule']:<20} "
                   f"{text.title(row, lang)}")


@alerts.command("check")
@click.option("--deliver/--no-deliver", default=True,
              help="Send new alerts to the configured webhooks and e-mail (default).")
@click.option("--rule", "-r", "rules", multiple=True, help="Only this rule (repeatable).")
@click.pass_context
def check(ctx, deliver: bool, rules) -> None:
    """Run every enabled rule over the published snapshot, store new alerts and deliver them.

    Runs by itself after every `roamwatch collect` (and scheduled collection) that wrote rows.
    A re-run over the same data raises nothing new. Exits 1 when a delivery failed.
    """
    from alerts.engine import check as run_check

    config = _config(ctx)
    try:
        result = run_check(config, deliver_alerts=deliver, log=lambda m: click.echo(m, err=True),
                           rule_ids=list(rules) or None)
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    for note in result.notes:
        click.echo(note, err=True)
    click.echo(result.summary())
    if result.snapshot_published:
        click.echo(f"published snapshot {result.snapshot_published}")
    if result.failed and result.delivered < len(result.new_ids):
        sys.exit(1)


@alerts.command("test")
@click.argument("rule")
@click.option("--json", "as_json", is_flag=True, help="Print the findings as JSON.")
@click.pass_context
def test_rule(ctx, rule: str, as_json: bool) -> None:
    """Run one RULE over the published snapshot and print what it finds, storing and sending
    nothing (a disabled rule can be tested too)."""
    from alerts import text
    from alerts.engine import evaluate
    from alerts.rules import find_rule, load_rules
    from roamwatch.warehouse.queries import Reader

    config = _config(ctx)
    try:
        chosen = find_rule(load_rules(config, include_disabled=True), rule)
        with Reader.open(config.serving_dir) as reader:
            findings, _memory, notes = evaluate(reader, [chosen])
            snapshot = reader.snapshot_id
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    for note in notes:
        click.echo(note, err=True)
    rows = [f.row(snapshot, None) for f in findings]
    if as_json:
        for row in rows:
            row["evidence"] = json.loads(row["evidence"])
        click.echo(json.dumps({"snapshot_id": snapshot, "rule": chosen.id, "findings": rows},
                              indent=2, default=str, ensure_ascii=False))
        return
    click.echo(f"rule {chosen.id} over snapshot {snapshot}: {len(findings)} finding(s)")
    for row in rows:
        click.echo(f"  {row['id']}  {text.title(row)}")


@alerts.command("ack")
@click.argument("alert_id")
@click.option("--note", help="Why, or what was done (stored with the alert).")
@click.pass_context
def ack(ctx, alert_id: str, note: str | None) -> None:
    """Acknowledge ALERT_ID (a unique prefix is enough): it leaves the list of new alerts."""
    from roamwatch.warehouse import alerts as wq
    from roamwatch.warehouse.lock import writer_lock
    from roamwatch.warehouse.snapshot import publish
    from roamwatch.warehouse.store import Warehouse

    config = _config(ctx)
    if not config.warehouse_path.exists():
        raise click.ClickException(f"no warehouse in {config.data_dir}: run `roamwatch collect` first")
    try:
        with writer_lock(config.lock_path, purpose="roamwatch alerts ack",
                         timeout=float(config.warehouse.get("lock_timeout", 1800)),
                         on_wait=lambda m: click.echo(m, err=True)), \
                Warehouse(config.warehouse_path) as wh:
            ids = wq.resolve_ids(wh.con, alert_id.strip())
            if not ids:
                raise click.ClickException(f"no alert {alert_id!r}; see `roamwatch alerts list`")
            if len(ids) > 1:
                raise click.ClickException(f"{alert_id!r} matches {len(ids)} alerts "
                                           f"({', '.join(ids[:5])}…): give more of the id")
            with wh.transaction():
                changed = wq.set_state(wh.con, ids, "acknowledged", note)
            snapshot = publish(wh.con, config.serving_dir,
                               keep=int(config.warehouse.get("snapshots_keep", 5))) if changed else None
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    if not changed:
        click.echo(f"{ids[0]} was already acknowledged")
        return
    click.echo(f"acknowledged {ids[0]}; published snapshot {snapshot}")


@alerts.command("rules")
@click.option("--all", "show_all", is_flag=True, help="Include disabled rules.")
@click.pass_context
def rules_cmd(ctx, show_all: bool) -> None:
    """Show the effective rules (built-in ones merged with [[alerts.rules]])."""
    from alerts.rules import describe, load_rules

    config = _config(ctx)
    try:
        rules = load_rules(config, include_disabled=show_all)
    except _errors() as exc:
        raise click.ClickException(str(exc)) from exc
    for rule in rules:
        flag = "" if rule.enabled else " (disabled)"
        click.echo(f"{rule.id:<24} {rule.severity:<8} {describe(rule)}{flag}")


def _check_date(name: str, value: str | None) -> None:
    if value is None:
        return
    from datetime import date

    try:
        date.fromisoformat(value)
    except ValueError as exc:
        raise click.BadParameter(f"{value!r} is not a date (YYYY-MM-DD)", param_hint=name) from exc


def after_collection(config, log: Callable[[str], None]):
    """Run a check after a collection that wrote rows (``[alerts] enabled``, default true).

    Returns the :class:`alerts.engine.CheckResult`, or None when alerts are switched off;
    raises the same errors as a check (bad rules, missing secrets, lock timeout)."""
    from alerts.engine import check as run_check
    from alerts.engine import enabled

    if not enabled(config):
        log("alerts: switched off ([alerts] enabled = false)")
        return None
    result = run_check(config, log=log)
    for note in result.notes:
        log(note)
    log(result.summary())
    return result
