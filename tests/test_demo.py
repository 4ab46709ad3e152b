"""``roamwatch demo``: synthetic data that say so everywhere, with nothing but roamwatch installed."""

from __future__ import annotations

import json
import subprocess
import sys
import warnings

import pytest

from roamwatch.config import load_config
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import open_snapshot
from tests.helpers import collect_worldbank, query, subprocess_env

#: Runs the command line with every test extra (and the tests package) made unimportable.
WITHOUT_TEST_EXTRAS = r"""
import importlib.abc, sys
BLOCKED = {"pytest", "_pytest", "selenium", "hypothesis", "nbclient", "nbformat", "ipykernel",
           "tests"}
class Block(importlib.abc.MetaPathFinder):
    def find_spec(self, name, path=None, target=None):
        if name.split(".")[0] in BLOCKED:
            raise ImportError(f"{name} belongs to the test extras: the demo must not need it")
sys.meta_path.insert(0, Block())
from roamwatch.cli import main
main()
"""

#: The dashboard of a data directory, probed in its own process (Dash pages are process-global).
DASHBOARD_PROBE = r"""
import json, sys
from dashboard.app import create_app
from roamwatch.config import load_config
out = {}
for name, data_dir in (("demo", sys.argv[1]), ("real", sys.argv[2])):
    app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": data_dir}))
    client = app.server.test_client()
    layout = client.get("/_dash-layout").get_data(as_text=True)
    from dashboard.app import _banner  # the shell callback renders it in the page's language
    csv = client.get("/download/country/KEN.csv")
    zipped = client.get("/download/data.zip?countries=KEN")
    import io, zipfile
    archive = zipfile.ZipFile(io.BytesIO(zipped.data))
    meta = json.loads(archive.read([n for n in archive.namelist() if n.endswith("metadata.json")][0]))
    out[name] = {
        "banner_en": "Synthetic demo data, not measurements" in layout,
        "banner_fr": json.dumps(_banner("fr"), default=lambda c: c.to_plotly_json(),
                                ensure_ascii=False),
        "pages": {p: client.get(p).status_code for p in ("/", "/country/KEN", "/sources", "/data")},
        "csv_name": csv.headers.get("Content-Disposition", ""),
        "csv_flag": csv.headers.get("X-Roamwatch-Synthetic"),
        "zip_flag": zipped.headers.get("X-Roamwatch-Synthetic"),
        "zip_meta": {"synthetic": meta.get("synthetic"), "warning": meta.get("warning")},
    }
print(json.dumps(out))
"""


def cli(env, *args, script=None):
    code = script or "from roamwatch.cli import main; main()"
    return subprocess.run([sys.executable, "-c", code, *args], env=env, capture_output=True,
                          text=True, timeout=600)


@pytest.fixture(scope="module")
def clean_env():
    return subprocess_env()


@pytest.fixture(scope="module")
def demo_dir(tmp_path_factory, clean_env):
    data_dir = tmp_path_factory.mktemp("demo") / "data"
    proc = cli(clean_env, "demo", "--data-dir", str(data_dir), script=WITHOUT_TEST_EXTRAS)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"synthetic demo data in {data_dir}: not measurements" in proc.stdout
    assert f"ROAMWATCH_DATA_DIR={data_dir} roamwatch serve" in proc.stdout
    return data_dir


@pytest.fixture(scope="module")
def real_dir(tmp_path_factory):
    """A data directory collected the ordinary way (World Bank, from its local server)."""
    data_dir = tmp_path_factory.mktemp("real") / "data"
    collect_worldbank(data_dir)
    return data_dir


def test_demo_runs_without_test_extras_and_marks_everything_synthetic(demo_dir):
    config = load_config(env={"ROAMWATCH_DATA_DIR": str(demo_dir)})
    assert query(config.warehouse_path, "SELECT key, value FROM warehouse_meta") == [
        ("synthetic", "true")]
    with Reader.open(config.serving_dir) as reader:
        assert reader.synthetic and reader.meta == {"synthetic": "true"}
        runs = reader.runs()
        assert set(runs["status"]) == {"success"}
        assert set(runs["collector"]) >= {"worldbank", "ooni", "ioda", "apnic", "dgg", "fotn",
                                          "accessnow", "vdem", "itu"}
        assert not reader.scores(levels=["category"]).empty
    # every snapshot kept on disk carries the mark, the first one included
    snapshots = sorted(p.name for p in config.serving_dir.iterdir()
                       if p.is_dir() and (p / "manifest.json").is_file())
    assert snapshots
    for snapshot_id in snapshots:
        _, con = open_snapshot(config.serving_dir, snapshot_id)
        try:
            assert con.execute("SELECT key, value FROM warehouse_meta").fetchall() == [
                ("synthetic", "true")], snapshot_id
        finally:
            con.close()


def test_export_and_api_carry_the_flag(demo_dir, real_dir, clean_env, tmp_path):
    import roamwatch

    env = {**clean_env, "ROAMWATCH_DATA_DIR": str(demo_dir)}
    target = tmp_path / "out.csv"
    proc = cli(env, "export", "-m", "worldbank.*", "-c", "KEN", "-o", str(target))
    assert proc.returncode == 0 and "SYNTHETIC DEMO DATA, NOT MEASUREMENTS" in proc.stderr
    meta = json.loads((tmp_path / "out.csv.provenance.json").read_text(encoding="utf-8"))
    assert meta["synthetic"] is True and meta["warning"].startswith("SYNTHETIC DEMO DATA")
    proc = cli(env, "export", "-m", "worldbank.*", "-c", "KEN")  # to stdout: warned on stderr
    assert proc.stdout.startswith("metric,") and "SYNTHETIC DEMO DATA" in proc.stderr

    with pytest.warns(roamwatch.api.SyntheticDataWarning, match="synthetic demo data"):
        rw = roamwatch.open(demo_dir)
    with rw:
        assert rw.synthetic and rw.sources()["synthetic"].all()
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # real data: no warning at all
        with roamwatch.open(real_dir) as rw:
            assert not rw.synthetic and not rw.sources()["synthetic"].any()
    proc = cli({**clean_env, "ROAMWATCH_DATA_DIR": str(real_dir)}, "export", "-m", "worldbank.*",
               "-o", str(tmp_path / "real.csv"))
    assert proc.returncode == 0 and "SYNTHETIC" not in proc.stderr
    assert json.loads((tmp_path / "real.csv.provenance.json").read_text())["synthetic"] is False


def test_every_page_of_demo_data_carries_the_banner(demo_dir, real_dir, clean_env):
    proc = cli(clean_env, str(demo_dir), str(real_dir), script=DASHBOARD_PROBE)
    assert proc.returncode == 0, proc.stderr[-3000:]
    found = json.loads(proc.stdout)
    demo, real = found["demo"], found["real"]
    # the banner sits in the shell every page renders inside, in the page's language
    assert demo["banner_en"] and not real["banner_en"]
    assert "Données de démonstration synthétiques, pas des mesures" in demo["banner_fr"]
    assert real["banner_fr"] == "[]"
    assert set(demo["pages"].values()) == {200}
    # downloads say it in their name, a header and their metadata
    assert "roamwatch_SYNTHETIC-DEMO_KEN_" in demo["csv_name"] and demo["csv_flag"] == "true"
    assert demo["zip_flag"] == "true" and demo["zip_meta"]["synthetic"] is True
    assert real["csv_flag"] is None and "SYNTHETIC" not in real["csv_name"]
    assert real["zip_meta"] == {"synthetic": False, "warning": None}


def test_demo_never_writes_into_collected_data(real_dir, clean_env):
    config = load_config(env={"ROAMWATCH_DATA_DIR": str(real_dir)})
    before = query(config.warehouse_path, "SELECT count(*), max(run_id) FROM observation")
    proc = cli(clean_env, "demo", "--data-dir", str(real_dir))
    assert proc.returncode == 1
    assert "holds collected data that is not synthetic" in proc.stderr
    assert query(config.warehouse_path, "SELECT count(*), max(run_id) FROM observation") == before
    assert query(config.warehouse_path, "SELECT count(*) FROM warehouse_meta") == [(0,)]
