"""Planner + buy sizing + execution manager + simulated broker, wired by hand.

The orchestrator of the trading cycle lives elsewhere; this checks that the pieces of this
package fit: sells settle before buys are sized from the refreshed account, pro rata.
"""

from __future__ import annotations

from alchemiser.application.execution import ExecutionManager, ExecutionStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.rebalance import PlanParameters, plan_rebalance, size_buys
from alchemiser.domain.trading import OrderRequest, Side, Symbol
from alchemiser.infrastructure.sim_broker import SimBrokerConfig

from .conftest import D, MakeBroker


def test_stale_portfolio_to_new_target_sells_first_then_scaled_buys(
    make_broker: MakeBroker,
) -> None:
    broker = make_broker(SimBrokerConfig(initial_cash=D("10000")))
    setup = broker.submit_order(OrderRequest("setup", Symbol("TLT"), Side.BUY, D("100")))
    broker.wait_for_update([setup.id], 5)  # 100 TLT at the ask 80.04

    account = broker.account()
    fractionable = {s: broker.asset(Symbol(s)).fractionable for s in ["SPY", "AAPL", "TLT"]}
    quotes = broker.quotes([Symbol("SPY"), Symbol("AAPL")])
    params = PlanParameters()
    plan = plan_rebalance(
        positions=account.positions,
        cash=account.cash,
        targets={"SPY": 0.5, "AAPL": 0.5},
        prices={s: q.mid for s, q in quotes.items()},
        fractionable=fractionable,
        params=params,
    )
    assert [(t.symbol, t.side, t.closes_position) for t in plan.trades] == [
        ("TLT", Side.SELL, True),
        ("AAPL", Side.BUY, False),
        ("SPY", Side.BUY, False),
    ]

    em = ExecutionManager(broker, ExecutionSettings(), run_id="r1")
    (sold,) = em.execute(plan.sells, phase="sell")
    assert sold.status is ExecutionStatus.FILLED and sold.filled_qty == D(100)

    refreshed = broker.account()
    sizing = size_buys(
        plan.buys,
        cash=refreshed.cash,
        buying_power=refreshed.buying_power,
        buffer=params.buying_power_buffer,
    )
    # The plan wants the whole equity; 3 % is held back, so both buys shrink alike.
    assert sizing.scale < 1
    bought = em.execute(sizing.trades, phase="buy")
    assert all(r.status is ExecutionStatus.FILLED for r in bought)
    assert max(o.submitted_at for o in sold.orders) < min(
        o.submitted_at for r in bought for o in r.orders
    )

    final = broker.account()
    weights = {p.symbol: p.market_value / final.equity for p in final.positions}
    assert set(weights) == {"SPY", "AAPL"}
    for w in weights.values():
        assert D("0.48") < w < D("0.5")
    assert abs(weights["SPY"] - weights["AAPL"]) < D("0.001")  # pro rata, not first-come
    assert final.cash >= 0
