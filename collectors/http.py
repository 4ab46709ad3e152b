"""Shared HTTP handling: timeouts, bounded retries with backoff, ``Retry-After``, raw archive.

Every response body (errors included) is archived gzip-compressed under
``<raw dir>/<source>/<run id>/`` with a ``manifest.jsonl`` line giving its URL, status, time
and SHA-256, so a run can be audited and re-parsed.
"""

from __future__ import annotations

import email.utils
import gzip
import hashlib
import json
import random
import socket
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from collectors.errors import HttpError, SourceError, Unreachable

USER_AGENT = "roamwatch/0.1 (internet-freedom monitor; https://github.com/roamwatch/roamwatch)"
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


class RawArchive:
    """Stores raw response bodies of one run, and remembers them for the ``raw_response`` table."""

    def __init__(self, directory: Path):
        self.directory = directory
        self.entries: list[dict[str, Any]] = []

    def store(self, url: str, status: int | None, body: bytes) -> dict[str, Any]:
        self.directory.mkdir(parents=True, exist_ok=True)
        seq = len(self.entries) + 1
        digest = hashlib.sha256(body).hexdigest()
        path = self.directory / f"{seq:05d}-{digest[:12]}.gz"
        with gzip.open(path, "wb") as fh:
            fh.write(body)
        entry = {
            "seq": seq,
            "url": url,
            "status": status,
            "fetched_at": datetime.now(UTC).isoformat(),
            "sha256": digest,
            "bytes": len(body),
            "path": str(path),
        }
        with (self.directory / "manifest.jsonl").open("a", encoding="utf-8") as fh:
            fh.write(json.dumps(entry) + "\n")
        self.entries.append(entry)
        return entry


def _causes(exc: BaseException) -> list[BaseException]:
    """``exc`` and everything it wraps: causes, contexts, and urllib3's ``reason``/args."""
    found: list[BaseException] = []
    stack: list[object] = [exc]
    while stack:
        item = stack.pop()
        if not isinstance(item, BaseException) or any(item is f for f in found):
            continue
        found.append(item)
        stack += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return found


def unreachable(exc: BaseException, url: str) -> Unreachable | None:
    """An :class:`Unreachable` when ``exc`` means no connection could be opened to ``url``'s
    host at all (its name does not resolve, or it refused the connection), else None.

    Timeouts and connections dropped half-way are not included: those may pass, and are retried.
    """
    parts = urlsplit(url)
    host = parts.hostname or url
    for cause in _causes(exc):
        if isinstance(cause, socket.gaierror):
            return Unreachable(Unreachable.RESOLVE, host, parts.port, str(cause))
        if isinstance(cause, ConnectionRefusedError):
            port = parts.port or (443 if parts.scheme == "https" else 80)
            return Unreachable(Unreachable.REFUSED, host, port, str(cause))
    return None


def parse_retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    now = time.time() if now is None else now
    return max(0.0, when.timestamp() - now)


class HttpClient:
    """A ``requests`` session with the project's timeouts, retries, pacing and archiving."""

    def __init__(
        self,
        settings: dict[str, Any],
        archive: RawArchive | None = None,
        sleep: Callable[[float], None] = time.sleep,
        log: Callable[[str], None] = lambda _msg: None,
        min_interval: float = 0.0,
    ):
        self.connect_timeout = float(settings.get("connect_timeout", 10))
        self.read_timeout = float(settings.get("read_timeout", 120))
        self.max_attempts = max(1, int(settings.get("max_attempts", 5)))
        self.backoff_base = float(settings.get("backoff_base", 2.0))
        self.backoff_max = float(settings.get("backoff_max", 120.0))
        self.max_retry_after = float(settings.get("max_retry_after", 600.0))
        self.archive = archive
        self.sleep = sleep
        self.log = log
        self.session = requests.Session()
        self.session.headers["User-Agent"] = USER_AGENT
        self.requests_made = 0
        #: Seconds kept between the starts of two requests (a source's rate limit).
        self.min_interval = float(min_interval or 0)
        self._last_request: float | None = None

    def _pace(self) -> None:
        if self.min_interval > 0 and self._last_request is not None:
            wait = self._last_request + self.min_interval - time.monotonic()
            if wait > 0:
                self.sleep(wait)
        self._last_request = time.monotonic()

    def _backoff(self, attempt: int) -> float:
        delay = min(self.backoff_max, self.backoff_base * (2 ** (attempt - 1)))
        return delay * random.uniform(0.5, 1.0)

    def get(self, url: str, params: dict[str, Any] | None = None) -> requests.Response:
        """GET with retries on connection errors, timeouts, 429 and 5xx; raises :class:`HttpError`.

        A host whose name does not resolve, or that refuses the connection, is not retried:
        :class:`Unreachable` is raised after that one attempt (no backoff sleep).
        """
        last_problem = "no attempt made"
        last_status: int | None = None
        for attempt in range(1, self.max_attempts + 1):
            wait: float | None = None
            self._pace()
            try:
                self.requests_made += 1
                response = self.session.get(
                    url, params=params, timeout=(self.connect_timeout, self.read_timeout)
                )
                body = response.content  # reading it may fail on a truncated transfer
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as exc:
                no_connection = unreachable(exc, url)
                if no_connection is not None:
                    raise no_connection from exc
                last_problem = f"{type(exc).__name__}: {exc}"
            else:
                if self.archive is not None:
                    self.archive.store(response.url, response.status_code, body)
                if response.status_code < 400:
                    return response
                last_status = response.status_code
                snippet = body[:300].decode("utf-8", "replace").strip()
                last_problem = f"HTTP {response.status_code} from {response.url}: {snippet}"
                if response.status_code not in RETRY_STATUSES:
                    raise HttpError(last_problem, response.status_code)
                wait = parse_retry_after(response.headers.get("Retry-After"))
                if wait is not None and wait > self.max_retry_after:
                    raise HttpError(
                        f"{last_problem} (Retry-After {wait:.0f} s exceeds the "
                        f"{self.max_retry_after:.0f} s limit)",
                        response.status_code,
                    )
            if attempt == self.max_attempts:
                break
            delay = wait if wait is not None else self._backoff(attempt)
            self.log(f"retry {attempt}/{self.max_attempts - 1} in {delay:.1f} s: {last_problem}")
            self.sleep(delay)
        raise HttpError(
            f"gave up after {self.max_attempts} attempts: {last_problem}", last_status
        )

    def get_json(self, url: str, params: dict[str, Any] | None = None) -> Any:
        """GET and decode JSON; a body that is not valid JSON is retried, then raises."""
        last_problem = ""
        attempts = min(3, self.max_attempts)
        for attempt in range(1, attempts + 1):
            response = self.get(url, params)
            try:
                return response.json()
            except ValueError as exc:
                last_problem = (
                    f"malformed JSON from {response.url} ({len(response.content)} bytes): {exc}"
                )
            if attempt < attempts:
                delay = self._backoff(attempt)
                self.log(f"retry in {delay:.1f} s: {last_problem}")
                self.sleep(delay)
        raise SourceError(last_problem)
