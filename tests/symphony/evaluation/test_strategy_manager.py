"""StrategyManager: per-sleeve signals, explanations, blending, failures never become cash."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
import pytest

from alchemiser.application.strategy_manager import SleeveSignalError, StrategyManager
from alchemiser.domain.errors import (
    DataError,
    DataUnavailableError,
    ErrorCategory,
    StrategyError,
)
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.portfolio.sleeves import PortfolioSpec, SleeveSpec
from alchemiser.domain.symphony.tree import Asset, If, Metric, Symphony, WeightEqual
from tests.symphony.evaluation._build import cond, ind, price

DATES = np.arange(np.datetime64("2024-01-01"), np.datetime64("2024-01-11"))
CLOSES = {
    "SPY": [100.0, 101, 102, 103, 104, 105, 104, 103, 102, 101],
    "TLT": [50.0] * 10,
    "QQQ": [200.0, 202, 204, 206, 208, 210, 212, 214, 216, 218],
}


class FakeMarket:
    """An in-memory MarketDataSource with a decision-time price per ticker."""

    name = "fake"
    synthetic = False

    def __init__(self, latest: dict[str, float] | None = None) -> None:
        self.latest = latest or {}
        self.calls: list[tuple[tuple[str, ...], dt.date | None, dt.date | None]] = []

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        self.calls.append((tuple(tickers), start, end))
        unknown = [t for t in tickers if t not in CLOSES]
        if unknown:
            raise DataError(f"no price history for {unknown[0]}", context={"ticker": unknown[0]})
        full = PriceHistory.from_columns(DATES, {t: CLOSES[t] for t in tickers}, source="fake")
        return full.between(start, end)

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        return {t: self.latest[t] for t in tickers if t in self.latest}


TREND = Symphony(
    "trend",
    If(
        cond(price("SPY"), ">", ind(Metric.MOVING_AVERAGE_PRICE, "SPY", 3)),
        Asset("SPY"),
        Asset("TLT"),
    ),
)
BLEND = Symphony("blend", WeightEqual((Asset("SPY"), Asset("QQQ"))))
SLOW = Symphony(
    "slow",
    If(cond(ind(Metric.MOVING_AVERAGE_PRICE, "SPY", 50), ">", 1.0), Asset("SPY"), Asset("TLT")),
)
BROKEN = Symphony("broken", Asset("NOPE"))
LIBRARY = {"trend": TREND, "blend": BLEND, "slow": SLOW, "broken": BROKEN}


def load(ref: str) -> Symphony:
    if ref not in LIBRARY:
        raise StrategyError(f"{ref}: no such symphony", context={"file": ref})
    return LIBRARY[ref]


def portfolio(**allocations: float) -> PortfolioSpec:
    return PortfolioSpec(tuple(SleeveSpec(n, n, a) for n, a in allocations.items()))


def manager(market: FakeMarket | None = None) -> StrategyManager:
    return StrategyManager(
        market or FakeMarket(), load, history_years=1, today=lambda: dt.date(2024, 1, 10)
    )


def test_signal_blends_sleeves_and_explains_each() -> None:
    signal = manager().signal(portfolio(trend=0.6, blend=0.4))
    assert signal.ok
    assert signal.as_of == dt.date(2024, 1, 10)
    # 2024-01-10: SPY 101 < MA3 (103+102+101)/3 = 102 → TLT.
    assert dict(signal.sleeves["trend"].weights) == {"TLT": 1.0}
    assert signal.target.weights == pytest.approx({"TLT": 0.6, "SPY": 0.2, "QQQ": 0.2})
    assert signal.target.sleeves_of("SPY") == pytest.approx({"blend": 0.2})
    assert signal.sleeves["trend"].explanation[0].details["branch"] == "else"
    assert signal.sleeves["trend"].warmed_up == dt.date(2024, 1, 3)
    assert signal.source == "fake"


def test_as_of_evaluates_that_date_without_look_ahead() -> None:
    market = FakeMarket()
    signal = manager(market).signal(portfolio(trend=1.0), as_of=dt.date(2024, 1, 6))
    # 2024-01-06: SPY 105 > (103+104+105)/3 → SPY.
    assert dict(signal.sleeves["trend"].weights) == {"SPY": 1.0}
    assert market.calls[0][2] == dt.date(2024, 1, 6)
    assert market.calls[0][1] == dt.date(2023, 1, 6)  # history_years=1 back from as_of


def test_live_price_is_appended_as_todays_close() -> None:
    # Without today's price the last close is 2024-01-10 (→ TLT); at 110 SPY is above its MA.
    market = FakeMarket(latest={"SPY": 110.0, "TLT": 50.0})
    signal = manager(market).signal(portfolio(trend=1.0), live_date=dt.date(2024, 1, 11))
    assert signal.live_price
    assert signal.as_of == dt.date(2024, 1, 11)
    assert dict(signal.sleeves["trend"].weights) == {"SPY": 1.0}


def test_missing_live_price_is_a_sleeve_failure_not_a_guess() -> None:
    market = FakeMarket(latest={"TLT": 50.0})
    signal = manager(market).signal(portfolio(trend=1.0), live_date=dt.date(2024, 1, 11))
    assert not signal.ok
    assert "undefined on 2024-01-11" in signal.errors["trend"].message


def test_failed_sleeves_are_recorded_with_their_names_never_cash() -> None:
    signal = manager().signal(portfolio(trend=0.5, broken=0.3, slow=0.2))
    assert set(signal.errors) == {"broken", "slow"}
    broken = signal.errors["broken"]
    assert isinstance(broken, SleeveSignalError)
    assert broken.sleeve == "broken"
    assert isinstance(broken.cause, DataError)
    assert "NOPE" in broken.message
    slow = signal.errors["slow"]
    assert "never defined in the 10 sessions" in slow.message
    assert slow.explanation[0].details["result"] is None  # the undecidable 50-day condition
    assert signal.target.weights == {"TLT": 0.5}  # incomplete, and says so via errors
    with pytest.raises(StrategyError, match="2 sleeves failed"):
        signal.raise_on_failure()


def test_a_sleeve_failure_is_categorised_by_its_cause() -> None:
    """Missing prices alert as DATA; an undecidable tree or a bad symphony stays STRATEGY."""
    signal = manager().signal(portfolio(broken=0.4, slow=0.3, missing=0.3))
    assert signal.errors["broken"].category is ErrorCategory.DATA
    assert signal.errors["slow"].category is ErrorCategory.STRATEGY
    assert signal.errors["missing"].category is ErrorCategory.STRATEGY
    assert all(isinstance(e, StrategyError) for e in signal.errors.values())  # sleeve policy


class UnreachableMarket(FakeMarket):
    """A network source that cannot be reached (what Yahoo/Alpaca raise after the deadline)."""

    def history(
        self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
    ) -> PriceHistory:
        self.calls.append((tuple(tickers), start, end))
        raise DataUnavailableError(
            "Yahoo Finance did not answer within the 3 s deadline", context={"source": "yahoo"}
        )


def test_several_sleeves_without_prices_fail_as_data_not_strategy() -> None:
    """Two sleeves lacking prices (one unknown ticker, one whole failed fetch): DATA."""

    class HalfBroken(FakeMarket):
        def history(
            self, tickers: Sequence[str], start: dt.date | None, end: dt.date | None
        ) -> PriceHistory:
            if "QQQ" in tickers:
                raise DataError("no prices for QQQ", context={"ticker": "QQQ"})
            return super().history(tickers, start, end)

    signal = manager(HalfBroken()).signal(portfolio(broken=0.5, blend=0.5))
    with pytest.raises(StrategyError, match="2 sleeves failed") as caught:
        signal.raise_on_failure()
    assert caught.value.category is ErrorCategory.DATA
    mixed = manager().signal(portfolio(broken=0.5, slow=0.5))
    with pytest.raises(StrategyError) as caught:
        mixed.raise_on_failure()
    assert caught.value.category is ErrorCategory.STRATEGY  # causes differ


def test_an_unreachable_source_is_raised_as_such_so_the_autopilot_retries() -> None:
    signal = manager(UnreachableMarket()).signal(portfolio(trend=0.5, blend=0.5))
    assert set(signal.errors) == {"trend", "blend"}
    with pytest.raises(DataUnavailableError, match="no prices for sleeves trend, blend") as caught:
        signal.raise_on_failure()
    assert caught.value.category is ErrorCategory.DATA
    assert caught.value.context["source"] == "yahoo"
    assert "3 s deadline" in caught.value.message


def test_single_failure_reraises_that_sleeve_error() -> None:
    signal = manager().signal(portfolio(trend=0.5, missing=0.5))
    with pytest.raises(SleeveSignalError, match="'missing'"):
        signal.raise_on_failure()


def test_keep_holdings_policy_fills_failed_sleeves_from_replacements() -> None:
    signal = manager().signal(portfolio(trend=0.5, broken=0.5))
    target = signal.blend_with({"broken": {"GLD": 1.0}})
    assert target.weights == pytest.approx({"TLT": 0.5, "GLD": 0.5})
    assert target.sleeves_of("GLD") == {"broken": 0.5}
    with pytest.raises(StrategyError, match="no replacement"):
        signal.blend_with({})


def test_as_of_and_live_date_are_exclusive() -> None:
    with pytest.raises(StrategyError):
        manager().signal(
            portfolio(trend=1.0), as_of=dt.date(2024, 1, 5), live_date=dt.date(2024, 1, 5)
        )


def test_one_symphony_shared_by_two_sleeves_is_evaluated_once() -> None:
    loads: list[str] = []

    def counting(ref: str) -> Symphony:
        loads.append(ref)
        return load(ref)

    market = FakeMarket()
    shared = StrategyManager(market, counting, history_years=1, today=lambda: dt.date(2024, 1, 10))
    spec = PortfolioSpec((SleeveSpec("a", "trend", 0.25), SleeveSpec("b", "trend", 0.75)))
    signal = shared.signal(spec)
    assert loads == ["trend"]
    assert len(market.calls) == 1
    assert signal.sleeves["b"].allocation == 0.75
    assert signal.target.sleeves_of("TLT") == pytest.approx({"a": 0.25, "b": 0.75})
    failing = PortfolioSpec((SleeveSpec("x", "broken", 0.5), SleeveSpec("y", "broken", 0.5)))
    errors = shared.signal(failing).errors
    assert [e.sleeve for e in errors.values()] == ["x", "y"]


def test_no_sessions_in_range_is_a_clear_sleeve_error() -> None:
    late = StrategyManager(FakeMarket(), load, history_years=1, today=lambda: dt.date(2030, 1, 1))
    signal = late.signal(portfolio(trend=1.0))
    assert "no sessions between 2029-01-01 and today" in signal.errors["trend"].message


def test_history_reaches_back_far_enough_for_the_warm_up() -> None:
    market = FakeMarket()
    long_window = Symphony(
        "long",
        If(
            cond(ind(Metric.MOVING_AVERAGE_PRICE, "SPY", 500), ">", 1.0), Asset("SPY"), Asset("TLT")
        ),
    )
    manager(market).history_for(long_window, dt.date(2024, 1, 10))
    start = market.calls[0][1]
    assert start is not None
    # 500 sessions ≈ 2 calendar years, more than history_years=1
    assert dt.date(2024, 1, 10) - start >= dt.timedelta(days=500 * 7 // 5)
