"""One rebalance of the account to a blended target (SPEC §6, §7), recorded step by step.

reconcile (the broker is the truth) → plan → SELL phase → wait until every sell is final →
re-read the account → size the buys from refreshed buying power → BUY phase → verify the final
holdings and report the residual drift → split the fills among the sleeves.

Crash safety: before anything else, `recover` finishes the bookkeeping of any run a dead process
left 'running' — every order it placed is brought to a final state (cancelled if still working)
and recorded, and its fills are attributed — so the new run plans from positions that already
contain everything that happened, and never places a second order for the same intent.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.execution import ExecutionManager, ExecutionResult, client_order_id
from alchemiser.application.execution.client_order_ids import PREFIX as CLIENT_ID_PREFIX
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.ledger import (
    Ledger,
    OrderRecord,
    PlannedOrderRecord,
    RunStatus,
    RunSummary,
)
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.attribution.deltas import sleeve_deltas
from alchemiser.domain.attribution.runs import apply_fills, attribute_fills
from alchemiser.domain.errors import DataQualityError, TradingError
from alchemiser.domain.rebalance import (
    BuySizing,
    PlannedTrade,
    PlanParameters,
    RebalancePlan,
    plan_rebalance,
    size_buys,
)
from alchemiser.domain.trading import AccountSnapshot, Order, Side, Symbol

log = logging.getLogger(__name__)

SELL, BUY, TOP_UP = "sell", "buy", "topup"
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class Target:
    """The blended target: weights of portfolio value, and each sleeve's part of each weight."""

    weights: Mapping[str, float]
    attribution: Mapping[str, Mapping[str, float]]
    keep: frozenset[str] = frozenset()
    """Failed sleeves keeping their holdings: they take part in no trade."""


@dataclass(slots=True)
class RebalanceOutcome:
    plan: RebalancePlan
    account_before: AccountSnapshot
    account_after_sells: AccountSnapshot | None = None
    account_after: AccountSnapshot | None = None
    sizing: BuySizing | None = None
    results: list[ExecutionResult] = field(default_factory=list)
    final_weights: dict[str, Decimal] = field(default_factory=dict)
    drift: dict[str, Decimal] = field(default_factory=dict)
    """Final minus target weight per symbol (targets scaled by 1 − cash reserve)."""
    notes: list[str] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    top_up: tuple[PlannedTrade, ...] = ()
    """The top-up buys planned after the first buys filled (placed in the `topup` phase)."""
    phases: dict[str, str] = field(default_factory=dict)
    """client_order_id → the phase (sell, buy, topup) that placed the order."""

    @property
    def orders(self) -> list[Order]:
        """Last snapshot of every order placed, sells first, in placement order."""
        return [order for result in self.results for order in result.orders]

    @property
    def residual_drift(self) -> Decimal:
        """The largest absolute difference between a final and a target weight."""
        return max((abs(d) for d in self.drift.values()), default=ZERO)


class RebalancingOrchestrator:
    def __init__(
        self,
        broker: Broker,
        ledger: Ledger,
        *,
        plan_parameters: PlanParameters,
        execution: ExecutionSettings,
        errors: ErrorHandler,
    ) -> None:
        self._broker = broker
        self._ledger = ledger
        self._params = plan_parameters
        self._execution = execution
        self._errors = errors

    # -- crash recovery -------------------------------------------------------------------------
    def recover(self, run_id: str, stale_runs: Sequence[RunSummary]) -> list[str]:
        """Finish what dead runs left: final orders, recorded fills, attributed sleeves."""
        notes: list[str] = []
        for stale in stale_runs:
            orders = self._settle_stale_orders(stale.run_id)
            self._attribute(stale.run_id)
            self._ledger.finish_run(
                stale.run_id,
                RunStatus.INTERRUPTED,
                dict(stale.summary) | {"recovered_by": run_id, "orders_reconciled": orders},
            )
            note = (
                f"run {stale.run_id} was interrupted; {orders} of its orders reconciled with "
                "the broker before re-planning"
            )
            notes.append(note)
            self._ledger.record_event(run_id, "recover", note, {"run_id": stale.run_id})
        ours = f"{CLIENT_ID_PREFIX}-"
        foreign = [o for o in self._broker.open_orders() if o.client_order_id.startswith(ours)]
        for order in foreign:  # placed by us, but unknown to the ledger: never leave it working
            self._broker.cancel_order(order.id)
        if foreign:
            self._broker.wait_for_update(
                [o.id for o in foreign], self._execution.settle_timeout_seconds
            )
            note = f"cancelled {len(foreign)} open order(s) left by an earlier run"
            notes.append(note)
            self._ledger.record_event(run_id, "recover", note, [o.client_order_id for o in foreign])
        return notes

    def _settle_stale_orders(self, stale_run: str) -> int:
        known = {o.client_order_id: o for o in self._ledger.orders_of(stale_run)}
        candidates = [o for o in known.values() if not o.final]
        candidates += self._unrecorded_orders(stale_run, known)
        for record in candidates:
            order = self._broker.get_order_by_client_id(record.client_order_id)
            if order is None:
                continue
            if not order.is_final:
                self._broker.cancel_order(order.id)
                self._broker.wait_for_update([order.id], self._execution.settle_timeout_seconds)
                order = self._broker.get_order(order.id)
            self._ledger.record_order(stale_run, record.phase, order)
        return len(candidates)

    def _unrecorded_orders(
        self, stale_run: str, known: Mapping[str, OrderRecord]
    ) -> list[OrderRecord]:
        """Orders the broker has under the stale run's ids that the ledger never saw (a crash
        between submission and recording). Every attempt id is looked up: an attempt refused at
        submission leaves a gap (no order) before the market fallback's attempt."""
        found: list[OrderRecord] = []
        planned = self._ledger.run_detail(stale_run).get("plan", [])
        for row in planned:
            phase, symbol = row["phase"], row["symbol"]
            for attempt in range(self._execution.limit_steps + 2):
                cid = client_order_id(stale_run, symbol, phase, attempt)
                if cid in known:
                    continue
                order = self._broker.get_order_by_client_id(cid)
                if order is not None:
                    found.append(_record_of(stale_run, phase, order))
        return found

    # -- the rebalance --------------------------------------------------------------------------
    def rebalance(self, run_id: str, target: Target, *, dry_run: bool = False) -> RebalanceOutcome:
        clock = _Stopwatch()
        account = self._reconcile(run_id, dry_run=dry_run)
        symbols = sorted(set(target.weights) | {str(p.symbol) for p in account.positions})
        prices = self._decision_prices(symbols)
        fractionable = {s: self._broker.asset(Symbol(s)).fractionable for s in symbols}
        plan = plan_rebalance(
            positions=account.positions,
            cash=account.cash,
            targets={s: w for s, w in target.weights.items() if w > 0},
            prices=prices,
            fractionable=fractionable,
            params=self._params,
        )
        book = self._ledger.load_book(self._broker.name)
        deltas = sleeve_deltas(
            target.attribution, plan.investable_value, prices, book, keep=target.keep
        )
        self._ledger.record_plan(run_id, [_planned(t) for t in plan.trades])
        prices |= self._decision_prices([s for s in deltas if s not in prices])
        self._ledger.record_sleeve_deltas(run_id, deltas, {s: prices[s] for s in deltas})
        self._ledger.record_event(
            run_id,
            "plan",
            f"{len(plan.sells)} sell(s), {len(plan.buys)} buy(s), {len(plan.skipped)} skipped; "
            f"portfolio value {plan.portfolio_value:.2f}",
            {"skipped": [(s.symbol, s.reason.value) for s in plan.skipped]},
        )
        outcome = RebalanceOutcome(plan=plan, account_before=account)
        outcome.timings["plan"] = clock.lap()
        if dry_run:
            return outcome

        outcome.results += self._phase(run_id, SELL, plan.sells, outcome)
        refreshed = self._broker.account()
        self._ledger.record_account(run_id, "after_sells", refreshed)
        outcome.account_after_sells = refreshed
        outcome.results += self._buy_phase(run_id, BUY, plan.buys, refreshed, outcome)
        # The buffer held back for price movement is spent once the first buys have filled:
        # re-plan the buys from the fresh account, so one run reaches the target.
        topped = self._broker.account()
        top_up = plan_rebalance(
            positions=topped.positions,
            cash=topped.cash,
            targets={s: w for s, w in target.weights.items() if w > 0},
            prices=self._decision_prices(symbols),
            fractionable=fractionable,
            params=replace(self._params, min_drift=ZERO),
        ).buys
        bought = {t.symbol for t in plan.buys}
        top_up = tuple(t for t in top_up if t.symbol in bought)
        if top_up and any(r.filled_qty > 0 for r in outcome.results if r.side is Side.BUY):
            self._ledger.record_plan(run_id, [_planned(t, TOP_UP) for t in top_up])
            outcome.top_up = top_up
            outcome.results += self._buy_phase(run_id, TOP_UP, top_up, topped, outcome)
        outcome.timings["execution"] = clock.lap()

        final = self._broker.account()
        self._ledger.record_account(run_id, "after", final)
        outcome.account_after = final
        outcome.final_weights, outcome.drift = self._verify(final, target)
        self._ledger.record_event(
            run_id,
            "verify",
            f"residual drift {outcome.residual_drift:.4%}",
            {s: d for s, d in outcome.drift.items() if d},
        )
        self._attribute(run_id, final)
        outcome.timings["attribution"] = clock.lap()
        return outcome

    def _reconcile(self, run_id: str, *, dry_run: bool) -> AccountSnapshot:
        """Read the account (the truth) and bring the sleeve book's totals to it (a dry run
        only reports the difference; it changes nothing)."""
        account = self._broker.account()
        self._ledger.record_account(run_id, "before", account)
        if not account.can_trade:
            raise TradingError(
                f"account {account.account_id} is blocked from trading",
                context={"account": account.account_id},
                suggested_action="Check the account's status at the broker.",
            )
        book = self._ledger.load_book(self._broker.name)
        held = {str(p.symbol): p.qty for p in account.positions}
        prices = {str(p.symbol): p.market_price for p in account.positions}
        missing = [s for s in book.totals() if s not in prices]
        if missing:
            prices |= self._decision_prices(missing)
        adjustments = book.reconcile(held, prices)
        if adjustments and not dry_run:
            self._ledger.save_book(self._broker.name, None, book, adjustments)
            self._ledger.record_event(
                run_id,
                "reconcile",
                f"sleeve book adjusted to the account in {len(adjustments)} place(s)",
                [(a.sleeve, a.symbol, a.qty) for a in adjustments],
            )
        self._ledger.record_event(
            run_id,
            "reconcile",
            f"account equity {account.equity:.2f}, cash {account.cash:.2f}, "
            f"{len(account.positions)} position(s)",
        )
        return account

    def _decision_prices(self, symbols: Sequence[str]) -> dict[str, Decimal]:
        if not symbols:
            return {}
        quotes = self._broker.quotes([Symbol(s) for s in symbols])
        prices = {str(s): q.mid for s, q in quotes.items()}
        missing = [s for s in symbols if s not in prices]
        if missing:
            raise DataQualityError(
                f"no quote for {', '.join(missing)}",
                context={"ticker": missing[0]},
                suggested_action="Check that the ticker trades at this broker.",
            )
        return prices

    def _buy_phase(
        self,
        run_id: str,
        phase: str,
        buys: Sequence[PlannedTrade],
        account: AccountSnapshot,
        outcome: RebalanceOutcome,
    ) -> list[ExecutionResult]:
        """Buys re-sized to what the broker says is spendable now, pro rata when short."""
        if not buys:
            return []
        sizing = size_buys(
            buys,
            cash=account.cash,
            buying_power=account.buying_power,
            buffer=self._params.buying_power_buffer,
            prices=self._decision_prices([t.symbol for t in buys]),
        )
        if phase == BUY:
            outcome.sizing = sizing
        if sizing.scale < 1 or sizing.dropped:
            self._note(
                run_id,
                outcome,
                phase,
                f"{phase}: buys scaled to {sizing.scale:.2%} of plan to fit spendable cash "
                f"{sizing.spendable:.2f} (cash or buying power less the "
                f"{self._params.buying_power_buffer:.1%} price buffer); "
                f"{len(sizing.dropped)} dropped",
            )
        return self._phase(run_id, phase, sizing.trades, outcome)

    def _phase(
        self,
        run_id: str,
        phase: str,
        trades: Sequence[PlannedTrade],
        outcome: RebalanceOutcome,
    ) -> list[ExecutionResult]:
        if not trades:
            return []
        self._ledger.record_event(run_id, phase, f"{phase} phase: {len(trades)} order(s)")
        manager = ExecutionManager(
            self._broker,
            self._execution,
            run_id=run_id,
            errors=self._errors,
            on_order=lambda order: self._record_order(run_id, phase, order),
        )
        results = list(manager.execute(trades, phase=phase))
        outcome.phases |= {o.client_order_id: phase for r in results for o in r.orders}
        for result in results:
            for record in result.errors:
                self._ledger.record_error(run_id, record.as_dict())
        self._settle(run_id, phase, results, outcome)
        return results

    def _record_order(self, run_id: str, phase: str, order: Order) -> None:
        self._ledger.record_order(run_id, phase, order)

    def _settle(
        self,
        run_id: str,
        phase: str,
        results: list[ExecutionResult],
        outcome: RebalanceOutcome,
    ) -> None:
        """Wait until every order of the phase is final; proceed with what settled, and say so."""
        pending = [o.id for r in results for o in r.orders if not o.is_final]
        if pending:
            self._broker.wait_for_update(pending, self._execution.settle_timeout_seconds)
            for order_id in pending:
                self._record_order(run_id, phase, self._broker.get_order(order_id))
            still = [i for i in pending if not self._broker.get_order(i).is_final]
            if still:
                self._note(
                    run_id,
                    outcome,
                    phase,
                    f"{len(still)} {phase} order(s) not final after "
                    f"{self._execution.settle_timeout_seconds:g}s; proceeding with what settled",
                )
        filled = sum(1 for r in results if r.filled_qty > 0)
        self._ledger.record_event(
            run_id,
            phase,
            f"{phase} phase settled: {filled} of {len(results)} symbol(s) filled",
            {str(r.symbol): r.status.value for r in results},
        )

    def _verify(
        self, account: AccountSnapshot, target: Target
    ) -> tuple[dict[str, Decimal], dict[str, Decimal]]:
        equity = account.equity
        final = {
            str(p.symbol): (p.market_value / equity if equity else ZERO) for p in account.positions
        }
        scale = 1 - self._params.cash_reserve
        wanted = {s: Decimal(repr(w)) * scale for s, w in target.weights.items() if w > 0}
        drift = {s: final.get(s, ZERO) - wanted.get(s, ZERO) for s in set(final) | set(wanted)}
        return final, dict(sorted(drift.items()))

    def _attribute(self, run_id: str, account: AccountSnapshot | None = None) -> None:
        """Split the run's fills among its sleeves and store the book (once per run)."""
        if self._ledger.is_attributed(run_id):
            return
        deltas, cross = self._ledger.sleeve_deltas(run_id)
        fills = self._ledger.fills_of(run_id)
        book = self._ledger.load_book(self._broker.name)
        trades = apply_fills(book, attribute_fills(deltas, cross, fills))
        if account is not None:
            held = {str(p.symbol): p.qty for p in account.positions}
            prices = {str(p.symbol): p.market_price for p in account.positions}
            prices |= {s: p for s, p in cross.items() if s not in prices}
            trades += book.reconcile(held, prices)
        self._ledger.save_book(self._broker.name, run_id, book, trades)

    def _note(self, run_id: str, outcome: RebalanceOutcome, step: str, text: str) -> None:
        outcome.notes.append(text)
        self._ledger.record_event(run_id, step, text)
        log.info(text)


def _planned(trade: PlannedTrade, phase: str | None = None) -> PlannedOrderRecord:
    return PlannedOrderRecord(
        phase=phase or (SELL if trade.side is Side.SELL else BUY),
        symbol=str(trade.symbol),
        side=trade.side.value,
        qty=trade.qty,
        price=trade.price,
        value=trade.value,
        reason="close position" if trade.closes_position else "rebalance to target",
    )


def _record_of(run_id: str, phase: str, order: Order) -> OrderRecord:
    return OrderRecord(
        run_id=run_id,
        phase=phase,
        client_order_id=order.client_order_id,
        broker_order_id=order.id,
        symbol=str(order.symbol),
        side=order.side.value,
        qty=order.qty,
        status=order.status.value,
        filled_qty=order.filled_qty,
        filled_avg_price=order.filled_avg_price,
        final=order.is_final,
    )


class _Stopwatch:
    def __init__(self) -> None:
        self._last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        return elapsed
