"""The Python API: its doctests run against a snapshot filled from the local World Bank server."""

from __future__ import annotations

import doctest

import pytest

import roamwatch
import roamwatch.api
from collectors.runner import run_collectors


@pytest.fixture
def filled(config):
    run_collectors(["worldbank"], config, progress=False)
    return config


def test_doctests(filled):
    result = doctest.testmod(
        roamwatch.api, extraglobs={"data_dir": filled.data_dir}, optionflags=doctest.ELLIPSIS
    )
    assert result.attempted >= 8
    assert result.failed == 0


def test_three_lines_to_a_dataframe(filled):
    rw = roamwatch.open()  # the configured data directory (ROAMWATCH_DATA_DIR)
    frame = rw.observations("worldbank.IT.NET.USER.ZS", country="KEN")
    assert len(frame) > 10 and set(frame["country"]) == {"KEN"}
    assert frame["value"].dtype.kind == "f"
    rw.close()


def test_handle_stays_on_its_snapshot_until_refresh(filled):
    rw = roamwatch.open(filled.data_dir)
    first = rw.snapshot_id
    filled.raw["sources"]["worldbank"]["indicators"] = [
        {"code": "IT.NET.BBND.P2", "name": "Broadband", "unit": "per 100"}
    ]
    run_collectors(["worldbank"], filled, progress=False)
    assert rw.snapshot_id == first
    assert rw.refresh() != first
    assert len(rw.runs()) == 2
    rw.close()


def test_sources_carry_licence_and_snapshot(filled):
    with roamwatch.open(filled.data_dir) as rw:
        sources = rw.sources()
        assert sources.loc[sources.id == "worldbank", "licence"].item() == "CC BY 4.0"
        assert (sources["snapshot_id"] == rw.snapshot_id).all()
        assert {"iso3", "name_fr", "region", "income_group"} <= set(rw.countries().columns)
        assert rw.events().empty and rw.scores().empty
