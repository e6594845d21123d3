"""The simulated broker: time, prices, rejections and its persisted account."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from alchemiser.domain.errors import (
    CorruptStateError,
    DataError,
    InsufficientBuyingPowerError,
    MarketClosedError,
    OrderRejectedError,
)
from alchemiser.domain.trading import (
    DuplicateClientOrderIdError,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
    UnknownOrderError,
)
from alchemiser.infrastructure.sim_broker import SimBroker, SimBrokerConfig
from alchemiser.infrastructure.sim_broker.store import SimState

from .conftest import WINDOW, D, MakeBroker

SPY = Symbol("SPY")


def buy(cid: str, qty: str, limit: str | None = None, symbol: str = "SPY") -> OrderRequest:
    kind = OrderType.MARKET if limit is None else OrderType.LIMIT
    return OrderRequest(
        cid, Symbol(symbol), Side.BUY, D(qty), kind, None if limit is None else D(limit)
    )


def sell(cid: str, qty: str, symbol: str = "SPY") -> OrderRequest:
    return OrderRequest(cid, Symbol(symbol), Side.SELL, D(qty))


def settle(broker: SimBroker, order_id: str, seconds: float = 5) -> None:
    broker.wait_for_update([order_id], seconds)


def test_quotes_spread_around_the_decision_price(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(spread_bps=D(20)), prices={"SPY": 123.456, "PENNY": 0.5})
    quote = broker.quote(SPY)
    # 123.456 ± 0.1 % / 2 = ±0.123456 → bid rounds down, ask up, to the cent.
    assert (quote.bid, quote.ask) == (D("123.33"), D("123.58"))
    penny = broker.quote(Symbol("PENNY"))
    assert (penny.bid, penny.ask) == (D("0.4995"), D("0.5005"))
    with pytest.raises(DataError, match="NOPE: the market data source"):
        broker.quote(Symbol("NOPE"))


def test_a_market_buy_fills_at_the_ask_after_the_latency(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(latency_seconds=1.0))
    order = broker.submit_order(buy("c1", "10"))
    assert order.status is OrderStatus.NEW
    assert broker.get_order(order.id).status is OrderStatus.NEW  # no time has passed
    settle(broker, order.id)
    done = broker.get_order(order.id)
    assert (done.status, done.filled_qty, done.filled_avg_price) == (
        OrderStatus.FILLED,
        D(10),
        D("100.05"),
    )
    assert broker.now == WINDOW + dt.timedelta(seconds=1)  # returned as soon as it was final
    account = broker.account()
    assert account.cash == D("100000") - D("1000.50")
    assert account.equity == account.cash + D("10") * D("100.00")
    (position,) = account.positions
    assert (position.qty, position.avg_entry_price) == (D(10), D("100.05"))


def test_resting_limits_reserve_buying_power_and_expire_at_the_close(
    make_broker: MakeBroker,
) -> None:
    broker = make_broker()
    order = broker.submit_order(buy("c1", "100", "99.00"))  # below the bid: rests
    settle(broker, order.id, 60)
    assert broker.get_order(order.id).status is OrderStatus.ACCEPTED
    assert broker.account().buying_power == D("100000") - D("9900.00")
    assert broker.open_orders() == (broker.get_order(order.id),)
    broker.wait_for_update([order.id], 3600)  # past the 16:00 close
    assert broker.get_order(order.id).status is OrderStatus.EXPIRED
    assert broker.now == dt.datetime(2024, 3, 15, 20, 0, tzinfo=dt.UTC)
    assert broker.account().buying_power == D("100000")


def test_refusals(make_broker: MakeBroker) -> None:
    broker = make_broker(
        SimBrokerConfig(initial_cash=D("5000"), non_fractionable=frozenset({"BRK.B"}))
    )
    with pytest.raises(InsufficientBuyingPowerError, match=r"needs 5152\.58"):
        broker.submit_order(buy("c1", "50"))  # market: 50 × ask 100.05 × 1.03 = 5152.575
    with pytest.raises(OrderRejectedError, match="not fractionable"):
        broker.submit_order(buy("c2", "1.5", symbol="BRK.B"))
    with pytest.raises(OrderRejectedError, match="insufficient qty"):
        broker.submit_order(sell("c3", "1"))
    broker.submit_order(buy("c4", "1", "101"))
    with pytest.raises(DuplicateClientOrderIdError):
        broker.submit_order(buy("c4", "1", "101"))
    with pytest.raises(UnknownOrderError):
        broker.get_order("nope")
    assert broker.get_order_by_client_id("c1") is None
    assert broker.asset(Symbol("BRK.B")).fractionable is False


def test_market_closed_outside_the_session(make_broker: MakeBroker) -> None:
    broker = make_broker(start_at=dt.datetime(2024, 3, 16, 15, 0, tzinfo=dt.UTC))  # Saturday
    assert broker.clock().is_open is False
    assert broker.clock().next_open == dt.datetime(2024, 3, 18, 13, 30, tzinfo=dt.UTC)
    with pytest.raises(MarketClosedError, match="market is closed"):
        broker.submit_order(buy("c1", "1"))


def test_default_start_is_the_latest_sessions_window(make_broker: MakeBroker) -> None:
    sunday = dt.datetime(2024, 3, 17, 12, 0, tzinfo=dt.UTC)
    assert make_broker(start_at=None, now=sunday).now == WINDOW  # Friday 15:45 New York
    clock = make_broker(start_at=None, now=sunday).clock()
    assert clock.is_open and clock.next_close == dt.datetime(2024, 3, 15, 20, 0, tzinfo=dt.UTC)


def test_default_start_uses_the_early_close_window(make_broker: MakeBroker) -> None:
    # 29 Nov 2024 (day after Thanksgiving) closes at 13:00 New York → window from 12:45 (17:45 UTC).
    later = dt.datetime(2024, 11, 30, 12, 0, tzinfo=dt.UTC)
    assert make_broker(start_at=None, now=later).now == dt.datetime(
        2024, 11, 29, 17, 45, tzinfo=dt.UTC
    )


def test_replace_keeps_the_fills_and_names_the_new_order(make_broker: MakeBroker) -> None:
    broker = make_broker()
    old = broker.submit_order(buy("c1", "10", "99.00"))
    settle(broker, old.id, 1)
    new = broker.replace_order(old.id, client_order_id="c2", limit_price=D("100.10"))
    assert broker.get_order(old.id).status is OrderStatus.REPLACED
    assert broker.get_order(old.id).replaced_by == new.id
    settle(broker, new.id)
    assert broker.get_order(new.id).status is OrderStatus.FILLED
    with pytest.raises(OrderRejectedError, match="cannot be replaced"):
        broker.replace_order(new.id, client_order_id="c3", limit_price=D("100"))


def test_the_account_persists_across_instances(make_broker: MakeBroker) -> None:
    first = make_broker()
    order = first.submit_order(buy("c1", "10"))
    settle(first, order.id)
    first.submit_order(buy("resting", "5", "90"))
    cash, moment = first.account().cash, first.now

    second = make_broker()  # same SQLite file, a new process in real life
    account = second.account()
    assert account.cash == cash and second.now == moment
    assert [(p.symbol, p.qty, p.avg_entry_price) for p in account.positions] == [
        ("SPY", D(10), D("100.05"))
    ]
    assert second.get_order_by_client_id("c1") == first.get_order(order.id)
    assert [o.client_order_id for o in second.open_orders()] == ["resting"]
    with pytest.raises(DuplicateClientOrderIdError):
        second.submit_order(buy("c1", "10"))
    assert len(second.fills()) == 1
    # order ids keep counting where the first instance stopped
    assert second.submit_order(buy("c3", "1")).id == "sim-00000003"


def test_a_new_day_expires_yesterdays_orders_and_moves_the_clock(
    make_broker: MakeBroker,
) -> None:
    first = make_broker()
    resting = first.submit_order(buy("c1", "5", "90"))
    monday = make_broker(start_at=dt.datetime(2024, 3, 18, 19, 45, tzinfo=dt.UTC))
    assert monday.get_order(resting.id).status is OrderStatus.EXPIRED
    assert monday.now.date() == dt.date(2024, 3, 18)


def test_clock_never_goes_back(make_broker: MakeBroker) -> None:
    first = make_broker()
    first.wait_for_update([], 120)
    assert make_broker().now == WINDOW + dt.timedelta(seconds=120)


def test_passive_fills_are_deterministic_under_a_seed(make_broker: MakeBroker) -> None:
    accounts = iter(range(100))

    def fill_time(seed: int) -> dt.datetime:
        account = f"a{next(accounts)}"
        broker = make_broker(
            SimBrokerConfig(account_id=account, passive_fill_probability=D("0.3"), seed=seed)
        )
        order = broker.submit_order(buy("c", "1", "100.00"))  # at mid
        broker.wait_for_update([order.id], 600)
        return broker.get_order(order.id).updated_at

    assert fill_time(1) == fill_time(1)
    assert len({fill_time(s) for s in range(2, 8)}) > 1


def test_an_instance_loaded_before_another_wrote_works_on_the_account_as_stored(
    make_broker: MakeBroker,
) -> None:
    """As with a real broker's server: the `trade` refused by the cycle lock, or the one that
    took the lock just after another finished, built its broker before the other traded."""
    early = make_broker()
    other = make_broker()
    settle(other, other.submit_order(buy("c1", "10")).id)
    assert [(p.symbol, p.qty) for p in early.positions()] == [(SPY, D(10))]
    second = early.submit_order(buy("c2", "1"))
    assert second.id == "sim-00000002"  # the sequence continues where the other left it
    settle(early, second.id)
    assert [(p.symbol, p.qty) for p in other.account().positions] == [(SPY, D(11))]
    assert early.account().cash == other.account().cash
    assert len(other.fills()) == 2


def test_a_write_that_collides_runs_again_on_the_account_as_stored(
    make_broker: MakeBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process writes between this call's re-read and its save: the save is refused
    whole (nothing of it is written), the call runs again on the account re-read."""
    mine, other = make_broker(), make_broker()
    store = mine._store
    save = store.save
    interleaved: list[str] = []

    def another_process_writes_first(state: SimState, **changes: Any) -> None:
        if not interleaved:
            interleaved.append(other.submit_order(buy("theirs", "1", "90")).id)
        save(state, **changes)

    monkeypatch.setattr(store, "save", another_process_writes_first)
    order = mine.submit_order(buy("mine", "2", "90"))
    assert interleaved == ["sim-00000001"] and order.id == "sim-00000002"
    stored = make_broker().open_orders()
    assert [(o.client_order_id, o.qty) for o in stored] == [("theirs", D(1)), ("mine", D(2))]


def test_a_call_that_keeps_colliding_stops_with_the_error(
    make_broker: MakeBroker, monkeypatch: pytest.MonkeyPatch
) -> None:
    mine, other = make_broker(), make_broker()
    store = mine._store
    save = store.save
    theirs = iter(range(100))

    def another_process_always_writes_first(state: SimState, **changes: Any) -> None:
        other.submit_order(buy(f"theirs-{next(theirs)}", "1", "90"))
        save(state, **changes)

    monkeypatch.setattr(store, "save", another_process_always_writes_first)
    with pytest.raises(CorruptStateError, match="changed by another process"):
        mine.submit_order(buy("mine", "1", "90"))
    assert next(theirs) == 3  # three attempts, then the error
    assert "mine" not in {o.client_order_id for o in make_broker().open_orders()}


def test_a_cancel_can_take_time_to_confirm(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(cancel_latency_seconds=1.5))
    order = broker.submit_order(buy("c1", "10", "99.00"))
    broker.cancel_order(order.id)
    assert broker.get_order(order.id).status is OrderStatus.PENDING_CANCEL
    broker.cancel_order(order.id)  # asking twice changes nothing
    start = broker.now
    broker.wait_for_update([order.id], 10)
    assert broker.get_order(order.id).status is OrderStatus.CANCELED
    assert broker.now - start == dt.timedelta(seconds=1.5)


def test_a_fill_can_land_while_the_cancel_is_pending(make_broker: MakeBroker) -> None:
    """As at Alpaca: the order trades until the cancel is confirmed. 40 % of the 10 resting
    shares fill at the limit during pending_cancel; the other 6 are canceled."""
    broker = make_broker(SimBrokerConfig(cancel_latency_seconds=2.0, cancel_fill_ratio=D("0.4")))
    order = broker.submit_order(buy("c1", "10", "99.00"))  # below the bid: rests
    settle(broker, order.id, 5)
    broker.cancel_order(order.id)
    assert broker.get_order(order.id).status is OrderStatus.PENDING_CANCEL
    broker.wait_for_update([order.id], 10)
    done = broker.get_order(order.id)
    assert (done.status, done.filled_qty, done.filled_avg_price) == (
        OrderStatus.CANCELED,
        D(4),
        D("99.00"),
    )
    assert broker.account().cash == D("100000") - D("396.00")
    assert [(f.qty, f.price) for f in broker.fills()] == [(D(4), D("99.00"))]


def test_a_marketable_order_fills_before_its_cancel_is_confirmed(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(cancel_latency_seconds=2.0, latency_seconds=1.0))
    order = broker.submit_order(buy("c1", "10"))  # a market buy still on its way to the book
    broker.cancel_order(order.id)
    broker.wait_for_update([order.id], 10)
    done = broker.get_order(order.id)
    assert (done.status, done.filled_qty) == (OrderStatus.FILLED, D(10))


def test_a_margin_account_lends_buying_power_but_not_cash(make_broker: MakeBroker) -> None:
    """Multiplier 2 on 100k equity in cash: buying power 200k less the holds; a buy beyond the
    cash is accepted and cash goes negative, as at Alpaca (hand-worked numbers)."""
    broker = make_broker(SimBrokerConfig(margin_multiplier=D(2)))
    assert broker.account().buying_power == D("200000")
    resting = broker.submit_order(buy("c1", "100", "99.00"))  # holds 9,900
    settle(broker, resting.id, 5)
    assert broker.account().buying_power == D("200000") - D("9900")
    order = broker.submit_order(buy("c2", "1500"))  # 150k at the ask: more than the cash
    settle(broker, order.id)
    account = broker.account()
    assert account.cash == D("100000") - D("1500") * D("100.05")
    assert account.cash < 0
    # equity ≈ 100k (less the half spread); longs 150k at the mid: 2 × equity − longs − holds
    expected = 2 * account.equity - D(1500) * D("100.00") - D("9900")
    assert account.buying_power == expected


def test_a_cash_account_refuses_a_buy_beyond_its_cash(make_broker: MakeBroker) -> None:
    broker = make_broker(SimBrokerConfig(margin_multiplier=D(1)))
    with pytest.raises(InsufficientBuyingPowerError):
        broker.submit_order(buy("c1", "1500"))


def test_zero_spread_is_a_frictionless_market_at_the_price(make_broker: MakeBroker) -> None:
    """spread_bps 0 means no cost at all: bid = ask = the price, even off the cent grid, and a
    limit on the grid within one cent of it fills at the price (the replay's zero-cost parity)."""
    broker = make_broker(SimBrokerConfig(spread_bps=D(0)), prices={"SPY": 123.4567})
    quote = broker.quote(SPY)
    assert (quote.bid, quote.ask, quote.mid) == (D("123.4567"),) * 3
    near = broker.submit_order(buy("z1", "2", limit="123.45"))  # the limit rounded down a tick
    far = broker.submit_order(buy("z2", "2", limit="123.44"))  # more than a tick below
    broker.wait_for_update([near.id, far.id], 5)
    filled, resting = broker.get_order(near.id), broker.get_order(far.id)
    assert (filled.status, filled.filled_avg_price) == (OrderStatus.FILLED, D("123.4567"))
    assert resting.status is OrderStatus.ACCEPTED and resting.filled_qty == 0
    sold = broker.submit_order(
        OrderRequest("z3", SPY, Side.SELL, D(1), OrderType.LIMIT, D("123.46"))
    )
    settle(broker, sold.id)
    assert broker.get_order(sold.id).filled_avg_price == D("123.4567")
    (position,) = broker.account().positions
    assert position.market_value == D(1) * D("123.4567")  # marked at the price, not a tick off
