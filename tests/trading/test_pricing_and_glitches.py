"""Ladder prices by hand, and a broker that reports an impossible order history."""

from __future__ import annotations

import dataclasses
import datetime as dt

from alchemiser.application.execution import ExecutionManager, ExecutionStatus
from alchemiser.application.execution.pricing import ladder_position, limit_price, ran_away
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.trading import Order, Quote, Side, Symbol
from alchemiser.infrastructure.sim_broker import SimBroker, SimBrokerConfig

from .conftest import D, MakeBroker
from .test_execution import trade

NOW = dt.datetime(2024, 3, 15, 19, 45, tzinfo=dt.UTC)


def quote(bid: str, ask: str) -> Quote:
    return Quote(Symbol("X"), D(bid), D(ask), NOW)


def test_ladder_positions_run_from_aggressiveness_to_across_the_far_touch() -> None:
    assert [ladder_position(k, 3, D("0.5")) for k in range(3)] == [D("0.5"), D("1.0"), D("1.5")]
    assert [ladder_position(k, 4, D("0")) for k in range(4)] == [D(0), D("0.5"), D("1.0"), D("1.5")]
    assert ladder_position(0, 1, D("0.3")) == D("0.3")


def test_limit_prices_by_hand() -> None:
    q = quote("10.00", "10.10")
    kwargs = {"steps": 3, "aggressiveness": D("0.5"), "decision_price": D("10.05")}
    wide = {**kwargs, "max_slippage_bps": D(500)}
    assert [limit_price(q, Side.BUY, step=k, **wide) for k in range(3)] == [  # type: ignore[arg-type]
        D("10.05"),
        D("10.10"),
        D("10.15"),
    ]
    assert [limit_price(q, Side.SELL, step=k, **wide) for k in range(3)] == [  # type: ignore[arg-type]
        D("10.05"),
        D("10.00"),
        D("9.95"),
    ]
    # 30 bps of 10.05 = 0.03015: a buy is capped at 10.08015 → 10.08 (rounded down).
    tight = {**kwargs, "max_slippage_bps": D(30)}
    assert limit_price(q, Side.BUY, step=2, **tight) == D("10.08")  # type: ignore[arg-type]
    assert limit_price(q, Side.SELL, step=2, **tight) == D("10.02")  # type: ignore[arg-type]
    # Under $1 the tick is $0.0001; a sell rounds up (less aggressive).
    penny = quote("0.5000", "0.5003")
    assert limit_price(
        penny,
        Side.SELL,
        step=0,
        steps=3,
        aggressiveness=D("0.5"),
        decision_price=D("0.5"),
        max_slippage_bps=D(500),
    ) == D("0.5002")  # 0.50015 rounded up


def test_only_adverse_moves_count_as_slippage() -> None:
    up = quote("10.19", "10.21")  # mid 10.20, +150 bps from 10.05
    assert ran_away(up, Side.BUY, D("10.05"), D(100))
    assert not ran_away(up, Side.SELL, D("10.05"), D(100))
    assert not ran_away(up, Side.BUY, D("10.05"), D(200))


class GlitchyBroker:
    """Delegates to the simulator, but the second read of an order reports fewer shares filled."""

    def __init__(self, inner: SimBroker) -> None:
        self._inner = inner
        self.reads: dict[str, int] = {}

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def get_order(self, order_id: str) -> Order:
        order = self._inner.get_order(order_id)
        self.reads[order_id] = self.reads.get(order_id, 0) + 1
        if self.reads[order_id] == 2:
            return dataclasses.replace(order, filled_qty=order.filled_qty - 2)
        return order


def test_an_impossible_order_history_is_an_error_not_a_booking(make_broker: MakeBroker) -> None:
    # Step 0 fills 4 of 8 (half per event, one event per 5 s), then the cancel confirmation
    # claims only 2 were filled: the manager keeps the 4 it saw, stops and says why.
    inner = make_broker(SimBrokerConfig(partial_fill_ratio=D("0.5"), fill_interval_seconds=5))
    em = ExecutionManager(GlitchyBroker(inner), ExecutionSettings(), run_id="r")  # type: ignore[arg-type]
    (result,) = em.execute([trade("SPY", Side.BUY, "8", "100")], phase="buy")
    assert result.status is ExecutionStatus.FAILED
    assert [f.qty for f in result.fills] == [D(4)]
    assert result.errors[0].message == (
        "order alc-r-buy-SPY-0: filled qty went back from 4.000000 to 2.000000"
    )
    assert "no further order placed" in result.errors[1].message
    assert len(result.orders) == 1  # no further order after the broker stopped making sense
