"""Trade updates from Alpaca's stream, used only as a *hint* that an order changed.

The stream can drop and reconnects without replaying what was missed, so nothing is booked
from it: a hint wakes the waiting broker, which then reads the order over REST (the truth), and
a poll on a timer catches whatever the stream missed. alpaca-py's `TradingStream` runs in a
daemon thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections.abc import Iterable
from typing import Any

from alpaca.trading.stream import TradingStream

log = logging.getLogger(__name__)


class OrderUpdateHints:
    """Which orders the stream reported since the last look, with a condition to wait on."""

    def __init__(self) -> None:
        self._changed: set[str] = set()
        self._condition = threading.Condition()
        self.received = 0

    def note(self, order_id: str) -> None:
        with self._condition:
            self._changed.add(order_id)
            self.received += 1
            self._condition.notify_all()

    def wait(self, order_ids: Iterable[str], timeout: float) -> set[str]:
        """Wait up to `timeout` for a hint about any of `order_ids`; return (and forget) them."""
        wanted = set(order_ids)
        deadline = time.monotonic() + timeout
        with self._condition:
            while True:
                hit = self._changed & wanted
                if hit:
                    self._changed -= hit
                    return hit
                left = deadline - time.monotonic()
                if left <= 0:
                    return set()
                self._condition.wait(left)


class OrderStream:
    """Starts alpaca-py's `TradingStream` on demand and feeds `hints`; `close()` stops it."""

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        *,
        paper: bool,
        url: str | None,
        hints: OrderUpdateHints,
    ) -> None:
        # alpaca-py treats a falsy url_override as "use Alpaca's own stream URL".
        self._stream = TradingStream(api_key, secret_key, paper=paper, url_override=url or "")
        self._hints = hints
        self._thread: threading.Thread | None = None
        self._stream.subscribe_trade_updates(self._on_update)

    async def _on_update(self, update: Any) -> None:
        order = getattr(update, "order", None)
        if order is not None:
            self._hints.note(str(order.id))

    @property
    def started(self) -> bool:
        return self._thread is not None

    def start(self) -> None:
        if self._thread is not None:
            return
        self._thread = threading.Thread(target=self._run, name="alpaca-trade-updates", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        try:
            self._stream.run()
        except Exception as exc:  # the stream is a hint; REST polling carries on without it
            log.warning("Alpaca trade stream stopped: %s", type(exc).__name__)

    def close(self, timeout: float = 5.0) -> None:
        """Stop the stream promptly (alpaca-py alone would wait up to 5 s for a message)."""
        thread = self._thread
        if thread is None:
            return
        # Our own close makes alpaca-py log a "websocket error, restarting" warning; hush it.
        stream_log = logging.getLogger("alpaca.trading.stream")
        level = stream_log.level
        stream_log.setLevel(logging.ERROR)
        try:
            self._stop(thread, timeout)
        finally:
            stream_log.setLevel(level)
        self._thread = None

    def _stop(self, thread: threading.Thread, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while thread.is_alive() and time.monotonic() < deadline:
            loop = getattr(self._stream, "_loop", None)
            if loop is not None and loop.is_running():
                try:
                    asyncio.run_coroutine_threadsafe(self._stream.stop_ws(), loop).result(1)
                    asyncio.run_coroutine_threadsafe(self._stream.close(), loop).result(1)
                except (RuntimeError, TimeoutError, asyncio.CancelledError):
                    pass
                thread.join(0.5)
            else:
                thread.join(0.05)
