"""One way to write money, prices, quantities and percentages in every command's output.

A trader comparing `trade`, `status`, `history` and `backtest` must read the same figure the
same way: money is `$12,345.67` (a minus before the dollar sign), a price keeps the digits the
broker quoted but at least cents (`$187.50`, `$0.1234`), a quantity is the exact decimal
without trailing zeros (`10`, `0.5`, `12.345678`), a weight or return is a percentage.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

Number = Decimal | float | int


def _decimal(value: Number) -> Decimal:
    # str() first: a float keeps its shortest repr (0.1 → 0.1), not its binary expansion
    return value if isinstance(value, Decimal) else Decimal(str(value))


def money(value: Number) -> str:
    """`$12,345.67`, `-$3.50`: cents (half a cent rounds up, as on a statement)."""
    amount = _decimal(value).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)
    sign = "-" if amount < 0 else ""
    return f"{sign}${abs(amount):,.2f}"


def price(value: Number) -> str:
    """A quote or fill price: at least cents, more digits only when the price has them."""
    exact = _decimal(value).normalize()
    places = max(2, -exact.as_tuple().exponent) if exact.is_finite() else 2  # type: ignore[operator]
    sign = "-" if exact < 0 else ""
    return f"{sign}${abs(exact):,.{places}f}"


def quantity(value: Number) -> str:
    """Shares as the exact decimal: `10`, `0.5`, `1,250`, `12.345678` (no trailing zeros)."""
    exact = _decimal(value).normalize()
    if exact == exact.to_integral_value():
        return f"{exact:,.0f}"
    return f"{exact:,f}"


def percent(value: float | Decimal, places: int = 2) -> str:
    """A weight, return or drift: `12.34%`."""
    return f"{float(value):.{places}%}"
