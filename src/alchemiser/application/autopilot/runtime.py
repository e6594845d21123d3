"""The running autopilot process as one object: the scheduler, its status reader, the stop
control the signal handler pokes, and the optional health server (SPEC §15).

`bootstrap.autopilot_runtime` assembles it from settings; the CLI only holds the account's
autopilot lock, installs the signal handlers, prints and calls `run()`. Also here: the cycle the
autopilot runs (the very `TradeService` cycle of `alchemiser trade`) and the health probes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, ExitStack, contextmanager
from dataclasses import dataclass
from typing import Any, Protocol

from alchemiser.application.autopilot.service import Autopilot, CycleOutcome, CycleRunner
from alchemiser.application.autopilot.status import StatusReader
from alchemiser.application.autopilot.stop import StopControl, StopNow, StoppingBroker
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.clock import Clock
from alchemiser.application.ports.cycle_lock import CycleLock, CycleLockHeldError
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.services.trade import TradeRequest, TradeService
from alchemiser.domain.trading import MarketClock

FORCED_EXIT = 130
"""A second signal during a cycle: left at once (the next run recovers the cut-off one)."""

Probe = Callable[[], tuple[bool, str]]
"""A health probe: (healthy, why) for /healthz or /readyz."""


class HealthEndpoint(Protocol):
    """The /healthz, /readyz, /metrics server (infrastructure.health_server)."""

    @property
    def address(self) -> tuple[str, int]: ...

    def start(self) -> None: ...

    def stop(self) -> None: ...


def account_name(broker: str, live: bool) -> str:
    """The account name runs are recorded under (the broker adapter's `name`)."""
    if broker == "sim":
        return "sim"
    return "alpaca-live" if live else "alpaca-paper"


@contextmanager
def autopilot_lock(lock: CycleLock, account: str, owner: str) -> Iterator[None]:
    """One autopilot per account, for the process's whole life (a database lock, so it holds
    across machines sharing one ledger)."""
    with ExitStack() as stack:
        try:
            stack.enter_context(lock.hold(f"autopilot:{account}", owner))
        except CycleLockHeldError as exc:
            raise CycleLockHeldError(
                f"another autopilot is already running for account {account}: {exc.message}",
                context=exc.context,
                suggested_action="Only one autopilot may run per account; stop the other one "
                "first (`systemctl stop alchemiser-autopilot` or its process id).",
            ) from None
        yield


def trade_cycle(
    open_broker: Callable[[], AbstractContextManager[Broker]],
    service_for: Callable[[Broker], TradeService],
    request: TradeRequest,
) -> CycleRunner:
    """The cycle `alchemiser trade --yes` runs (the same TradeService: engine, report, channels;
    the engine takes the account's cycle lock itself), on a broker that refuses new orders once
    a stop is asked."""

    def run(stop: StopControl) -> CycleOutcome:
        with open_broker() as raw:
            result = service_for(StoppingBroker(raw, stop)).execute(request)
        return CycleOutcome(
            run_id=result.run_id,
            status=result.status,
            trading_day=result.trading_day,
            errors=tuple(f"{e.category.value}: {e.message}" for e in result.errors),
        )

    return run


def liveness_probe(pilot: Autopilot, clock: Clock, tick: float) -> Probe:
    """/healthz: the scheduler loop ticked recently (or is inside a cycle)."""

    def probe() -> tuple[bool, str]:
        beat = pilot.heartbeat
        if beat.in_cycle:
            return True, "running a cycle"
        if beat.last_tick is None:
            return False, "scheduler loop has not ticked yet"
        age = (clock.now() - beat.last_tick).total_seconds()
        limit = max(3 * tick, 180.0)
        return age <= limit, f"last tick {age:.0f}s ago (limit {limit:.0f}s)"

    return probe


READINESS_PROBE_INTERVAL = dt.timedelta(seconds=30)
"""Broker and data are probed at most this often (a scraper must not hammer them)."""


def readiness_probe(
    pilot: Autopilot,
    broker_clock: Callable[[], MarketClock],
    market: MarketDataSource,
    clock: Clock,
) -> Probe:
    """/readyz: not halted (read each time), broker and data reachable (probed at most every
    30 s)."""
    cache: dict[str, Any] = {}

    def probe() -> tuple[bool, str]:
        halted = pilot.halted()
        if halted is not None:
            return False, f"trading halted by {halted.source}: {halted.reason}"
        now = clock.now()
        if "at" not in cache or now - cache["at"] >= READINESS_PROBE_INTERVAL:
            cache.update(at=now, answer=_reachable(broker_clock, market))
        return cache["answer"]  # type: ignore[no-any-return]

    return probe


def _reachable(
    broker_clock: Callable[[], MarketClock], market: MarketDataSource
) -> tuple[bool, str]:
    try:
        broker_clock()
    except Exception as exc:
        return False, f"broker unreachable: {type(exc).__name__}"
    try:
        market.latest_prices(["SPY"])
    except Exception as exc:
        return False, f"market data unreachable: {type(exc).__name__}"
    return True, "broker and market data reachable; not halted"


@dataclass
class AutopilotRuntime:
    account: str
    pilot: Autopilot
    status: StatusReader
    stop: StopControl
    server: HealthEndpoint | None = None

    @contextmanager
    def serving(self) -> Iterator[tuple[str, int] | None]:
        """The health server running for the block (its address), or None when switched off."""
        if self.server is None:
            yield None
            return
        self.server.start()
        try:
            yield self.server.address
        finally:
            self.server.stop()

    def run(self) -> int:
        """Run until stopped: 0 after a graceful stop, FORCED_EXIT after a second signal."""
        try:
            self.pilot.run()
        except StopNow:
            return FORCED_EXIT if self.stop.signals > 1 else 0
        return 0
