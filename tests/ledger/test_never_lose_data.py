"""An existing ledger is never replaced: empty, foreign, corrupt or newer files stop every command
with an error naming the file and are left byte for byte as they were; a read-only data directory
is reported as read-only (not as damage)."""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import sqlite3
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from alchemiser.domain.errors import ConfigurationError, CorruptStateError, ErrorCategory
from alchemiser.infrastructure.ledger import SqlLedger
from alchemiser.interface.cli.main import main

OLD_LEDGER = Path(__file__).parent / "data" / "ledger-0.1.0.sqlite3"
CRITICAL = ErrorCategory.CRITICAL.exit_code
CONFIGURATION = ErrorCategory.CONFIGURATION.exit_code


def _ledger_file() -> Path:
    """The default ledger of the test's data dir (set per test by tests/conftest.py)."""
    path = Path(os.environ["ALCHEMISER_DATA_DIR"]) / "ledger.sqlite3"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _empty(path: Path) -> None:
    path.write_bytes(b"")


def _not_sqlite(path: Path) -> None:
    path.write_text("run_id,status\n20261120,completed\n")


def _corrupt_pages(path: Path) -> None:
    """A real ledger whose `orders` b-tree root page was overwritten (a bad disk sector)."""
    shutil.copy(OLD_LEDGER, path)
    with sqlite3.connect(path) as conn:
        root = conn.execute("select rootpage from sqlite_master where name = 'orders'").fetchone()
        page_size = conn.execute("pragma page_size").fetchone()[0]
    with path.open("r+b") as handle:
        handle.seek(page_size * (root[0] - 1))
        handle.write(b"\x0d\xff\xff\xff" * 25)


BROKEN: dict[str, Callable[[Path], None]] = {
    "empty": _empty,
    "not sqlite": _not_sqlite,
    "corrupt pages": _corrupt_pages,
}


@pytest.mark.parametrize("damage", BROKEN)
def test_a_broken_ledger_file_is_refused_by_name_and_left_untouched(damage: str) -> None:
    path = _ledger_file()
    BROKEN[damage](path)
    before = _digest(path)
    with pytest.raises(CorruptStateError) as caught:
        SqlLedger(f"sqlite:///{path}")
    assert str(path) in str(caught.value)
    assert _digest(path) == before
    assert not path.with_name(path.name + "-wal").exists() or damage == "corrupt pages"


@pytest.mark.parametrize("damage", BROKEN)
@pytest.mark.parametrize("command", [["status"], ["history"], ["history", "--json"]])
def test_status_and_history_stop_on_a_broken_ledger(
    damage: str, command: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ledger_file()
    BROKEN[damage](path)
    before = _digest(path)
    code = main(command)
    captured = capsys.readouterr()
    assert code == CRITICAL
    assert str(path) in captured.err + captured.out
    assert "100000" not in captured.out and "100,000" not in captured.out  # no fresh account
    assert _digest(path) == before


def test_trade_stops_on_an_empty_ledger_without_touching_it(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _ledger_file()
    path.write_bytes(b"")
    assert main(["trade", "--yes", "--force"]) == CRITICAL
    assert str(path) in capsys.readouterr().err
    assert path.stat().st_size == 0


def test_history_refuses_a_ledger_from_a_newer_alchemiser(
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = _ledger_file()
    ledger = SqlLedger(f"sqlite:///{path}")
    with ledger.engine.begin() as conn:
        conn.execute(sa.text("update alembic_version set version_num = 'ledger_0099'"))
    ledger.close()
    assert main(["history"]) == CRITICAL
    err = capsys.readouterr().err
    assert str(path) in err and "ledger_0099" in err


def test_a_read_only_ledger_reads_but_a_write_says_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ledger.sqlite3"
    shutil.copy(OLD_LEDGER, path)
    SqlLedger(f"sqlite:///{path}").close()  # upgraded while writable
    read_only = SqlLedger(f"sqlite:///file:{path}?mode=ro&uri=true")
    assert len(read_only.runs()) == 3
    with pytest.raises(ConfigurationError, match="read-only") as caught:
        read_only.record_event(read_only.runs()[0].run_id, "x", "y")
    assert "backup" not in caught.value.suggested_action


@contextlib.contextmanager
def _immutable(directory: Path) -> Iterator[None]:
    """Make `directory` unwritable even for root (tests run as root in CI, and root ignores
    permission bits): the ext4 immutable flag. Skips where chattr is not allowed."""
    if shutil.which("chattr") is None:
        pytest.skip("chattr is not installed")
    done = subprocess.run(["chattr", "+i", str(directory)], capture_output=True, check=False)
    if done.returncode != 0:
        pytest.skip(f"cannot make a directory read-only here: {done.stderr.decode().strip()}")
    try:
        yield
    finally:
        subprocess.run(["chattr", "-i", str(directory)], check=True)


@pytest.mark.parametrize("existing", [True, False], ids=["existing ledger", "fresh data dir"])
def test_a_read_only_data_directory_is_reported_as_read_only(
    existing: bool, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _ledger_file()
    if existing:
        shutil.copy(OLD_LEDGER, path)
        SqlLedger(f"sqlite:///{path}").close()  # upgraded while writable
    with _immutable(path.parent):
        code = main(["history"] if existing else ["trade", "--yes", "--force"])
    err = capsys.readouterr().err
    assert code == CONFIGURATION, err
    assert "read-only" in err and str(path.parent) in err
    assert "backup" not in err
    assert path.exists() is existing
