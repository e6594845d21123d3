"""The fault matrix of issue 11: a real process SIGKILLed at each phase boundary, then a rerun
and a third run, in a cash and a margin account, with instant and with slow cancels that fill
while they are pending.

Every cell starts from an account holding the BEFORE target; the killed run moves it to AFTER
(sells AAA and DDD, buys BBB and CCC). The kill is injected, not raced: the killed process wraps
its broker and ledger and SIGKILLs itself at the named phase, so the cell is deterministic.
The process forked for the killed run shares only the database (the ledger and the simulated
broker's store) with the runs that follow, as separate processes of the CLI would.

Asserted in every cell:
- duplicate exposure: after the rerun, no symbol's weight exceeds its target by more than the
  rounding of the ladder (a second set of buys would double it);
- fills at the broker missing from the ledger (per client order id, quantities summed): 0;
- orders of ours open at the broker at the end of the rerun and of the third run: 0;
- the third run places no order; cash never goes negative (margin is never spent).
"""

from __future__ import annotations

import json
import multiprocessing
import os
import signal
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest

from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.trading import Order, OrderRequest, Side
from alchemiser.infrastructure.sim_broker import SimBrokerConfig
from tests.cycle.conftest import PRICES, START, World

BEFORE = {"a": ({"AAA": 0.5, "DDD": 0.5}, 0.6), "b": ({"AAA": 1.0}, 0.4)}
AFTER = {"a": ({"BBB": 0.5, "CCC": 0.5}, 0.6), "b": ({"CCC": 1.0}, 0.4)}
TARGET = {"BBB": 0.3, "CCC": 0.7}
PHASES = (
    "after_signals",
    "during_sells",
    "sells_pending",
    "during_buys",
    "buys_rest",
    "during_sweep",
)
ACCOUNTS = {"cash": Decimal(1), "margin": Decimal(2)}
CANCELS = {
    "instant": {"cancel_latency_seconds": 0.0, "cancel_fill_ratio": Decimal(0)},
    "slow+fill": {"cancel_latency_seconds": 3.0, "cancel_fill_ratio": Decimal("0.5")},
}
OVERSHOOT = 0.002
"""Allowed weight above target: the ladder's price steps and whole-cent sizing, no more."""
# Short simulated waits keep the matrix fast; limits at the mid rest (no passive fills), so
# buys can be caught resting, and every cancel of a resting order races a fill when slow.
EXECUTION = ExecutionSettings(
    limit_steps=2,
    step_wait_seconds=2.0,
    settle_timeout_seconds=10.0,
    reconcile_wait_seconds=2.0,
)


class Backend(Protocol):
    """A broker world the matrix runs on. `open` starts a cell's account and returns a World
    (each `World.reopen` is a new process's view of it); `killed_run` runs AFTER in a separate
    process that SIGKILLs itself at `phase` and returns its exit code."""

    name: str
    cells: tuple[tuple[str, str, str], ...]

    def open(self, tmp_path: Path, account: str, cancels: str) -> World: ...

    def killed_run(self, w: World, phase: str) -> int | None: ...

    def broker_fills(self, w: World) -> dict[str, Decimal]: ...

    def ours_open(self, w: World) -> int: ...

    def close(self) -> None: ...


def _all_cells() -> tuple[tuple[str, str, str], ...]:
    return tuple((p, a, c) for p in PHASES for a in ACCOUNTS for c in CANCELS)


class SimBackend:
    """The embedded simulated broker, its state in the shared SQLite database; the killed run
    is a forked process."""

    name = "sim"
    cells = _all_cells()

    def open(self, tmp_path: Path, account: str, cancels: str) -> World:
        config = SimBrokerConfig(
            margin_multiplier=ACCOUNTS[account],
            passive_fill_probability=Decimal(0),
            **CANCELS[cancels],  # type: ignore[arg-type]
        )
        return World(tmp_path, config=config, execution=EXECUTION)

    def killed_run(self, w: World, phase: str) -> int | None:
        w.close()
        child = multiprocessing.get_context("fork").Process(target=_killed_run, args=(w, phase))
        child.start()
        child.join(120)
        return child.exitcode

    def broker_fills(self, w: World) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for fill in w.sim.fills():
            found[fill.client_order_id] = found.get(fill.client_order_id, Decimal(0)) + fill.qty
        return found

    def ours_open(self, w: World) -> int:
        return sum(1 for o in w.sim.open_orders() if o.client_order_id.startswith("alc-"))

    def close(self) -> None:
        return None


class AlpacaBackend:
    """Real alpaca-py against the faithful Alpaca double (tests/fakes): margin or cash account,
    asynchronous cancels with a fill half-way through `pending_cancel`, an advancing clock. The
    server lives in this process for the whole cell; the killed run is a separate Python
    process talking to it over HTTP, as `alchemiser trade` would. Its waits are real seconds,
    so it runs three cells: the issue's own (killed while buys rest, margin, cancels that fill
    while pending), sells caught working, and an order the ledger never recorded."""

    name = "alpaca"
    cells = (
        ("buys_rest", "margin", "slow+fill"),
        ("sells_pending", "margin", "slow+fill"),
        ("during_buys", "cash", "instant"),
    )

    def __init__(self) -> None:
        self.server: Any = None

    def open(self, tmp_path: Path, account: str, cancels: str) -> World:
        from tests.fakes.alpaca_trading_server import AlpacaTestServer

        slow = cancels != "instant"
        self.server = AlpacaTestServer(
            account_type=account,  # type: ignore[arg-type]
            prices={symbol: [str(price)] for symbol, price in PRICES.items()},
            half_spread="0.05",
            clock_time=START,
            cancel_delay=1.0 if slow else 0.0,
            fill_during_cancel="partial" if slow else None,
            # A cell compresses days of runs into seconds, from several processes each with
            # its own client-side limiter: Alpaca's 200/min would be a test artefact here.
            rate_limit=None,
        ).start()
        return _alpaca_world(tmp_path, self._where())

    def _where(self) -> dict[str, str]:
        s = self.server
        return {"url": s.base_url, "stream": s.stream_url, "key": s.api_key, "secret": s.secret_key}

    def killed_run(self, w: World, phase: str) -> int | None:
        w.close()
        args = json.dumps({"tmp": str(w.tmp_path), "where": self._where(), "phase": phase})
        code = "import json, sys; from tests.cycle.test_fault_matrix import alpaca_child; "
        code += "alpaca_child(json.loads(sys.argv[1]))"
        root = Path(__file__).resolve().parents[2]
        env = os.environ | {"PYTHONPATH": str(root)}
        done = subprocess.run(
            [sys.executable, "-c", code, args], cwd=root, env=env, timeout=180, check=False
        )
        return done.returncode

    def broker_fills(self, w: World) -> dict[str, Decimal]:
        found: dict[str, Decimal] = {}
        for fill in self.server.fills:
            found[fill.client_order_id] = found.get(fill.client_order_id, Decimal(0)) + fill.qty
        return found

    def ours_open(self, w: World) -> int:
        return sum(1 for o in self.server.open_orders() if o.client_order_id.startswith("alc-"))

    def close(self) -> None:
        if self.server is None:
            return
        server, self.server = self.server, None
        server.stop()
        assert server.response_violations == []  # the double answered as the document says
        assert server.request_violations == []  # and what the adapter sent conforms


ALPACA_EXECUTION = ExecutionSettings(
    limit_steps=2,
    step_wait_seconds=0.5,
    settle_timeout_seconds=5.0,
    reconcile_wait_seconds=0.5,
)


def _alpaca_world(tmp_path: Path, where: dict[str, str]) -> World:
    def make(_: World) -> Any:
        from alchemiser.application.settings import AlpacaSettings
        from alchemiser.infrastructure.alpaca import AlpacaBroker, AlpacaEndpoints

        broker = AlpacaBroker(
            where["key"],
            where["secret"],
            live=False,
            settings=AlpacaSettings(
                request_timeout_seconds=2.0,
                max_retries=3,
                max_retry_wait_seconds=0.5,
                poll_interval_seconds=0.2,
            ),
            endpoints=AlpacaEndpoints(where["url"], where["url"], where["stream"]),
        )
        broker.limiter._max = 100_000  # see rate_limit=None above: not what this test is about
        return broker

    return World(tmp_path, execution=ALPACA_EXECUTION, make_broker=make)


def alpaca_child(args: dict[str, Any]) -> None:
    """The killed run's process on the Alpaca backend."""
    _killed_run(_alpaca_world(Path(args["tmp"]), args["where"]), args["phase"])


BACKENDS: dict[str, Callable[[], Backend]] = {"sim": SimBackend, "alpaca": AlpacaBackend}


# -- the kill switch (lives only in the forked process) -------------------------------------
def _die() -> None:
    os.kill(os.getpid(), signal.SIGKILL)


class _Killer:
    def __init__(self, phase: str) -> None:
        self.phase = phase
        self.sells: set[str] = set()
        self.buys: set[str] = set()


class KillingBroker:
    def __init__(self, inner: Any, killer: _Killer) -> None:
        self._inner, self._k = inner, killer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def submit_order(self, request: OrderRequest) -> Order:
        order: Order = self._inner.submit_order(request)
        if request.side is Side.SELL:
            self._k.sells.add(order.id)
            if self._k.phase == "during_sells":
                _die()  # the order is at the broker, the ledger never heard of it
        else:
            self._k.buys.add(order.id)
            if self._k.phase == "during_buys":
                _die()
        return order

    def wait_for_update(self, order_ids: Any, timeout_seconds: float) -> None:
        ids = set(order_ids)
        if self._k.phase == "sells_pending" and ids & self._k.sells:
            _die()  # sells working at the broker
        if self._k.phase == "buys_rest" and ids & self._k.buys:
            _die()  # buy limits resting at the broker
        self._inner.wait_for_update(order_ids, timeout_seconds)


class KillingLedger:
    def __init__(self, inner: Any, killer: _Killer) -> None:
        self._inner, self._k = inner, killer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)

    def record_signals(self, *args: Any) -> None:
        self._inner.record_signals(*args)
        if self._k.phase == "after_signals":
            _die()

    def record_event(self, run_id: str, step: str, message: str, data: Any = None) -> None:
        self._inner.record_event(run_id, step, message, data)
        if self._k.phase == "during_sweep" and step == "sweep":
            _die()  # everything traded; sweep, final account and attribution not done


def _killed_run(world: World, phase: str) -> None:
    killer = _Killer(phase)
    world.wrap_broker = lambda broker: KillingBroker(broker, killer)
    world.wrap_ledger = lambda ledger: KillingLedger(ledger, killer)
    world.reopen()
    world.trade(AFTER)
    os._exit(0)  # the kill point was never reached: the parent reports it


# -- one cell ---------------------------------------------------------------------------------
@dataclass
class Cell:
    phase: str
    account: str
    cancels: str
    killed: bool = False
    duplicate: float = 0.0
    missing_fills: int = 0
    open_after: int = 0
    third_orders: int = 0
    min_cash: Decimal = Decimal(0)
    statuses: tuple[str, ...] = ()


def _missing_fills(backend: Backend, w: World) -> int:
    at_broker = backend.broker_fills(w)
    in_ledger: dict[str, Decimal] = {}
    for run in w.store.runs(500):
        for fill in w.store.fills_of(run.run_id):
            in_ledger[fill.client_order_id] = (
                in_ledger.get(fill.client_order_id, Decimal(0)) + fill.qty
            )
    return sum(1 for cid, qty in at_broker.items() if in_ledger.get(cid) != qty)


def _overshoot(w: World) -> float:
    weights = w.weights()
    return max(weights.get(s, 0.0) - t for s, t in TARGET.items())


def run_cell(backend: Backend, tmp_path: Path, phase: str, account: str, cancels: str) -> Cell:
    cell = Cell(phase, account, cancels)
    w = backend.open(tmp_path, account, cancels)
    try:
        setup = w.trade(BEFORE)
        assert setup.status is RunStatus.COMPLETED, setup.errors
        cell.killed = backend.killed_run(w, phase) == -signal.SIGKILL
        cash = []
        runs = []
        for _ in range(2):  # the rerun, then the third run: each a new process's objects
            w.wrap_broker = lambda broker: broker
            w.wrap_ledger = lambda ledger: ledger
            w.reopen()
            result = w.trade(AFTER)
            runs.append(result)
            cell.open_after += backend.ours_open(w)
            cash.append(w.sim.account().cash)
            if len(runs) == 1:
                cell.duplicate = _overshoot(w)
            w.close()
        cell.third_orders = len(w.store.orders_of(runs[1].run_id))
        cell.missing_fills = _missing_fills(backend, w)
        cell.min_cash = min(cash)
        cell.statuses = tuple(r.status.value for r in runs)
    finally:
        w.close()
        backend.close()
    return cell


def _print(backend: str, cells: list[Cell]) -> None:
    header = (
        f"{'phase':<14}{'account':<8}{'cancels':<10}{'killed':<7}{'dup.exp':>8}"
        f"{'missing':>8}{'open':>6}{'3rd ord':>8}  statuses"
    )
    print(f"\nfault matrix on {backend}\n{header}")
    for c in cells:
        print(
            f"{c.phase:<14}{c.account:<8}{c.cancels:<10}{'yes' if c.killed else 'NO':<7}"
            f"{max(c.duplicate, 0):>8.4f}{c.missing_fills:>8}{c.open_after:>6}"
            f"{c.third_orders:>8}  {'/'.join(c.statuses)}"
        )


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("backend_name", sorted(BACKENDS))
def test_fault_matrix(
    backend_name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backend = BACKENDS[backend_name]()
    cells = []
    for i, (phase, account, cancels) in enumerate(backend.cells):
        folder = tmp_path / f"cell{i}"
        folder.mkdir()
        cells.append(run_cell(backend, folder, phase, account, cancels))
    with capsys.disabled():
        _print(backend_name, cells)
    failures = [
        c
        for c in cells
        if not c.killed
        or c.duplicate > OVERSHOOT
        or c.missing_fills
        or c.open_after
        or c.third_orders
        or c.min_cash < 0
        or c.statuses[0] != RunStatus.COMPLETED.value
    ]
    assert not failures, failures


def test_a_kill_point_that_is_never_reached_is_reported(tmp_path: Path) -> None:
    """The matrix must not pass vacuously: a process that was not killed says so."""
    backend = SimBackend()
    w = backend.open(tmp_path, "cash", "instant")
    w.trade(AFTER)
    assert backend.killed_run(w, "no_such_phase") == 0
