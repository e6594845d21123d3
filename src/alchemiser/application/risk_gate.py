"""The risk rules in the live cycle (SPEC §14, §15): the one call between the blend and the plan.

`RiskGate` turns the broker's account, the decision prices and the ledger's equity history into
the pure pipeline's inputs, applies the target rules, plans from the adjusted target to apply the
order rules, records every intervention in the ledger (a `risk` run event), trips the halt switch
when the breaker fires, and returns the target the orchestrator then plans from. While the
account is halted it refuses to plan at all (reconciliation has already run).
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

import numpy as np
from pydantic import ValidationError

from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.equity_history import EquityHistory
from alchemiser.application.ports.halt import HaltSwitch
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.settings import RiskSettings
from alchemiser.domain.errors import ConfigurationError, DataError, TradingError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec
from alchemiser.domain.rebalance import PlanParameters, plan_rebalance
from alchemiser.domain.risk.model import (
    AccountState,
    EquityPoint,
    Intervention,
    OrderIntent,
    RiskAction,
    RiskBlockedError,
    RiskOutcome,
    RiskTarget,
)
from alchemiser.domain.risk.pipeline import RiskPipeline
from alchemiser.domain.trading import AccountSnapshot, Side

if TYPE_CHECKING:
    from alchemiser.application.rebalancing_orchestrator import Target

LastCloses = Callable[[Sequence[str], dt.date], Mapping[str, float]]
"""The close of the session before `day` per ticker (a ticker missing is not band-checked)."""


def last_closes_from(market: MarketDataSource, calendar: TradingCalendar) -> LastCloses:
    """Last closes from the market data source: the session before the decision day."""

    def closes(symbols: Sequence[str], day: dt.date) -> Mapping[str, float]:
        previous = calendar.previous_session(day)
        try:
            history = market.history(list(symbols), previous - dt.timedelta(days=10), previous)
        except DataError:
            return {}
        out: dict[str, float] = {}
        for symbol in symbols:
            if symbol in history:
                series = history.closes(symbol)
                known = series[~np.isnan(series)]
                if len(known):
                    out[symbol] = float(known[-1])
        return out

    return closes


class TradingHaltedError(TradingError):
    """The account is halted (by the operator or a risk breaker): no plan, no order."""

    default_action = "Investigate, then lift the halt with `alchemiser resume`."


@dataclass(frozen=True, slots=True)
class RiskDecision:
    """What the rules did to one run's target."""

    interventions: tuple[Intervention, ...] = ()
    halts: tuple[tuple[str, str], ...] = ()
    """(rule, reason) of each breaker that tripped the halt switch in this run."""
    halted: bool = field(default=False)
    """True when the switch was actually thrown (not in a dry run)."""

    def as_dict(self) -> dict[str, Any]:
        return {
            "interventions": [i.as_dict() for i in self.interventions],
            "halts": [{"rule": r, "reason": why} for r, why in self.halts],
            "halted": self.halted,
        }


class RiskGate:
    def __init__(
        self,
        settings: RiskSettings,
        *,
        ledger: Ledger,
        broker_name: str,
        plan_parameters: PlanParameters,
        halt: HaltSwitch | None = None,
        history: EquityHistory | None = None,
        last_closes: LastCloses | None = None,
    ) -> None:
        self._pipeline = RiskPipeline(settings.limits())
        self._ledger = ledger
        self._broker = broker_name
        self._params = plan_parameters
        self._halt = halt
        self._history = history
        self._last_closes = last_closes

    def apply(
        self,
        run_id: str,
        target: Target,
        account: AccountSnapshot,
        prices: Mapping[str, Decimal],
        fractionable: Mapping[str, bool],
        *,
        dry_run: bool = False,
    ) -> tuple[Target, RiskDecision]:
        """The adjusted target and what was done; raises TradingHaltedError while halted and
        RiskBlockedError (with the interventions and halts) when a blocking rule is breached."""
        from alchemiser.application.rebalancing_orchestrator import Target

        if not dry_run:  # a dry run places nothing: it may show what a resume would do
            self._refuse_when_halted()
        if not self._pipeline.active:
            return target, RiskDecision()
        state = self._account_state(account, prices)
        outcome = self._pipeline.apply(RiskTarget.of(target.attribution), state)
        found = list(outcome.interventions)
        adjusted = outcome.target
        if not outcome.blocking and self._pipeline.order_rules:
            adjusted, more = self._order_rules(adjusted, account, prices, fractionable, state.day)
            found += more
        halted = False
        if outcome.halts and self._halt is not None and not dry_run:
            rule, reason = outcome.halts[0]
            self._halt.halt(reason, f"risk:{rule}")
            halted = True
        decision = RiskDecision(tuple(found), outcome.halts, halted)
        if decision.interventions or decision.halts:
            self._ledger.record_event(
                run_id,
                "risk",
                f"{len(found)} risk intervention(s)"
                + (f"; halted by {outcome.halts[0][0]}" if halted else ""),
                decision.as_dict(),
            )
        blocking = tuple(i for i in found if i.action is RiskAction.BLOCK)
        if blocking:
            raise RiskBlockedError(blocking, tuple(found), outcome.halts, halted=halted)
        return (
            Target(weights=adjusted.weights, attribution=adjusted.attribution, keep=target.keep),
            decision,
        )

    def _refuse_when_halted(self) -> None:
        state = None if self._halt is None else self._halt.current()
        if state is not None:
            raise TradingHaltedError(
                f"trading is halted since {state.since:%Y-%m-%d %H:%M} UTC by {state.source}: "
                f"{state.reason}",
                context={"source": state.source},
                component="risk",
            )

    def _account_state(
        self, account: AccountSnapshot, prices: Mapping[str, Decimal]
    ) -> AccountState:
        """Holdings valued as the planner values them, as fractions of the investable value."""
        values = {
            str(p.symbol): p.qty * prices.get(str(p.symbol), p.market_price)
            for p in account.positions
        }
        value = account.cash + sum(values.values(), Decimal(0))
        investable = value * (1 - self._params.cash_reserve)
        weights = (
            {s: float(v / investable) for s, v in values.items() if v} if investable > 0 else {}
        )
        return AccountState(
            equity=float(value),
            day=(account.time or dt.datetime.now(dt.UTC)).date(),
            weights=weights,
            history=self._equity_points(),
        )

    def _equity_points(self) -> tuple[EquityPoint, ...]:
        if self._history is None:
            return ()
        records = self._history.end_of_run_equity(self._broker)
        tripped = [i for i, r in enumerate(records) if r.breaker_tripped]
        since = records[tripped[-1] :] if tripped else records
        return tuple(EquityPoint(r.day, float(r.equity)) for r in since)

    def _order_rules(
        self,
        target: RiskTarget,
        account: AccountSnapshot,
        prices: Mapping[str, Decimal],
        fractionable: Mapping[str, bool],
        day: dt.date,
    ) -> tuple[RiskTarget, list[Intervention]]:
        """Plan from the adjusted target, let the order rules cut buys, and carry each cut back
        into the target (w × (held + kept buy) / (held + planned buy)), so the plan, the top-up
        round and the verification all see the same target."""
        plan = plan_rebalance(
            positions=account.positions,
            cash=account.cash,
            targets={t: w for t, w in target.weights.items() if w > 0},
            prices=prices,
            fractionable=fractionable,
            params=self._params,
        )
        symbols = [str(t.symbol) for t in plan.trades]
        closes = self._last_closes(symbols, day) if self._last_closes and symbols else {}
        orders = [
            OrderIntent(
                ticker=str(t.symbol),
                side="buy" if t.side is Side.BUY else "sell",
                value=float(t.value),
                price=float(t.price),
                last_close=closes.get(str(t.symbol)),
            )
            for t in plan.trades
        ]
        check = self._pipeline.apply_orders(orders)
        planned = {str(t.symbol): t for t in plan.trades}
        factors: dict[str, float] = {}
        for order in check.orders:
            trade = planned[order.ticker]
            if order.side != "buy" or math.isclose(order.value, float(trade.value)):
                continue
            held = float(trade.current_value)
            wanted = held + float(trade.value)
            factors[order.ticker] = (held + order.value) / wanted if wanted > 0 else 0.0
        return target.scaled(factors), list(check.interventions)


def effective_risk(base: RiskSettings, portfolio: PortfolioSpec) -> RiskSettings:
    """The settings' limits overridden key by key by the portfolio file's `[risk]` table."""
    overrides = dict(portfolio.risk)
    if not overrides:
        return base
    data = base.model_dump()
    actions = dict(data.get("actions") or {}) | dict(overrides.pop("actions", None) or {})  # type: ignore[call-overload]
    data |= overrides
    data["actions"] = actions
    try:
        return RiskSettings.model_validate(data)
    except ValidationError as exc:
        first = ".".join(str(p) for p in exc.errors()[0]["loc"])
        raise ConfigurationError(
            f"{portfolio.source}: invalid risk setting risk.{first}: {exc.errors()[0]['msg']}",
            context={"file": portfolio.source, "key": f"risk.{first}"},
        ) from None


def preview_risk(
    attribution: Mapping[str, Mapping[str, float]], settings: RiskSettings
) -> RiskOutcome:
    """What the target rules would change in a blended target, without an account (`signal`):
    the rules that need the account (drawdown, daily loss, turnover) and the order rules are
    left to `trade`, which applies the same pipeline with them."""
    return RiskPipeline(settings.limits()).apply(RiskTarget.of(attribution))
