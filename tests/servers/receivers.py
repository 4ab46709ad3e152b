"""Loopback receivers for alert deliveries: a webhook endpoint and an SMTP server (aiosmtpd).

:class:`WebhookReceiver` verifies every request's ``X-Roamwatch-Signature`` with its secret
(through :func:`alerts.webhook.verify`, as a receiver would), records each POST, and can be told
to answer the next requests with an error (``fail_next``), to see retries.

:class:`SmtpReceiver` is aiosmtpd's ``Controller`` on 127.0.0.1 and a free port, keeping each
message as received; optionally with STARTTLS (a certificate made with ``openssl``) and
authentication.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from alerts.webhook import SIGNATURE_HEADER, verify
from tests.helpers import free_port


@dataclass
class Delivery:
    body: bytes
    headers: dict[str, str]
    status: int  # what the receiver answered
    verified: bool

    @property
    def json(self) -> dict:
        return json.loads(self.body)


@dataclass
class WebhookReceiver:
    secret: str
    path: str = "/hook"
    deliveries: list[Delivery] = field(default_factory=list)
    _fail: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        receiver = self
        self._lock = threading.Lock()

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:  # noqa: N802 - http.server API
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length)
                headers = dict(self.headers)
                ok = verify(receiver.secret, body, self.headers.get(SIGNATURE_HEADER))
                with receiver._lock:
                    status = receiver._fail.pop(0) if receiver._fail else (200 if ok else 401)
                    if self.path != receiver.path:
                        status = 404
                    receiver.deliveries.append(Delivery(body, headers, status, ok))
                payload = b"{}"
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

            def log_message(self, *args: object) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever,
                                       kwargs={"poll_interval": 0.05}, daemon=True)

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}{self.path}"

    def fail_next(self, *statuses: int) -> None:
        """Answer the next requests with these statuses, in order."""
        with self._lock:
            self._fail.extend(statuses)

    def accepted(self) -> list[Delivery]:
        """Deliveries answered 2xx."""
        with self._lock:
            return [d for d in self.deliveries if 200 <= d.status < 300]

    def __enter__(self) -> WebhookReceiver:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def make_certificate(directory: Path) -> tuple[Path, Path] | None:
    """A self-signed certificate for 127.0.0.1 made with ``openssl`` (None without it)."""
    openssl = shutil.which("openssl")
    if openssl is None:
        return None
    cert, key = directory / "cert.pem", directory / "key.pem"
    subprocess.run([openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key),
                    "-out", str(cert), "-days", "2", "-subj", "/CN=127.0.0.1",
                    "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True, timeout=60)
    return cert, key


class SmtpReceiver:
    """aiosmtpd on loopback; ``messages`` holds every message received, parsed."""

    def __init__(self, tls: tuple[Path, Path] | None = None, auth: tuple[str, str] | None = None):
        from aiosmtpd.controller import Controller

        self.messages: list[EmailMessage] = []
        self.envelopes: list[tuple[str, list[str]]] = []
        self.logins: list[str] = []
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):  # noqa: N802 - aiosmtpd API
                receiver.messages.append(message_from_bytes(envelope.original_content or
                                                            envelope.content, policy=policy.default))
                receiver.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
                return "250 Message accepted for delivery"

        kwargs: dict = {}
        if tls is not None:
            import ssl

            context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            context.load_cert_chain(str(tls[0]), str(tls[1]))
            kwargs.update(tls_context=context, require_starttls=True)
        if auth is not None:
            from aiosmtpd.smtp import AuthResult

            def authenticator(server, session, envelope, mechanism, data):
                ok = (data.login.decode(), data.password.decode()) == auth
                if ok:
                    receiver.logins.append(data.login.decode())
                return AuthResult(success=ok)

            kwargs.update(authenticator=authenticator, auth_require_tls=tls is not None)
        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port,
                                     server_kwargs=kwargs)

    def __enter__(self) -> SmtpReceiver:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()
