"""Backtest trading costs (SPEC §11.1): slippage on traded value, SEC fee and FINRA TAF on sells.

Costs are computed per ticker per rebalance ("one trade" = one ticker on one day), which is how
the TAF cap applies to real orders.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import ConfigurationError

FloatArray = npt.NDArray[np.float64]

SEC_FEE_PER_DOLLAR = 27.80 / 1_000_000
"""SEC Section 31 fee: $27.80 per $1M of sell value."""
TAF_PER_SHARE = 0.000166
"""FINRA Trading Activity Fee per share sold."""
TAF_CAP_PER_TRADE = 8.30


@dataclass(frozen=True, slots=True)
class CostModel:
    slippage_bps: float = 1.0
    fees: bool = True
    sec_fee_per_dollar: float = SEC_FEE_PER_DOLLAR
    taf_per_share: float = TAF_PER_SHARE
    taf_cap: float = TAF_CAP_PER_TRADE

    def __post_init__(self) -> None:
        if not (self.slippage_bps >= 0 and np.isfinite(self.slippage_bps)):
            raise ConfigurationError(
                f"slippage must be a non-negative number of bps, got {self.slippage_bps}",
                context={"setting": "slippage_bps"},
            )

    @property
    def slippage_rate(self) -> float:
        return self.slippage_bps / 10_000.0

    def breakdown(self, trade_values: FloatArray, prices: FloatArray) -> tuple[float, float, float]:
        """(slippage, SEC fee, TAF) in dollars for one day's trades.

        `trade_values` are signed dollar amounts per ticker (buy > 0, sell < 0) at `prices`.
        """
        slippage = self.slippage_rate * float(np.abs(trade_values).sum())
        if not self.fees:
            return slippage, 0.0, 0.0
        sells = np.maximum(-trade_values, 0.0)
        sec = self.sec_fee_per_dollar * float(sells.sum())
        sold = sells > 0
        if not sold.any():
            return slippage, sec, 0.0
        shares = sells[sold] / prices[sold]
        taf = float(np.minimum(self.taf_per_share * shares, self.taf_cap).sum())
        return slippage, sec, taf

    def total(self, trade_values: FloatArray, prices: FloatArray) -> float:
        return sum(self.breakdown(trade_values, prices))


NO_COSTS = CostModel(slippage_bps=0.0, fees=False)
