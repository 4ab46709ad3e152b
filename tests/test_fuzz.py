"""Property-based fuzzing of every route, page parameter and callback of the dashboard.

Everything fuzzed is discovered from the app itself, so routes, pages and callbacks added later
are covered without a change here: the Flask URL map (every GET route, its converters filled
with hostile text), Dash's page registry (every path and path template, each layout's named
parameters and a random one), and Dash's callback map (every callback, each input and state
filled with JSON of any shape, and plausible values). Properties of every answer:

- no 5xx, and no traceback text;
- no reflected input: a marker string sent in the request never appears in an HTML page or a
  header, nor in a link (``href``/``src``) or Markdown of a callback answer (text shown as text
  is fine: React escapes it);
- bounded time per request, and the server's memory stays bounded over the whole run.

The requests go to a real ``roamwatch serve`` (waitress, the guard, the app) over loopback, as
sent: paths are not normalised on the way.

Cases: ``ROAMWATCH_FUZZ_CASES`` (default 5,000: a fifth GET routes, three tenths pages, half
callbacks), seed
``ROAMWATCH_FUZZ_SEED`` (default fixed, so CI is reproducible), e.g.
``ROAMWATCH_FUZZ_CASES=100000 ROAMWATCH_FUZZ_SEED=$RANDOM pytest tests/test_fuzz.py``.
``python -m bench.bench_fuzz [--cases N]`` runs this module and records its figures (C5).
"""

from __future__ import annotations

import json
import os
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, seed, settings
from hypothesis import strategies as st

from tests import dashclient

CASES = int(os.environ.get("ROAMWATCH_FUZZ_CASES", "5000"))
SEED = int(os.environ.get("ROAMWATCH_FUZZ_SEED", "16"))
#: Wall time one request may take (generous: CI machines are shared).
MAX_SECONDS = float(os.environ.get("ROAMWATCH_FUZZ_MAX_SECONDS", "10"))
#: Growth of the server's RSS after its first 200 requests (which load the snapshot and fill
#: the caches; these hold at most 32 + 96 MB), over the whole run.
MAX_GROWTH_MB = 150
MARKER = "<rwfz>\"'"
LINK_KEYS = {"href", "src", "dangerously_allow_html", "style"}

SETTINGS = dict(database=None, deadline=None, derandomize=False, print_blob=True,
                suppress_health_check=list(HealthCheck))


# -- the server, and what it exposes -------------------------------------------------------------
# ``demo_app`` (conftest), the same app in this process: to discover routes, pages and known values.
@pytest.fixture(scope="module")
def server(demo_data_dir, tmp_path_factory):
    with dashclient.serve(demo_data_dir, tmp_path_factory.mktemp("fuzz-log") / "serve.log") as srv:
        yield srv


@pytest.fixture(scope="module")
def deps(server):
    return dashclient.get(server.base, "/_dash-dependencies").json()


@pytest.fixture(scope="module")
def budget(server):
    """Per-request times and the server's RSS, checked once all kinds ran."""
    return {"times": [], "rss": [server.rss()], "server": server}


def _known(app) -> dict[str, list]:
    """Plausible values: real country codes, metric ids, years, pages."""
    from dashboard import data

    svc = data.get()
    countries = list(svc.countries()["iso3"][:40])
    metrics = list(svc.metrics()["id"][:40])
    return {"countries": countries, "metrics": metrics, "years": list(range(1995, 2027)),
            "langs": ["en", "fr", "ar", "zh", "xx"]}


NASTY = ["", " ", "..", "../../etc/passwd", "//evil.example/x", "/\\evil", "%00", "\x00", "\ud7ff",
         "javascript:alert(1)", "<script>alert(1)</script>" + MARKER, "-1", "1e309", "NaN", "null",
         "[]", "{}", "KEN", "ken", "Kenya", "worldbank.IT.NET.USER.ZS", "2020", "asc", "desc",
         "fr", "ar", "%2C", "|", ",", "é", "🙂", "\u202e", "A.B.x:2", "value:desc", MARKER]


def _hostile_text() -> st.SearchStrategy[str]:
    """Short random text, known nasty strings, long repeats of them, and the marker."""
    return st.one_of(
        st.text(max_size=12),
        st.sampled_from(NASTY),
        st.tuples(st.sampled_from(NASTY), st.integers(2, 2000)).map(lambda t: t[0] * t[1]),
        st.text(max_size=8).map(lambda s: s + MARKER),
    )


def _json(known: dict[str, list]) -> st.SearchStrategy[Any]:
    scalars = st.one_of(
        st.none(), st.booleans(),
        st.sampled_from([0, 1, -1, 2**31, 2**63, 2**70, -(2**80), 1.5, 1e308, -0.0]),
        st.integers(-10**6, 10**6),
        _hostile_text(),
        st.sampled_from(known["countries"] + known["metrics"] + known["years"] + known["langs"]),
    )
    keys = st.sampled_from(["startRow", "endRow", "sortModel", "colId", "sort", "points", "location",
                            "customdata", "index", "type", "lang", "x"])
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(keys, inner, max_size=4)),
        max_leaves=8,
    )


# -- checking one answer ---------------------------------------------------------------------------
def _walk(value: Any, key: str = "", parent: Any = None):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _walk(v, k, value)
    elif isinstance(value, list):
        for v in value:
            yield from _walk(v, key, parent)
    elif isinstance(value, str):
        yield key, value, parent


def problems(reply: dashclient.Reply, what: str) -> list[str]:
    out = []
    body = reply.body.decode("utf-8", "replace")  # binary answers too (icons, zips)
    if reply.status >= 500:
        out.append(f"{what}: HTTP {reply.status}: {body[:300]}")
    if "Traceback (most recent call last)" in body:
        out.append(f"{what}: traceback in the answer")
    if MARKER in str(reply.headers):
        out.append(f"{what}: input reflected in a header")
    kind = reply.headers.get("content-type", "")
    if kind.startswith("text/html") and MARKER in body:
        out.append(f"{what}: input reflected in an HTML page")
    if kind.startswith("application/json") and reply.status == 200:
        try:
            payload = json.loads(body)
        except ValueError:
            return out + [f"{what}: a JSON answer that is not JSON"]
        for key, value, parent in _walk(payload):
            if key in LINK_KEYS and (MARKER in value or value.startswith(("//", "/\\"))
                                     or value.lower().lstrip().startswith("javascript:")):
                out.append(f"{what}: {key} {value[:80]!r} in a callback answer")
            if isinstance(parent, dict) and key == "children" and MARKER in value and (
                    parent.get("dangerously_allow_html") or "link_target" in parent):
                out.append(f"{what}: input rendered as HTML or Markdown")
    return out


def _timed(budget, method: str, target: str, body: bytes | None = None) -> tuple[dashclient.Reply, float]:
    server = budget["server"]
    headers = {"Content-Type": "application/json"} if body is not None else {}
    reply = dashclient.request(server.base, method, target, body, headers, timeout=120)
    budget["times"].append(reply.seconds)
    if len(budget["times"]) % 200 == 0:
        budget["rss"].append(server.rss())
    return reply, reply.seconds


def _check(reply, elapsed: float, what: str) -> None:
    found = problems(reply, what)
    if elapsed > MAX_SECONDS:
        found.append(f"{what}: took {elapsed:.1f} s")
    assert not found, "\n".join(found)


# -- 1. every GET route of the server ---------------------------------------------------------------
def _route_paths(app) -> list[str]:
    rules = []
    for rule in app.server.url_map.iter_rules():
        if "GET" in (rule.methods or ()):
            rules.append(rule.rule)
    return sorted(set(rules))


def _fill_rule(rule: str, parts: list[str]) -> str:
    it = iter(parts)
    return re.sub(r"<[^>]+>", lambda _m: next(it, "x"), rule)


def test_every_get_route_with_hostile_parts(demo_app, budget):
    rules = _route_paths(demo_app)
    assert "/download/data.csv" in rules and "/<path:path>" in rules  # discovered, not listed
    known = _known(demo_app)
    query = st.dictionaries(st.sampled_from(["metric", "metrics", "countries", "year", "from", "to",
                                             "lang", "sort", "region", "income", "category", "w"])
                            | st.text(max_size=10), _hostile_text()
                            | st.sampled_from(known["countries"] + known["metrics"]), max_size=6)

    n = max(50, CASES * 2 // 10)

    @seed(SEED)
    @settings(max_examples=n, **SETTINGS)
    @given(rule=st.sampled_from(rules), parts=st.lists(_hostile_text(), min_size=2, max_size=2),
           params=query, raw=st.booleans())
    def case(rule, parts, params, raw):
        from urllib.parse import quote, urlencode

        path = _fill_rule(rule, [quote(p, safe="/") if not raw else re.sub(r"[^!-~]|[?#%]", "", p)
                                 for p in parts])
        target = path + ("?" + urlencode(params) if params else "")
        reply, elapsed = _timed(budget, "GET", target)
        _check(reply, elapsed, f"GET {target[:200]!r}")

    before = len(budget["times"])
    case()
    assert len(budget["times"]) - before >= n  # every case was really sent


# -- 2. every page, through the pages router callback ----------------------------------------------
def _page_templates() -> list[tuple[str, list[str]]]:
    import inspect

    import dash

    out = []
    for page in dash.page_registry.values():
        template = page.get("path_template") or page["path"]
        layout = page.get("layout")
        target = getattr(layout, "__wrapped__", layout)
        while hasattr(target, "__wrapped__"):
            target = target.__wrapped__
        names = [n for n, p in inspect.signature(target).parameters.items()
                 if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)] if callable(target) else []
        out.append((template, names))
    return out


def test_every_page_and_its_parameters(demo_app, deps, budget):
    pages = _page_templates()
    assert any("<" in t for t, _ in pages) and any(t == "/data" for t, _ in pages)
    known = _known(demo_app)
    value = _hostile_text() | st.sampled_from(known["countries"] + known["metrics"]
                                              + [str(y) for y in known["years"]] + known["langs"])

    n = max(50, CASES * 3 // 10)

    @seed(SEED)
    @settings(max_examples=n, **SETTINGS)
    @given(page=st.sampled_from(pages), variable=value, data=st.data())
    def case(page, variable, data):
        from urllib.parse import urlencode

        template, names = page
        path = re.sub(r"<[^>]+>", lambda _m: variable.replace("/", "").replace("?", "") or "x", template)
        keys = st.sampled_from(names + ["lang", "junk"]) if names else st.sampled_from(["lang", "junk"])
        params = data.draw(st.lists(st.tuples(keys, value), max_size=6))
        search = "?" + urlencode(params) if params else ""
        body = dashclient.router_body(deps, path, search)
        reply, elapsed = _timed(budget, "POST", "/_dash-update-component", json.dumps(body).encode())
        _check(reply, elapsed, f"page {path[:120]!r} {search[:200]!r}")

    before = len(budget["times"])
    case()
    assert len(budget["times"]) - before >= n  # every case was really sent


# -- 3. every callback, every input --------------------------------------------------------------
def test_every_callback_with_any_json(demo_app, deps, budget):
    callbacks = [d for d in deps if d.get("clientside_function") is None]
    assert len(callbacks) >= 5
    known = _known(demo_app)
    values = _json(known)

    n = max(50, CASES * 5 // 10)

    @seed(SEED)
    @settings(max_examples=n, **SETTINGS)
    @given(dep=st.sampled_from(callbacks), data=st.data())
    def case(dep, data):
        inputs = data.draw(st.lists(values, min_size=len(dep["inputs"]), max_size=len(dep["inputs"])))
        state = data.draw(st.lists(values, min_size=len(dep["state"]), max_size=len(dep["state"])))
        body = dashclient.callback_body(dep, inputs, state,
                                        changed=data.draw(st.integers(0, max(0, len(inputs) - 1))))
        raw = json.dumps(body, default=str).encode()
        reply, elapsed = _timed(budget, "POST", "/_dash-update-component", raw)
        _check(reply, elapsed, f"callback {dep['output'][:80]} with {raw[:300]!r}")

    before = len(budget["times"])
    case()
    assert len(budget["times"]) - before >= n  # every case was really sent


def test_regressions_found_by_fuzzing(deps, budget):
    """Cases the fuzzer found, kept as plain examples."""
    for path, search in (("/compare", "?countries=AD"),  # a country without values: no line
                         ("/compare", "?countries=AD,KEN&metric=worldbank.IT.NET.USER.FE.ZS")):
        body = json.dumps(dashclient.router_body(deps, path, search)).encode()
        reply, elapsed = _timed(budget, "POST", "/_dash-update-component", body)
        _check(reply, elapsed, f"page {path} {search}")
        assert reply.status == 200


def test_server_memory_stayed_bounded(budget):
    """Runs after the fuzzing tests (tests in a module run in order)."""
    if len(budget["times"]) < 10:
        pytest.skip("run with the fuzzing tests")
    budget["rss"].append(budget["server"].rss())
    warm = budget["rss"][1] if len(budget["rss"]) > 2 else budget["rss"][0]
    growth = max(budget["rss"][1:]) - warm
    times = sorted(budget["times"])
    print(f"fuzz: {len(times)} requests, median {times[len(times) // 2] * 1000:.1f} ms, "
          f"p99 {times[int(len(times) * 0.99)] * 1000:.1f} ms, max {times[-1] * 1000:.0f} ms; "
          f"RSS {budget['rss'][0]:.0f} → {budget['rss'][-1]:.0f} MB (max {max(budget['rss']):.0f})")
    report = os.environ.get("ROAMWATCH_FUZZ_REPORT")  # set by bench/bench_fuzz.py
    if report:
        with open(report, "w", encoding="utf-8") as fh:
            json.dump({"cases": CASES, "seed": SEED, "requests": len(times),
                       "median_ms": times[len(times) // 2] * 1000,
                       "p99_ms": times[int(len(times) * 0.99)] * 1000, "max_ms": times[-1] * 1000,
                       "rss_mb": budget["rss"], "growth_mb": growth}, fh)
    assert growth < MAX_GROWTH_MB, budget["rss"]
