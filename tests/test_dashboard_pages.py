"""Every dashboard page through Dash's own request path (no browser): the pages router callback
answered by the Flask test client, on a snapshot filled by every collector (``tests.demo``).

The country page is rendered for *every* country of the snapshot, not a sample: most have no
region, no income group and little data, which is where pages used to break.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from roamwatch.config import load_config


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory) -> Path:
    from tests.demo import fill

    path = tmp_path_factory.mktemp("pages") / "data"
    fill(path, log=lambda _m: None)
    return path


class DashClient:
    """Asks a Dash app for pages the way the browser does (POST of the pages router callback)."""

    def __init__(self, data_dir: Path) -> None:
        from dashboard.app import create_app

        self.app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir)}))
        self.client = self.app.server.test_client()
        self.client.get("/")
        deps = self.client.get("/_dash-dependencies").get_json()
        self.router = next(d for d in deps if "_pages_content.children" in d["output"])

    def page(self, path: str) -> dict:
        """The rendered layout of ``path`` (``/country/KEN?lang=fr``) as Dash's JSON."""
        pathname, _, search = path.partition("?")
        body = {
            "output": self.router["output"],
            "outputs": [{"id": "_pages_content", "property": "children"},
                        {"id": "_pages_store", "property": "data"}],
            "inputs": [{"id": "_pages_location", "property": "pathname", "value": pathname},
                       {"id": "_pages_location", "property": "search",
                        "value": "?" + search if search else ""}],
            "state": [{"id": "_pages_location", "property": "pathname", "value": pathname}],
            "changedPropIds": ["_pages_location.pathname"],
        }
        reply = self.client.post("/_dash-update-component", json=body)
        assert reply.status_code == 200, f"{path}: HTTP {reply.status_code} {reply.get_data(True)[:300]}"
        return reply.get_json()["response"]["_pages_content"]["children"]


def find(node: object, predicate) -> list[dict]:
    """Every component of a layout (Dash JSON) for which ``predicate(component)`` holds."""
    out = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, list):
            stack.extend(item)
        elif isinstance(item, dict):
            if "props" in item and predicate(item):
                out.append(item)
            stack.extend(v for v in item.get("props", {}).values() if isinstance(v, list | dict))
    return out


def by_id(node: object, cid: str) -> dict | None:
    hits = find(node, lambda c: c["props"].get("id") == cid)
    return hits[0] if hits else None


def text_of(node: object) -> str:
    """All visible text of a layout, in order (strings inside children)."""
    parts: list[str] = []

    def walk(item: object) -> None:
        if isinstance(item, str):
            parts.append(item)
        elif isinstance(item, list):
            for x in item:
                walk(x)
        elif isinstance(item, dict) and "props" in item:
            walk(item["props"].get("children"))

    walk(node)
    return " ".join(parts)


@pytest.fixture(scope="module")
def dash_client(demo_dir) -> DashClient:
    return DashClient(demo_dir)


def test_every_country_page_renders(dash_client):
    from dashboard import data

    svc = data.get()
    countries = svc.countries()
    assert len(countries) > 240  # every ISO 3166 country, most without region or data
    failures = []
    for iso3 in countries["iso3"]:
        name = svc.country_name(iso3, "en")
        layout = dash_client.page(f"/country/{iso3}")
        page = by_id(layout, "country-page")
        broken = find(layout, lambda c: "rw-panel-failed" in str(c["props"].get("className", "")))
        if page is None or name not in text_of(by_id(layout, "country-name")) or broken:
            failures.append((iso3, [b["props"].get("id") for b in broken] or "no page"))
    assert failures == []


def test_territories_without_region_show_their_facts(dash_client):
    layout = dash_client.page("/country/TWN?lang=fr")
    assert text_of(by_id(layout, "country-name")).startswith("Taïwan")
    assert "nan" not in text_of(layout).split()
    layout = dash_client.page("/country/KEN")
    assert "Sub-Saharan Africa" in text_of(by_id(layout, "country-page"))
