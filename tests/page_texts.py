"""Render dashboard pages through Dash's own request path and print what a visitor reads, as JSON.

Run in its own process (``python -m tests.page_texts --data-dir DIR PATH…``): Dash pages and the
dashboard's data service are global to a process. Prints ``{"<path>": ["text", …], …}`` with the
texts of :func:`tests.i18n_pages.texts` (children, labels, figure titles and hovers…), Markdown
included, and under ``"<path> status"`` the HTTP status of the page's URL.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def render(data_dir: Path, paths: list[str]) -> dict[str, object]:
    from dashboard.app import create_app
    from roamwatch.config import load_config
    from tests.dashclient import page_body
    from tests.i18n_pages import MARKDOWN, clean, texts

    app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
    client = app.server.test_client()
    client.get("/")
    deps = client.get("/_dash-dependencies").get_json()
    out: dict[str, object] = {}
    for path in paths:
        pathname, _, search = path.partition("?")
        reply = client.post("/_dash-update-component", json=page_body(deps, path))
        ok = reply.status_code == 200
        layout = reply.get_json()["response"]["_pages_content"]["children"] if ok else {}
        found = [t[len(MARKDOWN):] if t.startswith(MARKDOWN) else t for t in texts(layout)]
        with app.server.test_request_context(path):
            from dashboard import app as shell

            found += texts(shell._header(pathname, "?" + search if search else ""))
            found += texts(shell._footer("en"))
        out[path] = [t for t in (clean(x) for x in found) if t]
        out[f"{path} status"] = [reply.status_code, client.get(path).status_code]
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("paths", nargs="+")
    args = parser.parse_args(argv)
    json.dump(render(args.data_dir, args.paths), sys.stdout, ensure_ascii=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
