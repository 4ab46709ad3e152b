"""The WSGI layer in front of Dash: request limits before any parsing, and security headers.

Every request passes :class:`Guard` before Flask or Dash sees it:

- **Limits** (answered with a short plain-text 4xx and one log line, never a traceback): the
  request target (path + query) is at most ``max_url`` bytes (414); at most ``max_params``
  query parameters (400); a list value (``a,b,c`` or ``a|b``) at most ``max_list`` items
  (400); a request body at most ``max_body`` bytes (413, judged from ``Content-Length`` and
  by reading at most one byte more) and, for callbacks, JSON nested at most ``max_depth``
  levels (400, checked by one linear scan before ``json`` parses it). A callback body must be
  a Dash callback envelope naming a registered callback, and every ``pathname``/``search``/
  ``href`` it carries obeys the same rules as a URL: such values come from ``dcc.Location``
  and are the request URL in another form. Methods other than GET, HEAD and POST are 405.
- **Paths**: a path starting with ``//`` or holding a backslash or a control character is
  never a page: GET/HEAD are redirected to the path with single slashes (a relative
  ``Location``, never protocol-relative), anything else is 400.
- **Host**: the ``Host`` header is replaced by the configured public host (default: the
  address the server is bound to), so nothing the app builds can reflect a foreign host.
- **Headers on every response** (pages, callbacks, assets, downloads, errors, these 4xx):
  :func:`security_headers`. ``Server`` and ``X-Powered-By`` are dropped; a ``Content-Type``
  naming its charset twice is repaired.

Only waitress's own answers to requests beyond *its* hard limits (headers over
``max_request_header_size``, bodies over ``max_request_body_size``, both set above ours by
``roamwatch serve``) are produced before this layer and carry none of it.
"""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

log = logging.getLogger("roamwatch.dashboard")

CALLBACK_PATH = "/_dash-update-component"
#: Properties of ``dcc.Location`` (and links) that carry a URL, or part of one.
URL_PROPS = {"pathname": "path", "search": "query", "href": "url", "hash": "fragment"}
_BAD_PATH = re.compile(r"^/[/\\]|\\|[\x00-\x1f\x7f]")
_BAD_CHAR = re.compile(r"[\\\x00-\x1f\x7f]")
_CHARSET = re.compile(r";\s*charset=[^;]*", re.IGNORECASE)


@dataclass(frozen=True)
class Limits:
    """Bounds on one request (see the module docstring); ``[dashboard]`` settings override."""

    max_url: int = 8192
    max_params: int = 64
    max_list: int = 300
    max_body: int = 1 << 20
    max_depth: int = 32

    @classmethod
    def from_settings(cls, settings: dict[str, Any]) -> Limits:
        fields = cls.__dataclass_fields__
        return cls(**{k: int(v) for k, v in settings.items() if k in fields})


class Rejected(Exception):
    """A request refused before the app saw it: HTTP ``status`` and a one-line reason."""

    def __init__(self, status: int, reason: str) -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason


# -- checks (each linear in the size of what it reads) -------------------------------------------
def list_items(value: str) -> int:
    """Items of the longest list in one query value: separators ``,`` and ``|``, raw or
    percent-encoded (the page splits on the decoded ones)."""
    upper = value.upper()
    commas = value.count(",") + upper.count("%2C")
    pipes = value.count("|") + upper.count("%7C")
    return max(commas, pipes) + 1


def check_query(query: str, limits: Limits, what: str = "query") -> None:
    """Parameter count and list lengths of a raw query string (``?`` optional)."""
    query = query.lstrip("?")
    if not query:
        return
    if query.count("&") >= limits.max_params:
        raise Rejected(400, f"{what} has more than {limits.max_params} parameters")
    for part in query.split("&"):
        _, _, value = part.partition("=")
        if value and list_items(value) > limits.max_list:
            raise Rejected(400, f"{what}: a list holds more than {limits.max_list} items")


def check_path(path: str, what: str = "path") -> None:
    if not path.startswith("/"):
        raise Rejected(400, f"{what} must start with /")
    if _BAD_PATH.search(path):
        raise Rejected(400, f"{what} holds // at its start, a backslash or a control character")


def json_depth(body: bytes, limit: int) -> int:
    """Nesting depth of a JSON text, by one scan that skips strings; stops past ``limit``."""
    depth = deepest = 0
    in_string = escaped = False
    for byte in body:
        if in_string:
            if escaped:
                escaped = False
            elif byte == 0x5C:  # backslash
                escaped = True
            elif byte == 0x22:  # quote
                in_string = False
        elif byte == 0x22:
            in_string = True
        elif byte in (0x5B, 0x7B):  # [ {
            depth += 1
            if depth > deepest:
                deepest = depth
                if deepest > limit:
                    return deepest
        elif byte in (0x5D, 0x7D):  # ] }
            depth -= 1
    return deepest


def check_url_value(prop: str, value: Any, limits: Limits) -> None:
    """A ``pathname``/``search``/``href``/``hash`` value inside a callback body (a pathname is
    always a path: ``dcc.Location`` never sends none)."""
    if value is None and prop != "pathname":
        return
    if not isinstance(value, str):
        raise Rejected(400, f"callback {prop} must be text")
    if len(value.encode("utf-8", "surrogatepass")) > limits.max_url:
        raise Rejected(400, f"callback {prop} is longer than {limits.max_url} bytes")
    kind = URL_PROPS[prop]
    if kind == "path":
        check_path(value, f"callback {prop}")
    elif kind == "query":
        check_query(value, limits, f"callback {prop}")
    elif kind == "url":
        path, _, query = value.partition("?")
        if path.startswith(("/", "http://", "https://")):
            check_query(query, limits, f"callback {prop}")


def check_envelope(body: Any, known_outputs: Callable[[], Iterable[str]] | None,
                   limits: Limits) -> None:
    """A Dash callback request: its shape, a registered output, and URL-valued props."""
    if not isinstance(body, dict):
        raise Rejected(400, "a callback body is a JSON object")
    output = body.get("output")
    if not isinstance(output, str) or not output:
        raise Rejected(400, "a callback body names its output")
    for key in ("inputs", "state"):
        if not isinstance(body.get(key, []), list):
            raise Rejected(400, f"callback {key} must be a list")
    if not isinstance(body.get("changedPropIds", []), list):
        raise Rejected(400, "callback changedPropIds must be a list")
    if not isinstance(body.get("outputs", {}), dict | list):
        raise Rejected(400, "callback outputs must be an object or a list")
    if known_outputs is not None and output not in set(known_outputs()):
        raise Rejected(404, "no such callback")
    items: list[Any] = []
    for key in ("inputs", "state"):
        for item in body.get(key) or []:
            items.extend(item if isinstance(item, list) else [item])  # ALL/ALLSMALLER: lists
    for item in items:
        if not isinstance(item, dict) or "property" not in item or "id" not in item:
            raise Rejected(400, "each callback input names an id and a property")
        prop = item["property"]
        if not isinstance(prop, str) or not isinstance(item["id"], str | dict):
            raise Rejected(400, "a callback input's id and property have the wrong type")
        if prop in URL_PROPS:
            check_url_value(prop, item.get("value"), limits)


# -- headers ---------------------------------------------------------------------------------------
def content_security_policy(script_hashes: Iterable[str] = (), frame_ancestors: str = "'none'",
                            style_hashes: Iterable[str] | None = None) -> str:
    """Only this server: scripts from here or one of the inline scripts Dash writes into its
    page (by hash: :meth:`dash.Dash.csp_hashes`), no plugins, no base or form targets elsewhere.

    Dash's bundles (renderer, core components, AG Grid, plotly.js) insert ``<style>`` elements
    at run time; ``style_hashes`` lists their hashes (``dashboard/csp_styles.txt``), so no other
    inline style element applies. plotly.js also sets a few ``style`` attributes
    (``style-src-attr``, which cannot load anything: images obey ``img-src``). Without
    ``style_hashes`` styles fall back to ``'unsafe-inline'``. See docs/security.md.
    """
    if style_hashes is None:
        styles = ["style-src 'self' 'unsafe-inline'"]
    else:
        hashed = " ".join(["'self'", *style_hashes])
        styles = [f"style-src {hashed}", f"style-src-elem {hashed}", "style-src-attr 'unsafe-inline'"]
    return "; ".join([
        "default-src 'self'",
        " ".join(["script-src 'self'", *script_hashes]),
        *styles,
        "img-src 'self' data: blob:",
        "font-src 'self' data:",
        "connect-src 'self'",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        f"frame-ancestors {frame_ancestors}",
    ])


def security_headers(csp: str, frame_ancestors: str = "'none'") -> list[tuple[str, str]]:
    headers = [
        ("Content-Security-Policy", csp),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "no-referrer"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
        ("Cross-Origin-Resource-Policy", "same-origin"),
        ("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=(), usb=()"),
    ]
    if frame_ancestors.strip() == "'none'":
        headers.append(("X-Frame-Options", "DENY"))
    elif frame_ancestors.strip() == "'self'":
        headers.append(("X-Frame-Options", "SAMEORIGIN"))
    return headers


def _one_charset(value: str) -> str:
    """``text/csv; charset=utf-8; charset=utf-8`` → ``text/csv; charset=utf-8``."""
    found = _CHARSET.findall(value)
    if len(found) <= 1:
        return value
    return _CHARSET.sub("", value) + found[0]


# -- the middleware --------------------------------------------------------------------------------
class Guard:
    """WSGI middleware: limits, path and host rules, security headers (module docstring)."""

    def __init__(self, app: Callable, limits: Limits | None = None, *,
                 csp: Callable[[], str] | str | None = None, frame_ancestors: str = "'none'",
                 public_host: str | None = None,
                 known_outputs: Callable[[], Iterable[str]] | None = None) -> None:
        self.app = app
        self.limits = limits or Limits()
        self._csp = csp if csp is not None else content_security_policy(frame_ancestors=frame_ancestors)
        self.frame_ancestors = frame_ancestors
        self.public_host = public_host
        self.known_outputs = known_outputs

    def csp(self) -> str:
        return self._csp() if callable(self._csp) else self._csp

    def headers(self) -> list[tuple[str, str]]:
        return security_headers(self.csp(), self.frame_ancestors)

    def __call__(self, environ: dict[str, Any], start_response: Callable) -> Iterable[bytes]:
        extra = self.headers()

        def secured(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            names = {name.lower() for name, _ in extra}
            kept = []
            for name, value in headers:
                low = name.lower()
                if low in names or low in ("server", "x-powered-by"):
                    continue
                if low == "content-type":
                    value = _one_charset(value)
                kept.append((name, value))
            return start_response(status, kept + extra, exc_info)

        try:
            redirect = self._screen(environ)
        except Rejected as exc:
            return self._reject(environ, secured, exc)
        if redirect is not None:
            secured("301 Moved Permanently", [("Location", redirect), ("Content-Length", "0")])
            return [b""]
        return self.app(environ, secured)

    # -- the request ------------------------------------------------------------------------------
    def _screen(self, environ: dict[str, Any]) -> str | None:
        """Raise :class:`Rejected`, return a redirect target, or None to pass the request on."""
        limits = self.limits
        method = environ.get("REQUEST_METHOD", "GET")
        if method not in ("GET", "HEAD", "POST"):
            raise Rejected(405, f"method {method} is not allowed")
        path = environ.get("PATH_INFO", "") or "/"
        query = environ.get("QUERY_STRING", "")
        raw = environ.get("RAW_URI") or environ.get("REQUEST_URI")
        size = len(raw) if raw else len(path.encode("latin-1", "replace")) + len(query) + 1
        if size > limits.max_url:
            raise Rejected(414, f"the request target is longer than {limits.max_url} bytes")
        environ["HTTP_HOST"] = self.public_host or (
            f"{environ.get('SERVER_NAME', 'localhost')}:{environ.get('SERVER_PORT', '80')}")
        environ.pop("HTTP_X_FORWARDED_HOST", None)
        if _BAD_PATH.search(path):
            if method in ("GET", "HEAD") and not _BAD_CHAR.search(path):
                return "/" + path.lstrip("/") + ("?" + query if query else "")
            raise Rejected(400, "the path holds a backslash or a control character")
        check_query(query, limits)
        if method == "POST":
            self._screen_body(environ, path)
        return None

    def _screen_body(self, environ: dict[str, Any], path: str) -> None:
        limits = self.limits
        length_text = environ.get("CONTENT_LENGTH") or ""
        try:
            length = int(length_text) if length_text else None
        except ValueError:
            raise Rejected(400, "Content-Length is not a number") from None
        if length is not None and length > limits.max_body:
            raise Rejected(413, f"the body of {length} bytes is over the limit of {limits.max_body}")
        stream = environ.get("wsgi.input")
        body = stream.read(limits.max_body + 1 if length is None else length) if stream else b""
        if len(body) > limits.max_body:
            raise Rejected(413, f"the body is over the limit of {limits.max_body} bytes")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        if path != CALLBACK_PATH:
            return
        if json_depth(body, limits.max_depth) > limits.max_depth:
            raise Rejected(400, f"the callback body is nested deeper than {limits.max_depth} levels")
        try:
            envelope = json.loads(body)
        except (ValueError, UnicodeDecodeError):
            raise Rejected(400, "the callback body is not JSON") from None
        check_envelope(envelope, self.known_outputs, limits)

    def _reject(self, environ: dict[str, Any], start_response: Callable, exc: Rejected) -> list[bytes]:
        reasons = {400: "Bad Request", 404: "Not Found", 405: "Method Not Allowed",
                   413: "Content Too Large", 414: "URI Too Long"}
        path = environ.get("PATH_INFO") or ""
        shown = path[:80].encode("unicode_escape").decode("ascii") + ("…" if len(path) > 80 else "")
        log.warning("%s %s %s: %s", exc.status, environ.get("REQUEST_METHOD"), shown, exc.reason)
        body = f"{exc.status} {reasons.get(exc.status, '')}: {exc.reason}\n".encode()
        headers = [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(body))),
                   ("Cache-Control", "no-store")]
        if exc.status == 405:
            headers.append(("Allow", "GET, HEAD, POST"))
        start_response(f"{exc.status} {reasons.get(exc.status, 'Error')}", headers)
        return [body]
