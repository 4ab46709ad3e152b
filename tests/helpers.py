"""Small helpers shared by tests (and benches): reading a warehouse file after the writer closed
it, the environment of a roamwatch subprocess, waiting for a condition, finding the corpus."""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

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


def subprocess_env(**variables: str) -> dict[str, str]:
    """Environment for a roamwatch subprocess: this process's without any ``ROAMWATCH_*``
    variable (a developer's own data dir, configuration or base URLs never reach the test),
    plus ``variables``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ROAMWATCH_")}
    env.update(variables)
    return env


def process_env(tmp_path: Path, worldbank_url: str) -> dict[str, str]:
    """Environment for a roamwatch subprocess: the World Bank collector only (scheduler
    ``sources`` restricted by a config file), its own data dir, fast retries."""
    from tests.conftest import FAST_HTTP

    cfg = tmp_path / "roamwatch.toml"
    cfg.write_text('[scheduler]\nsources = ["worldbank"]\n', encoding="utf-8")
    return subprocess_env(**FAST_HTTP, ROAMWATCH_DATA_DIR=str(tmp_path / "data"),
                          ROAMWATCH_CONFIG=str(cfg), ROAMWATCH_WORLDBANK_BASE_URL=worldbank_url)


def config_from(tmp_path: Path, text: str, env: dict[str, str] | None = None):
    """The configuration of ``text`` (TOML, written to ``tmp_path/roamwatch.toml``) with its data
    dir at ``tmp_path/data``, read with ``env`` as the only environment (none of the
    developer's)."""
    from roamwatch.config import load_config

    path = tmp_path / "roamwatch.toml"
    path.write_text(text, encoding="utf-8")
    return load_config(path, env={"ROAMWATCH_DATA_DIR": str(tmp_path / "data"), **(env or {})})


def collect_worldbank(data_dir: Path):
    """Collect the local World Bank server's data into ``data_dir`` in this process (fast
    retries, no user configuration, a published snapshot); returns that data dir's config."""
    from collectors.runner import run_collectors
    from roamwatch.config import load_config
    from tests.conftest import FAST_HTTP
    from tests.servers.worldbank import WorldBankServer

    with WorldBankServer() as server:
        config = load_config(env={"ROAMWATCH_DATA_DIR": str(data_dir), **FAST_HTTP,
                                  "ROAMWATCH_WORLDBANK_BASE_URL": server.url + "/v2"})
        (result,), snapshot = run_collectors(["worldbank"], config, progress=False,
                                             log=lambda _m: None)
    assert result.status == "success" and snapshot, result
    return config


def invalid_host(source: str) -> str:
    """A host name for ``source`` that every resolver refuses at once (RFC 2606 ``.invalid``)."""
    return f"{source}.roamwatch-test.invalid"


def offline_env(root: Path) -> dict[str, str]:
    """Environment of a roamwatch with no network, provoked locally: every source's base URL and
    every file source's default file URL (in ``root/roamwatch.toml``) at its :func:`invalid_host`;
    data in ``root/data``; the built-in HTTP settings (five attempts with backoff), so only the
    fail-fast path keeps a run short."""
    from collectors import registry

    config = root / "roamwatch.toml"
    lines, urls = [], {}
    for name, cls in registry().items():
        if getattr(cls, "file_source", False):
            if cls.defaults.get("url"):
                lines.append(f'[sources.{name}]\nurl = "https://{invalid_host(name)}/data.xlsx"\n')
        else:
            urls[f"ROAMWATCH_{name.upper()}_BASE_URL"] = f"https://{invalid_host(name)}"
    config.write_text("\n".join(lines), encoding="utf-8")
    return subprocess_env(**urls, ROAMWATCH_DATA_DIR=str(root / "data"), ROAMWATCH_CONFIG=str(config))


def free_port() -> int:
    """A port of 127.0.0.1 that nothing listens on (bound, then released): for a server to
    come, or for a connection that must be refused."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for(predicate: Callable[[], object], timeout: float = 20.0, what: str = "condition") -> None:
    """Poll ``predicate`` until it holds; fail the test, naming ``what``, after ``timeout`` s."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.02)
    raise AssertionError(f"timed out waiting for {what}")


def python_json(*args: str, timeout: float = 600) -> Any:
    """What ``python *args``, run in a fresh process from the repository root, prints, read as
    JSON (Dash's page registry and the dashboard's data service are global to a process, so
    pages in another state or language are rendered in a process of their own). A non-zero exit
    fails the test with the end of its stderr."""
    import subprocess
    import sys

    out = subprocess.run([sys.executable, *args], cwd=Path(__file__).resolve().parents[1],
                         capture_output=True, text=True, timeout=timeout, check=False)
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout)


def corpus_root() -> Path:
    """Where the shared corpus is looked for (``$ROAMWATCH_CORPUS``, else ``shared/corpus`` beside
    the repository or one of its parents), without skipping: tests check what they need in it."""
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
    import pytest

    path = corpus_root()
    if path.is_dir():
        return path
    configured = os.environ.get("ROAMWATCH_CORPUS")
    if configured:
        pytest.skip(f"ROAMWATCH_CORPUS={configured} is not a directory")
    pytest.skip("the real-data corpus is absent: set ROAMWATCH_CORPUS or place it at ../shared/corpus")


def corpus_file(*parts: str) -> Path:
    """A corpus file; skips the calling test, saying what is missing, when it is absent."""
    import pytest

    root = corpus_dir()
    path = root.joinpath(*parts)
    if not path.is_file():
        pytest.skip(f"corpus file {'/'.join(parts)} not found under {root}")
    return path
