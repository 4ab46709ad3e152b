"""Every SQL statement of the alerts (contract C3): what the detectors read, what is stored.

Reads over a published snapshot (a :class:`roamwatch.warehouse.queries.Reader` connection):
- :func:`ooni_daily`: OONI's five daily buckets per test, country and day, side by side;
- :func:`metric_series`: any metrics' observations with their frequency;
- :func:`events`: outage and shutdown events, with their end state when the snapshot has it;
- :func:`source_last_day`: the newest day a source's data speaks for;
- :func:`category_scores`: ROAM-X category scores;
- :func:`countries`: region and income group, for rule scopes;
- :func:`list_alerts` / :func:`deliveries`: stored alerts, for the command line, API and pages.

Writes (on the writer's connection, under the writer lock): :func:`insert_alerts`,
:func:`record_deliveries`, :func:`set_state`, :func:`remember`; and the writer-side reads they
need (:func:`known_alerts`, :func:`alerts_to_deliver`, :func:`memory`).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import duckdb
import pandas as pd

ALERT_COLUMNS = [
    "id", "rule", "detector", "country", "series", "title", "severity", "onset", "ended",
    "end_state", "level_before", "level_after", "n_before", "n_after", "evidence", "snapshot_id",
    "detected_at", "state", "state_changed_at", "ack_note",
]
STATES = ("new", "delivered", "acknowledged")


def _df(con: duckdb.DuckDBPyConnection, sql: str, params: Sequence | dict | None = None) -> pd.DataFrame:
    return con.cursor().execute(sql, params or []).df()


def has_table(con: duckdb.DuckDBPyConnection, name: str) -> bool:
    """Whether the connection has a table or view ``name`` (old snapshots lack newer tables)."""
    row = con.cursor().execute(
        "SELECT count(*) FROM duckdb_views() WHERE view_name = $n AND NOT internal",
        {"n": name},
    ).fetchone()
    if row[0]:
        return True
    row = con.cursor().execute(
        "SELECT count(*) FROM duckdb_tables() WHERE table_name = $n", {"n": name}
    ).fetchone()
    return bool(row[0])


def _has_column(con: duckdb.DuckDBPyConnection, table: str, column: str) -> bool:
    cols = con.cursor().execute(f"DESCRIBE {table}").fetchall()
    return any(c[0] == column for c in cols)


# -- detector inputs (snapshot) ------------------------------------------------------------------
def ooni_daily(con: duckdb.DuckDBPyConnection, tests: Sequence[str], since: str | None = None
               ) -> pd.DataFrame:
    """``test, country, day, anomaly, confirmed, failure, measurements`` for OONI ``tests``
    (the ``ooni.<test>.<bucket>_count`` metrics pivoted), from ``since`` (ISO date) on."""
    return _df(con, """
        WITH wanted AS (
            SELECT split_part(metric, '.', 2) AS test, split_part(metric, '.', 3) AS bucket,
                   country, period_start AS day, value
            FROM observation
            WHERE starts_with(metric, 'ooni.')
              AND list_contains($tests::VARCHAR[], split_part(metric, '.', 2))
              AND ($since IS NULL OR period_start >= $since::DATE)
        )
        SELECT test, country, day,
               sum(value) FILTER (WHERE bucket = 'anomaly_count') AS anomaly,
               sum(value) FILTER (WHERE bucket = 'confirmed_count') AS confirmed,
               sum(value) FILTER (WHERE bucket = 'failure_count') AS failure,
               sum(value) FILTER (WHERE bucket = 'measurement_count') AS measurements
        FROM wanted GROUP BY test, country, day
        ORDER BY test, country, day
    """, {"tests": list(tests), "since": since})


def metric_series(con: duckdb.DuckDBPyConnection, metrics: Sequence[str], since: str | None = None
                  ) -> pd.DataFrame:
    """``metric, frequency, country, period, period_start, value`` of ``metrics``."""
    return _df(con, """
        SELECT o.metric, m.frequency, o.country, o.period, o.period_start, o.value
        FROM observation o JOIN metric m ON m.id = o.metric
        WHERE list_contains($metrics::VARCHAR[], o.metric)
          AND ($since IS NULL OR o.period_start >= $since::DATE)
        ORDER BY o.metric, o.country, o.period_start
    """, {"metrics": list(metrics), "since": since})


def events(con: duckdb.DuckDBPyConnection, sources: Sequence[str], since: str | None = None
           ) -> pd.DataFrame:
    """Events of ``sources`` still open, or ending, on or after ``since`` (ISO date).

    ``end_state`` comes from the snapshot when it has the column (contract C1), else NULL."""
    end_state = "e.end_state" if _has_column(con, "event", "end_state") else "NULL::VARCHAR"
    return _df(con, f"""
        SELECT e.id, e.source, e.country, e.start_time, e.end_time, e.kind, e.severity,
               e.details, {end_state} AS end_state, e.fetched_at
        FROM event e
        WHERE list_contains($sources::VARCHAR[], e.source)
          AND ($since IS NULL OR coalesce(e.end_time, e.start_time) >= $since::TIMESTAMP
               OR e.end_time IS NULL)
        ORDER BY e.country, e.start_time, e.id
    """, {"sources": list(sources), "since": since})


def source_last_day(con: duckdb.DuckDBPyConnection, source: str) -> Any:
    """The newest day ``source``'s data speaks for: the coverage window's end when the snapshot
    records it (contract C1), else the newest event start or end, else the newest observation."""
    cur = con.cursor()
    if has_table(con, "source_coverage"):
        row = cur.execute(
            "SELECT max(last_day) FROM source_coverage WHERE source = $s AND country IS NULL",
            {"s": source},
        ).fetchone()
        if row and row[0] is not None:
            return row[0]
    row = cur.execute(
        """SELECT greatest(
               (SELECT max(greatest(start_time, coalesce(end_time, start_time)))::DATE
                  FROM event WHERE source = $s),
               (SELECT max(o.period_start) FROM observation o JOIN metric m ON m.id = o.metric
                 WHERE m.source = $s))""",
        {"s": source},
    ).fetchone()
    return row[0] if row else None


def category_scores(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``country, year, key, value`` of every category score with a value."""
    return _df(con, """
        SELECT country, year, key, value FROM score
        WHERE level = 'category' AND value IS NOT NULL ORDER BY country, key, year
    """)


def countries(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    return _df(con, "SELECT iso3, name_en, name_fr, region, income_group FROM country ORDER BY iso3")


# -- stored alerts (snapshot or warehouse) ----------------------------------------------------------
def list_alerts(
    con: duckdb.DuckDBPyConnection,
    countries: Sequence[str] = (),
    rules: Sequence[str] = (),
    detectors: Sequence[str] = (),
    states: Sequence[str] = (),
    since: str | None = None,
    until: str | None = None,
    ids: Sequence[str] = (),
    limit: int | None = None,
    offset: int = 0,
) -> pd.DataFrame:
    """Stored alerts, newest onset first, with the country's English and French names.

    ``since``/``until`` (ISO dates, inclusive) bound the onset (the detection time for alerts
    without one). An empty frame when the snapshot predates the alert table."""
    if not has_table(con, "alert"):
        return pd.DataFrame(columns=[*ALERT_COLUMNS, "country_name", "country_name_fr"])
    where, params = _alert_where(countries, rules, detectors, states, since, until, ids)
    page = ""
    if limit is not None:
        params["limit"], params["offset"] = int(limit), int(offset)
        page = "LIMIT $limit OFFSET $offset"
    return _df(con, f"""
        SELECT a.*, c.name_en AS country_name, c.name_fr AS country_name_fr
        FROM alert a LEFT JOIN country c ON c.iso3 = a.country
        WHERE {where}
        ORDER BY coalesce(a.onset, a.detected_at) DESC, a.detected_at DESC, a.id
        {page}
    """, params)


def count_alerts(con: duckdb.DuckDBPyConnection, countries: Sequence[str] = (),
                 rules: Sequence[str] = (), detectors: Sequence[str] = (),
                 states: Sequence[str] = (), since: str | None = None,
                 until: str | None = None) -> int:
    if not has_table(con, "alert"):
        return 0
    where, params = _alert_where(countries, rules, detectors, states, since, until, ())
    return int(con.cursor().execute(f"SELECT count(*) FROM alert a WHERE {where}", params)
               .fetchone()[0])


def _alert_where(countries, rules, detectors, states, since, until, ids) -> tuple[str, dict]:
    where, params = ["TRUE"], {}
    for name, values, column in (("countries", countries, "a.country"), ("rules", rules, "a.rule"),
                                 ("detectors", detectors, "a.detector"), ("states", states, "a.state"),
                                 ("ids", ids, "a.id")):
        if values:
            params[name] = [str(v) for v in values]
            where.append(f"list_contains(${name}::VARCHAR[], {column})")
    if since:
        params["since"] = str(since)
        where.append("coalesce(a.onset, a.detected_at) >= $since::DATE")
    if until:
        params["until"] = str(until)
        where.append("coalesce(a.onset, a.detected_at) < $until::DATE + 1")
    return " AND ".join(where), params


def alert_facets(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """``rule, country, state, alerts`` counts, for filters and feeds (empty without alerts)."""
    if not has_table(con, "alert"):
        return pd.DataFrame(columns=["rule", "country", "state", "alerts"])
    return _df(con, """SELECT rule, country, state, count(*) AS alerts FROM alert
                       GROUP BY rule, country, state ORDER BY rule, country, state""")


def deliveries(con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str] = ()) -> pd.DataFrame:
    """Delivery attempts (of ``alert_ids``, or all), in order."""
    if not has_table(con, "alert_delivery"):
        return pd.DataFrame(columns=["alert_id", "channel", "attempt", "attempted_at", "status",
                                     "detail"])
    return _df(con, """
        SELECT * FROM alert_delivery
        WHERE len($ids::VARCHAR[]) = 0 OR list_contains($ids::VARCHAR[], alert_id)
        ORDER BY alert_id, channel, attempt
    """, {"ids": list(alert_ids)})


# -- writer side -----------------------------------------------------------------------------------
def known_alerts(con: duckdb.DuckDBPyConnection, rules: Sequence[str] | None = None) -> pd.DataFrame:
    """``id, rule, country, series, onset, ended, evidence`` of stored alerts (of ``rules``)."""
    return _df(con, """
        SELECT id, rule, country, series, onset, ended, evidence FROM alert
        WHERE $rules IS NULL OR list_contains($rules::VARCHAR[], rule)
    """, {"rules": None if rules is None else list(rules)})


def insert_alerts(con: duckdb.DuckDBPyConnection, frame: pd.DataFrame) -> list[str]:
    """Insert alerts whose id is not stored yet; returns the ids inserted (in the caller's
    transaction). ``evidence`` may be a dict: it is stored as JSON."""
    if frame.empty:
        return []
    batch = frame.drop_duplicates("id", keep="first").copy()
    if "evidence" in batch:
        batch["evidence"] = [v if v is None or isinstance(v, str) else
                             json.dumps(v, sort_keys=True, default=str) for v in batch["evidence"]]
    for column in ALERT_COLUMNS:
        if column not in batch:
            batch[column] = None
    batch["state"] = batch["state"].fillna("new")
    existing = {r[0] for r in con.cursor().execute(
        "SELECT id FROM alert WHERE list_contains($ids::VARCHAR[], id)",
        {"ids": batch["id"].tolist()}).fetchall()}
    batch = batch[~batch["id"].isin(existing)][ALERT_COLUMNS]  # noqa: F841 (read by DuckDB)
    if batch.empty:
        return []
    con.execute("INSERT INTO alert BY NAME SELECT * FROM batch ON CONFLICT (id) DO NOTHING")
    return batch["id"].tolist()


def alerts_to_deliver(con: duckdb.DuckDBPyConnection) -> pd.DataFrame:
    """Alerts in state ``new`` (every column), oldest detection first."""
    return _df(con, "SELECT * FROM alert WHERE state = 'new' ORDER BY detected_at, onset, id")


def delivery_history(con: duckdb.DuckDBPyConnection, alert_ids: Sequence[str]) -> pd.DataFrame:
    """Per alert and channel: attempts so far and the last status."""
    return _df(con, """
        SELECT alert_id, channel, count(*) AS attempts,
               arg_max(status, attempt) AS last_status
        FROM alert_delivery WHERE list_contains($ids::VARCHAR[], alert_id)
        GROUP BY alert_id, channel
    """, {"ids": list(alert_ids)})


def record_deliveries(con: duckdb.DuckDBPyConnection, rows: Sequence[dict]) -> int:
    """Append delivery attempts (``alert_id, channel, status, detail``; attempt numbers and the
    time are assigned here)."""
    for row in rows:
        con.execute("""
            INSERT INTO alert_delivery
            SELECT $alert_id, $channel,
                   coalesce((SELECT max(attempt) FROM alert_delivery
                              WHERE alert_id = $alert_id AND channel = $channel), 0) + 1,
                   coalesce($at::TIMESTAMP, now() AT TIME ZONE 'UTC'), $status, $detail
        """, {"alert_id": row["alert_id"], "channel": row["channel"], "status": row["status"],
              "detail": row.get("detail"), "at": row.get("at")})
    return len(rows)


def set_state(con: duckdb.DuckDBPyConnection, ids: Sequence[str], state: str,
              note: str | None = None, only_from: Sequence[str] | None = None) -> int:
    """Move alerts to ``state`` (``only_from``: only those now in one of these states)."""
    if state not in STATES:
        raise ValueError(f"unknown alert state {state!r}; known: {', '.join(STATES)}")
    if not ids:
        return 0
    params = {"ids": list(ids), "state": state, "note": note,
              "from": list(only_from) if only_from else None}
    count = con.cursor().execute("""
        SELECT count(*) FROM alert WHERE list_contains($ids::VARCHAR[], id)
          AND ($from IS NULL OR list_contains($from::VARCHAR[], state))
          AND state <> $state
    """, {k: v for k, v in params.items() if k != "note"}).fetchone()[0]
    con.execute("""
        UPDATE alert SET state = $state, state_changed_at = now() AT TIME ZONE 'UTC',
               ack_note = coalesce($note, ack_note)
        WHERE list_contains($ids::VARCHAR[], id)
          AND ($from IS NULL OR list_contains($from::VARCHAR[], state))
          AND state <> $state
    """, params)
    return int(count)


def resolve_ids(con: duckdb.DuckDBPyConnection, prefix: str) -> list[str]:
    """Stored alert ids starting with ``prefix``."""
    return [r[0] for r in con.cursor().execute(
        "SELECT id FROM alert WHERE starts_with(id, $p) ORDER BY id", {"p": prefix}).fetchall()]


def memory(con: duckdb.DuckDBPyConnection, rule: str) -> dict[str, float | None]:
    """What ``rule`` remembered at the previous check (key → value)."""
    return {k: v for k, v in con.cursor().execute(
        "SELECT key, value FROM alert_memory WHERE rule = $r", {"r": rule}).fetchall()}


def remember(con: duckdb.DuckDBPyConnection, rule: str, values: dict[str, float | None],
             snapshot_id: str) -> None:
    """Replace what ``rule`` remembers (in the caller's transaction)."""
    frame = pd.DataFrame({"rule": rule, "key": list(values), "value": list(values.values()),  # noqa: F841
                          "snapshot_id": snapshot_id})
    con.execute("DELETE FROM alert_memory WHERE rule = $r", {"r": rule})
    if values:
        con.execute("INSERT INTO alert_memory BY NAME SELECT * FROM frame")
