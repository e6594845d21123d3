"""Trading-specific errors (all TradingError, so the run records and reports them)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from alchemiser.domain.errors import CriticalError, OrderRejectedError, TradingError

if TYPE_CHECKING:
    from alchemiser.domain.trading.order import OrderRequest


class IllegalOrderTransitionError(TradingError):
    """A broker reported an order state that cannot follow the previous one (e.g. filled → new)."""

    default_action = "Inspect the order at the broker; the run stopped trusting its state."


class DuplicateClientOrderIdError(OrderRejectedError):
    """The broker already has an order with this client_order_id.

    Brokers raise it from `submit_order`; the execution manager then adopts the existing order
    instead of creating a second one (idempotent retries, SPEC §7).
    """

    default_action = "No action: the existing order with this client order id is used."


class UnknownOrderError(TradingError):
    """`get_order` / `cancel_order` / `replace_order` named an order the broker does not know."""


class AmbiguousSubmitError(CriticalError):
    """A submission failed ambiguously (timeout, 5xx) and the order could not be found by its
    client order id afterwards: it may exist at the broker. The run places no further order;
    the next run's reconciliation looks the id up again first (SPEC §13)."""

    default_action = (
        "Check the broker's order list for this client order id; the next run resolves it "
        "before planning."
    )

    def __init__(self, message: str, *, request: OrderRequest, **kwargs: Any) -> None:
        super().__init__(message, **kwargs)
        self.request = request
