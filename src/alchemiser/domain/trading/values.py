"""Money, quantities, weights and symbols at the broker boundary.

Money and quantities are `Decimal` so a cent or a 1e-6 share is exact; the aliases name intent
in signatures, `to_decimal` is the one gate that turns user/broker numbers into them (floats go
through `repr`, so 0.1 stays 0.1 and not 0.1000000000000000055…).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation
from typing import TypeAlias

from alchemiser.domain.errors import DataQualityError

Money: TypeAlias = Decimal
"""An amount of US dollars (equity, cash, order value)."""
Price: TypeAlias = Decimal
"""Dollars per share."""
Quantity: TypeAlias = Decimal
"""Shares; negative for a short position. Fractional to 6 dp when the asset allows it."""
Weight: TypeAlias = Decimal
"""Fraction of portfolio value (0.25 = 25 %)."""

CENT = Decimal("0.01")
SHARE_STEP = Decimal("0.000001")
"""Smallest fractional share Alpaca accepts (6 decimal places)."""

_SYMBOL = re.compile(r"^[A-Z][A-Z0-9]{0,9}(?:[./-][A-Z0-9]{1,6})?$")


def to_decimal(value: Decimal | int | float | str, *, what: str = "value") -> Decimal:
    """Exact Decimal of `value`; NaN, infinities and unparsable text raise DataQualityError."""
    if isinstance(value, bool):
        raise DataQualityError(f"{what} must be a number, got {value!r}", context={what: value})
    try:
        number = (
            value
            if isinstance(value, Decimal)
            else Decimal(repr(value) if isinstance(value, float) else str(value))
        )
    except (InvalidOperation, ValueError):
        raise DataQualityError(
            f"{what} must be a number, got {value!r}", context={what: str(value)}
        ) from None
    if not number.is_finite():
        raise DataQualityError(f"{what} must be finite, got {value!r}", context={what: str(value)})
    return number


def to_weight(value: Decimal | int | float | str, *, what: str = "weight") -> Weight:
    """A target weight: a finite number in [0, 1]."""
    number = to_decimal(value, what=what)
    if number < 0 or number > 1:
        raise DataQualityError(
            f"{what} must be between 0 and 1, got {value}", context={what: str(value)}
        )
    return number


class Symbol(str):
    """A ticker, upper-cased: `brk.b` → `BRK.B`. Equal to (and hashes as) the plain string.

    Accepts class-share and crypto forms (BRK.B, BRK-B, BTC/USD); rejects empty, spaced or
    punctuated garbage with an error naming the input, so a typo never reaches an order.
    """

    __slots__ = ()

    def __new__(cls, value: str) -> Symbol:
        if isinstance(value, Symbol):
            return value
        if not isinstance(value, str):
            raise DataQualityError(
                f"ticker must be text, got {value!r}", context={"ticker": repr(value)}
            )
        text = value.strip().upper()
        if not _SYMBOL.match(text):
            raise DataQualityError(
                f"invalid ticker {value!r}: expected letters/digits like AAPL or BRK.B",
                context={"ticker": value},
                suggested_action="Check the ticker spelling in the symphony or portfolio file.",
            )
        return super().__new__(cls, text)
