"""The planner's knobs as plain Decimals (the domain cannot import application settings)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Protocol

from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.trading.values import to_decimal


class RebalanceKnobs(Protocol):
    """Anything shaped like `application.settings.RebalanceSettings`."""

    @property
    def min_drift(self) -> float: ...
    @property
    def min_order_value(self) -> float: ...
    @property
    def cash_reserve(self) -> float: ...
    @property
    def buying_power_buffer(self) -> float: ...


@dataclass(frozen=True, slots=True)
class PlanParameters:
    """SPEC §6 defaults: 1 pp minimum drift, $1 minimum order, no reserve, 3 % buffer."""

    min_drift: Decimal = Decimal("0.01")
    min_order_value: Decimal = Decimal("1")
    cash_reserve: Decimal = Decimal("0")
    buying_power_buffer: Decimal = Decimal("0.03")

    def __post_init__(self) -> None:
        checks = {
            "min_drift": (self.min_drift, Decimal(0), Decimal(1)),
            "cash_reserve": (self.cash_reserve, Decimal(0), Decimal("0.999999")),
            "buying_power_buffer": (self.buying_power_buffer, Decimal(0), Decimal("0.999999")),
        }
        for name, (value, low, high) in checks.items():
            if not low <= value <= high:
                raise ConfigurationError(
                    f"rebalance.{name} must be between {low} and {high}, got {value}",
                    context={"key": f"rebalance.{name}"},
                )
        if self.min_order_value < 0:
            raise ConfigurationError(
                f"rebalance.min_order_value must be ≥ 0, got {self.min_order_value}",
                context={"key": "rebalance.min_order_value"},
            )

    @classmethod
    def from_settings(cls, knobs: RebalanceKnobs) -> PlanParameters:
        return cls(
            min_drift=to_decimal(knobs.min_drift, what="rebalance.min_drift"),
            min_order_value=to_decimal(knobs.min_order_value, what="rebalance.min_order_value"),
            cash_reserve=to_decimal(knobs.cash_reserve, what="rebalance.cash_reserve"),
            buying_power_buffer=to_decimal(
                knobs.buying_power_buffer, what="rebalance.buying_power_buffer"
            ),
        )
