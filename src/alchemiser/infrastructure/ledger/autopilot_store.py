"""The autopilot's reads and notes on the ledger's database (implements AutopilotStore)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from alchemiser.application.ports.autopilot_store import (
    AccountPoint,
    DayRun,
    RunFacts,
    SessionNote,
)
from alchemiser.application.ports.ledger import RunStatus
from alchemiser.domain.attribution import AttributionBook
from alchemiser.infrastructure.ledger import schema as t
from alchemiser.infrastructure.ledger.repository import SqlLedger, jsonable


def _utc(value: dt.datetime | None) -> dt.datetime | None:
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=dt.UTC)


class SqlAutopilotStore:
    def __init__(self, ledger: SqlLedger) -> None:
        self._ledger = ledger
        self._engine = ledger.engine

    # -- reads of the run record ------------------------------------------------------------
    def runs_between(self, account: str, start: dt.date, end: dt.date) -> list[DayRun]:
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(t.runs)
                .where(
                    t.runs.c.broker == account,
                    t.runs.c.trading_day >= start,
                    t.runs.c.trading_day <= end,
                )
                .order_by(t.runs.c.started_at)
            ).all()
            ids = [r.run_id for r in rows]
            kinds: dict[str, tuple[set[str], set[str]]] = {i: (set(), set()) for i in ids}
            if ids:
                for e in conn.execute(
                    sa.select(t.errors.c.run_id, t.errors.c.category, t.errors.c.record).where(
                        t.errors.c.run_id.in_(ids)
                    )
                ):
                    types, categories = kinds[e.run_id]
                    categories.add(e.category)
                    record = e.record if isinstance(e.record, dict) else {}
                    if record.get("exception_type"):
                        types.add(str(record["exception_type"]))
        return [
            DayRun(
                run_id=r.run_id,
                trading_day=r.trading_day,
                status=RunStatus(r.status),
                started_at=_utc(r.started_at) or dt.datetime.min.replace(tzinfo=dt.UTC),
                finished_at=_utc(r.finished_at),
                error_types=frozenset(kinds[r.run_id][0]),
                error_categories=frozenset(kinds[r.run_id][1]),
            )
            for r in rows
        ]

    def last_run(self, account: str) -> RunFacts | None:
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(t.runs)
                .where(t.runs.c.broker == account, t.runs.c.status != RunStatus.DRY_RUN.value)
                .order_by(t.runs.c.started_at.desc())
                .limit(1)
            ).first()
            if row is None:
                return None
            orders = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.orders)
                .where(t.orders.c.run_id == row.run_id)
            ).scalar_one()
            fills = conn.execute(
                sa.select(sa.func.count())
                .select_from(t.fills)
                .where(t.fills.c.run_id == row.run_id)
            ).scalar_one()
        summary = row.summary if isinstance(row.summary, dict) else {}
        drift = summary.get("residual_drift")
        total = (summary.get("timings") or {}).get("total")
        return RunFacts(
            run_id=row.run_id,
            trading_day=row.trading_day,
            status=RunStatus(row.status),
            started_at=_utc(row.started_at) or dt.datetime.min.replace(tzinfo=dt.UTC),
            finished_at=_utc(row.finished_at),
            orders=int(orders),
            fills=int(fills),
            residual_drift=None if drift is None else float(drift),
            duration_seconds=None if total is None else float(total),
        )

    def account_points(self, account: str, stage: str = "after") -> list[AccountPoint]:
        s, r = t.account_snapshots, t.runs
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(s, r.c.trading_day)
                .join(r, r.c.run_id == s.c.run_id)
                .where(r.c.broker == account, s.c.stage == stage)
                .order_by(s.c.at, s.c.id)
            ).all()
        return [
            AccountPoint(
                run_id=row.run_id,
                trading_day=row.trading_day,
                stage=row.stage,
                at=_utc(row.at) or dt.datetime.min.replace(tzinfo=dt.UTC),
                equity=row.equity,
                cash=row.cash,
                prices={p["symbol"]: Decimal(p["market_price"]) for p in row.positions or []},
            )
            for row in rows
        ]

    def error_counts(self, account: str) -> dict[str, int]:
        e, r = t.errors, t.runs
        with self._engine.connect() as conn:
            rows = conn.execute(
                sa.select(e.c.category, sa.func.count())
                .join(r, r.c.run_id == e.c.run_id)
                .where(r.c.broker == account)
                .group_by(e.c.category)
            ).all()
        return {str(category): int(count) for category, count in rows}

    def load_book(self, account: str) -> AttributionBook:
        return self._ledger.load_book(account)

    # -- the autopilot's own notes ----------------------------------------------------------
    def session(self, account: str, day: dt.date) -> SessionNote | None:
        s = t.autopilot_sessions
        with self._engine.connect() as conn:
            row = conn.execute(
                sa.select(s).where(s.c.account == account, s.c.session_day == day)
            ).first()
        if row is None:
            return None
        return SessionNote(
            day=row.session_day,
            attempts=row.attempts,
            last_attempt_at=_utc(row.last_attempt_at),
            last_run_id=row.last_run_id,
            alerts=dict(row.alerts or {}),
            summary=row.summary,
            summary_sent_at=_utc(row.summary_sent_at),
        )

    def _update(
        self, account: str, day: dt.date, change: Callable[[SessionNote], dict[str, Any]]
    ) -> None:
        s = t.autopilot_sessions
        with self._engine.begin() as conn:
            row = conn.execute(
                sa.select(s).where(s.c.account == account, s.c.session_day == day)
            ).first()
            if row is None:
                values = change(SessionNote(day=day))
                conn.execute(
                    s.insert().values(
                        account=account,
                        session_day=day,
                        **({"attempts": 0, "alerts": {}} | values),
                    )
                )
                return
            note = SessionNote(
                day=day, attempts=row.attempts, alerts=dict(row.alerts or {}), summary=row.summary
            )
            conn.execute(
                s.update()
                .where(s.c.account == account, s.c.session_day == day)
                .values(**change(note))
            )

    def record_attempt(self, account: str, day: dt.date, run_id: str, at: dt.datetime) -> None:
        self._update(
            account,
            day,
            lambda note: {
                "attempts": note.attempts + 1,
                "last_attempt_at": at,
                "last_run_id": run_id,
            },
        )

    def mark_alert(self, account: str, day: dt.date, kind: str, at: dt.datetime) -> bool:
        existing = self.session(account, day)
        if existing is not None and kind in existing.alerts:
            return False
        self._update(
            account, day, lambda note: {"alerts": dict(note.alerts) | {kind: at.isoformat()}}
        )
        return True

    def save_summary(
        self, account: str, day: dt.date, summary: Mapping[str, Any], at: dt.datetime
    ) -> None:
        self._update(
            account,
            day,
            lambda note: {"summary": jsonable(dict(summary)), "summary_sent_at": at},
        )

    def state(self, account: str, key: str) -> Any:
        st = t.autopilot_state
        with self._engine.connect() as conn:
            return conn.execute(
                sa.select(st.c.value).where(st.c.account == account, st.c.key == key)
            ).scalar()

    def set_state(self, account: str, key: str, value: Any, at: dt.datetime) -> None:
        st = t.autopilot_state
        with self._engine.begin() as conn:
            done = conn.execute(
                st.update()
                .where(st.c.account == account, st.c.key == key)
                .values(value=jsonable(value), updated_at=at)
            ).rowcount
            if not done:
                conn.execute(
                    st.insert().values(
                        account=account, key=key, value=jsonable(value), updated_at=at
                    )
                )
