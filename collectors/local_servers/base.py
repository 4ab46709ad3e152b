"""A small threaded HTTP server with scripted faults, shared by the per-source servers."""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


@dataclass
class Reply:
    status: int = 200
    body: bytes = b""
    headers: dict[str, str] = field(default_factory=dict)
    truncate_to: int | None = None  # send only this many bytes of a body whose length is announced
    delay: float = 0.0


@dataclass
class Fault:
    match: str  # substring of the request path+query
    reply: Reply
    times: int = 1


class LocalServer:
    """Serves ``handle(path, query) -> Reply`` on 127.0.0.1; faults are served first, in order."""

    def __init__(self) -> None:
        self.faults: list[Fault] = []
        self.requests: list[str] = []
        self.headers_seen: list[dict[str, str]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body otherwise wait for a delayed ACK

            def do_GET(self) -> None:  # noqa: N802 - http.server API
                with server._lock:
                    server.requests.append(self.path)
                    server.headers_seen.append(dict(self.headers))
                    reply = server._take_fault(self.path)
                if reply is None:
                    parts = urlsplit(self.path)
                    query = {k: v[-1] for k, v in parse_qs(parts.query).items()}
                    reply = server.handle(parts.path, query)
                if reply.delay:
                    time.sleep(reply.delay)
                self.send_response(reply.status)
                headers = {"Content-Type": "application/json;charset=utf-8", **reply.headers}
                for key, value in headers.items():
                    self.send_header(key, value)
                self.send_header("Content-Length", str(len(reply.body)))
                self.end_headers()
                body = reply.body if reply.truncate_to is None else reply.body[: reply.truncate_to]
                try:
                    self.wfile.write(body)
                    self.wfile.flush()
                except (BrokenPipeError, ConnectionResetError):
                    pass
                if reply.truncate_to is not None:
                    self.close_connection = True

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(
            target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> LocalServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail(self, match: str, reply: Reply, times: int = 1) -> None:
        """Answer the next ``times`` requests whose path contains ``match`` with ``reply``."""
        with self._lock:
            self.faults.append(Fault(match, reply, times))

    def _take_fault(self, path: str) -> Reply | None:
        for fault in self.faults:
            if fault.match in path and fault.times > 0:
                fault.times -= 1
                return fault.reply
        return None

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        raise NotImplementedError


class FileServer(LocalServer):
    """Serves one file's bytes at one path (a published spreadsheet or archive); 404 elsewhere."""

    def __init__(self, path: str, body: bytes, content_type: str) -> None:
        super().__init__()
        self.path, self.body, self.content_type = path, body, content_type

    def handle(self, path: str, query: dict[str, str]) -> Reply:
        if path == self.path:
            return Reply(body=self.body, headers={"Content-Type": self.content_type})
        return Reply(status=404, body=b"not found")


def json_reply(payload: object, status: int = 200, **kw: object) -> Reply:
    return Reply(status=status, body=json.dumps(payload).encode(), **kw)
