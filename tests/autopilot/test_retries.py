"""Retries only where they are safe (SPEC §7, §15): a cycle that failed because the broker or the
data source could not be reached is retried with backoff while the window is open; a TRADING,
STRATEGY or CONFIGURATION failure is not retried and alerts. The runs land in a real SQL ledger;
the scheduler decides from it alone."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pytest

from alchemiser import bootstrap
from alchemiser.application.autopilot.schedule import Schedule
from alchemiser.application.autopilot.service import Autopilot, CycleOutcome
from alchemiser.application.autopilot.sessions import (
    RetryPolicy,
    SessionState,
    classify,
)
from alchemiser.application.autopilot.status import StatusReader
from alchemiser.application.autopilot.stop import StopControl
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import Notification, NotificationDispatcher
from alchemiser.application.ports.autopilot_store import DayRun
from alchemiser.application.ports.ledger import RunInfo, RunStatus
from alchemiser.application.settings import AutopilotSettings, ExecutionSettings
from alchemiser.domain.errors import (
    BrokerConnectionError,
    DataUnavailableError,
    OrderRejectedError,
    StrategyError,
)
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.trading import MarketClock
from alchemiser.infrastructure.ledger import SqlLedger
from alchemiser.infrastructure.ledger.autopilot_store import SqlAutopilotStore
from alchemiser.infrastructure.ledger.halt_switch import SqlHaltSwitch
from tests.autopilot.conftest import NEW_YORK, FakeClock, et


class Inbox:
    channel = "test"

    def __init__(self) -> None:
        self.subjects: list[str] = []

    def send(self, notification: Notification) -> None:
        self.subjects.append(notification.subject)


class Spy:
    """History of SPY up to the session before the clock's day (what a fresh source has)."""

    name = "spy"
    synthetic = True

    def __init__(self, clock: FakeClock) -> None:
        self.clock = clock
        self.calendar = bootstrap.trading_calendar()

    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        today = self.clock.now().astimezone(NEW_YORK).date()
        last = self.calendar.previous_session(today)
        dates = self.calendar.sessions(start or last, min(end or last, last))
        return PriceHistory.from_columns(dates, {t: np.full(len(dates), 100.0) for t in tickers})

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        return dict.fromkeys(tickers, 100.0)


@dataclass
class ScriptedCycle:
    """Records each call's time and writes a real run to the ledger that fails with the next
    scripted error (None = completes)."""

    ledger: SqlLedger
    clock: FakeClock
    script: list[Exception | None]
    calls: list[dt.datetime] = field(default_factory=list)

    def __call__(self, stop: StopControl) -> CycleOutcome:
        now = self.clock.now()
        self.calls.append(now)
        failure = self.script.pop(0) if self.script else None
        run_id = f"run-{len(self.calls)}"
        day = now.astimezone(NEW_YORK).date()
        self.ledger.start_run(RunInfo(run_id, day, "sim", "sim", "spy", now, {}))
        lines: tuple[str, ...] = ()
        status = RunStatus.COMPLETED
        if failure is not None:
            record = ErrorHandler().handle(failure, component="test")
            self.ledger.record_error(run_id, record.as_dict())
            lines = (f"{record.category.value}: {record.message}",)
            status = RunStatus.FAILED
        self.ledger.finish_run(run_id, status, {})
        self.clock.current += dt.timedelta(seconds=20)  # a cycle takes a while
        return CycleOutcome(run_id, status, day, lines)


def _autopilot(
    tmp_path: Path, clock: FakeClock, script: list[Exception | None], **settings: object
) -> tuple[Autopilot, ScriptedCycle, Inbox]:
    ledger = SqlLedger(f"sqlite:///{tmp_path / 'ledger.sqlite3'}")
    store = SqlAutopilotStore(ledger)
    calendar = bootstrap.trading_calendar()
    auto = AutopilotSettings(tick_seconds=86400, **settings)  # type: ignore[arg-type]
    schedule = Schedule(calendar, ExecutionSettings(), auto)
    halt = SqlHaltSwitch(ledger.engine, now=clock.now)
    inbox = Inbox()
    policy = RetryPolicy(auto.retry_initial_seconds, auto.retry_max_seconds, auto.max_retries)
    cycle = ScriptedCycle(ledger, clock, list(script))

    def broker_clock() -> MarketClock:
        now = clock.now()
        return MarketClock(now, bool(calendar.is_open_at(now)), now, now)

    pilot = Autopilot(
        account="sim",
        clock=clock,
        calendar=calendar,
        schedule=schedule,
        store=store,
        halt=halt,
        run_cycle=cycle,
        broker_clock=broker_clock,
        market_data=Spy(clock),
        dispatcher=NotificationDispatcher([inbox], errors=ErrorHandler(), now=clock.now),
        errors=ErrorHandler(),
        settings=auto,
        status=StatusReader(
            account="sim",
            store=store,
            halt=halt,
            schedule=schedule,
            now=clock.now,
            close_of=calendar.close_time,
            policy=policy,
        ),
    )
    return pilot, cycle, inbox


def _ny(moments: list[dt.datetime]) -> list[str]:
    return [m.astimezone(NEW_YORK).strftime("%H:%M:%S") for m in moments]


@pytest.mark.timeout(120)
def test_transient_failures_are_retried_with_backoff_inside_the_window(tmp_path: Path) -> None:
    clock = FakeClock(et(2026, 11, 23, 15, 40))
    pilot, cycle, inbox = _autopilot(
        tmp_path,
        clock,
        [BrokerConnectionError("broker: HTTP 503"), DataUnavailableError("data: timeout"), None],
    )
    pilot.run(until=et(2026, 11, 23, 16, 30))
    # due 15:45:30; each attempt takes 20 s; waits 30 s then 60 s after the last attempt began
    assert _ny(cycle.calls) == ["15:45:30", "15:46:00", "15:47:00"]
    assert not [s for s in inbox.subjects if "failed" in s or "Missed" in s]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    "failure",
    [OrderRejectedError("TQQQ rejected: price band"), StrategyError("symphony undefined")],
)
def test_trading_and_strategy_failures_alert_and_are_not_retried(
    tmp_path: Path, failure: Exception
) -> None:
    clock = FakeClock(et(2026, 11, 23, 15, 40))
    pilot, cycle, inbox = _autopilot(tmp_path, clock, [failure])
    pilot.run(until=et(2026, 11, 24, 16, 30))
    # one attempt on Monday (failed, not retried), the normal one on Tuesday
    assert _ny(cycle.calls) == ["15:45:30", "15:45:30"]
    assert [c.astimezone(NEW_YORK).day for c in cycle.calls] == [23, 24]
    failed = [s for s in inbox.subjects if "failed, not retried" in s]
    assert failed == ["[Alchemiser] 2026-11-23: run run-1 failed, not retried"]
    assert not [s for s in inbox.subjects if "Missed" in s]  # failed is not missed


@pytest.mark.timeout(120)
def test_retries_stop_at_the_limit_and_never_after_the_window(tmp_path: Path) -> None:
    clock = FakeClock(et(2026, 11, 23, 15, 40))
    outage = [BrokerConnectionError("broker unreachable") for _ in range(20)]
    pilot, cycle, inbox = _autopilot(tmp_path, clock, outage, max_retries=2)
    pilot.run(until=et(2026, 11, 23, 23, 0))
    assert len(cycle.calls) == 3  # the first attempt and two retries
    assert all(c < et(2026, 11, 23, 15, 55) for c in cycle.calls)
    assert any("Missed session 2026-11-23" in s for s in inbox.subjects)


def _run(status: RunStatus, *types: str, categories: tuple[str, ...] = ()) -> DayRun:
    at = et(2026, 11, 23, 15, 46)
    return DayRun(
        "r", dt.date(2026, 11, 23), status, at, at, frozenset(types), frozenset(categories)
    )


@pytest.mark.parametrize(
    ("runs", "halted", "state"),
    [
        ([], False, SessionState.PENDING),
        ([_run(RunStatus.COMPLETED)], False, SessionState.DONE),
        # cut short by a stop request: does not count, the next start runs the cycle
        ([_run(RunStatus.COMPLETED, "StopRequestedError", categories=("trading",))], False,
         SessionState.PENDING),
        # refused by the kill switch: waits while halted, runs again after resume
        ([_run(RunStatus.REFUSED, "TradingHaltedError", categories=("trading",))], True,
         SessionState.HALTED),
        ([_run(RunStatus.REFUSED, "TradingHaltedError", categories=("trading",))], False,
         SessionState.PENDING),
        ([_run(RunStatus.FAILED, "ConfigurationError", categories=("configuration",))], False,
         SessionState.FAILED),
        ([_run(RunStatus.FAILED, "BrokerConnectionError", categories=("critical",))], False,
         SessionState.RETRYING),
        # an authentication failure is CRITICAL but not transient: no retry
        ([_run(RunStatus.FAILED, "AuthenticationError", categories=("critical",))], False,
         SessionState.FAILED),
    ],
)  # fmt: skip
def test_classify(runs: list[DayRun], halted: bool, state: SessionState) -> None:
    schedule = Schedule(bootstrap.trading_calendar(), ExecutionSettings(), AutopilotSettings())
    window = schedule.window(dt.date(2026, 11, 23))
    assert window is not None
    verdict = classify(runs, window=window, now=et(2026, 11, 23, 15, 50), halted=halted)
    assert verdict.state is state
