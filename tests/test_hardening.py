"""The hardened dashboard server: request limits, clean 4xx, security headers, bounded caches.

The hostile requests of issue 16 (``tests/hostile.py``) go to a real ``roamwatch serve``
(waitress) over a socket; the rest uses the Flask test client on the same app. Times and memory
of each hostile request are measured by ``bench/bench_hostile.py``.
"""

from __future__ import annotations

import json
import re
import time

import pytest

from dashboard import data, guard
from dashboard.components import inputs, urlstate
from roamwatch.config import load_config
from tests import dashclient, hostile

HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


@pytest.fixture(scope="module")
def client(demo_app):
    return demo_app.server.test_client()


@pytest.fixture(scope="module")
def deps(client):
    return client.get("/_dash-dependencies").get_json()


def _secured(headers) -> list[str]:
    """What is wrong with one response's headers."""
    problems = [f"no {name}" for name in HEADERS if name not in {k.lower() for k, _v in headers.items()}]
    csp = headers.get("Content-Security-Policy", "")
    if "unsafe-eval" in csp or re.search(r"script-src[^;]*unsafe-inline", csp):
        problems.append("scripts allowed inline or by eval")
    if "frame-ancestors 'none'" not in csp or headers.get("X-Frame-Options") != "DENY":
        problems.append("framing not refused")
    if headers.get("Referrer-Policy") != "no-referrer" or headers.get("X-Content-Type-Options") != "nosniff":
        problems.append("wrong referrer or nosniff header")
    if headers.get("Server") or headers.get("X-Powered-By"):
        problems.append("a server banner")
    if headers.get("Content-Type", "").lower().count("charset") > 1:
        problems.append("two charsets")
    return problems


# -- the parts, alone ------------------------------------------------------------------------------
def test_json_depth_is_one_scan_that_skips_strings():
    assert guard.json_depth(b'{"a": [1, {"b": "[[[[{{{{"}]}', 10) == 3
    assert guard.json_depth(b'"\\"[[["', 10) == 0
    assert guard.json_depth(b"[" * 100_000, 32) == 33  # stops right after the limit


def test_list_items_counts_raw_and_encoded_separators():
    assert guard.list_items("a,b,c") == 3
    assert guard.list_items("a%2Cb%2cc%7Cd") == 3
    assert guard.list_items("x|y") == 2


def test_query_limits():
    limits = guard.Limits(max_params=3, max_list=4)
    guard.check_query("a=1&b=2&c=3", limits)
    with pytest.raises(guard.Rejected) as many:
        guard.check_query("a=1&b=2&c=3&d=4", limits)
    assert many.value.status == 400
    with pytest.raises(guard.Rejected, match="list"):
        guard.check_query("?metrics=a,b,c,d,e", limits)


def test_one_charset_and_policy_text():
    assert guard._one_charset("text/csv; charset=utf-8; charset=utf-8") == "text/csv; charset=utf-8"
    csp = guard.content_security_policy(["'sha256-abc'"], "'self' https://example.org", ["'sha256-st'"])
    assert "script-src 'self' 'sha256-abc'" in csp
    assert "style-src-elem 'self' 'sha256-st'" in csp and "unsafe-eval" not in csp
    assert "frame-ancestors 'self' https://example.org" in csp
    assert dict(guard.security_headers(csp, "'self' https://example.org")).get("X-Frame-Options") is None


def test_urlstate_parses_in_linear_time_within_bounds():
    items = ",".join(f"a{i}" for i in range(200_000))
    started = time.perf_counter()
    parsed = urlstate.split_list(items)
    assert time.perf_counter() - started < 2  # quadratic took minutes for this size
    assert parsed[:3] == ["a0", "a1", "a2"] and len(parsed) == urlstate.MAX_LIST
    assert urlstate.split_list("b,a,b,,a,c") == ["b", "a", "c"]
    assert len(urlstate.parse("&".join(f"p{i}=1" for i in range(1000)))) == urlstate.MAX_PARAMS
    assert urlstate.safe_path("//evil.example/x") == "/evil.example/x"
    assert urlstate.safe_path("/\\evil.example") == "/evil.example"
    assert urlstate.safe_path({"a": 1}) == "/"
    assert urlstate.to_int("9" * 5000) is None and urlstate.to_int(" 2020 ") == 2020


def test_callback_inputs_refuse_wrong_types():
    assert inputs.integer("2020") == 2020 and inputs.integer(None) is None
    for bad in (2**70, "abc", [1], True, 1.5):
        with pytest.raises(inputs.BadInput):
            inputs.integer(bad)
    with pytest.raises(inputs.BadInput):
        inputs.number(float("nan"))
    with pytest.raises(inputs.BadInput):
        inputs.texts(["x" * 1000])
    assert inputs.texts("KEN") == ["KEN"] and inputs.texts([2020, "a"]) == ["2020", "a"]
    ok = inputs.grid_request({"startRow": 100, "endRow": 200, "sortModel": [{"colId": "value",
                                                                             "sort": "desc"}]})
    assert ok["startRow"] == 100 and ok["sortModel"] == [{"colId": "value", "sort": "desc"}]
    for bad in ({"startRow": 2**70}, {"startRow": 0, "endRow": 10**8}, {"sortModel": [{"sort": "asc"}]},
                {"sortModel": "value"}, [1]):
        with pytest.raises(inputs.BadInput):
            inputs.grid_request(bad)
    with pytest.raises(inputs.BadInput):
        inputs.pathname("//evil.example/x")

    @inputs.checked(inputs.integer, inputs.text)
    def callback(year, name):
        return year, name

    assert callback("2001", "") == (2001, None)
    with pytest.raises(inputs.BadInput):
        callback("2001")


# -- the app ---------------------------------------------------------------------------------------
def test_absurd_country_text_is_refused_before_fuzzy_matching(demo_app, monkeypatch):
    import difflib

    svc = data.get()
    assert svc.resolve_country("kenya").iso3 == "KEN"
    calls = []
    original = difflib.get_close_matches
    monkeypatch.setattr(difflib, "get_close_matches", lambda *a, **k: calls.append(1) or original(*a, **k))
    match = svc.resolve_country("K" * 20_000_000)
    assert match.status == "missing" and match.suggestions == () and calls == []
    assert svc.resolve_country("Kenyaa").status == "missing" and calls  # short text: suggestions
    assert svc.resolve_country(["KEN"]).status == "missing"


def test_page_cache_keys_on_the_view_state_within_its_memory_bound(demo_app, client, deps, monkeypatch):
    svc = data.get()
    svc.clear_caches()
    for i in range(20):  # unknown parameters: one page, not twenty
        reply = client.post("/_dash-update-component",
                            json=dashclient.router_body(deps, "/country/KEN", f"?junk{i}=x&lang=en"))
        assert reply.status_code == 200
    assert len([k for k in svc._pages if "country" in k[1]]) == 1
    monkeypatch.setattr(data, "MAX_PAGE_BYTES", 60_000)
    for metric in ("worldbank.IT.NET.USER.ZS", "worldbank.IT.NET.USER.FE.ZS", "nope.a", "nope.b",
                   "nope.c", "nope.d"):
        for lang in ("en", "fr"):
            client.post("/_dash-update-component",
                        json=dashclient.router_body(deps, "/", f"?metric={metric}&lang={lang}"))
    assert svc.cache_bytes()[1] <= 60_000 and len(svc._pages) >= 1


def test_every_kind_of_response_carries_the_security_headers(client, deps):
    css = next(r.rule for r in client.application.url_map.iter_rules() if r.rule.startswith("/assets/"))
    assert css
    suite = re.search(r'src="(/_dash-component-suites/[^"]+)"', client.get("/").get_data(as_text=True))
    replies = {
        "page": client.get("/country/KEN"),
        "not found page": client.get("/nope"),
        "callback": client.post("/_dash-update-component", json=dashclient.router_body(deps, "/")),
        "bad callback": client.post("/_dash-update-component", json={"output": 1}),
        "asset": client.get("/assets/roamwatch.css"),
        "component suite": client.get(suite.group(1)),
        "country csv": client.get("/download/country/KEN.csv"),
        "data csv": client.get("/download/data.csv?countries=KEN"),
        "data zip": client.get("/download/data.zip?countries=KEN"),
        "redirect": client.get("/country/kenya"),
        "too long": client.get("/?" + "a=" + "x" * 10_000),
        "method": client.open("/", method="PUT"),
    }
    for name, reply in replies.items():
        assert _secured(reply.headers) == [], (name, reply.status_code, dict(reply.headers))
    assert replies["page"].status_code == 200 and replies["asset"].status_code == 200
    assert replies["component suite"].status_code == 200
    assert replies["too long"].status_code == 414 and replies["method"].status_code == 405
    assert replies["data csv"].headers["Content-Type"] == "text/csv; charset=utf-8"
    assert replies["country csv"].headers["Content-Type"] == "text/csv; charset=utf-8"


def test_inline_scripts_are_allowed_by_hash_and_nothing_else(client):
    reply = client.get("/")
    csp = reply.headers["Content-Security-Policy"]
    html = reply.get_data(as_text=True)
    import base64
    import hashlib

    html = re.sub(r"<!--.*?-->", "", html, flags=re.S)  # Dash's IE note is a comment, never run
    inline = re.findall(r'<script(?![^>]*\bsrc=)(?![^>]*application/json)[^>]*>(.*?)</script>', html,
                        flags=re.S)
    assert inline, "Dash writes inline scripts (clientside callbacks, the renderer)"
    for script in inline:
        digest = base64.b64encode(hashlib.sha256(script.encode()).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src", 1)[1].split(";", 1)[0]


def test_host_header_is_never_reflected(client):
    for path in ("/", "/country/KEN", "/nope"):
        reply = client.get(path, headers={"Host": "evil.example"})
        assert "evil.example" not in reply.get_data(as_text=True)
        assert "evil.example" not in str(reply.headers)


def test_empty_selection_downloads_its_header(client):
    reply = client.get("/download/data.csv?countries=ZZZ")
    assert reply.status_code == 200
    assert reply.get_data(as_text=True).startswith("metric,metric_name,unit,country")
    import io
    import zipfile

    archive = zipfile.ZipFile(io.BytesIO(client.get("/download/data.zip?countries=ZZZ").data))
    name = next(n for n in archive.namelist() if n.endswith("data.csv"))
    assert archive.read(name).decode().startswith("metric,metric_name")
    meta = json.loads(archive.read(next(n for n in archive.namelist() if n.endswith(".json"))))
    assert meta["rows"] == 0


def test_frame_ancestors_can_be_configured(demo_data_dir, tmp_path):
    from dashboard.app import create_app

    cfg = tmp_path / "roamwatch.toml"
    cfg.write_text("[dashboard]\nframe_ancestors = \"'self' https://intranet.example\"\n", encoding="utf-8")
    app = create_app(load_config(cfg, env={"ROAMWATCH_DATA_DIR": str(demo_data_dir)}))
    reply = app.server.test_client().get("/")
    assert "frame-ancestors 'self' https://intranet.example" in reply.headers["Content-Security-Policy"]
    assert "X-Frame-Options" not in reply.headers


# -- a real server, hostile requests ---------------------------------------------------------------
def test_hostile_requests_get_a_clean_4xx_and_leave_memory_where_it_was(demo_data_dir, tmp_path):
    with dashclient.serve(demo_data_dir, tmp_path / "serve.log") as server:
        deps = dashclient.get(server.base, "/_dash-dependencies").json()
        for path in ("/", "/country/KEN", "/data", "/compare?countries=KEN,UGA", "/methodology",
                     "/sources"):  # warm: every page rendered once
            dashclient.post_json(server.base, "/_dash-update-component", dashclient.page_body(deps, path))
        time.sleep(1)
        before = server.rss()
        problems, refused = [], 0
        for attack in hostile.attacks(deps):
            reply = dashclient.request(server.base, attack.method, attack.target, attack.body,
                                       attack.headers)
            problems += attack.problems(reply)
            problems += [f"{attack.name}: {p}" for p in _secured(_Headers(reply.headers))]
            refused += reply.status >= 400
        after = server.rss()
        log = server.log_text()
    assert problems == []
    assert after <= before * 1.2, f"RSS {before:.0f} MB before, {after:.0f} MB after"
    assert "Traceback" not in log
    lines = [line for line in log.splitlines() if line.startswith("roamwatch dashboard: 4")]
    assert 0 < len(lines) <= refused  # at most one line per refused request


class _Headers(dict):
    """The lower-case header dict of a raw reply, read with real header names."""

    def get(self, key, default=None):
        return super().get(key.lower(), default)


def test_the_server_sends_no_banner(demo_data_dir, tmp_path):
    with dashclient.serve(demo_data_dir, tmp_path / "serve.log") as server:
        reply = dashclient.get(server.base, "/")
    assert "server" not in reply.headers and _secured(_Headers(reply.headers)) == []
