"""The fault matrix (``tests/faults.py``): every collector against every upstream fault, each
cell with its expected outcome; ``docs/reliability.md`` shows the table."""

from __future__ import annotations

from tests import faults


def test_every_collector_meets_every_fault_as_expected():
    cells = faults.run_matrix()
    assert len(cells) == len(faults.specs()) * len(faults.FAULTS) >= 9 * 13
    problems = faults.mismatches(cells)
    assert problems == [], "\n".join(problems)
    for cell in cells:  # a failed cell always names its error
        if cell.outcome.status != "success":
            assert cell.error, cell


def test_every_collector_of_the_registry_is_in_the_matrix():
    from collectors import registry

    assert {s.name for s in faults.specs()} == set(registry())


def test_docs_reliability_is_generated_from_the_expected_table():
    assert faults.main(["--check"]) == 0, "docs/reliability.md is out of date: run `python -m tests.faults`"
