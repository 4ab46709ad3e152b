"""The fault matrix: every collector against every upstream fault, on loopback, with the outcome
each cell must have. ``tests/test_fault_matrix.py`` runs it; ``python -m tests.faults`` runs it
and writes ``docs/reliability.md`` (``--check``: fail when the document is out of date).

Each collector talks to its local server (``tests/servers/``, the upstream API's real format) or,
for file sources, to a server of its file, through a **fault proxy** on 127.0.0.1 that passes
answers on unchanged or breaks them one way. A cell:

1. a warehouse with the collector's data from a clean run (the *previous data*);
2. a ``--full`` run of the collector through the proxy with the fault on;
3. its outcome: the run's status, and what happened to the source's rows: **kept** (untouched:
   same values, same run id), **refreshed** (every row re-written by the new run with the same
   values), **partly refreshed**, or **changed** (a value, a row added or removed: never
   expected, since the upstream's data is the same). Always checked as well: no exception
   escapes, no duplicate key, a run that is not ``success`` records why.

Faults hit every request, except the transient ones (429, reset, hang, truncated), which hit the
first request only: the retry must recover.
"""

from __future__ import annotations

import argparse
import contextlib
import copy
import csv
import http.client
import io
import json
import shutil
import socket
import struct
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import duckdb

REPO = Path(__file__).resolve().parents[1]
DOC = REPO / "docs" / "reliability.md"

FAULTS = (
    "500", "HTML 502", "429 + Retry-After", "connection reset", "read hang", "truncated body",
    "malformed JSON", "HTML with 200", "error in 200", "empty page", "duplicate rows",
    "renamed field", "new field",
)
#: Faults on the first request only; the others on every request.
TRANSIENT = frozenset({"429 + Retry-After", "connection reset", "read hang", "truncated body"})
FAULT_MEANS = {
    "500": "every answer is HTTP 500 with a JSON error body",
    "HTML 502": "every answer is HTTP 502 with a proxy's HTML page",
    "429 + Retry-After": "the first answer is HTTP 429 with `Retry-After: 1`",
    "connection reset": "the first connection is reset (TCP RST) before any answer",
    "read hang": "the first answer is delayed past the read timeout (1 s)",
    "truncated body": "the first answer announces its full length and sends half",
    "malformed JSON": "every answer is cut in half (complete transfer of a broken body; "
                      "for files: a file cut mid-row)",
    "HTML with 200": "every answer is an HTML page with HTTP 200",
    "error in 200": "every answer is HTTP 200 carrying the source's own error payload "
                    "(for files: a JSON error object)",
    "empty page": "every answer is the source's own empty result (for files: the header alone)",
    "duplicate rows": "every answer repeats some of its rows (for files: the first data rows "
                      "again at the end)",
    "renamed field": "a field the source always sends is renamed in every row (for files: a "
                     "header)",
    "new field": "every row gains an unknown field (for files: a column)",
}
HTTP_ENV = {
    "ROAMWATCH_HTTP_BACKOFF_BASE": "0.01",
    "ROAMWATCH_HTTP_BACKOFF_MAX": "0.05",
    "ROAMWATCH_HTTP_READ_TIMEOUT": "1",
    "ROAMWATCH_HTTP_CONNECT_TIMEOUT": "1",
    "ROAMWATCH_HTTP_MAX_ATTEMPTS": "3",
    "ROAMWATCH_HTTP_MAX_RETRY_AFTER": "5",
}
HANG_SECONDS = 2.5


# -- outcomes --------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Outcome:
    status: str  # success | partial | failed
    data: str  # kept | refreshed | partly refreshed | changed

    def __str__(self) -> str:
        return f"{self.status}, {self.data}"


OK = Outcome("success", "refreshed")
KEPT_FAILED = Outcome("failed", "kept")
KEPT_OK = Outcome("success", "kept")


# -- transformations of answers --------------------------------------------------------------------
def _rows(payload: Any) -> list | None:
    """The largest list of objects in a JSON answer (the rows), by reference."""
    best: list | None = None
    stack = [payload]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            if item and all(isinstance(x, dict) for x in item) and (best is None or len(item) > len(best)):
                best = item
            stack.extend(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
    return best


def json_rows(change: Callable[[list], list | None]) -> Callable[[Any], Any]:
    def apply(payload: Any) -> Any:
        payload = copy.deepcopy(payload)
        rows = _rows(payload)
        if rows is not None:
            new = change(rows)
            if new is not None:
                rows[:] = new
        return payload

    return apply


def rename_key(old: str, new: str) -> Callable[[list], list]:
    return lambda rows: [{(new if k == old else k): v for k, v in r.items()} for r in rows]


def add_key(rows: list) -> list:
    return [{**r, "roamwatch_fault_extra": {"nested": [1, "two"]}} for r in rows]


def repeat_some(rows: list) -> list:
    return rows + rows[: max(1, len(rows) // 4)]


@dataclass
class Spec:
    """How one collector meets its upstream, and how each fault looks in that upstream's format."""

    name: str
    kind: str  # "json" | "csv"
    server: Callable[[], Any] | None = None  # a LocalServer (json) — started per matrix
    base_path: str = ""  # appended to the proxy URL for ROAMWATCH_<NAME>_BASE_URL
    options: dict[str, Any] = field(default_factory=dict)
    error_body: bytes = b'{"error": "quota exceeded"}'
    empty: Callable[[Any], Any] | None = None
    duplicate: Callable[[Any], Any] | None = None
    rename: Callable[[Any], Any] | None = None
    extra: Callable[[Any], Any] | None = None
    file: str = ""  # csv: the demo file's key in tests.demo.write_files
    header_at: int = 0  # csv: the header row
    renamed_header: tuple[str, str] = ("", "")
    expect: dict[str, Outcome] = field(default_factory=dict)  # cells that differ from DEFAULT
    why: dict[str, str] = field(default_factory=dict)  # the reason for such a cell


def _servers() -> dict[str, Callable[[], Any]]:
    from datetime import UTC, datetime, timedelta

    from tests.servers.apnic import ApnicServer
    from tests.servers.dgg import DggServer, row
    from tests.servers.ioda import Event, IodaServer
    from tests.servers.ooni import OoniServer
    from tests.servers.worldbank import WorldBankServer

    def ioda() -> IodaServer:
        server = IodaServer()
        today = datetime.now(UTC).date()
        for i, (cc, hours) in enumerate([("IR", 30), ("IR", 6), ("UG", 12), ("KE", 3)]):
            start = datetime.combine(today - timedelta(days=40 - 9 * i), datetime.min.time())
            server.events.append(Event(cc, int(start.replace(tzinfo=UTC).timestamp()) + 6 * 3600,
                                       hours * 3600, "bgp", "median", 50.0 + 10 * i))
        return server

    def dgg() -> DggServer:
        today = datetime.now(UTC).date()
        months = {}
        for back in range(3):
            month = (today.replace(day=1) - timedelta(days=31 * back)).strftime("%Y%m")
            months[month] = {cc: row(internet_online_model_prediction=0.6 + 0.01 * i,
                                      mobile_online_model_prediction=0.7 + 0.01 * i)
                             for i, cc in enumerate(("KE", "UG", "BR", "EE", "FR"))}
        return DggServer(months)

    return {"worldbank": WorldBankServer, "ooni": OoniServer, "ioda": ioda, "apnic": ApnicServer,
            "dgg": dgg}


def _dgg_models(change: Callable[[dict], dict]) -> Callable[[Any], Any]:
    def apply(payload: Any) -> Any:
        payload = copy.deepcopy(payload)
        for months in (payload.get("data") or {}).values():
            for month, values in months.items():
                months[month] = change(values)
        return payload

    return apply


def _dgg_duplicate(payload: Any) -> Any:
    """The same country twice: once under its code in lower case."""
    payload = copy.deepcopy(payload)
    data = payload.get("data") or {}
    for code in list(data)[:2]:
        data[code.lower()] = data[code]
    return payload


def specs() -> list[Spec]:
    from datetime import timedelta

    from tests.servers.apnic import LAST_DAY as APNIC_LAST_DAY
    from tests.servers.worldbank import error_payload

    servers = _servers()
    return [
        Spec("worldbank", "json", servers["worldbank"], "/v2", {},
             error_body=json.dumps(error_payload()).encode(),
             empty=lambda p: [{**p[0], "total": 0, "pages": 0}, None] if isinstance(p, list) else p,
             duplicate=json_rows(repeat_some), rename=json_rows(rename_key("value", "val")),
             extra=json_rows(add_key)),
        Spec("ooni", "json", servers["ooni"], "", {"min_interval": 0, "history_days": 30},
             error_body=b'{"error": "Invalid date: since/until must be YYYY-MM-DD", "v": 0}',
             empty=json_rows(lambda rows: []), duplicate=json_rows(repeat_some),
             rename=json_rows(rename_key("measurement_count", "measurements")),
             extra=json_rows(add_key)),
        Spec("ioda", "json", servers["ioda"], "/v2",
             {"min_interval": 0, "countries": ["IR", "UG", "KE"], "history_days": 60},
             error_body=json.dumps({"type": "outages.events", "error": "Unknown entity code",
                                    "data": None, "copyright": "Georgia Tech"}).encode(),
             empty=json_rows(lambda rows: []), duplicate=json_rows(repeat_some),
             rename=json_rows(rename_key("start", "start_time")), extra=json_rows(add_key)),
        Spec("apnic", "json", servers["apnic"], "",
             {"min_interval": 0, "countries": ["KE", "BR"],
              "as_of": (APNIC_LAST_DAY + timedelta(days=20)).isoformat()},
             empty=json_rows(lambda rows: []), duplicate=json_rows(repeat_some),
             rename=json_rows(rename_key("date", "day")), extra=json_rows(add_key)),
        Spec("dgg", "json", servers["dgg"], "", {"months_back": 3},
             error_body=b'{"status": 500, "message": "Internal Server Error: database unavailable"}',
             empty=lambda p: {**p, "data": {}} if isinstance(p, dict) else p,
             duplicate=_dgg_duplicate,
             rename=_dgg_models(lambda v: {("internet_online_prediction" if k ==
                                            "internet_online_model_prediction" else k): x
                                           for k, x in v.items()}),
             extra=_dgg_models(lambda v: {**v, "roamwatch_fault_extra": 0.5})),
        Spec("fotn", "csv", file="fotn", options={"edition": 2018}, renamed_header=("Total", "Sum")),
        Spec("accessnow", "csv", file="accessnow", renamed_header=("start_date", "began")),
        Spec("vdem", "csv", file="vdem", renamed_header=("year", "yr")),
        Spec("itu", "csv", file="itu", header_at=1,
             renamed_header=("Active mobile-broadband subscriptions per 100 inhabitants", "Series 7")),
    ]


# -- the fault proxy ----------------------------------------------------------------------------
class FaultProxy:
    """Forwards GETs to ``upstream`` (or serves ``files``), breaking answers as ``fault`` says."""

    def __init__(self, upstream: str | None, spec: Spec, files: dict[str, bytes] | None = None) -> None:
        self.upstream = urlsplit(upstream) if upstream else None
        self.spec = spec
        self.files = files or {}
        self.fault: str | None = None
        self.hits = 0
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                proxy.serve(self)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def set(self, fault: str | None) -> None:
        with self._lock:
            self.fault, self.hits = fault, 0

    def _fetch(self, path: str) -> tuple[int, str, bytes]:
        if self.upstream is None:
            name = urlsplit(path).path.rsplit("/", 1)[-1]
            body = self.files.get(name)
            return (200, "text/csv; charset=utf-8", body) if body is not None else (404, "text/plain", b"")
        conn = http.client.HTTPConnection(self.upstream.hostname, self.upstream.port, timeout=30)
        try:
            conn.request("GET", path)
            reply = conn.getresponse()
            return reply.status, reply.getheader("Content-Type", "application/json"), reply.read()
        finally:
            conn.close()

    def serve(self, handler: BaseHTTPRequestHandler) -> None:
        with self._lock:
            self.hits += 1
            fault = self.fault
            if fault in TRANSIENT and self.hits > 1:
                fault = None
        if fault == "connection reset":
            handler.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            handler.close_connection = True
            return
        if fault == "read hang":
            time.sleep(HANG_SECONDS)
        status, kind, body = self._fetch(handler.path)
        headers: dict[str, str] = {}
        truncate = None
        if fault == "500":
            status, kind, body = 500, "application/json", b'{"error": "Internal Server Error"}'
        elif fault == "HTML 502":
            status, kind = 502, "text/html"
            body = b"<html><head><title>502 Bad Gateway</title></head><body><h1>502 Bad Gateway</h1>" \
                   b"<hr><center>nginx</center></body></html>"
        elif fault == "429 + Retry-After":
            status, kind, body, headers = 429, "text/plain", b"Too Many Requests", {"Retry-After": "1"}
        elif fault == "truncated body":
            truncate = len(body) // 2
        elif fault == "malformed JSON":
            body = body[: len(body) // 2]
        elif fault == "HTML with 200":
            status, kind = 200, "text/html; charset=utf-8"
            body = b"<!DOCTYPE html><html><body><h1>Maintenance</h1><p>Back soon.</p></body></html>"
        elif fault == "error in 200" and status == 200:
            kind, body = "application/json", self.spec.error_body
        elif fault in ("empty page", "duplicate rows", "renamed field", "new field") and status == 200:
            body = self.transform(fault, body)
        handler.send_response(status)
        for key, value in {"Content-Type": kind, **headers}.items():
            handler.send_header(key, value)
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            handler.wfile.write(body if truncate is None else body[:truncate])
            handler.wfile.flush()
        if truncate is not None:
            handler.close_connection = True

    def transform(self, fault: str, body: bytes) -> bytes:
        spec = self.spec
        if spec.kind == "csv":
            return csv_transform(spec, fault, body)
        change = {"empty page": spec.empty, "duplicate rows": spec.duplicate,
                  "renamed field": spec.rename, "new field": spec.extra}[fault]
        return json.dumps(change(json.loads(body))).encode()


def csv_transform(spec: Spec, fault: str, body: bytes) -> bytes:
    rows = list(csv.reader(io.StringIO(body.decode("utf-8"))))
    head, data = rows[: spec.header_at + 1], rows[spec.header_at + 1:]
    if fault == "empty page":
        rows = head
    elif fault == "duplicate rows":
        rows = head + data + data[: max(1, len(data) // 4)]
    elif fault == "renamed field":
        old, new = spec.renamed_header
        rows = [[new if cell == old else cell for cell in row] for row in head] + data
    elif fault == "new field":
        rows = [row + (["Remark"] if i == spec.header_at else ["x"]) for i, row in enumerate(rows)]
    out = io.StringIO()
    csv.writer(out, lineterminator="\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def demo_files(directory: Path) -> dict[str, tuple[str, bytes]]:
    """The demo data's files as CSV (the ITU workbook's sheet too): key → (name, bytes)."""
    import openpyxl

    from tests.demo import write_files

    files = write_files(directory)
    out = {}
    for key, path in files.items():
        if path.suffix == ".xlsx":
            book = openpyxl.load_workbook(path, read_only=True)
            text = io.StringIO()
            writer = csv.writer(text, lineterminator="\n")
            for row in book.active.iter_rows(values_only=True):
                writer.writerow(["" if c is None else c for c in row])
            book.close()
            out[key] = (path.with_suffix(".csv").name, text.getvalue().encode("utf-8"))
        else:
            out[key] = (path.name, path.read_bytes())
    return out


# -- running a cell ------------------------------------------------------------------------------
def _rows_of(warehouse: Path, source: str) -> dict[tuple, tuple]:
    """The source's observations and events: key → (value, run id)."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        out: dict[tuple, tuple] = {}
        for metric, country, period, value, run_id in con.execute(
                "SELECT metric, country, period, value, run_id FROM observation "
                "WHERE starts_with(metric, ?)", [source + "."]).fetchall():
            out[("obs", metric, country, period)] = (value, run_id)
        for ident, country, start, end, kind, severity, run_id in con.execute(
                "SELECT id, country, start_time, end_time, kind, severity, run_id FROM event "
                "WHERE source = ?", [source]).fetchall():
            out[("event", ident)] = ((country, start, end, kind, severity), run_id)
        dupes = con.execute("SELECT count(*) - count(DISTINCT (metric, country, period)) "
                            "FROM observation").fetchone()[0]
        if dupes:
            raise AssertionError(f"{dupes} duplicate observation keys")
        return out
    finally:
        con.close()


def classify(before: dict, after: dict, run_id: int) -> tuple[str, str]:
    """(data outcome, detail)."""
    if after == before:
        return "kept", ""
    values_before = {k: v for k, (v, _r) in before.items()}
    values_after = {k: v for k, (v, _r) in after.items()}
    if values_after != values_before:
        added = set(values_after) - set(values_before)
        removed = set(values_before) - set(values_after)
        changed = [k for k in set(values_after) & set(values_before) if values_after[k] != values_before[k]]
        return "changed", (f"{len(added)} rows added, {len(removed)} removed, {len(changed)} values "
                           f"changed (e.g. {sorted(map(str, (added or removed or set(changed))))[:2]})")
    rewritten = sum(1 for _k, (_v, r) in after.items() if r == run_id)
    data = "refreshed" if rewritten == len(after) else "partly refreshed"
    return data, f"{rewritten}/{len(after)} rewritten"


@dataclass
class Cell:
    collector: str
    fault: str
    outcome: Outcome
    detail: str
    error: str | None
    seconds: float


def run_matrix(only: set[str] | None = None, faults: tuple[str, ...] = FAULTS,
               log: Callable[[str], None] = lambda _m: None) -> list[Cell]:
    """Every cell; each collector's previous data comes from one clean run through the proxy."""
    from collectors.runner import run_collectors
    from roamwatch.config import load_config

    cells: list[Cell] = []
    with tempfile.TemporaryDirectory(prefix="roamwatch-faults-") as tmp:
        root = Path(tmp)
        files = demo_files(root / "files")
        for spec in specs():
            if only and spec.name not in only:
                continue
            with contextlib.ExitStack() as stack:
                if spec.kind == "json":
                    upstream = stack.enter_context(spec.server())
                    proxy = stack.enter_context(FaultProxy(upstream.url, spec))
                    env = {f"ROAMWATCH_{spec.name.upper()}_BASE_URL": proxy.url + spec.base_path}
                    options = dict(spec.options)
                else:
                    name, content = files[spec.file]
                    proxy = stack.enter_context(FaultProxy(None, spec, {name: content}))
                    env = {}
                    options = {**spec.options, "url": f"{proxy.url}/files/{name}"}
                base = root / f"{spec.name}-base"
                config = load_config(env={"ROAMWATCH_DATA_DIR": str(base), **HTTP_ENV, **env})
                proxy.set(None)
                (first,), _ = run_collectors([spec.name], config, full=True, progress=False,
                                             options=options, log=lambda _m: None)
                if first.status != "success":
                    raise AssertionError(f"{spec.name}: the clean run was {first.status}: {first.error}")
                before = _rows_of(config.warehouse_path, spec.name)
                if not before:
                    raise AssertionError(f"{spec.name}: the clean run stored nothing")
                for fault in faults:
                    data_dir = root / f"{spec.name}-{FAULTS.index(fault)}"
                    shutil.copytree(base, data_dir)
                    cfg = load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir), **HTTP_ENV, **env})
                    proxy.set(fault)
                    started = time.perf_counter()
                    (result,), _ = run_collectors([spec.name], cfg, full=True, progress=False,
                                                  options=options, log=lambda _m: None)
                    seconds = time.perf_counter() - started
                    proxy.set(None)
                    data, detail = classify(before, _rows_of(cfg.warehouse_path, spec.name), result.run_id)
                    error = result.error or "; ".join(result.failed_units.values()) or None
                    if result.status != "success" and not error:
                        detail += "; NO ERROR RECORDED"
                    cell = Cell(spec.name, fault, Outcome(result.status, data), detail, error, seconds)
                    cells.append(cell)
                    log(f"{spec.name:<10} {fault:<18} {cell.outcome!s:<28} {seconds:5.1f} s  "
                        f"{detail}  {(error or '')[:100]}")
                    shutil.rmtree(data_dir, ignore_errors=True)
    return cells


# -- what each cell must give ----------------------------------------------------------------------
#: The outcome of each fault unless a collector's row says otherwise.
DEFAULT: dict[str, Outcome] = {
    "500": KEPT_FAILED,
    "HTML 502": KEPT_FAILED,
    "429 + Retry-After": OK,
    "connection reset": OK,
    "read hang": OK,
    "truncated body": OK,
    "malformed JSON": KEPT_FAILED,
    "HTML with 200": KEPT_FAILED,
    "error in 200": KEPT_FAILED,
    "empty page": KEPT_OK,
    "duplicate rows": OK,
    "renamed field": KEPT_FAILED,
    "new field": OK,
}
#: Cells that differ from DEFAULT: (outcome, why). A reason starting with "⚠" is an open finding:
#: the cell documents what happens today, and a better outcome is wanted.
EXCEPTIONS: dict[tuple[str, str], tuple[Outcome, str]] = {
    ("worldbank", "empty page"): (KEPT_FAILED, "the empty answer also empties the country list the "
                                  "run plans from: planning fails, nothing is touched"),
    ("worldbank", "renamed field"): (Outcome("partial", "kept"),
                                     "the country list is a unit of its own and still lands; every "
                                     "indicator unit fails (every row of its answer is rejected) and no "
                                     "observation is touched"),
    ("dgg", "renamed field"): (Outcome("partial", "kept"),
                               "the months with data fail (a model column missing from every row); a "
                               "month the server has no data for answers empty, which is a success"),
    ("fotn", "malformed JSON"): (Outcome("partial", "partly refreshed"),
                                 "the file is cut inside its last row's total (`…,15,13,25,5`): the rows "
                                 "before it land, that row is rejected (A + B + C differs from the "
                                 "total) and keeps its earlier scores; the run is partial"),
    ("itu", "empty page"): (KEPT_FAILED, "a file with its headers and no economy is no ITU table: the "
                            "file is refused"),
    ("ioda", "empty page"): (Outcome("success", "changed"),
                             "⚠ an empty answer means \"no outage in the window\": the daily outage "
                             "hours of those days become 0 while the events an earlier run stored stay; "
                             "IODA does withdraw events, but then the stored event should go too "
                             "(event retraction is not modelled yet)"),
    ("accessnow", "duplicate rows"): (Outcome("success", "changed"),
                                      "⚠ two identical rows in one sheet are kept as two shutdowns (the "
                                      "event key counts occurrences within a sheet, by design, for "
                                      "same-day shutdowns of one type and area); an exact repeat of every "
                                      "column is more likely a copy"),
}


def expected() -> dict[tuple[str, str], Outcome]:
    out = {}
    for spec in specs():
        for fault in FAULTS:
            out[(spec.name, fault)] = EXCEPTIONS.get((spec.name, fault), (DEFAULT[fault], ""))[0]
    return out


def mismatches(cells: list[Cell]) -> list[str]:
    want = expected()
    out = []
    for cell in cells:
        if cell.outcome != want[(cell.collector, cell.fault)]:
            out.append(f"{cell.collector} × {cell.fault}: {cell.outcome} (expected "
                       f"{want[(cell.collector, cell.fault)]}) {cell.detail} {cell.error or ''}")
        if "NO ERROR RECORDED" in cell.detail:
            out.append(f"{cell.collector} × {cell.fault}: {cell.outcome} without an error in the run record")
    return out


def render() -> str:
    names = [s.name for s in specs()]
    want = expected()
    short = {OK: "✓ refreshed", KEPT_FAILED: "failed · kept", KEPT_OK: "✓ kept"}
    lines = [
        "# Reliability: faults, crashes, hostile requests, load",
        "",
        "<!-- Generated by `python -m tests.faults` from tests/faults.py; do not edit by hand. -->",
        "",
        "What roamwatch does when its upstreams misbehave, when a writer is killed, and when the",
        "dashboard is attacked or loaded. Every table here is checked by a test in `.ci/run`; the",
        "figures (times, memory) are in [benchmarks.md](benchmarks.md).",
        "",
        "## Fault matrix: every collector × every upstream fault",
        "",
        "`tests/test_fault_matrix.py` (`python -m tests.faults --run` prints each cell). Each collector",
        "talks to a local server that speaks its upstream's format (`tests/servers/`; file sources: a",
        "server of the file, as CSV) through a fault proxy on 127.0.0.1. For each cell the warehouse",
        "first holds the collector's data from a clean run; then a `--full` run goes through the",
        "proxy with the fault on. The fault hits every request, except the four transient ones, which",
        "hit the first request only (the retry must recover). HTTP settings of the runs: 3 attempts,",
        "backoff 0.01–0.05 s, read timeout 1 s, `Retry-After` honoured up to 5 s.",
        "",
        "| fault | what the proxy does |",
        "|---|---|",
        *(f"| {f} | {FAULT_MEANS[f]}{' (first request only)' if f in TRANSIENT else ''} |" for f in FAULTS),
        "",
        "Outcome of a cell: the run's status, then what happened to the source's rows. **kept**: "
        "untouched (same values, same run id); **refreshed**: every row re-written by the new run "
        "with the same values; **partly refreshed**: some were; **changed**: a value changed or a "
        "row was added or removed (the upstream's data did not change, so this is never wanted). "
        "Checked in every cell as well: no exception escapes the runner, no key is stored twice, and "
        "a run that is not `success` records why. ✓ = `success`.",
        "",
        "| fault | " + " | ".join(names) + " |",
        "|---|" + "---|" * len(names),
    ]
    for fault in FAULTS:
        cells = []
        for name in names:
            outcome = want[(name, fault)]
            text = short.get(outcome, str(outcome).replace("success", "✓").replace(", ", " · "))
            if (name, fault) in EXCEPTIONS:
                text += " ⚠" if EXCEPTIONS[(name, fault)][1].startswith("⚠") else " *"
            cells.append(text)
        lines.append(f"| {fault} | " + " | ".join(cells) + " |")
    lines += ["", "Cells marked * or ⚠ differ from their row's usual outcome:", ""]
    for (name, fault), (outcome, why) in EXCEPTIONS.items():
        lines.append(f"- **{name} × {fault}** ({outcome}): {why.lstrip('⚠ ')}"
                     + (" *(open finding)*" if why.startswith("⚠") else ""))
    lines += [
        "",
        "What holds every failing cell together: a unit is one transaction, so a unit that fails "
        "(HTTP error after retries, a body that is not what the source sends, the source's own "
        "error, a format change such as a renamed field, where every row of the answer is rejected) "
        "leaves its previous data exactly as it was, and the run names the error. A file cut "
        "mid-row is refused whole; a row whose parts and total disagree is rejected alone and makes "
        "the run partial.",
        "",
        "## Crash loop: writers killed at any moment",
        "",
        "`tests/test_crash_loop.py` (`python -m tests.crashloop --kills 500` for a longer one; "
        "`ROAMWATCH_CRASH_KILLS`, `ROAMWATCH_CRASH_SEED`). Real `roamwatch collect worldbank --full` "
        "and `roamwatch scores` processes, against a local World Bank server that takes a moment "
        "per answer, are killed with SIGKILL at seeded moments aimed at each phase in turn, told from "
        "outside the process: **fetch** (a request in flight at the server), **upsert** (just after "
        "an answer, before the next request), **score write** (`scores` holds the writer lock, no "
        "publishing yet), **snapshot publish** (a `serving/.staging-*` directory exists). After "
        "every kill:",
        "",
        "- the writer lock is free at once (a kernel `flock`, dropped with its process);",
        "- the warehouse opens; no table's row count fell; no key of `observation`, `event`, `score`, "
        "`metric`, `country`, `collector_run` appears twice;",
        "- `serving/CURRENT` names a snapshot whose every table reads;",
        "- `roamwatch status` reports every run the warehouse still records as running as "
        "*interrupted* (no writer holds the lock, so its process is gone).",
        "",
        "Every tenth kill and at the end an uninterrupted `collect` and `scores` succeed and the "
        "observations equal the first run's. CI runs 50 kills; the phases hit and the time taken "
        "are in [benchmarks.md](benchmarks.md) (`python -m bench.bench_crashloop`).",
        "",
        "## Hostile requests and fuzzing",
        "",
        "The hostile requests of issue 16 (`tests/hostile.py`: oversized URLs, lists, bodies and "
        "nesting, absurd country codes, bad callback envelopes and values, traversal paths, "
        "protocol-relative paths, a foreign `Host`) each get a clean 4xx with the security "
        "headers, and leave the server's memory within 20 % of before (`tests/test_hardening.py`; "
        "times and memory: `python -m bench.bench_hostile`). `tests/test_fuzz.py` sends property-"
        "based requests (Hypothesis) to every GET route of the server, every page with its "
        "parameters, and every callback with any JSON in every input, all discovered from the app "
        "itself: no 5xx, no traceback, no input reflected into a page, a header or a link, bounded "
        "time per request and bounded memory over the run (5,000 cases in CI, about 1–2 minutes; "
        "`ROAMWATCH_FUZZ_CASES`, `ROAMWATCH_FUZZ_SEED` for more; `python -m bench.bench_fuzz "
        "--cases N` records requests, times and memory in [benchmarks.md](benchmarks.md)). See "
        "[security.md](security.md).",
        "",
        "## Load",
        "",
        "`tests/test_load.py` and `python -m bench.bench_load`: 50 concurrent clients for 60 s on "
        "cached and uncached pages of `roamwatch serve`, while a writer publishes snapshots back to "
        "back; the test requires 0 errors, and a failure prints the server's tracebacks. p50/p95/p99, "
        "requests per second and the server's RSS are in [benchmarks.md](benchmarks.md). A "
        "dashboard keeps a replaced snapshot's reader open for 30 s, so a request that started on "
        "it finishes even while new snapshots arrive every few seconds.",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="store_true", help="run every cell and compare")
    parser.add_argument("--only", help="with --run: comma-separated collectors")
    parser.add_argument("--check", action="store_true", help="fail when docs/reliability.md is out of date")
    args = parser.parse_args(argv)
    status = 0
    if args.run:
        cells = run_matrix(set(args.only.split(",")) if args.only else None,
                           log=lambda m: print(m, flush=True))
        problems = mismatches(cells)
        print("\n".join(problems) or f"{len(cells)} cells, every one as expected")
        status = 1 if problems else 0
    text = render()
    if args.check:
        if not DOC.exists() or DOC.read_text(encoding="utf-8") != text:
            print(f"{DOC} is out of date: run `python -m tests.faults`", file=sys.stderr)
            return 1
        return status
    if not args.run:
        DOC.write_text(text, encoding="utf-8")
        print(f"wrote {DOC}", file=sys.stderr)
    return status


if __name__ == "__main__":
    sys.exit(main())
