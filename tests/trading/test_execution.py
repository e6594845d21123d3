"""The smart limit ladder against the simulated broker (all on simulated time)."""

from __future__ import annotations

import dataclasses

import pytest

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.execution import ExecutionManager, ExecutionStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.rebalance import PlannedTrade
from alchemiser.domain.trading import (
    AmbiguousSubmitError,
    Fill,
    Order,
    OrderMismatchError,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
)
from alchemiser.infrastructure.sim_broker import (
    FailCalls,
    MovePrice,
    RejectOrders,
    SimBroker,
    SimBrokerConfig,
)

from .conftest import D, MakeBroker

RUN = "20240315T194500Z-abc123"


def trade(
    symbol: str, side: Side, qty: str, price: str, *, fractionable: bool = True
) -> PlannedTrade:
    value = D(qty) * D(price)
    return PlannedTrade(
        symbol=Symbol(symbol),
        side=side,
        qty=D(qty),
        price=D(price),
        delta_value=value if side is Side.BUY else -value,
        current_value=D(0),
        target_value=value,
        current_weight=D(0),
        target_weight=D("0.1"),
        fractionable=fractionable,
    )


def manager(
    broker: SimBroker, **settings: object
) -> tuple[ExecutionManager, list[Order], list[Fill]]:
    orders: list[Order] = []
    fills: list[Fill] = []
    em = ExecutionManager(
        broker,
        ExecutionSettings(**settings),  # type: ignore[arg-type]
        run_id=RUN,
        errors=ErrorHandler(),
        on_order=orders.append,
        on_fill=fills.append,
    )
    return em, orders, fills


def test_a_limit_at_mid_fills_at_mid(make_broker: MakeBroker) -> None:
    broker = make_broker()  # SPY 100: bid 99.95, ask 100.05 (10 bps spread)
    em, seen, fills = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.FILLED
    assert result.filled_qty == D(10) and result.avg_price == D("100.00")
    (order,) = result.orders
    assert (order.order_type, order.limit_price, order.status) == (
        OrderType.LIMIT,
        D("100.00"),
        OrderStatus.FILLED,
    )
    assert order.client_order_id == f"alc-{RUN}-buy-SPY-0"
    assert [f.qty for f in fills] == [D(10)]
    assert broker.account().cash == D("99000.00")
    assert [o.status for o in seen] == [OrderStatus.NEW, OrderStatus.FILLED]


def test_the_ladder_reprices_towards_the_far_touch(make_broker: MakeBroker) -> None:
    # Only limits at the far touch fill: step 0 (mid) rests and is canceled, step 1 (ask) fills.
    broker = make_broker(SimBrokerConfig(passive_fill_position=D(1)))
    em, _, _ = manager(broker, limit_steps=3, step_wait_seconds=2.0)
    start = broker.now
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert [(o.limit_price, o.status) for o in result.orders] == [
        (D("100.00"), OrderStatus.CANCELED),
        (D("100.05"), OrderStatus.FILLED),
    ]
    assert result.avg_price == D("100.05") and result.status is ExecutionStatus.FILLED
    # One 2 s step wait (plus latency of the second order) went by on the simulated clock.
    assert 2.0 <= (broker.now - start).total_seconds() < 3.0


def test_sell_ladder_mirrors_the_buy_ladder(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(passive_fill_position=D(2)))  # only crossing fills
    em, _, _ = manager(broker, market_fallback=False)
    em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")  # fills at the ask
    em2, _, _ = manager(broker, market_fallback=False)
    (result,) = em2.execute([trade("SPY", Side.SELL, "10", "100")], phase="sell")
    # mid 100.00 rests; the far touch (the bid, 99.95) is marketable and fills.
    assert [o.limit_price for o in result.orders] == [D("100.00"), D("99.95")]
    assert result.orders[-1].status is OrderStatus.FILLED
    assert result.avg_price == D("99.95")


def test_a_rejected_limit_is_not_a_fill_and_the_market_fallback_follows(
    make_broker: MakeBroker,
) -> None:
    broker = make_broker(SimBrokerConfig(faults=(RejectOrders(order_type=OrderType.LIMIT),)))
    em, _, fills = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    rejected, market = result.orders
    assert rejected.status is OrderStatus.REJECTED and rejected.filled_qty == 0
    assert market.order_type is OrderType.MARKET and market.status is OrderStatus.FILLED
    assert [(f.order_id, f.qty, f.price) for f in fills] == [(market.id, D(10), D("100.05"))]
    assert result.status is ExecutionStatus.FILLED
    (error,) = result.errors
    assert error.category is ErrorCategory.TRADING and "rejected" in error.message


def test_rejections_without_fallback_end_rejected(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(faults=(RejectOrders(count=5, reason="halted"),)))
    em, _, _ = manager(broker, market_fallback=False)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.REJECTED and result.filled_qty == 0
    assert "halted" in result.errors[0].message
    assert broker.account().cash == D("100000")


def test_the_price_running_away_aborts_the_symbol(make_broker: MakeBroker) -> None:
    # 1 s after the start SPY jumps 2 %; the limit at 100.00 no longer fills and the next
    # step sees the mid 200 bps from the decision price (limit 100 bps): abandon, no market.
    broker = make_broker(
        SimBrokerConfig(
            passive_fill_position=D(1),
            faults=(MovePrice("SPY", after_seconds=1, factor=D("1.02")),),
        )
    )
    em, _, _ = manager(broker, max_slippage_bps=100)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.ABORTED and result.filled_qty == 0
    assert [o.status for o in result.orders] == [OrderStatus.CANCELED]
    assert "price ran" in result.errors[0].message
    assert broker.open_orders() == ()


def test_limits_never_go_beyond_the_slippage_bound(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(passive_fill_position=D(2)), prices={"SPY": 100.0})
    em, _, _ = manager(broker, max_slippage_bps=3, market_fallback=False)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    # bound 100 × 1.0003 = 100.03 < ask 100.05: steps at 100.00, 100.03, 100.03; none fills.
    assert [o.limit_price for o in result.orders] == [D("100.00"), D("100.03"), D("100.03")]
    assert result.status is ExecutionStatus.NOT_FILLED


def test_partial_fills_are_accounted_per_fill(make_broker: MakeBroker) -> None:
    # Half the remainder fills per event, one event per 5 s: each 2 s step gets one partial.
    broker = make_broker(
        SimBrokerConfig(
            partial_fill_ratio=D("0.5"),
            fill_interval_seconds=5,
            non_fractionable=frozenset({"SPY"}),
        )
    )
    em, _, fills = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "8", "100", fractionable=False)], phase="b")
    assert [(f.qty, f.price) for f in result.fills] == [
        (D(4), D("100.00")),  # step 0 at mid
        (D(2), D("100.05")),  # step 1 at the ask
        (D(1), D("100.05")),  # step 2 across the ask fills at the ask
        (D(1), D("100.05")),  # market fallback
    ]
    assert result.filled_qty == D(8) and result.status is ExecutionStatus.FILLED
    assert result.filled_value == D("800.20")
    assert result.avg_price == D("800.20") / 8
    assert [o.status for o in result.orders] == [OrderStatus.CANCELED] * 3 + [OrderStatus.FILLED]
    assert broker.account().cash == D("100000") - D("800.20")
    assert [(f.order_id, f.qty) for f in broker.fills()] == [(f.order_id, f.qty) for f in fills]


def test_non_fractionable_buys_are_whole_shares(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(non_fractionable=frozenset({"BRK.B"})))
    em, _, _ = manager(broker)
    results = em.execute(
        [
            trade("BRK.B", Side.BUY, "11.7", "450", fractionable=False),
            trade("SPY", Side.BUY, "0.4", "100", fractionable=False),
        ],
        phase="buy",
    )
    assert results[0].requested_qty == D(11) and results[0].filled_qty == D(11)
    assert results[1].status is ExecutionStatus.SKIPPED and results[1].orders == ()


def test_insufficient_buying_power_is_a_rejection_not_a_fill(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(initial_cash=D("1000")))
    em, _, _ = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "20", "100")], phase="buy")
    assert result.status is ExecutionStatus.REJECTED and result.orders == ()
    assert [e.exception_type for e in result.errors] == ["InsufficientBuyingPowerError"]
    assert broker.account().cash == D("1000")


def test_an_ambiguous_submit_failure_never_creates_a_second_order(
    make_broker: MakeBroker,
) -> None:
    # The order reaches the broker but the answer is lost: the manager finds it by client id.
    broker = make_broker(SimBrokerConfig(faults=(FailCalls("submit_order", after_effect=True),)))
    em, _, _ = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.FILLED and len(result.orders) == 1
    assert len(broker.fills()) == 1 and broker.account().positions[0].qty == D(10)


def test_an_ambiguous_submit_that_reached_the_broker_is_adopted(make_broker: MakeBroker) -> None:
    broker = make_broker(
        SimBrokerConfig(faults=(FailCalls("submit_order", count=1, after_effect=True),))
    )
    em, _, _ = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.FILLED
    assert [o.client_order_id for o in result.orders] == [f"alc-{RUN}-buy-SPY-0"]
    assert len(broker.fills()) == 1


def test_an_ambiguous_submit_left_unknown_stops_everything(make_broker: MakeBroker) -> None:
    """Issue 11: a timeout, then look-ups that find nothing. The order may still exist: no
    second submission, no further order of any symbol, and a CRITICAL error."""
    broker = make_broker(
        SimBrokerConfig(
            faults=(
                FailCalls("submit_order", count=1),
                FailCalls("get_order_by_client_id", count=2),
            )
        )
    )
    em, orders, _ = manager(broker)
    start = broker.now
    with pytest.raises(AmbiguousSubmitError) as raised:
        em.execute(
            [trade("AAPL", Side.BUY, "10", "200"), trade("SPY", Side.BUY, "10", "100")],
            phase="buy",
        )
    assert raised.value.category is ErrorCategory.CRITICAL
    assert raised.value.request.client_order_id == f"alc-{RUN}-buy-AAPL-0"
    assert orders == [] and broker.open_orders() == () and broker.fills() == []
    # bounded: the look-ups waited 0.5 + 1 + 2 + 4 simulated seconds, no more
    assert (broker.now - start).total_seconds() == pytest.approx(7.5, abs=0.5)


class _LyingBroker:
    """Answers every submission with the order it was asked for, but for another quantity."""

    def __init__(self, inner: SimBroker) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def submit_order(self, request: OrderRequest) -> Order:
        order = self._inner.submit_order(request)
        return dataclasses.replace(order, qty=order.qty * 2)


def test_a_submit_answered_with_another_order_stops_the_run(make_broker: MakeBroker) -> None:
    broker = make_broker()
    em = ExecutionManager(
        _LyingBroker(broker),  # type: ignore[arg-type]
        ExecutionSettings(),
        run_id=RUN,
        errors=ErrorHandler(),
    )
    with pytest.raises(OrderMismatchError, match=r"quantity 20 instead of 10") as raised:
        em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert raised.value.category is ErrorCategory.CRITICAL


def test_an_unreachable_broker_is_recorded_as_critical(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(faults=(FailCalls("quotes", count=99),)))
    em, _, _ = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.FAILED
    assert result.errors[0].category is ErrorCategory.CRITICAL


def test_rerunning_a_phase_adopts_existing_orders(make_broker: MakeBroker) -> None:
    broker = make_broker()
    first, _, _ = manager(broker)
    first.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    again, _, _ = manager(broker)  # e.g. a resumed process with the same run id
    (result,) = again.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    assert result.status is ExecutionStatus.FILLED
    assert len(broker.fills()) == 1  # nothing was bought twice


@pytest.mark.parametrize("steps", [1, 2, 5])
def test_every_symbol_climbs_the_ladder_together(make_broker: MakeBroker, steps: int) -> None:
    broker = make_broker(SimBrokerConfig(passive_fill_position=D(2)))  # only crossing fills
    em, _, _ = manager(broker, limit_steps=steps, step_wait_seconds=2.0)
    start = broker.now
    results = em.execute(
        [trade(s, Side.BUY, "1", p) for s, p in [("SPY", "100"), ("AAPL", "200"), ("TLT", "80")]],
        phase="buy",
    )
    assert all(r.status is ExecutionStatus.FILLED for r in results)
    # waits are shared: about one step wait per step, not per symbol
    assert (broker.now - start).total_seconds() < steps * 2.0 + 1.5


def test_a_symbol_without_a_price_fails_alone(make_broker: MakeBroker) -> None:
    broker = make_broker()
    em, _, _ = manager(broker)
    results = em.execute(
        [trade("SPY", Side.BUY, "1", "100"), trade("NOPRICE", Side.BUY, "1", "10")], phase="buy"
    )
    assert [r.status for r in results] == [ExecutionStatus.FILLED, ExecutionStatus.FAILED]
    assert "NOPRICE" in results[1].errors[0].message
    assert results[1].errors[0].category is ErrorCategory.DATA


def test_the_next_step_waits_for_the_cancel_confirmation(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(passive_fill_position=D(1), cancel_latency_seconds=3))
    em, seen, _ = manager(broker)
    (result,) = em.execute([trade("SPY", Side.BUY, "10", "100")], phase="buy")
    first, second = result.orders
    assert first.status is OrderStatus.CANCELED and second.status is OrderStatus.FILLED
    assert second.submitted_at >= first.updated_at  # never two working orders at once
    assert [(o.id, o.status) for o in seen] == [
        (first.id, OrderStatus.NEW),
        (first.id, OrderStatus.ACCEPTED),
        (first.id, OrderStatus.CANCELED),  # confirmed after 3 s in pending_cancel
        (second.id, OrderStatus.NEW),
        (second.id, OrderStatus.FILLED),
    ]
