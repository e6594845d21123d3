"""One money, price, quantity and percent format across commands (issue 16), hand-worked."""

from __future__ import annotations

from decimal import Decimal

import pytest

from alchemiser.interface.cli.render.numbers import money, percent, price, quantity


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("12345.67"), "$12,345.67"),
        (Decimal("-3.5"), "-$3.50"),
        (Decimal("0.005"), "$0.01"),  # half a cent rounds up (half-even would show $0.00)
        (1234567.891, "$1,234,567.89"),
        (0, "$0.00"),
    ],
)
def test_money(value: Decimal | float, shown: str) -> None:
    assert money(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("187.5"), "$187.50"),
        (Decimal("3444.1234"), "$3,444.1234"),
        (Decimal("0.123400"), "$0.1234"),
        (Decimal("100"), "$100.00"),
        (412.3, "$412.30"),
    ],
)
def test_price(value: Decimal | float, shown: str) -> None:
    assert price(value) == shown


@pytest.mark.parametrize(
    ("value", "shown"),
    [
        (Decimal("10.000000"), "10"),
        (Decimal("0.5"), "0.5"),
        (Decimal("1250"), "1,250"),
        (Decimal("12.345678"), "12.345678"),
        (Decimal("1E+2"), "100"),
        (0.1, "0.1"),
        (Decimal("-3.25"), "-3.25"),
    ],
)
def test_quantity_is_the_exact_decimal_without_trailing_zeros(
    value: Decimal | float, shown: str
) -> None:
    assert quantity(value) == shown


def test_percent() -> None:
    assert percent(0.12345) == "12.35%"
    assert percent(Decimal("0.5"), 0) == "50%"
