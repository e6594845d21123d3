"""The deflated Sharpe ratio (Bailey & López de Prado, "The Deflated Sharpe Ratio: Correcting
for Selection Bias, Backtest Overfitting and Non-Normality", JPM 2014).

Why: the best of N variants has a high Sharpe ratio even when none of them has any skill. The
DSR is the probability that the true Sharpe ratio of the selected variant is above the Sharpe
ratio the best of N skill-less trials would be expected to show, given the length of the track
record and the skewness and kurtosis of its returns.

Every Sharpe ratio here is per period (daily, not annualised), as in the paper:
    SR0 = sqrt(V[SR_n]) · ((1 − γ) Φ⁻¹(1 − 1/N) + γ Φ⁻¹(1 − 1/(N e)))
    DSR = Φ( (SR − SR0) · sqrt(T − 1) / sqrt(1 − γ3·SR + (γ4 − 1)/4 · SR²) )
with γ the Euler–Mascheroni constant, γ3 the skewness and γ4 the (non-excess) kurtosis.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

EULER_GAMMA = 0.5772156649015329
SIGNIFICANCE = 0.95
"""DSR at or above this: the selection survives the number of trials (the paper's 95 %)."""

_NORMAL = NormalDist()


def expected_max_sharpe(n_trials: float, sharpe_variance: float) -> float:
    """SR0: the expected maximum per-period Sharpe of `n_trials` skill-less trials whose
    Sharpe ratios vary with `sharpe_variance`. One trial (no selection) gives 0."""
    if n_trials <= 1 or sharpe_variance <= 0:
        return 0.0
    z1 = _NORMAL.inv_cdf(1.0 - 1.0 / n_trials)
    z2 = _NORMAL.inv_cdf(1.0 - 1.0 / (n_trials * math.e))
    return math.sqrt(sharpe_variance) * ((1.0 - EULER_GAMMA) * z1 + EULER_GAMMA * z2)


def probabilistic_sharpe(
    sharpe: float, benchmark: float, n_obs: int, skew: float, kurtosis: float
) -> float:
    """PSR: P(true SR > benchmark) for an observed per-period `sharpe` over `n_obs` returns."""
    if n_obs < 2 or not math.isfinite(sharpe):
        return float("nan")
    spread = 1.0 - skew * sharpe + (kurtosis - 1.0) / 4.0 * sharpe * sharpe
    if spread <= 0:
        return float("nan")
    z = (sharpe - benchmark) * math.sqrt(n_obs - 1) / math.sqrt(spread)
    return _NORMAL.cdf(z)


@dataclass(frozen=True, slots=True)
class DeflatedSharpe:
    sharpe: float
    """Per-period Sharpe ratio of the selected variant."""
    expected_max: float
    """SR0, the per-period Sharpe the best of `n_trials` skill-less trials would show."""
    dsr: float
    n_trials: int
    n_obs: int
    skew: float
    kurtosis: float
    sharpe_variance: float

    @property
    def significant(self) -> bool:
        return math.isfinite(self.dsr) and self.dsr >= SIGNIFICANCE


def deflated_sharpe(
    sharpe: float,
    *,
    n_obs: int,
    skew: float,
    kurtosis: float,
    n_trials: int,
    sharpe_variance: float,
) -> DeflatedSharpe:
    """The DSR of a selected per-period `sharpe` (see the module docstring)."""
    sr0 = expected_max_sharpe(n_trials, sharpe_variance)
    return DeflatedSharpe(
        sharpe=sharpe,
        expected_max=sr0,
        dsr=probabilistic_sharpe(sharpe, sr0, n_obs, skew, kurtosis),
        n_trials=n_trials,
        n_obs=n_obs,
        skew=skew,
        kurtosis=kurtosis,
        sharpe_variance=sharpe_variance,
    )


def return_moments(returns: npt.NDArray[np.float64]) -> tuple[float, float, float]:
    """(per-period Sharpe, skewness, non-excess kurtosis) of a return series; the Sharpe with
    ddof 1 as the backtest metrics compute it, the moments as population moments."""
    r = np.asarray(returns, dtype=np.float64)
    r = r[np.isfinite(r)]
    if len(r) < 2:
        return float("nan"), float("nan"), float("nan")
    std1 = float(np.std(r, ddof=1))
    centred = r - r.mean()
    m2 = float(np.mean(centred**2))
    if m2 == 0 or std1 == 0:
        return float("nan"), 0.0, 3.0
    skew = float(np.mean(centred**3)) / m2**1.5
    kurt = float(np.mean(centred**4)) / m2**2
    return float(r.mean()) / std1, skew, kurt


def sharpe_variance(sharpes: Sequence[float]) -> float:
    """Variance (ddof 1) of the trials' per-period Sharpe ratios, undefined ones left out."""
    values = np.asarray([s for s in sharpes if math.isfinite(s)], dtype=np.float64)
    return float(np.var(values, ddof=1)) if len(values) > 1 else 0.0
