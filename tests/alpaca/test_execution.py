"""The execution manager's limit ladder over the Alpaca adapter, against the test server."""

from __future__ import annotations

from decimal import Decimal

from alchemiser.application.execution.manager import ExecutionManager
from alchemiser.application.execution.result import ExecutionStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.rebalance import PlannedTrade
from alchemiser.domain.trading import Fill, Order, OrderStatus, Side, Symbol
from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_trading_server import Fault


def _trade(symbol: str, side: Side, qty: str, price: str) -> PlannedTrade:
    value = Decimal(qty) * Decimal(price)
    return PlannedTrade(
        symbol=Symbol(symbol),
        side=side,
        qty=Decimal(qty),
        price=Decimal(price),
        delta_value=value if side is Side.BUY else -value,
        current_value=Decimal(0),
        target_value=Decimal(0),
        current_weight=Decimal(0),
        target_weight=Decimal(0),
        fractionable=True,
    )


SETTINGS = ExecutionSettings(
    limit_steps=2, step_wait_seconds=0.3, settle_timeout_seconds=3.0, aggressiveness=0.5
)


def test_sell_then_buy_plan_through_the_limit_ladder(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    """Step 0 rests at the mid (no fill, canceled); step 1 crosses half a spread and fills at the
    touch: sell 6 SPY at the bid 499.99, then buy 5 QQQ at the ask 400.01."""
    server = make_server(
        cash="1000", prices={"SPY": ["500"], "QQQ": ["400"]}, positions={"SPY": ("10", "450")}
    )
    broker = make_broker(server)
    # One 504 after the first sell order was accepted: resolved by lookup, not resent.
    server.add_fault(Fault(method="POST", path="/v2/orders", status=504, after_commit=True))
    orders: list[Order] = []
    fills: list[Fill] = []
    manager = ExecutionManager(
        broker, SETTINGS, run_id="run1", on_order=orders.append, on_fill=fills.append
    )
    [sell] = manager.execute([_trade("SPY", Side.SELL, "6", "500")], phase="sell")
    [buy] = manager.execute([_trade("QQQ", Side.BUY, "5", "400")], phase="buy")

    assert (sell.status, buy.status) == (ExecutionStatus.FILLED, ExecutionStatus.FILLED)
    assert server.positions() == {"SPY": Decimal(4), "QQQ": Decimal(5)}
    assert server.cash == Decimal("1000") + 6 * Decimal("499.99") - 5 * Decimal("400.01")
    assert [(f.client_order_id, f.qty, f.price) for f in fills] == [
        (f.client_order_id, f.qty, f.price) for f in server.fills
    ]
    assert [(f.symbol, f.side, f.qty, f.price) for f in server.fills] == [
        ("SPY", "sell", Decimal(6), Decimal("499.99")),
        ("QQQ", "buy", Decimal(5), Decimal("400.01")),
    ]
    # every order the server created: two per symbol, the first canceled without a fill
    created = server.orders()
    assert len(created) == 4 == len({o.client_order_id for o in created})
    assert [(o.symbol, o.status, o.filled_qty) for o in created] == [
        ("SPY", "canceled", 0),
        ("SPY", "filled", 6),
        ("QQQ", "canceled", 0),
        ("QQQ", "filled", 5),
    ]
    sell_done = max(f.timestamp for f in server.fills if f.side == "sell")
    assert all(o.created_at > sell_done for o in created if o.side == "buy")
    assert {o.status for o in orders} >= {OrderStatus.CANCELED, OrderStatus.FILLED}
