"""The account's end-of-run equity read from the ledger (implements ports.EquityHistory).

A run's end-of-run equity is its `after` account snapshot; a run whose summary says the risk
rules halted the account marks where the drawdown breaker's high-water mark starts again (a run
that halted and blocked has no `after`: its `before` is where it stood). Reads
existing tables only: nothing new is stored for it.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from alchemiser.application.ports.equity_history import EquityRecord
from alchemiser.infrastructure.ledger import schema as t


class SqlEquityHistory:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def end_of_run_equity(self, broker: str) -> list[EquityRecord]:
        query = (
            sa.select(
                t.runs.c.run_id,
                t.runs.c.trading_day,
                t.runs.c.summary,
                t.account_snapshots.c.equity,
                t.account_snapshots.c.stage,
            )
            .join(t.account_snapshots, t.account_snapshots.c.run_id == t.runs.c.run_id)
            .where(
                t.runs.c.broker == broker,
                t.account_snapshots.c.stage.in_(("before", "after")),
            )
            .order_by(t.runs.c.started_at, t.account_snapshots.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        chosen: dict[str, EquityRecord] = {}
        for row in rows:
            halted = _halted(row.summary)
            if row.stage == "before" and not halted:
                continue  # only a run that halted before trading counts by its start
            chosen[row.run_id] = EquityRecord(
                run_id=row.run_id,
                day=row.trading_day,
                equity=Decimal(str(row.equity)),
                breaker_tripped=halted,
            )
        return list(chosen.values())


def _halted(summary: object) -> bool:
    if not isinstance(summary, dict):
        return False
    risk = summary.get("risk")
    return isinstance(risk, dict) and bool(risk.get("halted"))
