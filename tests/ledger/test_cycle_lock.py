"""One cycle per account at a time (SPEC §13), on SQLite and PostgreSQL: taken atomically, the
holder named to the one refused, released when the holder dies, and two real `trade` processes
released at the same instant: one trades, the other refuses."""

from __future__ import annotations

import datetime as dt
import json
import os
import signal
import socket
import subprocess
import sys
from contextlib import suppress
from pathlib import Path

import pytest

from alchemiser.application.ports.cycle_lock import CycleLockHeldError
from alchemiser.application.ports.ledger import RunStatus
from alchemiser.domain.errors import ErrorCategory
from alchemiser.infrastructure.ledger import SqlLedger, create_ledger_engine
from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock


def _lock(url: str) -> DatabaseCycleLock:
    SqlLedger(url)  # migrated (the holder table exists), as bootstrap's ledger would
    return DatabaseCycleLock(create_ledger_engine(url))


def test_a_second_holder_is_refused_with_the_holders_name(ledger_url: str) -> None:
    first, second = _lock(ledger_url), _lock(ledger_url)
    before = dt.datetime.now(dt.UTC)
    with first.hold("sim", "run 20261127T154500Z-aaaaaa"):
        with pytest.raises(CycleLockHeldError) as caught, second.hold("sim", "run B"):
            pass
        with second.hold("alpaca-paper", "run C"):  # another account is independent
            pass
    error = caught.value
    assert error.category is ErrorCategory.TRADING
    assert "run 20261127T154500Z-aaaaaa" in str(error) and "run B refused" in str(error)
    assert error.context["host"] == socket.gethostname()
    assert error.context["pid"] == os.getpid()
    since = dt.datetime.fromisoformat(str(error.context["since"]))
    assert before - dt.timedelta(seconds=1) <= since <= dt.datetime.now(dt.UTC)
    with second.hold("sim", "run D"):  # released at the end of the block
        pass


HOLD = """
import sys, time
from alchemiser.infrastructure.ledger import create_ledger_engine
from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock
with DatabaseCycleLock(create_ledger_engine(sys.argv[1])).hold("sim", "run holder"):
    print("held", flush=True)
    time.sleep(120)
"""


@pytest.mark.timeout(120)
def test_a_killed_holder_releases_the_lock(ledger_url: str) -> None:
    lock = _lock(ledger_url)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD, ledger_url], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        with pytest.raises(CycleLockHeldError, match=f"pid {holder.pid}"), lock.hold("sim", "x"):
            pass
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    deadline = dt.datetime.now() + dt.timedelta(seconds=30)
    while True:  # the server notices the dead session within moments; the kernel at once
        try:
            with lock.hold("sim", "run after the crash"):
                break
        except CycleLockHeldError:
            if dt.datetime.now() > deadline:
                raise


TRADE_AT_THE_BARRIERS = """
import sys
import alchemiser.interface.cli.trade_commands  # commands load lazily: import before the barrier
from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock
from alchemiser.interface.cli.main import main

hold = DatabaseCycleLock.hold

def hold_at_the_second_barrier(self, account, owner):
    print("at the lock", file=sys.stderr, flush=True)
    sys.stdin.readline()
    return hold(self, account, owner)

DatabaseCycleLock.hold = hold_at_the_second_barrier
sys.stdin.readline()  # the first barrier: both processes are imported and waiting
sys.exit(main(["trade", "--yes", "--force", "--json", "--portfolio", sys.argv[1]]))
"""


@pytest.mark.slow
@pytest.mark.timeout(400)
def test_two_trades_released_at_once_one_trades_the_other_refuses(
    ledger_url: str, tmp_path: Path
) -> None:
    """Two barriers. The first releases both processes onto a fresh data directory (and a fresh
    database) at once: no 'table already exists'. The second releases them onto the lock once
    both have built everything (broker, ledger, engine): one cycle, the other refused, naming
    the holder and recorded as refused. Without it a loaded machine can let one process finish
    its whole cycle before the other reaches the lock, and then both rightly trade."""
    data = tmp_path / "fresh-data-dir"
    portfolio = tmp_path / "one-sleeve.toml"  # one built-in sleeve: the lock is the subject
    portfolio.write_text("[sleeves]\ntecl = 1.0\n")
    env = dict(os.environ, ALCHEMISER_DATA_DIR=str(data))
    if not ledger_url.startswith("sqlite"):
        env["ALCHEMISER_DATABASE_URL"] = ledger_url
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", TRADE_AT_THE_BARRIERS, str(portfolio)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            cwd=tmp_path,
        )
        for _ in range(2)
    ]
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    arrived: list[list[str]] = []
    for proc in procs:  # each stops at the lock (or ends early: then the codes below show it)
        assert proc.stderr is not None
        said = [proc.stderr.readline()]
        while said[-1] not in ("at the lock\n", ""):  # anything logged before it, or the end
            said.append(proc.stderr.readline())
        arrived.append(said)
    for proc in procs:
        assert proc.stdin is not None
        with suppress(BrokenPipeError):
            proc.stdin.write("go\n")
            proc.stdin.flush()
    results = [(proc, *proc.communicate(timeout=380)) for proc in procs]
    codes = sorted(proc.returncode for proc, _, _ in results)
    assert codes == [0, ErrorCategory.TRADING.exit_code], (arrived, [r[1:] for r in results])
    (winner,) = [json.loads(out) for proc, out, _ in results if proc.returncode == 0]
    (loser_err,) = [err for proc, _, err in results if proc.returncode != 0]
    (loser_out,) = [out for proc, out, _ in results if proc.returncode != 0]
    for _, _, err in results:
        assert "already exists" not in err
    assert winner["orders"], "the winner traded"
    refused = json.loads(loser_out)
    assert refused["status"] == RunStatus.REFUSED.value
    assert refused["orders"] == []
    message = json.dumps(refused) + loser_err
    assert f"run {winner['run_id']}" in message and "holds the lock" in message

    url = ledger_url if ledger_url.startswith("postgres") else f"sqlite:///{data}/ledger.sqlite3"
    ledger = SqlLedger(url)
    statuses = sorted(r.status.value for r in ledger.runs())
    assert statuses == sorted([RunStatus.COMPLETED.value, RunStatus.REFUSED.value])
    assert len(ledger.orders_of(refused["run_id"])) == 0
    assert len(ledger.orders_of(winner["run_id"])) == len(winner["orders"])
