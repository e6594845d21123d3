"""Alembic migrations: frozen revisions, an old release's database upgraded and read back, newer
or unknown databases refused, and a fresh database created race-free by two processes at once."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from alchemiser.domain.errors import CorruptStateError
from alchemiser.domain.trading import Side
from alchemiser.infrastructure.ledger import SqlLedger, create_ledger_engine
from alchemiser.infrastructure.ledger import migrations as mig
from alchemiser.infrastructure.ledger import schema as ledger_schema
from alchemiser.infrastructure.sim_broker import store as sim_schema
from alchemiser.infrastructure.sim_broker.store import SimStore

OLD_LEDGER = Path(__file__).parent / "data" / "ledger-0.1.0.sqlite3"


def _structure(engine: sa.Engine, tables: set[str]) -> dict[str, Any]:
    """Columns (name, generic type, nullable), primary key, indexes and unique constraints."""
    inspector = sa.inspect(engine)
    found: dict[str, Any] = {}
    for table in sorted(tables):
        columns = [
            (c["name"], type(c["type"]).__name__.upper(), c["nullable"])
            for c in inspector.get_columns(table)
        ]
        found[table] = {
            "columns": sorted(columns),
            "pk": sorted(inspector.get_pk_constraint(table)["constrained_columns"]),
            "indexes": sorted(tuple(i["column_names"]) for i in inspector.get_indexes(table)),
            "unique": sorted(
                tuple(u["column_names"]) for u in inspector.get_unique_constraints(table)
            ),
        }
    return found


def _copy_old(tmp_path: Path) -> Path:
    target = tmp_path / "data" / "ledger.sqlite3"
    target.parent.mkdir()
    shutil.copy(OLD_LEDGER, target)
    return target


def test_a_fresh_database_reaches_head_and_reopens_without_changes(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    assert mig.current_revision(ledger.engine, mig.LEDGER) == mig.head_of(mig.LEDGER)
    SimStore(ledger.engine, "sim")
    assert mig.current_revision(ledger.engine, mig.SIM_STORE) == mig.head_of(mig.SIM_STORE)
    assert not mig.upgrade(ledger.engine, mig.LEDGER)
    assert not mig.upgrade(ledger.engine, mig.SIM_STORE)
    if ledger.engine.dialect.name == "sqlite":
        with ledger.engine.connect() as conn:
            assert conn.exec_driver_sql("pragma journal_mode").scalar() == "wal"
            assert conn.exec_driver_sql("pragma foreign_keys").scalar() == 1


def test_the_query_tables_match_what_the_frozen_revisions_create(
    new_ledger_url: Callable[[], str],
) -> None:
    """schema.py (used by queries) and the revisions (which create tables) must agree, column by
    column, on both backends: building the same tables from schema.py in a second database
    gives the same structure as migrating."""
    migrated = SqlLedger(new_ledger_url()).engine
    SimStore(migrated, "sim")
    names = set(ledger_schema.metadata.tables) | set(sim_schema.metadata.tables)
    built = create_ledger_engine(new_ledger_url())
    ledger_schema.metadata.create_all(built)
    sim_schema.metadata.create_all(built)
    assert _structure(migrated, names) == _structure(built, names)


def test_revision_one_is_exactly_the_first_release_schema(tmp_path: Path) -> None:
    """The old release's own file, upgraded, has the same structure as a fresh database."""
    old = _copy_old(tmp_path)
    upgraded = SqlLedger(f"sqlite:///{old}").engine
    SimStore(upgraded, "sim")
    fresh = SqlLedger(f"sqlite:///{tmp_path / 'fresh.sqlite3'}").engine
    SimStore(fresh, "sim")
    names = set(sa.inspect(fresh).get_table_names())
    assert names == set(sa.inspect(upgraded).get_table_names())
    assert _structure(upgraded, names - {"alembic_version", "sim_alembic_version"}) == (
        _structure(fresh, names - {"alembic_version", "sim_alembic_version"})
    )


def test_an_old_release_ledger_upgrades_and_reads_back(tmp_path: Path) -> None:
    old = _copy_old(tmp_path)
    raw = sqlite3.connect(old)  # what 0.1.0 wrote, read independently of our code
    runs = raw.execute("select run_id, status from runs order by started_at desc").fetchall()
    orders = raw.execute(
        "select run_id, client_order_id, symbol, side, qty, filled_qty, status from orders"
    ).fetchall()
    fills = raw.execute("select run_id, client_order_id, qty, price from fills").fetchall()
    holdings = raw.execute(
        "select sleeve, symbol, qty from sleeve_holdings where account = 'sim'"
    ).fetchall()
    sim_fills = raw.execute("select client_order_id, qty, price from sim_fills").fetchall()
    cash = raw.execute("select cash from sim_accounts").fetchone()[0]
    raw.close()
    assert len(runs) == 3 and len(orders) >= 5 and len(fills) >= 5  # the file is what we think

    ledger = SqlLedger(f"sqlite:///{old}")
    assert mig.current_revision(ledger.engine, mig.LEDGER) == mig.head_of(mig.LEDGER)
    assert [(r.run_id, r.status.value) for r in ledger.runs()] == runs
    got_orders = [
        (o.run_id, o.client_order_id, o.symbol, o.side, str(o.qty), str(o.filled_qty), o.status)
        for run_id, *_ in runs
        for o in ledger.orders_of(run_id)
    ]
    assert sorted(got_orders) == sorted(orders)
    got_fills = [
        (run_id, f.client_order_id, str(f.qty), str(f.price))
        for run_id, *_ in runs
        for f in ledger.fills_of(run_id)
    ]
    assert sorted(got_fills) == sorted(fills)
    book = ledger.load_book("sim")
    assert sorted(
        (name, symbol, str(h.qty))
        for name, sleeve in book.sleeves.items()
        for symbol, h in sleeve.holdings.items()
    ) == sorted(holdings)
    detail = ledger.run_detail(runs[-1][0])
    assert detail is not None and detail.orders and detail.accounts and detail.signals
    assert all(f.side in (Side.BUY, Side.SELL) for f in ledger.fills_of(runs[-1][0]))

    store = SimStore(ledger.engine, "sim")
    assert mig.current_revision(ledger.engine, mig.SIM_STORE) == "sim_0001"
    assert sorted((f.client_order_id, str(f.qty), str(f.price)) for f in store.fills()) == sorted(
        sim_fills
    )
    import datetime as dt

    state = store.load_or_create(Decimal(1), dt.datetime.now(dt.UTC))
    assert state.cash == Decimal(cash)  # the existing account, not a fresh one


def test_a_database_from_a_newer_alchemiser_is_refused(ledger_url: str) -> None:
    ledger = SqlLedger(ledger_url)
    with ledger.engine.begin() as conn:
        conn.execute(sa.text("update alembic_version set version_num = 'ledger_9999'"))
    ledger.close()
    with pytest.raises(CorruptStateError, match=r"ledger_9999.*does not know") as caught:
        SqlLedger(ledger_url)
    assert caught.value.context["revision"] == ["ledger_9999"]


def test_a_pre_release_or_partial_ledger_is_refused_untouched(tmp_path: Path) -> None:
    old = _copy_old(tmp_path)
    with sqlite3.connect(old) as raw:
        raw.execute("delete from schema_version where version = 2")
    with pytest.raises(CorruptStateError, match=f"{old}.*pre-release schema version 1"):
        SqlLedger(f"sqlite:///{old}")
    with sqlite3.connect(old) as raw:
        raw.execute("drop table schema_version")
        assert "alembic_version" not in {
            r[0] for r in raw.execute("select name from sqlite_master where type = 'table'")
        }
    with pytest.raises(CorruptStateError, match=r"ledger tables .* but no schema version"):
        SqlLedger(f"sqlite:///{old}")


OPEN_AT_THE_BARRIER = """
import datetime as dt, os, sys
from decimal import Decimal
from alchemiser.infrastructure.ledger import SqlLedger
from alchemiser.infrastructure.sim_broker.store import SimStore
sys.stdin.readline()  # the barrier: both processes are imported and waiting
ledger = SqlLedger(sys.argv[1])
state = SimStore(ledger.engine, "sim").load_or_create(Decimal(os.getpid()), dt.datetime.now(dt.UTC))
print("opened", state.cash, flush=True)
"""


@pytest.mark.timeout(120)
def test_two_processes_creating_a_fresh_database_at_once_both_succeed(ledger_url: str) -> None:
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AT_THE_BARRIER, ledger_url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    for proc in procs:  # release both together
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    outputs = [proc.communicate(timeout=100) for proc in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert out.startswith("opened")
        assert "already exists" not in err
    # One simulated account, created by one of them (its pid as cash) and loaded by the other.
    cash = {out.split()[1] for out, _ in outputs}
    assert len(cash) == 1 and cash <= {str(proc.pid) for proc in procs}
    engine = create_ledger_engine(ledger_url)
    assert mig.current_revision(engine, mig.LEDGER) == mig.head_of(mig.LEDGER)
    assert mig.current_revision(engine, mig.SIM_STORE) == mig.head_of(mig.SIM_STORE)


def test_the_declared_heads_are_the_script_directories_heads() -> None:
    """The fast path on open compares with Schema.head: it must be the real head."""
    assert mig.LEDGER.head == mig.head_of(mig.LEDGER)
    assert mig.SIM_STORE.head == mig.head_of(mig.SIM_STORE)
