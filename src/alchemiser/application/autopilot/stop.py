"""Graceful stop (SPEC §15): a signal between cycles exits at once; during a cycle no new order is
placed, working orders are cancelled by the run's own sweep, the run is recorded; a second signal
exits without waiting.

The stop reaches the cycle through the broker: `StoppingBroker` refuses every new submission once
a stop is requested, so the execution ladder records the refusal and goes on to cancel what is
still working, exactly as after any failed submission. Reads, cancels and waits pass through.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal

from alchemiser.application.ports.broker import Broker
from alchemiser.domain.errors import StopRequestedError
from alchemiser.domain.trading import (
    AccountSnapshot,
    AssetInfo,
    MarketClock,
    Order,
    OrderRequest,
    Position,
    Quote,
    Symbol,
)


class StopNow(BaseException):
    """Raised out of the signal handler to leave at once (not caught by `except Exception`)."""


class StopControl:
    """Shared by the signal handler, the scheduler loop and the cycle's broker."""

    def __init__(self) -> None:
        self.requested = False
        self.in_cycle = False
        self.signals = 0

    def signal(self) -> None:
        """Called from the signal handler: stop now when idle, else ask the cycle to wind down."""
        self.signals += 1
        first = not self.requested
        self.requested = True
        if not self.in_cycle or not first:
            raise StopNow

    def check(self) -> None:
        if self.requested:
            raise StopRequestedError(
                "stop requested (SIGTERM/Ctrl-C): no new order is placed; working orders are "
                "cancelled and the run is recorded",
                component="autopilot",
            )


class StoppingBroker:
    """A Broker that refuses new orders once a stop is requested (everything else delegated)."""

    def __init__(self, broker: Broker, stop: StopControl) -> None:
        self._broker = broker
        self._stop = stop

    @property
    def name(self) -> str:
        return self._broker.name

    def submit_order(self, request: OrderRequest) -> Order:
        self._stop.check()
        return self._broker.submit_order(request)

    def replace_order(
        self,
        order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
    ) -> Order:
        self._stop.check()
        return self._broker.replace_order(
            order_id, client_order_id=client_order_id, qty=qty, limit_price=limit_price
        )

    def wait_for_update(self, order_ids: Sequence[str], timeout_seconds: float) -> None:
        self._broker.wait_for_update(order_ids, timeout_seconds)

    def account(self) -> AccountSnapshot:
        return self._broker.account()

    def positions(self) -> tuple[Position, ...]:
        return self._broker.positions()

    def asset(self, symbol: Symbol) -> AssetInfo:
        return self._broker.asset(symbol)

    def quote(self, symbol: Symbol) -> Quote:
        return self._broker.quote(symbol)

    def quotes(self, symbols: Sequence[Symbol]) -> dict[Symbol, Quote]:
        return self._broker.quotes(symbols)

    def clock(self) -> MarketClock:
        return self._broker.clock()

    def get_order(self, order_id: str) -> Order:
        return self._broker.get_order(order_id)

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        return self._broker.get_order_by_client_id(client_order_id)

    def open_orders(self) -> tuple[Order, ...]:
        return self._broker.open_orders()

    def cancel_order(self, order_id: str) -> None:
        self._broker.cancel_order(order_id)
