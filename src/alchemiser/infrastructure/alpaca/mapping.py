"""alpaca-py models ↔ our domain types. Alpaca's types never leave this package.

Alpaca sends money and quantities as strings (sometimes floats); they become `Decimal` through
`to_decimal`, which goes through `repr` for floats so 0.1 stays 0.1.
"""

from __future__ import annotations

import datetime as dt
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal
from typing import Any

from alpaca.data.models import Quote as AlpacaQuote
from alpaca.trading.enums import OrderSide as AlpacaSide
from alpaca.trading.enums import TimeInForce as AlpacaTimeInForce
from alpaca.trading.models import Asset as AlpacaAsset
from alpaca.trading.models import Clock as AlpacaClock
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition
from alpaca.trading.models import TradeAccount
from alpaca.trading.requests import LimitOrderRequest, MarketOrderRequest

from alchemiser.domain.redaction import mask_identifier
from alchemiser.domain.trading import (
    AccountSnapshot,
    AssetInfo,
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
    to_decimal,
)

_ZERO = Decimal(0)
_STATUS = {s.value: s for s in OrderStatus}
# Rare Alpaca states, mapped to the nearest state we act on (still working, or done).
_STATUS_ALIASES = {
    "accepted_for_bidding": OrderStatus.ACCEPTED,
    "stopped": OrderStatus.ACCEPTED,
    "suspended": OrderStatus.ACCEPTED,
    "held": OrderStatus.ACCEPTED,
    "pending_review": OrderStatus.PENDING_NEW,
}
_TIME_IN_FORCE = {t.value: t for t in TimeInForce}


def _value(raw: Any) -> str:
    """The plain value of an alpaca-py enum member or string."""
    return str(getattr(raw, "value", raw))


def _decimal(raw: Any, what: str, default: Decimal | None = None) -> Decimal:
    if raw is None or raw == "":
        if default is None:
            raise ValueError(f"Alpaca sent no {what}")
        return default
    return to_decimal(raw, what=what)


def _utc(moment: dt.datetime) -> dt.datetime:
    return moment.replace(tzinfo=dt.UTC) if moment.tzinfo is None else moment.astimezone(dt.UTC)


def order_status(raw: Any, *, filled_qty: Decimal, qty: Decimal) -> OrderStatus:
    value = _value(raw)
    if value == "calculated":
        return OrderStatus.FILLED if filled_qty >= qty else OrderStatus.DONE_FOR_DAY
    status = _STATUS.get(value) or _STATUS_ALIASES.get(value)
    if status is None:
        raise ValueError(f"unknown Alpaca order status {value!r}")
    if status is OrderStatus.ACCEPTED and value == "stopped" and filled_qty > 0:
        return OrderStatus.PARTIALLY_FILLED
    return status


def to_order(order: AlpacaOrder) -> Order:
    filled = _decimal(order.filled_qty, "filled_qty", _ZERO)
    # A notional order has no qty until it fills; what it filled is then all it is.
    qty = _decimal(order.qty, "qty", filled)
    type_value = _value(order.order_type or order.type)
    limit = None if order.limit_price is None else _decimal(order.limit_price, "limit_price")
    order_type = OrderType.MARKET if type_value == "market" else OrderType.LIMIT
    if order_type is OrderType.LIMIT and limit is None:
        order_type = OrderType.MARKET  # stop/trailing orders placed by hand: no limit to show
    avg = order.filled_avg_price
    submitted = _utc(order.submitted_at or order.created_at)
    return Order(
        id=str(order.id),
        client_order_id=order.client_order_id,
        symbol=Symbol(order.symbol or ""),
        side=Side(_value(order.side)),
        qty=qty,
        order_type=order_type,
        status=order_status(order.status, filled_qty=filled, qty=qty),
        submitted_at=submitted,
        updated_at=_utc(order.updated_at or submitted),
        limit_price=limit if order_type is OrderType.LIMIT else None,
        time_in_force=_TIME_IN_FORCE.get(_value(order.time_in_force), TimeInForce.DAY),
        filled_qty=filled,
        filled_avg_price=None if avg is None or filled == 0 else _decimal(avg, "filled_avg_price"),
        replaced_by=None if order.replaced_by is None else str(order.replaced_by),
    )


def to_position(position: AlpacaPosition) -> Position:
    qty = _decimal(position.qty, "qty")
    if _value(position.side) == "short" and qty > 0:
        qty = -qty
    avg = _decimal(position.avg_entry_price, "avg_entry_price")
    if position.current_price not in (None, ""):
        price = _decimal(position.current_price, "current_price")
    elif position.market_value not in (None, "") and qty != 0:
        price = _decimal(position.market_value, "market_value") / qty
    else:
        price = avg
    return Position(
        symbol=Symbol(position.symbol), qty=qty, avg_entry_price=avg, market_price=price
    )


def to_account(account: TradeAccount, positions: tuple[Position, ...]) -> AccountSnapshot:
    """The account with its number masked.

    Buying power is capped at cash: a margin account's 2-4× buying power is never spent as if it
    were cash (SPEC §12), while holds for open orders (already netted by Alpaca) still count.
    """
    cash = _decimal(account.cash, "cash", _ZERO)
    buying_power = _decimal(account.buying_power, "buying_power", _ZERO)
    restricted = bool(account.trade_suspended_by_user) or _value(account.status) != "ACTIVE"
    return AccountSnapshot(
        account_id=mask_identifier(account.account_number or str(account.id)),
        equity=_decimal(account.equity, "equity", _ZERO),
        cash=cash,
        buying_power=max(_ZERO, min(buying_power, cash)),
        positions=positions,
        trading_blocked=bool(account.trading_blocked) or restricted,
        account_blocked=bool(account.account_blocked),
        time=dt.datetime.now(dt.UTC),
        currency=account.currency or "USD",
    )


def to_asset(asset: AlpacaAsset) -> AssetInfo:
    return AssetInfo(
        symbol=Symbol(asset.symbol),
        fractionable=bool(asset.fractionable),
        tradable=bool(asset.tradable) and _value(asset.status) == "active",
    )


def to_clock(clock: AlpacaClock) -> MarketClock:
    return MarketClock(
        now=_utc(clock.timestamp),
        is_open=bool(clock.is_open),
        next_open=_utc(clock.next_open),
        next_close=_utc(clock.next_close),
    )


def to_quote(symbol: str, quote: AlpacaQuote) -> Quote:
    return Quote(
        symbol=Symbol(symbol),
        bid=_decimal(quote.bid_price, "bid_price"),
        ask=_decimal(quote.ask_price, "ask_price"),
        time=_utc(quote.timestamp),
    )


def alpaca_limit_price(price: Decimal, side: Side) -> Decimal:
    """Alpaca's price grid (cents from $1, 1/100 cent below), rounded to the less aggressive
    side so that rounding never pays more (buy) or accepts less (sell) than asked."""
    step = Decimal("0.01") if price >= 1 else Decimal("0.0001")
    rounding = ROUND_FLOOR if side is Side.BUY else ROUND_CEILING
    return price.quantize(step, rounding=rounding)


def to_alpaca_request(request: OrderRequest) -> MarketOrderRequest | LimitOrderRequest:
    """alpaca-py's request; quantities travel as floats there (repr-exact for 6-dp values)."""
    common: dict[str, Any] = {
        "symbol": str(request.symbol),
        "qty": float(request.qty),
        "side": AlpacaSide(request.side.value),
        "time_in_force": AlpacaTimeInForce(request.time_in_force.value),
        "client_order_id": request.client_order_id,
    }
    if request.order_type is OrderType.LIMIT:
        assert request.limit_price is not None  # OrderRequest guarantees it
        price = alpaca_limit_price(request.limit_price, request.side)
        return LimitOrderRequest(limit_price=float(price), **common)
    return MarketOrderRequest(**common)
