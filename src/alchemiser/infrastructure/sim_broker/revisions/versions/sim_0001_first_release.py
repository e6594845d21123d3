"""The simulated broker's tables of the first release (0.1.0, commit a87e045), literally.

Frozen. 0.1.0 created them without any version; such a database (a `sim_accounts` table and
no `sim_alembic_version`) is stamped with this revision instead of running it.

Revision ID: sim_0001
Revises: (none)
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "sim_0001"
down_revision: str | None = None
branch_labels: str | None = None
depends_on: str | None = None

DEC = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "sim_accounts",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("cash", DEC, nullable=False),
        sa.Column("initial_cash", DEC, nullable=False),
        sa.Column("sim_time", sa.String(40), nullable=False),
        sa.Column("next_order_seq", sa.Integer, nullable=False),
        sa.Column("created_at", sa.String(40), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
    )
    op.create_table(
        "sim_positions",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("symbol", sa.String(20), primary_key=True),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("avg_entry_price", DEC, nullable=False),
    )
    op.create_table(
        "sim_orders",
        sa.Column("account_id", sa.String(40), primary_key=True),
        sa.Column("id", sa.String(40), primary_key=True),
        sa.Column("client_order_id", sa.String(48), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("order_type", sa.String(10), nullable=False),
        sa.Column("limit_price", DEC),
        sa.Column("time_in_force", sa.String(4), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("filled_qty", DEC, nullable=False),
        sa.Column("filled_avg_price", DEC),
        sa.Column("submitted_at", sa.String(40), nullable=False),
        sa.Column("updated_at", sa.String(40), nullable=False),
        sa.Column("replaced_by", sa.String(40)),
        sa.Column("reject_reason", sa.String(200)),
        sa.Column("next_event_at", sa.String(40)),
        sa.UniqueConstraint("account_id", "client_order_id", name="uq_sim_orders_client_id"),
    )
    op.create_table(
        "sim_fills",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("account_id", sa.String(40), nullable=False),
        sa.Column("order_id", sa.String(40), nullable=False),
        sa.Column("client_order_id", sa.String(48), nullable=False),
        sa.Column("symbol", sa.String(20), nullable=False),
        sa.Column("side", sa.String(4), nullable=False),
        sa.Column("qty", DEC, nullable=False),
        sa.Column("price", DEC, nullable=False),
        sa.Column("time", sa.String(40), nullable=False),
    )
    op.create_index("ix_sim_fills_account_id", "sim_fills", ["account_id"])


def downgrade() -> None:
    raise NotImplementedError("the simulated account is never downgraded")
