"""The crash loop (``tests/crashloop.py``): at least 50 seeded SIGKILLs of writers during fetch,
upsert, score write and snapshot publish, with the integrity checks after each."""

from __future__ import annotations

import os

from tests import crashloop

KILLS = int(os.environ.get("ROAMWATCH_CRASH_KILLS", "50"))
SEED = int(os.environ.get("ROAMWATCH_CRASH_SEED", "16"))


def test_writers_killed_at_any_moment_lose_nothing():
    kills, problems = crashloop.run(KILLS, SEED, log=lambda _m: None)
    assert problems == [], "\n".join(problems)
    assert len(kills) == KILLS >= 50
    hit = crashloop.summary(kills)
    for phase in crashloop.PHASES:  # every phase was really hit, several times
        assert sum(n for (aimed, got), n in hit.items() if got == phase) >= min(3, KILLS // 10), hit
