"""No league table: ROAM-X scores come with rank ranges, medians and framework coverage, never a
single rank, in the pages, the API and the exports."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from roamwatch.cli import cli
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.store import Warehouse
from tests.helpers import python_json
from tests.test_scores_cli import fill

REPO = Path(__file__).resolve().parents[1]
RENDER = """
import json, sys
import dash
from dashboard.app import create_app
from roamwatch.config import load_config
from tests.i18n_pages import clean, texts
app = create_app(load_config(env={"ROAMWATCH_DATA_DIR": sys.argv[1]}))
out = {}
with app.server.test_request_context("/"):
    for lang in ("en", "fr"):
        for name, module, kwargs in (
            ("world", "dashboard.pages.world", {"metric": "score:category:R", "year": "2023"}),
            ("country", "dashboard.pages.country", {"iso3": "KEN"}),
            ("methodology", "dashboard.pages.methodology", {"category": "R", "year": "2023"}),
        ):
            layout = dash.page_registry[module]["layout"](**kwargs, lang=lang)
            out[f"{name} {lang}"] = [t for t in (clean(v) for v in texts(layout)) if t]
json.dump(out, sys.stdout, ensure_ascii=False)
"""


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    directory = tmp_path_factory.mktemp("league") / "data"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ROAMWATCH_DATA_DIR", str(directory))
        mp.delenv("ROAMWATCH_CONFIG", raising=False)
        with Warehouse(directory / "warehouse.duckdb") as wh:
            fill(wh)
        result = CliRunner().invoke(cli, ["scores"], obj={}, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        yield directory


@pytest.fixture(scope="module")
def pages(data_dir):
    return python_json("-c", RENDER, str(data_dir))


def test_world_page_lists_rank_ranges_not_ranks(pages):
    en, fr = pages["world en"], pages["world fr"]
    assert "Scores by country" in en and "Rank range" in en
    assert "Rank" not in en  # no position column for a ROAM-X score
    assert any(t.startswith("Not a league table: UNESCO designed the ROAM-X framework") for t in en)
    assert "Framework themes" in en and "3 of 6" in en  # R: R.B, R.D and R.E
    assert "Fourchette de rang" in fr and "Rang" not in fr and "3 sur 6" in fr


def test_country_page_shows_medians_and_framework_coverage(pages):
    en = pages["country en"]
    # the profile table is sent as one Markdown text: read its cells
    cells = {c.strip() for t in en for c in t.split("|")}
    assert {"Region median", "Income-group median", "World median"} <= cells
    assert "Framework themes" in cells
    assert {"3 of 6", "1 of 5", "1 of 3", "2 of 5"} <= cells  # R and A 3 of 6, O, M, X
    # #KeepItOn's coverage is said beside the events
    assert any(t.startswith("accessnow: ") and "recorded (covers 2019–2023" in t for t in en)
    assert any("The pale band is the period the source covers" in t for t in en)


def test_reweighting_lists_scores_and_moves_not_places(pages):
    en, fr = pages["methodology en"], pages["methodology fr"]
    assert {"Score", "Re-weighted score", "Places moved"} <= set(en)
    assert not {"Rank", "New rank"} & set(en) and not {"Rang", "Nouveau rang"} & set(fr)
    assert any(t.startswith("Countries are listed by re-weighted score, without their place")
               for t in en)
    assert "Kenya" in en  # the table is there, with the fill's countries


def test_api_and_exports_carry_no_single_rank(data_dir):
    with Reader.open(data_dir / "serving") as reader:
        scores = reader.scores(levels=["category"])
        ranks = reader.score_ranks()
    assert scores["framework_coverage"].between(0, 1).all()
    assert ranks["rank"].isna().all() and ranks["best_rank"].notna().all()
    for details in scores["details"]:
        assert "rank" not in (json.loads(details).get("robustness") or {})
    result = CliRunner().invoke(cli, ["export", "--scores", "-c", "KEN", "--from", "2023"], obj={},
                                env={"ROAMWATCH_DATA_DIR": str(data_dir)}, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.output)))
    assert rows and {r["country"] for r in rows} == {"KEN"} and {r["year"] for r in rows} == {"2023"}
    assert "rank" not in rows[0] and {"rank_range_best", "rank_range_worst", "framework_coverage"} <= \
        set(rows[0])
    r = next(row for row in rows if row["level"] == "category" and row["key"] == "R")
    assert float(r["framework_coverage"]) == 0.5
    assert int(r["rank_range_best"]) <= int(r["rank_range_worst"])
    bad = CliRunner().invoke(cli, ["export", "--scores", "-m", "fotn.total"], obj={},
                             env={"ROAMWATCH_DATA_DIR": str(data_dir)})
    assert bad.exit_code == 2 and "--scores" in bad.output
