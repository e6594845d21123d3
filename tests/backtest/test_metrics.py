"""Metric formulas checked against empyrical-reloaded, an independent, well-kept implementation."""

from __future__ import annotations

import empyrical
import numpy as np
import pytest

from alchemiser.domain.backtest.metrics import compute_metrics, drawdown_series


@pytest.fixture(params=[1, 2, 3])
def series(request: pytest.FixtureRequest) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(request.param)
    n = 900
    bench = 100 * np.cumprod(1 + rng.normal(0.0004, 0.012, n))
    own = rng.normal(0.0006, 0.01, n) + 1.3 * (np.diff(bench, prepend=bench[0]) / bench)
    equity = 10_000 * np.cumprod(1 + own)
    return equity, bench


def test_metrics_match_empyrical(series: tuple[np.ndarray, np.ndarray]) -> None:
    equity, bench = series
    r = equity[1:] / equity[:-1] - 1
    b = bench[1:] / bench[:-1] - 1
    m = compute_metrics(equity, bench)
    assert m.cumulative_return == pytest.approx(empyrical.cum_returns_final(r), rel=1e-9)
    assert m.cagr == pytest.approx(empyrical.annual_return(r), rel=1e-9)
    assert m.volatility == pytest.approx(empyrical.annual_volatility(r), rel=1e-9)
    assert m.sharpe == pytest.approx(empyrical.sharpe_ratio(r), rel=1e-9)
    assert m.sortino == pytest.approx(empyrical.sortino_ratio(r), rel=1e-9)
    assert m.max_drawdown == pytest.approx(-empyrical.max_drawdown(r), rel=1e-9)
    assert m.calmar == pytest.approx(empyrical.calmar_ratio(r), rel=1e-9)
    alpha, beta = empyrical.alpha_beta(r, b)
    assert m.beta == pytest.approx(beta, rel=1e-9)
    assert m.alpha == pytest.approx(alpha, rel=1e-9)
    assert m.best_day == pytest.approx(r.max())
    assert m.worst_day == pytest.approx(r.min())
    assert m.win_rate == pytest.approx((r > 0).sum() / len(r))


def test_hand_computed_drawdown_and_cumulative() -> None:
    equity = np.array([100.0, 120.0, 90.0, 130.0, 104.0])
    assert drawdown_series(equity).tolist() == pytest.approx([0, 0, 0.25, 0, 0.2])
    m = compute_metrics(equity)
    assert m.max_drawdown == pytest.approx(0.25)
    assert m.cumulative_return == pytest.approx(0.04)
    assert m.best_day == pytest.approx(0.4444444444)
    assert m.worst_day == pytest.approx(-0.25)
    assert m.win_rate == pytest.approx(0.5)
    assert np.isnan(m.beta)


def test_flat_curve_gives_undefined_ratios_not_zero() -> None:
    m = compute_metrics(np.full(10, 5_000.0))
    assert np.isnan(m.sharpe)
    assert np.isnan(m.calmar)
    assert m.max_drawdown == 0.0
