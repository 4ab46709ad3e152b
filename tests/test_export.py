"""CSV export: formula neutralisation, numbers kept, parses back."""

from __future__ import annotations

import io

import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from roamwatch.export import neutralise_text, write_csv


def test_formula_text_is_neutralised_and_numbers_are_not():
    frame = pd.DataFrame({
        "name": ["=HYPERLINK(\"x\")", "+1", "-2", "@SUM(A1)", "\tx", "\rx", "Kenya"],
        "value": [-3.2, 1.0, -2.0, 0.0, 5.5, 6.0, 7.0],
    })
    out = io.StringIO()
    write_csv(frame, out)
    back = pd.read_csv(io.StringIO(out.getvalue()))
    assert back["value"].tolist() == frame["value"].tolist()
    assert all(not str(v).startswith(("=", "+", "-", "@")) for v in back["name"])
    assert back["name"].iloc[-1] == "Kenya"
    assert back["name"].iloc[0] == "'=HYPERLINK(\"x\")"


@given(st.text())
def test_neutralised_text_never_starts_with_a_trigger(text):
    result = neutralise_text(text)
    assert not result.startswith(("=", "+", "-", "@", "\t", "\r"))
    assert result.endswith(text)


@given(st.lists(st.floats(allow_nan=False, allow_infinity=False, width=64), min_size=1, max_size=20))
def test_numbers_round_trip_exactly(values):
    frame = pd.DataFrame({"metric": ["m"] * len(values), "value": values})
    out = io.StringIO()
    write_csv(frame, out)
    back = pd.read_csv(io.StringIO(out.getvalue()))
    assert back["value"].tolist() == values
