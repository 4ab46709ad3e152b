"""Every notebook in notebooks/ executes clean against a data directory holding every source
(synthetic demo data) and against one holding a single source (ITU's files only): missing
sources are named, never a crash."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")


NOTEBOOKS = sorted((Path(__file__).resolve().parents[1] / "notebooks").glob("*.ipynb"))


def test_there_are_three_notebooks_committed_without_outputs():
    assert len(NOTEBOOKS) >= 3
    for path in NOTEBOOKS:
        nb = nbformat.read(path, as_version=4)
        assert all(not c.get("outputs") for c in nb.cells if c.cell_type == "code"), path.name
        assert "roamwatch.open()" in "".join(c.source for c in nb.cells), path.name


@pytest.fixture(scope="module")
def data_dirs(tmp_path_factory):
    """Every collector from the local servers and files; and ITU's files alone (no World Bank
    series, no OONI, no events: the warehouse 02_gender_gap once died on with a KeyError)."""
    from roamwatch.demo import build

    full = tmp_path_factory.mktemp("nbdata") / "data"
    statuses = build(full, log=lambda _m: None)
    assert statuses["worldbank"] == "success" and statuses["ooni"] == "success"
    single = tmp_path_factory.mktemp("nbitu") / "data"
    assert build(single, sources=("itu",), log=lambda _m: None)["itu"] == "success"
    return {"every source": full, "ITU only": single}


@pytest.mark.parametrize("which", ["every source", "ITU only"])
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, which, data_dirs, monkeypatch):
    monkeypatch.setenv("ROAMWATCH_DATA_DIR", str(data_dirs[which]))
    monkeypatch.delenv("ROAMWATCH_CONFIG", raising=False)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on any failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(str(o.get("text", "")) for o in outputs)
    assert "snapshot" in text  # it says which data version it read
    assert "SYNTHETIC DEMO DATA" in text  # and that these are not measurements
    html = [o["data"].get("text/html", "") for o in outputs if "data" in o]
    assert any("<table" in h for h in html), "ends with no table"
    if which == "every source":
        assert any("plotly" in h.lower() for h in html), "ends with no chart"
    else:  # it names what is missing, and goes on to its sources list
        assert re.search(r"not (both )?collected|collected yet|no data", text, re.I), text[-2000:]
        assert "Data: roamwatch snapshot" in text
