"""A plain, day-by-day backtest written independently of the vectorised one, as its yardstick.

Every session it re-evaluates the symphony on the history truncated to that session and takes
the last row (what a live run would have decided that evening), then trades with plain Python
floats and dicts. Nothing here is shared with `alchemiser.domain.backtest` except the evaluator.
"""

from __future__ import annotations

import datetime as dt

from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.evaluator import evaluate
from alchemiser.domain.symphony.tree import RebalanceFrequency, Symphony

SEC_PER_DOLLAR = 27.80 / 1e6
TAF_PER_SHARE = 0.000166
TAF_CAP = 8.30


def _period(day: dt.date, frequency: RebalanceFrequency) -> tuple[int, int]:
    if frequency is RebalanceFrequency.WEEKLY:
        iso = day.isocalendar()
        return iso[0], iso[1]
    if frequency is RebalanceFrequency.MONTHLY:
        return day.year, day.month
    if frequency is RebalanceFrequency.QUARTERLY:
        return day.year, (day.month - 1) // 3
    return day.year, 0


def reference_equity(
    symphony: Symphony,
    history: PriceHistory,
    *,
    start: int,
    capital: float,
    slippage_bps: float = 1.0,
    fees: bool = True,
) -> list[float]:
    """Equity after each close's trades, from session `start` to the end of `history`."""
    rule = symphony.rebalance
    shares: dict[str, float] = {}
    cash = capital
    last_target_set: set[str] | None = None
    last_period: tuple[int, int] | None = None
    due = False
    curve: list[float] = []
    for i in range(start, len(history.dates)):
        day = dt.date.fromisoformat(str(history.dates[i]))
        price = {t: float(history.close[i, j]) for j, t in enumerate(history.tickers)}
        value = cash + sum(q * price[t] for t, q in shares.items())
        allocation = evaluate(symphony, history.between(end=day))
        defined = bool(allocation.defined[-1])
        target = {
            t: float(w)
            for t, w in zip(allocation.tickers, allocation.weights[-1], strict=True)
            if w > 1e-12
        }
        period = _period(day, rule.frequency)
        if period != last_period:
            due = True
        last_period = period
        if not defined:
            rebalance = False
        elif last_target_set is None:
            rebalance = True  # buy in on the first session
        elif rule.threshold is not None or rule.frequency is RebalanceFrequency.NONE:
            corridor = rule.threshold if rule.threshold is not None else float("inf")
            held = {t: q * price[t] / value for t, q in shares.items()}
            drift = max(abs(held.get(t, 0.0) - target.get(t, 0.0)) for t in {*held, *target})
            rebalance = set(target) != last_target_set or drift > corridor
        elif rule.frequency is RebalanceFrequency.DAILY:
            rebalance = True
        else:
            rebalance = due
        if rebalance:
            cost = 0.0
            for t in {*shares, *target}:
                held_value = shares.get(t, 0.0) * price[t]
                trade = target.get(t, 0.0) * value - held_value
                cost += abs(trade) * slippage_bps / 10_000
                if fees and trade < 0:
                    cost += -trade * SEC_PER_DOLLAR
                    cost += min(-trade / price[t] * TAF_PER_SHARE, TAF_CAP)
            after = value - cost
            shares = {t: w * after / price[t] for t, w in target.items()}
            cash = (1.0 - sum(target.values())) * after
            last_target_set = set(target)
            due = False
            curve.append(after)
        else:
            curve.append(value)
    return curve
