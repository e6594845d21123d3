"""The SQL ledger: migrations, exactly-once fills, the sleeve book, run history."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
import sqlalchemy as sa

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
from alchemiser.infrastructure.ledger import migrations as mig

T0 = dt.datetime(2026, 11, 23, 20, 46, tzinfo=dt.UTC)


def _url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'sub' / 'ledger.sqlite3'}"


def _run(ledger: SqlLedger, run_id: str = "r1") -> None:
    ledger.start_run(RunInfo(run_id, T0.date(), "sim", "sim", "synthetic", T0, {"api_key": "***"}))


def test_migrates_from_empty_then_reopens_without_changes(tmp_path: Path) -> None:
    ledger = SqlLedger(_url(tmp_path))
    with ledger.engine.connect() as conn:
        versions = conn.execute(sa.text("select version from schema_version")).scalars().all()
        assert versions == [1, 2, 3]
        assert conn.execute(sa.text("pragma journal_mode")).scalar() == "wal"
        assert conn.execute(sa.text("pragma foreign_keys")).scalar() == 1
    _run(ledger)
    ledger.close()
    again = SqlLedger(_url(tmp_path))
    assert mig.migrate(again.engine, url_for_messages="x") == 0
    assert [r.run_id for r in again.runs()] == ["r1"]


def test_upgrades_an_older_schema_in_order(tmp_path: Path) -> None:
    from alchemiser.infrastructure.ledger.repository import create_ledger_engine

    engine = create_ledger_engine(_url(tmp_path))
    original = mig.MIGRATIONS
    try:
        mig.MIGRATIONS = original[:1]
        assert mig.migrate(engine, url_for_messages="x") == 1
        assert not sa.inspect(engine).has_table("sleeve_holdings")
    finally:
        mig.MIGRATIONS = original
    assert mig.migrate(engine, url_for_messages="x") == 2  # attribution, then autopilot tables
    assert sa.inspect(engine).has_table("sleeve_holdings")
    assert sa.inspect(engine).has_table("halt_state")


def test_refuses_a_ledger_from_a_newer_version(tmp_path: Path) -> None:
    ledger = SqlLedger(_url(tmp_path))
    with ledger.engine.begin() as conn:
        conn.execute(
            sa.text("insert into schema_version values (99, 'future', '2030-01-01 00:00:00')")
        )
    with pytest.raises(CorruptStateError, match="schema version 99"):
        SqlLedger(_url(tmp_path))


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


def test_each_share_is_booked_once_with_the_delta_price(tmp_path: Path) -> None:
    ledger = SqlLedger(_url(tmp_path))
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
    assert [e["status"] for e in detail["order_events"]] == ["new", "partially_filled", "filled"]


def test_run_detail_holds_everything_recorded(tmp_path: Path) -> None:
    ledger = SqlLedger(_url(tmp_path))
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
    detail = ledger.run_detail("r1")
    assert detail["run"]["status"] == "completed"
    assert detail["run"]["config"] == {"api_key": "***"}
    assert detail["signals"][0]["explanation"] == [{"step": "if"}]
    assert detail["target"][0]["attribution"] == {"tecl": 0.5}
    assert detail["plan"][0]["qty"] == "2"
    assert detail["accounts"][0]["positions"][0]["market_value"] == "100"
    assert detail["errors"][0]["category"] == "data"
    assert detail["events"][0]["data"] == {"equity": "100.00"}
    assert ledger.unfinished_runs() == []


def test_book_round_trip_and_attribution_only_once(tmp_path: Path) -> None:
    ledger = SqlLedger(_url(tmp_path))
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
