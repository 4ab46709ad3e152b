"""Talk to a running dashboard the way browsers (and attackers) do: raw HTTP over a socket.

``http.client`` sends the request target exactly as given (``//evil.example/x``, ``..``, huge
query strings, any ``Host``), which ``requests`` and ``urllib`` would normalise. Also: Dash
callback envelopes built from ``/_dash-dependencies``, the server process's RSS, and a
``roamwatch serve`` subprocess on a free port.
"""

from __future__ import annotations

import http.client
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.helpers import free_port, subprocess_env

REPO = Path(__file__).resolve().parents[1]


@dataclass
class Reply:
    status: int
    headers: dict[str, str]  # lower-case names; repeated headers joined with ", "
    body: bytes
    seconds: float

    @property
    def text(self) -> str:
        return self.body.decode("utf-8", "replace")

    def json(self) -> Any:
        return json.loads(self.body)


def request(base: str, method: str, target: str, body: bytes | None = None,
            headers: dict[str, str] | None = None, timeout: float = 60.0) -> Reply:
    """One request on a fresh connection; ``target`` is sent as is."""
    host, port = base.removeprefix("http://").split(":")
    conn = http.client.HTTPConnection(host, int(port), timeout=timeout)
    started = time.perf_counter()
    try:
        conn.putrequest(method, target, skip_host=True, skip_accept_encoding=True)
        sent = {k.lower(): v for k, v in (headers or {}).items()}
        conn.putheader("Host", sent.pop("host", f"{host}:{port}"))
        for key, value in sent.items():
            conn.putheader(key, value)
        if body is not None and "content-length" not in sent:
            conn.putheader("Content-Length", str(len(body)))
        conn.endheaders()
        if body:
            with suppress(BrokenPipeError, ConnectionResetError):
                conn.send(body)  # the server may answer early (413) and close: read that answer
        reply = conn.getresponse()
        data = reply.read()
        merged: dict[str, str] = {}
        for key, value in reply.getheaders():
            key = key.lower()
            merged[key] = f"{merged[key]}, {value}" if key in merged else value
        return Reply(reply.status, merged, data, time.perf_counter() - started)
    finally:
        conn.close()


def get(base: str, target: str, **kw: Any) -> Reply:
    return request(base, "GET", target, **kw)


def post_json(base: str, target: str, payload: Any, **kw: Any) -> Reply:
    body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
    headers = {"Content-Type": "application/json", **kw.pop("headers", {})}
    return request(base, "POST", target, body=body, headers=headers, **kw)


# -- Dash callbacks -----------------------------------------------------------------------------
def _ids(output: str) -> list[dict[str, str]]:
    """``"..a.b...c.d.."`` or ``"a.b"`` → ``[{"id": "a", "property": "b"}, …]`` (ids without dots)."""
    parts = output.strip(".").split("...") if output.startswith("..") else [output]
    out = []
    for part in parts:
        ident, _, prop = part.split("@")[0].rpartition(".")
        with suppress(ValueError):  # pattern-matching ids are JSON
            ident = json.loads(ident)
        out.append({"id": ident, "property": prop})
    return out


def callback_body(dep: dict[str, Any], values: list[Any], state: list[Any] | None = None,
                  changed: int = 0) -> dict[str, Any]:
    """The JSON the browser POSTs to ``/_dash-update-component`` for callback ``dep`` with its
    inputs set to ``values`` (and its states to ``state``)."""
    outputs = _ids(dep["output"])
    inputs = [{"id": i["id"], "property": i["property"], "value": v}
              for i, v in zip(dep["inputs"], values, strict=True)]
    states = [{"id": s["id"], "property": s["property"], "value": v}
              for s, v in zip(dep["state"], state or [None] * len(dep["state"]), strict=True)]
    for item in inputs + states:  # pattern-matching ids arrive as JSON text in dependencies
        if isinstance(item["id"], str) and item["id"].startswith("{"):
            item["id"] = json.loads(item["id"])
    body = {
        "output": dep["output"],
        "outputs": outputs if dep["output"].startswith("..") else outputs[0],
        "inputs": inputs,
        "state": states,
        "changedPropIds": [f"{inputs[changed]['id']}.{inputs[changed]['property']}"] if inputs else [],
    }
    return body


def find_callback(deps: list[dict[str, Any]], output_part: str, input_id: str | None = None) -> dict:
    for dep in deps:
        if output_part in dep["output"] and (
                input_id is None or any(i["id"] == input_id for i in dep["inputs"])):
            return dep
    raise KeyError(f"no callback with output {output_part!r} and input {input_id!r}")


def router_body(deps: list[dict[str, Any]], pathname: Any, search: Any = "") -> dict[str, Any]:
    """The pages router callback (what the browser sends for every page view)."""
    dep = find_callback(deps, "_pages_content.children")
    return callback_body(dep, [pathname, search], [pathname])


def page_body(deps: list[dict[str, Any]], path: str) -> dict[str, Any]:
    """The pages router callback the browser sends when it opens ``path``
    (``/country/KEN?lang=fr``)."""
    pathname, _, search = path.partition("?")
    return router_body(deps, pathname, "?" + search if search else "")


# -- the server process -------------------------------------------------------------------------
def rss_mb(pid: int) -> float:
    with open(f"/proc/{pid}/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


@dataclass
class Server:
    base: str
    proc: subprocess.Popen
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def rss(self) -> float:
        return rss_mb(self.pid)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


@contextmanager
def serve(data_dir: Path, log: Path, extra_env: dict[str, str] | None = None,
          args: list[str] | None = None) -> Iterator[Server]:
    """``roamwatch serve`` (this checkout, this Python) on a free port until the block ends;
    its output goes to ``log``."""
    port = free_port()
    env = subprocess_env(ROAMWATCH_DATA_DIR=str(data_dir), **(extra_env or {}))
    fh = log.open("wb")
    proc = subprocess.Popen([sys.executable, "-m", "roamwatch.cli", "serve", "--port", str(port),
                             *(args or [])], env=env, cwd=REPO, stdout=fh, stderr=subprocess.STDOUT)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if get(base, "/_dash-layout", timeout=5).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"roamwatch serve did not start:\n{log.read_text()[-2000:]}")
            time.sleep(0.2)
        yield Server(base, proc, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        fh.close()
