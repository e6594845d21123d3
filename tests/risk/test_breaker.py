"""The drawdown breaker in the live cycle (SPEC §14, §15): the simulated account falls past the
limit; the next cycle goes to cash (or refuses), halts, alerts, and trades again only after
resume. Real sim broker, real SQL ledger, real engine; the halt switch is an in-memory fake
with the port's semantics (idempotent halt, resume returns the lifted state)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal

import pytest

from alchemiser.application.notifications import run_notifications
from alchemiser.application.ports.halt import HaltState
from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.rebalancing_orchestrator import RebalancingOrchestrator
from alchemiser.application.risk_gate import RiskGate, TradingHaltedError
from alchemiser.application.services.run_result import run_result
from alchemiser.application.settings import (
    MarketDataSettings,
    NotificationEvent,
    RebalanceSettings,
    RiskSettings,
)
from alchemiser.application.trading_engine import TradingEngine
from alchemiser.domain.errors import ErrorCategory
from alchemiser.infrastructure.ledger.cycle_lock import DatabaseCycleLock
from alchemiser.infrastructure.ledger.equity_history import SqlEquityHistory
from alchemiser.infrastructure.notifications.rendering import MessageRenderer
from tests.cycle.conftest import World

pytestmark = pytest.mark.timeout(120)

SLEEVES = {"growth": ({"AAA": 1.0}, 1.0)}


class MemoryHalt:
    def __init__(self) -> None:
        self.state: HaltState | None = None
        self.calls: list[str] = []

    def current(self) -> HaltState | None:
        return self.state

    def halt(self, reason: str, source: str) -> HaltState:
        self.calls.append(source)
        if self.state is None:
            self.state = HaltState(reason, source, dt.datetime.now(dt.UTC))
        return self.state

    def resume(self) -> HaltState | None:
        lifted, self.state = self.state, None
        return lifted


def arm(w: World, risk: RiskSettings, halt: MemoryHalt) -> None:
    """Rebuild the world's engine with the risk gate wired as bootstrap wires it."""
    gate = RiskGate(
        risk,
        ledger=w.ledger,
        broker_name=w.broker.name,
        plan_parameters=w.params,
        halt=halt,
        history=SqlEquityHistory(w.store.engine),
    )
    w.orchestrator = RebalancingOrchestrator(
        w.broker,
        w.ledger,
        plan_parameters=w.params,
        execution=w.execution,
        errors=w.errors,
        risk=gate,
    )
    w.engine = TradingEngine(
        broker=w.broker,
        ledger=w.ledger,
        strategies=w.engine._strategies,
        market_data=w.market,
        calendar=w.market.calendar,
        load_symphony=w.symphonies.__getitem__,
        orchestrator=w.orchestrator,
        execution=w.execution,
        market=MarketDataSettings(),
        strategy=w.strategy,
        rebalance=RebalanceSettings(),
        errors=w.errors,
        cycle_lock=DatabaseCycleLock(w.store.engine),
    )


def fall(w: World, risk: RiskSettings, halt: MemoryHalt, price: float) -> None:
    w.market.prices["AAA"] = price
    w.reopen()  # a new process: the broker reads the new price
    arm(w, risk, halt)


@pytest.mark.parametrize("action", ["scale", "block"])
def test_breaker_trips_halts_alerts_and_waits_for_resume(
    world: Callable[..., World], action: str
) -> None:
    risk = RiskSettings(max_drawdown=0.2, actions={"drawdown_breaker": action})
    halt = MemoryHalt()
    w = world()
    arm(w, risk, halt)
    first = w.trade(SLEEVES)
    assert first.status is RunStatus.COMPLETED and not first.interventions
    assert w.positions()["AAA"] > 0

    fall(w, risk, halt, 70.0)  # 30 % below the end-of-run equity of the first cycle
    held = w.positions()["AAA"]
    tripped = w.trade(SLEEVES)
    assert [i.rule for i in tripped.interventions] == ["drawdown_breaker"]
    assert halt.state is not None and halt.state.source == "risk:drawdown_breaker"
    if action == "scale":
        assert tripped.status is RunStatus.COMPLETED
        assert "AAA" not in w.positions()  # went to cash
    else:
        assert tripped.status is RunStatus.FAILED
        assert w.positions()["AAA"] == held  # refused: nothing traded
    assert any(e.category is ErrorCategory.TRADING for e in tripped.errors)
    events = {n.event for n in run_notifications(run_result(tripped, []))}
    assert NotificationEvent.ERROR_REPORT in events  # the operator is alerted

    refused = w.trade(SLEEVES)  # still halted: no plan, no order
    assert refused.status is RunStatus.FAILED
    assert any("halted" in e.message for e in refused.errors)
    assert refused.outcome is None
    positions_while_halted = w.positions()

    assert halt.resume() is not None
    resumed = w.trade(SLEEVES)
    assert resumed.status is RunStatus.COMPLETED, [e.message for e in resumed.errors]
    assert not resumed.interventions  # the high-water mark restarts where the halt was thrown
    if action == "scale":
        assert positions_while_halted == {}
        assert w.positions()["AAA"] > 0  # trading again
    assert halt.calls == ["risk:drawdown_breaker"]


def test_halted_error_is_a_trading_error() -> None:
    assert TradingHaltedError("x").category is ErrorCategory.TRADING


def test_order_rules_cut_buys_and_the_cut_carries_into_the_target(
    world: Callable[..., World],
) -> None:
    """$100k into AAA and BBB 50/50 with at most $20k per order: each buy is cut to $20k and
    the top-up round does not buy the rest (the target itself was lowered)."""
    risk = RiskSettings(max_order_notional=Decimal("20000"), max_ticker_weight=0.6)
    w = world()
    arm(w, risk, MemoryHalt())
    result = w.trade({"growth": ({"AAA": 0.5, "BBB": 0.5}, 1.0)})
    assert result.status is RunStatus.COMPLETED, [e.message for e in result.errors]
    assert [i.rule for i in result.interventions] == ["max_order_notional"] * 2
    values = {s: float(q) * w.prices[s] for s, q in w.positions().items()}
    # bought at the ask (10 bps spread): a little under $20k of shares each
    assert values == {
        "AAA": pytest.approx(20_000, rel=2e-3),
        "BBB": pytest.approx(20_000, rel=2e-3),
    }
    assert result.outcome is not None
    assert {str(s): float(v) for s, v in result.outcome.plan.target_weights.items()} == {
        "AAA": pytest.approx(0.2),
        "BBB": pytest.approx(0.2),
    }
    # the run report shows the rules' work and compares the final weights with the traded target
    report = run_result(result, [])
    assert [i.rule for i in report.interventions] == ["max_order_notional"] * 2
    assert {w.symbol: w.target for w in report.weights} == {
        "AAA": pytest.approx(0.2),
        "BBB": pytest.approx(0.2),
    }
    [message] = [
        MessageRenderer().render(n)
        for n in run_notifications(report)
        if n.event is NotificationEvent.RUN_REPORT
    ]
    assert "RISK RULES" in message.text and 'id="risk"' in message.html
    assert "max_order_notional" in message.text
