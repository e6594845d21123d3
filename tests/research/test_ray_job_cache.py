"""A Ray worker deserializes a research job once, not once per task (issue 18: the corpus run
was slow on Ray because every task rebuilt all 62 symphony trees)."""

from __future__ import annotations

from typing import Any

from alchemiser.application.backtest import BacktestConfig
from alchemiser.application.research.work import ResearchJob
from alchemiser.infrastructure.research.ray_cluster import _JobCache
from tests.research.conftest import random_walks


class Ref:
    """Stands for a Ray ObjectRef: only its id matters to the cache."""

    def __init__(self, key: str) -> None:
        self.key = key

    def hex(self) -> str:
        return self.key


def test_a_job_is_fetched_once_per_worker_and_replaced_by_the_next() -> None:
    jobs = {
        key: ResearchJob(symphonies={}, history=random_walks(sessions=50), config=BacktestConfig())
        for key in ("a", "b")
    }
    fetched: list[str] = []

    def fetch(ref: Any) -> ResearchJob:
        fetched.append(ref.hex())
        return jobs[ref.hex()]

    cache = _JobCache()
    for _ in range(5):  # five tasks of one sweep on this worker
        assert cache.get(Ref("a"), fetch) is jobs["a"]
    assert fetched == ["a"]
    assert cache.get(Ref("b"), fetch) is jobs["b"]  # the next sweep's job, not a stale one
    assert cache.get(Ref("b"), fetch) is jobs["b"]
    assert cache.get(Ref("a"), fetch) is jobs["a"]
    assert fetched == ["a", "b", "a"]
