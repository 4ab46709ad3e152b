"""V-Dem collector: Digital Society Project variables from the wide country-year CSV (or zip)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from collectors.runner import run_collectors
from collectors.vdem import detect_version
from tests.helpers import query, run_details, stored
from tests.servers.base import FileServer, Reply

CSV_NAME = "V-Dem-CY-Full+Others-v14.csv"
PRESENT = ["v2smgovfilprc", "v2smgovshut", "v2smgovsmcenprc", "v2smgovsmmon", "v2smprivex",
           "v2cscnsult", "v2x_cspart"]  # v2smarrest and v2csprtcpt are absent on purpose
FILLERS = 600  # other V-Dem columns, never read

# (country_name, country_text_id, year) → values of PRESENT
DATA = {
    ("Mexico", "MEX", 2019): [0.51, 1.2, -0.25, -1.5, 0.9, 1.1, 0.82],
    ("Mexico", "MEX", 2020): [0.48, 1.1, -0.31, -1.6, 0.8, 1.0, 0.8],
    ("Kenya", "KEN", 2020): [-0.5, None, 0.2, 0.1, -0.3, 0.7, 0.6],
    ("Somaliland", "SML", 2020): [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7],
    ("German Democratic Republic", "DDR", 1980): [None, None, None, None, None, -2.0, 0.1],
}


def vdem_csv(columns=None) -> bytes:
    """A wide V-Dem-like CSV: id columns, the variables and their variants, filler columns."""
    rows = []
    for (name, code, year), values in DATA.items():
        row = {"country_name": name, "country_text_id": code, "country_id": 3, "year": year}
        for variable, value in zip(PRESENT, values, strict=True):
            row[variable] = value
            row[variable + "_codelow"] = -9.0  # variant columns must not be taken for the variable
            row[variable + "_osp"] = 9.0
        rows.append(row)
    frame = pd.DataFrame(rows)
    fillers = pd.DataFrame(np.ones((len(frame), FILLERS)),
                           columns=[f"v2x{i:04d}" for i in range(FILLERS)])
    frame = pd.concat([frame, fillers], axis=1)
    if columns is not None:
        frame = frame.rename(columns=columns)
    return frame.to_csv(index=False).encode()


def vdem_zip(path: Path, body: bytes | None = None) -> Path:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("V-Dem-CY-FullOthers-v14_csv/" + CSV_NAME, body or vdem_csv())
        archive.writestr("V-Dem-CY-FullOthers-v14_csv/codebook.pdf", b"%PDF-1.4 not really")
    return path


def run(config, **options):
    (result,), _ = run_collectors(["vdem"], config, progress=False, options=options)
    return result






def test_zip_lands_exact_values_and_reports_gaps(config, tmp_path):
    result = run(config, file=[str(vdem_zip(tmp_path / "V-Dem-CY-FullOthers-v14_csv.zip"))])
    assert result.status == "success", result
    values = stored(config)
    assert values[("vdem.v2smgovfilprc", "MEX", "2019")] == 0.51
    assert values[("vdem.v2smgovsmmon", "MEX", "2020")] == -1.6
    assert values[("vdem.v2x_cspart", "KEN", "2020")] == 0.6
    assert ("vdem.v2smgovshut", "KEN", "2020") not in values  # empty in the file
    assert {c for _, c, _ in values} == {"MEX", "KEN"}  # no SML, no 1980 DDR
    assert len(values) == 7 + 7 + 6
    details = run_details(config, result.run_id)
    assert details["unmapped"] == {"SML (Somaliland)": 1}
    assert details["skipped"]["variable not in file: v2smarrest"] == 1
    assert details["skipped"]["variable not in file: v2csprtcpt"] == 1
    assert details["skipped"]["country-year before 2000"] == 1
    metrics = dict(query(config.warehouse_path, "SELECT id, description FROM metric"))
    assert set(metrics) == {f"vdem.{v}" for v in PRESENT}
    assert "Dataset v14" in metrics["vdem.v2smgovshut"]


def test_plain_csv_with_version_option_and_reimport_noop(config, tmp_path):
    path = tmp_path / "vdem.csv"
    path.write_bytes(vdem_csv())
    first = run(config, file=[str(path)], version="v15")
    assert first.status == "success", first
    (description,) = query(config.warehouse_path,
                           "SELECT description FROM metric WHERE id = 'vdem.v2smprivex'")[0]
    assert "Dataset v15" in description
    again = run(config, file=[str(path)])
    assert again.status == "success" and again.rows_written == 0
    assert run_details(config, again.run_id)["skipped"] == {"file already imported": 1}


def test_truncated_zip_fails_and_keeps_previous_data(config, tmp_path):
    good = vdem_zip(tmp_path / "vdem-v14.zip")
    run(config, file=[str(good)])
    before = stored(config)
    broken = tmp_path / "vdem-v15.zip"
    broken.write_bytes(good.read_bytes()[: len(good.read_bytes()) // 2])
    result = run(config, file=[str(broken)])
    assert result.status == "failed"
    assert "not a readable zip archive" in result.error
    assert stored(config) == before


def test_truncated_csv_fails(config, tmp_path):
    body = vdem_csv()
    path = tmp_path / "vdem-v14.csv"
    path.write_bytes(body[: len(body) - 700])  # the last row loses its tail
    result = run(config, file=[str(path)])
    assert result.status == "failed"
    assert "cannot parse the CSV" in result.error
    assert stored(config) == {}


@pytest.mark.parametrize(
    ("renamed", "message"),
    [
        ({"country_text_id": "iso"}, "no country_text_id column"),
        ({v: v.upper() + "_X" for v in PRESENT if v.startswith("v2sm")},
         "none of the Digital Society variables"),
    ],
)
def test_schema_drift_is_a_clear_error(config, tmp_path, renamed, message):
    path = tmp_path / CSV_NAME
    path.write_bytes(vdem_csv(columns=renamed))
    result = run(config, file=[str(path)])
    assert result.status == "failed"
    assert message in result.error and CSV_NAME in result.error


def test_version_detection():
    assert detect_version("V-Dem-CY-Full+Others-v14.csv") == "14"
    assert detect_version("V-Dem-CY-Core-v12.1.csv") == "12.1"
    assert detect_version("vdem.csv", "vdem_v16.zip") == "16"
    assert detect_version("V-Dem-CY.csv") is None


def test_configured_url_is_downloaded_with_a_retry(config, tmp_path):
    body = vdem_zip(tmp_path / "served.zip").read_bytes()
    with FileServer("/data/V-Dem-CY-FullOthers-v14_csv.zip", body, "application/zip") as server:
        server.fail("/data/", Reply(status=500, body=b"busy"), times=1)
        config.raw.setdefault("sources", {})["vdem"] = {
            "url": server.url + "/data/V-Dem-CY-FullOthers-v14_csv.zip"}
        (result,), _ = run_collectors(["vdem"], config, progress=False)
        assert result.status == "success", result
        assert len(server.requests) == 2
    assert stored(config)[("vdem.v2smgovfilprc", "MEX", "2019")] == 0.51
