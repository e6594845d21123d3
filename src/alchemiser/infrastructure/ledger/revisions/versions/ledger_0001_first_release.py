"""The ledger schema of the first release (0.1.0, commit a87e045), written out literally.

Frozen: it must keep creating exactly what 0.1.0 created, whatever the application's table
definitions (infrastructure/ledger/schema.py) become. Money and quantities are exact decimal
text (VARCHAR(64)). A pre-Alembic database of that release (its `schema_version` table at 2) is
stamped with this revision instead of running it.

Revision ID: ledger_0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)
DEC = sa.String(64)


def _run_id(nullable: bool = False) -> sa.Column[str]:
    return sa.Column("run_id", sa.String(40), sa.ForeignKey("runs.run_id"), nullable=nullable)


def upgrade() -> None:
    op.create_table(
        "schema_version",
        sa.Column("version", sa.Integer, primary_key=True, autoincrement=False),
        sa.Column("description", sa.String(200), nullable=False),
        sa.Column("applied_at", TS, nullable=False),
    )
    op.create_table(
        "runs",
        sa.Column("run_id", sa.String(40), primary_key=True),
        sa.Column("trading_day", sa.Date, nullable=False),
        sa.Column("mode", sa.String(10), nullable=False),
        sa.Column("broker", sa.String(40), nullable=False),
        sa.Column("data_source", sa.String(80), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("started_at", TS, nullable=False),
        sa.Column("finished_at", TS),
        sa.Column("resumed_from", sa.String(40), sa.ForeignKey("runs.run_id")),
        sa.Column("config", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON),
        sa.Column("attributed", sa.Boolean, nullable=False),
    )
    op.create_index("ix_runs_trading_day", "runs", ["trading_day"])
    op.create_index("ix_runs_status", "runs", ["status"])
    op.create_table(
        "run_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("at", TS, nullable=False),
        sa.Column("step", sa.String(40), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("data", sa.JSON),
    )
    op.create_index("ix_run_events_run_id", "run_events", ["run_id"])
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("sleeve", sa.String(80), nullable=False),
        sa.Column("allocation", sa.Float, nullable=False),
        sa.Column("ok", sa.Boolean, nullable=False),
        sa.Column("weights", sa.JSON, nullable=False),
        sa.Column("explanation", sa.JSON),
        sa.Column("error", sa.Text),
    )
    op.create_index("ix_signals_run_id", "signals", ["run_id"])
    op.create_table(
        "targets",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("weight", sa.Float, nullable=False),
        sa.Column("attribution", sa.JSON, nullable=False),
    )
    op.create_index("ix_targets_run_id", "targets", ["run_id"])
    op.create_table(
        "plans",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("price", DEC, nullable=False),
        sa.Column("value", DEC, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
    )
    op.create_index("ix_plans_run_id", "plans", ["run_id"])
    op.create_table(
        "orders",
        sa.Column("client_order_id", sa.String(48), primary_key=True),
        _run_id(),
        sa.Column("broker_order_id", sa.String(64), nullable=False),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("order_type", sa.String(10), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("limit_price", DEC),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("final", sa.Boolean, nullable=False),
        sa.Column("filled_qty", DEC, nullable=False),
        sa.Column("filled_avg_price", DEC),
        sa.Column("reject_reason", sa.Text),
        sa.Column("submitted_at", TS, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )
    op.create_index("ix_orders_run_id", "orders", ["run_id"])
    op.create_index("ix_orders_broker_order_id", "orders", ["broker_order_id"])
    op.create_table(
        "order_events",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column(
            "client_order_id",
            sa.String(48),
            sa.ForeignKey("orders.client_order_id"),
            nullable=False,
        ),
        sa.Column("at", TS, nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", DEC, nullable=False),
        sa.Column("filled_avg_price", DEC),
        sa.Column("limit_price", DEC),
    )
    op.create_index("ix_order_events_client_order_id", "order_events", ["client_order_id"])
    op.create_table(
        "fills",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("phase", sa.String(10), nullable=False),
        sa.Column("broker_order_id", sa.String(64), nullable=False),
        sa.Column("client_order_id", sa.String(48), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("price", DEC, nullable=False),
        sa.Column("cum_qty", DEC, nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.UniqueConstraint("client_order_id", "cum_qty", name="uq_fill_once"),
    )
    op.create_index("ix_fills_run_id", "fills", ["run_id"])
    op.create_index("ix_fills_client_order_id", "fills", ["client_order_id"])
    op.create_table(
        "account_snapshots",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("stage", sa.String(20), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("equity", DEC, nullable=False),
        sa.Column("cash", DEC, nullable=False),
        sa.Column("buying_power", DEC, nullable=False),
        sa.Column("positions", sa.JSON, nullable=False),
    )
    op.create_index("ix_account_snapshots_run_id", "account_snapshots", ["run_id"])
    op.create_table(
        "errors",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("at", TS, nullable=False),
        sa.Column("category", sa.String(20), nullable=False),
        sa.Column("component", sa.String(80), nullable=False),
        sa.Column("message", sa.Text, nullable=False),
        sa.Column("record", sa.JSON, nullable=False),
    )
    op.create_index("ix_errors_run_id", "errors", ["run_id"])
    op.create_table(
        "sleeve_deltas",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("sleeve", sa.String(80), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("cross_price", DEC, nullable=False),
    )
    op.create_index("ix_sleeve_deltas_run_id", "sleeve_deltas", ["run_id"])
    op.create_table(
        "sleeve_trades",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        _run_id(nullable=True),
        sa.Column("account", sa.String(40), nullable=False),
        sa.Column("at", TS, nullable=False),
        sa.Column("sleeve", sa.String(80), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("price", DEC, nullable=False),
        sa.Column("fee", DEC, nullable=False),
        sa.Column("kind", sa.String(12), nullable=False),
    )
    op.create_index("ix_sleeve_trades_account", "sleeve_trades", ["account"])
    op.create_index("ix_sleeve_trades_run_id", "sleeve_trades", ["run_id"])
    op.create_table(
        "sleeve_holdings",
        sa.Column("account", sa.String(40), primary_key=True),
        sa.Column("sleeve", sa.String(80), primary_key=True),
        sa.Column("symbol", sa.String(20), primary_key=True),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("cost", DEC, nullable=False),
    )
    op.create_table(
        "sleeve_realized",
        sa.Column("account", sa.String(40), primary_key=True),
        sa.Column("sleeve", sa.String(80), primary_key=True),
        sa.Column("realized", DEC, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is never downgraded: restore a backup instead")
