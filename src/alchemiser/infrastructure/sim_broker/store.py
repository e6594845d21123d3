"""The simulated account's tables (prefixed `sim_`) in the ledger database.

Versioned with their own Alembic revisions (infrastructure/sim_broker/revisions, version table
`sim_alembic_version`), upgraded on open like the ledger's. Every save is one write transaction,
so a crash leaves the account as it was after the last completed broker call.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from alchemiser.domain.errors import AlchemiserError, CorruptStateError
from alchemiser.domain.trading import (
    Fill,
    Order,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
    TimeInForce,
)
from alchemiser.infrastructure.ledger.engine import translate_database_error, write_transaction
from alchemiser.infrastructure.ledger.migrations import SIM_STORE, upgrade
from alchemiser.infrastructure.ledger.schema import DecimalText

metadata = sa.MetaData()

sim_accounts = sa.Table(
    "sim_accounts",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("cash", DecimalText, nullable=False),
    sa.Column("initial_cash", DecimalText, nullable=False),
    sa.Column("sim_time", sa.String(40), nullable=False),
    sa.Column("next_order_seq", sa.Integer, nullable=False),
    sa.Column("created_at", sa.String(40), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
)

sim_positions = sa.Table(
    "sim_positions",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("symbol", sa.String(20), primary_key=True),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("avg_entry_price", DecimalText, nullable=False),
)

sim_orders = sa.Table(
    "sim_orders",
    metadata,
    sa.Column("account_id", sa.String(40), primary_key=True),
    sa.Column("id", sa.String(40), primary_key=True),
    sa.Column("client_order_id", sa.String(48), nullable=False),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("order_type", sa.String(10), nullable=False),
    sa.Column("limit_price", DecimalText),
    sa.Column("time_in_force", sa.String(4), nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("filled_qty", DecimalText, nullable=False),
    sa.Column("filled_avg_price", DecimalText),
    sa.Column("submitted_at", sa.String(40), nullable=False),
    sa.Column("updated_at", sa.String(40), nullable=False),
    sa.Column("replaced_by", sa.String(40)),
    sa.Column("reject_reason", sa.String(200)),
    sa.Column("next_event_at", sa.String(40)),
    sa.UniqueConstraint("account_id", "client_order_id", name="uq_sim_orders_client_id"),
)

sim_fills = sa.Table(
    "sim_fills",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("account_id", sa.String(40), nullable=False, index=True),
    sa.Column("order_id", sa.String(40), nullable=False),
    sa.Column("client_order_id", sa.String(48), nullable=False),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("price", DecimalText, nullable=False),
    sa.Column("time", sa.String(40), nullable=False),
)


@dataclass
class SimPosition:
    qty: Decimal
    avg_entry_price: Decimal


@dataclass
class SimState:
    cash: Decimal
    initial_cash: Decimal
    sim_time: dt.datetime
    next_order_seq: int
    positions: dict[Symbol, SimPosition]
    orders: dict[str, Order]
    next_events: dict[str, dt.datetime | None]
    version: int = 1
    """Bumped by every save; a save against a stale version means another process wrote."""


def _iso(moment: dt.datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(dt.UTC).isoformat()


def _at(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text)


def _time(text: str | None) -> dt.datetime | None:
    return None if text is None else dt.datetime.fromisoformat(text)


class StaleSimStateError(CorruptStateError):
    """A save found the account at another version than the one it was computed from: another
    process wrote in between. Nothing of the save was written (one transaction)."""


class SimStore:
    def __init__(self, engine: sa.Engine, account_id: str) -> None:
        self._engine = engine
        self._account = account_id
        try:
            upgrade(engine, SIM_STORE)
        except AlchemiserError:
            raise
        except sa.exc.SQLAlchemyError as exc:
            raise translate_database_error(engine, exc, "opening the simulated account") from exc

    def load_or_create(self, initial_cash: Decimal, start: dt.datetime) -> SimState:
        """The stored account, or a new one. Two processes creating it at once: SQLite's
        `BEGIN IMMEDIATE` serialises them; on PostgreSQL (READ COMMITTED) both may see no row,
        and the one whose insert collides loads the account the other made."""
        try:
            return self._load_or_create(initial_cash, start)
        except sa.exc.IntegrityError:
            return self._load_or_create(initial_cash, start)

    def _load_or_create(self, initial_cash: Decimal, start: dt.datetime) -> SimState:
        with write_transaction(self._engine) as conn:
            row = conn.execute(
                sa.select(sim_accounts).where(sim_accounts.c.account_id == self._account)
            ).first()
            if row is None:
                now = _iso(start)
                conn.execute(
                    sim_accounts.insert(),
                    {
                        "account_id": self._account,
                        "cash": initial_cash,
                        "initial_cash": initial_cash,
                        "sim_time": now,
                        "next_order_seq": 1,
                        "created_at": now,
                        "version": 1,
                    },
                )
                return SimState(initial_cash, initial_cash, start, 1, {}, {}, {})
            positions = {
                Symbol(p.symbol): SimPosition(p.qty, p.avg_entry_price)
                for p in conn.execute(
                    sa.select(sim_positions).where(sim_positions.c.account_id == self._account)
                )
            }
            orders: dict[str, Order] = {}
            events: dict[str, dt.datetime | None] = {}
            for o in conn.execute(
                sa.select(sim_orders)
                .where(sim_orders.c.account_id == self._account)
                .order_by(sim_orders.c.id)
            ):
                orders[o.id] = _order_of(o)
                events[o.id] = _time(o.next_event_at)
            sim_time = _at(row.sim_time)
            return SimState(
                row.cash,
                row.initial_cash,
                sim_time,
                row.next_order_seq,
                positions,
                orders,
                events,
                row.version,
            )

    def save(
        self,
        state: SimState,
        *,
        orders: Iterable[str],
        positions: Iterable[Symbol],
        fills: Iterable[Fill],
    ) -> None:
        """Write the account row, the touched orders/positions and new fills atomically."""
        with write_transaction(self._engine) as conn:
            updated = conn.execute(
                sim_accounts.update()
                .where(
                    (sim_accounts.c.account_id == self._account)
                    & (sim_accounts.c.version == state.version)
                )
                .values(
                    cash=state.cash,
                    sim_time=_iso(state.sim_time),
                    next_order_seq=state.next_order_seq,
                    version=state.version + 1,
                )
            )
            if updated.rowcount != 1:
                raise StaleSimStateError(
                    f"simulated account {self._account!r} was changed by another process",
                    context={"account_id": self._account},
                    suggested_action="Run one `alchemiser` trading command at a time.",
                )
            # one statement per table (executemany), not one per row: a replay flushes a
            # whole session's orders at once
            symbols = [str(s) for s in positions]
            order_ids = list(orders)
            for chunk in _chunks(symbols):
                conn.execute(
                    sim_positions.delete().where(
                        (sim_positions.c.account_id == self._account)
                        & sim_positions.c.symbol.in_(chunk)
                    )
                )
            held_rows = [
                {
                    "account_id": self._account,
                    "symbol": symbol,
                    "qty": held.qty,
                    "avg_entry_price": held.avg_entry_price,
                }
                for symbol in symbols
                if (held := state.positions.get(Symbol(symbol))) is not None
            ]
            if held_rows:
                conn.execute(sim_positions.insert(), held_rows)
            for chunk in _chunks(order_ids):
                conn.execute(
                    sim_orders.delete().where(
                        (sim_orders.c.account_id == self._account) & sim_orders.c.id.in_(chunk)
                    )
                )
            if order_ids:
                conn.execute(
                    sim_orders.insert(),
                    [
                        {
                            "account_id": self._account,
                            **_order_row(state.orders[order_id]),
                            "next_event_at": _iso(state.next_events.get(order_id)),
                        }
                        for order_id in order_ids
                    ],
                )
            fill_rows = [
                {
                    "account_id": self._account,
                    "order_id": fill.order_id,
                    "client_order_id": fill.client_order_id,
                    "symbol": str(fill.symbol),
                    "side": fill.side.value,
                    "qty": fill.qty,
                    "price": fill.price,
                    "time": _iso(fill.time),
                }
                for fill in fills
            ]
            if fill_rows:
                conn.execute(sim_fills.insert(), fill_rows)
        state.version += 1

    def stored_version(self) -> int | None:
        """The account's version as the database holds it now (None: not created yet)."""
        with self._engine.connect() as conn:
            version = conn.execute(
                sa.select(sim_accounts.c.version).where(sim_accounts.c.account_id == self._account)
            ).scalar()
        return None if version is None else int(version)

    def archived(self, order_id: str) -> Order | None:
        """Orders kept out of the loaded state: none here (every order is loaded)."""
        del order_id
        return None

    def archived_by_client_id(self, client_order_id: str) -> Order | None:
        del client_order_id
        return None

    def fills(self) -> list[Fill]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(sim_fills)
                .where(sim_fills.c.account_id == self._account)
                .order_by(sim_fills.c.id)
            ).all()
        return [
            Fill(
                order_id=r.order_id,
                client_order_id=r.client_order_id,
                symbol=Symbol(r.symbol),
                side=Side(r.side),
                qty=r.qty,
                price=r.price,
                time=_at(r.time),
            )
            for r in rows
        ]


def _chunks(items: list[str], size: int = 500) -> list[list[str]]:
    """Lists short enough for one `IN (…)` under SQLite's bound-parameter limit."""
    return [items[i : i + size] for i in range(0, len(items), size)]


def _order_row(order: Order) -> dict[str, object]:
    return {
        "id": order.id,
        "client_order_id": order.client_order_id,
        "symbol": str(order.symbol),
        "side": order.side.value,
        "qty": order.qty,
        "order_type": order.order_type.value,
        "limit_price": order.limit_price,
        "time_in_force": order.time_in_force.value,
        "status": order.status.value,
        "filled_qty": order.filled_qty,
        "filled_avg_price": order.filled_avg_price,
        "submitted_at": _iso(order.submitted_at),
        "updated_at": _iso(order.updated_at),
        "replaced_by": order.replaced_by,
        "reject_reason": order.reject_reason,
    }


def _order_of(row: sa.Row[object]) -> Order:
    return Order(
        id=row.id,
        client_order_id=row.client_order_id,
        symbol=Symbol(row.symbol),
        side=Side(row.side),
        qty=row.qty,
        order_type=OrderType(row.order_type),
        status=OrderStatus(row.status),
        submitted_at=_at(row.submitted_at),
        updated_at=_at(row.updated_at),
        limit_price=row.limit_price,
        time_in_force=TimeInForce(row.time_in_force),
        filled_qty=row.filled_qty,
        filled_avg_price=row.filled_avg_price,
        replaced_by=row.replaced_by,
        reject_reason=row.reject_reason,
    )
