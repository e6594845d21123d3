"""The one-cycle-per-account lock on the ledger's database (implements ports.cycle_lock.CycleLock).

Taken atomically, never a check followed by an insert (SPEC §13), and released by the operating
system or the database server when its holder dies, so there is no stale lock to guess about:
- PostgreSQL: `pg_try_advisory_lock(key of the account)` on a dedicated connection held for the
  whole cycle; the server releases it when that session ends (exit, crash, lost connection).
  Works across machines sharing one ledger.
- SQLite: an exclusive `flock` on a file beside the database (`ledger.sqlite3.<account>.lock`);
  the kernel releases it when the process exits or is killed. Chosen over a lock row written in a
  `BEGIN IMMEDIATE` transaction because a row outlives a killed holder and needs a liveness guess
  (pid reuse, another host or container) to be taken over, exactly the guess the lock replaces.
  SQLite is a single-machine database, where `flock` is authoritative.

Who holds the lock (owner, host, pid, since) is written to the `cycle_locks` table once it is
taken, so a refused cycle can name its holder; that row is only a description, never the lock.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import socket
import threading
import time
import zlib
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager, suppress
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alchemiser.application.ports.cycle_lock import CycleLockHeldError
from alchemiser.domain.errors import ConfigurationError
from alchemiser.infrastructure.ledger import schema as t
from alchemiser.infrastructure.ledger.engine import (
    safe_url,
    sqlite_path,
    translate_database_error,
    write_transaction,
)

HOLDER_WAIT_SECONDS = 5.0
_IN_MEMORY: dict[str, threading.Lock] = {}
_IN_MEMORY_GUARD = threading.Lock()


def _dead_here(host: str, pid: int) -> bool:
    """True when `pid` on this very host no longer exists."""
    if host != socket.gethostname()[:255]:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except PermissionError:
        return False
    return False


def advisory_key(account: str) -> int:
    """A stable signed 64-bit key per account (PostgreSQL advisory locks take a bigint)."""
    high = zlib.crc32(b"alchemiser:cycle")
    low = zlib.crc32(account.encode())
    value = (high << 32) | low
    return value - (1 << 64) if value >= (1 << 63) else value


class DatabaseCycleLock:
    """Implements application.ports.cycle_lock.CycleLock on the ledger's engine."""

    def __init__(self, engine: sa.Engine) -> None:
        self._engine = engine

    @contextmanager
    def hold(self, account: str, owner: str) -> Iterator[None]:
        dialect = self._engine.dialect.name
        with ExitStack() as stack:
            if dialect == "postgresql":
                stack.enter_context(self._advisory(account, owner))
            elif dialect == "sqlite":
                stack.enter_context(self._file_lock(account, owner))
            else:
                raise ConfigurationError(
                    f"the cycle lock supports SQLite and PostgreSQL ledgers, not {dialect} "
                    f"({safe_url(self._engine.url)})",
                    context={"database": safe_url(self._engine.url)},
                    suggested_action="Use a SQLite file or a PostgreSQL server for the ledger.",
                )
            self._describe(account, owner)
            try:
                yield
            finally:
                self._forget(account)

    # -- PostgreSQL ------------------------------------------------------------------------------
    @contextmanager
    def _advisory(self, account: str, owner: str) -> Iterator[None]:
        key = advisory_key(account)
        try:
            conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        except sa.exc.SQLAlchemyError as exc:
            raise translate_database_error(self._engine, exc, "taking the cycle lock") from exc
        with conn:
            got = conn.execute(sa.text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar()
            if not got:
                raise self._held(account, owner)
            try:
                yield
            finally:
                with suppress(sa.exc.SQLAlchemyError):  # a lost session has released it anyway
                    conn.execute(sa.text("SELECT pg_advisory_unlock(:k)"), {"k": key})

    # -- SQLite ----------------------------------------------------------------------------------
    @contextmanager
    def _file_lock(self, account: str, owner: str) -> Iterator[None]:
        database = sqlite_path(self._engine.url)
        if database is None:  # an in-memory ledger lives in this process only
            with _IN_MEMORY_GUARD:
                lock = _IN_MEMORY.setdefault(account, threading.Lock())
            if not lock.acquire(blocking=False):
                raise self._held(account, owner)
            try:
                yield
            finally:
                lock.release()
            return
        import fcntl  # POSIX; imported here so the module still imports elsewhere

        name = re.sub(r"[^A-Za-z0-9_.-]", "_", account)
        path = database.with_name(f"{database.name}.{name}.lock")
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise ConfigurationError(
                f"cannot create the cycle lock file {path}: {exc}",
                context={"file": str(path)},
                suggested_action=f"Make {path.parent} writable for this user.",
            ) from exc
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise self._held(account, owner, lock_file=path) from None
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)

    # -- who holds it ----------------------------------------------------------------------------
    def _describe(self, account: str, owner: str) -> None:
        try:
            with write_transaction(self._engine) as conn:
                conn.execute(t.cycle_locks.delete().where(t.cycle_locks.c.account == account))
                conn.execute(
                    t.cycle_locks.insert().values(
                        account=account,
                        owner=owner[:200],
                        host=socket.gethostname()[:255],
                        pid=os.getpid(),
                        since=dt.datetime.now(dt.UTC),
                    )
                )
        except sa.exc.SQLAlchemyError as exc:
            raise translate_database_error(self._engine, exc, "taking the cycle lock") from exc

    def _forget(self, account: str) -> None:
        with suppress(sa.exc.SQLAlchemyError), write_transaction(self._engine) as conn:
            conn.execute(
                t.cycle_locks.delete().where(
                    (t.cycle_locks.c.account == account)
                    & (t.cycle_locks.c.pid == os.getpid())
                    & (t.cycle_locks.c.host == socket.gethostname()[:255])
                )
            )

    def _holder(self, account: str) -> sa.Row[Any] | None:
        """The holder's description. It is written just after the lock is taken, so a cycle
        refused in that instant waits a moment for it; a row left by a holder that died on this
        host (its pid is gone) is not the current holder and is not shown."""
        deadline = time.monotonic() + HOLDER_WAIT_SECONDS
        while True:
            row = None
            with suppress(sa.exc.SQLAlchemyError), self._engine.connect() as conn:
                row = conn.execute(
                    sa.select(t.cycle_locks).where(t.cycle_locks.c.account == account)
                ).first()
            if row is not None and not _dead_here(row.host, row.pid):
                return row
            if time.monotonic() > deadline:
                return None
            time.sleep(0.05)

    def _held(self, account: str, owner: str, lock_file: Path | None = None) -> CycleLockHeldError:
        row = self._holder(account)
        if row is None:
            holder = "another process (it has not described itself yet)"
            context: dict[str, object] = {"account": account}
        else:
            since = row.since if row.since.tzinfo else row.since.replace(tzinfo=dt.UTC)
            holder = f"{row.owner} (host {row.host}, pid {row.pid}, since {since.isoformat()})"
            context = {
                "account": account,
                "holder": row.owner,
                "host": row.host,
                "pid": row.pid,
                "since": since.isoformat(),
            }
        if lock_file is not None:
            context["lock_file"] = str(lock_file)
        return CycleLockHeldError(
            f"another cycle holds the lock of account {account!r}: {holder}; {owner} refused "
            "before touching the broker",
            context=context,
        )
