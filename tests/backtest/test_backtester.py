"""The backtest use case end to end: evaluation, sleeves as sub-accounts, combination, JSON."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alchemiser.application.backtest import (
    BacktestConfig,
    BacktestResult,
    SleeveInput,
    run_backtest,
)
from alchemiser.application.research.work import HistorySource
from alchemiser.domain.backtest.costs import NO_COSTS, CostModel
from alchemiser.domain.backtest.rebalancing import RebalanceKind, parse_policy, period_starts
from alchemiser.domain.errors import ConfigurationError, SignalUndefinedError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.tree import (
    Asset,
    Comparator,
    Condition,
    If,
    Indicator,
    Metric,
    Symphony,
    WeightEqual,
)
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket

DATES = np.datetime64("2024-01-29") + np.array([0, 1, 2, 3, 4, 7, 8, 9])  # Jan 29 → Feb 7
A = [100.0, 110.0, 121.0, 110.0, 100.0, 100.0, 105.0, 110.0]
B = [50.0, 50.0, 45.0, 45.0, 60.0, 60.0, 60.0, 66.0]
SPY = [400.0, 404.0, 408.0, 412.0, 416.0, 420.0, 424.0, 428.0]


def _source() -> HistorySource:
    history = PriceHistory.from_columns(DATES, {"AAA": A, "BBB": B, "SPY": SPY})
    return HistorySource(history)


def _hold(ticker: str) -> Symphony:
    return Symphony(f"hold {ticker}", Asset(ticker))


def test_two_buy_and_hold_sleeves_add_up_to_the_cent() -> None:
    sleeves = [SleeveInput("a", _hold("AAA"), 0.6), SleeveInput("b", _hold("BBB"), 0.4)]
    config = BacktestConfig(capital=10_000.0, costs=NO_COSTS)
    result = run_backtest(sleeves, _source(), config)
    expected = [6_000 * a / 100 + 4_000 * b / 50 for a, b in zip(A, B, strict=True)]
    assert [round(x, 2) for x in result.equity] == [round(x, 2) for x in expected]
    assert result.final_equity == pytest.approx(6_000 * 1.1 + 4_000 * 66 / 50)
    # Combined weights on the last day: 6,600 of A and 5,280 of B.
    last = dict(zip(result.tickers, result.weights[-1], strict=True))
    assert last["AAA"] == pytest.approx(6_600 / 11_880)
    assert result.turnover == 0.0
    assert result.first_defined == dt.date(2024, 1, 29)
    assert result.metrics.beta == pytest.approx(result.metrics.beta)  # benchmark present


def test_entry_costs_are_charged_once_per_sleeve() -> None:
    sleeves = [SleeveInput("a", _hold("AAA"), 0.5), SleeveInput("b", _hold("BBB"), 0.5)]
    config = BacktestConfig(capital=10_000.0, costs=CostModel(slippage_bps=10))
    result = run_backtest(sleeves, _source(), config)
    assert result.costs == pytest.approx(10.0)  # 10 bp of 10,000 bought, nothing ever sold
    assert result.cost_breakdown["sec_fee"] == 0.0
    assert result.final_equity == pytest.approx(4_995 * 1.1 + 4_995 * 66 / 50)


@pytest.mark.parametrize("rule", [None, "none", "monthly", "threshold:0.5"])
def test_sleeves_rebalanced_back_to_allocations_weekly(rule: str | None) -> None:
    # Whatever a sleeve's own rule (vectorised daily, or the drift loop), a re-allocation day
    # moves value between the sleeves.
    sleeves = [SleeveInput("a", _hold("AAA"), 0.5), SleeveInput("b", _hold("BBB"), 0.5)]
    config = BacktestConfig(
        capital=10_000.0,
        costs=NO_COSTS,
        sleeve_rebalance=RebalanceKind.WEEKLY,
        rebalance=parse_policy(rule) if rule else None,
    )
    result = run_backtest(sleeves, _source(), config)
    a, b = (s.equity for s in result.sleeves)
    # Week 1 (Jan 29 – Feb 2) drifts; Monday Feb 5 both sleeves go back to half of the total.
    assert a[4] == pytest.approx(5_000.0) and b[4] == pytest.approx(6_000.0)
    total_feb5 = 5_000 + 6_000
    assert a[5] == pytest.approx(total_feb5 / 2) and b[5] == pytest.approx(total_feb5 / 2)
    assert a[-1] == pytest.approx(5_500 * 110 / 100)
    assert b[-1] == pytest.approx(5_500 * 66 / 60)
    np.testing.assert_allclose(result.equity, a + b)
    # The move of value from B to A is a sale of B's holding and a purchase of A.
    assert result.sleeves[1].simulation.trades[5].tolist() == pytest.approx([-500.0])


def test_branch_switch_through_the_evaluator() -> None:
    # Hold AAA while it is above 105, else BBB; threshold rule → trades only on switches.
    condition = Condition(Comparator.GT, Indicator(Metric.CURRENT_PRICE, "AAA", None), 105.0)
    tree = If(condition, WeightEqual((Asset("AAA"),)), WeightEqual((Asset("BBB"),)))
    sleeves = [SleeveInput("switch", Symphony("switch", tree), 1.0)]
    config = BacktestConfig(capital=1_000.0, costs=NO_COSTS, rebalance=parse_policy("none"))
    result = run_backtest(sleeves, _source(), config)
    trades = [
        (d.isoformat(), t, round(v, 6)) for d, t, v in result.sleeves[0].simulation.trade_list()
    ]
    # AAA closes 100 (BBB), 110 (AAA), 121, 110 (AAA), 100 (BBB), 100, 105 (BBB), 110 (AAA).
    v1 = 1_000.0  # BBB flat at 50 from day 0 to day 1
    v4 = v1 / 110 * 100  # AAA held from 110 (day 1) to 100 (day 4)
    v7 = v4 / 60 * 66  # BBB held from 60 (day 4) to 66 (day 7); 105 is not > 105 on day 6
    assert trades == [
        ("2024-01-29", "BBB", 1_000.0),
        ("2024-01-30", "AAA", round(v1, 6)),
        ("2024-01-30", "BBB", round(-v1, 6)),
        ("2024-02-02", "AAA", round(-v4, 6)),
        ("2024-02-02", "BBB", round(v4, 6)),
        ("2024-02-07", "AAA", round(v7, 6)),
        ("2024-02-07", "BBB", round(-v7, 6)),
    ]


def test_undefined_everywhere_is_a_strategy_error() -> None:
    never = If(
        Condition(Comparator.GT, Indicator(Metric.RSI, "AAA", 50), 50.0),
        Asset("AAA"),
        Asset("BBB"),
    )
    with pytest.raises(SignalUndefinedError, match="never"):
        run_backtest([SleeveInput("never", Symphony("x", never), 1.0)], _source(), BacktestConfig())


def test_missing_benchmark_is_a_note_not_a_failure() -> None:
    sleeves = [SleeveInput("a", _hold("AAA"), 1.0)]
    result = run_backtest(sleeves, _source(), BacktestConfig(benchmark="QQQ"))
    assert result.benchmark is None
    assert any("QQQ" in n for n in result.notes)
    assert np.isnan(result.metrics.beta)


def test_bad_config_is_refused() -> None:
    with pytest.raises(ConfigurationError):
        BacktestConfig(capital=0)
    with pytest.raises(ConfigurationError):
        BacktestConfig(sleeve_rebalance=RebalanceKind.THRESHOLD)


def test_default_portfolio_json_and_consistency(portfolio_result: BacktestResult) -> None:
    result = portfolio_result
    assert result.synthetic is True
    assert result.start >= dt.date(2019, 1, 1)
    np.testing.assert_allclose(result.equity, sum(s.equity for s in result.sleeves))
    np.testing.assert_allclose(result.weights.sum(axis=1), 1.0, atol=1e-9)
    assert result.costs == pytest.approx(sum(s.simulation.total_costs for s in result.sleeves))
    # klm's own rule is a 10-point corridor: it must not trade every day.
    klm = next(s for s in result.sleeves if s.name == "klm")
    assert klm.policy.label() == "threshold:0.1"
    assert 0 < klm.simulation.rebalanced.sum() < len(result.dates)


def test_rebalance_override_monthly(
    synthetic_market: SyntheticMarket, default_sleeves: list[SleeveInput]
) -> None:
    config = BacktestConfig(
        start=dt.date(2023, 1, 1), end=dt.date(2024, 12, 31), rebalance=parse_policy("monthly")
    )
    result = run_backtest(default_sleeves, synthetic_market, config)
    starts = period_starts(result.dates, RebalanceKind.MONTHLY)
    for sleeve in result.sleeves:
        assert sleeve.policy.label() == "monthly"
        assert np.array_equal(sleeve.simulation.rebalanced, starts)


def test_synthetic_flag_follows_the_data() -> None:
    sleeves = [SleeveInput("a", _hold("AAA"), 1.0)]
    real = run_backtest(sleeves, _source(), BacktestConfig())
    assert real.synthetic is False
