"""The SQL ledger on SQLite and PostgreSQL: exactly-once fills, the sleeve book, run history,
units of work."""

from __future__ import annotations

import datetime as dt
from dataclasses import replace
from decimal import Decimal

import pytest

from alchemiser.application.ports.ledger import (
    PlannedOrderRecord,
    RunInfo,
    RunStatus,
    SleeveSignalRecord,
)
from alchemiser.domain.attribution import AttributionBook, SleeveTrade
from alchemiser.domain.errors import CorruptStateError
from alchemiser.domain.trading import (
    AccountSnapshot,
    Order,
    OrderStatus,
    OrderType,
    Position,
    Side,
    Symbol,
)
from alchemiser.infrastructure.ledger import SqlLedger

T0 = dt.datetime(2026, 11, 23, 20, 46, tzinfo=dt.UTC)


def _run(ledger: SqlLedger, run_id: str = "r1") -> None:
    ledger.start_run(RunInfo(run_id, T0.date(), "sim", "sim", "synthetic", T0, {"api_key": "***"}))


def _order(status: OrderStatus, filled: str, avg: str | None) -> Order:
    return Order(
        id="b-1",
        client_order_id="c-1",
        symbol=Symbol("SPY"),
        side=Side.BUY,
        qty=Decimal(10),
        order_type=OrderType.LIMIT,
        status=status,
        submitted_at=T0,
        updated_at=T0 + dt.timedelta(seconds=int(Decimal(filled))),
        limit_price=Decimal("100.50"),
        filled_qty=Decimal(filled),
        filled_avg_price=None if avg is None else Decimal(avg),
    )


def test_each_share_is_booked_once_with_the_delta_price(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    _run(ledger)
    assert ledger.record_order("r1", "buy", _order(OrderStatus.NEW, "0", None)) is None
    first = ledger.record_order("r1", "buy", _order(OrderStatus.PARTIALLY_FILLED, "4", "100"))
    again = ledger.record_order("r1", "buy", _order(OrderStatus.PARTIALLY_FILLED, "4", "100"))
    last = ledger.record_order("r1", "buy", _order(OrderStatus.FILLED, "10", "100.30"))
    assert again is None
    assert first is not None and (first.qty, first.price) == (Decimal(4), Decimal(100))
    # 10 × 100.30 − 4 × 100 = 603 for 6 shares → 100.50 each
    assert last is not None and (last.qty, last.price) == (Decimal(6), Decimal("100.5"))
    fills = ledger.fills_of("r1")
    assert [(f.qty, f.price) for f in fills] == [
        (Decimal(4), Decimal(100)),
        (Decimal(6), Decimal("100.5")),
    ]
    (record,) = ledger.orders_of("r1")
    assert record.final and record.status == "filled" and record.filled_qty == Decimal(10)
    detail = ledger.run_detail("r1")
    assert detail is not None
    assert [e.status for e in detail.order_events] == ["new", "partially_filled", "filled"]
    assert [(f.qty, f.cum_qty) for f in detail.fills] == [
        (Decimal(4), Decimal(4)),
        (Decimal(6), Decimal(10)),
    ]


def test_run_detail_holds_everything_recorded(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    _run(ledger)
    ledger.record_event("r1", "reconcile", "account read", {"equity": Decimal("100.00")})
    ledger.record_signals(
        "r1", [SleeveSignalRecord("tecl", 0.5, True, {"TECL": 1.0}, [{"step": "if"}])]
    )
    ledger.record_target("r1", {"TECL": 0.5}, {"TECL": {"tecl": 0.5}})
    ledger.record_plan(
        "r1",
        [PlannedOrderRecord("buy", "TECL", "buy", Decimal(2), Decimal(50), Decimal(100), "target")],
    )
    account = AccountSnapshot(
        "acc",
        Decimal(100),
        Decimal(0),
        Decimal(0),
        (Position(Symbol("TECL"), Decimal(2), Decimal(50), Decimal(50)),),
        time=T0,
    )
    ledger.record_account("r1", "after", account)
    ledger.record_error("r1", {"category": "data", "component": "x", "message": "m"})
    ledger.finish_run("r1", RunStatus.COMPLETED, {"residual_drift": 0.001})
    found = ledger.run_detail("r1")
    assert found is not None
    assert found.run.status is RunStatus.COMPLETED
    assert found.run.config == {"api_key": "***"}
    assert found.signals[0].explanation == [{"step": "if"}]
    assert found.target[0].attribution == {"tecl": 0.5}
    assert found.plan[0].qty == Decimal(2)
    assert found.accounts[0].positions[0].market_value == Decimal(100)
    assert found.errors[0].category == "data"
    assert found.events[0].data == {"equity": "100.00"}
    assert found.run.started_at == T0
    detail = found.as_json()  # what `history --run ID --json` prints: exact decimal strings
    assert detail["run"]["status"] == "completed"
    assert detail["plan"][0]["qty"] == "2"
    assert detail["accounts"][0]["positions"][0]["market_value"] == "100"
    assert ledger.run_detail("nope") is None
    assert ledger.unfinished_runs() == []


def test_book_round_trip_and_attribution_only_once(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    _run(ledger)
    book = AttributionBook()
    trades = [
        SleeveTrade("a", "X", Decimal("1.5"), Decimal("10.01")),
        SleeveTrade("b", "X", Decimal(1), Decimal(10)),
    ]
    book.apply(trades)
    book.apply([SleeveTrade("b", "X", Decimal(-1), Decimal(12))])
    ledger.save_book("sim", "r1", book, trades)
    loaded = ledger.load_book("sim")
    assert ledger.load_book("alpaca-paper").sleeves == {}  # one book per account
    assert loaded.totals() == {"X": Decimal("1.5")}
    assert loaded.sleeves["a"].holdings["X"].cost == Decimal("15.015")
    assert loaded.sleeves["b"].realized == Decimal(2)
    assert ledger.is_attributed("r1")
    with pytest.raises(CorruptStateError, match="already attributed"):
        ledger.save_book("sim", "r1", loaded, [])
    ledger.record_sleeve_deltas("r1", {"X": {"a": Decimal("1.5")}}, {"X": Decimal(10)})
    assert ledger.sleeve_deltas("r1") == ({"X": {"a": Decimal("1.5")}}, {"X": Decimal(10)})


def test_a_unit_of_work_commits_together_or_not_at_all(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    _run(ledger)

    def crash_between_two_writes() -> None:
        with ledger.unit_of_work() as uow:
            uow.record_event("r1", "sell", "first")
            uow.record_order("r1", "buy", _order(OrderStatus.FILLED, "10", "100"))
            raise RuntimeError("crash between two writes")

    with pytest.raises(RuntimeError, match="crash"):
        crash_between_two_writes()
    detail = ledger.run_detail("r1")
    assert detail is not None and detail.events == () and detail.orders == ()
    assert ledger.fills_of("r1") == []
    with ledger.unit_of_work() as uow:
        uow.record_event("r1", "sell", "first")
        fill = uow.record_order("r1", "buy", _order(OrderStatus.FILLED, "10", "100"))
    assert fill is not None and fill.qty == Decimal(10)
    detail = ledger.run_detail("r1")
    assert detail is not None and [e.message for e in detail.events] == ["first"]
    assert [o.status for o in detail.orders] == ["filled"]


def test_runs_newest_first_and_unfinished_oldest_first(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    for i, run_id in enumerate(["a", "b", "c"]):
        started = T0 + dt.timedelta(minutes=i)
        ledger.start_run(RunInfo(run_id, T0.date(), "sim", "sim", "synthetic", started, {}))
    ledger.finish_run("b", RunStatus.COMPLETED, {"orders": 2})
    assert [r.run_id for r in ledger.runs()] == ["c", "b", "a"]
    assert [r.run_id for r in ledger.runs(limit=1)] == ["c"]
    assert [r.run_id for r in ledger.unfinished_runs()] == ["a", "c"]
    done = ledger.run("b")
    assert done is not None and done.summary == {"orders": 2} and done.finished_at is not None
    assert ledger.planned_orders("a") == []


def test_unfinished_orders_of_many_runs_equal_each_runs_open_orders(ledger_url: str) -> None:
    """The one query the reconciler makes equals the per-run filter it replaced."""
    ledger = SqlLedger(ledger_url)
    statuses = [OrderStatus.NEW, OrderStatus.FILLED, OrderStatus.PARTIALLY_FILLED]
    for r in range(4):
        _run(ledger, f"r{r}")
        for k, status in enumerate(statuses):
            base = _order(status, "0" if status is OrderStatus.NEW else "4", "100")
            order = replace(
                base,
                id=f"b-{r}-{k}",
                client_order_id=f"c-{r}-{k}",
                submitted_at=T0 - dt.timedelta(seconds=k),
            )
            ledger.record_order(f"r{r}", "buy", order)
    wanted = ["r3", "r0", "r2"]
    expected = [o for run in sorted(wanted) for o in ledger.orders_of(run) if not o.final]
    found = ledger.unfinished_orders(sorted(wanted))
    assert found == expected
    # by run, then by submission (k=2 was submitted 2 s before k=0); filled ones left out
    ids = ["c-0-2", "c-0-0", "c-2-2", "c-2-0", "c-3-2", "c-3-0"]
    assert [o.client_order_id for o in found] == ids


def test_recent_run_ids_equal_the_recent_runs_of_one_broker(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    for i in range(6):
        broker = "sim" if i % 3 else "alpaca"
        at = T0 + dt.timedelta(minutes=i)
        ledger.start_run(RunInfo(f"r{i}", at.date(), "live", broker, "synthetic", at, {}))
    for limit in (2, 4, 10):
        expected = [r.run_id for r in ledger.runs(limit) if r.broker == "sim"]
        assert ledger.recent_run_ids(limit, "sim") == expected
    # newest first, alpaca's r0 and r3 left out: worked by hand
    assert ledger.recent_run_ids(10, "sim") == ["r5", "r4", "r2", "r1"]
