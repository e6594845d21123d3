"""Trading-specific errors (all TradingError, so the run records and reports them)."""

from __future__ import annotations

from alchemiser.domain.errors import OrderRejectedError, TradingError


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
