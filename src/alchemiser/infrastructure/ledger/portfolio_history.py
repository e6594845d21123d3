"""The ledger's history across runs, each in one query (implements ports.PortfolioHistory).

Reads existing tables only: nothing new is stored for the dashboard.
"""

from __future__ import annotations

from decimal import Decimal

import sqlalchemy as sa

from alchemiser.application.ports.portfolio_history import (
    AccountPoint,
    SignalPoint,
    TargetPoint,
)
from alchemiser.infrastructure.ledger import schema as t


class SqlPortfolioHistory:
    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    def revision(self, broker: str) -> str:
        """Counts of the rows read here and the newest run's start and finish: rows are only
        ever added (and a run finished), so equal counts and times mean the same history."""
        of_broker = sa.select(t.runs.c.run_id).where(t.runs.c.broker == broker)
        query = sa.select(
            sa.select(sa.func.count())
            .select_from(t.runs)
            .where(t.runs.c.broker == broker)
            .scalar_subquery(),
            sa.select(sa.func.max(t.runs.c.started_at))
            .where(t.runs.c.broker == broker)
            .scalar_subquery(),
            sa.select(sa.func.count(t.runs.c.finished_at))
            .where(t.runs.c.broker == broker)
            .scalar_subquery(),
            *(
                sa.select(sa.func.count())
                .select_from(table)
                .where(table.c.run_id.in_(of_broker))
                .scalar_subquery()
                for table in (t.signals, t.targets, t.account_snapshots)
            ),
        )
        with self._engine.connect() as conn:
            row = conn.execute(query).one()
        return "/".join(str(v) for v in row)

    def account_curve(self, broker: str) -> list[AccountPoint]:
        snap = t.account_snapshots
        query = (
            sa.select(t.runs.c.run_id, t.runs.c.trading_day, snap.c.at, snap.c.equity, snap.c.cash)
            .join(snap, snap.c.run_id == t.runs.c.run_id)
            .where(t.runs.c.broker == broker, snap.c.stage == "after")
            .order_by(t.runs.c.started_at, snap.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            AccountPoint(
                run_id=r.run_id,
                day=r.trading_day,
                at=r.at,
                equity=Decimal(str(r.equity)),
                cash=Decimal(str(r.cash)),
            )
            for r in rows
        ]

    def signal_history(self, broker: str) -> list[SignalPoint]:
        sig = t.signals
        query = (
            sa.select(
                t.runs.c.run_id,
                t.runs.c.trading_day,
                sig.c.sleeve,
                sig.c.allocation,
                sig.c.ok,
                sig.c.weights,
                sig.c.explanation,
            )
            .join(sig, sig.c.run_id == t.runs.c.run_id)
            .where(t.runs.c.broker == broker)
            .order_by(t.runs.c.started_at, sig.c.id)
        )
        with self._engine.connect() as conn:
            rows = conn.execute(query).all()
        return [
            SignalPoint(
                run_id=r.run_id,
                day=r.trading_day,
                sleeve=r.sleeve,
                allocation=float(r.allocation),
                ok=bool(r.ok),
                weights=dict(r.weights or {}),
                explanation=list(r.explanation or []),
            )
            for r in rows
        ]

    def latest_target(self, broker: str) -> TargetPoint | None:
        newest = (
            sa.select(t.runs.c.run_id, t.runs.c.trading_day)
            .where(
                t.runs.c.broker == broker,
                sa.exists().where(t.targets.c.run_id == t.runs.c.run_id),
            )
            .order_by(t.runs.c.started_at.desc())
            .limit(1)
        )
        with self._engine.connect() as conn:
            run = conn.execute(newest).first()
            if run is None:
                return None
            rows = conn.execute(
                sa.select(t.targets.c.symbol, t.targets.c.weight)
                .where(t.targets.c.run_id == run.run_id)
                .order_by(t.targets.c.id)
            ).all()
        return TargetPoint(
            run_id=run.run_id,
            day=run.trading_day,
            weights={r.symbol: float(r.weight) for r in rows},
        )
