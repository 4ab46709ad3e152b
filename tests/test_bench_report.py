"""The benchmark results format (contract C5) and the generated docs/benchmarks.md."""

from __future__ import annotations

import json

import pytest

from bench import report
from bench.results import FORMAT, RESULTS_DIR, Results, validate


def _results(tmp_path, monkeypatch) -> Results:
    monkeypatch.setenv("ROAMWATCH_BENCH_SUITE", "suite-1")
    rec = Results("demo", "A demo bench", command="python -m bench.demo --rows 10",
                  parameters={"rows": 10})
    rec.add("ours, median", 2.0, "s")
    rec.add("theirs, median", 1.5, "s")
    rec.add("peak RSS", 123.4, "MB", note="after all pages")
    rec.ratio("speed vs theirs", "theirs, median", "ours, median", note="their time ÷ ours")
    return rec


def test_results_file_follows_the_format(tmp_path, monkeypatch):
    path = _results(tmp_path, monkeypatch).write(tmp_path)
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert path.name == "demo.json"
    assert doc["format"] == FORMAT and doc["suite"] == "suite-1"
    assert doc["command"] == "python -m bench.demo --rows 10"
    assert validate(doc) == []
    ratio = next(f for f in doc["figures"] if f["unit"] == "x")
    assert ratio["value"] == pytest.approx(0.75)
    assert ratio["ratio"] == {"numerator": "theirs, median", "denominator": "ours, median"}
    assert doc["machine"]["cpus"] >= 1 and len(doc["machine"]["load_before"]) == 3


def test_bad_figures_are_refused(tmp_path, monkeypatch):
    rec = _results(tmp_path, monkeypatch)
    with pytest.raises(ValueError, match="unit"):
        rec.add("x", 1, "furlongs")
    with pytest.raises(ValueError, match="twice"):
        rec.add("peak RSS", 1, "MB")
    with pytest.raises(KeyError):
        rec.ratio("r", "nope", "peak RSS")
    with pytest.raises(ValueError, match="NaN"):
        rec.add("nan", float("nan"), "s")
    doc = rec.as_dict()
    doc["figures"][0]["unit"] = "parsecs"
    doc["figures"][-1]["ratio"]["numerator"] = "gone"
    problems = validate(doc)
    assert any("parsecs" in p for p in problems) and any("gone" in p for p in problems)


def test_report_prints_every_figure_with_its_command(tmp_path, monkeypatch):
    _results(tmp_path, monkeypatch).write(tmp_path)
    text = report.render(report.load_results(tmp_path))
    assert "`python -m bench.demo --rows 10`" in text
    for figure in ("ours, median", "theirs, median", "peak RSS", "speed vs theirs"):
        assert figure in text
    assert "0.75×" in text and "123 MB" in text
    assert "one suite run (`suite-1`)" in text
    out = tmp_path / "benchmarks.md"
    assert report.main(["--results", str(tmp_path), "--output", str(out)]) == 0
    assert report.main(["--results", str(tmp_path), "--output", str(out), "--check"]) == 0
    out.write_text(text + "edited by hand\n", encoding="utf-8")
    assert report.main(["--results", str(tmp_path), "--output", str(out), "--check"]) == 1


def test_docs_benchmarks_is_generated_from_the_recorded_results():
    assert report.main(["--results", str(RESULTS_DIR), "--check"]) == 0, \
        "docs/benchmarks.md is out of date: run `python -m bench.report`"
