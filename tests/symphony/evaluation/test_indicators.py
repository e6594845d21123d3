"""SPEC §3 indicators: TA-Lib as the independent oracle for RSI/EMA/SMA/σ, hand numbers else."""

from __future__ import annotations

import numpy as np
import pytest
import talib
from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.errors import DataError
from alchemiser.domain.symphony.indicators import (
    RETURN_METRICS,
    compute_indicator,
    compute_return_indicator,
    indicator_warmup,
)
from alchemiser.domain.symphony.tree import Metric

NAN = np.nan
WINDOWS = (2, 5, 10, 14, 20, 50, 200)


def realistic_closes(n: int = 6000, seed: int = 11) -> np.ndarray:
    """A long, real-looking series: GARCH-like volatility clusters, drift, fat tails."""
    rng = np.random.default_rng(seed)
    vol = np.empty(n)
    vol[0] = 0.012
    shocks = rng.standard_t(4, n) / np.sqrt(2.0)
    for i in range(1, n):
        vol[i] = np.sqrt(1e-6 + 0.09 * (vol[i - 1] * shocks[i - 1]) ** 2 + 0.9 * vol[i - 1] ** 2)
    returns = 0.0003 + vol * shocks
    return 80.0 * np.exp(np.cumsum(returns))


CLOSES = realistic_closes()


def assert_same(ours: np.ndarray, theirs: np.ndarray, tol: float = 1e-9) -> None:
    assert np.array_equal(np.isnan(ours), np.isnan(theirs)), "undefined dates differ"
    np.testing.assert_allclose(ours, theirs, rtol=0, atol=tol, equal_nan=True)


@pytest.mark.parametrize("window", WINDOWS)
def test_rsi_matches_talib(window: int) -> None:
    assert_same(compute_indicator(Metric.RSI, CLOSES, window), talib.RSI(CLOSES, window))


@pytest.mark.parametrize("window", WINDOWS)
def test_ema_matches_talib(window: int) -> None:
    ours = compute_indicator(Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE, CLOSES, window)
    assert_same(ours, talib.EMA(CLOSES, window))


@pytest.mark.parametrize("window", WINDOWS)
def test_sma_matches_talib(window: int) -> None:
    ours = compute_indicator(Metric.MOVING_AVERAGE_PRICE, CLOSES, window)
    assert_same(ours, talib.SMA(CLOSES, window))


@pytest.mark.parametrize("window", WINDOWS)
def test_stdev_price_matches_talib_population_stddev(window: int) -> None:
    ours = compute_indicator(Metric.STDEV_PRICE, CLOSES, window)
    assert_same(ours, talib.STDDEV(CLOSES, window, 1.0))


@pytest.mark.parametrize("window", WINDOWS)
def test_stdev_return_is_daily_population_stddev_in_percent(window: int) -> None:
    returns = CLOSES[1:] / CLOSES[:-1] - 1.0
    expected = np.concatenate(([NAN], talib.STDDEV(returns, window, 1.0) * 100.0))
    assert_same(compute_indicator(Metric.STDEV_RETURN, CLOSES, window), expected)


@pytest.mark.parametrize("window", WINDOWS)
def test_moving_average_return_matches_talib_sma_of_returns(window: int) -> None:
    returns = CLOSES[1:] / CLOSES[:-1] - 1.0
    expected = np.concatenate(([NAN], talib.SMA(returns, window) * 100.0))
    assert_same(compute_indicator(Metric.MOVING_AVERAGE_RETURN, CLOSES, window), expected)


@pytest.mark.parametrize("window", WINDOWS)
def test_cumulative_return_matches_talib_roc(window: int) -> None:
    ours = compute_indicator(Metric.CUMULATIVE_RETURN, CLOSES, window)
    assert_same(ours, talib.ROC(CLOSES, window))


def test_ppo_and_signal_are_built_from_ema_seeded_on_all_history() -> None:
    fast, slow = talib.EMA(CLOSES, 12), talib.EMA(CLOSES, 26)
    ppo = (fast - slow) / slow * 100.0
    assert_same(compute_indicator(Metric.PERCENTAGE_PRICE_OSCILLATOR, CLOSES, None), ppo)
    signal = np.full_like(ppo, NAN)
    signal[25:] = talib.EMA(ppo[25:], 9)
    ours = compute_indicator(Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL, CLOSES, None)
    assert_same(ours, signal)
    custom = compute_indicator(
        Metric.PERCENTAGE_PRICE_OSCILLATOR, CLOSES, None, **{"short-window": 5, "long-window": 7}
    )
    expected = (talib.EMA(CLOSES, 5) - talib.EMA(CLOSES, 7)) / talib.EMA(CLOSES, 7) * 100.0
    assert_same(custom, expected)


# -- hand-computed values -------------------------------------------------------------------------
def test_current_price_is_the_close() -> None:
    closes = np.array([NAN, 3.0, 4.5])
    assert_same(compute_indicator(Metric.CURRENT_PRICE, closes, None), closes)


def test_cumulative_return_by_hand() -> None:
    closes = np.array([100.0, 110.0, 99.0, 120.0])
    ours = compute_indicator(Metric.CUMULATIVE_RETURN, closes, 2)
    assert_same(ours, np.array([NAN, NAN, -1.0, (120 / 110 - 1) * 100]), tol=1e-12)


def test_moving_average_return_by_hand() -> None:
    closes = np.array([100.0, 110.0, 99.0, 99.0])
    ours = compute_indicator(Metric.MOVING_AVERAGE_RETURN, closes, 2)
    assert_same(ours, np.array([NAN, NAN, (10.0 - 10.0) / 2, (-10.0 + 0.0) / 2]), tol=1e-12)


def test_stdev_return_by_hand_is_not_annualised() -> None:
    closes = np.array([100.0, 102.0, 99.96])  # +2 %, −2 %
    ours = compute_indicator(Metric.STDEV_RETURN, closes, 2)
    assert ours[2] == pytest.approx(2.0, abs=1e-12)  # population σ of ±2 % = 2 %


def test_max_drawdown_by_hand() -> None:
    closes = np.array([100.0, 120.0, 90.0, 108.0, 60.0, 200.0])
    ours = compute_indicator(Metric.MAX_DRAWDOWN, closes, 3)
    # windows: [100,120,90] → 25 %; [120,90,108] → 25 %; [90,108,60] → 1−60/108;
    # [108,60,200] → 1−60/108 (the peak of 200 comes after the trough).
    expected = np.array([NAN, NAN, 25.0, 25.0, (1 - 60 / 108) * 100, (1 - 60 / 108) * 100])
    assert_same(ours, expected, tol=1e-12)


def test_max_drawdown_running_peak_starts_inside_the_window() -> None:
    closes = np.array([500.0, 100.0, 110.0, 121.0])
    assert compute_indicator(Metric.MAX_DRAWDOWN, closes, 3)[3] == 0.0


def test_rsi_by_hand_including_all_gains_and_flat() -> None:
    rising = np.array([1.0, 2.0, 3.0, 4.0])
    assert compute_indicator(Metric.RSI, rising, 2)[2:].tolist() == [100.0, 100.0]
    flat = np.full(5, 7.0)
    assert compute_indicator(Metric.RSI, flat, 2)[2:].tolist() == [50.0, 50.0, 50.0]
    # changes +2, −1, +1: seed G=(2+0)/2=1, L=(0+1)/2=0.5 → 66.67; then G=(1+1)/2=1, L=0.25 → 80
    closes = np.array([10.0, 12.0, 11.0, 12.0])
    ours = compute_indicator(Metric.RSI, closes, 2)
    assert ours[2] == pytest.approx(100 - 100 / 3, abs=1e-12)
    assert ours[3] == pytest.approx(80.0, abs=1e-12)


def test_leading_nans_mean_not_listed_yet() -> None:
    tail = CLOSES[:400]
    closes = np.concatenate((np.full(30, NAN), tail))
    for metric, window in [
        (Metric.RSI, 14),
        (Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE, 20),
        (Metric.MAX_DRAWDOWN, 10),
        (Metric.STDEV_RETURN, 5),
    ]:
        shifted = compute_indicator(metric, closes, window)
        assert np.isnan(shifted[:30]).all()
        assert_same(shifted[30:], compute_indicator(metric, tail, window), tol=0.0)


def test_a_gap_makes_windows_undefined_and_restarts_recursion() -> None:
    closes = CLOSES[:100].copy()
    closes[50] = NAN
    sma = compute_indicator(Metric.MOVING_AVERAGE_PRICE, closes, 5)
    assert np.isnan(sma[50:55]).all()
    assert not np.isnan(sma[55])
    rsi = compute_indicator(Metric.RSI, closes, 10)
    assert np.isnan(rsi[50:61]).all()
    assert_same(rsi[61:], talib.RSI(closes[51:], 10)[10:])


@pytest.mark.parametrize("window", [None, 0, -3, 2.5])
def test_bad_windows_are_errors(window: object) -> None:
    with pytest.raises(DataError, match="window"):
        compute_indicator(Metric.RSI, CLOSES, window)  # type: ignore[arg-type]


def test_unknown_ppo_parameter_is_an_error() -> None:
    with pytest.raises(DataError, match="fast"):
        compute_indicator(Metric.PERCENTAGE_PRICE_OSCILLATOR, CLOSES, None, fast=3)


def test_short_history_is_all_undefined() -> None:
    closes = CLOSES[:5]
    for metric in (Metric.RSI, Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE, Metric.MAX_DRAWDOWN):
        assert np.isnan(compute_indicator(metric, closes, 10)).all()


@pytest.mark.parametrize("metric", list(Metric))
def test_warmup_is_the_first_defined_index(metric: Metric) -> None:
    value = compute_indicator(metric, CLOSES[:300], 20)
    first = int(np.flatnonzero(~np.isnan(value))[0])
    assert indicator_warmup(metric, 20) == first + 1


@settings(max_examples=40, deadline=None)
@given(
    st.lists(st.floats(0.5, 2.0), min_size=3, max_size=60),
    st.integers(1, 12),
    st.sampled_from([Metric.MOVING_AVERAGE_PRICE, Metric.STDEV_PRICE, Metric.MAX_DRAWDOWN]),
)
def test_windowed_indicators_against_a_per_date_loop(
    factors: list[float], window: int, metric: Metric
) -> None:
    closes = np.cumprod(np.array(factors)) * 50.0
    ours = compute_indicator(metric, closes, window)
    for t in range(len(closes)):
        if t < window - 1:
            assert np.isnan(ours[t])
            continue
        last = closes[t - window + 1 : t + 1]
        if metric is Metric.MOVING_AVERAGE_PRICE:
            expected = float(np.mean(last))
        elif metric is Metric.STDEV_PRICE:
            expected = float(np.std(last))
        else:
            expected = max((1 - last[i] / max(last[: i + 1])) * 100 for i in range(len(last)))
        assert ours[t] == pytest.approx(expected, abs=1e-9)
        assert metric is not Metric.MAX_DRAWDOWN or ours[t] >= 0.0


def test_metric_names_are_accepted_and_unknown_ones_are_data_errors() -> None:
    closes = np.array([1.0, 2.0, 4.0])
    assert compute_indicator("cumulative-return", closes, 1)[2] == 100.0  # type: ignore[arg-type]
    with pytest.raises(DataError, match="unknown indicator 'rsx'"):
        compute_indicator("rsx", closes, 1)  # type: ignore[arg-type]


# -- from a return stream (how a group is scored, issue 19) ---------------------------------------
RETURNS = np.concatenate(([NAN], CLOSES[1:] / CLOSES[:-1] - 1.0))


@pytest.mark.parametrize("window", WINDOWS)
def test_cumulative_return_of_a_stream_compounds_the_window(window: int) -> None:
    ours = compute_return_indicator(Metric.CUMULATIVE_RETURN, RETURNS, window)
    assert_same(ours, talib.ROC(CLOSES, window), tol=1e-9)


@pytest.mark.parametrize("window", [1, 2, 5, 20])
def test_max_drawdown_of_a_stream_is_the_drawdown_of_its_window_curve(window: int) -> None:
    ours = compute_return_indicator(Metric.MAX_DRAWDOWN, RETURNS, window, np.isfinite(CLOSES))
    expected = np.full(len(CLOSES), NAN)
    for t in range(window - 1, len(CLOSES)):  # the closes themselves, by a plain loop
        closes = CLOSES[t - window + 1 : t + 1]
        expected[t] = max((1 - closes[i] / max(closes[: i + 1])) * 100 for i in range(window))
    assert_same(ours, expected, tol=1e-9)


@pytest.mark.parametrize("window", [2, 5])
def test_stdev_and_mean_of_a_stream_match_talib(window: int) -> None:
    sigma = compute_return_indicator(Metric.STDEV_RETURN, RETURNS, window)
    mean = compute_return_indicator(Metric.MOVING_AVERAGE_RETURN, RETURNS, window)
    assert_same(sigma[1:], talib.STDDEV(RETURNS[1:], window, 1.0) * 100.0)
    assert_same(mean[1:], talib.SMA(RETURNS[1:], window) * 100.0)


def test_price_metrics_are_refused_on_a_stream() -> None:
    with pytest.raises(DataError, match="returns alone"):
        compute_return_indicator(Metric.RSI, RETURNS, 5)


@settings(max_examples=60, deadline=None)
@given(
    st.sampled_from([*sorted(RETURN_METRICS), Metric.STDEV_PRICE, Metric.MOVING_AVERAGE_PRICE]),
    st.integers(1, 8),
    st.integers(0, 2**32 - 1),
    st.integers(10, 40),
)
def test_a_window_value_depends_on_the_window_alone_bit_for_bit(
    metric: Metric, window: int, seed: int, split: int
) -> None:
    """Two series equal from `split` on give identical bits once a window lies after it."""
    rng = np.random.default_rng(seed)
    first = rng.normal(0.0, 0.03, 60)
    second = first.copy()
    second[:split] = rng.normal(0.0, 0.05, split)  # a different history before the window
    if metric in RETURN_METRICS:
        a = compute_return_indicator(metric, first, window)
        b = compute_return_indicator(metric, second, window)
    else:
        a = compute_indicator(metric, 50.0 + first, window)
        b = compute_indicator(metric, 50.0 + second, window)
    np.testing.assert_array_equal(a[split + window :], b[split + window :])


@pytest.mark.parametrize("value", [0.1, 1 / 3, 0.0007, 123.456])
def test_a_window_of_equal_values_has_a_sigma_of_exactly_zero(value: float) -> None:
    flat = np.full(12, value)
    assert (compute_return_indicator(Metric.STDEV_RETURN, flat, 5)[4:] == 0.0).all()
    assert (compute_indicator(Metric.STDEV_PRICE, flat, 5)[4:] == 0.0).all()
    gappy = np.array([value, NAN, value, value])
    np.testing.assert_array_equal(
        compute_return_indicator(Metric.STDEV_RETURN, gappy, 1), [0.0, NAN, 0.0, 0.0]
    )
    np.testing.assert_array_equal(
        compute_indicator(Metric.STDEV_PRICE, gappy, 2), [NAN, NAN, NAN, 0.0]
    )


def test_equal_values_can_fool_a_naive_sigma() -> None:
    """The premise of the test above: np.std of equal values is not always 0."""
    assert any(np.std(np.full(5, v)) > 0.0 for v in (0.1, 1 / 3, 0.0007, 123.456))
