"""Honest network behaviour for the data sources that need the internet (Yahoo, Alpaca data).

Three guarantees, whatever the network does (drops packets, never answers, no DNS):
- every fetch ends within `deadline` seconds: the work runs on daemon threads and the caller
  stops waiting at the deadline, naming what is still missing. A thread still blocked in a
  request is abandoned (it ends at its own request timeout, and never keeps the process alive);
- many tickers are fetched by a bounded pool of `workers` threads, and the first failure stops
  the pool from starting more;
- a source found unreachable is not asked again for `OUTAGE_HOLD_SECONDS`, so a command that
  asks it several times (one fetch per sleeve) fails once within the deadline, not once per ask.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Generic, TypeVar

from alchemiser.domain.errors import AlchemiserError, DataUnavailableError

K = TypeVar("K")
V = TypeVar("V")

OUTAGE_HOLD_SECONDS = 20.0
"""How long a source found unreachable fails at once (shorter than autopilot's first retry)."""


@dataclass(frozen=True, slots=True)
class NetworkLimits:
    """`market_data.request_timeout_seconds`, `deadline_seconds` and `workers`."""

    request_timeout: float = 20.0
    deadline: float = 120.0
    workers: int = 4


DEFAULT_LIMITS = NetworkLimits()


class NoProgress:
    """The `FetchProgress` of a source nobody watches (tests, --json, not a terminal)."""

    @contextmanager
    def track(self, description: str, total: int) -> Iterator[Callable[[int], None]]:
        yield lambda _done: None


class DeadlineExceededError(Exception):
    """The deadline passed; `pending` are the keys without an answer."""

    def __init__(self, pending: list[str], total: int) -> None:
        super().__init__(f"{len(pending)} of {total} without an answer")
        self.pending = pending
        self.total = total


class _Run(Generic[K, V]):
    """Shared state of one `fetch_each` call (workers and the waiting caller)."""

    def __init__(self, keys: Sequence[K]) -> None:
        self.keys = list(keys)
        self.next = 0
        self.results: dict[int, V] = {}
        self.error: BaseException | None = None
        self.lock = threading.Lock()
        self.changed = threading.Condition(self.lock)
        self.stop = False

    def take(self) -> int | None:
        with self.lock:
            if self.stop or self.next >= len(self.keys):
                return None
            self.next += 1
            return self.next - 1


def fetch_each(
    keys: Sequence[K],
    fetch: Callable[[K], V],
    *,
    workers: int,
    deadline: float,
    on_done: Callable[[int], None] = lambda _n: None,
    name: Callable[[K], str] = str,
) -> list[V]:
    """`fetch(key)` for every key on at most `workers` daemon threads, in the order of `keys`.

    Raises the first exception a fetch raised (no new fetch starts after it), or
    DeadlineExceededError naming the keys without an answer once `deadline` seconds have passed.
    """
    run: _Run[K, V] = _Run(keys)
    if not run.keys:
        return []

    def work() -> None:
        while (index := run.take()) is not None:
            try:
                value = fetch(run.keys[index])
            except BaseException as exc:  # handed to the caller, which raises it
                with run.lock:
                    if run.error is None:
                        run.error = exc
                    run.stop = True
                    run.changed.notify_all()
                return
            with run.lock:
                run.results[index] = value
                run.changed.notify_all()

    for i in range(max(1, min(workers, len(run.keys)))):
        threading.Thread(target=work, name=f"fetch-{i}", daemon=True).start()
    end = time.monotonic() + deadline
    reported = 0
    with run.lock:
        while run.error is None and len(run.results) < len(run.keys):
            left = end - time.monotonic()
            if left <= 0:
                run.stop = True
                pending = [name(k) for i, k in enumerate(run.keys) if i not in run.results]
                raise DeadlineExceededError(pending, len(run.keys))
            run.changed.wait(min(left, 0.25))
            if len(run.results) != reported:
                reported = len(run.results)
                run.lock.release()
                try:
                    on_done(reported)
                finally:
                    run.lock.acquire()
        if run.error is not None:
            raise run.error
        values = [run.results[i] for i in range(len(run.keys))]
    on_done(len(values))
    return values


class Outage:
    """Remembers the last time a source could not be reached (thread-safe)."""

    def __init__(
        self, hold: float = OUTAGE_HOLD_SECONDS, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._hold = hold
        self._clock = clock
        self._since: float | None = None
        self._error: DataUnavailableError | None = None
        self._lock = threading.Lock()

    def check(self, tickers: Sequence[str]) -> None:
        """Raise at once while the last outage is younger than the hold."""
        with self._lock:
            error, since = self._error, self._since
        if error is None or since is None:
            return
        age = self._clock() - since
        if age >= self._hold:
            return
        source = error.context.get("source", "the data source")
        raise DataUnavailableError(
            f"{source} was unreachable {age:.0f} s ago and is not asked again for "
            f"{self._hold - age:.0f} s (then: {error.message})",
            context={**error.context, "tickers": list(tickers)},
            suggested_action=error.suggested_action,
        )

    @contextmanager
    def guard(self, tickers: Sequence[str]) -> Iterator[None]:
        """One call to the source: refused at once during an outage (`check`); an unreachable
        source raised inside is remembered (`record`); an answer ends the outage (`clear`)."""
        self.check(tickers)
        try:
            yield
        except AlchemiserError as error:
            self.record(error)
            raise
        self.clear()

    def record(self, error: AlchemiserError) -> None:
        if not isinstance(error, DataUnavailableError):
            return
        with self._lock:
            self._error, self._since = error, self._clock()

    def clear(self) -> None:
        with self._lock:
            self._error, self._since = None, None


def shown(tickers: Sequence[str], limit: int = 12) -> str:
    """ "A, B, C" — or the first `limit` and how many more, so a message stays readable."""
    names = list(tickers)
    if len(names) <= limit:
        return ", ".join(names)
    return f"{', '.join(names[:limit])} and {len(names) - limit} more"
