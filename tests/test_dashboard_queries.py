"""Dashboard queries over a published snapshot."""

from __future__ import annotations

from roamwatch.warehouse import dashboard_queries as q
from roamwatch.warehouse.queries import Reader
from roamwatch.warehouse.snapshot import publish
from roamwatch.warehouse.store import Warehouse


def test_world_values_of_a_category_carry_the_rank_range(tmp_path):
    with Warehouse(tmp_path / "w.duckdb") as wh:
        wh.con.executemany(
            "INSERT INTO score VALUES (?, 2023, 'category', 'A', ?, 0.8, '{}')",
            [("KEN", 40.0), ("UGA", 55.0), ("BRA", None)],
        )
        wh.con.executemany(
            "INSERT INTO score_rank VALUES (?, 2023, 'A', ?, ?, ?, 2, 5)",
            [("KEN", 2, 1, 2), ("UGA", 1, 1, 2)],
        )
        publish(wh.con, tmp_path / "serving")
    with Reader.open(tmp_path / "serving") as reader:
        frame = q.world_values(reader, "score:category:A", 2023).set_index("iso3")
    assert frame.loc["KEN", "best_rank"] == 1 and frame.loc["KEN", "worst_rank"] == 2
    assert frame.loc["UGA", "value"] == 55.0
    assert frame["best_rank"].isna().loc["BRA"]  # insufficient data: no rank, no range
