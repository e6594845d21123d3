"""Small price histories for research tests: random walks (no edge anywhere) and drifting
prices (an edge any variant keeps)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from alchemiser.domain.market.price_history import PriceHistory
from tests.research import ray_head  # noqa: F401  (sets Ray's loopback environment first)

RSI_SWITCH = """
(defsymphony "rsi switch" {:rebalance-frequency :daily}
  (if (> (rsi "AAA" {:window 10}) 50)
      [(asset "AAA")]
      [(asset "BBB")]))
"""


def random_walks(
    tickers: tuple[str, ...] = ("AAA", "BBB", "SPY"),
    sessions: int = 1500,
    *,
    drift: float = 0.0,
    vol: float = 0.015,
    seed: int = 11,
) -> PriceHistory:
    """Random walks on business days. `drift` is the mean daily return; with drift 0 the
    returns are demeaned in sample, so holding any ticker earns exactly nothing: pure noise,
    not a lucky path that happened to go up."""
    rng = np.random.default_rng(seed)
    dates = pd.bdate_range("2015-01-01", periods=sessions).date
    returns = rng.normal(0.0, vol, size=(sessions, len(tickers)))
    returns += drift - returns.mean(axis=0)
    closes = 100 * np.cumprod(1 + returns, axis=0)
    return PriceHistory.from_columns(
        list(dates), {t: closes[:, i] for i, t in enumerate(tickers)}, source="test walks"
    )
