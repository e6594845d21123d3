"""The Broker port: everything the trading cycle needs from a broker, in domain types.

Implemented by the simulated broker (infrastructure/sim_broker) and the Alpaca adapter
(infrastructure/alpaca). Quantities and prices are `Decimal`; symbols are `Symbol`.

Contract every implementation keeps (the execution manager relies on it):
- The broker is the source of truth: `account()` reads balances and positions fresh each call.
- `submit_order` is idempotent by `client_order_id`: a second submit with a known id raises
  `DuplicateClientOrderIdError` and creates nothing; `get_order_by_client_id` then finds it.
- Broker errors are `AlchemiserError`s: `BrokerConnectionError` for an *ambiguous* failure (the
  request may or may not have reached the broker: timeout, connection reset, 5xx),
  `InsufficientBuyingPowerError` / `OrderRejectedError` for a refusal, `MarketClosedError`,
  `AuthenticationError`, `UnknownOrderError` for an id the broker does not know.
  A broker that accepts an order and rejects it later reports status REJECTED on the order.
- Time: the caller never sleeps on its own; it calls `wait_for_update`, which a simulated broker
  implements by advancing simulated time and a real one by sleeping/listening to its stream.
"""

from __future__ import annotations

from collections.abc import Sequence
from decimal import Decimal
from typing import Protocol

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


class Broker(Protocol):
    @property
    def name(self) -> str:
        """`sim`, `alpaca-paper` or `alpaca-live`: recorded with every run."""
        ...

    def account(self) -> AccountSnapshot:
        """Equity, cash, buying power, flags and all open positions, read now."""
        ...

    def positions(self) -> tuple[Position, ...]:
        """Open positions (shorts have qty < 0)."""
        ...

    def asset(self, symbol: Symbol) -> AssetInfo:
        """Tradability and fractionability; unknown symbols raise OrderRejectedError."""
        ...

    def quote(self, symbol: Symbol) -> Quote:
        """Latest top of book; raises DataError when the broker has no usable quote."""
        ...

    def quotes(self, symbols: Sequence[Symbol]) -> dict[Symbol, Quote]:
        """Latest quote of each symbol (one request where the broker allows it)."""
        ...

    def clock(self) -> MarketClock:
        """Broker time and whether the market is open now."""
        ...

    def submit_order(self, request: OrderRequest) -> Order:
        """Place an order; see the module docstring for idempotency and errors."""
        ...

    def get_order(self, order_id: str) -> Order:
        """The order as it is now (REST is the truth; streams are hints)."""
        ...

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        """The order placed with this client order id, or None when there is none."""
        ...

    def open_orders(self) -> tuple[Order, ...]:
        """Every order not yet in a final state (reconciliation after a crash)."""
        ...

    def cancel_order(self, order_id: str) -> None:
        """Request cancellation. Canceling an order that is already final is not an error;
        the caller reads the outcome with `get_order` (a fill may win the race)."""
        ...

    def replace_order(
        self,
        order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
    ) -> Order:
        """Replace a working order; returns the *new* order (the old one becomes REPLACED,
        keeping what it filled). `client_order_id` names the new order."""
        ...

    def wait_for_update(self, order_ids: Sequence[str], timeout_seconds: float) -> None:
        """Return when every listed order is final, or after `timeout_seconds` (whichever is
        first). Implementations may return early; callers always re-read with `get_order`."""
        ...
