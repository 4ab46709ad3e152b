"""Shared fixtures: a throw-away data directory and configuration pointed at local servers."""

from __future__ import annotations

import pytest

from roamwatch.config import load_config
from tests.servers.worldbank import WorldBankServer

FAST_HTTP = {
    "ROAMWATCH_HTTP_BACKOFF_BASE": "0.01",
    "ROAMWATCH_HTTP_BACKOFF_MAX": "0.05",
    "ROAMWATCH_HTTP_READ_TIMEOUT": "2",
    "ROAMWATCH_HTTP_CONNECT_TIMEOUT": "2",
    "ROAMWATCH_HTTP_MAX_ATTEMPTS": "3",
}


@pytest.fixture
def wb_server():
    with WorldBankServer() as server:
        yield server


def roamwatch_env(monkeypatch, tmp_path, **base_urls: str) -> dict[str, str]:
    """Environment of a test roamwatch: its own data dir, fast retries, the given base URLs
    (e.g. ``ROAMWATCH_OONI_BASE_URL=...``), no user configuration file."""
    values = {"ROAMWATCH_DATA_DIR": str(tmp_path / "data"), **base_urls, **FAST_HTTP}
    monkeypatch.delenv("ROAMWATCH_CONFIG", raising=False)
    for key, value in values.items():
        monkeypatch.setenv(key, value)
    return values


@pytest.fixture
def env(tmp_path, wb_server, monkeypatch):
    """Environment for a roamwatch process: its own data dir, fast retries, local servers.

    Test modules with another server override this fixture; ``config`` follows it.
    """
    return roamwatch_env(monkeypatch, tmp_path, ROAMWATCH_WORLDBANK_BASE_URL=wb_server.url + "/v2")


@pytest.fixture
def proc_env(tmp_path, wb_server):
    """Environment for a roamwatch subprocess over the local World Bank server (the only
    source the scheduler runs), its own data dir, fast retries."""
    from tests.helpers import process_env

    return process_env(tmp_path, wb_server.url + "/v2")


@pytest.fixture(scope="module")
def demo_data_dir(tmp_path_factory):
    """A data dir filled by the demo (every collector's data from the local servers' formats,
    real scores), one per test module: for tests that only read it."""
    from tests.demo import fill

    root = tmp_path_factory.mktemp("demo")
    fill(root / "data", root / "files", log=lambda _m: None)
    return root / "data"


@pytest.fixture(scope="module")
def demo_app(demo_data_dir):
    """The dashboard app over :func:`demo_data_dir`, in this process."""
    from dashboard.app import create_app

    return create_app(load_config(env={"ROAMWATCH_DATA_DIR": str(demo_data_dir)}))


@pytest.fixture
def config(env):
    return load_config()
