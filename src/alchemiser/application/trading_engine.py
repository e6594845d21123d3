"""The daily trading cycle, top to bottom (SPEC §7).

take the account's cycle lock → start the run → trading window → reconcile every order of ours
with the broker → halt check → signals → failed-sleeve policy → data-quality gate → rebalance
(sell, settle, buy, sweep, verify, attribute) → finish the run with a status that says whether
the target was reached.

Every failure goes through the ErrorHandler and into the ledger, and ends the run: a cycle is
never re-run automatically (only single idempotent broker calls are retried, inside execution).
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from alchemiser.application.error_handler import ErrorHandler, ErrorRecord
from alchemiser.application.execution import ExecutionStatus
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.cycle_lock import CycleLock, CycleLockHeldError
from alchemiser.application.ports.halt import HaltSwitch
from alchemiser.application.ports.ledger import (
    CycleWrites,
    Ledger,
    RunInfo,
    RunStatus,
    RunSummary,
    SleeveSignalRecord,
)
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.rebalancing_orchestrator import (
    RebalanceOutcome,
    RebalancingOrchestrator,
    Target,
)
from alchemiser.application.run_context import current_run_id, new_run_id
from alchemiser.application.settings import (
    ExecutionSettings,
    MarketDataSettings,
    RebalanceSettings,
    SleeveFailurePolicy,
    StrategySettings,
)
from alchemiser.application.strategy_manager import PortfolioSignal, StrategyManager
from alchemiser.domain.attribution.runs import keep_failed_sleeves
from alchemiser.domain.errors import (
    DataQualityError,
    MarketClosedError,
    TradingError,
    TradingHaltedError,
)
from alchemiser.domain.market.quality import check_quality, enforce
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.risk.model import Intervention, RiskBlockedError
from alchemiser.domain.symphony.evaluator import required_tickers
from alchemiser.domain.symphony.tree import Symphony
from alchemiser.domain.trading import MarketClock, Symbol

NEW_YORK = ZoneInfo("America/New_York")
QUALITY_LOOKBACK_DAYS = 45
"""The quality gate checks the recent prices a decision rests on (gaps, staleness, jumps)."""


@dataclass(frozen=True, slots=True)
class CycleRequest:
    portfolio: PortfolioSpec
    mode: str
    """sim, paper or live."""
    config: Mapping[str, Any]
    """The effective settings, secrets masked, stored with the run."""
    dry_run: bool = False
    force: bool = False


@dataclass(slots=True)
class CycleResult:
    run_id: str
    mode: str
    broker: str
    data_source: str
    synthetic: bool
    trading_day: dt.date
    started_at: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))
    status: RunStatus = RunStatus.RUNNING
    signal: PortfolioSignal | None = None
    target: Target | None = None
    outcome: RebalanceOutcome | None = None
    errors: list[ErrorRecord] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    interventions: list[Intervention] = field(default_factory=list)
    """What the risk rules changed or refused (SPEC §14), in rule order."""
    risk_halts: list[tuple[str, str]] = field(default_factory=list)
    """(rule, reason) of each breaker that tripped in this run."""
    risk_halted: bool = False
    """The halt switch was thrown by this run (the breaker's high-water mark restarts here)."""


class TradingEngine:
    def __init__(
        self,
        *,
        broker: Broker,
        ledger: Ledger,
        strategies: StrategyManager,
        market_data: MarketDataSource,
        calendar: TradingCalendar,
        load_symphony: Callable[[str], Symphony],
        orchestrator: RebalancingOrchestrator,
        execution: ExecutionSettings,
        market: MarketDataSettings,
        strategy: StrategySettings,
        rebalance: RebalanceSettings,
        errors: ErrorHandler,
        cycle_lock: CycleLock,
        halt: HaltSwitch | None = None,
    ) -> None:
        self._broker = broker
        self._cycle_lock = cycle_lock
        self._ledger = ledger
        self._strategies = strategies
        self._market_data = market_data
        self._calendar = calendar
        self._load_symphony = load_symphony
        self._orchestrator = orchestrator
        self._execution = execution
        self._market = market
        self._strategy = strategy
        self._cash_reserve = Decimal(repr(rebalance.cash_reserve))
        self._errors = errors
        self._halt = halt

    def run(self, request: CycleRequest) -> CycleResult:
        """One cycle under the account's lock (SPEC §13): a second cycle started while this one
        runs is refused before it touches the broker, and recorded as refused."""
        run_id = new_run_id()
        token = current_run_id.set(run_id)
        try:
            with self._cycle_lock.hold(self._broker.name, f"run {run_id}"):
                return self._cycle(run_id, request)
        except CycleLockHeldError as exc:
            return self._refused(run_id, request, exc)
        finally:
            current_run_id.reset(token)

    def _cycle(self, run_id: str, request: CycleRequest) -> CycleResult:
        clock = self._broker.clock()
        result = CycleResult(
            run_id=run_id,
            mode=request.mode,
            broker=self._broker.name,
            data_source=self._market_data.name,
            synthetic=self._market_data.synthetic,
            trading_day=clock.now.astimezone(NEW_YORK).date(),
        )
        stale = self._stale_runs()
        self._start_run(
            run_id, request, result, stale[-1].run_id if stale and not request.dry_run else None
        )
        started = time.perf_counter()
        try:
            self._check_trading_window(run_id, clock, request, result)
            if not request.dry_run:  # SPEC §13: every order of ours final and booked first
                result.notes += self._orchestrator.reconcile_orders(run_id, stale)
            self._check_halt(run_id, request, result)
            result.signal = self._signals(run_id, request.portfolio, result)
            result.target = self._target(run_id, result.signal, result)
            self._quality_gate(request.portfolio, result.signal, result.trading_day)
            result.outcome = self._orchestrator.rebalance(
                run_id, result.target, dry_run=request.dry_run
            )
            result.notes += result.outcome.notes
            risk = result.outcome.risk
            self._risk_outcome(run_id, result, risk.interventions, risk.halts, risk.halted)
            self._collect_execution_errors(result.outcome, result)
            result.timings |= result.outcome.timings
            if request.dry_run:
                result.status = RunStatus.DRY_RUN
            else:
                result.status = self._judge(run_id, result.outcome, result)
        except (MarketClosedError, TradingHaltedError) as exc:
            result.status = RunStatus.REFUSED
            self._record_failure(run_id, exc, result)
        except RiskBlockedError as exc:  # stopped before any order (SPEC §14)
            result.status = RunStatus.FAILED
            self._record_failure(run_id, exc, result)
            self._risk_outcome(run_id, result, exc.interventions, exc.halts, exc.halted)
        except Exception as exc:  # every failure is recorded and ends the run; never retried
            result.outcome = getattr(exc, "outcome", None) or result.outcome
            traded = result.outcome is not None and any(
                r.filled_qty > 0 for r in result.outcome.results
            )
            result.status = RunStatus.PARTIAL if traded else RunStatus.FAILED
            self._record_failure(run_id, exc, result)
        result.timings["total"] = time.perf_counter() - started
        self._ledger.finish_run(run_id, result.status, _summary(result))
        return result

    def _refused(self, run_id: str, request: CycleRequest, exc: CycleLockHeldError) -> CycleResult:
        """Another cycle holds the lock: record this one as refused (no broker call made), in
        one transaction. Never visible as 'running': the holder's crash recovery takes every
        running run of this broker for a dead process's, and would close this live one as
        interrupted (and name it as the run it resumed)."""
        result = CycleResult(
            run_id=run_id,
            mode=request.mode,
            broker=self._broker.name,
            data_source=self._market_data.name,
            synthetic=self._market_data.synthetic,
            trading_day=dt.datetime.now(NEW_YORK).date(),
            status=RunStatus.REFUSED,
        )
        with self._ledger.unit_of_work() as uow:
            uow.start_run(self._run_info(run_id, request, result, None))
            self._record_failure(run_id, exc, result, writes=uow)
            uow.finish_run(run_id, result.status, _summary(result))
        return result

    # -- steps ----------------------------------------------------------------------------------
    def _start_run(
        self, run_id: str, request: CycleRequest, result: CycleResult, resumed_from: str | None
    ) -> None:
        self._ledger.start_run(self._run_info(run_id, request, result, resumed_from))

    def _run_info(
        self, run_id: str, request: CycleRequest, result: CycleResult, resumed_from: str | None
    ) -> RunInfo:
        return RunInfo(
            run_id=run_id,
            trading_day=result.trading_day,
            mode=request.mode,
            broker=self._broker.name,
            data_source=self._market_data.name,
            started_at=result.started_at,
            config=dict(request.config) | {"process": _process()},
            resumed_from=resumed_from,
        )

    def _check_trading_window(
        self, run_id: str, clock: MarketClock, request: CycleRequest, result: CycleResult
    ) -> None:
        """Trade only from the window start (ET; earlier on early-close days) to the close."""
        opens, closes = trading_window(self._calendar, self._execution, result.trading_day)
        inside = opens is not None and closes is not None and opens <= clock.now < closes
        if inside and clock.is_open:
            return
        if opens is None or closes is None:
            where = "not a trading session"
        elif not inside:
            where = f"outside the trading window {_et(opens)}–{_et(closes)} ET"
        else:  # SPEC §8.4: the calendar is cross-checked with the broker's clock
            where = (
                f"inside the NYSE calendar's window {_et(opens)}–{_et(closes)} ET, but the "
                "broker's clock says the market is closed (a halt, or a closure the calendar "
                "package does not know)"
            )
        message = f"{result.trading_day}: {where} (broker time {_et(clock.now)} ET)"
        if request.dry_run or request.force:
            flag = "--dry-run" if request.dry_run else "--force"
            note = f"{message}; continuing because of {flag}"
            result.notes.append(note)
            self._ledger.record_event(run_id, "market_hours", note)
            return
        raise MarketClosedError(
            message,
            context={
                "broker_time": clock.now.isoformat(),
                "window_start": self._execution.window_start,
            },
            suggested_action="Run inside the trading window, or pass --force to trade anyway.",
        )

    def _check_halt(self, run_id: str, request: CycleRequest, result: CycleResult) -> None:
        """The kill switch (SPEC §15): checked after reconciliation, before any plan, so a
        halted account still has its orders driven to a final state but gets no new one."""
        state = self._halt.current() if self._halt is not None else None
        if state is None:
            return
        message = (
            f"trading is halted since {state.since:%Y-%m-%d %H:%M} UTC by {state.source}: "
            f"{state.reason}"
        )
        if request.dry_run:
            note = f"{message}; a dry run places no order, continuing"
            result.notes.append(note)
            self._ledger.record_event(run_id, "halt", note)
            return
        raise TradingHaltedError(
            message,
            context={"halted_by": state.source, "since": state.since.isoformat()},
            suggested_action="`alchemiser resume` lifts the halt once the cause is dealt with.",
        )

    def _stale_runs(self) -> list[RunSummary]:
        """Runs of this broker still marked running: their process died (crashed or killed).
        Certain, not guessed: a live cycle would hold the lock this one holds now."""
        return [r for r in self._ledger.unfinished_runs() if r.broker == self._broker.name]

    def _signals(
        self, run_id: str, portfolio: PortfolioSpec, result: CycleResult
    ) -> PortfolioSignal:
        started = time.perf_counter()
        live = result.trading_day if self._market.use_live_price else None
        signal = self._strategies.signal(portfolio, live_date=live)
        records = [
            SleeveSignalRecord(
                sleeve=s.sleeve,
                allocation=s.allocation,
                ok=True,
                weights=dict(s.weights),
                explanation=[step.as_dict() for step in s.explanation],
            )
            for s in signal.sleeves.values()
        ] + [
            SleeveSignalRecord(
                sleeve=name,
                allocation=signal.allocations[name],
                ok=False,
                weights={},
                explanation=[step.as_dict() for step in error.explanation],
                error=error.message,
            )
            for name, error in signal.errors.items()
        ]
        self._ledger.record_signals(run_id, records)
        result.timings["signal"] = time.perf_counter() - started
        return signal

    def _target(self, run_id: str, signal: PortfolioSignal, result: CycleResult) -> Target:
        """The blend; a failed sleeve stops the run (default) or keeps its current holdings."""
        if signal.errors and self._strategy.on_sleeve_failure is SleeveFailurePolicy.STOP:
            signal.raise_on_failure()
        weights = dict(signal.target.weights)
        attribution = {t: dict(by) for t, by in signal.target.attribution.items()}
        if signal.errors:
            for error in signal.errors.values():  # reported (exit code, email), not fatal
                record = self._errors.handle(error, component="strategy_manager")
                result.errors.append(record)
                self._ledger.record_error(run_id, record.as_dict())
            weights, attribution = self._keep_failed_sleeves(run_id, signal, attribution, result)
        target = Target(weights=weights, attribution=attribution, keep=frozenset(signal.errors))
        self._ledger.record_target(run_id, target.weights, target.attribution)
        return target

    def _keep_failed_sleeves(
        self,
        run_id: str,
        signal: PortfolioSignal,
        attribution: dict[str, dict[str, float]],
        result: CycleResult,
    ) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
        """Each failed sleeve's holdings frozen at their value today (see keep_failed_sleeves)."""
        book = self._ledger.load_book(self._broker.name)
        failed = list(signal.errors)
        held = {name: book.sleeves[name].holdings for name in failed if name in book.sleeves}
        account = self._broker.account()
        symbols = sorted(
            {sym for holdings in held.values() for sym in holdings}
            | {str(p.symbol) for p in account.positions}
        )
        quotes = self._broker.quotes([Symbol(s) for s in symbols]) if symbols else {}
        missing = [s for s in symbols if s not in quotes]
        if missing:
            raise DataQualityError(
                f"no quote for {', '.join(missing)} to value the kept holdings",
                context={"ticker": missing[0]},
                suggested_action="Check that the ticker trades at this broker.",
            )
        # Valued as the plan values the account (cash + Σ qty × mid), not at the broker's
        # equity: any difference would make the plan sell part of the frozen shares.
        value = account.cash + sum(
            (p.qty * quotes[p.symbol].mid for p in account.positions), Decimal(0)
        )
        investable = value * (1 - self._cash_reserve)
        kept: dict[str, dict[str, float]] = {}
        for name in failed:
            kept[name] = {
                sym: float(h.qty * quotes[Symbol(sym)].mid / investable)
                for sym, h in held.get(name, {}).items()
            }
        weights, merged = keep_failed_sleeves(attribution, signal.allocations, kept)
        for name, by_symbol in kept.items():
            note = (
                f"sleeve {name} failed; keeping its holdings ({_fmt(by_symbol)} of investable)"
                if by_symbol
                else f"sleeve {name} failed and holds nothing; its allocation stays in cash"
            )
            result.notes.append(note)
            self._ledger.record_event(run_id, "signals", note)
        return weights, merged

    def _quality_gate(
        self, portfolio: PortfolioSpec, signal: PortfolioSignal, day: dt.date
    ) -> None:
        """Refuse to trade on stale, gappy, non-positive or jumping prices (SPEC §8.2), for the
        tickers of every sleeve whose signal is traded today."""
        traded = [s for s in portfolio.sleeves if s.name in signal.sleeves]
        symphonies = [self._load_symphony(s.symphony) for s in traded]
        tickers = sorted({t for symphony in symphonies for t in required_tickers(symphony)})
        start = day - dt.timedelta(days=QUALITY_LOOKBACK_DAYS)
        history = self._market_data.history(tickers, start, day)
        problems = check_quality(
            history,
            expected_last_session=self._calendar.previous_session(day),
            sessions=self._calendar.sessions(start, day),
            max_daily_move=self._market.max_daily_move,
        )
        enforce(problems, trading=True)

    def _risk_outcome(
        self,
        run_id: str,
        result: CycleResult,
        interventions: tuple[Intervention, ...],
        halts: tuple[tuple[str, str], ...],
        halted: bool,
    ) -> None:
        """Interventions go into the result (JSON, report); a tripped breaker is also a
        TRADING error record, so the error report alerts the operator (SPEC §9, §14)."""
        result.interventions = list(interventions)
        result.risk_halted = halted
        for rule, reason in halts:
            result.risk_halts.append((rule, reason))
            error = TradingError(
                f"risk {rule} tripped: {reason}",
                context={"rule": rule},
                suggested_action="Investigate, then `alchemiser resume` to trade again.",
                component="risk",
            )
            self._record_failure(run_id, error, result)

    def _collect_execution_errors(self, outcome: RebalanceOutcome, result: CycleResult) -> None:
        """A symbol that did not trade as planned is a run error (TRADING exit code); an error
        the ladder recovered from (a rejected limit, then filled at market) is only a note.
        Both are already in the ledger."""
        for execution in outcome.results:
            if execution.status in (ExecutionStatus.FILLED, ExecutionStatus.SKIPPED):
                result.notes += [f"{e.message} (recovered)" for e in execution.errors]
            else:
                result.errors += execution.errors

    def _judge(self, run_id: str, outcome: RebalanceOutcome, result: CycleResult) -> RunStatus:
        """`completed` only when every weight is within the tolerance of its target; otherwise
        `partial` (something traded) or `failed` (nothing did, e.g. every order refused), with
        a TRADING error so the exit code says so."""
        tolerance = Decimal(repr(self._execution.completion_tolerance))
        drift = outcome.residual_drift
        if drift <= tolerance:
            return RunStatus.COMPLETED
        traded = any(r.filled_qty > 0 for r in outcome.results)
        worst = max(outcome.drift, key=lambda s: abs(outcome.drift[s]))
        self._record_failure(
            run_id,
            TradingError(
                f"the account did not reach the target: {worst} is {outcome.drift[worst]:+.2%} "
                f"from its target weight (tolerance {tolerance:.2%}); "
                f"{sum(1 for r in outcome.results if r.filled_qty > 0)} of "
                f"{len(outcome.results)} trade(s) filled",
                context={"ticker": worst, "residual_drift": str(drift)},
                suggested_action="Read the run's errors; the next run re-plans from the account.",
            ),
            result,
        )
        return RunStatus.PARTIAL if traded else RunStatus.FAILED

    def _record_failure(
        self,
        run_id: str,
        exc: Exception,
        result: CycleResult,
        *,
        writes: CycleWrites | None = None,
    ) -> None:
        """Handle the error (log, alert), keep it on the result and in the ledger; `writes`: a
        unit of work it belongs to (default: its own)."""
        record = self._errors.handle(exc, component="trading_engine")
        result.errors.append(record)
        (writes or self._ledger).record_error(run_id, record.as_dict())


def trading_window(
    calendar: TradingCalendar, execution: ExecutionSettings, day: dt.date
) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(window start, close) of `day` as aware UTC datetimes; (None, None) on a non-session."""
    if not calendar.is_session(day):
        return None, None
    start = (
        execution.early_close_window_start
        if calendar.is_early_close(day)
        else execution.window_start
    )
    hours, minutes = (int(p) for p in start.split(":"))
    opens = dt.datetime.combine(day, dt.time(hours, minutes), tzinfo=NEW_YORK)
    return opens.astimezone(dt.UTC), calendar.close_time(day)


def _summary(result: CycleResult) -> dict[str, Any]:
    outcome = result.outcome
    return {
        "notes": result.notes,
        "errors": [e.message for e in result.errors],
        "orders": len(outcome.orders) if outcome else 0,
        "residual_drift": (
            str(outcome.residual_drift) if outcome and outcome.account_after else None
        ),
        "timings": result.timings,
        "interventions": [i.as_dict() for i in result.interventions],
        "risk": {"halted": result.risk_halted, "halts": [r for r, _ in result.risk_halts]},
    }


def _process() -> dict[str, Any]:
    return {"pid": os.getpid(), "host": socket.gethostname()}


def _et(moment: dt.datetime | None) -> str:
    return "-" if moment is None else moment.astimezone(NEW_YORK).strftime("%H:%M")


def _fmt(weights: Mapping[str, float]) -> str:
    return ", ".join(f"{s} {w:.1%}" for s, w in sorted(weights.items()))
