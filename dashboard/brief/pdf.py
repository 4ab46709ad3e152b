"""PDF from the brief's HTML with WeasyPrint, offline by construction.

The brief's HTML carries its CSS and charts inline, so rendering needs nothing from anywhere.
To keep that promise even for HTML that asks for more (a stylesheet link, an image, an
``@import``, a font), WeasyPrint gets :class:`LocalOnlyFetcher`: it serves ``data:`` URIs and
files inside the directories it is given (none by default) and refuses everything else, before
any connection is made. WeasyPrint needs Pango (Debian: ``libpango-1.0-0``, ``libpangoft2-1.0-0``)
and a font (``fonts-dejavu-core``); see the README.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from pathlib import Path
from urllib.parse import urlsplit
from urllib.request import url2pathname

from weasyprint import HTML
from weasyprint.urls import URLFetcher


class RefusedURL(ValueError):
    """A URL the brief renderer will not fetch (anything not local)."""


class LocalOnlyFetcher(URLFetcher):
    """A WeasyPrint URL fetcher that fetches no URL from any host.

    Allowed: ``data:`` URIs, and ``file:`` URLs of files under ``allowed_dirs``. Every other URL
    (``http``, ``https``, ``ftp``, other files, …) raises :class:`RefusedURL` and is listed in
    :attr:`refused`; WeasyPrint then leaves the resource out and logs a warning.
    """

    def __init__(self, allowed_dirs: Iterable[Path] = ()) -> None:
        super().__init__(allowed_protocols=("data", "file"), allow_redirects=False, fail_on_errors=False)
        self.allowed_dirs = [Path(d).resolve() for d in allowed_dirs]
        self.refused: list[str] = []

    def _allowed(self, url: str) -> bool:
        scheme = url.split(":", 1)[0].lower()
        if scheme == "data":
            return True
        if scheme == "file" and self.allowed_dirs:
            parts = urlsplit(url)
            if parts.netloc not in ("", "localhost"):
                return False
            path = Path(url2pathname(parts.path)).resolve()
            return any(path.is_relative_to(d) for d in self.allowed_dirs)
        return False

    def fetch(self, url, headers=None):  # noqa: ANN001, ANN201 - WeasyPrint's signature
        if not self._allowed(url):
            self.refused.append(url)
            raise RefusedURL(f"the brief renderer fetches nothing from outside: refused {url}")
        return super().fetch(url, headers)

    def open(self, url, data=None, timeout=None):  # noqa: ANN001, ANN201 - redirects and the like
        target = url.full_url if hasattr(url, "full_url") else str(url)
        if not self._allowed(target):
            self.refused.append(target)
            raise RefusedURL(f"the brief renderer fetches nothing from outside: refused {target}")
        return super().open(url, data, timeout)


def render_pdf(html: str, fetcher: LocalOnlyFetcher | None = None) -> tuple[bytes, int]:
    """Render ``html`` to PDF bytes (A4 pages as the stylesheet says) without fetching anything;
    also returns the number of pages."""
    document = render_document(html, fetcher)
    return document.write_pdf(), len(document.pages)


def html_to_pdf(html: str, fetcher: LocalOnlyFetcher | None = None) -> bytes:
    return render_pdf(html, fetcher)[0]


def render_document(html: str, fetcher: LocalOnlyFetcher | None = None):  # noqa: ANN201
    """The laid-out WeasyPrint document (pages and boxes): write it with ``write_pdf()``, or
    count and inspect its pages."""
    # A refused URL is logged by WeasyPrint as a warning; the fetcher keeps the list.
    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    return HTML(string=html, url_fetcher=fetcher or LocalOnlyFetcher(), media_type="print").render()
