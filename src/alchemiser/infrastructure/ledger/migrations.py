"""Versioned schema migrations, applied in order, each in its own transaction.

`schema_version` holds one row per applied migration. A database written by a newer Alchemiser
(a version we do not know) is refused rather than guessed at.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from alchemiser.domain.errors import CorruptStateError
from alchemiser.infrastructure.ledger import schema

Migration = tuple[int, str, Callable[[sa.Connection], None]]

_V1_TABLES = [
    schema.runs,
    schema.run_events,
    schema.signals,
    schema.targets,
    schema.plans,
    schema.orders,
    schema.order_events,
    schema.fills,
    schema.account_snapshots,
    schema.errors,
]
_V2_TABLES = [
    schema.sleeve_deltas,
    schema.sleeve_trades,
    schema.sleeve_holdings,
    schema.sleeve_realized,
]

_V3_TABLES = [
    schema.halt_state,
    schema.halt_log,
    schema.autopilot_sessions,
    schema.autopilot_state,
]


def _create(tables: list[sa.Table]) -> Callable[[sa.Connection], None]:
    def apply(conn: sa.Connection) -> None:
        for table in tables:
            table.create(conn)

    return apply


MIGRATIONS: list[Migration] = [
    (1, "runs, signals, targets, plans, orders, fills, accounts, errors", _create(_V1_TABLES)),
    (2, "per-sleeve attribution: deltas, trades, holdings, realised P&L", _create(_V2_TABLES)),
    (3, "kill switch and autopilot: halt state and log, sessions, state", _create(_V3_TABLES)),
]
LATEST = MIGRATIONS[-1][0]


def current_version(conn: sa.Connection) -> int:
    if not sa.inspect(conn).has_table(schema.schema_version.name):
        return 0
    found = conn.execute(sa.select(sa.func.max(schema.schema_version.c.version))).scalar()
    return int(found or 0)


def migrate(engine: sa.Engine, *, url_for_messages: str) -> int:
    """Bring the schema to LATEST; returns the number of migrations applied."""
    with engine.begin() as conn:
        schema.schema_version.create(conn, checkfirst=True)
        version = current_version(conn)
    if version > LATEST:
        raise CorruptStateError(
            f"ledger {url_for_messages} has schema version {version}, newer than this "
            f"Alchemiser knows ({LATEST})",
            context={"database": url_for_messages, "schema_version": version},
            suggested_action="Upgrade Alchemiser, or point ALCHEMISER_DATABASE_URL elsewhere.",
        )
    applied = 0
    for number, description, step in MIGRATIONS:
        if number <= version:
            continue
        with engine.begin() as conn:
            step(conn)
            conn.execute(
                schema.schema_version.insert().values(
                    version=number, description=description, applied_at=dt.datetime.now(dt.UTC)
                )
            )
        applied += 1
    return applied
