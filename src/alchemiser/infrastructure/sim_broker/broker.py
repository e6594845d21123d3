"""The simulated broker: the embedded default behind the Broker port.

It runs on simulated time (starting at the trading window of the latest session), prices from
the configured market data source with a spread around the decision-time price, fills limit
orders when marketable (or passively from a configurable point inside the spread), and keeps
its account in the ledger database so repeated runs evolve one local paper account.
Time only moves in `wait_for_update`: nothing here ever sleeps.
"""

from __future__ import annotations

import datetime as dt
import functools
import random
from collections.abc import Callable, Iterable, Sequence
from decimal import ROUND_DOWN, ROUND_UP, Decimal
from typing import Concatenate, ParamSpec, Protocol, TypeVar

import sqlalchemy as sa

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.errors import (
    BrokerConnectionError,
    DataError,
    InsufficientBuyingPowerError,
    MarketClosedError,
    OrderRejectedError,
)
from alchemiser.domain.trading import (
    SHARE_STEP,
    AccountSnapshot,
    AssetInfo,
    DuplicateClientOrderIdError,
    Fill,
    MarketClock,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Position,
    Quote,
    Side,
    Symbol,
    TimeInForce,
    UnknownOrderError,
    to_decimal,
)
from alchemiser.infrastructure.sim_broker.config import (
    FailCalls,
    MovePrice,
    RejectOrders,
    SimBrokerConfig,
)
from alchemiser.infrastructure.sim_broker.session import latest_session, market_clock, window_start
from alchemiser.infrastructure.sim_broker.store import (
    SimPosition,
    SimState,
    SimStore,
    StaleSimStateError,
)

_PENNY = Decimal("0.01")
_SUB_PENNY = Decimal("0.0001")
_BPS = Decimal("0.0001")


class SimStateStore(Protocol):
    """Where the account lives: `SimStore` (SQL, every call) or `MemorySimStore` (a replay)."""

    def load_or_create(self, initial_cash: Decimal, start: dt.datetime) -> SimState: ...

    def save(
        self,
        state: SimState,
        *,
        orders: Iterable[str],
        positions: Iterable[Symbol],
        fills: Iterable[Fill],
    ) -> None: ...

    def archived(self, order_id: str) -> Order | None:
        """A final order kept out of `SimState.orders`, by id."""
        ...

    def archived_by_client_id(self, client_order_id: str) -> Order | None: ...

    def fills(self) -> list[Fill]: ...

    def stored_version(self) -> int | None:
        """The account's version as stored now; None when no other process can write it."""
        ...


_P = ParamSpec("_P")
_R = TypeVar("_R")
_ATTEMPTS = 3
"""Runs of one call whose save collided with another process's write before it gives up."""


def _on_the_stored_account(
    call: Callable[Concatenate[SimBroker, _P], _R],
) -> Callable[Concatenate[SimBroker, _P], _R]:
    """Run a broker call on the account as the database holds it now.

    Why: a real broker is a server; every call sees what every client did before it. This
    instance may have loaded the account before another process wrote it: the `trade` refused
    by the cycle lock built its broker while the holder traded, a `trade` started just after
    another built its broker before taking the lock, a `status` moved simulated time. So each
    call re-reads the account when its stored version moved (one indexed read of one row), and a
    save that still collides (another write landed between that read and the save) rolled back
    whole and runs again on the account re-read."""

    @functools.wraps(call)
    def on_stored(self: SimBroker, /, *args: _P.args, **kwargs: _P.kwargs) -> _R:
        for attempt in range(1, _ATTEMPTS + 1):
            try:
                self._catch_up()
                return call(self, *args, **kwargs)
            except StaleSimStateError:  # the next attempt's catch-up re-reads the account
                if attempt == _ATTEMPTS:
                    raise
        raise AssertionError("unreachable")

    return on_stored


def _tick(price: Decimal) -> Decimal:
    return _PENNY if price >= 1 else _SUB_PENNY


class SimBroker:
    """Implements `application.ports.broker.Broker` in process, on simulated time."""

    def __init__(
        self,
        *,
        market_data: MarketDataSource,
        calendar: TradingCalendar,
        engine: sa.Engine | None = None,
        config: SimBrokerConfig | None = None,
        start_at: dt.datetime | None = None,
        window: tuple[str, str] = ("15:45", "12:45"),
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        store: SimStateStore | None = None,
    ) -> None:
        """`engine`: the database of the SQL store; `store` replaces it (a replay's memory)."""
        self._cfg = config or SimBrokerConfig()
        if self._cfg.fill_interval_seconds <= 0:
            raise ValueError("fill_interval_seconds must be positive")
        self._market_data = market_data
        self._calendar = calendar
        if store is None:
            if engine is None:
                raise ValueError("SimBroker needs an engine or a store")
            store = SimStore(engine, self._cfg.account_id)
        self._store: SimStateStore = store
        if start_at is None:
            session = latest_session(calendar, now())
            start_at = window_start(calendar, session, *window)
        self._state = self._store.load_or_create(self._cfg.initial_cash, start_at)
        self._saved_time = self._state.sim_time
        self._rng = random.Random(self._cfg.seed)
        self._fault_left = [getattr(f, "count", 1) for f in self._cfg.faults]
        self._prices: dict[Symbol, Decimal] = {}
        self._dirty_orders: set[str] = set()
        self._dirty_positions: set[Symbol] = set()
        self._new_fills: list[Fill] = []
        origin = max(self._state.sim_time, start_at)
        self._moves = sorted(
            (
                (origin + dt.timedelta(seconds=m.after_seconds), Symbol(m.symbol), m.factor)
                for m in self._cfg.faults
                if isinstance(m, MovePrice)
            ),
            key=lambda move: move[0],
        )
        self._factors: dict[Symbol, Decimal] = {}
        self._expiries: dict[dt.datetime, dt.datetime] = {}
        self._moves_applied = 0
        self._advance_to(origin)

    # -- Broker port: reads ---------------------------------------------------------------------
    @property
    def name(self) -> str:
        return "sim"

    @property
    def now(self) -> dt.datetime:
        return self._state.sim_time

    @_on_the_stored_account
    def account(self) -> AccountSnapshot:
        self._fault("account")
        self._sync()
        positions = self._positions()
        equity = self._state.cash + sum((p.market_value for p in positions), Decimal(0))
        return AccountSnapshot(
            account_id=self._cfg.account_id,
            equity=equity,
            cash=self._state.cash,
            buying_power=self._buying_power(positions),
            positions=positions,
            time=self.now,
        )

    @_on_the_stored_account
    def positions(self) -> tuple[Position, ...]:
        self._fault("positions")
        self._sync()
        return self._positions()

    def asset(self, symbol: Symbol) -> AssetInfo:
        symbol = Symbol(symbol)
        return AssetInfo(
            symbol=symbol,
            fractionable=symbol not in self._cfg.non_fractionable,
            tradable=symbol not in self._cfg.non_tradable,
        )

    def quote(self, symbol: Symbol) -> Quote:
        return self.quotes([symbol])[Symbol(symbol)]

    @_on_the_stored_account
    def quotes(self, symbols: Sequence[Symbol]) -> dict[Symbol, Quote]:
        self._fault("quotes")
        wanted = [Symbol(s) for s in symbols]
        self._load_prices(wanted)
        return {s: self._quote_at(s, self.now) for s in wanted}

    @_on_the_stored_account
    def clock(self) -> MarketClock:
        self._fault("clock")
        return market_clock(self._calendar, self.now)

    @_on_the_stored_account
    def get_order(self, order_id: str) -> Order:
        self._fault("get_order")
        self._sync()
        return self._order(order_id)

    @_on_the_stored_account
    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        self._fault("get_order_by_client_id")
        self._sync()
        for order in self._state.orders.values():
            if order.client_order_id == client_order_id:
                return order
        return self._store.archived_by_client_id(client_order_id)

    @_on_the_stored_account
    def open_orders(self) -> tuple[Order, ...]:
        self._fault("open_orders")
        self._sync()
        return tuple(o for o in self._state.orders.values() if not o.is_final)

    def fills(self) -> list[Fill]:
        """Every fill the simulated account ever had (tests, `status`)."""
        return self._store.fills()

    # -- Broker port: orders --------------------------------------------------------------------
    @_on_the_stored_account
    def submit_order(self, request: OrderRequest) -> Order:
        self._fault("submit_order")
        self._process_due()
        order = self._place(request)
        self._commit()
        self._fault("submit_order", after_effect=True)
        return order

    @_on_the_stored_account
    def cancel_order(self, order_id: str) -> None:
        self._fault("cancel_order")
        self._process_due()
        order = self._order(order_id)
        if order.is_final or order.status is OrderStatus.PENDING_CANCEL:
            pass
        elif self._cfg.cancel_latency_seconds > 0:
            delay = dt.timedelta(seconds=self._cfg.cancel_latency_seconds)
            self._set(order.advance(OrderStatus.PENDING_CANCEL, at=self.now), self.now + delay)
            self._commit()
        else:
            self._set(order.advance(OrderStatus.CANCELED, at=self.now), next_event=None)
            self._commit()
        self._fault("cancel_order", after_effect=True)

    @_on_the_stored_account
    def replace_order(
        self,
        order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
    ) -> Order:
        self._fault("replace_order")
        self._process_due()
        old = self._order(order_id)
        if old.is_final:
            raise OrderRejectedError(
                f"order {old.client_order_id} is {old.status} and cannot be replaced",
                context={"order_id": order_id, "ticker": str(old.symbol)},
            )
        request = OrderRequest(
            client_order_id=client_order_id,
            symbol=old.symbol,
            side=old.side,
            qty=qty if qty is not None else old.remaining_qty,
            order_type=old.order_type,
            limit_price=limit_price if limit_price is not None else old.limit_price,
            time_in_force=old.time_in_force,
        )
        previous_event = self._state.next_events.get(order_id)
        self._state.orders[order_id] = old.advance(OrderStatus.REPLACED, at=self.now)
        try:
            new = self._place(request)
        except Exception:
            self._state.orders[order_id] = old
            self._state.next_events[order_id] = previous_event
            raise
        self._set(old.advance(OrderStatus.REPLACED, at=self.now, replaced_by=new.id), None)
        self._commit()
        return new

    @_on_the_stored_account
    def wait_for_update(self, order_ids: Sequence[str], timeout_seconds: float) -> None:
        for order_id in order_ids:
            self._order(order_id)
        end = self.now + dt.timedelta(seconds=max(timeout_seconds, 0.0))
        self._run_until(
            end,
            done=(lambda: all(self._order(i).is_final for i in order_ids)) if order_ids else None,
        )

    # -- order placement ------------------------------------------------------------------------
    def _place(self, request: OrderRequest) -> Order:
        symbol, context = request.symbol, {"ticker": str(request.symbol)}
        if any(
            o.client_order_id == request.client_order_id for o in self._state.orders.values()
        ) or self._store.archived_by_client_id(request.client_order_id):
            raise DuplicateClientOrderIdError(
                f"client_order_id {request.client_order_id} already exists",
                context=context | {"client_order_id": request.client_order_id},
            )
        if symbol in self._cfg.non_tradable:
            raise OrderRejectedError(f"{symbol} is not tradable", context=context)
        if symbol in self._cfg.non_fractionable and request.qty != request.qty.to_integral_value():
            raise OrderRejectedError(
                f"{symbol} is not fractionable: qty {request.qty} must be whole shares",
                context=context | {"qty": str(request.qty)},
            )
        if self._cfg.enforce_market_hours and not self._calendar.is_open_at(self.now):
            raise MarketClosedError(
                f"market is closed at {self.now:%Y-%m-%d %H:%M} UTC (simulated time)",
                context=context | {"time": self.now.isoformat()},
            )
        self._load_prices([symbol])
        if request.side is Side.BUY:
            cost = request.qty * self._reserve_price(
                request.order_type, request.limit_price, symbol
            )
            available = self._buying_power(self._positions())
            if cost > available:
                raise InsufficientBuyingPowerError(
                    f"insufficient buying power for {symbol}: needs {cost:.2f}, "
                    f"available {max(available, Decimal(0)):.2f}",
                    context=context | {"code": 40310000},
                )
        elif not self._cfg.allow_short:
            held = self._state.positions.get(symbol)
            selling = sum(
                (
                    o.remaining_qty
                    for o in self._open()
                    if o.symbol == symbol and o.side is Side.SELL
                ),
                Decimal(0),
            )
            free = (held.qty if held else Decimal(0)) - selling
            if request.qty > free:
                raise OrderRejectedError(
                    f"insufficient qty available for {symbol}: requested {request.qty}, "
                    f"available {free}",
                    context=context,
                )
        order_id = f"sim-{self._state.next_order_seq:08d}"
        self._state.next_order_seq += 1
        order = Order.from_request(request, order_id=order_id, at=self.now)
        self._set(order, next_event=self.now + dt.timedelta(seconds=self._cfg.latency_seconds))
        self._process_due()
        return self._state.orders[order_id]

    def _reserve_price(
        self, order_type: OrderType, limit_price: Decimal | None, symbol: Symbol
    ) -> Decimal:
        if order_type is OrderType.LIMIT and limit_price is not None:
            return limit_price
        return self._quote_at(symbol, self.now).ask * (1 + self._cfg.market_buy_markup)

    def _buying_power(self, positions: Sequence[Position]) -> Decimal:
        """What a new buy may cost. A cash account (multiplier 1): cash less the holds of open
        buys. A margin account, as at Alpaca: multiplier × equity less the long market value
        and the holds, so cash can go negative once it is spent."""
        longs = sum((p.market_value for p in positions if p.qty > 0), Decimal(0))
        equity = self._state.cash + sum((p.market_value for p in positions), Decimal(0))
        power = self._cfg.margin_multiplier * equity - longs - self._reserved()
        return max(power, Decimal(0))

    def _reserved(self) -> Decimal:
        return sum(
            (
                o.remaining_qty * self._reserve_price(o.order_type, o.limit_price, o.symbol)
                for o in self._open()
                if o.side is Side.BUY
            ),
            Decimal(0),
        )

    # -- simulated time -------------------------------------------------------------------------
    def _run_until(self, end: dt.datetime, done: Callable[[], bool] | None = None) -> None:
        while True:
            self._process_due()
            if done is not None and done():
                break
            upcoming = self._next_event_time()
            if upcoming is None or upcoming > end:
                self._state.sim_time = max(self._state.sim_time, end)
                self._process_due()
                break
            self._state.sim_time = max(self._state.sim_time, upcoming)
        self._commit()

    def _next_event_time(self) -> dt.datetime | None:
        times = [m[0] for m in self._moves[self._moves_applied :]]
        for order in self._open():
            event = self._state.next_events.get(order.id)
            if event is not None:
                times.append(event)
            if order.time_in_force is TimeInForce.DAY:
                times.append(self._expiry(order))
        return min(times, default=None)

    def _process_due(self) -> None:
        now = self.now
        while self._moves_applied < len(self._moves) and self._moves[self._moves_applied][0] <= now:
            at, symbol, factor = self._moves[self._moves_applied]
            self._factors[symbol] = factor
            self._moves_applied += 1
            for order in self._open():
                if order.symbol == symbol and self._state.next_events.get(order.id) is None:
                    self._state.next_events[order.id] = at
        for order in list(self._open()):
            if order.time_in_force is TimeInForce.DAY and self._expiry(order) <= now:
                self._set(order.advance(OrderStatus.EXPIRED, at=self._expiry(order)), None)
                continue
            event = self._state.next_events.get(order.id)
            if event is not None and event <= now:
                self._handle(order, event)

    def _expiry(self, order: Order) -> dt.datetime:
        """The close a DAY order expires at (memoised: asked for every open order at every
        step of simulated time, and a function of the submission time alone)."""
        expiry = self._expiries.get(order.submitted_at)
        if expiry is None:
            expiry = market_clock(self._calendar, order.submitted_at).next_close
            self._expiries[order.submitted_at] = expiry
        return expiry

    def _handle(self, order: Order, at: dt.datetime) -> None:
        if order.status is OrderStatus.PENDING_CANCEL:
            self._finish_cancel(order, at)
            return
        if order.status in (OrderStatus.NEW, OrderStatus.PENDING_NEW):
            reason = self._scripted_rejection(order)
            if reason is not None:
                self._set(order.advance(OrderStatus.REJECTED, at=at, reject_reason=reason), None)
                return
            order = order.advance(OrderStatus.ACCEPTED, at=at)
            self._set(order, None)
        quote = self._quote_at(order.symbol, at)
        price, passive = self._match(order, quote)
        if price is None:
            self._set(order, None)  # rests until the price moves
            return
        interval = dt.timedelta(seconds=self._cfg.fill_interval_seconds)
        if passive and self._rng.random() >= float(self._cfg.passive_fill_probability):
            self._set(order, at + interval)
            return
        qty = self._fill_qty(order)
        order = self._fill(order, qty, price, at)
        self._set(order, None if order.is_final else at + interval)

    def _finish_cancel(self, order: Order, at: dt.datetime) -> None:
        """The end of an asynchronous cancel. Until the exchange confirms it the order still
        trades, as at Alpaca: a marketable (or passively filled) order fills first, and
        `cancel_fill_ratio` of what is left fills at its own price (a fill racing the cancel).
        Only what remains after that is canceled."""
        quote = self._quote_at(order.symbol, at)
        price, passive = self._match(order, quote)
        if price is not None and not (
            passive and self._rng.random() >= float(self._cfg.passive_fill_probability)
        ):
            order = self._fill(order, self._fill_qty(order), price, at)
        ratio = self._cfg.cancel_fill_ratio
        if not order.is_final and ratio > 0:
            step = Decimal(1) if order.symbol in self._cfg.non_fractionable else SHARE_STEP
            qty = min(
                (order.remaining_qty * ratio).quantize(step, rounding=ROUND_DOWN),
                order.remaining_qty,
            )
            if qty > 0:
                own = order.limit_price
                if own is None:
                    own = quote.ask if order.side is Side.BUY else quote.bid
                order = self._fill(order, qty, own, at)
        if not order.is_final:
            order = order.advance(OrderStatus.CANCELED, at=at)
        self._set(order, None)

    def _match(self, order: Order, quote: Quote) -> tuple[Decimal | None, bool]:
        """Fill price (None when not marketable) and whether the fill is passive."""
        if order.order_type is OrderType.MARKET or order.limit_price is None:
            return (quote.ask if order.side is Side.BUY else quote.bid), False
        limit, spread = order.limit_price, quote.spread
        if spread == 0:
            # A locked, frictionless market (spread_bps 0): the price need not lie on the tick
            # grid a limit must, so a limit less than one tick from it on its own side is at it.
            tick = _tick(quote.ask)
            at_price = (
                limit > quote.ask - tick if order.side is Side.BUY else limit < quote.bid + tick
            )
            return (quote.ask if order.side is Side.BUY else quote.bid) if at_price else None, False
        passive_at = spread * self._cfg.passive_fill_position
        if order.side is Side.BUY:
            if limit >= quote.ask:
                return quote.ask, False
            return (limit, True) if limit >= quote.bid + passive_at else (None, False)
        if limit <= quote.bid:
            return quote.bid, False
        return (limit, True) if limit <= quote.ask - passive_at else (None, False)

    def _fill_qty(self, order: Order) -> Decimal:
        remaining = order.remaining_qty
        ratio = self._cfg.partial_fill_ratio
        if ratio >= 1:
            return remaining
        step = Decimal(1) if order.symbol in self._cfg.non_fractionable else SHARE_STEP
        qty = max((remaining * ratio).quantize(step, rounding=ROUND_DOWN), step)
        return min(qty, remaining)

    def _fill(self, order: Order, qty: Decimal, price: Decimal, at: dt.datetime) -> Order:
        signed = qty if order.side is Side.BUY else -qty
        self._state.cash -= signed * price
        held = self._state.positions.get(order.symbol) or SimPosition(Decimal(0), Decimal(0))
        new_qty = held.qty + signed
        if new_qty == 0:
            self._state.positions.pop(order.symbol, None)
        else:
            if held.qty == 0 or (held.qty > 0) == (signed > 0):
                avg = (held.qty * held.avg_entry_price + signed * price) / new_qty
            elif (new_qty > 0) != (held.qty > 0):
                avg = price  # crossed through zero: the new side opened at this price
            else:
                avg = held.avg_entry_price
            self._state.positions[order.symbol] = SimPosition(new_qty, avg)
        self._dirty_positions.add(order.symbol)
        filled = order.filled_qty + qty
        average = (order.filled_value + qty * price) / filled
        status = OrderStatus.FILLED if filled == order.qty else OrderStatus.PARTIALLY_FILLED
        updated = order.advance(status, at=at, filled_qty=filled, filled_avg_price=average)
        self._new_fills.append(
            Fill(order.id, order.client_order_id, order.symbol, order.side, qty, price, at)
        )
        return updated

    # -- prices ---------------------------------------------------------------------------------
    def _load_prices(self, symbols: Sequence[Symbol]) -> None:
        missing = [s for s in symbols if s not in self._prices]
        if not missing:
            return
        found = self._market_data.latest_prices([str(s) for s in missing])
        for symbol in missing:
            raw = found.get(str(symbol))
            price = None if raw is None else to_decimal(raw, what=f"price of {symbol}")
            if price is None or price <= 0:
                raise DataError(
                    f"{symbol}: the market data source ({self._market_data.name}) has no price",
                    context={"ticker": str(symbol), "source": self._market_data.name},
                )
            self._prices[symbol] = price.quantize(_SUB_PENNY)

    def _quote_at(self, symbol: Symbol, at: dt.datetime) -> Quote:
        self._load_prices([symbol])
        mid = self._prices[symbol] * self._factors.get(symbol, Decimal(1))
        if self._cfg.spread_bps == 0:
            # Zero spread means zero: bid = ask = the price, off the tick grid if it is (the
            # replay's zero-cost parity with a backtest trading at the close depends on it).
            price = mid.quantize(_SUB_PENNY)
            return Quote(symbol=symbol, bid=price, ask=price, last=price, time=at)
        half = mid * self._cfg.spread_bps * _BPS / 2
        tick = _tick(mid)
        bid = max((mid - half).quantize(tick, rounding=ROUND_DOWN), tick)
        ask = (mid + half).quantize(tick, rounding=ROUND_UP)
        if ask <= bid:
            ask = bid + tick
        return Quote(symbol=symbol, bid=bid, ask=ask, last=mid.quantize(tick), time=at)

    # -- state ----------------------------------------------------------------------------------
    def _positions(self) -> tuple[Position, ...]:
        held = sorted(self._state.positions.items())
        self._load_prices([s for s, _ in held])
        return tuple(
            Position(s, p.qty, p.avg_entry_price, self._quote_at(s, self.now).mid) for s, p in held
        )

    def _open(self) -> list[Order]:
        return [o for o in self._state.orders.values() if not o.is_final]

    def _order(self, order_id: str) -> Order:
        order = self._state.orders.get(order_id) or self._store.archived(order_id)
        if order is None:
            raise UnknownOrderError(
                f"order {order_id} is unknown to the simulated broker",
                context={"order_id": order_id},
            )
        return order

    def _set(self, order: Order, next_event: dt.datetime | None) -> None:
        self._state.orders[order.id] = order
        self._state.next_events[order.id] = next_event
        self._dirty_orders.add(order.id)

    @_on_the_stored_account
    def _advance_to(self, moment: dt.datetime) -> None:
        self._run_until(moment)

    def _catch_up(self) -> None:
        """Re-read the account when another process wrote it since this instance last did."""
        stored = self._store.stored_version()
        if stored is not None and stored != self._state.version:
            self._reload()

    def _reload(self) -> None:
        """The account as stored, at no earlier a simulated time than this instance had reached
        (the clock never goes back). Unsaved changes are dropped: each call saves what it
        changed before it returns, so there are none but those of a call that failed."""
        reached = self._state.sim_time
        self._state = self._store.load_or_create(self._cfg.initial_cash, reached)
        self._dirty_orders.clear()
        self._dirty_positions.clear()
        self._new_fills = []
        self._saved_time = self._state.sim_time
        if self._state.sim_time < reached:
            self._run_until(reached)

    def _sync(self) -> None:
        """Apply what is due at the current simulated time and persist it."""
        self._process_due()
        self._commit()

    def _commit(self) -> None:
        nothing_new = not (self._dirty_orders or self._dirty_positions or self._new_fills)
        if nothing_new and self._saved_time == self._state.sim_time:
            return  # a read-only instance (e.g. `status`) must not bump the account version
        self._store.save(
            self._state,
            orders=sorted(self._dirty_orders),
            positions=sorted(self._dirty_positions),
            fills=self._new_fills,
        )
        self._dirty_orders.clear()
        self._dirty_positions.clear()
        self._new_fills = []
        self._saved_time = self._state.sim_time

    # -- scripted faults ------------------------------------------------------------------------
    def _fault(self, operation: str, *, after_effect: bool = False) -> None:
        for i, fault in enumerate(self._cfg.faults):
            if (
                isinstance(fault, FailCalls)
                and fault.operation == operation
                and fault.after_effect == after_effect
                and self._fault_left[i] > 0
            ):
                self._fault_left[i] -= 1
                raise BrokerConnectionError(
                    f"simulated connection failure in {operation}"
                    + (" (after the broker acted)" if after_effect else ""),
                    context={"operation": operation},
                )

    def _scripted_rejection(self, order: Order) -> str | None:
        for i, fault in enumerate(self._cfg.faults):
            if (
                isinstance(fault, RejectOrders)
                and self._fault_left[i] > 0
                and fault.symbol in (None, order.symbol)
                and fault.order_type in (None, order.order_type)
                and fault.side in (None, order.side)
            ):
                self._fault_left[i] -= 1
                return fault.reason
        return None
