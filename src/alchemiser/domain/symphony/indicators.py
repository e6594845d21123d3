"""The indicators of SPEC §3, computed over a whole close series at once.

Every function maps a float64 series of closes to a float64 series of the same length with NaN
wherever the value is undefined: before a ticker lists (leading NaNs), before the window is full,
and wherever a required close is missing. Undefined never becomes a default number, because a
condition on an undefined value must make the symphony undefined rather than decide silently.

Recursive indicators (EMA, Wilder's RSI) run over each contiguous stretch of finite closes and
start again after a gap: "all available history" is the unbroken history behind the date.

Windowed values are reductions over each date's own window only (never running sums that carry
earlier history), so equal windows give bit-identical values; a filter relies on that to let
equal scores tie exactly (SPEC §2.3). A window of equal values has a standard deviation of
exactly 0, whatever rounding the mean picks up.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import numpy.typing as npt
from numpy.lib.stride_tricks import sliding_window_view

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import FloatArray
from alchemiser.domain.symphony.tree import Metric

__all__ = [
    "PPO_DEFAULTS",
    "RETURN_METRICS",
    "compute_indicator",
    "compute_return_indicator",
    "daily_returns",
    "indicator_warmup",
]

PPO_DEFAULTS = {"short_window": 12, "long_window": 26, "smooth_window": 9}

RETURN_METRICS = frozenset(
    {
        Metric.CUMULATIVE_RETURN,
        Metric.MOVING_AVERAGE_RETURN,
        Metric.STDEV_RETURN,
        Metric.MAX_DRAWDOWN,
    }
)
"""Metrics that depend only on the daily returns inside their window, not on the price level
(cumulative return and drawdown are ratios of closes in the window)."""

_WINDOWLESS = frozenset(
    {
        Metric.CURRENT_PRICE,
        Metric.PERCENTAGE_PRICE_OSCILLATOR,
        Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL,
    }
)


def needs_window(metric: Metric) -> bool:
    """Whether `metric` takes a window (PPO takes its three windows as parameters instead)."""
    return metric not in _WINDOWLESS


def compute_indicator(
    metric: Metric, closes: FloatArray, window: int | None, **params: float
) -> FloatArray:
    """`metric` with `window` over `closes`; NaN where undefined.

    `params` are PPO's `short_window`, `long_window` and `smooth_window` (dashes or underscores).
    """
    metric = _metric(metric)
    prices = np.asarray(closes, dtype=np.float64)
    if prices.ndim != 1:
        raise DataError(f"{metric}: closes must be one series, got shape {prices.shape}")
    if metric in (Metric.PERCENTAGE_PRICE_OSCILLATOR, Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL):
        return _ppo(metric, prices, _ppo_windows(params))
    if metric is Metric.CURRENT_PRICE:
        return prices.copy()
    size = _checked_window(metric, window)
    return _WINDOWED[metric](prices, size)


def compute_return_indicator(
    metric: Metric,
    returns: FloatArray,
    window: int | None,
    valued: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    """A metric of `RETURN_METRICS` from a daily return series (NaN where a return is unknown).

    This is how a group's simulated return stream is scored: each date's value is computed from
    the returns inside its own window only, never from an equity curve whose level carries the
    rounding of everything before, so two streams equal over the window score bit-identically.
    Cumulative return is the compounded growth of the window, max-drawdown N the drawdown of the
    curve that starts at 1.0 on the window's first close and compounds its N − 1 returns.
    `valued` marks the dates that have a level (only max-drawdown with N = 1 needs it: there the
    window holds no return at all); by default every date with a known return.
    """
    metric = _metric(metric)
    if metric not in RETURN_METRICS:
        raise DataError(f"{metric} is not computed from returns alone", context={"metric": metric})
    series = np.asarray(returns, dtype=np.float64)
    size = _checked_window(metric, window)
    if metric is Metric.MOVING_AVERAGE_RETURN:
        return _window_mean(series, size) * 100.0
    if metric is Metric.STDEV_RETURN:
        return _window_std(series, size) * 100.0
    if metric is Metric.CUMULATIVE_RETURN:
        return (_rolling(1.0 + series, size, lambda w: w.prod(axis=1)) - 1.0) * 100.0
    known = np.isfinite(series) if valued is None else np.asarray(valued, dtype=bool)
    return _drawdown_of_returns(series, size, known)


def indicator_warmup(metric: Metric, window: int | None, **params: float) -> int:
    """Closes needed before the first defined value (1 = defined on the first close).

    For recursive indicators this is the seed length; more history changes the value slightly,
    which is why callers should still feed all they have.
    """
    metric = _metric(metric)
    if metric is Metric.CURRENT_PRICE:
        return 1
    if metric in (Metric.PERCENTAGE_PRICE_OSCILLATOR, Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL):
        short, long, smooth = _ppo_windows(params)
        base = max(short, long)
        return base + smooth - 1 if metric is Metric.PERCENTAGE_PRICE_OSCILLATOR_SIGNAL else base
    size = _checked_window(metric, window)
    if metric in (
        Metric.RSI,
        Metric.CUMULATIVE_RETURN,
        Metric.MOVING_AVERAGE_RETURN,
        Metric.STDEV_RETURN,
    ):
        return size + 1
    return size


def daily_returns(closes: FloatArray) -> FloatArray:
    """r_t = P_t / P_{t-1} - 1; NaN on the first close and wherever either close is missing."""
    out = np.full(closes.shape, np.nan)
    out[1:] = closes[1:] / closes[:-1] - 1.0
    return out


def _metric(name: Metric | str) -> Metric:
    try:
        return Metric(name)
    except ValueError:
        known = ", ".join(m.value for m in Metric)
        raise DataError(
            f"unknown indicator {name!r}; known: {known}", context={"metric": str(name)}
        ) from None


# -- windowed indicators --------------------------------------------------------------------------
def _checked_window(metric: Metric, window: int | None) -> int:
    if metric in _WINDOWLESS:
        return 0
    if window is None or isinstance(window, bool) or int(window) != window or window < 1:
        raise DataError(
            f"{metric} needs a positive whole window, got {window!r}",
            context={"metric": str(metric), "window": window},
        )
    return int(window)


def _rolling(
    values: FloatArray, size: int, reduce: Callable[[FloatArray], FloatArray]
) -> FloatArray:
    """Apply `reduce` (over axis 1) to each trailing window; NaN for the first size-1 dates.

    A NaN inside a window propagates, so a window is defined only when all of it is known.
    """
    out = np.full(values.shape, np.nan)
    if len(values) >= size:
        out[size - 1 :] = reduce(sliding_window_view(values, size))
    return out


def _window_mean(values: FloatArray, size: int) -> FloatArray:
    return _rolling(values, size, lambda w: w.mean(axis=1))


def _window_std(values: FloatArray, size: int) -> FloatArray:
    """Population σ per window; exactly 0 when every value of the window is the same.

    The mean of N equal values can round away from them, which would leave a σ of ~1e-17 where
    the truth is 0; inverse volatility treats σ = 0 specially, so it must be exact.
    """

    sigma = _rolling(values, size, lambda w: w.std(axis=1))
    flat = (_equal_run_lengths(values) >= size) & np.isfinite(sigma)  # a lone NaN stays NaN
    return np.where(flat, 0.0, sigma)


def _equal_run_lengths(values: FloatArray) -> npt.NDArray[np.intp]:
    """How many values up to each index are equal to it without a break (NaN breaks a run)."""
    index = np.arange(len(values))
    starts = np.ones(len(values), dtype=bool)
    starts[1:] = values[1:] != values[:-1]
    return np.asarray(index - np.maximum.accumulate(np.where(starts, index, 0)) + 1)


def _moving_average(prices: FloatArray, size: int) -> FloatArray:
    return _window_mean(prices, size)


def _stdev_price(prices: FloatArray, size: int) -> FloatArray:
    return _window_std(prices, size)


def _cumulative_return(prices: FloatArray, size: int) -> FloatArray:
    """Defined only when every close of the window is known, like every windowed indicator."""
    out = np.full(prices.shape, np.nan)
    if len(prices) > size:
        out[size:] = (prices[size:] / prices[:-size] - 1.0) * 100.0
        missing = np.concatenate(([0], np.cumsum(np.isnan(prices))))
        gaps = missing[size + 1 :] - missing[: -size - 1] > 0
        out[size:][gaps] = np.nan
    return out


def _moving_average_return(prices: FloatArray, size: int) -> FloatArray:
    return compute_return_indicator(Metric.MOVING_AVERAGE_RETURN, daily_returns(prices), size)


def _stdev_return(prices: FloatArray, size: int) -> FloatArray:
    return compute_return_indicator(Metric.STDEV_RETURN, daily_returns(prices), size)


def _max_drawdown(prices: FloatArray, size: int) -> FloatArray:
    def worst(windows: FloatArray) -> FloatArray:
        peaks = np.maximum.accumulate(windows, axis=1)
        return np.asarray((1.0 - windows / peaks).max(axis=1) * 100.0, dtype=np.float64)

    return _rolling(prices, size, worst)


def _drawdown_of_returns(
    returns: FloatArray, size: int, valued: npt.NDArray[np.bool_]
) -> FloatArray:
    """Max-drawdown over N closes from the N − 1 returns between them (curve from 1.0)."""
    if size == 1:  # one close: no fall possible, defined wherever there is a level
        return np.where(valued, 0.0, np.nan)

    def worst(windows: FloatArray) -> FloatArray:
        curve = np.cumprod(1.0 + windows, axis=1)
        peaks = np.maximum(np.maximum.accumulate(curve, axis=1), 1.0)
        falls = np.maximum((1.0 - curve / peaks).max(axis=1), 0.0)
        return np.asarray(falls * 100.0, dtype=np.float64)

    return _rolling(returns, size - 1, worst)


# -- recursive indicators -------------------------------------------------------------------------
def _segments(values: FloatArray) -> list[tuple[int, int]]:
    """[start, stop) of every maximal run of finite values."""
    finite = np.isfinite(values)
    edges = np.diff(np.concatenate(([False], finite, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)
    return list(zip(starts.tolist(), stops.tolist(), strict=True))


_BLOCK = 32


def _smooth(values: FloatArray, seeds: FloatArray, keep: float) -> FloatArray:
    """Row-wise y_0 = seed, y_i = keep·y_{i-1} + (1-keep)·x_i for i ≥ 1 (x_0 is ignored).

    A first-order linear recursion solved without a Python loop: cut the series into blocks of
    32, solve every block from a zero start with one product by a lower-triangular matrix of
    powers of `keep`, then solve the recursion between block ends (factor keep³²) the same way
    and add each block's carried-in value. Terms are sums of the same products the sequential
    loop forms, so results agree with it (and with TA-Lib) to ~1e-13.
    """
    rows, length = values.shape
    out = np.empty((rows, length))
    out[:, 0] = seeds
    size = length - 1
    if size == 0:
        return out
    blocks = -(-size // _BLOCK)
    padded = np.zeros((rows, blocks * _BLOCK))
    padded[:, :size] = values[:, 1:] * (1.0 - keep)
    powers = keep ** np.arange(_BLOCK + 1, dtype=np.float64)
    inside = (padded.reshape(rows * blocks, _BLOCK) @ _lower_powers(powers, _BLOCK).T).reshape(
        rows, blocks, _BLOCK
    )
    step = float(powers[_BLOCK])
    step_powers = step ** np.arange(blocks + 1, dtype=np.float64)
    ends = inside[:, :, -1] @ _lower_powers(step_powers, blocks).T
    ends += seeds[:, None] * step_powers[None, 1:]
    carried = np.concatenate((seeds[:, None], ends[:, :-1]), axis=1)
    inside += carried[:, :, None] * powers[None, None, 1:]
    out[:, 1:] = inside.reshape(rows, blocks * _BLOCK)[:, :size]
    return out


def _lower_powers(powers: FloatArray, size: int) -> FloatArray:
    """M[j, i] = powers[j − i] for i ≤ j, else 0."""
    lags = np.subtract.outer(np.arange(size), np.arange(size))
    return np.where(lags >= 0, powers[np.clip(lags, 0, size)], 0.0)


def _ema(prices: FloatArray, size: int) -> FloatArray:
    """α = 2/(N+1), seeded with the mean of the first N closes of each unbroken stretch."""
    out = np.full(prices.shape, np.nan)
    keep = 1.0 - 2.0 / (size + 1.0)
    for start, stop in _segments(prices):
        if stop - start < size:
            continue
        seed = np.array([prices[start : start + size].mean()])
        tail = prices[start + size - 1 : stop][None, :]
        out[start + size - 1 : stop] = _smooth(tail, seed, keep)[0]
    return out


def _rsi(prices: FloatArray, size: int) -> FloatArray:
    """Wilder's RSI: averages seeded with the simple mean of the first N changes."""
    out = np.full(prices.shape, np.nan)
    keep = (size - 1.0) / size
    for start, stop in _segments(prices):
        if stop - start <= size:
            continue
        changes = np.diff(prices[start:stop])
        moves = np.stack((np.maximum(changes, 0.0), np.maximum(-changes, 0.0)))
        seeds = moves[:, :size].mean(axis=1)
        gain, loss = _smooth(moves[:, size - 1 :], seeds, keep)
        out[start + size : stop] = _rsi_from_averages(gain, loss)
    return out


def _rsi_from_averages(avg_gain: FloatArray, avg_loss: FloatArray) -> FloatArray:
    """100·G/(G+L) (= 100 − 100/(1+G/L)); L = 0 → 100; flat (G = L = 0) → 50."""
    total = avg_gain + avg_loss
    with np.errstate(invalid="ignore", divide="ignore"):
        value = 100.0 * avg_gain / total
    return np.where(total > 0.0, value, 50.0)


# -- percentage price oscillator ------------------------------------------------------------------
def _ppo_windows(params: dict[str, float]) -> tuple[int, int, int]:
    named = {key.replace("-", "_"): value for key, value in params.items()}
    unknown = set(named) - set(PPO_DEFAULTS)
    if unknown:
        raise DataError(
            f"unknown percentage-price-oscillator parameter(s): {', '.join(sorted(unknown))}",
            context={"parameters": sorted(unknown)},
        )
    values = []
    for key, default in PPO_DEFAULTS.items():
        value = named.get(key, default)
        if int(value) != value or value < 1:
            raise DataError(
                f"percentage-price-oscillator {key} must be a positive whole number, got {value}",
                context={"parameter": key, "value": value},
            )
        values.append(int(value))
    return values[0], values[1], values[2]


def _ppo(metric: Metric, prices: FloatArray, windows: tuple[int, int, int]) -> FloatArray:
    short, long, smooth = windows
    slow = _ema(prices, long)
    with np.errstate(invalid="ignore", divide="ignore"):
        ppo = (_ema(prices, short) - slow) / slow * 100.0
    if metric is Metric.PERCENTAGE_PRICE_OSCILLATOR:
        return ppo
    return _ema(ppo, smooth)


_WINDOWED: dict[Metric, Callable[[FloatArray, int], FloatArray]] = {
    Metric.MOVING_AVERAGE_PRICE: _moving_average,
    Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE: _ema,
    Metric.RSI: _rsi,
    Metric.CUMULATIVE_RETURN: _cumulative_return,
    Metric.MOVING_AVERAGE_RETURN: _moving_average_return,
    Metric.STDEV_RETURN: _stdev_return,
    Metric.STDEV_PRICE: _stdev_price,
    Metric.MAX_DRAWDOWN: _max_drawdown,
}
