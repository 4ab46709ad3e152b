"""Small helpers shared by tests: reading a warehouse file after the writer closed it."""

from __future__ import annotations

import json
from pathlib import Path

import duckdb


def query(warehouse: Path, sql: str, params: list | None = None) -> list[tuple]:
    """Run a read-only query on a warehouse file no writer holds."""
    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql, params or []).fetchall()
    finally:
        con.close()


def stored(config, prefix: str = "") -> dict[tuple[str, str, str], float]:
    """Every observation (of metrics whose id starts with ``prefix``) as
    ``{(metric, country, period): value}``."""
    rows = query(
        config.warehouse_path,
        "SELECT metric, country, period, value FROM observation WHERE starts_with(metric, ?)",
        [prefix],
    )
    return {(m, c, p): v for m, c, p, v in rows}


def run_details(config, run_id: int) -> dict:
    """The ``details`` record of one collector run."""
    (details,) = query(
        config.warehouse_path, "SELECT details FROM collector_run WHERE id = ?", [run_id]
    )[0]
    return json.loads(details)


def last_run(config) -> dict:
    """Status, failed units, error and details of the newest collector run."""
    status, failed, error, details = query(
        config.warehouse_path,
        "SELECT status, failed_units, error, details FROM collector_run ORDER BY id DESC LIMIT 1",
    )[0]
    return {"status": status, "failed_units": json.loads(failed or "{}"), "error": error,
            "details": json.loads(details or "{}")}


def process_env(tmp_path: Path, worldbank_url: str) -> dict[str, str]:
    """Environment for a roamwatch subprocess: the World Bank collector only (scheduler
    ``sources`` restricted by a config file), its own data dir, fast retries."""
    import os

    from tests.conftest import FAST_HTTP

    cfg = tmp_path / "roamwatch.toml"
    cfg.write_text('[scheduler]\nsources = ["worldbank"]\n', encoding="utf-8")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROAMWATCH_")}
    env.update(FAST_HTTP)
    env.update({
        "ROAMWATCH_DATA_DIR": str(tmp_path / "data"),
        "ROAMWATCH_CONFIG": str(cfg),
        "ROAMWATCH_WORLDBANK_BASE_URL": worldbank_url,
    })
    return env


def corpus_root() -> Path:
    """Where the shared corpus is looked for (``$ROAMWATCH_CORPUS``, else ``shared/corpus`` beside
    the repository or one of its parents), without skipping: tests check what they need in it."""
    import os

    configured = os.environ.get("ROAMWATCH_CORPUS")
    if configured:
        return Path(configured).expanduser()
    root = Path(__file__).resolve().parents[1]
    for parent in root.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared" / "corpus"
    return root.parent / "shared" / "corpus"


def corpus_dir():
    """The shared corpus of real recorded files: ``$ROAMWATCH_CORPUS``, else ``shared/corpus``
    beside the repository (``../shared/corpus``) or beside one of its parent directories.
    Skips the calling test, saying why, when it is absent."""
    import os

    import pytest

    configured = os.environ.get("ROAMWATCH_CORPUS")
    if configured:
        path = Path(configured).expanduser()
        if not path.is_dir():
            pytest.skip(f"ROAMWATCH_CORPUS={configured} is not a directory")
        return path
    root = Path(__file__).resolve().parents[1]
    for parent in root.parents:
        if (parent / "shared" / "corpus").is_dir():
            return parent / "shared" / "corpus"
    pytest.skip("the real-data corpus is absent: set ROAMWATCH_CORPUS or place it at ../shared/corpus")


def corpus_file(*parts: str) -> Path:
    """A corpus file; skips the calling test, saying what is missing, when it is absent."""
    import pytest

    root = corpus_dir()
    path = root.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"corpus file {'/'.join(parts)} not found under {root}")
    return path
