"""Ledger tables as the application queries them (SQLAlchemy Core), at the latest revision.

Money and quantities are stored as exact decimal text. These definitions are for queries only:
the database is created and changed by the frozen Alembic revisions in `revisions/versions`,
and tests/ledger check that the two agree.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Dialect
from sqlalchemy.types import TypeDecorator


class DecimalText(TypeDecorator[Decimal]):
    """Decimal kept as text: SQLite has no exact numeric type and floats would lose cents."""

    impl = sa.String(64)
    cache_ok = True

    def process_bind_param(self, value: Decimal | None, dialect: Dialect) -> str | None:
        return None if value is None else str(value)

    def process_result_value(self, value: Any, dialect: Dialect) -> Decimal | None:
        return None if value is None else Decimal(str(value))


metadata = sa.MetaData()
_ts = sa.DateTime(timezone=True)

schema_version = sa.Table(
    "schema_version",
    metadata,
    sa.Column("version", sa.Integer, primary_key=True),
    sa.Column("description", sa.String(200), nullable=False),
    sa.Column("applied_at", _ts, nullable=False),
)

runs = sa.Table(
    "runs",
    metadata,
    sa.Column("run_id", sa.String(40), primary_key=True),
    sa.Column("trading_day", sa.Date, nullable=False, index=True),
    sa.Column("mode", sa.String(10), nullable=False),
    sa.Column("broker", sa.String(40), nullable=False),
    sa.Column("data_source", sa.String(80), nullable=False),
    sa.Column("status", sa.String(20), nullable=False, index=True),
    sa.Column("started_at", _ts, nullable=False),
    sa.Column("finished_at", _ts),
    sa.Column("resumed_from", sa.String(40), sa.ForeignKey("runs.run_id")),
    sa.Column("config", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON),
    sa.Column("attributed", sa.Boolean, nullable=False, default=False),
)


def _run_fk() -> sa.Column[str]:
    return sa.Column(
        "run_id", sa.String(40), sa.ForeignKey("runs.run_id"), nullable=False, index=True
    )


run_events = sa.Table(
    "run_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("at", _ts, nullable=False),
    sa.Column("step", sa.String(40), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("data", sa.JSON),
)

signals = sa.Table(
    "signals",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("sleeve", sa.String(80), nullable=False),
    sa.Column("allocation", sa.Float, nullable=False),
    sa.Column("ok", sa.Boolean, nullable=False),
    sa.Column("weights", sa.JSON, nullable=False),
    sa.Column("explanation", sa.JSON),
    sa.Column("error", sa.Text),
)

targets = sa.Table(
    "targets",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("weight", sa.Float, nullable=False),
    sa.Column("attribution", sa.JSON, nullable=False),
)

plans = sa.Table(
    "plans",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("phase", sa.String(10), nullable=False),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("price", DecimalText, nullable=False),
    sa.Column("value", DecimalText, nullable=False),
    sa.Column("reason", sa.Text, nullable=False, default=""),
)

orders = sa.Table(
    "orders",
    metadata,
    sa.Column("client_order_id", sa.String(48), primary_key=True),
    _run_fk(),
    sa.Column("broker_order_id", sa.String(64), nullable=False, index=True),
    sa.Column("phase", sa.String(10), nullable=False),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("order_type", sa.String(10), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("limit_price", DecimalText),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("final", sa.Boolean, nullable=False),
    sa.Column("filled_qty", DecimalText, nullable=False),
    sa.Column("filled_avg_price", DecimalText),
    sa.Column("reject_reason", sa.Text),
    sa.Column("submitted_at", _ts, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)

order_events = sa.Table(
    "order_events",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column(
        "client_order_id",
        sa.String(48),
        sa.ForeignKey("orders.client_order_id"),
        nullable=False,
        index=True,
    ),
    sa.Column("at", _ts, nullable=False),
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("filled_qty", DecimalText, nullable=False),
    sa.Column("filled_avg_price", DecimalText),
    sa.Column("limit_price", DecimalText),
)

fills = sa.Table(
    "fills",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("phase", sa.String(10), nullable=False),
    sa.Column("broker_order_id", sa.String(64), nullable=False),
    sa.Column("client_order_id", sa.String(48), nullable=False, index=True),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("side", sa.String(4), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("price", DecimalText, nullable=False),
    sa.Column("cum_qty", DecimalText, nullable=False),
    sa.Column("at", _ts, nullable=False),
    sa.UniqueConstraint("client_order_id", "cum_qty", name="uq_fill_once"),
)

account_snapshots = sa.Table(
    "account_snapshots",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("stage", sa.String(20), nullable=False),
    sa.Column("at", _ts, nullable=False),
    sa.Column("equity", DecimalText, nullable=False),
    sa.Column("cash", DecimalText, nullable=False),
    sa.Column("buying_power", DecimalText, nullable=False),
    sa.Column("positions", sa.JSON, nullable=False),
)

errors = sa.Table(
    "errors",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("at", _ts, nullable=False),
    sa.Column("category", sa.String(20), nullable=False),
    sa.Column("component", sa.String(80), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("record", sa.JSON, nullable=False),
)

sleeve_deltas = sa.Table(
    "sleeve_deltas",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    _run_fk(),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("sleeve", sa.String(80), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("cross_price", DecimalText, nullable=False),
)

sleeve_trades = sa.Table(
    "sleeve_trades",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id"), index=True),
    sa.Column("account", sa.String(40), nullable=False, index=True),
    sa.Column("at", _ts, nullable=False),
    sa.Column("sleeve", sa.String(80), nullable=False),
    sa.Column("symbol", sa.String(20), nullable=False),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("price", DecimalText, nullable=False),
    sa.Column("fee", DecimalText, nullable=False),
    sa.Column("kind", sa.String(12), nullable=False),
)

sleeve_holdings = sa.Table(
    "sleeve_holdings",
    metadata,
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("sleeve", sa.String(80), primary_key=True),
    sa.Column("symbol", sa.String(20), primary_key=True),
    sa.Column("qty", DecimalText, nullable=False),
    sa.Column("cost", DecimalText, nullable=False),
)

sleeve_realized = sa.Table(
    "sleeve_realized",
    metadata,
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("sleeve", sa.String(80), primary_key=True),
    sa.Column("realized", DecimalText, nullable=False),
)

cycle_locks = sa.Table(
    "cycle_locks",
    metadata,
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("owner", sa.String(200), nullable=False),
    sa.Column("host", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("since", _ts, nullable=False),
)

# --- kill switch and autopilot (SPEC §15) ---------------------------------------------------
halt_state = sa.Table(
    "halt_state",
    metadata,
    sa.Column("scope", sa.String(40), primary_key=True),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("source", sa.String(80), nullable=False),
    sa.Column("since", _ts, nullable=False),
)
"""At most one row per scope: the active halt. The primary key makes `halt` atomic."""

halt_log = sa.Table(
    "halt_log",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("scope", sa.String(40), nullable=False),
    sa.Column("action", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("source", sa.String(80), nullable=False),
    sa.Column("at", _ts, nullable=False),
)

autopilot_sessions = sa.Table(
    "autopilot_sessions",
    metadata,
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("session_day", sa.Date, primary_key=True),
    sa.Column("attempts", sa.Integer, nullable=False, default=0),
    sa.Column("last_attempt_at", _ts),
    sa.Column("last_run_id", sa.String(40)),
    sa.Column("alerts", sa.JSON, nullable=False),
    sa.Column("summary", sa.JSON),
    sa.Column("summary_sent_at", _ts),
)
"""What the autopilot did about each session: attempts, alerts sent, the daily summary."""

autopilot_state = sa.Table(
    "autopilot_state",
    metadata,
    sa.Column("account", sa.String(40), primary_key=True),
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.JSON, nullable=False),
    sa.Column("updated_at", _ts, nullable=False),
)
"""Small facts that outlive a process: when the autopilot first ran, its last heartbeat."""
