"""Opening the ledger database without ever losing it.

An existing SQLite file is only ever opened, never replaced: an empty (0-byte) file, a file that
is not SQLite, or one with corrupt pages stops with an error naming the file. A new file is made
under a temporary name and linked into place atomically, so two processes starting on a fresh
data directory at once both open the one complete file (a 0-byte ledger is therefore never a
file we are still creating). SQLite transactions are real ones: pysqlite's implicit transaction
handling is switched off and each transaction starts with an explicit `BEGIN` (`IMMEDIATE` for
writers, so a read-then-write step waits for the write lock instead of failing midway).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from alchemiser.domain.errors import AlchemiserError, ConfigurationError, CorruptStateError

SQLITE_HEADER = b"SQLite format 3\x00"
BUSY_TIMEOUT_MS = 30_000
"""How long a writer waits for another process's write transaction (they last milliseconds;
a migration on first open a little longer)."""
BEGIN_OPTION = "alchemiser_sqlite_begin"


def safe_url(url: str | sa.URL) -> str:
    """The URL as it may appear in messages and logs: password masked."""
    return make_url(url).render_as_string(hide_password=True)


def sqlite_path(url: str | sa.URL) -> Path | None:
    """The file of a SQLite URL (None for in-memory or server databases)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    database = str(parsed.database)
    if database.startswith("file:"):  # URI form (…?mode=ro&uri=true)
        database = database[5:]
    return Path(database).expanduser()


def create_ledger_engine(url: str) -> sa.Engine:
    """An engine on the ledger database; for SQLite the file is checked (or created atomically)
    first. Raises CorruptStateError / ConfigurationError naming the file when it cannot be used."""
    parsed = make_url(url)
    path = sqlite_path(parsed)
    if path is not None and parsed.query.get("mode") != "ro":
        prepare_sqlite_file(path)
    elif path is not None:
        check_sqlite_file(path)
    engine = sa.create_engine(parsed)
    if parsed.get_backend_name() == "sqlite":
        _real_sqlite_transactions(engine)
    return engine


def check_sqlite_file(path: Path) -> None:
    """Refuse a file that is not a usable SQLite database, naming it."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(len(SQLITE_HEADER))
    except PermissionError as exc:
        raise _unreadable(path, exc) from exc
    if size == 0:
        raise CorruptStateError(
            f"the ledger file {path} is empty (0 bytes): its runs, orders and sleeve books are "
            "gone or were never written; it is left untouched and not replaced by a new ledger",
            context={"file": str(path)},
            suggested_action=(
                f"Restore {path} from a backup, or move it aside to start a new ledger."
            ),
        )
    if header != SQLITE_HEADER:
        raise CorruptStateError(
            f"the ledger file {path} is not a SQLite database (it starts with {header[:16]!r}); "
            "it is left untouched",
            context={"file": str(path)},
            suggested_action=(
                f"Restore {path} from a backup, or point ALCHEMISER_DATA_DIR elsewhere."
            ),
        )


def prepare_sqlite_file(path: Path) -> None:
    """Check an existing file; create a missing one atomically (temp file + hard link)."""
    if path.exists():
        check_sqlite_file(path)
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_name(f".{path.name}.{os.getpid()}-{secrets.token_hex(4)}.new")
        try:
            with contextlib.closing(sqlite3.connect(temporary)) as conn:
                conn.execute("PRAGMA journal_mode=WAL")  # persistent: written into the header
                conn.execute("PRAGMA user_version=0")
                conn.commit()
            try:
                os.link(temporary, path)  # atomic; fails if another process linked first
            except FileExistsError:
                pass
            except OSError:  # a filesystem without hard links: no-replace rename is unavailable
                if not path.exists():
                    os.replace(temporary, path)
        finally:
            for leftover in (temporary, Path(f"{temporary}-wal"), Path(f"{temporary}-shm")):
                leftover.unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as exc:
        if isinstance(exc, PermissionError) or not os.access(path.parent, os.W_OK):
            raise read_only_error(path, exc) from exc
        raise ConfigurationError(
            f"cannot create the ledger file {path}: {type(exc).__name__}: {exc}",
            context={"file": str(path)},
            suggested_action=f"Check that {path.parent} exists and has free space.",
        ) from exc
    check_sqlite_file(path)


def read_only_error(path: Path, exc: BaseException) -> ConfigurationError:
    directory = path.parent
    return ConfigurationError(
        f"the data directory {directory} is read-only (cannot write {path.name}): "
        f"{type(exc).__name__}: {exc}",
        context={"file": str(path), "directory": str(directory)},
        suggested_action=(
            f"Make {directory} writable for this user, or set ALCHEMISER_DATA_DIR to a writable "
            "directory. Nothing was changed."
        ),
    )


def _unreadable(path: Path, exc: BaseException) -> ConfigurationError:
    return ConfigurationError(
        f"cannot read the ledger file {path}: {exc}",
        context={"file": str(path)},
        suggested_action=f"Give this user read and write access to {path}.",
    )


def _real_sqlite_transactions(engine: sa.Engine) -> None:
    """SQLAlchemy's documented recipe: pysqlite must not manage transactions itself, or DDL runs
    outside them (the "table already exists" race) and BEGIN is deferred past the first read."""

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys=ON")
        mode = cursor.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() != "wal":
            with contextlib.suppress(sqlite3.OperationalError):  # read-only: keep as is
                cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        mode = conn.get_execution_options().get(BEGIN_OPTION, "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")


@contextmanager
def write_transaction(engine: sa.Engine) -> Iterator[sa.Connection]:
    """One write transaction (SQLite: `BEGIN IMMEDIATE`, so it holds the write lock from its
    first statement and a read-then-write never fails halfway)."""
    with engine.connect() as plain:
        conn = plain.execution_options(**{BEGIN_OPTION: "IMMEDIATE"})
        with conn.begin():
            yield conn


def is_sqlite(engine: sa.Engine) -> bool:
    return engine.dialect.name == "sqlite"


def translate_database_error(
    engine: sa.Engine, exc: sa.exc.SQLAlchemyError, action: str
) -> AlchemiserError:
    """The database error as one of ours, naming the file/URL and what to do."""
    url = engine.url
    path = sqlite_path(url)
    where = str(path) if path is not None else safe_url(url)
    text = str(getattr(exc, "orig", exc) or exc)
    lowered = text.lower()
    if path is not None and (
        "readonly" in lowered
        or "read-only" in lowered
        or ("unable to open" in lowered and not os.access(path.parent, os.W_OK))
    ):
        return read_only_error(path, exc)
    if path is not None and ("malformed" in lowered or "not a database" in lowered):
        return CorruptStateError(
            f"the ledger file {where} is corrupt ({text}) while {action}; it is left untouched",
            context={"file": where},
            suggested_action=f"Restore {where} from a backup (`sqlite3 {where} .recover` may "
            "rescue most rows).",
        )
    return CorruptStateError(
        f"cannot use the ledger {where} while {action}: {type(exc).__name__}: {text}",
        context={"database": where},
        suggested_action="Check that the database is reachable and intact, then run again.",
    )
