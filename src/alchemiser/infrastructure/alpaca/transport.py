"""The HTTP layer under alpaca-py: a rate limit, a timeout, and no hidden retries.

alpaca-py's REST client sends requests without a timeout (a stalled connection hangs forever)
and retries HTTP 429/504 on its own after a fixed 3 s, ignoring Retry-After and repeating even a
POST /orders whose 504 may hide an accepted order. We therefore give each client our own
`requests.Session` and switch its internal retries off; retries happen in `AlpacaBroker`, only
for idempotent calls, and a submit is resolved by looking the order up instead.

Alpaca announces its budget on every answer (`X-RateLimit-Limit`, `X-RateLimit-Remaining`,
`X-RateLimit-Reset` as epoch seconds) and sends no Retry-After with its 429: when the budget is
spent (Remaining 0, or a 429) every request of the account waits until the reset, never longer
than the configured cap, so a wrong or hostile Reset cannot hang a run.
"""

from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlsplit

import requests

from alchemiser.infrastructure.alpaca.errors import retry_after_seconds

DEFAULT_429_PAUSE = 1.0
"""Pause after a 429 that says nothing about when the budget comes back."""


class RateLimiter:
    """At most `max_calls` request starts in any sliding `period`, shared by all clients of an
    account; a 429's Retry-After pauses everyone until it has passed."""

    def __init__(
        self,
        max_calls: int,
        period: float = 60.0,
        *,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if max_calls < 1:
            raise ValueError("max_calls must be at least 1")
        self._max = max_calls
        self._period = period
        self._clock = clock
        self._sleep = sleep
        self._starts: deque[float] = deque()
        self._not_before = 0.0
        self._lock = threading.Lock()

    @property
    def max_calls(self) -> int:
        return self._max

    def acquire(self) -> float:
        """Block until a request may start; returns the seconds waited."""
        waited = 0.0
        while True:
            with self._lock:
                now = self._clock()
                while self._starts and now - self._starts[0] >= self._period:
                    self._starts.popleft()
                wait = max(
                    self._not_before - now,
                    (self._starts[0] + self._period - now) if len(self._starts) >= self._max else 0,
                )
                if wait <= 0:
                    self._starts.append(now)
                    return waited
            self._sleep(wait)
            waited += wait

    def pause(self, seconds: float) -> None:
        """Hold every request for `seconds` (after Alpaca said 429)."""
        with self._lock:
            self._not_before = max(self._not_before, self._clock() + seconds)


class CallLog:
    """The endpoint ("GET /v2/account") of the last request each thread made, so an error can
    name the endpoint whose answer could not be read."""

    def __init__(self) -> None:
        self._local = threading.local()

    def note(self, method: str, url: str) -> None:
        self._local.endpoint = f"{str(method).upper()} {urlsplit(str(url)).path}"

    def clear(self) -> None:
        self._local.endpoint = None

    @property
    def last(self) -> str | None:
        endpoint: str | None = getattr(self._local, "endpoint", None)
        return endpoint


def rate_limit_pause(status: int, headers: Mapping[str, str], *, now: float) -> float:
    """Seconds every request must wait after this answer (0 when the budget is not spent)."""
    if status == 429:
        wait = retry_after_seconds(headers, now=now)
        return DEFAULT_429_PAUSE if wait is None else wait
    if str(headers.get("X-RateLimit-Remaining", "")).strip() == "0":
        return retry_after_seconds(headers, now=now) or 0.0
    return 0.0


class LimitedSession(requests.Session):
    """A session that waits for the limiter before each request, applies a default timeout,
    and pauses the whole account when Alpaca says its budget is spent (at most `max_pause`)."""

    def __init__(
        self,
        limiter: RateLimiter,
        timeout: float,
        *,
        calls: CallLog | None = None,
        max_pause: float = 30.0,
        wall_clock: Callable[[], float] = time.time,
        time_left: Callable[[], float | None] = lambda: None,
    ) -> None:
        super().__init__()
        self._limiter = limiter
        self._timeout = timeout
        self._time_left = time_left
        self._calls = calls or CallLog()
        self._max_pause = max_pause
        self._wall_clock = wall_clock

    def request(self, method: Any, url: Any, *args: Any, **kwargs: Any) -> requests.Response:
        """`time_left` (seconds until the caller's deadline, None without one) shortens the
        timeout, and a request that would start after the deadline is not sent."""
        left = self._time_left()
        if left is not None and left <= 0:
            raise requests.Timeout(f"deadline passed before {str(method).upper()} was sent")
        timeout = kwargs.get("timeout") or self._timeout
        kwargs["timeout"] = timeout if left is None else _shorter(timeout, left)
        self._calls.note(method, url)
        self._limiter.acquire()
        response: requests.Response = super().request(method, url, *args, **kwargs)
        pause = rate_limit_pause(response.status_code, response.headers, now=self._wall_clock())
        if pause > 0:
            self._limiter.pause(min(pause, self._max_pause))
        return response


def _shorter(timeout: Any, left: float) -> Any:
    """`timeout` (seconds, or requests' (connect, read) pair) cut to `left` seconds."""
    if isinstance(timeout, tuple):
        return tuple(min(float(t), left) if t else left for t in timeout)
    return min(float(timeout), left)


def take_over_transport(client: Any, session: LimitedSession) -> None:
    """Route an alpaca-py REST client through `session` with its own retries disabled.

    Uses two attributes of alpaca-py's `RESTClient` (`_session`, `_retry`); the adapter tests
    fail loudly if a new alpaca-py version renames them.
    """
    if not hasattr(client, "_session") or not hasattr(client, "_retry"):
        raise RuntimeError("alpaca-py RESTClient internals changed: _session/_retry missing")
    client._session = session
    client._retry = 0
