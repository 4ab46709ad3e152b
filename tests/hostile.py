"""The hostile requests of issue 16, as data: each with the answer a hardened server gives.

Used by ``tests/test_hardening.py`` (statuses, headers, no reflection, memory) and by
``bench/bench_hostile.py`` (time and RSS of each, before/after figures in docs/benchmarks.md).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from tests.dashclient import Reply, callback_body, find_callback, router_body


@dataclass
class Attack:
    name: str
    method: str
    target: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)
    #: statuses a hardened server may answer
    expect: frozenset[int] = frozenset({400})
    #: text that must not appear in the answer (body or headers)
    forbid: tuple[str, ...] = ()
    #: an extra check of the answer: a problem description, or None
    check: Callable[[Reply], str | None] | None = None
    what: str = ""

    def problems(self, reply: Reply) -> list[str]:
        out = []
        if reply.status not in self.expect:
            out.append(f"{self.name}: status {reply.status}, expected {sorted(self.expect)}")
        haystack = reply.text + "\n" + "\n".join(f"{k}: {v}" for k, v in reply.headers.items())
        for text in self.forbid:
            if text in haystack:
                out.append(f"{self.name}: answer contains {text!r}")
        if self.check is not None:
            problem = self.check(reply)
            if problem:
                out.append(f"{self.name}: {problem}")
        return out


def _json(payload: Any) -> bytes:
    return json.dumps(payload).encode()


def _post(name: str, payload: Any, **kw: Any) -> Attack:
    body = payload if isinstance(payload, bytes) else _json(payload)
    return Attack(name, "POST", "/_dash-update-component", body,
                  {"Content-Type": "application/json"}, **kw)


def _csv_header(reply: Reply) -> str | None:
    first = reply.text.split("\r\n", 1)[0]
    if not first.startswith("metric,"):
        return f"an empty selection must still download its header line, got {reply.text[:80]!r}"
    return None


def _one_charset(reply: Reply) -> str | None:
    kind = reply.headers.get("content-type", "")
    if kind.lower().count("charset") != 1:
        return f"Content-Type {kind!r} must name one charset"
    return None


def _walk(value: Any, key: str = "") -> Any:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key)
    elif isinstance(value, str):
        yield key, value


def _no_offsite_links(reply: Reply) -> str | None:
    """No link in a callback answer is protocol-relative (``//host``) or ``javascript:``."""
    if "json" not in reply.headers.get("content-type", ""):
        return None
    for key, value in _walk(reply.json()):
        if key in ("href", "src", "pathname") and (
                value.startswith(("//", "/\\")) or value.lower().startswith("javascript:")):
            return f"{key} {value[:60]!r} leaves the site"
    return None


def attacks(deps: list[dict[str, Any]]) -> list[Attack]:
    """Every hostile request; ``deps`` is the app's ``/_dash-dependencies``."""
    grid = find_callback(deps, "data-grid.getRowsResponse")
    weights = find_callback(deps, "url.search", "reweight-apply")
    compare = find_callback(deps, "url.search", "compare-metric")
    shell = find_callback(deps, "rw-header.children")
    metrics = ",".join(f"a{i}" for i in range(30000))
    nested = b"[" * 100_000 + b"]" * 100_000
    return [
        # 1. bounded work per request
        Attack("long list in the URL", "GET", f"/data?metrics={metrics}",
               expect=frozenset({414}), what="GET /data?metrics=a0,…,a29999 (199 KB)"),
        Attack("many query parameters", "GET", "/?" + "&".join(f"p{i}=1" for i in range(2000)),
               expect=frozenset({400, 414})),
        _post("16 MB callback body", b'{"output": "' + b"x" * (16 << 20) + b'"}',
              expect=frozenset({413}), what="16 MB POST /_dash-update-component"),
        _post("20 MB nested body", b"[" * (10 << 20) + b"]" * (10 << 20), expect=frozenset({413})),
        _post("deeply nested body", nested, what="100,000 levels of [ in 200 KB"),
        _post("long list in a callback's search", router_body(deps, "/data", f"?metrics={metrics}"),
              expect=frozenset({400, 414})),
        _post("2 M-character country in the router", router_body(deps, "/country/" + "A" * 2_000_000),
              expect=frozenset({400, 413})),
        _post("300 k-character country in the router", router_body(deps, "/country/" + "Q" * 300_000),
              expect=frozenset({400, 414})),
        _post("200 k-character country in a dropdown",
              callback_body(compare, [None, ["K" * 200_000]], [""]), expect=frozenset({400})),
        # 3. clean 4xx
        Attack("unknown component suite", "GET", "/_dash-component-suites/nope/x.js",
               expect=frozenset({404}), forbid=("Traceback",)),
        Attack("unknown file in a suite", "GET", "/_dash-component-suites/dash/nope.js",
               expect=frozenset({404}), forbid=("Traceback", "registered")),
        Attack("traversal in a suite", "GET", "/_dash-component-suites/dash/../../../etc/passwd",
               expect=frozenset({400, 404}), forbid=("root:",)),
        Attack("traversal in assets", "GET", "/assets/../app.py", expect=frozenset({400, 404}),
               forbid=("import dash",)),
        _post("router pathname without a slash", router_body(deps, "country/KEN")),
        _post("router pathname of the wrong type", router_body(deps, {"a": 1})),
        _post("unknown callback output", {"output": "nope.children", "outputs": {"id": "nope",
              "property": "children"}, "inputs": [], "state": [], "changedPropIds": []},
              expect=frozenset({400, 404})),
        _post("callback envelope of the wrong shape", [1, 2, 3]),
        _post("callback body that is not JSON", b"{not json"),
        _post("grid sort model without colId",
              callback_body(grid, [{"startRow": 0, "endRow": 100, "sortModel": [{"sort": "asc"}]}], [""])),
        _post("grid start row 2**70",
              callback_body(grid, [{"startRow": 2**70, "endRow": 2**70 + 100, "sortModel": []}], [""])),
        _post("weight that is not a number",
              callback_body(weights, [1, "A", 2023],
                            [["abc"], [{"type": "reweight-weight", "index": "A.A.x"}], ""])),
        _post("protocol-relative pathname in the shell", callback_body(shell, ["//evil.example/x", ""]),
              expect=frozenset({400}), check=_no_offsite_links),
        Attack("protocol-relative page path", "GET", "//evil.example/x",
               expect=frozenset({301, 308, 404}), forbid=("Location: //",)),
        Attack("unknown download", "GET", "/download/nope", expect=frozenset({404})),
        Attack("unknown download file", "GET", "/download/country/KEN.exe", expect=frozenset({404})),
        Attack("unknown underscore path", "GET", "/_nope", expect=frozenset({404})),
        Attack("empty selection download", "GET", "/download/data.csv?metrics=worldbank.nope",
               expect=frozenset({200}), check=lambda r: _csv_header(r) or _one_charset(r)),
        Attack("foreign Host header", "GET", "/", headers={"Host": "evil.example"},
               expect=frozenset({200}), forbid=("evil.example",)),
    ]
