"""Issue 11: the broker is the truth and the ledger follows it (SPEC §7, §13).

Each test scripts one hole of the first version on the real simulated broker, ledger and engine:
an order left working by a finished run, a cancel that never confirms, open-order holds in a
margin account, a sell that is not final when the buys would start, a plan refused in full, a
submit whose fate is unknown.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

import pytest

from alchemiser.application.execution.client_order_ids import client_order_id
from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.trading import OrderRequest, OrderStatus, OrderType, Side, Symbol
from alchemiser.infrastructure.sim_broker import FailCalls, RejectOrders, SimBrokerConfig
from tests.cycle.conftest import World

Factory = Callable[..., World]
D = Decimal
FAST = ExecutionSettings(
    limit_steps=2, step_wait_seconds=2.0, settle_timeout_seconds=10.0, reconcile_wait_seconds=2.0
)
ALL_AAA = {"a": ({"AAA": 1.0}, 1.0)}


def _ours_open(w: World) -> list[str]:
    return [o.client_order_id for o in w.sim.open_orders() if o.client_order_id.startswith("alc-")]


def _ledger_fills(w: World) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for run in w.store.runs(100):
        for f in w.store.fills_of(run.run_id):
            found[f.client_order_id] = found.get(f.client_order_id, D(0)) + f.qty
    return found


def _broker_fills(w: World) -> dict[str, Decimal]:
    found: dict[str, Decimal] = {}
    for f in w.sim.fills():
        found[f.client_order_id] = found.get(f.client_order_id, D(0)) + f.qty
    return found


def _rest(w: World, cid: str, symbol: str, qty: str, limit: str) -> None:
    """An order resting at the broker that the ledger never recorded."""
    w.sim.submit_order(
        OrderRequest(cid, Symbol(symbol), Side.BUY, D(qty), OrderType.LIMIT, D(limit))
    )


@pytest.mark.timeout(120)
def test_an_order_left_working_by_a_finished_run_is_cancelled_and_its_fill_booked(
    world: Factory,
) -> None:
    """A finished run's order still rests; the next run's cancel is pending for 3 s and half of
    the order fills meanwhile. The fill is booked once, to the run that placed it."""
    w = world(
        config=SimBrokerConfig(
            cancel_latency_seconds=3.0,
            cancel_fill_ratio=D("0.5"),
            passive_fill_probability=D(0),
            margin_multiplier=D(2),  # the resting order needs buying power beyond the cash
        ),
        execution=FAST,
    )
    first = w.trade(ALL_AAA)
    assert first.status is RunStatus.COMPLETED, first.errors
    left = client_order_id(first.run_id, "BBB", "buy", 7)
    _rest(w, left, "BBB", "100", "49.00")  # below the bid: it rests
    w.reopen()
    second = w.trade(ALL_AAA)
    assert second.status is RunStatus.COMPLETED, second.errors
    assert _ours_open(w) == []
    assert _broker_fills(w)[left] == D(50)
    assert _ledger_fills(w) == _broker_fills(w)
    (record,) = [o for o in w.store.orders_of(first.run_id) if o.client_order_id == left]
    assert record.final and record.filled_qty == D(50)
    assert any(left in note for note in second.notes)
    # the 50 BBB nobody asked for were sold back by the second run's plan
    assert "BBB" not in w.positions()
    book = w.store.load_book("sim")
    assert book.totals() == w.positions()


@pytest.mark.timeout(120)
def test_no_plan_while_an_order_of_ours_cannot_be_made_final(world: Factory) -> None:
    w = world(
        config=SimBrokerConfig(cancel_latency_seconds=100_000, passive_fill_probability=D(0)),
        execution=FAST,
    )
    first = w.trade(ALL_AAA)
    left = client_order_id(first.run_id, "BBB", "buy", 7)
    _rest(w, left, "BBB", "10", "49.00")
    w.reopen()
    second = w.trade({"a": ({"CCC": 1.0}, 1.0)})
    assert second.status is RunStatus.FAILED
    (error,) = second.errors
    assert error.category is ErrorCategory.TRADING and left in error.message
    assert w.store.orders_of(second.run_id) == []  # nothing planned, nothing placed
    assert w.store.planned_orders(second.run_id) == []


@pytest.mark.timeout(120)
def test_open_order_holds_are_not_spendable_in_a_margin_account(world: Factory) -> None:
    """Margin ×2, 100k cash, someone's (not ours) buy limit holds 300 × 90 = 27,000. Spendable
    is 73,000, not min(cash, buying power) = 100,000: a margin multiplier never makes cash."""
    w = world(config=SimBrokerConfig(margin_multiplier=D(2)), execution=FAST)
    w.sim.submit_order(
        OrderRequest("manual-1", Symbol("AAA"), Side.BUY, D(300), OrderType.LIMIT, D(90))
    )
    result = w.trade({"a": ({"BBB": 1.0}, 1.0)})
    account = w.sim.account()
    assert account.cash >= D(27_000)  # the held cash was not spent
    assert [o.client_order_id for o in w.sim.open_orders()] == ["manual-1"]  # not ours: kept
    assert result.status is RunStatus.PARTIAL  # 73 % of the target is all the cash allows


@pytest.mark.timeout(120)
def test_the_sweep_leaves_nothing_of_ours_working_and_books_late_fills(world: Factory) -> None:
    """Cancels take 25 s to confirm, longer than the ladder and the settle wait (10 s each):
    the run stops, but its sweep waits the cancels out and books their fills."""
    w = world(
        config=SimBrokerConfig(
            cancel_latency_seconds=25.0,
            cancel_fill_ratio=D("0.5"),
            passive_fill_probability=D(0),
        ),
        execution=FAST,
    )
    result = w.trade(ALL_AAA)
    assert result.status in (RunStatus.PARTIAL, RunStatus.FAILED)
    assert _ours_open(w) == []
    assert _ledger_fills(w) == _broker_fills(w)
    assert w.positions()["AAA"] > 0  # fills during the pending cancel are fills


@pytest.mark.timeout(120)
def test_no_buy_while_a_sell_is_not_final(world: Factory) -> None:
    w = world(config=SimBrokerConfig(passive_fill_probability=D(0)), execution=FAST)
    assert w.trade(ALL_AAA).status is RunStatus.COMPLETED
    w.config = SimBrokerConfig(cancel_latency_seconds=100_000, passive_fill_probability=D(0))
    w.reopen()
    result = w.trade({"a": ({"BBB": 1.0}, 1.0)})
    assert result.status is RunStatus.FAILED
    placed = w.store.orders_of(result.run_id)
    assert placed and all(o.side == "sell" for o in placed)  # not a single buy
    assert any("no buys are placed" in e.message for e in result.errors)


@pytest.mark.timeout(120)
def test_a_run_whose_every_order_was_refused_is_not_completed(world: Factory) -> None:
    w = world(config=SimBrokerConfig(faults=(RejectOrders(count=99),)), execution=FAST)
    result = w.trade({"a": ({"AAA": 0.5, "BBB": 0.5}, 1.0)})
    assert result.status is RunStatus.FAILED
    assert result.errors and result.errors[0].category is ErrorCategory.TRADING
    assert w.positions() == {}


@pytest.mark.timeout(120)
def test_an_unknown_submit_stops_the_run_and_the_next_run_resolves_it(world: Factory) -> None:
    """The submit reached the broker but the answer was lost, and the look-ups failed too. The
    run stops (CRITICAL) after recording the id; the next run finds the order, books its fill
    to the first run and does not buy it again."""
    w = world(
        config=SimBrokerConfig(
            faults=(
                FailCalls("submit_order", count=1, after_effect=True),
                # the run's 4 look-ups, then its sweep's 3 × 3 tries
                FailCalls("get_order_by_client_id", count=13),
            )
        ),
        execution=FAST,
    )
    first = w.trade({"a": ({"AAA": 0.5, "BBB": 0.5}, 1.0)})
    assert first.status in (RunStatus.FAILED, RunStatus.PARTIAL)
    assert first.errors[0].category is ErrorCategory.CRITICAL
    unknown = [o for o in w.store.orders_of(first.run_id) if o.broker_order_id == "unknown"]
    assert len(unknown) == 1
    assert len(w.sim.fills()) == 1  # the one order, filled at the broker
    w.config = SimBrokerConfig()
    w.reopen()
    second = w.trade({"a": ({"AAA": 0.5, "BBB": 0.5}, 1.0)})
    assert second.status is RunStatus.COMPLETED, second.errors
    assert _ledger_fills(w) == _broker_fills(w)
    (resolved,) = [
        o
        for o in w.store.orders_of(first.run_id)
        if o.client_order_id == unknown[0].client_order_id
    ]
    assert resolved.final and resolved.status == OrderStatus.FILLED.value
    assert w.weights() == pytest.approx({"AAA": 0.5, "BBB": 0.5}, abs=0.01)
