"""A sleeve that cannot produce today's allocation (SPEC §5): stop before any order by default,
or keep that sleeve's holdings when configured — never move it to cash by accident."""

from __future__ import annotations

from collections.abc import Callable

import pytest
import sqlalchemy as sa

from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.settings import SleeveFailurePolicy, StrategySettings
from alchemiser.domain.errors import ErrorCategory
from tests.cycle.conftest import World, fixed

Factory = Callable[..., World]


def _broker_order_count(w: World) -> int:
    with sa.create_engine(w.url).connect() as conn:
        return int(conn.execute(sa.text("select count(*) from sim_orders")).scalar_one())


def test_a_failed_sleeve_stops_the_run_before_any_order(world: Factory) -> None:
    w = world()
    w.symphonies["broken"] = fixed("broken", {"ZZZ": 1.0})  # no prices for ZZZ anywhere
    result = w.trade({"a": ({"AAA": 1.0}, 0.5), "broken": ({}, 0.5)})
    assert result.status is RunStatus.FAILED
    assert result.outcome is None
    assert _broker_order_count(w) == 0
    assert w.sim.account().cash == 100_000
    # A sleeve failure whose cause is missing prices is reported as DATA (SPEC §9).
    assert result.errors[0].category is ErrorCategory.DATA
    assert result.errors[0].exception_type == "SleeveSignalError"
    assert "broken" in result.errors[0].message
    detail = w.store.run_detail(result.run_id)
    assert detail is not None
    assert detail.run.status is RunStatus.FAILED
    assert {s.sleeve: s.ok for s in detail.signals} == {"a": True, "broken": False}
    assert detail.errors[0].category == "data"
    assert detail.plan == () and detail.orders == ()


def test_keep_policy_keeps_the_failed_sleeves_holdings(world: Factory) -> None:
    w = world(strategy=StrategySettings(on_sleeve_failure=SleeveFailurePolicy.KEEP_HOLDINGS))
    w.trade({"a": ({"AAA": 1.0}, 0.5), "b": ({"BBB": 1.0}, 0.5)})
    bbb_before = w.positions()["BBB"]
    w.symphonies["b"] = fixed("b", {"ZZZ": 1.0})  # b breaks today
    result = w.trade({"a": ({"CCC": 1.0}, 0.5), "b": ({}, 0.5)})
    assert result.status is RunStatus.COMPLETED, result.errors
    assert w.positions()["BBB"] == bbb_before  # untouched, not sold to cash
    assert "AAA" not in w.positions()
    assert w.weights() == pytest.approx({"BBB": 0.5, "CCC": 0.5}, abs=0.003)
    assert any("sleeve b failed; keeping its holdings" in n for n in result.notes)
    # Kept, but still reported (exit code, email, ledger) under its cause: missing prices → DATA.
    assert [e.category for e in result.errors] == [ErrorCategory.DATA]
    kept = w.store.run_detail(result.run_id)
    assert kept is not None and kept.errors[0].category == "data"
    assert result.outcome is not None
    assert all(o.symbol != "BBB" for o in result.outcome.orders)
    book = w.store.load_book("sim")
    assert book.sleeves["b"].holdings["BBB"].qty == bbb_before


def test_keep_policy_with_nothing_held_says_the_allocation_stays_in_cash(world: Factory) -> None:
    w = world(strategy=StrategySettings(on_sleeve_failure=SleeveFailurePolicy.KEEP_HOLDINGS))
    w.symphonies["b"] = fixed("b", {"ZZZ": 1.0})
    result = w.trade({"a": ({"AAA": 1.0}, 0.5), "b": ({}, 0.5)})
    assert result.status is RunStatus.COMPLETED, result.errors
    assert any("holds nothing" in n for n in result.notes)
    assert w.weights() == pytest.approx({"AAA": 0.5}, abs=0.003)


class EquityAtLastTrade:
    """The sim broker, but equity valued 0.5 % above the quote mids (as Alpaca values it at the
    last trade while the plan prices at the mid)."""

    def __init__(self, inner: object) -> None:
        self._inner = inner

    def __getattr__(self, name: str) -> object:
        return getattr(self._inner, name)

    def account(self) -> object:
        import dataclasses
        from decimal import Decimal

        snapshot = self._inner.account()  # type: ignore[attr-defined]
        return dataclasses.replace(snapshot, equity=snapshot.equity * Decimal("1.005"))


def test_keep_policy_with_a_shared_ticker_attributes_without_error(world: Factory) -> None:
    # a and b both hold AAA; b fails (kept) and a sells all of its AAA. Whatever the broker's
    # own equity figure, b's shares are frozen (decisions.md): the sell is exactly a's shares,
    # the run completes, and the book still equals the account.
    w = world(strategy=StrategySettings(on_sleeve_failure=SleeveFailurePolicy.KEEP_HOLDINGS))
    w.trade({"a": ({"AAA": 1.0}, 0.5), "b": ({"AAA": 1.0}, 0.5)})
    b_before = w.store.load_book("sim").sleeves["b"].holdings["AAA"].qty
    w.wrap_broker = EquityAtLastTrade
    w.reopen()
    w.symphonies["b"] = fixed("b", {"ZZZ": 1.0})  # b breaks today
    result = w.trade({"a": ({"CCC": 1.0}, 0.5), "b": ({}, 0.5)})
    assert result.status is RunStatus.COMPLETED, [e.message for e in result.errors]
    book = w.store.load_book("sim")
    assert book.totals() == w.positions()
    assert "AAA" not in book.sleeves["a"].holdings
    assert book.sleeves["b"].holdings["AAA"].qty == w.positions()["AAA"]
    assert w.positions()["AAA"] == b_before
