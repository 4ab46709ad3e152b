"""``roamwatch sources`` and the sentence a bare collect ends with: what to download for R and M."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from collectors import registry


def cli(env, *args):
    return subprocess.run([sys.executable, "-c", "from roamwatch.cli import main; main()", *args],
                          env=env, capture_output=True, text=True, timeout=300)


@pytest.fixture
def wb_only_env(env, tmp_path):
    """The World Bank from its local server; every other source switched off."""
    config = tmp_path / "roamwatch.toml"
    config.write_text("".join(f"[sources.{n}]\nenabled = false\n" for n in registry()
                              if n != "worldbank"), encoding="utf-8")
    return {**os.environ, **env, "ROAMWATCH_CONFIG": str(config)}


def test_bare_collect_names_what_no_country_can_be_scored_in(wb_only_env):
    proc = cli(wb_only_env, "collect", "--no-progress")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    last = proc.stdout.splitlines()[-1]
    # the World Bank alone feeds X and only part of A (A.B; A.A is FOTN's, A.C ITU's prices):
    # R, O, A and M cannot reach the 50 % coverage threshold
    assert last.startswith('Rights (R), Openness (O), Accessibility to all (A) and Multistakeholder '
                           'participation (M) are "insufficient data" in every country until')
    # V-Dem is the one import that fixes most (it alone feeds M): the sentence says how
    assert "import vdem first" in last and "https://v-dem.net/data/the-v-dem-dataset/" in last
    assert "`roamwatch collect vdem --file V-Dem-CY-FullOthers-v16_csv.zip`" in last
    # a source run by name does not end with the sentence
    proc = cli(wb_only_env, "collect", "worldbank", "--no-progress")
    assert "insufficient data" not in proc.stdout


def test_sources_tells_a_newcomer_what_to_download(wb_only_env):
    assert cli(wb_only_env, "collect", "worldbank", "--no-progress").returncode == 0
    proc = cli(wb_only_env, "sources")
    assert proc.returncode == 0, proc.stderr
    out = proc.stdout
    table = out.split("\n\n")[0].splitlines()
    assert len(table) == 1 + len(registry())
    (wb,) = [line for line in table if line.startswith("worldbank ")]
    assert " API " in wb and "never" not in wb  # it has a last success now
    blocks = {b.split(":")[0]: b for b in out.split("\n\n")[1:]}
    for name, page, command in [
        ("fotn", "https://freedomhouse.org/report/freedom-net",
         "roamwatch collect fotn --file FOTN2018_scores.xlsx"),
        ("vdem", "https://v-dem.net/data/the-v-dem-dataset/",
         "roamwatch collect vdem --file V-Dem-CY-FullOthers-v16_csv.zip"),
        ("accessnow", "https://www.accessnow.org/keepiton-data/",
         "roamwatch collect accessnow --file KeepItOn-STOP-data.xlsx"),
    ]:
        block = blocks[name]
        assert page in block and command in " ".join(block.split()), block
        assert "licence" in block and "feeds R" in block
    assert "feeds M" in blocks["vdem"] and "M.A.vdem_cso_consultation" in blocks["vdem"]
    assert "disabled" in blocks["fotn"]  # the configuration here switched it off
    assert "(or, from the file: roamwatch collect dgg --file national.csv)" in \
        " ".join(blocks["dgg"].split())

    rows = {r["name"]: r for r in json.loads(cli(wb_only_env, "sources", "--json").stdout)}
    assert {n for n, r in rows.items() if r["has_data"]} == {"worldbank"}
    assert rows["vdem"]["kind"] == "file" and rows["dgg"]["kind"] == "API or file"
    assert rows["worldbank"]["kind"] == "API" and rows["worldbank"]["file_command"] is None
    assert rows["worldbank"]["observations"] > 0 and rows["worldbank"]["last_success"]
    assert set(rows["vdem"]["feeds"]) == {"R", "M"}  # social-media censorship is R.B since the review
