"""Secrets of the delivery channels: read from the environment or from a file, nothing else.

A channel names where its secret is (``secret_env = "VAR"`` or ``secret_file = "/path"``; the
same for ``password`` and ``url``). A secret written into the configuration itself is refused,
because configuration files get copied, committed and pasted into bug reports. Secret values are
never stored in the warehouse, never put in a snapshot and never logged: messages about
deliveries name the channel and a status, and :func:`scrub` removes any secret from text that
must be shown anyway.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any


class SecretError(Exception):
    """A secret is missing, unreadable, or written where it must not be."""


def resolve(settings: Mapping[str, Any], name: str, where: str, env: Mapping[str, str] | None = None,
            required: bool = True, literal_ok: bool = False) -> str | None:
    """The value of secret ``name`` of a channel: from ``<name>_env`` (an environment variable)
    or ``<name>_file`` (a file, trailing newline removed).

    ``where`` names the channel in messages (``"roamwatch.toml: [[alerts.webhooks]] #1"``);
    ``literal_ok`` allows ``name = "value"`` in the file itself (for non-secret values such as
    a plain webhook URL)."""
    env = os.environ if env is None else env
    sources = [k for k in (f"{name}_env", f"{name}_file") if settings.get(k) not in (None, "")]
    if name in settings and settings[name] not in (None, ""):
        if not literal_ok:
            raise SecretError(
                f"{where}: field {name!r}: a secret must not be written in the configuration; "
                f"name an environment variable ({name}_env) or a file ({name}_file) instead"
            )
        sources.append(name)
    if len(sources) > 1:
        raise SecretError(f"{where}: give only one of {', '.join(sources)}")
    if not sources:
        if required:
            raise SecretError(f"{where}: field {name}_env or {name}_file is required")
        return None
    key = sources[0]
    value = settings[key]
    if not isinstance(value, str):
        raise SecretError(f"{where}: field {key!r} must be a string")
    if key == name:
        return value
    if key.endswith("_env"):
        secret = env.get(value)
        if not secret:
            raise SecretError(f"{where}: environment variable {value} (field {key!r}) is not set")
        return secret
    path = Path(value).expanduser()
    try:
        secret = path.read_text(encoding="utf-8").rstrip("\r\n")
    except OSError as exc:
        raise SecretError(f"{where}: field {key!r}: cannot read {path}: {exc.strerror}") from exc
    if not secret:
        raise SecretError(f"{where}: field {key!r}: {path} is empty")
    return secret


def scrub(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` with every (non-trivial) secret value replaced by ``[secret]``."""
    for secret in sorted((s for s in secrets if s and len(s) >= 4), key=len, reverse=True):
        text = text.replace(secret, "[secret]")
    return text
