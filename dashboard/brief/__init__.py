"""The country brief: a printable ROAM-X profile of one country and year, in six languages.

A view of the same snapshot as the dashboard's country page (:mod:`dashboard.brief.model` reads
it through :mod:`dashboard.data`), rendered as one self-contained HTML document
(:mod:`dashboard.brief.render`, charts from :mod:`dashboard.components.svgcharts`) and, for the
PDF, by WeasyPrint with a URL fetcher that refuses every outside resource
(:mod:`dashboard.brief.pdf`). Served at ``/country/<ISO3>/brief`` (:mod:`dashboard.brief.routes`)
and written by ``roamwatch brief`` (:mod:`dashboard.brief.cli`).
"""

from __future__ import annotations

from dashboard.brief.model import Brief, BriefError, build
from dashboard.brief.render import render

#: A brief is at most this many A4 pages; past it, it is set again in the compact styles.
MAX_PAGES = 4

__all__ = ["MAX_PAGES", "Brief", "BriefError", "build", "render", "to_pdf"]


def to_pdf(brief: Brief, lang: str = "en") -> tuple[bytes, int]:
    """The brief as PDF bytes and its number of pages: set normally, or in the compact styles
    (smaller; then without the questions' wording) when that would run past :data:`MAX_PAGES`."""
    from dashboard import i18n
    from dashboard.brief.pdf import render_document
    from dashboard.components import svgcharts

    with svgcharts.visual_order(i18n.direction(lang) == "rtl"):  # WeasyPrint's SVG text
        for compact in (0, 1, 2):  # only the layout is redone; the PDF is written once
            document = render_document(render(brief, lang, compact=compact))
            if len(document.pages) <= MAX_PAGES:
                break
    return document.write_pdf(), len(document.pages)
