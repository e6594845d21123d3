"""The trading window (SPEC §7): from 15:45 ET (12:45 on early-close days) to the close."""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from typing import Any

from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.settings import ExecutionSettings
from alchemiser.application.trading_engine import trading_window
from alchemiser.domain.errors import ErrorCategory
from alchemiser.domain.trading import MarketClock
from tests.cycle.conftest import World

Factory = Callable[..., World]
EARLY = dt.datetime(2026, 11, 20, 19, 0, tzinfo=dt.UTC)  # 14:00 New York: open, before window
SLEEVES = {"a": ({"AAA": 1.0}, 1.0)}


def test_window_of_a_normal_and_an_early_close_day(world: Factory) -> None:
    calendar = world().market.calendar
    settings = ExecutionSettings()
    opens, closes = trading_window(calendar, settings, dt.date(2026, 11, 20))
    assert (opens, closes) == (
        dt.datetime(2026, 11, 20, 20, 45, tzinfo=dt.UTC),
        dt.datetime(2026, 11, 20, 21, 0, tzinfo=dt.UTC),
    )
    # The day after Thanksgiving closes at 13:00 ET: the window starts at 12:45 ET.
    opens, closes = trading_window(calendar, settings, dt.date(2026, 11, 27))
    assert opens == dt.datetime(2026, 11, 27, 17, 45, tzinfo=dt.UTC)
    assert closes == dt.datetime(2026, 11, 27, 18, 0, tzinfo=dt.UTC)
    assert trading_window(calendar, settings, dt.date(2026, 11, 21)) == (None, None)


def test_outside_the_window_the_run_is_refused_before_any_order(world: Factory) -> None:
    w = world(start=EARLY)
    result = w.trade(SLEEVES)
    assert result.status is RunStatus.REFUSED
    assert result.errors[0].category is ErrorCategory.TRADING
    assert "outside the trading window 15:45–16:00 ET" in result.errors[0].message
    assert result.signal is None and w.positions() == {}
    assert w.store.run(result.run_id).status is RunStatus.REFUSED  # type: ignore[union-attr]


def test_force_and_dry_run_go_on_and_say_so(world: Factory) -> None:
    w = world(start=EARLY)
    dry = w.trade(SLEEVES, dry_run=True)
    assert dry.status is RunStatus.DRY_RUN and w.positions() == {}
    assert dry.outcome is not None and [t.symbol for t in dry.outcome.plan.trades] == ["AAA"]
    forced = w.trade(SLEEVES, force=True)
    assert forced.status is RunStatus.COMPLETED, forced.errors
    assert any("--force" in n for n in forced.notes)
    assert "AAA" in w.positions()


class _ClockSaysClosed:
    """The broker disagrees with the NYSE calendar (e.g. an unscheduled closure)."""

    def __init__(self, broker: Any) -> None:
        self._broker = broker

    def clock(self) -> MarketClock:
        return dataclasses.replace(self._broker.clock(), is_open=False)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._broker, name)


def test_the_brokers_clock_overrules_the_calendar(world: Factory) -> None:
    w = world(wrap_broker=_ClockSaysClosed)  # the default start is inside the window
    result = w.trade(SLEEVES)
    assert result.status is RunStatus.REFUSED
    message = result.errors[0].message
    assert "inside the NYSE calendar's window 15:45–16:00 ET" in message
    assert "broker's clock says the market is closed" in message
    assert w.positions() == {}
