"""The README's two commands stay true, and CI runs exactly its test command."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def readme_commands() -> list[str]:
    text = (ROOT / "README.md").read_text()
    head = text[: text.index("## ")]
    return re.findall(r"```sh\n(.+?)\n```", head)


def test_readme_opens_with_install_run_and_test_commands():
    install, test = readme_commands()
    assert "pip install -e ." in install and "roamwatch collect" in install
    assert "pytest" in test and "[test]" in test


def test_ci_runs_exactly_the_readme_test_command():
    _, test = readme_commands()
    ci_lines = (ROOT / ".ci" / "run").read_text().splitlines()
    assert test in ci_lines
