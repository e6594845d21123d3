"""Small helpers for hand-built price histories and trees in the evaluator tests."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.tree import (
    Comparator,
    Condition,
    Indicator,
    Metric,
    Operand,
)

NAN = float("nan")


def history(**closes: Sequence[float]) -> PriceHistory:
    """Sessions 2024-01-01, 01-02, … (consecutive days are fine for the engine)."""
    length = len(next(iter(closes.values())))
    dates = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-01") + length)
    return PriceHistory.from_columns(dates, {t: list(v) for t, v in closes.items()})


def geometric(start: float, *returns: float) -> list[float]:
    """Closes starting at `start` and compounding the given daily returns."""
    out = [start]
    for r in returns:
        out.append(out[-1] * (1.0 + r))
    return out


def ind(metric: Metric, ticker: str | None, window: int | None = None) -> Indicator:
    return Indicator(metric, ticker, window)


def price(ticker: str) -> Indicator:
    return Indicator(Metric.CURRENT_PRICE, ticker, None)


def cond(lhs: Operand, comparator: str, rhs: Operand) -> Condition:
    return Condition(Comparator(comparator), lhs, rhs)
