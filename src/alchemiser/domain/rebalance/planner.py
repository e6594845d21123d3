"""The rebalancing plan of SPEC §6: a pure function from holdings and targets to orders.

V = cash + Σ market values (a short counts negative); target_i = V·(1 − reserve)·w_i;
delta_i = target_i − current_i. Small trades are skipped, except that a held ticker with no
target is always closed in full. Sells come first; buys are re-sized after the sells settle
(see `buy_sizing`), so the buy quantities here are an estimate at decision prices.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
from decimal import Decimal
from enum import StrEnum

from alchemiser.domain.errors import DataQualityError, StrategyError
from alchemiser.domain.rebalance.parameters import PlanParameters
from alchemiser.domain.rebalance.quantities import cents_towards_zero, shares_for
from alchemiser.domain.trading.order import Side
from alchemiser.domain.trading.position import Position
from alchemiser.domain.trading.values import Money, Price, Quantity, Symbol, Weight, to_decimal

WEIGHT_SUM_TOLERANCE = Decimal("0.000001")


class SkipReason(StrEnum):
    BELOW_MIN_DRIFT = "below_min_drift"
    BELOW_MIN_ORDER_VALUE = "below_min_order_value"
    ROUNDS_TO_ZERO = "rounds_to_zero_shares"


@dataclass(frozen=True, slots=True)
class PlannedTrade:
    symbol: Symbol
    side: Side
    qty: Quantity
    """Shares at `price`; for buys an estimate until `size_buys` re-sizes them."""
    price: Price
    delta_value: Money
    """Signed dollars the plan wants to move (target − current, cents toward zero)."""
    current_value: Money
    target_value: Money
    current_weight: Weight
    target_weight: Weight
    fractionable: bool
    closes_position: bool = False

    @property
    def value(self) -> Money:
        """Dollars this trade moves: |delta| (the whole position when closing)."""
        return abs(self.delta_value)


@dataclass(frozen=True, slots=True)
class SkippedTrade:
    symbol: Symbol
    delta_value: Money
    delta_weight: Weight
    reason: SkipReason


@dataclass(frozen=True, slots=True)
class RebalancePlan:
    portfolio_value: Money
    investable_value: Money
    cash: Money
    trades: tuple[PlannedTrade, ...]
    """Sells first, then buys; each group sorted by symbol."""
    skipped: tuple[SkippedTrade, ...]
    target_weights: Mapping[Symbol, Weight]

    @property
    def sells(self) -> tuple[PlannedTrade, ...]:
        return tuple(t for t in self.trades if t.side is Side.SELL)

    @property
    def buys(self) -> tuple[PlannedTrade, ...]:
        return tuple(t for t in self.trades if t.side is Side.BUY)

    @property
    def is_empty(self) -> bool:
        return not self.trades


def plan_rebalance(
    *,
    positions: Iterable[Position],
    cash: Money,
    targets: Mapping[str, Weight | float],
    prices: Mapping[str, Price] | None = None,
    fractionable: Mapping[str, bool] | None = None,
    params: PlanParameters | None = None,
) -> RebalancePlan:
    """Orders that bring `positions` + `cash` to `targets` (weights of V; the rest is cash).

    `prices`: decision-time price per symbol; required for targets not held, and preferred
    over a position's own market price when given. `fractionable`: per symbol; a symbol
    missing from it trades in whole shares (the safe assumption).
    """
    params = params or PlanParameters()
    prices = {Symbol(s): p for s, p in (prices or {}).items()}
    fractions = {Symbol(s): f for s, f in (fractionable or {}).items()}
    weights = _validated_weights(targets)
    held = {p.symbol: p for p in positions if p.qty != 0}

    def price_of(symbol: Symbol) -> Price:
        price = prices.get(symbol) or (held[symbol].market_price if symbol in held else None)
        if price is None or price <= 0:
            raise DataQualityError(
                f"{symbol}: no usable price to plan the rebalance (got {price})",
                context={"ticker": str(symbol)},
                suggested_action="Check the market data source has a current price for it.",
            )
        return price

    values = {s: p.qty * price_of(s) for s, p in held.items()}
    portfolio_value = cash + sum(values.values(), Money(0))
    if portfolio_value <= 0:
        raise DataQualityError(
            f"portfolio value is {portfolio_value}: nothing to rebalance",
            context={"cash": str(cash), "portfolio_value": str(portfolio_value)},
            suggested_action="Check the account balances at the broker.",
        )
    investable = portfolio_value * (1 - params.cash_reserve)

    trades: list[PlannedTrade] = []
    skipped: list[SkippedTrade] = []
    unfunded: dict[Symbol, PlannedTrade] = {}
    for symbol in sorted(set(held) | set(weights)):
        weight = weights.get(symbol, Decimal(0))
        current = values.get(symbol, Money(0))
        exact_target = investable * weight
        target = cents_towards_zero(exact_target)
        # From the exact target: a floored target would make a sell up to a cent larger.
        delta = cents_towards_zero(exact_target - current)

        base = PlannedTrade(
            symbol=symbol,
            side=Side.BUY if delta > 0 else Side.SELL,
            qty=Quantity(0),
            price=price_of(symbol),
            delta_value=delta,
            current_value=current,
            target_value=target,
            current_weight=current / portfolio_value,
            target_weight=weight,
            fractionable=fractions.get(symbol, False),
        )
        if symbol in held and weight == 0:
            qty = held[symbol].qty
            side = Side.SELL if qty > 0 else Side.BUY
            trades.append(replace(base, side=side, qty=abs(qty), closes_position=True))
            continue
        delta_weight = delta / portfolio_value
        reason = _skip_reason(delta, delta_weight, params)
        qty = Quantity(0)
        if reason is None:
            qty = shares_for(abs(delta), base.price, fractionable=base.fractionable)
            if delta < 0:
                qty = min(qty, held[symbol].qty)  # never sell more than held
            if qty <= 0:
                reason = SkipReason.ROUNDS_TO_ZERO
        if reason is not None:
            skipped.append(SkippedTrade(symbol, delta, delta_weight, reason))
            # Only a sell held back by the drift band may fund buys: one below the minimum
            # order value stays skipped (the broker refuses or mis-sizes such an order).
            if (
                reason is SkipReason.BELOW_MIN_DRIFT
                and delta < 0
                and -delta >= params.min_order_value
                and symbol in held
            ):
                unfunded[symbol] = base
            continue
        trades.append(replace(base, qty=qty))

    kept_cash = portfolio_value - investable * sum(weights.values(), Decimal(0))
    funding = _fund_buys(trades, unfunded, cash - kept_cash, held, params.min_order_value)
    trades += funding
    funded = {t.symbol for t in funding}
    skipped = [s for s in skipped if s.symbol not in funded]

    trades.sort(key=lambda t: (t.side is Side.BUY, t.symbol))
    return RebalancePlan(
        portfolio_value=portfolio_value,
        investable_value=investable,
        cash=cash,
        trades=tuple(trades),
        skipped=tuple(skipped),
        target_weights=weights,
    )


def _fund_buys(
    trades: list[PlannedTrade],
    skipped_sells: Mapping[Symbol, PlannedTrade],
    spare_cash: Money,
    held: Mapping[Symbol, Position],
    min_order_value: Decimal,
) -> list[PlannedTrade]:
    """Sells skipped as small, brought back (largest first) while the planned buys need more
    than the spare cash and the planned sells provide (by at least the minimum order value):
    otherwise small overweights that each stay under the thresholds leave a large buy unfunded,
    and the account never reaches its target."""
    need = sum((t.delta_value for t in trades if t.side is Side.BUY), Money(0))
    available = spare_cash + sum(
        (t.qty * t.price if t.closes_position else -t.delta_value)
        for t in trades
        if t.side is Side.SELL
    )
    added: list[PlannedTrade] = []
    for base in sorted(skipped_sells.values(), key=lambda t: (t.delta_value, t.symbol)):
        if need - available < max(min_order_value, Decimal("0.01")):
            break
        qty = shares_for(abs(base.delta_value), base.price, fractionable=base.fractionable)
        qty = min(qty, held[base.symbol].qty)
        if qty <= 0:
            continue
        added.append(replace(base, qty=qty))
        available += -base.delta_value
    return added


def _skip_reason(delta: Money, delta_weight: Weight, params: PlanParameters) -> SkipReason | None:
    if abs(delta_weight) < params.min_drift:
        return SkipReason.BELOW_MIN_DRIFT
    if abs(delta) < params.min_order_value or delta == 0:
        return SkipReason.BELOW_MIN_ORDER_VALUE
    return None


def _validated_weights(targets: Mapping[str, Weight | float]) -> dict[Symbol, Weight]:
    weights: dict[Symbol, Weight] = {}
    for ticker, raw in targets.items():
        symbol = Symbol(ticker)
        weight = to_decimal(raw, what=f"target weight of {symbol}")
        if weight < 0:
            raise StrategyError(
                f"target weight of {symbol} is negative ({weight}); targets are long-only",
                context={"ticker": str(symbol)},
            )
        weights[symbol] = weights.get(symbol, Decimal(0)) + weight
    total = sum(weights.values(), Decimal(0))
    if total > 1 + WEIGHT_SUM_TOLERANCE:
        raise StrategyError(
            f"target weights sum to {total}, more than 1",
            context={"total": str(total)},
            suggested_action="Check the portfolio allocations and the symphonies' weights.",
        )
    return {s: w for s, w in weights.items() if w > 0}
