"""The replay's database: its ledger, its simulated account and its progress, one session at a
time in one SQLite transaction.

Why one transaction per session: a session writes a few hundred ledger rows (run, signals,
plan, orders, events, fills, attribution) and the simulated account; committing each unit of
work separately costs a transaction per row group, and the simulated account, kept in memory
between sessions for speed (`MemorySimStore`), would otherwise lag the ledger on disk. Here the
session's writes, the account and the session's progress record are committed together or not
at all, so an interrupted replay (Ctrl-C, a kill, a power cut) leaves the database exactly as it
was after the last completed session, and resuming replays the next one from there.

How: the engine has a single SQLite connection whose class turns the ledger's own transactions
into savepoints while a session is held (`BEGIN` → `SAVEPOINT`, `COMMIT` → `RELEASE`,
`ROLLBACK` → `ROLLBACK TO`). The ledger code, its schema and its units of work are unchanged:
a unit of work that fails is still rolled back alone, and what it commits is kept only when the
whole session commits. Outside a session (migrations, `begin`) it behaves like the ledger's
usual engine.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.pool import StaticPool

from alchemiser.application.replay.progress import ReplayProgress, SessionRecord
from alchemiser.infrastructure.ledger.engine import (
    BEGIN_OPTION,
    BUSY_TIMEOUT_MS,
    prepare_sqlite_file,
    translate_database_error,
    write_transaction,
)
from alchemiser.infrastructure.sim_broker.memory_store import MemorySimStore
from alchemiser.infrastructure.sim_broker.store import SimStore

_metadata = sa.MetaData()
_header = sa.Table(
    "replay_header",
    _metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)
_sessions = sa.Table(
    "replay_sessions",
    _metadata,
    sa.Column("session", sa.String(10), primary_key=True),
    sa.Column("record", sa.Text, nullable=False),
)


class SessionConnection(sqlite3.Connection):
    """A pysqlite connection that can hold one outer transaction (a replay session) and nest
    every transaction begun inside it as a savepoint."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.held = False
        self._depth = 0

    def begin(self, mode: str) -> None:
        if self.held:
            self._depth += 1
            self.execute(f"SAVEPOINT uow{self._depth}")
        else:
            self.execute(f"BEGIN {mode}")

    def commit(self) -> None:
        if not self.held:
            super().commit()
        elif self._depth:
            self.execute(f"RELEASE uow{self._depth}")
            self._depth -= 1

    def rollback(self) -> None:
        if not self.held:
            super().rollback()
        elif self._depth:
            self.execute(f"ROLLBACK TO uow{self._depth}")
            self.execute(f"RELEASE uow{self._depth}")
            self._depth -= 1

    def hold(self) -> None:
        if self.in_transaction:  # left open by a failed statement outside a session
            super().rollback()
        self.execute("BEGIN IMMEDIATE")
        self.held, self._depth = True, 0

    def release(self, *, keep: bool) -> None:
        self.held, self._depth = False, 0
        if keep:
            super().commit()
        else:
            super().rollback()


class ReplayDatabase:
    """Implements application.replay.progress.ProgressStore; also the engine of the replay's
    ledger and the simulated account it keeps in memory between session ends."""

    def __init__(self, path: Path, *, account_id: str) -> None:
        prepare_sqlite_file(path)
        self.path = path
        self.url = f"sqlite:///{path}"
        self._raw: SessionConnection | None = None
        self.engine = sa.create_engine(
            self.url,
            creator=self._connect,
            poolclass=StaticPool,
            pool_reset_on_return=None,  # a reset would roll back the held session
        )

        @sa.event.listens_for(self.engine, "begin")
        def _on_begin(conn: sa.Connection) -> None:
            mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
            self._connection().begin(mode)

        try:
            _metadata.create_all(self.engine)
            self.sim = MemorySimStore(SimStore(self.engine, account_id))
        except sa.exc.SQLAlchemyError as exc:
            raise translate_database_error(self.engine, exc, "opening the replay") from exc

    def _connect(self) -> SessionConnection:
        raw = sqlite3.connect(self.path, factory=SessionConnection, check_same_thread=False)
        assert isinstance(raw, SessionConnection)
        raw.isolation_level = None  # transactions are ours (see ledger.engine)
        raw.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        raw.execute("PRAGMA foreign_keys=ON")
        raw.execute("PRAGMA journal_mode=WAL")
        # a commit survives a killed process (what resuming needs), not a power cut, which
        # loses at most the last sessions, never consistency; it spares thousands of fsyncs
        raw.execute("PRAGMA synchronous=NORMAL")
        self._raw = raw
        return raw

    def _connection(self) -> SessionConnection:
        if self._raw is None:
            with self.engine.connect():
                pass
        assert self._raw is not None
        return self._raw

    @contextmanager
    def session(self) -> Iterator[None]:
        raw = self._connection()
        raw.hold()
        try:
            yield
            self.sim.flush()
        except BaseException:
            raw.release(keep=False)
            self.sim.forget()
            raise
        raw.release(keep=True)

    # -- ProgressStore --------------------------------------------------------------------------
    def load(self) -> ReplayProgress | None:
        with self.engine.connect() as conn:
            header = conn.execute(sa.select(_header.c.fingerprint)).scalar()
            rows = conn.execute(sa.select(_sessions.c.record).order_by(_sessions.c.session))
            records = [SessionRecord.model_validate_json(r.record) for r in rows]
            conn.rollback()
        if header is None:
            return None
        return ReplayProgress(fingerprint=header, sessions=records)

    def begin(self, fingerprint: str) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(_sessions.delete())
            conn.execute(_header.delete())
            conn.execute(_header.insert().values(id=1, fingerprint=fingerprint))

    def append(self, record: SessionRecord) -> None:
        with write_transaction(self.engine) as conn:
            conn.execute(
                _sessions.insert().values(
                    session=record.session.isoformat(), record=record.model_dump_json()
                )
            )
