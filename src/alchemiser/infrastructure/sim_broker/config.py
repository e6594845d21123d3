"""How the simulated broker behaves: spread, latency, partial fills, rejections and faults.

Everything random draws from one `random.Random(seed)`, and scripted faults fire in order, so
a test can script an exact sequence of events and get it every time.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal

from alchemiser.application.settings import SimBrokerSettings
from alchemiser.domain.trading import OrderType, Side


@dataclass(frozen=True, slots=True)
class RejectOrders:
    """The next `count` matching orders are accepted, then REJECTED after the latency."""

    symbol: str | None = None
    order_type: OrderType | None = None
    side: Side | None = None
    count: int = 1
    reason: str = "rejected by the simulated exchange"


@dataclass(frozen=True, slots=True)
class FailCalls:
    """The next `count` calls of `operation` raise BrokerConnectionError.

    `after_effect=True` makes the failure ambiguous: the call takes effect (the order exists)
    and only the answer is lost, as with a timeout after the request reached the broker.
    """

    operation: str
    count: int = 1
    after_effect: bool = False


@dataclass(frozen=True, slots=True)
class MovePrice:
    """`after_seconds` of simulated time after the broker starts, `symbol` trades at
    `factor` × its decision-time price (slippage scenarios)."""

    symbol: str
    after_seconds: float
    factor: Decimal


Fault = RejectOrders | FailCalls | MovePrice


@dataclass(frozen=True, slots=True)
class SimBrokerConfig:
    account_id: str = "sim"
    initial_cash: Decimal = Decimal("100000")
    spread_bps: Decimal = Decimal("10")
    """Full bid/ask spread around the price, in basis points. 0 is a frictionless market: bid =
    ask = the price (not rounded to the tick), and a limit within one tick of it fills at it."""
    latency_seconds: float = 0.2
    """Simulated time between submission and the order reaching the book."""
    partial_fill_ratio: Decimal = Decimal("1")
    """Share of the remaining quantity filled per fill event (1 = all at once)."""
    cancel_latency_seconds: float = 0.0
    """Time a cancel spends in PENDING_CANCEL before it is confirmed. The order trades until
    then: a marketable order fills, and `cancel_fill_ratio` of the rest fills at its price."""
    cancel_fill_ratio: Decimal = Decimal("0")
    """Share of an order's remainder filled while its cancel is pending (a fill racing the
    cancel, as real exchanges do); 0 = only marketable orders fill meanwhile."""
    margin_multiplier: Decimal = Decimal("1")
    """1 = cash account. 2 or 4 = a margin account (every Alpaca paper account is one): buying
    power is multiplier × equity less longs and holds, and cash may go negative."""
    fill_interval_seconds: float = 1.0
    """Simulated time between two partial fills of the same order."""
    passive_fill_position: Decimal = Decimal("0.5")
    """A limit at least this far into the spread (0 = own touch, 0.5 = mid, 1 = far touch)
    can fill at its own price without the market moving."""
    passive_fill_probability: Decimal = Decimal("1")
    """Chance per fill event that such a passive limit fills (seeded)."""
    market_buy_markup: Decimal = Decimal("0.03")
    """Buying power a market buy needs above the ask (Alpaca checks 2.5–4 % above price)."""
    enforce_market_hours: bool = True
    allow_short: bool = False
    non_fractionable: frozenset[str] = frozenset()
    non_tradable: frozenset[str] = frozenset()
    seed: int = 7
    faults: tuple[Fault, ...] = field(default=())


def config_from_settings(settings: SimBrokerSettings) -> SimBrokerConfig:
    """The user-facing settings section as a simulation config (faults stay test-only)."""
    return SimBrokerConfig(
        account_id=settings.account_id,
        initial_cash=settings.initial_cash,
        spread_bps=settings.spread_bps,
        latency_seconds=settings.latency_seconds,
        partial_fill_ratio=settings.partial_fill_ratio,
        cancel_latency_seconds=settings.cancel_latency_seconds,
        cancel_fill_ratio=settings.cancel_fill_ratio,
        margin_multiplier=settings.margin_multiplier,
        fill_interval_seconds=settings.fill_interval_seconds,
        passive_fill_probability=settings.passive_fill_probability,
        market_buy_markup=settings.market_buy_markup,
        non_fractionable=frozenset(s.upper() for s in settings.non_fractionable),
        seed=settings.seed,
    )
