"""The QuantStats set of return statistics, on an equity curve and its session dates.

These are the numbers a QuantStats user looks for in a tearsheet: distribution shape (skew,
kurtosis), tail risk (VaR, CVaR), time in market, calendar returns (months, years, trailing
windows), the worst drawdowns with their dates, and a histogram of daily returns. Conventions
follow quantstats' defaults so a user comparing both sees the same figures (the tests check each
one against quantstats on the same series):

- daily returns are `equity[1:] / equity[:-1] - 1`, dated on the later session;
- skew and kurtosis are the bias-corrected sample estimators (pandas'), kurtosis in excess of 3;
- VaR and CVaR are parametric (variance-covariance, a normal distribution fitted to the mean and
  sample standard deviation of daily returns) at 95 % confidence: one-day figures, negative
  numbers being losses;
- time in market is the share of sessions with a non-zero return (quantstats rounds it up to a
  whole percent; this keeps the exact share);
- a drawdown starts on the first session below the previous peak and ends on the last session
  below it (the session before the recovery), its length in calendar days counting both ends;
- a trailing window of N months covers the sessions on or after the date N months before the last
  session, and exists only when the history has a close before that date; windows longer than a
  year are annualised over 252 sessions, like the CAGR.

Pure numpy (dates are `datetime64[D]`), no pandas, so it stays in the domain.
"""

from __future__ import annotations

import calendar
import datetime as dt
import math
from dataclasses import dataclass
from statistics import NormalDist

import numpy as np
import numpy.typing as npt

from alchemiser.domain.backtest.metrics import SESSIONS_PER_YEAR

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]

VAR_CONFIDENCE = 0.95
WORST_DRAWDOWNS = 10
TRAILING_WINDOWS: tuple[tuple[str, int | None], ...] = (
    ("1M", 1),
    ("3M", 3),
    ("6M", 6),
    ("YTD", None),
    ("1Y", 12),
    ("3Y (ann.)", 36),
    ("5Y (ann.)", 60),
    ("10Y (ann.)", 120),
)
"""Label and length in months of each trailing window; None is the calendar year to date."""


@dataclass(frozen=True, slots=True)
class DatedReturn:
    """A return over one period, labelled by the period (a date, "2024-03" or "2024")."""

    period: str
    value: float


@dataclass(frozen=True, slots=True)
class DrawdownPeriod:
    start: dt.date
    """First session below the previous peak."""
    valley: dt.date
    end: dt.date
    """Last session below the peak (the last session of the history when not recovered)."""
    depth: float
    """Deepest fall from the peak, a positive fraction (0.25 = 25 % below)."""
    days: int
    """Calendar days from start to end, both counted (quantstats' convention)."""
    recovered: bool


@dataclass(frozen=True, slots=True)
class TrailingReturn:
    label: str
    value: float | None
    """None when the history does not cover the whole window."""
    annualised: bool


@dataclass(frozen=True, slots=True)
class Histogram:
    edges: FloatArray
    counts: npt.NDArray[np.int64]


@dataclass(frozen=True, slots=True)
class ReturnStats:
    skew: float
    kurtosis: float
    value_at_risk: float
    conditional_value_at_risk: float
    exposure: float
    best_day: DatedReturn | None
    worst_day: DatedReturn | None
    best_month: DatedReturn | None
    worst_month: DatedReturn | None
    best_year: DatedReturn | None
    worst_year: DatedReturn | None
    yearly: tuple[DatedReturn, ...]
    monthly: tuple[DatedReturn, ...]
    trailing: tuple[TrailingReturn, ...]
    drawdowns: tuple[DrawdownPeriod, ...]
    """The worst drawdowns, deepest first."""
    histogram: Histogram


def daily_returns(equity: FloatArray) -> FloatArray:
    equity = np.asarray(equity, dtype=np.float64)
    out: FloatArray = equity[1:] / equity[:-1] - 1.0
    return out


def skew(returns: FloatArray) -> float:
    """Adjusted Fisher-Pearson sample skewness (what pandas' `Series.skew` returns)."""
    n = len(returns)
    if n < 3:
        return math.nan
    d = returns - returns.mean()
    m2 = float(np.sum(d * d))
    if m2 == 0:
        return 0.0
    m3 = float(np.sum(d**3))
    return n * math.sqrt(n - 1) / (n - 2) * m3 / math.pow(m2, 1.5)


def kurtosis(returns: FloatArray) -> float:
    """Bias-corrected excess kurtosis (what pandas' `Series.kurt` returns)."""
    n = len(returns)
    if n < 4:
        return math.nan
    d = returns - returns.mean()
    s2 = float(np.sum(d * d))
    if s2 == 0:
        return 0.0
    s4 = float(np.sum(d**4))
    first = n * (n + 1) * (n - 1) * s4 / ((n - 2) * (n - 3) * s2 * s2)
    return first - 3.0 * (n - 1) ** 2 / ((n - 2) * (n - 3))


def value_at_risk(returns: FloatArray, confidence: float = VAR_CONFIDENCE) -> float:
    """One-day parametric VaR: the (1 − confidence) quantile of a fitted normal."""
    if len(returns) < 2:
        return math.nan
    sd = float(np.std(returns, ddof=1))
    mean = float(returns.mean())
    if sd == 0:
        return mean
    return NormalDist(mean, sd).inv_cdf(1.0 - confidence)


def conditional_value_at_risk(returns: FloatArray, confidence: float = VAR_CONFIDENCE) -> float:
    """One-day parametric CVaR (expected shortfall): mean of the fitted normal's tail."""
    if len(returns) < 2:
        return math.nan
    sd = float(np.std(returns, ddof=1))
    mean = float(returns.mean())
    if sd == 0:
        return mean
    alpha = 1.0 - confidence
    standard = NormalDist()
    return mean - sd * standard.pdf(standard.inv_cdf(alpha)) / alpha


def exposure(returns: FloatArray) -> float:
    """Share of sessions with a non-zero return (in the market rather than flat in cash)."""
    finite = returns[np.isfinite(returns)]
    if len(finite) == 0:
        return 0.0
    return float(np.count_nonzero(finite)) / len(finite)


def period_returns(dates: DateArray, equity: FloatArray, unit: str) -> tuple[DatedReturn, ...]:
    """Compounded return of each calendar month ("M") or year ("Y") the history touches.

    The first period runs from the first close (the base of the first daily return)."""
    periods = np.asarray(dates, dtype="datetime64[D]").astype(f"datetime64[{unit}]")
    equity = np.asarray(equity, dtype=np.float64)
    last = np.flatnonzero(np.append(periods[1:] != periods[:-1], True))
    bases = np.concatenate(([equity[0]], equity[last[:-1]]))
    values = equity[last] / bases - 1.0
    # A first period holding only the first close has no return (it is the base of the next).
    keep = np.ones(len(last), dtype=bool)
    keep[0] = last[0] > 0
    return tuple(
        DatedReturn(str(periods[i]), float(v))
        for i, v, k in zip(last, values, keep, strict=True)
        if k
    )


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day `months` calendar months earlier, clipped to the month's end."""
    total = day.year * 12 + day.month - 1 - months
    year, month = divmod(total, 12)
    month += 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def trailing_returns(dates: DateArray, equity: FloatArray) -> tuple[TrailingReturn, ...]:
    days = np.asarray(dates, dtype="datetime64[D]")
    equity = np.asarray(equity, dtype=np.float64)
    end = _date(days[-1])
    out = []
    for label, months in TRAILING_WINDOWS:
        cutoff = dt.date(end.year, 1, 1) if months is None else months_before(end, months)
        base = int(np.searchsorted(days, np.datetime64(cutoff, "D"), side="left")) - 1
        annualised = months is not None and months > 12
        if base < 0:
            out.append(TrailingReturn(label, None, annualised))
            continue
        total = float(equity[-1] / equity[base] - 1.0)
        sessions = len(days) - 1 - base
        value = (1.0 + total) ** (SESSIONS_PER_YEAR / sessions) - 1.0 if annualised else total
        out.append(TrailingReturn(label, value, annualised))
    return tuple(out)


def drawdown_periods(dates: DateArray, equity: FloatArray) -> tuple[DrawdownPeriod, ...]:
    """Every drawdown of the curve, in date order."""
    days = np.asarray(dates, dtype="datetime64[D]")
    equity = np.asarray(equity, dtype=np.float64)
    below = 1.0 - equity / np.maximum.accumulate(equity)
    under = below > 0
    edges = np.diff(np.concatenate(([False], under, [False])).astype(np.int8))
    starts = np.flatnonzero(edges == 1)
    stops = np.flatnonzero(edges == -1)  # first index after each run
    periods = []
    for s, e in zip(starts, stops, strict=True):
        valley = s + int(np.argmax(below[s:e]))
        start, last = _date(days[s]), _date(days[e - 1])
        periods.append(
            DrawdownPeriod(
                start=start,
                valley=_date(days[valley]),
                end=last,
                depth=float(below[valley]),
                days=(last - start).days + 1,
                recovered=bool(e < len(equity)),
            )
        )
    return tuple(periods)


def worst_drawdowns(
    dates: DateArray, equity: FloatArray, count: int = WORST_DRAWDOWNS
) -> tuple[DrawdownPeriod, ...]:
    ranked = sorted(drawdown_periods(dates, equity), key=lambda p: (-p.depth, p.start))
    return tuple(ranked[:count])


def histogram(returns: FloatArray, max_bins: int = 80) -> Histogram:
    """Daily returns in equal bins (about √n of them, at least 10 and at most `max_bins`)."""
    finite = returns[np.isfinite(returns)]
    bins = min(max_bins, max(10, math.isqrt(max(len(finite), 1))))
    counts, edges = np.histogram(finite, bins=bins)
    return Histogram(edges=edges.astype(np.float64), counts=counts.astype(np.int64))


def return_stats(dates: DateArray, equity: FloatArray) -> ReturnStats:
    """All of the above for one equity curve on its session dates."""
    days = np.asarray(dates, dtype="datetime64[D]")
    returns = daily_returns(equity)
    monthly = period_returns(days, equity, "M")
    yearly = period_returns(days, equity, "Y")
    return ReturnStats(
        skew=skew(returns),
        kurtosis=kurtosis(returns),
        value_at_risk=value_at_risk(returns),
        conditional_value_at_risk=conditional_value_at_risk(returns),
        exposure=exposure(returns),
        best_day=_extreme_day(days, returns, best=True),
        worst_day=_extreme_day(days, returns, best=False),
        best_month=_extreme(monthly, best=True),
        worst_month=_extreme(monthly, best=False),
        best_year=_extreme(yearly, best=True),
        worst_year=_extreme(yearly, best=False),
        yearly=yearly,
        monthly=monthly,
        trailing=trailing_returns(days, equity),
        drawdowns=worst_drawdowns(days, equity),
        histogram=histogram(returns),
    )


def _extreme_day(days: DateArray, returns: FloatArray, *, best: bool) -> DatedReturn | None:
    if len(returns) == 0:
        return None
    i = int(np.argmax(returns) if best else np.argmin(returns))
    return DatedReturn(str(days[i + 1]), float(returns[i]))


def _extreme(items: tuple[DatedReturn, ...], *, best: bool) -> DatedReturn | None:
    if not items:
        return None
    return max(items, key=lambda r: r.value) if best else min(items, key=lambda r: r.value)


def _date(value: np.datetime64) -> dt.date:
    return dt.date.fromisoformat(str(value.astype("datetime64[D]")))
