"""The deflated Sharpe ratio against the paper's worked example, against scipy, and as a guard:
pure noise is flagged, a real edge is not."""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats

from alchemiser.domain.research.deflated_sharpe import (
    deflated_sharpe,
    expected_max_sharpe,
    probabilistic_sharpe,
    return_moments,
    sharpe_variance,
)

# Bailey & López de Prado (2014), "A numerical example": N = 100 independent trials, the best
# has an annualised Sharpe ratio of 2.5 over five years of daily returns (T = 1250, 250 a
# year), the trials' annualised Sharpe ratios have variance 1/2, and the chosen returns have
# skewness -3 and kurtosis 10. The paper finds SR0 ≈ 0.1132 (per day) and DSR ≈ 0.9004.
PAPER = {"n": 100, "sr_annual": 2.5, "t": 1250, "per_year": 250, "var_annual": 0.5}
PAPER_SR0 = 0.1132
PAPER_DSR = 0.9004


def _paper_inputs() -> tuple[float, float]:
    sr = PAPER["sr_annual"] / math.sqrt(PAPER["per_year"])
    variance = PAPER["var_annual"] / PAPER["per_year"]
    return sr, variance


def test_matches_the_papers_worked_example() -> None:
    sr, variance = _paper_inputs()
    result = deflated_sharpe(
        sr,
        n_obs=PAPER["t"],
        skew=-3.0,
        kurtosis=10.0,
        n_trials=PAPER["n"],
        sharpe_variance=variance,
    )
    assert result.expected_max == pytest.approx(PAPER_SR0, abs=5e-5)
    assert result.dsr == pytest.approx(PAPER_DSR, abs=5e-4)
    assert not result.significant  # 0.90 < 0.95: the paper's point


def test_matches_the_formula_computed_with_scipy() -> None:
    """The same formulas written independently with scipy's normal distribution."""
    gamma = float(np.euler_gamma)
    rng = np.random.default_rng(3)
    for _ in range(20):
        n = int(rng.integers(2, 5000))
        variance = float(rng.uniform(1e-5, 1e-2))
        sr = float(rng.uniform(-0.1, 0.3))
        t = int(rng.integers(100, 6000))
        skew, kurt = float(rng.uniform(-2, 1)), float(rng.uniform(3, 12))
        sr0 = math.sqrt(variance) * (
            (1 - gamma) * scipy.stats.norm.ppf(1 - 1 / n)
            + gamma * scipy.stats.norm.ppf(1 - 1 / (n * math.e))
        )
        z = (sr - sr0) * math.sqrt(t - 1) / math.sqrt(1 - skew * sr + (kurt - 1) / 4 * sr**2)
        got = deflated_sharpe(
            sr, n_obs=t, skew=skew, kurtosis=kurt, n_trials=n, sharpe_variance=variance
        )
        assert got.expected_max == pytest.approx(sr0, rel=1e-9)
        assert got.dsr == pytest.approx(float(scipy.stats.norm.cdf(z)), abs=1e-9)


def test_one_trial_is_the_probabilistic_sharpe_against_zero() -> None:
    assert expected_max_sharpe(1, 0.01) == 0.0
    assert probabilistic_sharpe(0.0, 0.0, 500, 0.0, 3.0) == pytest.approx(0.5)


def test_moments_match_scipy() -> None:
    returns = np.random.default_rng(5).standard_t(4, size=3000) * 0.01 + 0.0004
    sr, skew, kurt = return_moments(returns)
    assert sr == pytest.approx(returns.mean() / returns.std(ddof=1))
    assert skew == pytest.approx(scipy.stats.skew(returns))
    assert kurt == pytest.approx(scipy.stats.kurtosis(returns, fisher=False))
    assert sharpe_variance([0.1, 0.2, float("nan"), 0.4]) == pytest.approx(
        np.var([0.1, 0.2, 0.4], ddof=1)
    )
