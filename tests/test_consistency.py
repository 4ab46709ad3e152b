"""Parts and totals agree on import: a row where a source contradicts itself is rejected with its
reason, the rest lands, earlier data stays, and the run is partial (``roamwatch collect`` exits 1)."""

from __future__ import annotations

from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner

from collectors.fotn import parts_problem
from collectors.runner import run_collectors
from roamwatch.cli import cli
from tests.helpers import corpus_root, last_run, stored

REPO = Path(__file__).resolve().parents[1]
CORPUS = corpus_root()
HEADER = "Country,Status,A Obstacles to Access,B Limits on Content,C Violations of User Rights,Total\n"
ROWS_2018 = [  # the real 2018 edition's last rows (lower = freer)
    "Vietnam,NOT FREE,13,28,35,76",
    "Zambia,PARTLY FREE,11,11,20,42",
    "Zimbabwe,PARTLY FREE,15,13,25,53",
]


def _fotn(path: Path, rows: list[str], cut: int = 0) -> Path:
    text = HEADER + "\n".join(rows) + "\n"
    path.write_text(text[: len(text) - cut] if cut else text, encoding="utf-8")
    return path


def _run(config, name: str, **options):
    (result,), _ = run_collectors([name], config, progress=False, options=options)
    return result


def test_parts_problem_names_what_disagrees():
    scores = {"a_obstacles": 15.0, "b_content": 13.0, "c_rights": 25.0, "total": 5.0}
    assert parts_problem(scores) == ("A + B + C differs from the total", "15 + 13 + 25 = 53, total 5")
    assert parts_problem({**scores, "total": 53.0}) is None
    assert parts_problem({**scores, "total": None})[0].startswith("incomplete row")
    assert parts_problem(dict.fromkeys(scores)) is None


def test_truncated_fotn_file_is_rejected_and_the_run_is_partial(config, tmp_path):
    good = _run(config, "fotn", file=[str(_fotn(tmp_path / "fotn2018.csv", ROWS_2018))], edition=2018)
    assert good.status == "success"
    before = stored(config, "fotn.")
    assert before[("fotn.total", "ZWE", "2018")] == 47.0  # 100 − 53

    # the same file cut two characters short: the last line reads "…,25,5" (total 5 for 53)
    cut = _fotn(tmp_path / "fotn2018-cut.csv", ROWS_2018, cut=2)
    assert cut.read_text().endswith("Zimbabwe,PARTLY FREE,15,13,25,5")
    result = _run(config, "fotn", file=[str(cut)], edition=2018)
    assert result.status == "partial"
    assert "contradicts itself" in result.error and "A + B + C differs from the total (1)" in result.error
    after = stored(config, "fotn.")
    assert after == before  # Zimbabwe keeps its earlier scores; the others are re-written as they were
    run = last_run(config)
    assert run["status"] == "partial"
    assert run["details"]["inconsistent"] == {"A + B + C differs from the total": 1}
    example = run["details"]["rejected_examples"][0]
    assert example["country"] == "ZWE" and example["value"] == "15 + 13 + 25 = 53, total 5"


def test_truncated_file_on_a_fresh_warehouse_stores_no_wrong_value(config, tmp_path):
    result = _run(config, "fotn", file=[str(_fotn(tmp_path / "f.csv", ROWS_2018, cut=2))], edition=2018)
    assert result.status == "partial"
    values = stored(config, "fotn.")
    assert not [k for k in values if k[1] == "ZWE"]
    assert values[("fotn.total", "ZMB", "2018")] == 58.0


def test_cut_inside_a_part_is_an_incomplete_row(config, tmp_path):
    rows = ["Zambia,PARTLY FREE,11,11,20,42", "Zimbabwe,PARTLY FREE,15,13,2"]
    result = _run(config, "fotn", file=[str(_fotn(tmp_path / "f.csv", rows))], edition=2018)
    assert result.status == "partial"
    assert last_run(config)["details"]["inconsistent"] == {
        "incomplete row: parts and total cannot be checked": 1}
    assert not [k for k in stored(config, "fotn.") if k[1] == "ZWE"]


def test_collect_exits_1_on_a_contradicting_file(env, tmp_path):
    path = _fotn(tmp_path / "fotn2018.csv", ROWS_2018, cut=2)
    result = CliRunner().invoke(cli, ["collect", "fotn", "--file", str(path), "--set", "edition=2018",
                                      "--no-scores"], obj={})
    assert result.exit_code == 1, result.output
    assert "partial" in result.output and "contradicts itself" in result.output


@pytest.mark.skipif(not (CORPUS / "freedom_house").is_dir(),
                    reason="shared corpus not found (set ROAMWATCH_CORPUS)")
def test_real_fotn_edition_has_no_contradiction(config):
    path = CORPUS / "freedom_house" / "FINAL_DATA_FOTN2018_TOTAL_and_CATEGORY_SCORES.xlsx"
    result = _run(config, "fotn", file=[str(path)])
    assert result.status == "success", result.error
    assert len({c for _, c, _ in stored(config, "fotn.total")}) == 65


def _gender(path: Path, rows: list[list]) -> Path:
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "10. Individuals using the Inter"
    for row in [
        [None, "Individuals using the Internet (from any location), by gender (%)"],
        [None, "", None, "Latest", "All", None, "Gender", None, None],
        [None, "Economy name", None, "year", "Individuals", None, "Male", None, "Female"],
        *rows,
    ]:
        ws.append(row)
    book.save(path)
    return path


def test_itu_total_outside_female_and_male_is_rejected(config, tmp_path):
    path = _gender(tmp_path / "gender.xlsx", [
        [None, "Algeria", None, 2018, "59.6", "", "68.1", "", "50.3"],
        [None, "Kenya", None, 2017, "95.0", "", "20.1", "", "18.2"],  # total far above both
        [None, "Brazil", None, 2017, "67.5", "", "67.5", "", "67.5"],  # equal: fine
    ])
    result = _run(config, "itu", file=[str(path)], gender_total=True)
    assert result.status == "partial"
    values = stored(config, "itu.")
    assert ("itu.internet_use_male", "DZA", "2018") in values
    assert ("itu.internet_use", "BRA", "2017") in values
    assert not [k for k in values if k[1] == "KEN"]  # the whole row, not just its total
    run = last_run(config)
    assert run["details"]["inconsistent"] == {"total not between the female and male values": 1}
    assert run["details"]["rejected_examples"][0]["value"] == "total 95, female 18.2, male 20.1"


def test_itu_share_over_100_makes_the_run_partial(config, tmp_path):
    path = _gender(tmp_path / "gender.xlsx", [
        [None, "Algeria", None, 2018, "59.6", "", "68.1", "", "50.3"],
        [None, "Estonia", None, 2018, "", "", "189.1", "", "88.2"],
    ])
    result = _run(config, "itu", file=[str(path)])
    assert result.status == "partial"
    assert last_run(config)["details"]["inconsistent"] == {"share outside 0–100": 1}
    assert ("itu.internet_use_female", "EST", "2018") in stored(config, "itu.")  # its own check passed


@pytest.mark.skipif(not (CORPUS / "itu").is_dir(), reason="shared corpus not found (set ROAMWATCH_CORPUS)")
def test_real_itu_gender_file_has_no_contradiction(config):
    path = CORPUS / "itu" / "Individuals using the internet by gender_Jun2019.xlsx"
    result = _run(config, "itu", file=[str(path)], gender_total=True)
    assert result.status == "success", result.error
