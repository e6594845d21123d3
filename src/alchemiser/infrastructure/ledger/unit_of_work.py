"""The cycle's writes on one open transaction (implements application.ports.ledger.CycleUnitOfWork).

The caller owns the transaction: `SqlLedger.unit_of_work()` opens it, hands this object out and
commits when the `with` block ends (or rolls back on an exception).
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from alchemiser.application.ports.ledger import (
    PlannedOrderRecord,
    RunInfo,
    RunStatus,
    SleeveSignalRecord,
)
from alchemiser.domain.attribution import AttributionBook, SleeveTrade
from alchemiser.domain.errors import CorruptStateError
from alchemiser.domain.trading import AccountSnapshot, Fill, Order, fill_between
from alchemiser.infrastructure.ledger import schema as t


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


def now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class SqlCycleUnitOfWork:
    """Implements application.ports.ledger.CycleUnitOfWork on `conn` (inside a transaction)."""

    def __init__(self, conn: sa.Connection) -> None:
        self._conn = conn

    def start_run(self, info: RunInfo) -> None:
        self._conn.execute(
            t.runs.insert(),
            {
                "run_id": info.run_id,
                "trading_day": info.trading_day,
                "mode": info.mode,
                "broker": info.broker,
                "data_source": info.data_source,
                "status": RunStatus.RUNNING.value,
                "started_at": info.started_at,
                "resumed_from": info.resumed_from,
                "config": jsonable(dict(info.config)),
                "attributed": False,
            },
        )

    def finish_run(self, run_id: str, status: RunStatus, summary: Mapping[str, Any]) -> None:
        self._conn.execute(
            t.runs.update()
            .where(t.runs.c.run_id == run_id)
            .values(status=status.value, finished_at=now(), summary=jsonable(dict(summary)))
        )

    def record_event(self, run_id: str, step: str, message: str, data: Any = None) -> None:
        self._conn.execute(
            t.run_events.insert(),
            {
                "run_id": run_id,
                "at": now(),
                "step": step,
                "message": message,
                "data": jsonable(data),
            },
        )

    def record_signals(self, run_id: str, signals: Sequence[SleeveSignalRecord]) -> None:
        if not signals:
            return
        self._conn.execute(
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
            self._conn.execute(t.targets.insert(), rows)

    def record_plan(self, run_id: str, orders: Sequence[PlannedOrderRecord]) -> None:
        if not orders:
            return
        start = self._conn.execute(
            sa.select(sa.func.count()).select_from(t.plans).where(t.plans.c.run_id == run_id)
        ).scalar_one()
        self._conn.execute(
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

    def record_order(self, run_id: str, phase: str, order: Order) -> Fill | None:
        conn = self._conn
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
        existing = conn.execute(
            sa.select(t.orders).where(t.orders.c.client_order_id == order.client_order_id)
        ).first()
        previous: Order | None = None
        if existing is None:
            conn.execute(
                t.orders.insert(),
                dict(
                    client_order_id=order.client_order_id,
                    run_id=run_id,
                    phase=phase,
                    symbol=str(order.symbol),
                    side=order.side.value,
                    order_type=order.order_type.value,
                    qty=order.qty,
                    submitted_at=order.submitted_at,
                    **values,
                ),
            )
        elif existing.status == order.status.value and existing.filled_qty == order.filled_qty:
            return None  # the same snapshot seen again: nothing changed
        else:
            previous = replace(
                order, filled_qty=existing.filled_qty, filled_avg_price=existing.filled_avg_price
            )
            conn.execute(
                t.orders.update()
                .where(t.orders.c.client_order_id == order.client_order_id)
                .values(**values)
            )
        conn.execute(
            t.order_events.insert(),
            {
                "client_order_id": order.client_order_id,
                "at": order.updated_at,
                "status": order.status.value,
                "filled_qty": order.filled_qty,
                "filled_avg_price": order.filled_avg_price,
                "limit_price": order.limit_price,
            },
        )
        fill = fill_between(previous, order)
        if fill is not None:
            conn.execute(
                t.fills.insert(),
                {
                    "run_id": run_id,
                    "phase": phase,
                    "broker_order_id": fill.order_id,
                    "client_order_id": fill.client_order_id,
                    "symbol": str(fill.symbol),
                    "side": fill.side.value,
                    "qty": fill.qty,
                    "price": fill.price,
                    "cum_qty": order.filled_qty,
                    "at": fill.time,
                },
            )
        return fill

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
        self._conn.execute(
            t.account_snapshots.insert(),
            {
                "run_id": run_id,
                "stage": stage,
                "at": account.time or now(),
                "equity": account.equity,
                "cash": account.cash,
                "buying_power": account.buying_power,
                "positions": positions,
            },
        )

    def record_error(self, run_id: str, record: Mapping[str, Any]) -> None:
        self._conn.execute(
            t.errors.insert(),
            {
                "run_id": run_id,
                "at": now(),
                "category": str(record.get("category", "")),
                "component": str(record.get("component", "")),
                "message": str(record.get("message", "")),
                "record": jsonable(dict(record)),
            },
        )

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
            for symbol, split in sorted(deltas.items())
            for sleeve, qty in sorted(split.items())
        ]
        self._conn.execute(t.sleeve_deltas.delete().where(t.sleeve_deltas.c.run_id == run_id))
        if rows:
            self._conn.execute(t.sleeve_deltas.insert(), rows)

    def save_book(
        self,
        account: str,
        run_id: str | None,
        book: AttributionBook,
        trades: Sequence[SleeveTrade],
    ) -> None:
        conn = self._conn
        moment = now()
        if run_id is not None:
            done = conn.execute(
                sa.select(t.runs.c.attributed).where(t.runs.c.run_id == run_id)
            ).scalar()
            if done:
                raise CorruptStateError(
                    f"run {run_id} was already attributed; refusing to count its fills twice",
                    context={"run_id": run_id},
                )
            conn.execute(t.runs.update().where(t.runs.c.run_id == run_id).values(attributed=True))
        if trades:
            conn.execute(
                t.sleeve_trades.insert(),
                [
                    {
                        "run_id": run_id,
                        "account": account,
                        "at": moment,
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
