"""Attribution math with hand-computed numbers (SPEC §10)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alchemiser.domain.attribution import (
    UNASSIGNED,
    AttributionBook,
    SleeveTrade,
    attribute_symbol,
    split_quantity,
)
from alchemiser.domain.attribution.deltas import sleeve_deltas
from alchemiser.domain.attribution.split import FillSlice
from alchemiser.domain.errors import CorruptStateError


def test_split_quantity_is_proportional_and_exact() -> None:
    assert split_quantity(Decimal(10), {"a": Decimal(3), "b": Decimal(1)}) == {
        "a": Decimal("7.5"),
        "b": Decimal("2.5"),
    }
    thirds = split_quantity(Decimal(1), {"a": Decimal(1), "b": Decimal(1), "c": Decimal(1)})
    assert sum(thirds.values()) == Decimal(1)
    assert sorted(thirds.values()) == [
        Decimal("0.333333333"),
        Decimal("0.333333333"),
        Decimal("0.333333334"),
    ]
    assert split_quantity(Decimal(-4), {"a": Decimal(1), "b": Decimal(3)}) == {
        "a": Decimal(-1),
        "b": Decimal(-3),
    }


@given(
    total=st.decimals(min_value=Decimal("-1e6"), max_value=Decimal("1e6"), places=9),
    weights=st.lists(
        st.decimals(min_value=Decimal("0.001"), max_value=Decimal(1000), places=3), min_size=1
    ),
)
def test_split_quantity_pieces_always_sum_to_total(total: Decimal, weights: list[Decimal]) -> None:
    pieces = split_quantity(total, {f"s{i}": w for i, w in enumerate(weights)})
    assert sum(pieces.values(), Decimal(0)) == total


def test_partial_fill_is_shared_in_proportion_to_each_sleeves_order_share() -> None:
    trades = attribute_symbol(
        "SPY",
        {"a": Decimal(30), "b": Decimal(10)},
        [FillSlice(Decimal(20), Decimal(50))],
        Decimal(49),
    )
    assert [(t.sleeve, t.qty, t.price, t.kind) for t in trades] == [
        ("a", Decimal(15), Decimal(50), "fill"),
        ("b", Decimal(5), Decimal(50), "fill"),
    ]


def test_opposite_sleeves_cross_internally_and_only_the_net_comes_from_the_fill() -> None:
    # a wants +15, b wants −5: the account buys the net 10; b's 5 go to a at the decision price.
    trades = attribute_symbol(
        "QQQ",
        {"a": Decimal(15), "b": Decimal(-5)},
        [FillSlice(Decimal(10), Decimal(100))],
        Decimal(99),
    )
    assert [(t.sleeve, t.qty, t.price, t.kind) for t in trades] == [
        ("a", Decimal(5), Decimal(99), "cross"),
        ("b", Decimal(-5), Decimal(99), "cross"),
        ("a", Decimal(10), Decimal(100), "fill"),
    ]


def test_fill_beyond_what_sleeves_asked_goes_to_unassigned() -> None:
    trades = attribute_symbol(
        "X", {"a": Decimal(2)}, [FillSlice(Decimal(3), Decimal(10))], Decimal(10)
    )
    assert {(t.sleeve, t.qty) for t in trades} == {("a", Decimal(2)), (UNASSIGNED, Decimal(1))}


def test_average_cost_realised_and_unrealised_pnl() -> None:
    book = AttributionBook()
    book.apply(
        [
            SleeveTrade("a", "X", Decimal(10), Decimal(100)),
            SleeveTrade("a", "X", Decimal(10), Decimal(130)),
        ]
    )
    assert book.sleeves["a"].holdings["X"].average_cost == Decimal(115)
    book.apply([SleeveTrade("a", "X", Decimal(-5), Decimal(140))])
    # realised = 5 × (140 − 115) = 125; remaining 15 shares at cost 1725
    assert book.sleeves["a"].realized == Decimal(125)
    assert book.sleeves["a"].holdings["X"].cost == Decimal(1725)
    assert book.sleeves["a"].unrealized({"X": Decimal(120)}) == Decimal(15 * 120 - 1725)
    with pytest.raises(CorruptStateError):
        book.apply([SleeveTrade("a", "X", Decimal(-16), Decimal(1))])


def test_sum_over_sleeves_reconciles_with_the_account_to_the_cent() -> None:
    book = AttributionBook()
    cash = Decimal(10_000)
    # Day 1: a wants 30 X, b wants 10 X; the account buys 40 X in two fills.
    deltas = {"a": Decimal(30), "b": Decimal(10)}
    fills = [FillSlice(Decimal(25), Decimal("100.01")), FillSlice(Decimal(15), Decimal("100.07"))]
    book.apply(attribute_symbol("X", deltas, fills, Decimal(100)))
    cash -= sum((f.qty * f.price for f in fills), Decimal(0))
    # Day 2: a sells a third of its X, b buys 7 more: net −3 sold at 104.5, rest crossed at 104.
    deltas = {"a": Decimal(-10), "b": Decimal(7)}
    fills = [FillSlice(Decimal(-3), Decimal("104.5"))]
    book.apply(attribute_symbol("X", deltas, fills, Decimal(104)))
    cash -= sum((f.qty * f.price for f in fills), Decimal(0))
    assert book.totals() == {"X": Decimal(37)}
    price = {"X": Decimal("103.33")}
    account_pnl = cash + 37 * price["X"] - Decimal(10_000)
    sleeves_pnl = sum((s.realized + s.unrealized(price) for s in book.sleeves.values()), Decimal(0))
    assert sleeves_pnl.quantize(Decimal("0.01")) == account_pnl.quantize(Decimal("0.01"))


def test_reconcile_adopts_extra_shares_and_releases_missing_ones() -> None:
    book = AttributionBook()
    book.apply(
        [
            SleeveTrade("a", "X", Decimal(6), Decimal(10)),
            SleeveTrade("b", "X", Decimal(2), Decimal(10)),
        ]
    )
    adopted = book.reconcile(
        {"X": Decimal(8), "Y": Decimal(3)}, {"X": Decimal(11), "Y": Decimal(5)}
    )
    assert [(t.sleeve, t.symbol, t.qty) for t in adopted] == [(UNASSIGNED, "Y", Decimal(3))]
    released = book.reconcile(
        {"X": Decimal(4), "Y": Decimal(3)}, {"X": Decimal(11), "Y": Decimal(5)}
    )
    assert {(t.sleeve, t.qty) for t in released} == {("a", Decimal(-3)), ("b", Decimal(-1))}
    assert book.totals() == {"X": Decimal(4), "Y": Decimal(3)}


def test_sleeve_deltas_from_target_contributions() -> None:
    book = AttributionBook()
    book.apply(
        [
            SleeveTrade("a", "OLD", Decimal(5), Decimal(10)),
            SleeveTrade(UNASSIGNED, "Z", Decimal(2), Decimal(1)),
        ]
    )
    deltas = sleeve_deltas(
        {"X": {"a": 0.3, "b": 0.2}},
        investable=Decimal(1000),
        prices={"X": Decimal(50)},
        book=book,
    )
    assert deltas == {
        "X": {"a": Decimal(6), "b": Decimal(4)},
        "OLD": {"a": Decimal(-5)},
        "Z": {UNASSIGNED: Decimal(-2)},
    }
    kept = sleeve_deltas({"X": {"b": 0.2}}, Decimal(1000), {"X": Decimal(50)}, book, keep={"a"})
    assert kept == {"X": {"b": Decimal(4)}, "Z": {UNASSIGNED: Decimal(-2)}}


def test_kept_sleeve_is_frozen_and_the_others_keep_their_allocation() -> None:
    from alchemiser.domain.attribution.runs import keep_failed_sleeves
    from alchemiser.domain.errors import StrategyError

    working = {"AAA": {"a": 0.5}}
    allocations = {"a": 0.5, "b": 0.5}
    # b holds less than its allocation: a keeps its 50 %, the 20 % left over stays in cash.
    weights, merged = keep_failed_sleeves(working, allocations, {"b": {"BBB": 0.3}})
    assert weights == pytest.approx({"AAA": 0.5, "BBB": 0.3})
    assert merged == {"AAA": {"a": 0.5}, "BBB": {"b": 0.3}}
    # b grew to 60 %: it stays frozen and a shrinks to the 40 % that is left.
    weights, _ = keep_failed_sleeves(working, allocations, {"b": {"BBB": 0.6}})
    assert weights == pytest.approx({"AAA": 0.4, "BBB": 0.6})
    with pytest.raises(StrategyError, match="cannot be kept"):
        keep_failed_sleeves(working, allocations, {"b": {"BBB": 0.7, "CCC": 0.4}})


def test_a_planned_partial_sell_is_attributed_without_overselling_any_sleeve() -> None:
    # One sleeve holds 10 AAA @ 100 and now wants a third of 1,000 in it. The planner's sell,
    # filled in full, must be booked against that sleeve; it may not exceed what the sleeve
    # wants to sell (the excess would be a sale by _unassigned, which holds nothing).
    import datetime as dt

    from alchemiser.domain.attribution.runs import attribute_fills
    from alchemiser.domain.rebalance import plan_rebalance
    from alchemiser.domain.trading import Fill, Position, Side, Symbol

    prices = {"AAA": Decimal(100), "BBB": Decimal(50)}
    weights = {"AAA": 1 / 3, "BBB": 2 / 3}
    plan = plan_rebalance(
        positions=[Position(Symbol("AAA"), Decimal(10), Decimal(100), Decimal(100))],
        cash=Decimal(0),
        targets=weights,
        prices=prices,
        fractionable={"AAA": True, "BBB": True},
    )
    book = AttributionBook()
    book.apply([SleeveTrade("s", "AAA", Decimal(10), Decimal(100))])
    deltas = sleeve_deltas(
        {t: {"s": w} for t, w in weights.items()}, plan.investable_value, prices, book
    )
    (sell,) = plan.sells
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    fill = Fill("o1", "c1", Symbol("AAA"), Side.SELL, sell.qty, Decimal(100), at)
    book.apply(attribute_fills(deltas, {}, [fill]))
    assert book.totals() == {"AAA": Decimal(10) - sell.qty}
    assert book.qty(UNASSIGNED, "AAA") == 0


def test_a_sale_beyond_what_the_sleeves_asked_is_taken_from_the_holders() -> None:
    # a holds 10 X and wants to sell 4, b holds 5 and wants nothing; the account sold 5
    # (the plan valued the account slightly differently). _unassigned holds nothing, so the
    # extra share comes from the holders pro rata to what they hold after a's sale (6 : 5),
    # at the fill price, and the book still equals the account (10 X).
    import datetime as dt

    from alchemiser.domain.attribution.runs import apply_fills, attribute_fills
    from alchemiser.domain.trading import Fill, Side, Symbol

    book = AttributionBook()
    book.apply(
        [
            SleeveTrade("a", "X", Decimal(10), Decimal(90)),
            SleeveTrade("b", "X", Decimal(5), Decimal(90)),
        ]
    )
    at = dt.datetime(2026, 1, 2, tzinfo=dt.UTC)
    fill = Fill("o1", "c1", Symbol("X"), Side.SELL, Decimal(5), Decimal(100), at)
    applied = apply_fills(book, attribute_fills({"X": {"a": Decimal(-4)}}, {}, [fill]))
    assert book.totals() == {"X": Decimal(10)}
    assert book.qty("a", "X") == Decimal("5.454545455")  # 10 − 4 − 6/11 (9 dp)
    assert book.qty("b", "X") == Decimal("4.545454545")  # 5 − 5/11, largest remainder
    assert sum(t.qty for t in applied) == Decimal(-5)
    assert all(t.price == Decimal(100) and t.kind == "fill" for t in applied)
