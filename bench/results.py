"""Benchmark results as JSON (contract C5): every bench writes ``bench/results/<bench>.json``.

One file per bench, replaced by each run of that bench. ``python -m bench.report`` turns the
files into ``docs/benchmarks.md``. The format (``"format": "roamwatch-bench/1"``)::

    {
      "format": "roamwatch-bench/1",
      "bench": "dashboard",                     # file name without .json
      "title": "Dashboard page time",           # one line, for the report's heading
      "command": "python bench/bench_dashboard.py --repeat 15",   # what produced the figures
      "recorded_at": "2026-11-24T10:00:00Z",    # UTC, when the run finished
      "suite": "20261124T095500Z" | null,       # shared by every bench of one `report --run`
      "git": "28fc364" | null,                  # commit of the code measured (+ "-dirty")
      "machine": {"cpus": 2, "load_before": [1.2, 0.9, 0.8], "load_after": [...],
                  "python": "3.11.2", "duckdb": "2.0.1", "platform": "Linux-…"},
      "parameters": {"repeat": 15, ...},        # sizes and options of the run
      "notes": ["free text: conditions, caveats"],
      "figures": [
        {"name": "country page, cold", "value": 812.3, "unit": "ms",
         "command": "...",                      # optional: when not the file's command
         "better": "lower" | "higher" | null,   # which way is good (null: neither)
         "ratio": {"numerator": "<figure>", "denominator": "<figure>"},   # only for unit "x"
         "note": "..."}                         # optional
      ]
    }

A ratio is a figure with unit ``"x"`` computed from two figures of the same file (same run,
side by side): :meth:`Results.ratio`.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shlex
import subprocess
import sys
from dataclasses import dataclass, field
from datetime import UTC, datetime
from importlib import metadata
from pathlib import Path
from typing import Any

FORMAT = "roamwatch-bench/1"
REPO = Path(__file__).resolve().parents[1]
RESULTS_DIR = REPO / "bench" / "results"
#: Set by ``python -m bench.report --run`` so every bench of one suite names the same run.
SUITE_ENV = "ROAMWATCH_BENCH_SUITE"
#: Overrides where results are written (tests write into a temporary directory).
RESULTS_ENV = "ROAMWATCH_BENCH_RESULTS"
UNITS = {"s", "ms", "us", "MB", "KB", "rows/s", "req/s", "rows", "count", "x", "%", "errors"}


def results_dir() -> Path:
    return Path(os.environ.get(RESULTS_ENV) or RESULTS_DIR)


def invocation() -> str:
    """The command line that started this process, as a user would type it from the repo root."""
    argv = list(sys.argv)
    main = sys.modules.get("__main__")
    spec = getattr(main, "__spec__", None)
    if spec is not None and spec.name and spec.name != "__main__":
        head = ["python", "-m", spec.name.removesuffix(".__main__")]
    else:
        script = Path(argv[0])
        with contextlib.suppress(ValueError):  # outside the repository: as given
            script = script.resolve().relative_to(REPO)
        head = ["python", str(script)]
    return shlex.join(head + argv[1:])


def _git() -> str | None:
    try:
        commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO, capture_output=True,
                                text=True, timeout=10, check=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("-dirty" if dirty else "")


def _versions() -> dict[str, str]:
    out = {"python": platform.python_version(), "platform": platform.platform(terse=True)}
    for module in ("duckdb", "pandas", "dash"):
        with contextlib.suppress(Exception):  # a version we cannot read is left out
            out[module] = metadata.version(module)
    return out


@dataclass
class Results:
    """Figures of one bench run; :meth:`write` stores them for the report."""

    bench: str
    title: str
    command: str = field(default_factory=invocation)
    parameters: dict[str, Any] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    figures: list[dict[str, Any]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._load_before = list(os.getloadavg())

    def add(self, name: str, value: float | int, unit: str, *, better: str | None = "lower",
            command: str | None = None, note: str | None = None) -> float | int:
        """Record one figure (returns ``value``, so it can be printed in the same line)."""
        if unit not in UNITS:
            raise ValueError(f"unit {unit!r} is not one of {sorted(UNITS)}")
        if better not in ("lower", "higher", None):
            raise ValueError("better is 'lower', 'higher' or None")
        if any(f["name"] == name for f in self.figures):
            raise ValueError(f"figure {name!r} recorded twice")
        figure: dict[str, Any] = {"name": name, "value": _round(value), "unit": unit, "better": better}
        if command:
            figure["command"] = command
        if note:
            figure["note"] = note
        self.figures.append(figure)
        return value

    def ratio(self, name: str, numerator: str, denominator: str, *, better: str | None = "higher",
              note: str | None = None) -> float:
        """Record ``numerator / denominator`` (two figures already recorded in this run)."""
        values = {f["name"]: f["value"] for f in self.figures}
        for part in (numerator, denominator):
            if part not in values:
                raise KeyError(f"figure {part!r} is not recorded yet")
        value = values[numerator] / values[denominator] if values[denominator] else float("nan")
        self.add(name, value, "x", better=better, note=note)
        self.figures[-1]["ratio"] = {"numerator": numerator, "denominator": denominator}
        return value

    def as_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "bench": self.bench,
            "title": self.title,
            "command": self.command,
            "recorded_at": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "suite": os.environ.get(SUITE_ENV) or None,
            "git": _git(),
            "machine": {"cpus": os.cpu_count(), "load_before": [round(x, 2) for x in self._load_before],
                        "load_after": [round(x, 2) for x in os.getloadavg()], **_versions()},
            "parameters": self.parameters,
            "notes": self.notes,
            "figures": self.figures,
        }

    def write(self, directory: Path | None = None) -> Path:
        """Write ``<directory>/<bench>.json`` (default ``bench/results/``) and return its path."""
        directory = directory or results_dir()
        directory.mkdir(parents=True, exist_ok=True)
        path = directory / f"{self.bench}.json"
        tmp = path.with_suffix(".json.tmp")
        tmp.write_text(json.dumps(self.as_dict(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
        os.replace(tmp, path)
        print(f"results: {path}", file=sys.stderr)
        return path


def _round(value: float | int) -> float | int:
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    value = float(value)
    if value != value:  # NaN: JSON has no NaN
        raise ValueError("a figure must be a number, not NaN")
    return round(value, 4 if abs(value) < 10 else 2)


def validate(doc: dict[str, Any], where: str = "result") -> list[str]:
    """Problems with one results document (empty when it follows the format)."""
    problems = []
    if doc.get("format") != FORMAT:
        problems.append(f"{where}: format is {doc.get('format')!r}, expected {FORMAT!r}")
    for key in ("bench", "title", "command", "recorded_at", "figures"):
        if not doc.get(key):
            problems.append(f"{where}: {key} is missing")
    names = set()
    for i, fig in enumerate(doc.get("figures") or []):
        label = f"{where}: figure {i} ({fig.get('name')!r})"
        if not isinstance(fig.get("name"), str) or not fig["name"]:
            problems.append(f"{label}: no name")
        if fig.get("name") in names:
            problems.append(f"{label}: name used twice")
        names.add(fig.get("name"))
        if not isinstance(fig.get("value"), int | float) or isinstance(fig.get("value"), bool):
            problems.append(f"{label}: value is not a number")
        if fig.get("unit") not in UNITS:
            problems.append(f"{label}: unit {fig.get('unit')!r} is not one of {sorted(UNITS)}")
        if fig.get("unit") == "x" and not isinstance(fig.get("ratio"), dict):
            problems.append(f"{label}: a ratio names its numerator and denominator")
    for fig in doc.get("figures") or []:
        ratio = fig.get("ratio")
        if isinstance(ratio, dict):
            for part in ("numerator", "denominator"):
                if ratio.get(part) not in names:
                    problems.append(f"{where}: ratio {fig.get('name')!r}: {part} "
                                    f"{ratio.get(part)!r} is not a figure of this file")
    return problems
