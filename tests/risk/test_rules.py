"""Each rule with numbers worked by hand (SPEC §14)."""

from __future__ import annotations

import datetime as dt

import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.risk.funds import fund_table
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import (
    AccountState,
    EquityPoint,
    OrderIntent,
    RiskAction,
    RiskBlockedError,
    RiskTarget,
)
from alchemiser.domain.risk.pipeline import RiskPipeline
from alchemiser.domain.risk.rules.exposure import effective_exposure

DAY = dt.date(2026, 11, 20)


def run(limits: RiskLimits, attribution: dict[str, dict[str, float]], account=None):
    return RiskPipeline(limits).apply(RiskTarget.of(attribution), account)


def test_fund_table_counts_inverse_by_absolute_multiple_and_unknown_as_one() -> None:
    table = fund_table()
    assert table["TQQQ"].multiple == 3 and table["SQQQ"].multiple == -3
    assert table["UVXY"].volatility and table["SQQQ"].inverse
    # 0.5 TQQQ (3x) + 0.3 SQQQ (|−3|) + 0.2 of an unlisted stock (1x) = 1.5 + 0.9 + 0.2
    assert effective_exposure({"TQQQ": 0.5, "SQQQ": 0.3, "ZZZZ": 0.2}, table) == pytest.approx(2.6)


def test_max_ticker_weight_sends_the_excess_to_cash_and_scales_attribution() -> None:
    out = run(RiskLimits(max_ticker_weight=0.5), {"A": {"s1": 0.3, "s2": 0.3}, "B": {"s3": 0.4}})
    assert out.target.attribution["A"] == pytest.approx({"s1": 0.25, "s2": 0.25})
    assert out.target.weights["B"] == 0.4  # untouched
    assert out.target.invested == pytest.approx(0.9)  # 0.1 to cash
    [i] = out.interventions
    assert (i.rule, i.ticker, i.before, i.after, i.action) == (
        "max_ticker_weight",
        "A",
        pytest.approx(0.6),
        0.5,
        RiskAction.SCALE,
    )


def test_max_effective_exposure_scales_every_weight_by_cap_over_exposure() -> None:
    # exposure = 0.5 × 3 + 0.5 × 1 = 2.0; cap 1.5 → k = 0.75
    out = run(RiskLimits(max_effective_exposure=1.5), {"TQQQ": {"a": 0.5}, "SPY": {"b": 0.5}})
    assert out.target.weights == pytest.approx({"TQQQ": 0.375, "SPY": 0.375})
    assert effective_exposure(out.target.weights, fund_table()) == pytest.approx(1.5)
    [i] = out.interventions
    assert i.ticker is None and i.before == pytest.approx(2.0) and i.after == 1.5


def test_inverse_counts_its_absolute_multiple_towards_exposure() -> None:
    # 0.5 SQQQ (|−3|) + 0.5 BIL = 2.0 → with cap 1.0, k = 0.5
    out = run(RiskLimits(max_effective_exposure=1.0), {"SQQQ": {"a": 0.5}, "BIL": {"a": 0.5}})
    assert out.target.weights == pytest.approx({"SQQQ": 0.25, "BIL": 0.25})


def test_inverse_and_volatility_cap_scales_only_those_funds() -> None:
    # SQQQ 0.3 + UVXY 0.2 = 0.5 in the group; cap 0.25 → k = 0.5; SPY untouched
    out = run(
        RiskLimits(max_inverse_volatility_weight=0.25),
        {"SQQQ": {"a": 0.3}, "UVXY": {"b": 0.2}, "SPY": {"a": 0.5}},
    )
    assert out.target.weights == pytest.approx({"SQQQ": 0.15, "UVXY": 0.1, "SPY": 0.5})


def test_deny_and_allow_lists_drop_tickers_to_cash() -> None:
    denied = run(RiskLimits(deny=frozenset({"UVXY"})), {"UVXY": {"a": 0.2}, "SPY": {"a": 0.8}})
    assert denied.target.weights == {"SPY": 0.8}
    assert denied.interventions[0].before == 0.2 and denied.interventions[0].after == 0.0
    allowed = run(RiskLimits(allow=frozenset({"SPY"})), {"QQQ": {"a": 0.5}, "SPY": {"b": 0.5}})
    assert allowed.target.weights == {"SPY": 0.5}


def test_min_cash_reserve_scales_the_whole_target() -> None:
    out = run(RiskLimits(min_cash_reserve=0.1), {"A": {"a": 0.6}, "B": {"b": 0.4}})
    assert out.target.weights == pytest.approx({"A": 0.54, "B": 0.36})


def test_turnover_scales_only_buys() -> None:
    # held A .5, B .5; target A .2, C .8: buys .8 (C), sells .3 + .5 = .8, turnover .8
    # cap .5 → k = (2 × .5 − .8) / .8 = .25 → C = .2; turnover after = (.8 + .2) / 2 = .5
    account = AccountState(equity=100_000, day=DAY, weights={"A": 0.5, "B": 0.5})
    out = run(RiskLimits(max_turnover=0.5), {"A": {"a": 0.2}, "C": {"b": 0.8}}, account)
    assert out.target.weights == pytest.approx({"A": 0.2, "C": 0.2})
    [i] = out.interventions
    assert i.before == pytest.approx(0.8) and i.after == pytest.approx(0.5)


def test_drawdown_breaker_goes_to_cash_and_asks_for_a_halt() -> None:
    history = (EquityPoint(DAY - dt.timedelta(days=2), 100_000), EquityPoint(DAY, 120_000))
    limits = RiskLimits(max_drawdown=0.2)
    target = {"A": {"a": 1.0}}
    # 95k vs 120k: 1 − 95/120 = 20.83 % > 20 %
    tripped = run(limits, target, AccountState(95_000, DAY, history=history))
    assert tripped.target.weights == {}
    assert [rule for rule, _ in tripped.halts] == ["drawdown_breaker"]
    # 97k: 19.17 % — no trip
    calm = run(limits, target, AccountState(97_000, DAY, history=history))
    assert calm.target.weights == {"A": 1.0} and not calm.halts


def test_daily_loss_compares_with_the_previous_session_only() -> None:
    limits = RiskLimits(daily_loss_limit=0.05)
    history = (EquityPoint(DAY - dt.timedelta(days=1), 100_000), EquityPoint(DAY, 200_000))
    # the same-day 200k run is not "the previous session": 94k vs 100k = 6 % loss
    out = run(limits, {"A": {"a": 1.0}}, AccountState(94_000, DAY, history=history))
    assert out.target.weights == {} and out.halts[0][0] == "daily_loss_limit"
    ok = run(limits, {"A": {"a": 1.0}}, AccountState(96_000, DAY, history=history))
    assert ok.target.weights == {"A": 1.0}


def test_block_changes_nothing_and_raises_a_trading_error() -> None:
    limits = RiskLimits(max_ticker_weight=0.5, actions={"max_ticker_weight": RiskAction.BLOCK})
    out = run(limits, {"A": {"a": 0.8}, "B": {"a": 0.2}})
    assert out.target.weights == {"A": 0.8, "B": 0.2}
    [i] = out.interventions
    assert i.action is RiskAction.BLOCK and i.after == i.before == 0.8
    with pytest.raises(RiskBlockedError) as caught:
        out.raise_if_blocked()
    assert caught.value.category is ErrorCategory.TRADING
    assert "max_ticker_weight" in caught.value.message


def orders(*rows: tuple[str, str, float, float, float | None]) -> list[OrderIntent]:
    return [OrderIntent(t, side, value, price, close) for t, side, value, price, close in rows]


def test_limit_band_drops_a_buy_outside_and_blocks_on_a_sell_outside() -> None:
    limits = RiskLimits(limit_band=0.05, actions={"limit_band": RiskAction.SCALE})
    pipeline = RiskPipeline(limits)
    # 106 vs 100 = 6 % > 5 %: dropped; 104 = 4 %: kept
    check = pipeline.apply_orders(
        orders(("A", "buy", 1000, 106, 100), ("B", "buy", 1000, 104, 100))
    )
    assert {o.ticker: o.value for o in check.orders} == {"A": 0.0, "B": 1000}
    assert not check.blocking
    sell = pipeline.apply_orders(orders(("C", "sell", 1000, 90, 100)))
    assert sell.blocking and sell.blocking[0].ticker == "C"


def test_max_order_notional_cuts_buys_not_sells() -> None:
    check = RiskPipeline(RiskLimits(max_order_notional=10_000)).apply_orders(
        orders(("A", "buy", 30_000, 10, None), ("B", "sell", 30_000, 10, None))
    )
    assert {o.ticker: o.value for o in check.orders} == {"A": 10_000, "B": 30_000}


def test_max_orders_per_run_drops_the_smallest_buys() -> None:
    pipeline = RiskPipeline(RiskLimits(max_orders_per_run=3))
    check = pipeline.apply_orders(
        orders(
            ("S1", "sell", 500, 1, None),
            ("S2", "sell", 500, 1, None),
            ("B1", "buy", 10_000, 1, None),
            ("B2", "buy", 5_000, 1, None),
            ("B3", "buy", 1_000, 1, None),
        )
    )
    kept = [o.ticker for o in check.orders if o.value > 0]
    assert kept == ["S1", "S2", "B1"]
    many_sells = pipeline.apply_orders(orders(*((f"S{i}", "sell", 1, 1, None) for i in range(4))))
    assert many_sells.blocking
