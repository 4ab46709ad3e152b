"""Pushing alerts out: the configured channels, retries with backoff, and what gets recorded.

Channels (``[alerts]`` of the configuration):

```toml
[alerts]
dashboard_url = "https://roamwatch.example.org"   # for links in messages (optional)

[alerts.delivery]
max_attempts = 4        # tries per alert and channel within one check
backoff_base = 1.0      # seconds before the 2nd try; doubled each time (with jitter)
backoff_max = 30.0
timeout = 10.0          # seconds per request or SMTP conversation step
max_age_days = 30       # older alerts (onset vs the data's last day) are shown, not pushed
give_up_after = 20      # attempts in all (over several checks) before a channel gives up

[[alerts.webhooks]]
name = "ops"
url = "https://hooks.example.org/roamwatch"    # or url_env / url_file when the URL is a secret
secret_env = "ROAMWATCH_WEBHOOK_SECRET"        # or secret_file = "/etc/roamwatch/webhook.key"
rules = ["new-shutdown", "outage-6h"]          # optional: only these rules

[alerts.email]
host = "smtp.example.org"
port = 587
starttls = true         # upgrade the connection (optional); or ssl = true for implicit TLS
username = "roamwatch"  # optional
password_env = "ROAMWATCH_SMTP_PASSWORD"       # or password_file
from = "roamwatch <alerts@example.org>"
to = ["desk@example.org"]
lang = "es"              # optional: the messages' language (en, fr, es, ar, ru, zh; default en)
```

Every attempt is recorded in ``alert_delivery`` (channel name, attempt number, status ``sent``,
``failed``, ``rejected`` (the receiver refused it: not retried), ``skipped`` (too old to push),
a short detail such as ``HTTP 500``); an alert whose every channel reports ``sent`` becomes
``delivered``. Nothing recorded or logged carries a URL, an address or a secret.
"""

from __future__ import annotations

import contextlib
import json
import random
import smtplib
import ssl
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import timedelta
from email.message import EmailMessage
from email.utils import formatdate
from typing import Any

import pandas as pd
import requests

from alerts import text, webhook
from alerts.rules import RuleError, alerts_settings
from alerts.secrets import SecretError, resolve, scrub
from roamwatch import i18n
from roamwatch.config import Config

DELIVERY_DEFAULTS = {
    "max_attempts": 4, "backoff_base": 1.0, "backoff_max": 30.0, "timeout": 10.0,
    "max_age_days": 30, "give_up_after": 20,
}
TERMINAL = ("sent", "rejected", "skipped", "abandoned")


@dataclass
class Outcome:
    status: str  # sent | failed | rejected
    detail: str
    retry_after: float | None = None


@dataclass
class Channel:
    """Where alerts go; ``send`` makes one attempt and never raises."""

    name: str
    rules: tuple[str, ...] | None = None
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def wants(self, alert: Mapping[str, Any], rule_channels: tuple[str, ...] | None) -> bool:
        if self.rules is not None and alert["rule"] not in self.rules:
            return False
        return rule_channels is None or self.name in rule_channels or \
            self.name.split(":", 1)[-1] in rule_channels

    def send(self, alert: Mapping[str, Any], link: str | None) -> Outcome:  # pragma: no cover
        raise NotImplementedError

    def close(self) -> None:
        """Release what the channel holds between sends (an SMTP connection)."""


class WebhookChannel(Channel):
    def __init__(self, name: str, url: str, secret: str, timeout: float,
                 rules: tuple[str, ...] | None = None):
        super().__init__(f"webhook:{name}", rules, (secret, url))
        self._url, self._secret, self._timeout = url, secret, timeout
        self._session = requests.Session()
        self._session.headers["User-Agent"] = "roamwatch-alerts"

    def send(self, alert: Mapping[str, Any], link: str | None) -> Outcome:
        body = json.dumps(text.payload(alert, link), sort_keys=True, default=str).encode("utf-8")
        signature, ts = webhook.sign(self._secret, body)
        headers = {"Content-Type": "application/json", webhook.SIGNATURE_HEADER: signature,
                   "X-Roamwatch-Timestamp": str(ts), "X-Roamwatch-Delivery": str(alert["id"]),
                   "X-Roamwatch-Event": "alert"}
        try:
            reply = self._session.post(self._url, data=body, headers=headers,
                                       timeout=self._timeout, allow_redirects=False)
        except requests.Timeout:
            return Outcome("failed", "timed out")
        except requests.RequestException as exc:
            return Outcome("failed", f"no answer ({type(exc).__name__})")
        status = reply.status_code
        reply.close()
        if 200 <= status < 300:
            return Outcome("sent", f"HTTP {status}")
        if status == 429 or status == 408 or status >= 500:
            retry_after = None
            with contextlib.suppress(ValueError):
                retry_after = float(reply.headers.get("Retry-After", ""))
            return Outcome("failed", f"HTTP {status}", retry_after)
        return Outcome("rejected", f"HTTP {status}")

    def close(self) -> None:
        self._session.close()


class EmailChannel(Channel):
    def __init__(self, settings: Mapping[str, Any], where: str, timeout: float,
                 env: Mapping[str, str] | None = None):
        host = settings.get("host")
        if not isinstance(host, str) or not host:
            raise RuleError(f"{where}: field 'host' is required")
        to = settings.get("to")
        if isinstance(to, str):
            to = [to]
        if not to or not all(isinstance(a, str) and "@" in a for a in to):
            raise RuleError(f"{where}: field 'to' must list e-mail addresses")
        sender = settings.get("from")
        if not isinstance(sender, str) or "@" not in sender:
            raise RuleError(f"{where}: field 'from' must be an e-mail address")
        self.use_ssl = bool(settings.get("ssl", False))
        self.starttls = bool(settings.get("starttls", False))
        if self.use_ssl and self.starttls:
            raise RuleError(f"{where}: give ssl = true or starttls = true, not both")
        self.port = int(settings.get("port", 465 if self.use_ssl else 587 if self.starttls else 25))
        self.username = settings.get("username")
        password = resolve(settings, "password", where, env, required=bool(self.username))
        rules = settings.get("rules")
        super().__init__("email", tuple(rules) if rules else None, (password,) if password else ())
        self.host, self.to, self.sender = host, list(to), sender
        self._password, self._timeout = password, timeout
        self._ca_file = settings.get("ca_file")
        self._verify = bool(settings.get("tls_verify", True))
        self._lang = i18n.negotiate(settings.get("lang"), None)  # one of the six, else English
        self._smtp: smtplib.SMTP | None = None

    def _context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(cafile=self._ca_file)
        if not self._verify:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        return context

    def _connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            return self._smtp
        if self.use_ssl:
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self._timeout,
                                                  context=self._context())
        else:
            smtp = smtplib.SMTP(self.host, self.port, timeout=self._timeout)
        try:
            smtp.ehlo()
            if self.starttls:
                smtp.starttls(context=self._context())
                smtp.ehlo()
            if self.username:
                smtp.login(self.username, self._password or "")
        except BaseException:
            smtp.close()
            raise
        self._smtp = smtp
        return smtp

    def message(self, alert: Mapping[str, Any], link: str | None) -> EmailMessage:
        msg = EmailMessage()
        msg["From"] = self.sender
        msg["To"] = ", ".join(self.to)
        msg["Subject"] = "[roamwatch] " + text.title(alert, self._lang)
        msg["Date"] = formatdate(localtime=False)
        msg["Message-ID"] = f"<{alert['id']}@roamwatch>"
        msg["X-Roamwatch-Alert"] = str(alert["id"])
        msg["X-Roamwatch-Rule"] = str(alert["rule"])
        body = [text.title(alert, self._lang), ""] + text.lines(alert, self._lang, link)
        msg.set_content("\n".join(body) + "\n")
        return msg

    def send(self, alert: Mapping[str, Any], link: str | None) -> Outcome:
        try:
            smtp = self._connect()
            smtp.send_message(self.message(alert, link))
            return Outcome("sent", "SMTP 250")
        except smtplib.SMTPAuthenticationError as exc:
            self.close()
            return Outcome("rejected", f"SMTP {exc.smtp_code} (authentication refused)")
        except smtplib.SMTPResponseException as exc:
            self.close()
            code = exc.smtp_code
            return Outcome("rejected" if 500 <= code < 600 else "failed", f"SMTP {code}")
        except smtplib.SMTPRecipientsRefused:
            self.close()
            return Outcome("rejected", "SMTP recipients refused")
        except ssl.SSLError as exc:
            self.close()
            return Outcome("failed", f"TLS error ({type(exc).__name__})")
        except (OSError, smtplib.SMTPException) as exc:
            self.close()
            return Outcome("failed", f"no answer ({type(exc).__name__})")

    def close(self) -> None:
        if self._smtp is not None:
            try:
                self._smtp.quit()
            except (OSError, smtplib.SMTPException):
                self._smtp.close()
            self._smtp = None


def delivery_settings(config: Config) -> dict[str, Any]:
    settings = dict(DELIVERY_DEFAULTS)
    raw = alerts_settings(config).get("delivery", {}) or {}
    where = str(config.config_file or "the configuration")
    if not isinstance(raw, dict):
        raise RuleError(f"{where}: [alerts.delivery] must be a table")
    for key, value in raw.items():
        if key not in DELIVERY_DEFAULTS:
            raise RuleError(f"{where}: [alerts.delivery] field {key!r}: unknown; known: "
                            f"{', '.join(DELIVERY_DEFAULTS)}")
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise RuleError(f"{where}: [alerts.delivery] field {key!r}: must be a number ≥ 0")
        settings[key] = value
    settings["max_attempts"] = max(1, int(settings["max_attempts"]))
    return settings


def channels(config: Config, env: Mapping[str, str] | None = None) -> list[Channel]:
    """The configured channels; raises :class:`RuleError` / :class:`SecretError` naming the
    file, the channel and the field."""
    settings = alerts_settings(config)
    where = str(config.config_file or "the configuration")
    timeout = float(delivery_settings(config)["timeout"])
    out: list[Channel] = []
    hooks = settings.get("webhooks", []) or []
    if not isinstance(hooks, list):
        raise RuleError(f"{where}: alerts.webhooks must be an array of tables ([[alerts.webhooks]])")
    names = set()
    for n, hook in enumerate(hooks, start=1):
        origin = f"{where}: [[alerts.webhooks]] #{n}"
        name = hook.get("name", f"webhook{n}")
        if not isinstance(name, str) or not name or name in names:
            raise RuleError(f"{origin}: field 'name' must be a unique string (got {name!r})")
        names.add(name)
        known = {"name", "url", "url_env", "url_file", "secret", "secret_env", "secret_file", "rules"}
        unknown = sorted(set(hook) - known)
        if unknown:
            raise RuleError(f"{origin}: field {unknown[0]!r}: unknown; known: {', '.join(sorted(known))}")
        url = resolve(hook, "url", origin, env, literal_ok=True)
        if not url.startswith(("http://", "https://")):
            raise RuleError(f"{origin}: field 'url': must start with http:// or https://")
        secret = resolve(hook, "secret", origin, env)
        rules = hook.get("rules")
        out.append(WebhookChannel(name, url, secret, timeout, tuple(rules) if rules else None))
    mail = settings.get("email")
    if mail:
        if not isinstance(mail, dict):
            raise RuleError(f"{where}: [alerts.email] must be a table")
        origin = f"{where}: [alerts.email]"
        known = {"host", "port", "starttls", "ssl", "username", "password", "password_env",
                 "password_file", "from", "to", "rules", "ca_file", "tls_verify", "lang"}
        unknown = sorted(set(mail) - known)
        if unknown:
            raise RuleError(f"{origin}: field {unknown[0]!r}: unknown; known: {', '.join(sorted(known))}")
        out.append(EmailChannel(mail, origin, timeout, env))
    return out


def _age_days(alert: Mapping[str, Any]) -> float | None:
    """Days between the alert's onset and the newest day of the data it was found in."""
    if alert.get("end_state") == "ongoing":
        return 0.0
    onset = alert.get("onset")
    if onset is None or pd.isna(onset):
        return None
    ev = text.evidence(alert)
    last = ev.get("data_last_day")
    reference = pd.Timestamp(last) if last else pd.Timestamp(alert["detected_at"])
    return (reference - pd.Timestamp(onset)) / timedelta(days=1)


@dataclass
class DeliveryReport:
    records: list[dict[str, Any]] = field(default_factory=list)
    delivered: list[str] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(1 for r in self.records if r["status"] == status)


def deliver(
    pending: pd.DataFrame,
    history: pd.DataFrame,
    chans: list[Channel],
    rule_channels: Mapping[str, tuple[str, ...] | None],
    settings: Mapping[str, Any],
    link: Callable[[Mapping[str, Any]], str | None] = lambda a: None,
    log: Callable[[str], None] = print,
    sleep: Callable[[float], None] = time.sleep,
) -> DeliveryReport:
    """Send each pending alert to each channel that wants it and has not finished with it.

    ``history``: per alert and channel, ``attempts`` so far and ``last_status``. Returns the
    attempts to record and the alerts now delivered everywhere they go."""
    report = DeliveryReport()
    past = {(r.alert_id, r.channel): (int(r.attempts), r.last_status) for r in history.itertuples()}
    secrets = [s for c in chans for s in c.secrets]
    max_age = float(settings["max_age_days"])
    try:
        for alert in pending.to_dict("records"):
            routed = [c for c in chans if c.wants(alert, rule_channels.get(alert["rule"]))]
            done = 0
            for chan in routed:
                attempts, last = past.get((alert["id"], chan.name), (0, None))
                if last in TERMINAL:
                    done += last == "sent"
                    continue
                age = _age_days(alert)
                if attempts == 0 and age is not None and age > max_age:
                    report.records.append({"alert_id": alert["id"], "channel": chan.name,
                                           "status": "skipped",
                                           "detail": f"began {age:.0f} days before the data's last "
                                                     f"day (max_age_days = {max_age:g})"})
                    continue
                if attempts >= int(settings["give_up_after"]):
                    report.records.append({"alert_id": alert["id"], "channel": chan.name,
                                           "status": "abandoned",
                                           "detail": f"gave up after {attempts} attempts"})
                    continue
                sent = False
                for attempt in range(int(settings["max_attempts"])):
                    outcome = chan.send(alert, link(alert))
                    detail = scrub(outcome.detail, secrets)
                    report.records.append({"alert_id": alert["id"], "channel": chan.name,
                                           "status": outcome.status, "detail": detail,
                                           "at": pd.Timestamp.now(tz="UTC").tz_localize(None)})
                    if outcome.status == "sent":
                        sent = True
                        break
                    log(f"alert {alert['id']} to {chan.name}: {outcome.status} ({detail})")
                    if outcome.status == "rejected" or attempt + 1 >= int(settings["max_attempts"]):
                        break
                    wait = min(float(settings["backoff_max"]),
                               float(settings["backoff_base"]) * 2 ** attempt)
                    wait = wait * (0.5 + random.random() / 2)
                    if outcome.retry_after is not None:
                        wait = max(wait, min(outcome.retry_after, float(settings["backoff_max"])))
                    sleep(wait)
                done += sent
            if routed and done == len(routed):
                report.delivered.append(alert["id"])
    finally:
        for chan in chans:
            chan.close()
    return report


__all__ = ["Channel", "DeliveryReport", "EmailChannel", "SecretError", "WebhookChannel",
           "channels", "deliver", "delivery_settings"]
