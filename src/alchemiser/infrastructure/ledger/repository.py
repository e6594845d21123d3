"""The ledger on any SQLAlchemy database (SQLite with WAL by default). One transaction per call."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from alchemiser.application.ports.ledger import (
    OrderRecord,
    PlannedOrderRecord,
    RunInfo,
    RunStatus,
    RunSummary,
    SleeveSignalRecord,
)
from alchemiser.domain.attribution import AttributionBook, SleeveHolding, SleeveLedger, SleeveTrade
from alchemiser.domain.errors import CorruptStateError
from alchemiser.domain.trading import AccountSnapshot, Fill, Order, Side, Symbol, fill_between
from alchemiser.infrastructure.ledger import schema as t
from alchemiser.infrastructure.ledger.migrations import migrate


def jsonable(value: Any) -> Any:
    """JSON-safe copy: Decimal → str (exact), dates → ISO, tuples → lists, enums → value."""
    return json.loads(json.dumps(value, default=_default))


def _default(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    if isinstance(value, set | frozenset | tuple):
        return list(value)
    if hasattr(value, "as_dict"):
        return value.as_dict()
    if hasattr(value, "__dataclass_fields__"):
        return {k: getattr(value, k) for k in value.__dataclass_fields__}
    return str(value)


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    """SQLite drops the tz; everything we store is UTC, so put it back."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def create_ledger_engine(url: str) -> sa.Engine:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
        Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = sa.create_engine(url, future=True)
    if parsed.get_backend_name() == "sqlite":

        @sa.event.listens_for(engine, "connect")
        def _pragmas(dbapi_conn: Any, _record: Any) -> None:
            cursor = dbapi_conn.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA busy_timeout=5000")
            cursor.close()

    return engine


class SqlLedger:
    """Implements application.ports.ledger.Ledger."""

    def __init__(self, url: str, engine: sa.Engine | None = None) -> None:
        self.url = url
        self._safe_url = make_url(url).render_as_string(hide_password=True)
        self.engine = engine or create_ledger_engine(url)
        try:
            migrate(self.engine, url_for_messages=self._safe_url)
        except sa.exc.SQLAlchemyError as exc:
            raise CorruptStateError(
                f"cannot open the ledger {self._safe_url}: {type(exc).__name__}",
                context={"database": self._safe_url},
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    @contextmanager
    def _tx(self) -> Iterator[sa.Connection]:
        with self.engine.begin() as conn:
            yield conn

    # --- runs -------------------------------------------------------------------------------
    def start_run(self, info: RunInfo) -> None:
        with self._tx() as conn:
            conn.execute(
                t.runs.insert().values(
                    run_id=info.run_id,
                    trading_day=info.trading_day,
                    mode=info.mode,
                    broker=info.broker,
                    data_source=info.data_source,
                    status=RunStatus.RUNNING.value,
                    started_at=info.started_at,
                    resumed_from=info.resumed_from,
                    config=jsonable(dict(info.config)),
                    attributed=False,
                )
            )

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute(
                t.runs.update()
                .where(t.runs.c.run_id == run_id)
                .values(status=status.value, finished_at=_now(), summary=jsonable(dict(summary)))
            )

    def record_event(self, run_id: str, step: str, message: str, data: Any = None) -> None:
        with self._tx() as conn:
            conn.execute(
                t.run_events.insert().values(
                    run_id=run_id, at=_now(), step=step, message=message, data=jsonable(data)
                )
            )

    def record_signals(self, run_id: str, signals: Sequence[SleeveSignalRecord]) -> None:
        if not signals:
            return
        with self._tx() as conn:
            conn.execute(
                t.signals.insert(),
                [
                    {
                        "run_id": run_id,
                        "sleeve": s.sleeve,
                        "allocation": s.allocation,
                        "ok": s.ok,
                        "weights": jsonable(dict(s.weights)),
                        "explanation": jsonable(s.explanation),
                        "error": s.error,
                    }
                    for s in signals
                ],
            )

    def record_target(
        self,
        run_id: str,
        weights: Mapping[str, float],
        attribution: Mapping[str, Mapping[str, float]],
    ) -> None:
        rows = [
            {
                "run_id": run_id,
                "symbol": symbol,
                "weight": float(weight),
                "attribution": jsonable(dict(attribution.get(symbol, {}))),
            }
            for symbol, weight in sorted(weights.items())
        ]
        if rows:
            with self._tx() as conn:
                conn.execute(t.targets.insert(), rows)

    def record_plan(self, run_id: str, orders: Sequence[PlannedOrderRecord]) -> None:
        if not orders:
            return
        with self._tx() as conn:
            start = conn.execute(
                sa.select(sa.func.count()).select_from(t.plans).where(t.plans.c.run_id == run_id)
            ).scalar_one()
            conn.execute(
                t.plans.insert(),
                [
                    {
                        "run_id": run_id,
                        "seq": start + i,
                        "phase": o.phase,
                        "symbol": o.symbol,
                        "side": o.side,
                        "qty": o.qty,
                        "price": o.price,
                        "value": o.value,
                        "reason": o.reason,
                    }
                    for i, o in enumerate(orders)
                ],
            )

    # --- orders and fills -------------------------------------------------------------------
    def record_order(self, run_id: str, phase: str, order: Order) -> Fill | None:
        values = {
            "broker_order_id": order.id,
            "status": order.status.value,
            "final": order.is_final,
            "filled_qty": order.filled_qty,
            "filled_avg_price": order.filled_avg_price,
            "limit_price": order.limit_price,
            "reject_reason": order.reject_reason,
            "updated_at": order.updated_at,
        }
        with self._tx() as conn:
            existing = conn.execute(
                sa.select(t.orders).where(t.orders.c.client_order_id == order.client_order_id)
            ).first()
            previous: Order | None = None
            if existing is None:
                conn.execute(
                    t.orders.insert().values(
                        client_order_id=order.client_order_id,
                        run_id=run_id,
                        phase=phase,
                        symbol=str(order.symbol),
                        side=order.side.value,
                        order_type=order.order_type.value,
                        qty=order.qty,
                        submitted_at=order.submitted_at,
                        **values,
                    )
                )
            elif existing.status == order.status.value and existing.filled_qty == order.filled_qty:
                return None  # the same snapshot seen again: nothing changed
            else:
                previous = replace(
                    order,
                    filled_qty=existing.filled_qty,
                    filled_avg_price=existing.filled_avg_price,
                )
                conn.execute(
                    t.orders.update()
                    .where(t.orders.c.client_order_id == order.client_order_id)
                    .values(**values)
                )
            conn.execute(
                t.order_events.insert().values(
                    client_order_id=order.client_order_id,
                    at=order.updated_at,
                    status=order.status.value,
                    filled_qty=order.filled_qty,
                    filled_avg_price=order.filled_avg_price,
                    limit_price=order.limit_price,
                )
            )
            fill = fill_between(previous, order)
            if fill is not None:
                conn.execute(
                    t.fills.insert().values(
                        run_id=run_id,
                        phase=phase,
                        broker_order_id=fill.order_id,
                        client_order_id=fill.client_order_id,
                        symbol=str(fill.symbol),
                        side=fill.side.value,
                        qty=fill.qty,
                        price=fill.price,
                        cum_qty=order.filled_qty,
                        at=fill.time,
                    )
                )
            return fill

    def orders_of(self, run_id: str) -> list[OrderRecord]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.orders)
                .where(t.orders.c.run_id == run_id)
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
                final=r.final,
            )
            for r in rows
        ]

    def fills_of(self, run_id: str) -> list[Fill]:
        with self.engine.connect() as conn:
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
                time=_utc(r.at) or _now(),
            )
            for r in rows
        ]

    def record_account(self, run_id: str, stage: str, account: AccountSnapshot) -> None:
        positions = [
            {
                "symbol": str(p.symbol),
                "qty": str(p.qty),
                "avg_entry_price": str(p.avg_entry_price),
                "market_price": str(p.market_price),
                "market_value": str(p.market_value),
            }
            for p in account.positions
        ]
        with self._tx() as conn:
            conn.execute(
                t.account_snapshots.insert().values(
                    run_id=run_id,
                    stage=stage,
                    at=account.time or _now(),
                    equity=account.equity,
                    cash=account.cash,
                    buying_power=account.buying_power,
                    positions=positions,
                )
            )

    def record_error(self, run_id: str, record: Mapping[str, Any]) -> None:
        with self._tx() as conn:
            conn.execute(
                t.errors.insert().values(
                    run_id=run_id,
                    at=_now(),
                    category=str(record.get("category", "")),
                    component=str(record.get("component", "")),
                    message=str(record.get("message", "")),
                    record=jsonable(dict(record)),
                )
            )

    # --- attribution ------------------------------------------------------------------------
    def record_sleeve_deltas(
        self,
        run_id: str,
        deltas: Mapping[str, Mapping[str, Decimal]],
        cross_prices: Mapping[str, Decimal],
    ) -> None:
        rows = [
            {
                "run_id": run_id,
                "symbol": symbol,
                "sleeve": sleeve,
                "qty": qty,
                "cross_price": cross_prices[symbol],
            }
            for symbol, by_sleeve in sorted(deltas.items())
            for sleeve, qty in sorted(by_sleeve.items())
        ]
        with self._tx() as conn:
            conn.execute(t.sleeve_deltas.delete().where(t.sleeve_deltas.c.run_id == run_id))
            if rows:
                conn.execute(t.sleeve_deltas.insert(), rows)

    def sleeve_deltas(
        self, run_id: str
    ) -> tuple[dict[str, dict[str, Decimal]], dict[str, Decimal]]:
        deltas: dict[str, dict[str, Decimal]] = {}
        prices: dict[str, Decimal] = {}
        with self.engine.connect() as conn:
            for r in conn.execute(
                sa.select(t.sleeve_deltas).where(t.sleeve_deltas.c.run_id == run_id)
            ):
                deltas.setdefault(r.symbol, {})[r.sleeve] = r.qty
                prices[r.symbol] = r.cross_price
        return deltas, prices

    def load_book(self, account: str) -> AttributionBook:
        ledgers: dict[str, SleeveLedger] = {}
        with self.engine.connect() as conn:
            realized = sa.select(t.sleeve_realized).where(t.sleeve_realized.c.account == account)
            for r in conn.execute(realized):
                ledgers[r.sleeve] = SleeveLedger(r.sleeve, realized=r.realized)
            holdings = sa.select(t.sleeve_holdings).where(t.sleeve_holdings.c.account == account)
            for r in conn.execute(holdings):
                ledger = ledgers.setdefault(r.sleeve, SleeveLedger(r.sleeve))
                ledger.holdings[r.symbol] = SleeveHolding(r.qty, r.cost)
        return AttributionBook(ledgers.values())

    def save_book(
        self,
        account: str,
        run_id: str | None,
        book: AttributionBook,
        trades: Sequence[SleeveTrade],
    ) -> None:
        now = _now()
        with self._tx() as conn:
            if run_id is not None:
                done = conn.execute(
                    sa.select(t.runs.c.attributed).where(t.runs.c.run_id == run_id)
                ).scalar()
                if done:
                    raise CorruptStateError(
                        f"run {run_id} was already attributed; refusing to count its fills twice",
                        context={"run_id": run_id},
                    )
                conn.execute(
                    t.runs.update().where(t.runs.c.run_id == run_id).values(attributed=True)
                )
            if trades:
                conn.execute(
                    t.sleeve_trades.insert(),
                    [
                        {
                            "run_id": run_id,
                            "account": account,
                            "at": now,
                            "sleeve": tr.sleeve,
                            "symbol": tr.symbol,
                            "qty": tr.qty,
                            "price": tr.price,
                            "fee": tr.fee,
                            "kind": tr.kind,
                        }
                        for tr in trades
                    ],
                )
            conn.execute(t.sleeve_holdings.delete().where(t.sleeve_holdings.c.account == account))
            conn.execute(t.sleeve_realized.delete().where(t.sleeve_realized.c.account == account))
            holdings = [
                {"account": account, "sleeve": name, "symbol": symbol, "qty": h.qty, "cost": h.cost}
                for name, ledger in book.sleeves.items()
                for symbol, h in ledger.holdings.items()
            ]
            if holdings:
                conn.execute(t.sleeve_holdings.insert(), holdings)
            realized = [
                {"account": account, "sleeve": name, "realized": ledger.realized}
                for name, ledger in book.sleeves.items()
            ]
            if realized:
                conn.execute(t.sleeve_realized.insert(), realized)

    def is_attributed(self, run_id: str) -> bool:
        with self.engine.connect() as conn:
            return bool(
                conn.execute(
                    sa.select(t.runs.c.attributed).where(t.runs.c.run_id == run_id)
                ).scalar()
            )

    # --- queries ----------------------------------------------------------------------------
    def _summary(self, r: sa.Row[Any]) -> RunSummary:
        return RunSummary(
            run_id=r.run_id,
            trading_day=r.trading_day,
            mode=r.mode,
            broker=r.broker,
            data_source=r.data_source,
            status=RunStatus(r.status),
            started_at=_utc(r.started_at) or _now(),
            finished_at=_utc(r.finished_at),
            resumed_from=r.resumed_from,
            summary=r.summary or {},
        )

    def unfinished_runs(self) -> list[RunSummary]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.runs)
                .where(t.runs.c.status == RunStatus.RUNNING.value)
                .order_by(t.runs.c.started_at)
            ).all()
        return [self._summary(r) for r in rows]

    def runs(self, limit: int = 50) -> list[RunSummary]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.runs).order_by(t.runs.c.started_at.desc()).limit(limit)
            ).all()
        return [self._summary(r) for r in rows]

    def run(self, run_id: str) -> RunSummary | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(t.runs).where(t.runs.c.run_id == run_id)).first()
        return None if row is None else self._summary(row)

    def run_detail(self, run_id: str) -> dict[str, Any]:
        with self.engine.connect() as conn:
            run = conn.execute(sa.select(t.runs).where(t.runs.c.run_id == run_id)).first()
            if run is None:
                return {}

            def rows(table: sa.Table, order: Any) -> list[dict[str, Any]]:
                result = conn.execute(
                    sa.select(table).where(table.c.run_id == run_id).order_by(order)
                )
                return [
                    {k: v for k, v in row._mapping.items() if k not in ("id", "run_id")}
                    for row in result
                ]

            order_ids = [
                r.client_order_id
                for r in conn.execute(
                    sa.select(t.orders.c.client_order_id).where(t.orders.c.run_id == run_id)
                )
            ]
            events = conn.execute(
                sa.select(t.order_events)
                .where(t.order_events.c.client_order_id.in_(order_ids))
                .order_by(t.order_events.c.id)
            ).all()
            detail = {
                "run": dict(run._mapping),
                "events": rows(t.run_events, t.run_events.c.id),
                "signals": rows(t.signals, t.signals.c.id),
                "target": rows(t.targets, t.targets.c.id),
                "plan": rows(t.plans, t.plans.c.seq),
                "orders": rows(t.orders, t.orders.c.submitted_at),
                "order_events": [
                    {k: v for k, v in e._mapping.items() if k != "id"} for e in events
                ],
                "fills": rows(t.fills, t.fills.c.id),
                "accounts": rows(t.account_snapshots, t.account_snapshots.c.id),
                "errors": rows(t.errors, t.errors.c.id),
                "sleeve_trades": rows(t.sleeve_trades, t.sleeve_trades.c.id),
            }
        return jsonable(detail)  # type: ignore[no-any-return]
