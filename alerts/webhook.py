"""Webhook delivery: one signed JSON POST per alert.

Headers:

- ``X-Roamwatch-Signature: t=<unix time>,v1=<hex>``, where ``hex`` is
  HMAC-SHA256(secret, ``"<unix time>." + body``): the timestamp is signed with the body, so a
  receiver that rejects old timestamps (:data:`TOLERANCE`) also rejects replays;
- ``X-Roamwatch-Timestamp``: the same unix time;
- ``X-Roamwatch-Delivery``: the alert id (the same on every retry: a receiver that saw it
  already can answer 200 and drop the copy);
- ``X-Roamwatch-Event: alert``.

Receivers verify with :func:`verify` (or the same three lines in their own language).
"""

from __future__ import annotations

import hashlib
import hmac
import time

TOLERANCE = 300  # seconds a receiver should accept between the signed time and its clock
SIGNATURE_HEADER = "X-Roamwatch-Signature"


def sign(secret: str, body: bytes, timestamp: int | None = None) -> tuple[str, int]:
    """The signature header value for ``body`` and the timestamp it signs."""
    ts = int(time.time()) if timestamp is None else int(timestamp)
    mac = hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={ts},v1={mac}", ts


def verify(secret: str, body: bytes, header: str | None, now: float | None = None,
           tolerance: int = TOLERANCE) -> bool:
    """Whether ``header`` signs ``body`` with ``secret`` within ``tolerance`` seconds of ``now``."""
    if not header:
        return False
    parts = dict(p.split("=", 1) for p in header.split(",") if "=" in p)
    try:
        ts = int(parts["t"])
    except (KeyError, ValueError):
        return False
    now = time.time() if now is None else now
    if abs(now - ts) > tolerance:
        return False
    expected = hmac.new(secret.encode("utf-8"), f"{ts}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, parts.get("v1", ""))
