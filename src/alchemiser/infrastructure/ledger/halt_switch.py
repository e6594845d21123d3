"""The kill switch kept in the ledger's database (implements application.ports.halt.HaltSwitch).

One row per scope in `halt_state` is the active halt; its primary key makes `halt` atomic (two
processes halting at once leave one state, the first). Every halt and resume is also appended to
`halt_log`, so who stopped trading and who let it go again stays on record.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import sqlalchemy as sa

from alchemiser.application.ports.halt import HaltState
from alchemiser.domain.errors import CorruptStateError
from alchemiser.infrastructure.ledger import schema as t

ACCOUNT_SCOPE = "account"
"""The halt covers every cycle run against this ledger (the port has no per-account halt)."""


def _utc(value: dt.datetime) -> dt.datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=dt.UTC)


class SqlHaltSwitch:
    def __init__(
        self,
        engine: sa.Engine,
        *,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
        scope: str = ACCOUNT_SCOPE,
    ) -> None:
        self._engine = engine
        self._now = now
        self._scope = scope

    def current(self) -> HaltState | None:
        with self._engine.connect() as conn:
            return self._read(conn)

    def _read(self, conn: sa.Connection) -> HaltState | None:
        row = conn.execute(
            sa.select(t.halt_state).where(t.halt_state.c.scope == self._scope)
        ).first()
        if row is None:
            return None
        return HaltState(reason=row.reason, source=row.source, since=_utc(row.since))

    def halt(self, reason: str, source: str) -> HaltState:
        for _ in range(3):  # insert, or read the halt that won; a resume in between: again
            now = self._now()
            try:
                with self._engine.begin() as conn:
                    conn.execute(
                        t.halt_state.insert().values(
                            scope=self._scope, reason=reason, source=source, since=now
                        )
                    )
                    self._log(conn, "halt", reason, source, now)
            except sa.exc.IntegrityError:
                state = self.current()
                if state is not None:
                    return state  # already halted: the first halt stands
            else:
                return HaltState(reason=reason, source=source, since=now)
        raise CorruptStateError(
            "the halt state keeps changing under us (halt and resume racing)",
            context={"table": "halt_state"},
        )

    def resume(self) -> HaltState | None:
        with self._engine.begin() as conn:
            state = self._read(conn)
            if state is None:
                return None
            conn.execute(t.halt_state.delete().where(t.halt_state.c.scope == self._scope))
            self._log(conn, "resume", state.reason, state.source, self._now())
        return state

    def _log(
        self, conn: sa.Connection, action: str, reason: str, source: str, at: dt.datetime
    ) -> None:
        conn.execute(
            t.halt_log.insert().values(
                scope=self._scope, action=action, reason=reason, source=source, at=at
            )
        )
