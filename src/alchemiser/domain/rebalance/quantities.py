"""Share rounding: whole shares or 6 dp, always towards the smaller trade (SPEC §6)."""

from __future__ import annotations

from decimal import ROUND_DOWN, Decimal

from alchemiser.domain.trading.values import CENT, SHARE_STEP, Money, Quantity

_WHOLE = Decimal(1)


def shares_for(value: Money, price: Decimal, *, fractionable: bool) -> Quantity:
    """Shares worth at most `value` at `price` (value ≥ 0, price > 0)."""
    step = SHARE_STEP if fractionable else _WHOLE
    return (value / price).quantize(step, rounding=ROUND_DOWN)


def cents_towards_zero(value: Money) -> Money:
    return value.quantize(CENT, rounding=ROUND_DOWN)
