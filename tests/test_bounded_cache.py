"""dashboard.bounded_cache: the least recently used entries go first, by count and by bytes."""

from __future__ import annotations

from dashboard.bounded_cache import BoundedCache


def test_least_recently_used_goes_first_by_count_and_by_bytes():
    cache = BoundedCache()
    for n in range(3):
        cache.put(("k", n), f"v{n}", 10, max_entries=3, max_bytes=100)
    assert cache.get(("k", 0)) == "v0"  # used: now the newest
    cache.put(("k", 3), "v3", 10, max_entries=3, max_bytes=100)
    assert list(cache) == [("k", 2), ("k", 0), ("k", 3)] and cache.bytes == 30
    cache.put(("k", 4), "v4", 85, max_entries=3, max_bytes=100)  # past both bounds: two go
    assert list(cache) == [("k", 3), ("k", 4)] and cache.bytes == 95
    assert cache.get(("k", 1), "gone") == "gone" and ("k", 1) not in cache


def test_a_held_key_keeps_its_first_value_and_clear_empties():
    cache = BoundedCache()
    cache.put(("a",), None, 5, max_entries=2, max_bytes=50)  # None is a value like any other
    cache.put(("a",), "later", 5, max_entries=2, max_bytes=50)
    assert ("a",) in cache and cache.get(("a",), "absent") is None and cache.bytes == 5
    cache.clear()
    assert len(cache) == 0 and cache.bytes == 0
