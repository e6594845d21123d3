"""Schema migrations with Alembic, applied automatically when a database is opened.

Two schemas share the ledger database, each with its own script directory and version table:
the ledger (`alembic_version`, infrastructure/ledger/revisions) and the simulated broker's
account (`sim_alembic_version`, infrastructure/sim_broker/revisions). Revisions are frozen files:
revision 1 of each is the first release's schema written out literally, so a later change to the
application's table definitions can never alter what an old revision creates.

Upgrading is one transaction that first takes the database's write lock (SQLite `BEGIN
IMMEDIATE`, PostgreSQL `pg_advisory_xact_lock`), then reads the version: two processes opening
a fresh database at once serialise, and the second finds the tables made. A database stamped by
a newer Alchemiser (a revision we do not know) is refused, never guessed at. Databases of the
first release predate Alembic; they are recognised (`schema_version` at 2 / a `sim_accounts`
table) and stamped with revision 1.
"""

from __future__ import annotations

import logging
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from alchemiser.domain.errors import AlchemiserError, CorruptStateError
from alchemiser.infrastructure.ledger.engine import (
    safe_url,
    sqlite_path,
    translate_database_error,
    write_transaction,
)

log = logging.getLogger(__name__)

_ADVISORY_KEY = zlib.crc32(b"alchemiser:migrations")
"""PostgreSQL advisory lock taken for the migration transaction (serialises first opens)."""

Adopt = Callable[[sa.Connection, set[str], str], str | None]


@dataclass(frozen=True, slots=True)
class Schema:
    name: str
    """For messages: "ledger", "simulated broker account"."""
    script_dir: Path
    version_table: str
    head: str
    """The latest revision (a test checks it against the script directory): opening a database
    already there costs one query and no Alembic import."""
    adopt: Adopt
    """For a database without our version table: the revision it already has (a pre-Alembic
    release), None when it is empty of our tables; raises when it cannot be told."""


LEGACY_LEDGER_VERSION = 2
"""`schema_version` of the first release (0.1.0): its tables are exactly revision ledger_0001."""

LEDGER_TABLES = frozenset(
    {
        "runs",
        "run_events",
        "signals",
        "targets",
        "plans",
        "orders",
        "order_events",
        "fills",
        "account_snapshots",
        "errors",
        "sleeve_deltas",
        "sleeve_trades",
        "sleeve_holdings",
        "sleeve_realized",
        "cycle_locks",
    }
)


def _adopt_ledger(conn: sa.Connection, tables: set[str], where: str) -> str | None:
    if "schema_version" in tables:
        found = conn.execute(sa.text("SELECT max(version) FROM schema_version")).scalar()
        if found == LEGACY_LEDGER_VERSION:
            return "ledger_0001"
        raise CorruptStateError(
            f"the ledger {where} has pre-release schema version {found}, which no released "
            "Alchemiser wrote; it is left untouched",
            context={"database": where, "schema_version": found},
            suggested_action="Restore the ledger from a backup, or point the ledger elsewhere.",
        )
    partial = sorted(tables & LEDGER_TABLES)
    if partial:
        raise CorruptStateError(
            f"the database {where} has ledger tables ({', '.join(partial)}) but no schema "
            "version: it was not made by Alchemiser or was damaged; it is left untouched",
            context={"database": where, "tables": partial},
            suggested_action="Restore the ledger from a backup, or point the ledger elsewhere.",
        )
    return None


def _adopt_sim(conn: sa.Connection, tables: set[str], where: str) -> str | None:
    return "sim_0001" if "sim_accounts" in tables else None


_HERE = Path(__file__).resolve().parent
LEDGER = Schema("ledger", _HERE / "revisions", "alembic_version", "ledger_0003", _adopt_ledger)
SIM_STORE = Schema(
    "simulated broker account",
    _HERE.parent / "sim_broker" / "revisions",
    "sim_alembic_version",
    "sim_0001",
    _adopt_sim,
)


def head_of(schema: Schema) -> str:
    """The head according to the script directory itself."""
    from alembic.script import ScriptDirectory

    head = ScriptDirectory(str(schema.script_dir)).get_current_head()
    assert head is not None
    return head


def current_revision(engine: sa.Engine, schema: Schema) -> str | None:
    with engine.connect() as conn:
        return _stamped(conn, schema)


def _stamped(conn: sa.Connection, schema: Schema) -> str | None:
    if not sa.inspect(conn).has_table(schema.version_table):
        return None
    return conn.execute(sa.text(f"SELECT version_num FROM {schema.version_table}")).scalar()


def upgrade(engine: sa.Engine, schema: Schema, *, target: str = "head") -> bool:
    """Bring `schema` to `target` (head by default); True when something was applied."""
    wanted = schema.head if target == "head" else target
    try:
        with engine.connect() as conn:  # fast path, one read: already at the wanted revision?
            found = _stamped(conn, schema)
            conn.rollback()
    except sa.exc.SQLAlchemyError as exc:
        raise translate_database_error(engine, exc, f"opening the {schema.name}") from exc
    if found == wanted:
        return False
    return _upgrade(engine, schema, target, wanted, found)


def _upgrade(engine: sa.Engine, schema: Schema, target: str, wanted: str, seen: str | None) -> bool:
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    where = _where(engine)
    script = ScriptDirectory(str(schema.script_dir))
    known = {rev.revision for rev in script.walk_revisions()}
    if seen is not None and seen not in known:
        raise _unknown(schema, where, [seen])
    try:
        with write_transaction(engine) as conn:
            if conn.dialect.name == "postgresql":
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _ADVISORY_KEY})
            found = _current(conn, schema, known, where)
            if found == wanted:
                return False  # another process migrated while we waited for the lock
            if found is None:
                tables = set(sa.inspect(conn).get_table_names())
                legacy = schema.adopt(conn, tables, where)
                if legacy is not None:
                    log.info("%s %s predates Alembic: stamped %s", schema.name, where, legacy)
                    MigrationContext.configure(
                        conn, opts={"version_table": schema.version_table}
                    ).stamp(script, legacy)
            config = Config()
            config.set_main_option("script_location", str(schema.script_dir))
            config.attributes["connection"] = conn
            config.attributes["version_table"] = schema.version_table
            command.upgrade(config, target)
            log.info("%s %s upgraded from %s to %s", schema.name, where, found, wanted)
            return True
    except AlchemiserError:
        raise
    except sa.exc.SQLAlchemyError as exc:
        raise translate_database_error(engine, exc, f"upgrading the {schema.name}") from exc


def _current(conn: sa.Connection, schema: Schema, known: set[str], where: str) -> str | None:
    from alembic.runtime.migration import MigrationContext

    context = MigrationContext.configure(conn, opts={"version_table": schema.version_table})
    heads = context.get_current_heads()
    unknown = [h for h in heads if h not in known]
    if unknown or len(heads) > 1:
        raise _unknown(schema, where, list(heads))
    return heads[0] if heads else None


def _unknown(schema: Schema, where: str, heads: list[str]) -> CorruptStateError:
    return CorruptStateError(
        f"the {schema.name} in {where} has schema revision {', '.join(heads)}, which this "
        "Alchemiser does not know (written by a newer version?); it is left untouched",
        context={"database": where, "revision": heads},
        suggested_action="Upgrade Alchemiser, or point the ledger elsewhere.",
    )


def _where(engine: sa.Engine) -> str:
    path = sqlite_path(engine.url)
    return str(path) if path is not None else safe_url(engine.url)


def run_in_alembic_env(context: Any) -> None:
    """The body of each env.py: migrate on the connection `upgrade` passed in, inside its
    transaction (Alembic does not open or commit one of its own)."""
    attributes = context.config.attributes
    context.configure(
        connection=attributes["connection"],
        version_table=attributes["version_table"],
        transactional_ddl=True,
    )
    with context.begin_transaction():
        context.run_migrations()
