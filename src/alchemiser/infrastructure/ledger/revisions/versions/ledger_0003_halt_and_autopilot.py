"""The kill switch and the autopilot's memory (SPEC §15).

`halt_state` holds at most one row per scope, the active halt (its primary key makes `halt`
atomic); `halt_log` keeps every halt and resume. `autopilot_sessions` records what the autopilot
did about each session (attempts, alerts sent, the daily summary) so a restart never repeats
them; `autopilot_state` keeps small facts that outlive a process (first run, last heartbeat).

Revision ID: ledger_0003
Revises: ledger_0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "ledger_0003"
down_revision: str | None = "ledger_0002"
branch_labels: str | None = None
depends_on: str | None = None

TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "halt_state",
        sa.Column("scope", sa.String(40), primary_key=True),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("since", TS, nullable=False),
    )
    op.create_table(
        "halt_log",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("scope", sa.String(40), nullable=False),
        sa.Column("action", sa.String(10), nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("source", sa.String(80), nullable=False),
        sa.Column("at", TS, nullable=False),
    )
    op.create_table(
        "autopilot_sessions",
        sa.Column("account", sa.String(40), primary_key=True),
        sa.Column("session_day", sa.Date, primary_key=True),
        sa.Column("attempts", sa.Integer, nullable=False),
        sa.Column("last_attempt_at", TS),
        sa.Column("last_run_id", sa.String(40)),
        sa.Column("alerts", sa.JSON, nullable=False),
        sa.Column("summary", sa.JSON),
        sa.Column("summary_sent_at", TS),
    )
    op.create_table(
        "autopilot_state",
        sa.Column("account", sa.String(40), primary_key=True),
        sa.Column("key", sa.String(40), primary_key=True),
        sa.Column("value", sa.JSON, nullable=False),
        sa.Column("updated_at", TS, nullable=False),
    )


def downgrade() -> None:
    raise NotImplementedError("the ledger is never downgraded: restore a backup instead")
