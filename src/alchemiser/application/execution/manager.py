"""The execution manager: the smart limit ladder of SPEC §7 over the Broker port.

All symbols of a phase climb the ladder together (one wait per step, not one per symbol):
limit at `aggressiveness` between the touches → re-priced towards and across the far touch in
`limit_steps` steps, `step_wait_seconds` each → a market order for what is left
(`market_fallback`). A symbol is abandoned when its mid ran beyond `max_slippage_bps` from the
decision price. An unfilled limit is canceled and confirmed final before the next one is sent,
so two orders of the same symbol never work at once.

Every wait goes through `Broker.wait_for_update`, so the simulator runs on simulated time.

Crash resume: ids are deterministic in (run, phase, symbol, attempt), so re-running a phase
with the same run id adopts the orders already placed instead of duplicating them. A caller
that re-plans from fresh positions after a crash should cancel the previous process's open
orders first (`Broker.open_orders`) and use a new `phase` tag, or the old fills would count
towards the new, smaller quantity.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from decimal import ROUND_DOWN, Decimal
from functools import partial
from typing import TypeVar

from alchemiser.application.error_handler import ErrorHandler, ErrorRecord
from alchemiser.application.execution.client_order_ids import client_order_id
from alchemiser.application.execution.pricing import limit_price, ran_away
from alchemiser.application.execution.result import ExecutionResult, ExecutionStatus
from alchemiser.application.ports.broker import Broker
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.errors import (
    AlchemiserError,
    BrokerConnectionError,
    DataError,
    InsufficientBuyingPowerError,
    OrderRejectedError,
    TradingError,
)
from alchemiser.domain.rebalance import PlannedTrade
from alchemiser.domain.trading import (
    AmbiguousSubmitError,
    DuplicateClientOrderIdError,
    Fill,
    FillTracker,
    IllegalOrderTransitionError,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Quantity,
    Quote,
    Side,
    Symbol,
    UnexpectedBrokerResponseError,
    check_order_answer,
)
from alchemiser.domain.trading.order import check_transition

log = logging.getLogger(__name__)
_T = TypeVar("_T")

COMPONENT = "execution"
SUBMIT_TRIES = 3
"""Attempts of one idempotent call (read, cancel) after ambiguous failures."""
RETRY_PAUSE_SECONDS = 1.0
LOOKUP_PAUSES_SECONDS = (0.5, 1.0, 2.0, 4.0)
"""Backoff of the look-ups by client order id after an ambiguous submit (bounded: 7.5 s)."""


@dataclass
class _Leg:
    """One symbol's progress through the ladder (mutable, private to a phase)."""

    trade: PlannedTrade
    qty: Quantity
    attempt: int = 0
    current: Order | None = None
    orders: dict[str, Order] = field(default_factory=dict)
    fills: list[Fill] = field(default_factory=list)
    errors: list[ErrorRecord] = field(default_factory=list)
    outcome: ExecutionStatus | None = None
    limit_rejected: bool = False
    short_of_buying_power: bool = False
    rejections: int = 0

    @property
    def filled(self) -> Quantity:
        return sum((f.qty for f in self.fills), Quantity(0))

    @property
    def remaining(self) -> Quantity:
        return self.qty - self.filled

    @property
    def working(self) -> bool:
        return self.outcome is None and self.remaining > 0


class ExecutionManager:
    """Places and follows the orders of one run; observers receive every change (ledger)."""

    def __init__(
        self,
        broker: Broker,
        settings: ExecutionSettings,
        *,
        run_id: str,
        errors: ErrorHandler | None = None,
        on_order: Callable[[Order], None] | None = None,
        on_fill: Callable[[Fill], None] | None = None,
    ) -> None:
        self._broker = broker
        self._settings = settings
        self._run_id = run_id
        self._errors = errors or ErrorHandler()
        self._on_order = on_order or (lambda order: None)
        self._on_fill = on_fill or (lambda fill: None)
        self._tracker = FillTracker()
        self._aggressiveness = Decimal(repr(settings.aggressiveness))
        self._max_slippage = Decimal(repr(settings.max_slippage_bps))

    # -- public ---------------------------------------------------------------------------------
    def execute(self, trades: Sequence[PlannedTrade], *, phase: str) -> tuple[ExecutionResult, ...]:
        """Execute `trades` (one per symbol) and return one result per trade, in input order."""
        legs = [self._leg(trade) for trade in trades]
        steps = self._settings.limit_steps
        for step in range(steps):
            self._run_step(
                [leg for leg in legs if leg.working and not leg.limit_rejected], phase, step, steps
            )
        if self._settings.market_fallback:
            self._run_market([leg for leg in legs if leg.working], phase)
        return tuple(self._result(leg) for leg in legs)

    # -- ladder ---------------------------------------------------------------------------------
    def _leg(self, trade: PlannedTrade) -> _Leg:
        qty = trade.qty
        if trade.side is Side.BUY and not trade.fractionable:
            qty = qty.to_integral_value(rounding=ROUND_DOWN)  # whole shares only
        leg = _Leg(trade=trade, qty=qty)
        if qty <= 0:
            leg.outcome = ExecutionStatus.SKIPPED
        return leg

    def _run_step(self, legs: list[_Leg], phase: str, step: int, steps: int) -> None:
        if not legs:
            return
        placed: list[_Leg] = []
        quotes = self._quotes(legs)
        for leg in legs:
            quote = quotes.get(leg.trade.symbol)
            if quote is None or self._aborted(leg, quote):
                continue
            price = limit_price(
                quote,
                leg.trade.side,
                step=step,
                steps=steps,
                aggressiveness=self._aggressiveness,
                decision_price=leg.trade.price,
                max_slippage_bps=self._max_slippage,
            )
            if self._submit(leg, phase, OrderType.LIMIT, price):
                placed.append(leg)
        if not placed:
            return
        self._wait(placed, self._settings.step_wait_seconds)
        self._cancel_working(placed)

    def _run_market(self, legs: list[_Leg], phase: str) -> None:
        if not legs:
            return
        placed: list[_Leg] = []
        quotes = self._quotes(legs)
        for leg in legs:
            quote = quotes.get(leg.trade.symbol)
            if quote is None or self._aborted(leg, quote):
                continue
            if leg.short_of_buying_power:
                continue  # a market order would be refused for the same reason
            if self._submit(leg, phase, OrderType.MARKET, None):
                placed.append(leg)
        if placed:
            self._wait(placed, self._settings.settle_timeout_seconds)
            self._cancel_working(placed)

    def _aborted(self, leg: _Leg, quote: Quote) -> bool:
        if not ran_away(quote, leg.trade.side, leg.trade.price, self._max_slippage):
            return False
        leg.outcome = ExecutionStatus.ABORTED
        self._record(
            leg,
            TradingError(
                f"{leg.trade.symbol}: price ran from {leg.trade.price} to {quote.mid} "
                f"(more than {self._settings.max_slippage_bps:g} bps); "
                f"{leg.trade.side} of {leg.remaining} abandoned",
                context={
                    "ticker": str(leg.trade.symbol),
                    "decision_price": str(leg.trade.price),
                    "mid": str(quote.mid),
                },
                suggested_action="Review the symbol; the next run re-plans it.",
            ),
        )
        return True

    # -- broker calls ---------------------------------------------------------------------------
    def _quotes(self, legs: list[_Leg]) -> dict[Symbol, Quote]:
        """Quotes in one request; when that fails on data, symbol by symbol, so one unpriced
        symbol fails alone. Symbols without a quote are marked FAILED."""
        symbols = [leg.trade.symbol for leg in legs]
        try:
            return self._retrying(lambda: self._broker.quotes(symbols))
        except DataError:
            found: dict[Symbol, Quote] = {}
            for leg in legs:
                try:
                    found[leg.trade.symbol] = self._retrying(
                        partial(self._broker.quote, leg.trade.symbol)
                    )
                except AlchemiserError as exc:
                    leg.outcome = ExecutionStatus.FAILED
                    self._record(leg, exc)
            return found
        except AlchemiserError as exc:
            for leg in legs:
                leg.outcome = ExecutionStatus.FAILED
                self._record(leg, exc)
            return {}

    def _submit(self, leg: _Leg, phase: str, order_type: OrderType, price: Decimal | None) -> bool:
        cid = client_order_id(self._run_id, leg.trade.symbol, phase, leg.attempt)
        leg.attempt += 1
        request = OrderRequest(
            client_order_id=cid,
            symbol=leg.trade.symbol,
            side=leg.trade.side,
            qty=leg.remaining,
            order_type=order_type,
            limit_price=price,
        )
        try:
            order = self._submit_once(request)
        except (AmbiguousSubmitError, UnexpectedBrokerResponseError):
            raise  # the run stops: the caller sweeps, records and reports
        except OrderRejectedError as exc:
            leg.rejections += 1
            leg.limit_rejected = True
            leg.short_of_buying_power = isinstance(exc, InsufficientBuyingPowerError)
            self._record(leg, exc)
            return False
        except AlchemiserError as exc:
            leg.outcome = ExecutionStatus.FAILED
            self._record(leg, exc)
            return False
        leg.current = order
        leg.orders[order.id] = order
        self._observe(leg, order)
        return True

    def _submit_once(self, request: OrderRequest) -> Order:
        """Submit once, never twice (SPEC §7, §13).

        After an ambiguous failure (timeout, 5xx) the order may exist: it is looked up by its
        client order id with a bounded backoff and adopted when found. When it stays unknown,
        nothing more is sent in this run (AmbiguousSubmitError, CRITICAL); the next run's
        reconciliation resolves the id first. Whatever the broker answers must be the order
        requested (client id, symbol, side, quantity), or the run stops (OrderMismatchError).
        """
        cid = request.client_order_id
        try:
            return self._checked(request, self._broker.submit_order(request), "submit")
        except DuplicateClientOrderIdError:
            found = self._broker.get_order_by_client_id(cid)
            if found is None:
                raise
            log.info("order %s already existed at the broker; adopted", cid)
            return self._checked(request, found, "lookup")
        except BrokerConnectionError as exc:
            failure = exc
        for pause in LOOKUP_PAUSES_SECONDS:
            self._broker.wait_for_update([], pause)
            try:
                found = self._broker.get_order_by_client_id(cid)
            except BrokerConnectionError:
                continue
            if found is not None:
                log.info("order %s found after an ambiguous submit; adopted", cid)
                return self._checked(request, found, "lookup")
        raise AmbiguousSubmitError(
            f"{request.symbol}: submitting {request.side} {request.qty} ({cid}) failed "
            f"ambiguously ({failure.message}) and the order is not found by its client order "
            f"id after {len(LOOKUP_PAUSES_SECONDS)} look-ups; no further order is placed",
            request=request,
            context={"ticker": str(request.symbol), "client_order_id": cid},
        ) from failure

    @staticmethod
    def _checked(request: OrderRequest, order: Order, how: str) -> Order:
        """The broker's answer must be the order requested (issue 11); else CRITICAL."""
        endpoint = "submit order" if how == "submit" else "look up order by client order id"
        return check_order_answer(request, order, endpoint=endpoint)

    def _wait(self, legs: list[_Leg], seconds: float) -> None:
        ids = [leg.current.id for leg in legs if leg.current and not leg.current.is_final]
        if ids:
            self._broker.wait_for_update(ids, seconds)
        for leg in legs:
            self._refresh(leg)

    def _cancel_working(self, legs: list[_Leg]) -> None:
        """Cancel what is still working and wait until the broker confirms a final state."""
        open_legs = [leg for leg in legs if leg.current and not leg.current.is_final]
        for leg in open_legs:
            assert leg.current is not None
            order_id = leg.current.id
            try:
                self._retrying(partial(self._broker.cancel_order, order_id))
            except AlchemiserError as exc:
                self._record(leg, exc)
        if open_legs:
            self._wait(open_legs, self._settings.settle_timeout_seconds)
        for leg in open_legs:
            if leg.current and not leg.current.is_final:
                leg.outcome = ExecutionStatus.FAILED
                self._record(
                    leg,
                    TradingError(
                        f"{leg.trade.symbol}: order {leg.current.client_order_id} still "
                        f"{leg.current.status} after cancel; no further order placed",
                        context={"ticker": str(leg.trade.symbol), "order_id": leg.current.id},
                        suggested_action="Check the order at the broker before the next run.",
                    ),
                )

    def _refresh(self, leg: _Leg) -> None:
        if leg.current is None:
            return
        order_id = leg.current.id
        try:
            order = self._retrying(lambda: self._broker.get_order(order_id))
        except AlchemiserError as exc:
            leg.outcome = ExecutionStatus.FAILED
            self._record(leg, exc)
            return
        try:
            check_transition(leg.current, order.status, order.filled_qty)
        except IllegalOrderTransitionError as exc:
            leg.outcome = ExecutionStatus.FAILED  # keep the last consistent snapshot and fills
            self._record(leg, exc)
            return
        leg.current = order
        leg.orders[order.id] = order
        self._observe(leg, order)

    def _observe(self, leg: _Leg, order: Order) -> None:
        previous = self._tracker.last(order.id)
        changed = previous is None or (previous.status, previous.filled_qty) != (
            order.status,
            order.filled_qty,
        )
        fill = self._tracker.observe(order)
        if changed:
            self._on_order(order)
        if fill is not None:
            leg.fills.append(fill)
            self._on_fill(fill)
        if order.status is OrderStatus.REJECTED and changed:
            leg.rejections += 1
            leg.limit_rejected = True
            self._record(
                leg,
                OrderRejectedError(
                    f"{order.symbol}: {order.order_type} {order.side} of {order.qty} rejected: "
                    f"{order.reject_reason or 'no reason given'}",
                    context={"ticker": str(order.symbol), "client_order_id": order.client_order_id},
                ),
            )

    def _retrying(self, call: Callable[[], _T]) -> _T:
        """Idempotent calls only (reads, cancel): retried on ambiguous failures."""
        for attempt in range(SUBMIT_TRIES):
            try:
                return call()
            except BrokerConnectionError:
                if attempt == SUBMIT_TRIES - 1:
                    raise
                self._broker.wait_for_update([], RETRY_PAUSE_SECONDS)
        raise AssertionError("unreachable")

    # -- results --------------------------------------------------------------------------------
    def _record(self, leg: _Leg, exc: AlchemiserError) -> None:
        leg.errors.append(
            self._errors.handle(
                exc,
                component=COMPONENT,
                context={"ticker": str(leg.trade.symbol), "side": leg.trade.side.value},
            )
        )

    def _result(self, leg: _Leg) -> ExecutionResult:
        return ExecutionResult(
            symbol=leg.trade.symbol,
            side=leg.trade.side,
            requested_qty=leg.qty,
            decision_price=leg.trade.price,
            status=_status(leg),
            orders=tuple(leg.orders.values()),
            fills=tuple(leg.fills),
            errors=tuple(leg.errors),
        )


def _status(leg: _Leg) -> ExecutionStatus:
    if leg.outcome is ExecutionStatus.SKIPPED:
        return leg.outcome
    if leg.qty > 0 and leg.filled == leg.qty:
        return ExecutionStatus.FILLED
    if leg.outcome is not None:
        return leg.outcome
    if leg.filled > 0:
        return ExecutionStatus.PARTIALLY_FILLED
    if leg.rejections:
        return ExecutionStatus.REJECTED
    return ExecutionStatus.NOT_FILLED
