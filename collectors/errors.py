"""The errors a collection raises, shared by the collector interface and the HTTP client.

They live apart from :mod:`collectors.base` and :mod:`collectors.http` so that both can import
them without importing each other.
"""

from __future__ import annotations


class SourceError(Exception):
    """The upstream answered, but with an error, or with something we cannot parse."""


class HttpError(SourceError):
    """A request failed for good (after retries, or with a status that is not worth retrying).

    ``status`` is the last HTTP status received, or None when no response came back.
    """

    def __init__(self, message: str, status: int | None = None):
        super().__init__(message)
        self.status = status


class Unreachable(HttpError):
    """No connection could be opened: the host name does not resolve, or the host refused.

    Neither gets better by retrying within seconds, so the HTTP client raises it after one
    attempt and the runner stops asking that source for the rest of its run. ``summary`` is the
    short reason shown in the run output, e.g. ``no network (cannot resolve api.ooni.io)``.
    """

    RESOLVE = "resolve"
    REFUSED = "refused"

    def __init__(self, kind: str, host: str, port: int | None, detail: str):
        self.kind = kind
        self.host = host
        self.port = port
        super().__init__(f"{self.summary}: {detail}")

    @property
    def summary(self) -> str:
        if self.kind == self.RESOLVE:
            return f"no network (cannot resolve {self.host})"
        where = f"{self.host}:{self.port}" if self.port else self.host
        return f"unreachable ({where} refused the connection)"
