"""The client-side rate limiter, on a fake clock (no real waiting)."""

from __future__ import annotations

import pytest

from alchemiser.infrastructure.alpaca.transport import RateLimiter


class FakeTime:
    def __init__(self) -> None:
        self.now = 0.0
        self.slept: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += seconds


def test_never_more_than_max_calls_in_any_window() -> None:
    fake = FakeTime()
    limiter = RateLimiter(3, 60.0, clock=fake.clock, sleep=fake.sleep)
    starts = []
    for _ in range(7):
        limiter.acquire()
        starts.append(fake.now)
        fake.now += 1.0  # each request takes a second
    # 3 at t=0,1,2; the 4th waits until t=60 (60 s after the first), then 61, 62; then 120
    assert starts == [0.0, 1.0, 2.0, 60.0, 61.0, 62.0, 120.0]
    for i, start in enumerate(starts):
        assert sum(1 for s in starts if start <= s < start + 60) <= 3, i


def test_pause_after_429_holds_every_request() -> None:
    fake = FakeTime()
    limiter = RateLimiter(100, 60.0, clock=fake.clock, sleep=fake.sleep)
    limiter.acquire()
    limiter.pause(2.5)
    assert limiter.acquire() == 2.5
    assert fake.now == 2.5


def test_rejects_a_zero_limit() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RateLimiter(0)
