"""Checks after each cycle: drawdown from the equity peak and the freshness of prices.

They alert (once per session and kind) and never stop anything: the risk rules own the drawdown
breaker that halts; this is the early warning a trader wants in the inbox.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from alchemiser.application.autopilot.schedule import SessionWindow
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.ports.autopilot_store import AutopilotStore
from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.settings import AutopilotSettings

Alert = Callable[[dt.date, str, str, str, dt.datetime], None]
"""(day, kind, subject, body, now): send once per session and kind."""


class AccountChecks:
    def __init__(
        self,
        *,
        account: str,
        store: AutopilotStore,
        calendar: TradingCalendar,
        market_data: MarketDataSource,
        settings: AutopilotSettings,
        errors: ErrorHandler,
        alert: Alert,
    ) -> None:
        self._account = account
        self._store = store
        self._calendar = calendar
        self._market_data = market_data
        self._settings = settings
        self._errors = errors
        self._alert = alert

    def drawdown(self, window: SessionWindow, now: dt.datetime) -> None:
        """Alert when end-of-run equity is further below its peak than the alert level."""
        points = self._store.account_points(self._account)
        if not points:
            return
        peak = max(p.equity for p in points)
        last = points[-1].equity
        if not peak:
            return
        drawdown = float((peak - last) / peak)
        if drawdown > self._settings.drawdown_alert:
            self._alert(
                window.day,
                "drawdown",
                f"[Alchemiser] Drawdown {drawdown:.1%} below peak on {window.day}",
                f"Equity {last:,.2f} is {drawdown:.2%} below its peak {peak:,.2f} "
                f"(alert level {self._settings.drawdown_alert:.0%}).",
                now,
            )

    def prices(self, window: SessionWindow, now: dt.datetime) -> None:
        """Record the newest daily close (a status figure) and alert when it is stale."""
        try:
            history = self._market_data.history(
                ["SPY"], window.day - dt.timedelta(days=14), window.day
            )
        except Exception as exc:
            self._errors.handle(exc, component="autopilot")
            return
        if not len(history):
            return
        newest = history.last_date
        self._store.set_state(self._account, "newest_price", newest.isoformat(), now)
        expected = self._calendar.previous_session(window.day)
        behind = len(self._calendar.sessions(newest, expected)) - 1
        if behind > self._settings.stale_price_sessions - 1 and newest < expected:
            self._alert(
                window.day,
                "stale",
                f"[Alchemiser] Stale prices on {window.day}: newest close {newest}",
                f"The newest daily close from {self._market_data.name} is {newest}; the session "
                f"before today is {expected}. Decisions rest on old prices; check the source.",
                now,
            )
