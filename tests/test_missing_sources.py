"""One source imported, eight missing: every page, and the API, say what is missing and go on.

(The notebooks run against the same kind of data directory in ``test_notebooks.py``.)
"""

from __future__ import annotations

import warnings

import pytest

from tests.helpers import python_json

#: Pages of the dashboard on one data directory, in their own process (Dash pages are global).
PROBE = r"""
import json, sys
import dash
from dashboard.app import create_app
from roamwatch.config import load_config

app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": sys.argv[1]}))
client = app.server.test_client()
paths = ["/", "/?lang=fr", "/?metric=itu.internet_use_female", "/country/KEN", "/country/TWN",
         "/country/ESH", "/country/IND", "/country/EST", "/country/ATA?lang=ar",
         "/compare?countries=KEN,TWN,ESH", "/data", "/data?metrics=worldbank.IT.NET.USER.ZS",
         "/sources", "/methodology", "/download/country/TWN.csv", "/download/data.csv"]

def texts(node, out):
    if isinstance(node, dict):
        for key, value in node.items():
            if key == "children" and isinstance(value, str):
                out.append(value)
            else:
                texts(value, out)
    elif isinstance(node, list):
        for value in node:
            texts(value, out)
    return out

layouts = {}
for name, module, kwargs in [
        ("country KEN", "dashboard.pages.country", {"iso3": "KEN"}),
        ("country TWN", "dashboard.pages.country", {"iso3": "TWN"}),
        ("country ESH", "dashboard.pages.country", {"iso3": "ESH"}),
        ("world", "dashboard.pages.world", {}),
        ("compare", "dashboard.pages.compare", {"countries": "KEN,TWN"}),
        ("data", "dashboard.pages.data_table", {}),
        ("sources", "dashboard.pages.sources", {})]:
    layout = dash.page_registry[module]["layout"](**kwargs)
    layouts[name] = texts(json.loads(json.dumps(layout.to_plotly_json(), default=str)), [])
print(json.dumps({"status": {p: client.get(p).status_code for p in paths}, "texts": layouts}))
"""


@pytest.fixture(scope="module")
def itu_only(tmp_path_factory):
    from roamwatch.demo import build

    data_dir = tmp_path_factory.mktemp("ituonly") / "data"
    assert build(data_dir, sources=("itu",), log=lambda _m: None)["itu"] == "success"
    return data_dir


def test_every_page_renders_and_names_what_is_missing(itu_only):
    found = python_json("-c", PROBE, str(itu_only))
    bad = {p: s for p, s in found["status"].items() if s != 200}
    # the only 404 is the metric this data directory does not hold, which the page names
    assert bad == {"/data?metrics=worldbank.IT.NET.USER.ZS": 404}, bad
    kenya = " ".join(found["texts"]["country KEN"])
    # said in plain words, without operator commands (the sources page and `roamwatch sources`
    # tell the operator what to run)
    assert "Censorship measurements (OONI): this source is not collected on this site." in kenya
    assert "Outages and shutdowns: this source is not collected on this site." in kenya
    assert "roamwatch collect" not in kenya
    # the headline cards say the source is not collected here, not "no data" / "no measurements"
    assert found["texts"]["country KEN"].count("not collected on this site") == 4  # FOTN, #KeepItOn,
    assert "no measurements" not in kenya                                        # OONI, IODA
    sources = found["texts"]["sources"]
    assert sources.count("Not collected yet") == 8  # every source but ITU
    for page in ("country TWN", "country ESH", "world", "compare", "data"):
        assert found["texts"][page], page  # rendered, with text


def test_the_api_warns_about_missing_sources_and_returns_what_there_is(itu_only):
    import roamwatch
    from roamwatch.api import MissingDataWarning, SyntheticDataWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SyntheticDataWarning)
        rw = roamwatch.open(itu_only)
    with rw:
        with pytest.warns(MissingDataWarning, match=r"no data for worldbank\.IT\.NET\.USER\.FE\.ZS"):
            frame = rw.observations(["worldbank.IT.NET.USER.FE.ZS", "itu.internet_use_female"])
        assert set(frame["metric"]) == {"itu.internet_use_female"} and len(frame) > 0
        with pytest.warns(MissingDataWarning, match=r"no data for ooni\.\*"):
            assert rw.observations("ooni.*").empty
        with pytest.warns(MissingDataWarning, match="no events from ioda, accessnow"):
            assert rw.events(source=["ioda", "accessnow"]).empty
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # what is there raises no warning
            assert not rw.observations("itu.*").empty
            assert rw.events().empty
            assert not rw.scores(level="category").empty
