"""The simulated account kept in memory for a replay behaves, call for call, as the account the
SQL store persists on every call: same orders, fills, cash and positions through partial fills,
asynchronous cancels (filling while pending), replacements and a second session; and what it
flushes is what a SQL-backed broker then loads."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import sqlalchemy as sa

from alchemiser.domain.trading import AccountSnapshot, Fill, Order, OrderStatus
from alchemiser.infrastructure.calendar import nyse_calendar
from alchemiser.infrastructure.sim_broker import SimBroker, SimBrokerConfig
from alchemiser.infrastructure.sim_broker.memory_store import MemorySimStore
from alchemiser.infrastructure.sim_broker.store import SimStore

from .conftest import DEFAULT_PRICES, WINDOW, D, FixedPrices
from .test_sim_broker import buy, sell

HARD = SimBrokerConfig(
    spread_bps=D(10),
    partial_fill_ratio=D("0.4"),
    cancel_latency_seconds=2.0,
    cancel_fill_ratio=D("0.5"),
    passive_fill_probability=D("0.5"),
    seed=7,
)
MONDAY = WINDOW + dt.timedelta(days=3)  # the next session's window


def _session(broker: SimBroker, day: int) -> list[Order]:
    """A scripted session: market and passive limit buys filled in parts, a cancel racing a
    fill, a replacement, a sell; every order id it touched, final or not."""
    a = broker.submit_order(buy(f"a{day}", "25"))
    b = broker.submit_order(buy(f"b{day}", "40", limit="199.90", symbol="AAPL"))
    broker.wait_for_update([a.id], 1.5)  # part of `a` only
    broker.cancel_order(a.id)
    c = broker.replace_order(b.id, client_order_id=f"c{day}", limit_price=D("199.95"))
    broker.wait_for_update([a.id, c.id], 30)
    s = broker.submit_order(sell(f"s{day}", "3"))
    broker.wait_for_update([s.id], 10)
    return [broker.get_order(o.id) for o in (a, b, c, s)]


def _state(broker: SimBroker) -> tuple[AccountSnapshot, tuple[Order, ...]]:
    return broker.account(), broker.open_orders()


def _broker(engine: sa.Engine, start: dt.datetime, store: MemorySimStore | None) -> SimBroker:
    return SimBroker(
        market_data=FixedPrices(DEFAULT_PRICES),
        calendar=nyse_calendar(),
        engine=engine,
        config=HARD,
        start_at=start,
        store=store,
    )


def test_memory_store_matches_the_sql_store_call_for_call(tmp_path: Path) -> None:
    sql_engine = sa.create_engine(f"sqlite:///{tmp_path / 'sql.sqlite3'}")
    mem_engine = sa.create_engine(f"sqlite:///{tmp_path / 'mem.sqlite3'}")
    memory = MemorySimStore(SimStore(mem_engine, HARD.account_id))
    sql_fills: list[Fill] = []
    for day, start in enumerate((WINDOW, MONDAY)):
        on_sql = _broker(sql_engine, start, None)
        on_memory = _broker(mem_engine, start, memory)
        assert _session(on_sql, day) == _session(on_memory, day)
        assert _state(on_sql) == _state(on_memory)
        sql_fills = on_sql.fills()
        assert sql_fills == on_memory.fills()
        assert any(f.qty < D(25) for f in sql_fills)  # partial fills happened
        memory.flush()
    # the first session's orders, archived in memory, are still found by id and client id
    archived = on_memory.get_order_by_client_id("a0")
    assert archived is not None and archived == on_sql.get_order_by_client_id("a0")
    assert on_memory.get_order(archived.id).status is archived.status
    assert archived.status in (OrderStatus.CANCELED, OrderStatus.FILLED)
    # what was flushed is what the SQL store loads
    reloaded = _broker(mem_engine, MONDAY, None)  # resumes at the flushed simulated time
    assert reloaded.now == on_sql.now
    assert reloaded.account().cash == on_sql.account().cash
    assert reloaded.account().positions == on_sql.account().positions
    assert reloaded.fills() == sql_fills


def test_a_forgotten_session_reloads_the_last_flushed_account(tmp_path: Path) -> None:
    engine = sa.create_engine(f"sqlite:///{tmp_path / 'mem.sqlite3'}")
    memory = MemorySimStore(SimStore(engine, HARD.account_id))
    _session(_broker(engine, WINDOW, memory), 0)
    memory.flush()
    _session(_broker(engine, MONDAY, memory), 1)
    memory.forget()  # the second session was rolled back
    after = _broker(engine, MONDAY, memory).account()
    # the account of a SQL-store broker that only ever saw the first session
    only_first = sa.create_engine(f"sqlite:///{tmp_path / 'sql.sqlite3'}")
    _session(_broker(only_first, WINDOW, None), 0)
    kept = _broker(only_first, MONDAY, None).account()
    assert (after.cash, after.positions) == (kept.cash, kept.positions)
    assert after.cash != D(HARD.initial_cash)  # the first session did trade
