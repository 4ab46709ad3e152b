"""Validation at the callback boundary: what a browser sends is checked before a callback uses it.

A callback's arguments come from JSON the client wrote; a crafted request can put any JSON value
anywhere. Decorate the callback (below ``@callback``) with one checker per argument::

    @callback(Output(...), Input("data-grid", "getRowsRequest"), State("url", "search"))
    @inputs.checked(inputs.grid_request, inputs.search)
    def _rows(request, search): ...

A value of the wrong type or out of range raises :class:`BadInput`, which Flask answers with
HTTP 400 and a one-line message (no traceback, nothing logged beyond the request line).
Checkers return the value normalised (e.g. ``None`` for an empty string where that is meant).
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import Any

from werkzeug.exceptions import BadRequest

#: Longest text a control holds (a metric id, a country code, a region name).
MAX_TEXT = 200
#: Most items in a multi-select value.
MAX_ITEMS = 300
#: Largest row index the data grid may ask for.
MAX_ROW = 10**9
#: Most rows one grid request may ask for (the grid asks for blocks of 100).
MAX_BLOCK = 1000
#: Longest URL part (matches :class:`dashboard.guard.Limits.max_url`).
MAX_URL = 8192

Checker = Callable[[Any], Any]


class BadInput(BadRequest):
    """A callback argument of the wrong type or out of range (HTTP 400)."""

    def __init__(self, what: str) -> None:
        super().__init__(description=what)


def checked(*checkers: Checker) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Check (and normalise) a callback's positional arguments, one checker each, in order."""

    def decorate(fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            if len(args) != len(checkers):
                raise BadInput(f"{fn.__name__} takes {len(checkers)} values, got {len(args)}")
            return fn(*(check(value) for check, value in zip(checkers, args, strict=True)), **kwargs)

        return wrapper

    return decorate


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def anything(value: Any) -> Any:
    """No check (for values the callback does not read)."""
    return value


def text(value: Any, *, max_len: int = MAX_TEXT, what: str = "value") -> str | None:
    """A short text, or None (``""`` counts as None)."""
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise BadInput(f"{what} must be text")
    if len(value) > max_len:
        raise BadInput(f"{what} is longer than {max_len} characters")
    return value


def integer(value: Any, *, lo: int = -(2**31), hi: int = 2**31 - 1, what: str = "value") -> int | None:
    """An integer in ``[lo, hi]`` (a JSON number or a digit string), or None."""
    if value is None or value == "":
        return None
    if isinstance(value, str) and len(value) <= 12:
        try:
            value = int(value.strip())
        except ValueError:
            raise BadInput(f"{what} must be a whole number") from None
    elif isinstance(value, float) and value.is_integer():
        value = int(value)
    if not _is_int(value):
        raise BadInput(f"{what} must be a whole number")
    if not lo <= value <= hi:
        raise BadInput(f"{what} must be between {lo} and {hi}")
    return value


def number(value: Any, *, lo: float = -1e12, hi: float = 1e12, what: str = "value") -> float | None:
    """A finite number in ``[lo, hi]``, or None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise BadInput(f"{what} must be a number")
    value = float(value)
    if not math.isfinite(value) or not lo <= value <= hi:
        raise BadInput(f"{what} must be a number between {lo:g} and {hi:g}")
    return value


def texts(value: Any, *, max_items: int = MAX_ITEMS, max_len: int = MAX_TEXT,
          what: str = "value") -> list[str]:
    """A multi-select value: a list of short texts (a single text is a list of one)."""
    if value is None or value == "":
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise BadInput(f"{what} must be a list")
    if len(value) > max_items:
        raise BadInput(f"{what} holds more than {max_items} items")
    out = []
    for item in value:
        if _is_int(item):  # year options are numbers
            item = str(item)
        out.append(text(item, max_len=max_len, what=what))
    return [item for item in out if item is not None]


def clicks(value: Any) -> int | None:
    """``n_clicks`` of a button."""
    return integer(value, lo=0, what="n_clicks")


def search(value: Any) -> str:
    """``dcc.Location.search`` (``?a=1``; the guard already bounded its size and lists)."""
    if value is None:
        return ""
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise BadInput("search must be a query string")
    return value


def pathname(value: Any) -> str:
    """``dcc.Location.pathname``: an absolute path; never protocol-relative (``//host``)."""
    if value is None or value == "":
        return "/"
    if not isinstance(value, str) or len(value) > MAX_URL:
        raise BadInput("pathname must be a path")
    if not value.startswith("/") or value.startswith(("//", "/\\")) or "\\" in value:
        raise BadInput("pathname must be an absolute path")
    return value


def mapping(value: Any, *, what: str = "value") -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadInput(f"{what} must be an object")
    return value


def one_of(*allowed: Any, what: str = "value") -> Checker:
    """A checker accepting None or one of ``allowed``."""

    def check(value: Any) -> Any:
        if value is None or value in allowed:
            return value
        raise BadInput(f"{what} must be one of {', '.join(map(str, allowed))}")

    return check


def list_of(check: Checker, *, max_items: int = MAX_ITEMS, what: str = "value") -> Checker:
    """A checker of a list (pattern-matching ``ALL`` inputs) whose items ``check`` accepts."""

    def check_list(value: Any) -> list[Any]:
        if value is None:
            return []
        if not isinstance(value, list) or len(value) > max_items:
            raise BadInput(f"{what} must be a list of at most {max_items} items")
        return [check(item) for item in value]

    return check_list


def pattern_id(value: Any) -> dict[str, Any]:
    """A pattern-matching component id: ``{"type": "…", "index": "…"}``."""
    value = mapping(value, what="id")
    if value is None or not isinstance(value.get("type"), str) or \
            not isinstance(value.get("index"), str | int) or isinstance(value.get("index"), bool):
        raise BadInput("a pattern-matching id names its type and index")
    return value


def grid_request(value: Any) -> dict[str, Any] | None:
    """An AG Grid infinite-model ``getRowsRequest``: row range and sort model, checked."""
    value = mapping(value, what="getRowsRequest")
    if value is None:
        return None
    start = integer(value.get("startRow"), lo=0, hi=MAX_ROW, what="startRow") or 0
    end = integer(value.get("endRow"), lo=0, hi=MAX_ROW, what="endRow")
    if end is not None and not start <= end <= start + MAX_BLOCK:
        raise BadInput(f"endRow must be from startRow to startRow + {MAX_BLOCK}")
    model = value.get("sortModel") or []
    if not isinstance(model, list) or len(model) > 20:
        raise BadInput("sortModel must be a list")
    sort = []
    for item in model:
        if not isinstance(item, dict):
            raise BadInput("sortModel items are objects")
        column = text(item.get("colId"), max_len=64, what="colId")
        direction = item.get("sort")
        if column is None or direction not in ("asc", "desc"):
            raise BadInput("sortModel items name a colId and a sort of asc or desc")
        sort.append({"colId": column, "sort": direction})
    return {**value, "startRow": start, "endRow": end, "sortModel": sort}


def click_data(value: Any) -> dict[str, Any] | None:
    """A plotly ``clickData``: ``{"points": [{…}, …]}``."""
    value = mapping(value, what="clickData")
    if value is None:
        return None
    points = value.get("points")
    if not isinstance(points, list) or not all(isinstance(p, dict) for p in points):
        raise BadInput("clickData.points must be a list of objects")
    return value
