"""One rebalance of the account to a blended target (SPEC §6, §7), recorded step by step.

reconcile (the broker is the truth) → plan → SELL phase → every sell final (cancelled and
confirmed after the settle timeout) → re-read the account → size the buys from what is spendable
→ BUY phase → end-of-run sweep → verify the final holdings and report the residual drift →
split the fills among the sleeves.

Crash safety: before any plan, `reconcile_orders` drives every order of ours at the broker to a
final state and books its fills to the run that placed it (see execution/reconciler.py), so the
new run plans from positions that already contain everything that happened, and never places a
second order for the same intent. The sweep and the bookkeeping also run when a phase fails.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.execution import ExecutionManager, ExecutionResult
from alchemiser.application.execution.reconciler import Reconciler, placeholder
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.ledger import (
    Ledger,
    PlannedOrderRecord,
    RunSummary,
)
from alchemiser.application.risk_gate import RiskDecision, RiskGate
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
from alchemiser.domain.trading import AccountSnapshot, AmbiguousSubmitError, Order, Side, Symbol

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
    risk: RiskDecision = field(default_factory=RiskDecision)
    """What the risk rules changed before the plan (SPEC §14)."""
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
        risk: RiskGate | None = None,
    ) -> None:
        self._broker = broker
        self._ledger = ledger
        self._params = plan_parameters
        self._execution = execution
        self._errors = errors
        self._risk = risk
        self._reconciler = Reconciler(broker, ledger, execution, attribute_run=self._attribute)

    # -- reconciliation (SPEC §13) ----------------------------------------------------------------
    def reconcile_orders(self, run_id: str, stale_runs: Sequence[RunSummary]) -> list[str]:
        """Before any plan: every order of ours final and booked (see Reconciler); raises a
        TradingError naming those that cannot be made final."""
        return self._reconciler.reconcile(run_id, stale_runs)

    # -- the rebalance --------------------------------------------------------------------------
    def rebalance(self, run_id: str, target: Target, *, dry_run: bool = False) -> RebalanceOutcome:
        clock = _Stopwatch()
        account = self._reconcile(run_id, dry_run=dry_run)
        symbols = sorted(set(target.weights) | {str(p.symbol) for p in account.positions})
        prices = self._decision_prices(symbols)
        fractionable = {s: self._broker.asset(Symbol(s)).fractionable for s in symbols}
        risk = RiskDecision()
        if self._risk is not None:  # SPEC §14: the risk rules, between the blend and the plan
            target, risk = self._risk.apply(
                run_id, target, account, prices, fractionable, dry_run=dry_run
            )
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
        outcome = RebalanceOutcome(plan=plan, account_before=account, risk=risk)
        outcome.timings["plan"] = clock.lap()
        if dry_run:
            return outcome

        failure: Exception | None = None
        try:
            self._execute(run_id, plan, target, outcome, symbols=symbols, fractionable=fractionable)
        except Exception as exc:  # the sweep and the bookkeeping below still run
            failure = exc
        outcome.timings["execution"] = clock.lap()
        try:
            outcome.notes += self._reconciler.sweep(run_id)
        except Exception as exc:
            failure = failure or exc
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
        if failure is not None:
            failure.outcome = outcome  # type: ignore[attr-defined]
            raise failure
        return outcome

    def _execute(
        self,
        run_id: str,
        plan: RebalancePlan,
        target: Target,
        outcome: RebalanceOutcome,
        *,
        symbols: Sequence[str],
        fractionable: Mapping[str, bool],
    ) -> None:
        """SELL phase → every sell final → BUY phase from what the final sells freed → top-up."""
        before = outcome.account_before
        budget_before = before.cash - self._holds()
        outcome.results += self._phase(run_id, SELL, plan.sells, outcome)
        refreshed = self._broker.account()
        self._ledger.record_account(run_id, "after_sells", refreshed)
        outcome.account_after_sells = refreshed
        sold = [f for f in self._ledger.fills_of(run_id) if f.side is Side.SELL]
        proceeds = sum((f.value for f in sold), ZERO)
        cap = budget_before + proceeds
        outcome.results += self._buy_phase(run_id, BUY, plan.buys, refreshed, outcome, cap=cap)
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

    def _holds(self) -> Decimal:
        """Cash held by open buy orders (any, ours or not): not spendable. Market buys are
        held at the ask plus the buying-power buffer, as brokers check them."""
        buys = [o for o in self._broker.open_orders() if o.side is Side.BUY and not o.is_final]
        market = [o for o in buys if o.limit_price is None]
        asks = self._broker.quotes([o.symbol for o in market]) if market else {}
        total = ZERO
        for order in buys:
            price = order.limit_price
            if price is None:
                quote = asks.get(order.symbol)
                price = (quote.ask if quote else ZERO) * (1 + self._params.buying_power_buffer)
            total += order.remaining_qty * price
        return total

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
        *,
        cap: Decimal | None = None,
    ) -> list[ExecutionResult]:
        """Buys re-sized to what is spendable now, pro rata when short: min(cash less the holds
        of open buy orders, the broker's buying power), and never more than `cap` (the cash
        before the run plus the proceeds of the sells that are final). Margin is never spent."""
        if not buys:
            return []
        cash = account.cash - self._holds()
        if cap is not None and cap < cash:
            self._note(
                run_id,
                outcome,
                phase,
                f"{phase}: spending only the cash before the run plus the proceeds of the final "
                f"sells ({cap:.2f}), less than the account's cash after holds ({cash:.2f})",
            )
            cash = cap
        sizing = size_buys(
            buys,
            cash=cash,
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
        try:
            results = list(manager.execute(trades, phase=phase))
        except AmbiguousSubmitError as exc:  # leave a record the next reconciliation resolves
            at = self._broker.clock().now
            self._ledger.record_order(run_id, phase, placeholder(exc.request, at))
            raise
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
        """Wait until every order of the phase is final. What is still working after the
        settle timeout is cancelled and confirmed final (its fills during the cancel count);
        an order that cannot be made final stops the run before the next phase (SPEC §7)."""
        pending = [o.id for r in results for o in r.orders if not o.is_final]
        if pending:
            self._broker.wait_for_update(pending, self._execution.settle_timeout_seconds)
            orders = [self._broker.get_order(i) for i in pending]
            late = [o for o in orders if not o.is_final]
            for order in late:
                self._broker.cancel_order(order.id)
            if late:
                self._broker.wait_for_update(
                    [o.id for o in late], self._execution.settle_timeout_seconds
                )
                orders = [self._broker.get_order(i) for i in pending]
            for order in orders:
                self._record_order(run_id, phase, order)
            still = [o for o in orders if not o.is_final]
            if still:
                raise TradingError(
                    f"{len(still)} {phase} order(s) still not final after cancel: "
                    + ", ".join(f"{o.client_order_id} ({o.symbol} {o.status})" for o in still)
                    + ("; no buys are placed" if phase == SELL else ""),
                    context={"client_order_ids": [o.client_order_id for o in still]},
                    suggested_action="Check them at the broker; the next run resolves them.",
                )
            if late:
                self._note(
                    run_id,
                    outcome,
                    phase,
                    f"{len(late)} {phase} order(s) not final after "
                    f"{self._execution.settle_timeout_seconds:g}s were cancelled and confirmed; "
                    + (
                        "buys use only the proceeds of the sells that are final"
                        if phase == SELL
                        else "the run continues with what filled"
                    ),
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


class _Stopwatch:
    def __init__(self) -> None:
        self._last = time.perf_counter()

    def lap(self) -> float:
        now = time.perf_counter()
        elapsed, self._last = now - self._last, now
        return elapsed
