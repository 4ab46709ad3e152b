"""Render every dashboard page in every language and print the text a reader would see, as JSON.

Run in its own process (``python -m tests.i18n_pages --data-dir DIR``) because Dash pages are
registered once per process: ``{"<page> [<lang>]": ["text", ...], ...}``. The text is what the
component tree shows or says: children strings, titles, labels, placeholders, ARIA labels,
dropdown option labels, grid headers and messages, and inside figures their titles, subtitles,
legend names, axis titles, tick and hover texts and annotations.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path
from typing import Any

from roamwatch.i18n import LANGS

#: (name, page module, layout arguments): every page, and the states that show other text.
PAGES: tuple[tuple[str, str, dict[str, Any]], ...] = (
    ("world", "dashboard.pages.world", {}),
    ("world metric", "dashboard.pages.world", {"metric": "worldbank.IT.NET.USER.ZS"}),
    ("country KEN", "dashboard.pages.country", {"iso3": "KEN"}),
    ("country UGA", "dashboard.pages.country", {"iso3": "UGA"}),
    ("country no data", "dashboard.pages.country", {"iso3": "ATA"}),
    ("country not found", "dashboard.pages.country", {"iso3": "Atlantis"}),
    ("compare", "dashboard.pages.compare", {"countries": "KEN,UGA,BRA"}),
    ("compare empty", "dashboard.pages.compare", {}),
    ("data", "dashboard.pages.data_table", {"countries": "KEN"}),
    ("sources", "dashboard.pages.sources", {}),
    ("methodology", "dashboard.pages.methodology", {}),
    ("not found", "dashboard.pages.not_found_404", {"_path": "/compar"}),
)
#: Properties whose string values are shown or read out.
TEXT_PROPS = ("children", "title", "placeholder", "aria-label", "alt", "label", "headerName")
#: Prefix of Markdown documents in the text list (the renderer files them under "<page> doc").
MARKDOWN = "\x00markdown:"
_TAGS = re.compile(r"<[^>]+>")
_MARKS = re.compile("[\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(text: str) -> str:
    return _MARKS.sub("", _TAGS.sub(" ", text)).strip()


def _figure_texts(figure: dict[str, Any], out: list[str]) -> None:
    layout = figure.get("layout") or {}
    for key in ("title",):
        title = layout.get(key) or {}
        if isinstance(title, dict):
            out += [title.get("text") or "", (title.get("subtitle") or {}).get("text") or ""]
    for name, axis in layout.items():
        if re.fullmatch(r"[xy]axis\d*|polar", name) and isinstance(axis, dict):
            title = axis.get("title")
            if isinstance(title, dict):
                out.append(title.get("text") or "")
            for sub in ("radialaxis", "angularaxis"):
                out += [str(v) for v in (axis.get(sub) or {}).get("ticktext") or []]
    for note in layout.get("annotations") or []:
        out.append(note.get("text") or "")
    for trace in figure.get("data") or []:
        out.append(str(trace.get("name") or ""))
        for key in ("text", "hovertext", "theta", "y"):
            values = trace.get(key)
            if isinstance(values, str):
                out.append(values)
            elif isinstance(values, list):
                out += [v for v in values if isinstance(v, str)]
        template = trace.get("hovertemplate")
        if isinstance(template, str):
            out.append(re.sub(r"%\{[^}]*\}", " ", template))


def texts(node: Any, out: list[str] | None = None) -> list[str]:
    """Every reader-facing string in a Dash component tree (as ``to_plotly_json()`` gives it)."""
    out = [] if out is None else out
    if hasattr(node, "to_plotly_json"):
        node = node.to_plotly_json()
    if isinstance(node, str):
        out.append(node)
    elif isinstance(node, list | tuple):
        for item in node:
            texts(item, out)
    elif isinstance(node, dict):
        props = node.get("props") if "props" in node and "type" in node else None
        if props is None:
            return out
        for key in TEXT_PROPS:
            if key == "children" and node.get("type") == "Markdown":
                continue
            value = props.get(key)
            if isinstance(value, str):
                out.append(value)
            elif key == "children":
                texts(value, out)
        if node.get("type") == "Markdown" and isinstance(props.get("children"), str):
            out.append(MARKDOWN + props["children"])
        for option in props.get("options") or []:
            if isinstance(option, dict) and isinstance(option.get("label"), str):
                out.append(option["label"])
            elif isinstance(option, dict) and option.get("label") is not None:
                texts(option["label"], out)  # a label drawn as components (metric menus)
        figure = props.get("figure")
        if figure is not None:
            if hasattr(figure, "to_plotly_json"):
                figure = figure.to_plotly_json()
            _figure_texts(figure, out)
        for column in props.get("columnDefs") or []:
            if isinstance(column, dict) and isinstance(column.get("headerName"), str):
                out.append(column["headerName"])
        grid = props.get("dashGridOptions") or {}
        out += [v for v in (grid.get("localeText") or {}).values() if isinstance(v, str)]
    return out


def html_texts(document: str) -> list[str]:
    """The text nodes and the title/alt/aria-label attributes of an HTML document (not the
    contents of <style>, <script>, <title> or SVG <desc>, which repeat visible text)."""
    from html.parser import HTMLParser

    found: list[str] = []

    class Texts(HTMLParser):
        skip = 0

        def handle_starttag(self, tag, attrs):  # noqa: ANN001, ANN202
            if tag in ("style", "script"):
                self.skip += 1
            for name, value in attrs:
                if name in ("title", "alt", "aria-label") and value:
                    found.append(value)

        def handle_endtag(self, tag):  # noqa: ANN001, ANN202
            if tag in ("style", "script"):
                self.skip -= 1

        def handle_data(self, data):  # noqa: ANN001, ANN202
            if not self.skip and data.strip():
                found.append(data.strip())

    Texts().feed(document)
    return found


def brief_texts(iso3: str, lang: str) -> list[str]:
    from dashboard import data
    from dashboard.brief import build, render

    return html_texts(render(build(data.get(), iso3), lang, toolbar=True, base_path=f"/country/{iso3}/brief"))


def render(data_dir: Path) -> dict[str, list[str]]:
    import dash

    from dashboard import app as shell
    from dashboard.app import create_app
    from dashboard.components.layout import no_data_page
    from roamwatch.config import load_config

    app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
    result: dict[str, list[str]] = {}
    with app.server.test_request_context("/"):
        for lang in LANGS:
            search = f"?lang={lang}"
            found = texts(shell._header("/country/KEN", search)) + texts(shell._footer(lang))
            result[f"shell [{lang}]"] = found
            result[f"no data [{lang}]"] = texts(no_data_page(lang, "snapshot X cannot be read"))
            for name, module, kwargs in PAGES:
                layout = dash.page_registry[module]["layout"](**kwargs, lang=lang)
                found = texts(layout)
                result[f"{name} [{lang}]"] = [t for t in found if not t.startswith(MARKDOWN)]
                docs = [t[len(MARKDOWN):] for t in found if t.startswith(MARKDOWN)]
                if docs:
                    result[f"{name} doc [{lang}]"] = docs
            result[f"brief KEN [{lang}]"] = brief_texts("KEN", lang)
        # Proper names of sources and their citations are shown as published (licence and terms
        # notes are roamwatch's words: translated like any message).
        from dashboard import data

        sources = data.get().source_status()
        published = [str(v) for column in ("name", "citation", "id")
                     if column in sources for v in sources[column].dropna()]
        result["published titles"] = published
    return {key: [t for t in (clean(v) for v in values) if t] for key, values in result.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    args = parser.parse_args(argv)
    json.dump(render(args.data_dir), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
