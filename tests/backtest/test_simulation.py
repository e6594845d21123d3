"""The simulator against hand-computed portfolios: equity to the cent and exact trade lists."""

from __future__ import annotations

import numpy as np
import pytest

from alchemiser.domain.backtest.costs import NO_COSTS, CostModel
from alchemiser.domain.backtest.rebalancing import (
    DAILY,
    RebalanceKind,
    RebalancePolicy,
    parse_policy,
)
from alchemiser.domain.backtest.simulation import simulate
from alchemiser.domain.errors import ConfigurationError, DataError

TICKERS = ("AAA", "BBB")


def _days(*isos: str) -> np.ndarray:
    return np.array(isos, dtype="datetime64[D]")


def _run(
    close, targets, *, policy=DAILY, costs=NO_COSTS, capital=10_000.0, dates=None, defined=None
):
    close = np.asarray(close, dtype=float)
    targets = np.asarray(targets, dtype=float)
    n = len(close)
    if dates is None:
        dates = np.datetime64("2024-01-02") + np.arange(n)
    if defined is None:
        defined = np.ones(n, dtype=bool)
    return simulate(
        dates,
        TICKERS,
        close,
        targets,
        np.asarray(defined),
        policy=policy,
        costs=costs,
        capital=capital,
    )


def test_two_assets_daily_with_all_costs_to_the_cent() -> None:
    # Worked by hand (see the comments); 50/50 every day, 1 bp slippage, SEC fee and TAF.
    close = [[100.0, 50.0], [110.0, 50.0], [99.0, 55.0]]
    targets = [[0.5, 0.5]] * 3
    result = _run(close, targets, costs=CostModel())
    # day 0: buy 5,000 + 5,000; slippage 1 bp of 10,000 = 1.00 → 9,999.00
    # day 1: A 49.995 sh × 110 = 5,499.45, B 99.99 × 50 = 4,999.50, V = 10,498.95;
    #        sell 249.975 of A (2.2725 sh), buy 249.975 of B:
    #        slippage 0.049995 + SEC 0.006949305 + TAF 0.000377235 → 10,498.892678
    # day 2: the move is −10 % / +10 % so V is unchanged; sell 5 % of V of B at 55 (9.5445 sh):
    #        slippage 0.1049889 + SEC 0.0145935 + TAF 0.0015844 → 10,498.771512
    assert [round(x, 2) for x in result.equity] == [9999.00, 10498.89, 10498.77]
    assert result.equity[1] == pytest.approx(10498.892678, abs=1e-6)
    assert result.equity[2] == pytest.approx(10498.771512, abs=1e-6)
    assert result.costs[1] == pytest.approx([0.049995, 0.006949305, 0.000377235], abs=1e-9)
    assert result.total_costs == pytest.approx(1.0 + 0.05732154 + 0.12116677, abs=1e-7)


def test_loop_and_vectorised_daily_agree() -> None:
    rng = np.random.default_rng(3)
    n = 400
    close = 50 * np.cumprod(1 + rng.normal(0, 0.02, (n, 2)), axis=0)
    w = rng.uniform(0, 1, n)
    targets = np.column_stack([w, 1 - w])
    targets[::7] = [1.0, 0.0]
    fast = _run(close, targets, costs=CostModel(slippage_bps=5))
    # An undefined last day forces the loop; compare on the common sessions.
    defined = np.ones(n, dtype=bool)
    defined[-1] = False
    slow = _run(close, targets, costs=CostModel(slippage_bps=5), defined=defined)
    np.testing.assert_allclose(fast.equity[:-1], slow.equity[:-1], rtol=1e-12)
    np.testing.assert_allclose(fast.trades[:-1], slow.trades[:-1], rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(fast.costs[:-1], slow.costs[:-1], rtol=1e-9, atol=1e-12)
    assert slow.undefined_days == 1
    assert not slow.rebalanced[-1]


def test_taf_is_capped_per_trade_and_sec_is_per_dollar() -> None:
    model = CostModel(slippage_bps=0.0)
    # Sell 100,000 shares at $1 (TAF 16.60 → capped 8.30) and 1,000 shares at $100 (0.166).
    slip, sec, taf = model.breakdown(np.array([-100_000.0, -100_000.0]), np.array([1.0, 100.0]))
    assert slip == 0.0
    assert sec == pytest.approx(200_000 * 27.80 / 1_000_000)  # $5.56
    assert taf == pytest.approx(8.30 + 0.166)
    # Buys pay neither fee; slippage is charged on both sides.
    slip, sec, taf = CostModel(slippage_bps=2).breakdown(
        np.array([1_000.0, -3_000.0]), np.array([10.0, 10.0])
    )
    assert slip == pytest.approx(0.0002 * 4_000)
    assert sec == pytest.approx(3_000 * 27.80e-6)
    assert taf == pytest.approx(300 * 0.000166)
    assert CostModel(fees=False).breakdown(np.array([-1e6]), np.array([1.0]))[1:] == (0.0, 0.0)


def test_taf_cap_in_the_vectorised_path() -> None:
    # $1M at $1 a share, all switched from A to B on day 1: 1M shares sold → TAF capped at 8.30.
    close = [[1.0, 1.0], [1.0, 1.0]]
    targets = [[1.0, 0.0], [0.0, 1.0]]
    result = _run(close, targets, costs=CostModel(slippage_bps=0.0), capital=1_000_000.0)
    assert result.costs[1, 2] == pytest.approx(8.30)
    assert result.costs[1, 1] == pytest.approx(27.80)
    assert result.equity[1] == pytest.approx(1_000_000 - 8.30 - 27.80)


def test_threshold_rebalances_only_outside_the_corridor() -> None:
    # 50/50 target, corridor 5 points. A rises: weight 0.5·1.1/(0.5·1.1+0.5) = 0.5238 (inside),
    # then 0.5·1.3/1.15 = 0.5652 (outside → rebalance), then back inside.
    close = [[100, 100], [110, 100], [130, 100], [130, 104]]
    targets = [[0.5, 0.5]] * 4
    result = _run(close, targets, policy=parse_policy("threshold:0.05"))
    assert result.rebalanced.tolist() == [True, False, True, False]
    trades = result.trade_list()
    value2 = 50 * 1.3 * 100 + 50 * 100  # 11,500 on day 2
    assert [(d.isoformat(), t) for d, t, _ in trades] == [
        ("2024-01-02", "AAA"),
        ("2024-01-02", "BBB"),
        ("2024-01-04", "AAA"),
        ("2024-01-04", "BBB"),
    ]
    assert trades[2][2] == pytest.approx(value2 / 2 - 6_500)  # sell 750 of A
    assert trades[3][2] == pytest.approx(value2 / 2 - 5_000)  # buy 750 of B
    assert result.equity[-1] == pytest.approx(5_750 / 100 * 104 + 5_750)


def test_branch_switch_rebalances_inside_the_corridor() -> None:
    # The target moves from {A, B} 50/50 to {A, C}... here: to A 52 % / B 48 % (inside the
    # corridor, no trade), then to A alone (a branch switch: rebalance although B's drift is small).
    close = [[100, 100], [100, 100], [100, 100]]
    targets = [[0.5, 0.5], [0.52, 0.48], [1.0, 0.0]]
    result = _run(close, targets, policy=RebalancePolicy(RebalanceKind.THRESHOLD, 0.6))
    assert result.rebalanced.tolist() == [True, False, True]
    assert [(d.day, t, v) for d, t, v in result.trade_list()] == [
        (2, "AAA", 5_000.0),
        (2, "BBB", 5_000.0),
        (4, "AAA", 5_000.0),
        (4, "BBB", -5_000.0),
    ]
    # `none` is an infinite corridor: only the branch switch trades.
    none = _run(close, targets, policy=parse_policy("none"))
    assert none.rebalanced.tolist() == [True, False, True]


def test_monthly_calendar_trades_on_the_first_session_of_each_month() -> None:
    dates = _days("2024-01-30", "2024-01-31", "2024-02-01", "2024-02-02", "2024-03-01")
    close = [[100, 100], [120, 100], [120, 100], [60, 100], [60, 100]]
    targets = [[0.5, 0.5]] * 5
    result = _run(close, targets, policy=parse_policy("monthly"), dates=dates)
    assert result.rebalanced.tolist() == [True, False, True, False, True]
    # Feb 1: V = 50·120 + 5,000 = 11,000 → sell 500 of A; Mar 1: A halved: V = 45.8333·60 + 5,500
    trades = result.trade_list()
    assert [(d.isoformat(), t, round(v, 6)) for d, t, v in trades[2:4]] == [
        ("2024-02-01", "AAA", -500.0),
        ("2024-02-01", "BBB", 500.0),
    ]
    shares_a = 5_500 / 120
    value_mar = shares_a * 60 + 5_500
    assert trades[4][2] == pytest.approx(value_mar / 2 - shares_a * 60)
    assert result.equity[-1] == pytest.approx(value_mar)


def test_weekly_and_quarterly_and_yearly_period_starts() -> None:
    from alchemiser.domain.backtest.rebalancing import period_starts

    dates = _days(
        "2024-03-28", "2024-04-01", "2024-04-02", "2024-04-08", "2024-12-31", "2025-01-02"
    )
    assert period_starts(dates, RebalanceKind.WEEKLY).tolist() == [1, 1, 0, 1, 1, 0]
    assert period_starts(dates, RebalanceKind.QUARTERLY).tolist() == [1, 1, 0, 0, 1, 1]
    assert period_starts(dates, RebalanceKind.YEARLY).tolist() == [1, 0, 0, 0, 0, 1]


def test_starts_at_first_defined_date_and_undefined_days_drift() -> None:
    close = [[100, 100], [100, 100], [110, 100], [121, 100]]
    targets = [[0, 0], [1.0, 0.0], [0, 0], [0.0, 1.0]]
    defined = [False, True, False, True]
    result = _run(close, targets, defined=defined)
    assert str(result.dates[0]) == "2024-01-03"
    assert result.undefined_days == 1
    assert result.equity.tolist() == pytest.approx([10_000, 11_000, 12_100])
    assert result.weights[-1].tolist() == [0.0, 1.0]


def test_cash_remainder_when_a_row_does_not_sum_to_one() -> None:
    result = _run([[100, 100], [200, 100]], [[0.5, 0.0], [0.5, 0.0]])
    # Half in A, half in cash; A doubles: 10,000 + 5,000, then half of 15,000 goes back to cash.
    assert result.equity.tolist() == pytest.approx([10_000, 15_000])
    assert result.final.cash == pytest.approx(7_500)
    assert result.final.shares.tolist() == pytest.approx([37.5, 0.0])


def test_missing_price_of_a_held_ticker_names_it() -> None:
    with pytest.raises(DataError, match=r"BBB.*2024-01-03"):
        _run([[100, 100], [100, np.nan]], [[0.5, 0.5], [1.0, 0.0]])


def test_bad_rebalance_text() -> None:
    with pytest.raises(ConfigurationError, match="unknown rebalance"):
        parse_policy("fortnightly")
    with pytest.raises(ConfigurationError):
        parse_policy("threshold:abc")
    assert parse_policy("threshold:5%").threshold == pytest.approx(0.05)


def test_missing_price_of_a_ticker_still_held_after_the_target_moved_on() -> None:
    # Monthly rule: the target drops BBB on day 1 but the holding drifts until the next month;
    # a missing BBB price on day 2 must not be valued at anything: it is an error.
    close = [[100, 100], [100, 100], [100, np.nan]]
    targets = [[0.5, 0.5], [1.0, 0.0], [1.0, 0.0]]
    with pytest.raises(DataError, match=r"BBB.*2024-01-04"):
        _run(close, targets, policy=parse_policy("monthly"))
