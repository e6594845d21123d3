"""The autopilot: one trading cycle per NYSE session, unattended (SPEC §15).

Each tick of the loop reads the ledger (never its own memory) to decide: send the alerts owed
for sessions whose window passed without a completed run, run today's cycle when it is due
(and the broker's clock agrees the market is open), retry it with backoff only after a transient
failure, check drawdown and price freshness after a run, and send the daily summary after the
close. Between ticks it sleeps on the injected Clock until the next thing is due, so a test
drives weeks of sessions in seconds and production wakes at least every `tick_seconds`.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import dataclass, field

from alchemiser.application.autopilot.checks import AccountChecks
from alchemiser.application.autopilot.schedule import NEW_YORK, Schedule, SessionWindow
from alchemiser.application.autopilot.sessions import (
    SKIPPED_ALERT,
    RetryPolicy,
    SessionState,
    Verdict,
    verdict_of,
)
from alchemiser.application.autopilot.status import StatusReader
from alchemiser.application.autopilot.stop import StopControl
from alchemiser.application.autopilot.summary import SummarySender
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import Notification, NotificationDispatcher
from alchemiser.application.ports.autopilot_store import AutopilotStore
from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.clock import Clock
from alchemiser.application.ports.cycle_lock import CycleLockHeldError
from alchemiser.application.ports.halt import HaltState, HaltSwitch
from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.settings import AutopilotSettings, NotificationEvent
from alchemiser.domain.trading import MarketClock

log = logging.getLogger(__name__)

LOOKBACK_DAYS = 10
"""Missed sessions are looked for this far back (a longer outage gets one alert per session)."""
CATCH_UP_GRACE = dt.timedelta(minutes=2)
NOT_STARTED_PAUSE = dt.timedelta(seconds=60)
"""After a cycle that could not start (lock held, broker not constructible): look again then."""


@dataclass(frozen=True, slots=True)
class CycleOutcome:
    """What one cycle (the same one `alchemiser trade` runs) reports back to the scheduler."""

    run_id: str
    status: RunStatus
    trading_day: dt.date
    errors: tuple[str, ...] = ()
    """Each error as "category: message"."""


CycleRunner = Callable[[StopControl], CycleOutcome]
"""Runs one cycle under the account's cycle lock; new orders stop when the StopControl asks."""


@dataclass
class Heartbeat:
    """The loop's liveness for /healthz (in memory: it is about this process)."""

    last_tick: dt.datetime | None = None
    in_cycle: bool = False
    ticks: int = 0
    last_outcome: CycleOutcome | None = None
    notes: list[str] = field(default_factory=list)


class Autopilot:
    def __init__(
        self,
        *,
        account: str,
        clock: Clock,
        calendar: TradingCalendar,
        schedule: Schedule,
        store: AutopilotStore,
        halt: HaltSwitch,
        run_cycle: CycleRunner,
        broker_clock: Callable[[], MarketClock],
        market_data: MarketDataSource,
        dispatcher: NotificationDispatcher,
        errors: ErrorHandler,
        settings: AutopilotSettings,
        status: StatusReader,
        stop: StopControl | None = None,
    ) -> None:
        self._account = account
        self._clock = clock
        self._calendar = calendar
        self._schedule = schedule
        self._store = store
        self._halt = halt
        self._run_cycle = run_cycle
        self._broker_clock = broker_clock
        self._market_data = market_data
        self._dispatcher = dispatcher
        self._errors = errors
        self._settings = settings
        self._status = status
        self.stop = stop or StopControl()
        self.heartbeat = Heartbeat()
        self._policy = RetryPolicy(
            settings.retry_initial_seconds, settings.retry_max_seconds, settings.max_retries
        )
        self._started_at: dt.datetime | None = None
        self._first_started: dt.datetime | None = None
        self._checks = AccountChecks(
            account=account,
            store=store,
            calendar=calendar,
            market_data=market_data,
            settings=settings,
            errors=errors,
            alert=self._alert_once,
        )
        self._summary = SummarySender(
            account=account,
            store=store,
            calendar=calendar,
            schedule=schedule,
            market_data=market_data,
            dispatcher=dispatcher,
            status=status,
            settings=settings,
            errors=errors,
        )

    def halted(self) -> HaltState | None:
        return self._halt.current()

    # -- the loop -------------------------------------------------------------------------------
    def run(self, until: dt.datetime | None = None) -> None:
        """Tick until a stop is requested (or the clock reaches `until`, for tests and replays)."""
        self._start()
        while not self.stop.requested:
            now = self._clock.now()
            if until is not None and now >= until:
                return
            wake = self.tick(now)
            if self.stop.requested:
                return
            now = self._clock.now()
            limit = now + dt.timedelta(seconds=self._settings.tick_seconds)
            if until is not None:
                limit = min(limit, until)
            wait = (min(wake, limit) - now).total_seconds()
            if wait > 0:
                self._clock.sleep(wait)

    def _start(self) -> None:
        now = self._clock.now()
        self._started_at = now
        first = self._store.state(self._account, "first_started")
        if not isinstance(first, str):
            self._store.set_state(self._account, "first_started", now.isoformat(), now)
            first = now.isoformat()
        self._first_started = dt.datetime.fromisoformat(first)
        log.info("autopilot for %s started (first started %s)", self._account, first)

    def tick(self, now: dt.datetime) -> dt.datetime:
        """Do what is due at `now`; returns when the next thing is due."""
        if self._started_at is None:
            self._start()
        self.heartbeat.last_tick = now
        self.heartbeat.ticks += 1
        self._store.set_state(self._account, "heartbeat", now.isoformat(), now)
        halted = self._halt.current()
        if halted is not None:
            self._alert_once(
                halted.since.astimezone(NEW_YORK).date(),
                f"halted:{halted.since.isoformat()}",
                f"[Alchemiser] Trading halted by {halted.source}: {halted.reason}",
                f"Trading has been halted since {halted.since:%Y-%m-%d %H:%M} UTC by "
                f"{halted.source}: {halted.reason}\nNo order is placed until "
                "`alchemiser resume`; reconciliation still runs.",
                now,
            )
        self._missed_sessions(now, halted=halted is not None)
        wake = self._today(now, halted=halted is not None)
        assert self._first_started is not None
        summary_due = self._summary.send_due(now, self._first_started)
        return min(wake, summary_due)

    # -- today's cycle --------------------------------------------------------------------------
    def _today(self, now: dt.datetime, *, halted: bool) -> dt.datetime:
        window = self._schedule.today(now)
        if window is None or now >= window.last_start:
            return self._schedule.upcoming(now).run_at
        verdict = verdict_of(
            self._store, self._account, window, now=now, halted=halted, policy=self._policy
        )
        if verdict.due is None:
            if verdict.state is SessionState.MISSED:
                self._alert_missed(window, verdict, now)
            return self._schedule.upcoming(window.last_start).run_at
        if now < verdict.due:
            return verdict.due
        if not self._catching_up_allowed(window, verdict, now):
            return self._schedule.upcoming(window.last_start).run_at
        market = self._safe_broker_clock()
        if market is None or not market.is_open:
            why = "unreachable" if market is None else "says the market is closed"
            self._alert_once(
                window.day,
                "broker_closed" if market else "broker_unreachable",
                f"[Alchemiser] {window.day}: broker {why} inside the trading window",
                f"The NYSE calendar has a session on {window.day} but the broker {why} at "
                f"{now.astimezone(NEW_YORK):%H:%M} ET. The autopilot checks again each minute "
                "until the window passes; it does not trade while they disagree.",
                now,
            )
            return min(now + dt.timedelta(seconds=60), window.last_start)
        if self._run(window, now):
            return self._clock.now()  # re-evaluate at once: done, retry later, or failed
        return min(self._clock.now() + NOT_STARTED_PAUSE, window.last_start)

    def _catching_up_allowed(
        self, window: SessionWindow, verdict: Verdict, now: dt.datetime
    ) -> bool:
        if self._settings.catch_up or verdict.state is not SessionState.PENDING:
            return True
        if now <= window.run_at + CATCH_UP_GRACE or verdict.run is not None:
            return True
        self._store.mark_alert(self._account, window.day, SKIPPED_ALERT, now)
        self._alert_missed(
            window,
            Verdict(SessionState.MISSED, None, "the autopilot started too late (catch_up off)"),
            now,
        )
        return False

    def _safe_broker_clock(self) -> MarketClock | None:
        try:
            return self._broker_clock()
        except Exception as exc:  # unreachable broker: alert, try again next minute
            self._errors.handle(exc, component="autopilot")
            return None

    def _run(self, window: SessionWindow, now: dt.datetime) -> bool:
        """Run the cycle; False when it could not start (look again after a pause)."""
        self.heartbeat.in_cycle = self.stop.in_cycle = True
        log.info("autopilot: starting the cycle of %s", window.day)
        try:
            outcome = self._run_cycle(self.stop)
        except CycleLockHeldError as exc:
            record = self._errors.handle(exc, component="autopilot")
            log.warning("cycle of %s not started: %s", window.day, record.message)
            return False  # another cycle (a manual `trade`) is running: look again soon
        except Exception as exc:  # the cycle could not even start (broker construction, …)
            record = self._errors.handle(exc, component="autopilot")
            self._store.record_attempt(self._account, window.day, "-", now)
            self._alert_once(
                window.day,
                f"start_failed:{record.exception_type}",
                f"[Alchemiser] {window.day}: the cycle could not start ({record.category.value})",
                f"{record.message}\n{record.suggested_action}",
                now,
            )
            return False
        finally:
            self.heartbeat.in_cycle = self.stop.in_cycle = False
        self.heartbeat.last_outcome = outcome
        self._store.record_attempt(self._account, window.day, outcome.run_id, now)
        self._after_run(window, outcome)
        return True

    def _after_run(self, window: SessionWindow, outcome: CycleOutcome) -> None:
        now = self._clock.now()
        self._checks.prices(window, now)
        self._checks.drawdown(window, now)
        if self.stop.requested:
            return
        verdict = verdict_of(
            self._store,
            self._account,
            window,
            now=now,
            halted=self._halt.current() is not None,
            policy=self._policy,
        )
        if verdict.state is SessionState.FAILED:
            messages = "\n".join(outcome.errors)
            self._alert_once(
                window.day,
                "failed",
                f"[Alchemiser] {window.day}: run {outcome.run_id} failed, not retried",
                f"{verdict.reason}.\n{messages}\nThe autopilot does not re-run a cycle that "
                "failed for this cause; fix it and run `alchemiser trade` inside the window, "
                "or wait for the next session.",
                now,
            )

    # -- alerts ---------------------------------------------------------------------------------
    def _missed_sessions(self, now: dt.datetime, *, halted: bool) -> None:
        assert self._first_started is not None
        since = max(self._first_started, now - dt.timedelta(days=LOOKBACK_DAYS))
        for window in self._schedule.passed(since, now):
            note = self._store.session(self._account, window.day)
            if note is not None and "missed" in note.alerts:
                continue
            verdict = verdict_of(
                self._store, self._account, window, now=now, halted=halted, policy=self._policy
            )
            if verdict.state is SessionState.MISSED:
                self._alert_missed(window, verdict, now)

    def _alert_missed(self, window: SessionWindow, verdict: Verdict, now: dt.datetime) -> None:
        start = window.run_at.astimezone(NEW_YORK)
        self._alert_once(
            window.day,
            "missed",
            f"[Alchemiser] Missed session {window.day}: no completed run",
            f"The cycle of {window.day} was due at {start:%H:%M} ET and its window passed "
            f"without a completed run: {verdict.reason}. The autopilot does not trade late; "
            "the next session trades to the then-current target.",
            now,
        )

    def _alert_once(
        self, day: dt.date, kind: str, subject: str, body: str, now: dt.datetime
    ) -> None:
        if not self._store.mark_alert(self._account, day, kind, now):
            return
        log.warning("%s", subject)
        self._dispatcher.dispatch(
            [Notification(event=NotificationEvent.AUTOPILOT_ALERT, subject=subject, body=body)]
        )
