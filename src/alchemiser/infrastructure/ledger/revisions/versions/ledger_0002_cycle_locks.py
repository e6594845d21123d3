"""Who holds the one-cycle-per-account lock (SPEC §13), so a refused cycle can name it.

The lock itself is a PostgreSQL advisory lock or an OS file lock beside the SQLite file; this
row only describes the holder (a stale row is harmless: it is overwritten by the next holder).

Revision ID: ledger_0002
Revises: ledger_0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_0002"
down_revision: str | None = "ledger_0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "cycle_locks",
        sa.Column("account", sa.String(40), primary_key=True),
        sa.Column("owner", sa.String(200), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer, nullable=False),
        sa.Column("since", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is never downgraded: restore a backup instead")
