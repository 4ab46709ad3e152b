"""A least-recently-used store kept within a number of entries and an estimate of their bytes:
the dashboard's query-result and rendered-page caches (:class:`dashboard.data.DataService`)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

_MISSING = object()


class BoundedCache:
    """Values by key, oldest use first. Not thread-safe: the owner holds its lock around every
    call. The bounds are given at each :meth:`put` (module settings a test may change)."""

    def __init__(self) -> None:
        self._values: OrderedDict[tuple, Any] = OrderedDict()
        self._sizes: dict[tuple, int] = {}
        self.bytes = 0

    def __len__(self) -> int:
        return len(self._values)

    def __iter__(self) -> Iterator[tuple]:
        return iter(self._values)

    def get(self, key: tuple, default: Any = None) -> Any:
        """The value of ``key``, now the most recently used; ``default`` when absent."""
        if key not in self._values:
            return default
        self._values.move_to_end(key)
        return self._values[key]

    def __contains__(self, key: object) -> bool:
        return key in self._values

    def put(self, key: tuple, value: Any, size: int, max_entries: int, max_bytes: int) -> None:
        """Keep ``value`` (``size`` its estimated bytes) unless ``key`` is held already, then drop
        the least recently used entries until both bounds hold."""
        if key not in self._values:
            self._values[key] = value
            self._sizes[key] = size
            self.bytes += size
        while self._values and (len(self._values) > max_entries or self.bytes > max_bytes):
            old, _ = self._values.popitem(last=False)
            self.bytes -= self._sizes.pop(old, 0)

    def clear(self) -> None:
        self._values.clear()
        self._sizes.clear()
        self.bytes = 0
