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

import multiprocessing
import os
import signal
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any, Protocol

import pytest

from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.trading import Order, OrderRequest, Side
from alchemiser.infrastructure.sim_broker import SimBrokerConfig
from tests.cycle.conftest import World

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
    """A broker world the matrix runs on; each `open` is a new process's view of it."""

    name: str

    def open(self, tmp_path: Path, account: str, cancels: str) -> World: ...


@dataclass
class SimBackend:
    """The embedded simulated broker, its state in the shared SQLite database."""

    name: str = "sim"

    def open(self, tmp_path: Path, account: str, cancels: str) -> World:
        config = SimBrokerConfig(
            margin_multiplier=ACCOUNTS[account],
            passive_fill_probability=Decimal(0),
            **CANCELS[cancels],  # type: ignore[arg-type]
        )
        return World(tmp_path, config=config, execution=EXECUTION)


# TODO(issue 11): an AlpacaBackend over tests/fakes/alpaca_trading_server.py. The faithful server
# (margin, asynchronous cancels, advancing clock) is merged from branch broker-double; what is
# missing is a World that wires the engine to AlpacaBroker on it, with the server's clock inside
# the trading window and its cancel latency/fill-during-cancel scripted per cell. Its waits are
# real seconds, so that backend should run a reduced set of cells to stay within CI time.
BACKENDS: dict[str, Callable[[], Backend]] = {"sim": SimBackend}


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


def _ours_open(w: World) -> int:
    return sum(1 for o in w.sim.open_orders() if o.client_order_id.startswith("alc-"))


def _missing_fills(w: World) -> int:
    at_broker: dict[str, Decimal] = {}
    for fill in w.sim.fills():
        at_broker[fill.client_order_id] = at_broker.get(fill.client_order_id, Decimal(0)) + fill.qty
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
    setup = w.trade(BEFORE)
    assert setup.status is RunStatus.COMPLETED, setup.errors
    w.store.close()
    child = multiprocessing.get_context("fork").Process(target=_killed_run, args=(w, phase))
    child.start()
    child.join(120)
    cell.killed = child.exitcode == -signal.SIGKILL
    cash = []
    statuses = []
    runs = []
    for _ in range(2):  # the rerun, then the third run: each a new process's objects
        w.wrap_broker = lambda broker: broker
        w.wrap_ledger = lambda ledger: ledger
        w.reopen()
        result = w.trade(AFTER)
        statuses.append(result.status.value)
        runs.append(result)
        cell.open_after += _ours_open(w)
        cash.append(w.sim.account().cash)
        if len(runs) == 1:
            cell.duplicate = _overshoot(w)
    cell.third_orders = len(w.store.orders_of(runs[1].run_id))
    cell.missing_fills = _missing_fills(w)
    cell.min_cash = min(cash)
    cell.statuses = tuple(statuses)
    w.store.close()
    return cell


def _cells() -> Iterator[tuple[str, str, str]]:
    for phase in PHASES:
        for account in ACCOUNTS:
            for cancels in CANCELS:
                yield phase, account, cancels


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
    for i, (phase, account, cancels) in enumerate(_cells()):
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
    w = SimBackend().open(tmp_path, "cash", "instant")
    w.trade(AFTER)
    w.store.close()
    child = multiprocessing.get_context("fork").Process(
        target=_killed_run, args=(w, "no_such_phase")
    )
    child.start()
    child.join(60)
    assert child.exitcode == 0
