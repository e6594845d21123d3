"""The ledger on SQLite (WAL, the default) or PostgreSQL: opened safely, migrated on open, written
through units of work, read as typed read models."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from alchemiser.application.ports.ledger import (
    AccountRecord,
    ErrorEntry,
    FillRecord,
    OrderEventRecord,
    OrderRecord,
    PlannedOrderRecord,
    PositionRecord,
    RunDetail,
    RunEventRecord,
    RunInfo,
    RunStatus,
    RunSummary,
    SleeveSignalRecord,
    SleeveTradeRecord,
    TargetRecord,
)
from alchemiser.domain.attribution import AttributionBook, SleeveHolding, SleeveLedger, SleeveTrade
from alchemiser.domain.errors import AlchemiserError, CorruptStateError
from alchemiser.domain.trading import AccountSnapshot, Fill, Order, Side, Symbol
from alchemiser.infrastructure.ledger import schema as t
from alchemiser.infrastructure.ledger.engine import (
    create_ledger_engine,
    is_sqlite,
    safe_url,
    sqlite_path,
    translate_database_error,
    write_transaction,
)
from alchemiser.infrastructure.ledger.migrations import LEDGER
from alchemiser.infrastructure.ledger.migrations import upgrade as upgrade_schema
from alchemiser.infrastructure.ledger.unit_of_work import SqlCycleUnitOfWork, jsonable, now

__all__ = ["SqlLedger", "jsonable"]


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the tz; everything we store is UTC, so put it back."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _at(value: dt.datetime | None) -> dt.datetime:
    return _utc(value) or now()


class SqlLedger:
    """Implements application.ports.ledger.Ledger.

    Opening checks the database (an empty, non-SQLite or corrupt file, or a schema from a newer
    Alchemiser, stops with an error naming it; nothing is ever replaced) and upgrades its schema
    to the latest revision.
    """

    def __init__(self, url: str, engine: sa.Engine | None = None) -> None:
        self.url = url
        self._safe_url = safe_url(url)
        self.engine = engine or create_ledger_engine(url)
        self.where = str(sqlite_path(url) or self._safe_url)
        try:
            self._check_integrity()
            upgrade_schema(self.engine, LEDGER)
        except AlchemiserError:
            self.engine.dispose()
            raise
        except sa.exc.SQLAlchemyError as exc:
            self.engine.dispose()
            raise translate_database_error(self.engine, exc, "opening the ledger") from exc

    def _check_integrity(self) -> None:
        """SQLite: `PRAGMA quick_check` (reads every page once; milliseconds for a ledger of a
        few MB), so a file with corrupt pages is refused at open, not half-read by `history`."""
        if not is_sqlite(self.engine):
            return
        with self.engine.connect() as conn:
            problems = [str(r[0]) for r in conn.exec_driver_sql("PRAGMA quick_check(5)")]
            conn.rollback()
        if problems != ["ok"]:
            raise CorruptStateError(
                f"the ledger file {self.where} is corrupt: {'; '.join(problems)}; it is left "
                "untouched",
                context={"file": self.where, "problems": problems},
                suggested_action=f"Restore {self.where} from a backup (`sqlite3 {self.where} "
                ".recover` may rescue most rows).",
            )

    def close(self) -> None:
        self.engine.dispose()

    # --- writes -------------------------------------------------------------------------------
    @contextmanager
    def unit_of_work(self) -> Iterator[SqlCycleUnitOfWork]:
        try:
            with write_transaction(self.engine) as conn:
                yield SqlCycleUnitOfWork(conn)
        except sa.exc.SQLAlchemyError as exc:
            raise translate_database_error(self.engine, exc, "writing the ledger") from exc

    def start_run(self, info: RunInfo) -> None:
        with self.unit_of_work() as uow:
            uow.start_run(info)

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, Any]) -> None:
        with self.unit_of_work() as uow:
            uow.finish_run(run_id, status, summary)

    def record_event(self, run_id: str, step: str, message: str, data: Any = None) -> None:
        with self.unit_of_work() as uow:
            uow.record_event(run_id, step, message, data)

    def record_signals(self, run_id: str, signals: Sequence[SleeveSignalRecord]) -> None:
        if signals:
            with self.unit_of_work() as uow:
                uow.record_signals(run_id, signals)

    def record_target(
        self,
        run_id: str,
        weights: Mapping[str, float],
        attribution: Mapping[str, Mapping[str, float]],
    ) -> None:
        if weights:
            with self.unit_of_work() as uow:
                uow.record_target(run_id, weights, attribution)

    def record_plan(self, run_id: str, orders: Sequence[PlannedOrderRecord]) -> None:
        if orders:
            with self.unit_of_work() as uow:
                uow.record_plan(run_id, orders)

    def record_order(self, run_id: str, phase: str, order: Order) -> Fill | None:
        with self.unit_of_work() as uow:
            return uow.record_order(run_id, phase, order)

    def record_account(self, run_id: str, stage: str, account: AccountSnapshot) -> None:
        with self.unit_of_work() as uow:
            uow.record_account(run_id, stage, account)

    def record_error(self, run_id: str, record: Mapping[str, Any]) -> None:
        with self.unit_of_work() as uow:
            uow.record_error(run_id, record)

    def record_sleeve_deltas(
        self,
        run_id: str,
        deltas: Mapping[str, Mapping[str, Decimal]],
        cross_prices: Mapping[str, Decimal],
    ) -> None:
        with self.unit_of_work() as uow:
            uow.record_sleeve_deltas(run_id, deltas, cross_prices)

    def save_book(
        self,
        account: str,
        run_id: str | None,
        book: AttributionBook,
        trades: Sequence[SleeveTrade],
    ) -> None:
        with self.unit_of_work() as uow:
            uow.save_book(account, run_id, book, trades)

    # --- read models --------------------------------------------------------------------------
    @contextmanager
    def _read(self) -> Iterator[sa.Connection]:
        try:
            with self.engine.connect() as conn:
                yield conn
                conn.rollback()
        except sa.exc.SQLAlchemyError as exc:
            raise translate_database_error(self.engine, exc, "reading the ledger") from exc

    def run(self, run_id: str) -> RunSummary | None:
        with self._read() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.run_id == run_id)).first()
        return None if row is None else _summary(row)

    def runs(self, limit: int = 50) -> list[RunSummary]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(t.runs).order_by(t.runs.c.started_at.desc()).limit(limit)
            ).all()
        return [_summary(r) for r in rows]

    def recent_run_ids(self, limit: int, broker: str) -> list[str]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(t.runs.c.run_id, t.runs.c.broker)
                .order_by(t.runs.c.started_at.desc())
                .limit(limit)
            ).all()
        return [r.run_id for r in rows if r.broker == broker]

    def unfinished_runs(self) -> list[RunSummary]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(t.runs)
                .where(t.runs.c.status == RunStatus.RUNNING.value)
                .order_by(t.runs.c.started_at)
            ).all()
        return [_summary(r) for r in rows]

    def planned_orders(self, run_id: str) -> list[PlannedOrderRecord]:
        with self._read() as conn:
            return _plan(conn, run_id)

    def orders_of(self, run_id: str) -> list[OrderRecord]:
        with self._read() as conn:
            return _orders(conn, run_id)

    def unfinished_orders(self, run_ids: Sequence[str]) -> list[OrderRecord]:
        found: list[OrderRecord] = []
        with self._read() as conn:
            for start in range(0, len(run_ids), 500):  # under SQLite's bound-parameter limit
                found += _orders(
                    conn,
                    t.orders.c.run_id.in_(run_ids[start : start + 500])
                    & (t.orders.c.final == sa.false()),
                )
        return sorted(found, key=lambda r: r.run_id)  # stable: each run keeps its order

    def fills_of(self, run_id: str) -> list[Fill]:
        with self._read() as conn:
            rows = conn.execute(
                sa.select(t.fills).where(t.fills.c.run_id == run_id).order_by(t.fills.c.id)
            ).all()
        return [
            Fill(
                order_id=r.broker_order_id,
                client_order_id=r.client_order_id,
                symbol=Symbol(r.symbol),
                side=Side(r.side),
                qty=r.qty,
                price=r.price,
                time=_at(r.at),
            )
            for r in rows
        ]

    def sleeve_deltas(
        self, run_id: str
    ) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]:
        deltas: dict[str, dict[str, Decimal]] = {}
        prices: dict[str, Decimal] = {}
        with self._read() as conn:
            for r in conn.execute(
                sa.select(t.sleeve_deltas).where(t.sleeve_deltas.c.run_id == run_id)
            ):
                deltas.setdefault(r.symbol, {})[r.sleeve] = r.qty
                prices[r.symbol] = r.cross_price
        return deltas, prices

    def load_book(self, account: str) -> AttributionBook:
        ledgers: dict[str, SleeveLedger] = {}
        with self._read() as conn:
            realized = sa.select(t.sleeve_realized).where(t.sleeve_realized.c.account == account)
            for r in conn.execute(realized):
                ledgers[r.sleeve] = SleeveLedger(r.sleeve, realized=r.realized)
            holdings = sa.select(t.sleeve_holdings).where(t.sleeve_holdings.c.account == account)
            for r in conn.execute(holdings):
                ledger = ledgers.setdefault(r.sleeve, SleeveLedger(r.sleeve))
                ledger.holdings[r.symbol] = SleeveHolding(r.qty, r.cost)
        return AttributionBook(ledgers.values())

    def is_attributed(self, run_id: str) -> bool:
        with self._read() as conn:
            return bool(
                conn.execute(
                    sa.select(t.runs.c.attributed).where(t.runs.c.run_id == run_id)
                ).scalar()
            )

    def run_detail(self, run_id: str) -> RunDetail | None:
        with self._read() as conn:
            run = conn.execute(sa.select(t.runs).where(t.runs.c.run_id == run_id)).first()
            if run is None:
                return None

            def rows(table: sa.Table, order: Any) -> Sequence[sa.Row[Any]]:
                return conn.execute(
                    sa.select(table).where(table.c.run_id == run_id).order_by(order)
                ).all()

            orders = _orders(conn, run_id)
            events = conn.execute(
                sa.select(t.order_events)
                .where(t.order_events.c.client_order_id.in_([o.client_order_id for o in orders]))
                .order_by(t.order_events.c.id)
            ).all()
            return RunDetail(
                run=_summary(run),
                events=tuple(
                    RunEventRecord(_at(r.at), r.step, r.message, r.data)
                    for r in rows(t.run_events, t.run_events.c.id)
                ),
                signals=tuple(
                    SleeveSignalRecord(
                        r.sleeve, r.allocation, r.ok, r.weights, r.explanation, r.error
                    )
                    for r in rows(t.signals, t.signals.c.id)
                ),
                target=tuple(
                    TargetRecord(r.symbol, r.weight, r.attribution)
                    for r in rows(t.targets, t.targets.c.id)
                ),
                plan=tuple(_plan(conn, run_id)),
                orders=tuple(orders),
                order_events=tuple(
                    OrderEventRecord(
                        e.client_order_id,
                        _at(e.at),
                        e.status,
                        e.filled_qty,
                        e.filled_avg_price,
                        e.limit_price,
                    )
                    for e in events
                ),
                fills=tuple(
                    FillRecord(
                        r.phase,
                        r.broker_order_id,
                        r.client_order_id,
                        r.symbol,
                        r.side,
                        r.qty,
                        r.price,
                        r.cum_qty,
                        _at(r.at),
                    )
                    for r in rows(t.fills, t.fills.c.id)
                ),
                accounts=tuple(
                    _account(r) for r in rows(t.account_snapshots, t.account_snapshots.c.id)
                ),
                errors=tuple(
                    ErrorEntry(_at(r.at), r.category, r.component, r.message, r.record)
                    for r in rows(t.errors, t.errors.c.id)
                ),
                sleeve_trades=tuple(
                    SleeveTradeRecord(
                        r.account, _at(r.at), r.sleeve, r.symbol, r.qty, r.price, r.fee, r.kind
                    )
                    for r in rows(t.sleeve_trades, t.sleeve_trades.c.id)
                ),
            )


def _summary(r: sa.Row[Any]) -> RunSummary:
    return RunSummary(
        run_id=r.run_id,
        trading_day=r.trading_day,
        mode=r.mode,
        broker=r.broker,
        data_source=r.data_source,
        status=RunStatus(r.status),
        started_at=_at(r.started_at),
        finished_at=_utc(r.finished_at),
        resumed_from=r.resumed_from,
        summary=r.summary or {},
        config=r.config or {},
        attributed=bool(r.attributed),
    )


def _plan(conn: sa.Connection, run_id: str) -> list[PlannedOrderRecord]:
    rows = conn.execute(
        sa.select(t.plans).where(t.plans.c.run_id == run_id).order_by(t.plans.c.seq)
    ).all()
    return [
        PlannedOrderRecord(r.phase, r.symbol, r.side, r.qty, r.price, r.value, r.reason)
        for r in rows
    ]


def _orders(conn: sa.Connection, where: str | sa.ColumnElement[bool]) -> list[OrderRecord]:
    """Orders of one run (its id) or matching a condition, by submission time."""
    condition = t.orders.c.run_id == where if isinstance(where, str) else where
    rows = conn.execute(
        sa.select(t.orders)
        .where(condition)
        .order_by(t.orders.c.submitted_at, t.orders.c.client_order_id)
    ).all()
    return [
        OrderRecord(
            run_id=r.run_id,
            phase=r.phase,
            client_order_id=r.client_order_id,
            broker_order_id=r.broker_order_id,
            symbol=r.symbol,
            side=r.side,
            qty=r.qty,
            status=r.status,
            filled_qty=r.filled_qty,
            filled_avg_price=r.filled_avg_price,
            final=bool(r.final),
            order_type=r.order_type,
            limit_price=r.limit_price,
            reject_reason=r.reject_reason,
            submitted_at=_utc(r.submitted_at),
            updated_at=_utc(r.updated_at),
        )
        for r in rows
    ]


def _account(r: sa.Row[Any]) -> AccountRecord:
    return AccountRecord(
        stage=r.stage,
        at=_at(r.at),
        equity=r.equity,
        cash=r.cash,
        buying_power=r.buying_power,
        positions=tuple(
            PositionRecord(
                symbol=p["symbol"],
                qty=Decimal(p["qty"]),
                avg_entry_price=Decimal(p["avg_entry_price"]),
                market_price=Decimal(p["market_price"]),
                market_value=Decimal(p["market_value"]),
            )
            for p in r.positions
        ),
    )
