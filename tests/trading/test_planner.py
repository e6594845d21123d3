"""SPEC §6 oracles and properties of the pure rebalance planner."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.errors import DataQualityError, StrategyError
from alchemiser.domain.rebalance import (
    PlanParameters,
    SkipReason,
    plan_rebalance,
    size_buys,
)
from alchemiser.domain.trading import Position, Side, Symbol

from .conftest import D


def pos(symbol: str, qty: str, price: str) -> Position:
    return Position(Symbol(symbol), D(qty), D(price), D(price))


def by_symbol(plan):  # type: ignore[no-untyped-def]
    return {t.symbol: t for t in plan.trades}


FRACTIONAL = {"AAPL": True, "MSFT": True, "SPY": True, "QQQ": True, "TLT": True}


def test_oracle_top_up_two_holdings() -> None:
    # V = 100k: cash 40k, AAPL 40k (200 @ 200), MSFT 20k (50 @ 400); targets .5/.3, cash .2.
    plan = plan_rebalance(
        positions=[pos("AAPL", "200", "200"), pos("MSFT", "50", "400")],
        cash=D("40000"),
        targets={"AAPL": 0.5, "MSFT": 0.3},
        fractionable=FRACTIONAL,
    )
    assert plan.portfolio_value == D("100000")
    trades = by_symbol(plan)
    assert trades["AAPL"].side is Side.BUY and trades["AAPL"].delta_value == D("10000")
    assert trades["MSFT"].side is Side.BUY and trades["MSFT"].delta_value == D("10000")
    assert trades["AAPL"].qty == D("50") and trades["MSFT"].qty == D("25")
    assert not plan.sells


def test_oracle_all_cash_sixty_forty() -> None:
    plan = plan_rebalance(
        positions=[],
        cash=D("100000"),
        targets={"SPY": 0.6, "TLT": 0.4},
        prices={"SPY": D("500"), "TLT": D("80")},
        fractionable=FRACTIONAL,
    )
    trades = by_symbol(plan)
    assert trades["SPY"].delta_value == D("60000") and trades["SPY"].qty == D("120")
    assert trades["TLT"].delta_value == D("40000") and trades["TLT"].qty == D("500")


def test_oracle_thirds_round_to_the_cent() -> None:
    plan = plan_rebalance(
        positions=[],
        cash=D("100000"),
        targets={"SPY": 1 / 3, "QQQ": 1 / 3, "TLT": 1 / 3},
        prices={"SPY": D("100"), "QQQ": D("100"), "TLT": D("100")},
        fractionable=FRACTIONAL,
    )
    assert [t.delta_value for t in plan.trades] == [D("33333.33")] * 3
    # 6 dp, towards the smaller trade: 333.3333 shares of a $100 stock.
    assert [t.qty for t in plan.trades] == [D("333.333300")] * 3


def test_oracle_small_drift_is_no_trade() -> None:
    plan = plan_rebalance(
        positions=[pos("SPY", "99.99", "500"), pos("TLT", "625.0625", "80")],
        cash=D("0"),
        targets={"SPY": 0.5, "TLT": 0.5},
        fractionable=FRACTIONAL,
    )
    assert plan.portfolio_value == D("100000")
    assert plan.trades == ()
    assert {s.reason for s in plan.skipped} == {SkipReason.BELOW_MIN_DRIFT}


def test_oracle_short_with_positive_target() -> None:
    # cash 60k and a −10k short: V = 50k; target .5 → 25k, so buy 35k.
    plan = plan_rebalance(
        positions=[pos("QQQ", "-20", "500")],
        cash=D("60000"),
        targets={"QQQ": 0.5},
        fractionable=FRACTIONAL,
    )
    assert plan.portfolio_value == D("50000")
    (trade,) = plan.trades
    assert trade.side is Side.BUY and trade.delta_value == D("35000") and trade.qty == D("70")


def test_untargeted_positions_are_closed_in_full_even_when_tiny() -> None:
    plan = plan_rebalance(
        positions=[pos("AAPL", "0.123457", "200"), pos("MSFT", "10", "400")],
        cash=D("95971.31"),
        targets={"MSFT": 0.04},
        fractionable=FRACTIONAL,
    )
    trades = by_symbol(plan)
    assert trades["AAPL"].side is Side.SELL and trades["AAPL"].closes_position
    assert trades["AAPL"].qty == D("0.123457")  # the whole position, no dust
    assert "MSFT" not in trades  # 4 % held vs 4 % target


def test_short_without_target_is_covered_in_full() -> None:
    plan = plan_rebalance(
        positions=[pos("QQQ", "-3.5", "100")], cash=D("10350"), targets={}, fractionable={}
    )
    (trade,) = plan.trades
    assert (trade.side, trade.qty, trade.closes_position) == (Side.BUY, D("3.5"), True)


def test_sells_come_first_and_never_exceed_holdings() -> None:
    plan = plan_rebalance(
        positions=[pos("ZZZ", "100", "10"), pos("AAA", "10", "100")],
        cash=D("0"),
        targets={"AAA": 0.9, "ZZZ": 0.1},
        fractionable={"AAA": True, "ZZZ": True},
    )
    assert [t.side for t in plan.trades] == [Side.SELL, Side.BUY]
    sell = plan.sells[0]
    assert sell.symbol == "ZZZ" and sell.qty == D("80")


def test_min_order_value_and_cash_reserve() -> None:
    params = PlanParameters(min_drift=D("0"), min_order_value=D("500"), cash_reserve=D("0.1"))
    plan = plan_rebalance(
        positions=[pos("SPY", "10", "100")],
        cash=D("9000"),
        targets={"SPY": 0.1, "TLT": 0.9},
        prices={"TLT": D("50")},
        fractionable=FRACTIONAL,
        params=params,
    )
    # V = 10k, investable 9k: SPY target 900 (delta −100 < $500, skipped), TLT 8.1k.
    assert plan.investable_value == D("9000.0")
    assert [(t.symbol, t.delta_value, t.qty) for t in plan.trades] == [("TLT", D("8100"), D("162"))]
    assert plan.skipped[0].reason is SkipReason.BELOW_MIN_ORDER_VALUE


def test_non_fractionable_assets_trade_whole_shares_rounded_down() -> None:
    plan = plan_rebalance(
        positions=[],
        cash=D("10000"),
        targets={"BRK.B": 0.5, "AAPL": 0.5},
        prices={"BRK.B": D("450"), "AAPL": D("190")},
        fractionable={"AAPL": True},  # BRK.B unknown → whole shares
    )
    trades = by_symbol(plan)
    assert trades["BRK.B"].qty == D("11")  # 5000 / 450 = 11.11
    assert trades["AAPL"].qty == D("26.315789")  # 5000 / 190 = 26.3157894…


def test_expensive_whole_share_that_rounds_to_zero_is_skipped() -> None:
    plan = plan_rebalance(
        positions=[], cash=D("1000"), targets={"NVR": 0.5}, prices={"NVR": D("7000")}
    )
    assert plan.trades == () and plan.skipped[0].reason is SkipReason.ROUNDS_TO_ZERO


def test_bad_inputs_raise_clear_errors() -> None:
    with pytest.raises(DataQualityError, match="TLT: no usable price"):
        plan_rebalance(positions=[], cash=D("100"), targets={"TLT": 1.0})
    with pytest.raises(StrategyError, match="sum to"):
        plan_rebalance(
            positions=[], cash=D("100"), targets={"A": 0.7, "B": 0.7}, prices={"A": D(1), "B": D(1)}
        )
    with pytest.raises(DataQualityError, match="invalid ticker"):
        plan_rebalance(positions=[], cash=D("100"), targets={"BAD TICKER": 0.5})


def test_plan_is_deterministic_whatever_the_input_order() -> None:
    kwargs = {"cash": D("5000"), "prices": {"A": D("10"), "B": D("20"), "C": D("30")}}
    one = plan_rebalance(positions=[], targets={"A": 0.2, "B": 0.3, "C": 0.5}, **kwargs)
    two = plan_rebalance(positions=[], targets={"C": 0.5, "A": 0.2, "B": 0.3}, **kwargs)
    assert one.trades == two.trades


# --- buy sizing ---------------------------------------------------------------------------


def test_buys_fit_when_buying_power_suffices() -> None:
    plan = plan_rebalance(
        positions=[], cash=D("100000"), targets={"SPY": 0.5}, prices={"SPY": D("100")}
    )
    sized = size_buys(plan.buys, cash=D("100000"), buying_power=D("200000"), buffer=D("0.03"))
    assert sized.scale == 1 and sized.trades[0].qty == D("500")


def test_short_buying_power_scales_every_buy_pro_rata() -> None:
    plan = plan_rebalance(
        positions=[],
        cash=D("100000"),
        targets={"ZZZ": 0.6, "AAA": 0.4},
        prices={"ZZZ": D("1"), "AAA": D("1")},
        fractionable={"ZZZ": True, "AAA": True},
    )
    # Only 50k of cash arrived; buffer 0 → every buy halves (not AAA first, ZZZ starved).
    sized = size_buys(plan.buys, cash=D("50000"), buying_power=D("50000"), buffer=D("0"))
    assert sized.scale == D("0.5")
    assert {t.symbol: t.qty for t in sized.trades} == {"AAA": D("20000"), "ZZZ": D("30000")}


def test_margin_is_never_counted_as_cash() -> None:
    plan = plan_rebalance(
        positions=[], cash=D("10000"), targets={"SPY": 1.0}, prices={"SPY": D("100")}
    )
    # Buying power 4× cash on a margin account: spend only the cash, minus a 3 % buffer.
    sized = size_buys(plan.buys, cash=D("10000"), buying_power=D("40000"), buffer=D("0.03"))
    assert sized.spendable == D("9700.00")
    assert sized.trades[0].qty == D("97")


@settings(max_examples=150, deadline=None)
@given(
    holdings=st.dictionaries(
        st.sampled_from(["AAA", "BBB", "CCC", "DDD"]),
        st.tuples(
            st.decimals(min_value=D("0.000001"), max_value=D("5000"), places=6),
            st.decimals(min_value=D("0.5"), max_value=D("900"), places=2),
        ),
        max_size=4,
    ),
    cash=st.decimals(min_value=D("0"), max_value=D("200000"), places=2),
    raw_weights=st.lists(st.integers(0, 100), min_size=5, max_size=5),
    fractional=st.booleans(),
    spendable=st.decimals(min_value=D("0"), max_value=D("300000"), places=2),
)
def test_properties(holdings, cash, raw_weights, fractional, spendable) -> None:  # type: ignore[no-untyped-def]
    names = ["AAA", "BBB", "CCC", "DDD", "EEE"]
    total = sum(raw_weights) or 1
    targets = {n: D(w) / D(total) * D("0.98") for n, w in zip(names, raw_weights, strict=True)}
    prices = {n: D("37.5") for n in names} | {s: p for s, (_, p) in holdings.items()}
    positions = [pos(s, str(q), str(p)) for s, (q, p) in holdings.items()]
    value = cash + sum(q * p for q, p in holdings.values())
    if value <= 0:
        return
    plan = plan_rebalance(
        positions=positions,
        cash=cash,
        targets=targets,
        prices=prices,
        fractionable=dict.fromkeys(names, fractional),
    )
    held = {s: q for s, (q, _) in holdings.items()}
    for trade in plan.sells:
        assert 0 < trade.qty <= held[trade.symbol]
        if trade.closes_position:
            assert trade.qty == held[trade.symbol]
    for symbol in held:
        if targets.get(symbol, 0) == 0:
            assert any(t.symbol == symbol and t.closes_position for t in plan.trades)
    for trade in plan.buys:
        assert trade.qty * trade.price <= trade.delta_value + D("0.000001")
        if not fractional:
            assert trade.qty == trade.qty.to_integral_value()
    assert [t.side for t in plan.trades] == sorted(
        (t.side for t in plan.trades), key=lambda s: s is Side.BUY
    )
    sized = size_buys(plan.buys, cash=spendable, buying_power=spendable, buffer=D("0.03"))
    assert sized.total_value <= sized.spendable
    if sized.scale < 1:
        wanted = sum(t.value for t in plan.buys)
        assert sized.spendable - sized.total_value <= wanted  # scaled, not starved
        for trade in sized.trades:  # each got the same fraction (up to rounding)
            planned = next(t for t in plan.buys if t.symbol == trade.symbol)
            assert trade.qty * trade.price <= planned.value * sized.scale + D("0.01")


def test_partial_sell_never_exceeds_the_exact_delta() -> None:
    # 10 AAA @ 100, target 1/3 of 1,000: the exact sell is (1000 − 333.333…)/100 = 6.666666…
    # shares. Flooring the *target* to 333.33 first would sell 6.6667 — more than the delta,
    # i.e. rounded towards the larger trade (SPEC §6 says towards the smaller one). The delta
    # is whole cents towards zero: 666.66 → 6.6666 shares.
    plan = plan_rebalance(
        positions=[pos("AAPL", "10", "100")],
        cash=D("0"),
        targets={"AAPL": 1 / 3},
        fractionable=FRACTIONAL,
    )
    (sell,) = plan.sells
    exact = (D("1000") - D("1000") * D(repr(1 / 3))) / D("100")
    assert sell.qty <= exact
    assert sell.qty == D("6.666600")


def test_small_overweights_are_sold_when_a_buy_needs_their_cash() -> None:
    """Found by the replay (2016-01-14 on the synthetic market): four holdings each less than
    1 pp over target were skipped, so the 2 pp buy they should fund had no cash and the account
    stayed 2 % off. Worked by hand: V = 100k in fifths at $1; A +0.9 pp, B +0.4, C +0.3, D −0.6
    (a skipped buy), E −1.0 → buy 1,000 with no cash: A's 900 is not enough, A + B's 1,300 is;
    C stays skipped (its 300 is not needed)."""
    held = {"A": "20900", "B": "20400", "C": "20300", "D": "19400", "E": "19000"}
    plan = plan_rebalance(
        positions=[pos(s, q, "1") for s, q in held.items()],
        cash=D("0"),
        targets=dict.fromkeys(held, 0.2),
        fractionable=dict.fromkeys(held, True),
    )
    trades = by_symbol(plan)
    assert set(trades) == {"A", "B", "E"}
    assert (trades["A"].side, trades["A"].qty) == (Side.SELL, D("900"))
    assert (trades["B"].side, trades["B"].qty) == (Side.SELL, D("400"))
    assert (trades["E"].side, trades["E"].qty) == (Side.BUY, D("1000"))
    assert {(s.symbol, s.reason) for s in plan.skipped} == {
        ("C", SkipReason.BELOW_MIN_DRIFT),
        ("D", SkipReason.BELOW_MIN_DRIFT),
    }
    # with cash for the buy, a small overweight stays skipped (SPEC §6 as before)
    funded = {"A": "20000", "B": "20300", "C": "20000", "D": "19700", "E": "18600"}
    plan = plan_rebalance(
        positions=[pos(s, q, "1") for s, q in funded.items()],
        cash=D("1400"),
        targets=dict.fromkeys(funded, 0.2),
        fractionable=dict.fromkeys(funded, True),
    )
    assert {(t.symbol, t.side, t.qty) for t in plan.trades} == {("E", Side.BUY, D("1400"))}


def test_a_sell_below_the_minimum_order_value_never_funds_a_buy() -> None:
    """Worked by hand: V = 100k at $1 with cash 1,000; A–E are each $0.60 over their 10 % (below
    the $1 minimum order value as well as the drift band), F is $1,003 under its 50 %. F's buy is
    $3 short of cash, but the five sells must stay skipped: a broker refuses (or mis-sizes) an
    order under the minimum, so the buy is scaled instead."""
    held = dict.fromkeys("ABCDE", "10000.60") | {"F": "48997"}
    plan = plan_rebalance(
        positions=[pos(s, q, "1") for s, q in held.items()],
        cash=D("1000"),
        targets=dict.fromkeys("ABCDE", 0.1) | {"F": 0.5},
        fractionable=dict.fromkeys(held, True),
    )
    assert plan.sells == ()
    assert [t.symbol for t in plan.buys] == ["F"]
    assert {s.symbol for s in plan.skipped} == set("ABCDE")
