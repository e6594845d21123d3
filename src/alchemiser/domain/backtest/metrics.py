"""Performance metrics users compare (SPEC §11.3), with the conventions of empyrical.

Daily returns, 252 sessions a year, zero risk-free rate. Returns and drawdowns are fractions;
`max_drawdown` is reported as a positive magnitude (0.35 = a 35 % fall from the peak). The tests
check every formula against empyrical-reloaded rather than trusting these lines.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

FloatArray = npt.NDArray[np.float64]

SESSIONS_PER_YEAR = 252


@dataclass(frozen=True, slots=True)
class Metrics:
    cumulative_return: float
    cagr: float
    volatility: float
    sharpe: float
    sortino: float
    max_drawdown: float
    calmar: float
    beta: float
    alpha: float
    win_rate: float
    best_day: float
    worst_day: float


def drawdown_series(equity: FloatArray) -> FloatArray:
    """Fall from the running peak at each date, as a non-negative fraction."""
    peak = np.maximum.accumulate(equity)
    return 1.0 - equity / peak


def compute_metrics(equity: FloatArray, benchmark: FloatArray | None = None) -> Metrics:
    """Metrics of an equity curve; `benchmark` is the benchmark's prices on the same dates."""
    equity = np.asarray(equity, dtype=np.float64)
    returns = equity[1:] / equity[:-1] - 1.0
    n = len(returns)
    nan = float("nan")
    if n == 0:
        return Metrics(0.0, nan, nan, nan, nan, 0.0, nan, nan, nan, nan, nan, nan)
    ann = SESSIONS_PER_YEAR
    cumulative = float(equity[-1] / equity[0] - 1.0)
    cagr = float((1.0 + cumulative) ** (ann / n) - 1.0)
    std = float(np.std(returns, ddof=1)) if n > 1 else nan
    mean = float(returns.mean())
    volatility = std * math.sqrt(ann)
    sharpe = _ratio(mean, std) * math.sqrt(ann)
    downside = math.sqrt(float(np.mean(np.minimum(returns, 0.0) ** 2))) * math.sqrt(ann)
    sortino = _ratio(mean * ann, downside)
    max_dd = float(drawdown_series(equity).max())
    calmar = _ratio(cagr, max_dd)
    beta, alpha = _alpha_beta(returns, benchmark)
    return Metrics(
        cumulative_return=cumulative,
        cagr=cagr,
        volatility=volatility,
        sharpe=sharpe,
        sortino=sortino,
        max_drawdown=max_dd,
        calmar=calmar,
        beta=beta,
        alpha=alpha,
        win_rate=float(np.mean(returns > 0)),
        best_day=float(returns.max()),
        worst_day=float(returns.min()),
    )


def _ratio(numerator: float, denominator: float) -> float:
    if not denominator or math.isnan(denominator):
        return float("nan")
    return numerator / denominator


def _alpha_beta(returns: FloatArray, benchmark: FloatArray | None) -> tuple[float, float]:
    """CAPM beta and annualised alpha, (1 + mean(r − β·b))^252 − 1, over days both exist."""
    if benchmark is None:
        return float("nan"), float("nan")
    prices = np.asarray(benchmark, dtype=np.float64)
    bench = prices[1:] / prices[:-1] - 1.0
    ok = np.isfinite(bench) & np.isfinite(returns)
    if ok.sum() < 2:
        return float("nan"), float("nan")
    r, b = returns[ok], bench[ok]
    b_res = b - b.mean()
    variance = float(np.mean(b_res * b_res))
    if variance == 0:
        return float("nan"), float("nan")
    beta = float(np.mean(b_res * r)) / variance
    alpha = float((1.0 + np.mean(r - beta * b)) ** SESSIONS_PER_YEAR - 1.0)
    return beta, alpha
