"""Shared HTTP handling: retries, Retry-After, User-Agent, archiving."""

from __future__ import annotations

import time

import pytest

from collectors.base import SourceError
from collectors.errors import Unreachable
from collectors.http import HttpClient, HttpError, RawArchive, parse_retry_after
from tests.helpers import free_port
from tests.servers.base import LocalServer, Reply, json_reply


class Echo(LocalServer):
    def handle(self, path, query):
        return json_reply({"path": path, "query": query})


@pytest.fixture
def server():
    with Echo() as s:
        yield s


def client(tmp_path, sleeps=None, **settings):
    base = {"backoff_base": 0.01, "backoff_max": 0.02, "max_attempts": 3, "read_timeout": 2}
    sleep = sleeps.append if sleeps is not None else time.sleep
    return HttpClient({**base, **settings}, RawArchive(tmp_path / "raw"), sleep=sleep)


def test_user_agent_names_the_project(server, tmp_path):
    client(tmp_path).get_json(server.url + "/x")
    assert server.headers_seen[0]["User-Agent"].startswith("roamwatch/")


def test_retry_after_seconds_is_used_as_the_wait(server, tmp_path):
    sleeps: list[float] = []
    server.fail("/x", Reply(status=429, headers={"Retry-After": "7"}))
    assert client(tmp_path, sleeps).get_json(server.url + "/x")["path"] == "/x"
    assert sleeps == [7.0]


def test_retry_after_over_the_limit_fails_instead_of_sleeping(server, tmp_path):
    sleeps: list[float] = []
    server.fail("/x", Reply(status=503, headers={"Retry-After": "99999"}))
    with pytest.raises(HttpError, match="exceeds"):
        client(tmp_path, sleeps, max_retry_after=60).get(server.url + "/x")
    assert sleeps == []


def test_backoff_grows_and_is_bounded(server, tmp_path):
    sleeps: list[float] = []
    server.fail("/x", Reply(status=502), times=10)
    with pytest.raises(HttpError, match="gave up after 4 attempts"):
        client(tmp_path, sleeps, max_attempts=4, backoff_base=1.0, backoff_max=3.0).get(
            server.url + "/x"
        )
    assert len(sleeps) == 3
    assert 0.5 <= sleeps[0] <= 1.0 and 1.0 <= sleeps[1] <= 2.0 and 1.5 <= sleeps[2] <= 3.0


def test_client_errors_are_not_retried(server, tmp_path):
    server.fail("/x", Reply(status=404, body=b"no such thing"), times=5)
    with pytest.raises(HttpError, match="HTTP 404"):
        client(tmp_path).get(server.url + "/x")
    assert len(server.requests) == 1


def test_connection_refused_fails_at_once_naming_the_host(tmp_path):
    sleeps: list[float] = []
    port = free_port()
    c = client(tmp_path, sleeps, max_attempts=5)
    with pytest.raises(Unreachable) as caught:
        c.get(f"http://127.0.0.1:{port}/nothing")
    assert caught.value.summary == f"unreachable (127.0.0.1:{port} refused the connection)"
    assert caught.value.status is None and isinstance(caught.value, HttpError)
    assert c.requests_made == 1 and sleeps == []  # one attempt, no backoff


def test_a_name_that_does_not_resolve_fails_at_once(tmp_path):
    # .invalid never resolves (RFC 2606): the resolver fails locally, no network involved
    sleeps: list[float] = []
    c = client(tmp_path, sleeps, max_attempts=5)
    with pytest.raises(Unreachable) as caught:
        c.get_json("https://api.roamwatch-test.invalid/v2/x")
    assert caught.value.summary == "no network (cannot resolve api.roamwatch-test.invalid)"
    assert c.requests_made == 1 and sleeps == []
    assert c.archive.entries == []  # nothing came back, nothing archived


def test_a_timeout_is_still_retried(server, tmp_path):
    sleeps: list[float] = []
    server.fail("/slow", Reply(body=b"{}", delay=0.5), times=2)
    c = client(tmp_path, sleeps, read_timeout=0.2)
    assert c.get_json(server.url + "/slow") == {"path": "/slow", "query": {}}
    assert c.requests_made == 3 and len(sleeps) == 2


def test_malformed_json_is_a_source_error(server, tmp_path):
    server.fail("/x", Reply(body=b"{not json"), times=5)
    with pytest.raises(SourceError, match="malformed JSON"):
        client(tmp_path).get_json(server.url + "/x")


def test_every_response_is_archived_even_errors(server, tmp_path):
    server.fail("/x", Reply(status=500, body=b"boom"))
    c = client(tmp_path)
    c.get(server.url + "/x")
    statuses = [e["status"] for e in c.archive.entries]
    assert statuses == [500, 200]
    assert (tmp_path / "raw" / "manifest.jsonl").read_text().count("\n") == 2


def test_parse_retry_after_http_date():
    import email.utils

    now = 1_700_000_000.0
    header = email.utils.formatdate(now + 100, usegmt=True)
    assert parse_retry_after(header, now=now) == pytest.approx(100.0)
    assert parse_retry_after("garbage") is None
    assert parse_retry_after("12") == 12.0


def test_http_error_carries_the_status(server, tmp_path):
    server.fail("/x", Reply(status=404, body=b"nope"))
    with pytest.raises(HttpError) as caught:
        client(tmp_path).get(server.url + "/x")
    assert caught.value.status == 404
    server.fail("/y", Reply(status=503), times=5)
    with pytest.raises(HttpError) as caught:
        client(tmp_path).get(server.url + "/y")
    assert caught.value.status == 503


def test_requests_are_paced_by_min_interval(server, tmp_path):
    c = HttpClient({"read_timeout": 2}, min_interval=0.3)
    started = time.monotonic()
    for _ in range(3):
        c.get(server.url + "/x")
    assert time.monotonic() - started >= 0.6  # two gaps of at least 0.3 s
