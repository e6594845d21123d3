"""Limit prices of the smart ladder and the slippage guard (SPEC §7).

Positions on the book are measured in spreads from the near touch: 0 = our side (bid for a
buy), 1 = the far touch (ask for a buy). Step k of n goes linearly from `aggressiveness` to
1.5 (half a spread across the far touch), so the last limit is marketable.
"""

from __future__ import annotations

from decimal import ROUND_DOWN, ROUND_UP, Decimal

from alchemiser.domain.trading import Price, Quote, Side

CROSS_POSITION = Decimal("1.5")
_PENNY = Decimal("0.01")
_SUB_PENNY = Decimal("0.0001")
_BPS = Decimal("0.0001")


def ladder_position(step: int, steps: int, aggressiveness: Decimal) -> Decimal:
    if steps <= 1:
        return aggressiveness
    return aggressiveness + (CROSS_POSITION - aggressiveness) * Decimal(step) / Decimal(steps - 1)


def tick_round(price: Price, side: Side) -> Price:
    """To the exchange tick ($0.01, or $0.0001 under $1), towards the less aggressive side."""
    tick = _PENNY if price >= 1 else _SUB_PENNY
    rounding = ROUND_DOWN if side is Side.BUY else ROUND_UP
    return max(price.quantize(tick, rounding=rounding), tick)


def worst_acceptable(decision_price: Price, side: Side, max_slippage_bps: Decimal) -> Price:
    """The furthest price from the decision price we accept for `side`."""
    move = decision_price * max_slippage_bps * _BPS
    return decision_price + move if side is Side.BUY else decision_price - move


def ran_away(quote: Quote, side: Side, decision_price: Price, max_slippage_bps: Decimal) -> bool:
    """True when the mid moved against us beyond the slippage limit."""
    limit = worst_acceptable(decision_price, side, max_slippage_bps)
    return quote.mid > limit if side is Side.BUY else quote.mid < limit


def limit_price(
    quote: Quote,
    side: Side,
    *,
    step: int,
    steps: int,
    aggressiveness: Decimal,
    decision_price: Price,
    max_slippage_bps: Decimal,
) -> Price:
    """The limit of ladder `step`, never beyond the slippage bound."""
    offset = quote.spread * ladder_position(step, steps, aggressiveness)
    raw = quote.bid + offset if side is Side.BUY else quote.ask - offset
    bound = worst_acceptable(decision_price, side, max_slippage_bps)
    capped = min(raw, bound) if side is Side.BUY else max(raw, bound)
    return tick_round(capped, side)
