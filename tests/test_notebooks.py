"""Every notebook in notebooks/ executes clean against a warehouse filled from local servers."""

from __future__ import annotations

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
def filled_env(tmp_path_factory):
    """A data directory filled by every collector from the local test servers and files."""
    from tests.demo import fill

    data_dir = tmp_path_factory.mktemp("nbdata") / "data"
    statuses = fill(data_dir, log=lambda _m: None)
    assert statuses["worldbank"] == "success" and statuses["ooni"] == "success"
    return {"ROAMWATCH_DATA_DIR": str(data_dir)}


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.name for p in NOTEBOOKS])
def test_notebook_executes(path, filled_env, monkeypatch):
    for key, value in filled_env.items():
        monkeypatch.setenv(key, value)
    nb = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                                     resources={"metadata": {"path": str(path.parent)}})
    client.execute()  # raises CellExecutionError on any failing cell
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not [o for o in outputs if o.get("output_type") == "error"]
    text = "".join(str(o.get("text", "")) for o in outputs)
    assert "snapshot" in text  # it says which data version it read
    html = [o["data"].get("text/html", "") for o in outputs if "data" in o]
    assert any("<table" in h for h in html), "ends with no table"
    assert any("plotly" in h.lower() for h in html), "ends with no chart"
