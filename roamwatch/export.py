"""CSV export of any selection of observations, safe to open in a spreadsheet."""

from __future__ import annotations

import json
from typing import IO

import pandas as pd

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_text(value: object) -> object:
    """Prefix text that a spreadsheet would run as a formula with ``'``; numbers stay numbers."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def safe_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells are neutralised (numeric columns untouched)."""
    out = frame.copy()
    for column in out.columns:
        if not pd.api.types.is_numeric_dtype(out[column]) and not pd.api.types.is_datetime64_any_dtype(
            out[column]
        ):
            out[column] = out[column].map(neutralise_text)
    return out


def write_csv(frame: pd.DataFrame, fh: IO[str], header: bool = True) -> None:
    """``frame`` as CSV; ``header=False`` for the second and later chunks of a stream."""
    # CRLF line ends (RFC 4180) make the csv module quote any cell holding a CR or LF.
    safe_frame(frame).to_csv(fh, index=False, header=header, lineterminator="\r\n")


SYNTHETIC_NOTE = ("SYNTHETIC DEMO DATA, NOT MEASUREMENTS: every value was made up by "
                  "`roamwatch demo` to show how roamwatch works.")


def provenance(snapshot_id: str, sources: pd.DataFrame, synthetic: bool = False) -> dict:
    """The metadata that travels with an export: snapshot id, each source's licence, and
    whether the data are synthetic demo data (``synthetic``, with a warning before all else)."""
    meta: dict = {"synthetic": bool(synthetic)}
    if synthetic:
        meta["warning"] = SYNTHETIC_NOTE
    meta.update({
        "snapshot_id": snapshot_id,
        "note": (
            "roamwatch figures are proxies computed from public international data, "
            "not UNESCO Internet Universality assessments."
        ),
        "sources": json.loads(sources.to_json(orient="records")),
    })
    return meta
