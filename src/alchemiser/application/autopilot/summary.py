"""The daily summary after the close: each sleeve's and the account's day and to-date P&L, and SPY
over the same days.

Sources, all from the ledger except SPY: the account's equity at the end of each run; a sleeve's
to-date P&L is its realised plus unrealised P&L at the last end-of-run prices, and its day P&L
is that figure minus the one the previous summary recorded (so the numbers add up day to day).
The account's to-date P&L is measured from the equity before the first run the ledger holds; SPY
from the close of the session before that run's day. Deposits and withdrawals are not known to
the ledger and would show as P&L (said in the summary).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import numpy as np

from alchemiser.application.autopilot.schedule import Schedule
from alchemiser.application.autopilot.status import SleeveStatus, StatusReader
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import Notification, NotificationDispatcher
from alchemiser.application.ports.autopilot_store import AccountPoint, AutopilotStore
from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.settings import AutopilotSettings, NotificationEvent
from alchemiser.domain.market.price_history import PriceHistory


@dataclass(frozen=True, slots=True)
class DailySummary:
    day: dt.date
    subject: str
    lines: list[str]
    data: dict[str, Any]


def _close_on_or_before(history: PriceHistory | None, day: dt.date) -> float | None:
    if history is None or "SPY" not in history or not len(history):
        return None
    dates = history.dates
    closes = history.closes("SPY")
    mask = (dates <= np.datetime64(day, "D")) & ~np.isnan(closes)
    if not mask.any():
        return None
    return float(closes[mask][-1])


def _ret(now: float | None, then: float | None) -> float | None:
    if now is None or then is None or then == 0:
        return None
    return now / then - 1


def build_summary(
    *,
    day: dt.date,
    previous_session: dt.date,
    before_points: Sequence[AccountPoint],
    after_points: Sequence[AccountPoint],
    sleeves: Sequence[SleeveStatus],
    previous: Mapping[str, Any] | None,
    spy: PriceHistory | None,
    first_day_before: dt.date | None,
) -> DailySummary | None:
    """The summary of `day`, or None when the ledger holds no run yet."""
    upto = [p for p in after_points if p.trading_day <= day]
    if not upto or not before_points:
        return None
    equity = upto[-1].equity
    base = before_points[0].equity
    earlier = [p for p in after_points if p.trading_day < day]
    todays_before = [p for p in before_points if p.trading_day == day]
    day_base = (
        earlier[-1].equity if earlier else (todays_before[0].equity if todays_before else base)
    )
    account = {
        "equity": float(equity),
        "day_pnl": float(equity - day_base),
        "to_date_pnl": float(equity - base),
        "day_return": float(equity / day_base - 1) if day_base else None,
        "to_date_return": float(equity / base - 1) if base else None,
    }
    spy_now = _close_on_or_before(spy, day)
    spy_data = {
        "close": spy_now,
        "day_return": _ret(spy_now, _close_on_or_before(spy, previous_session)),
        "to_date_return": _ret(spy_now, _close_on_or_before(spy, first_day_before))
        if first_day_before
        else None,
    }
    before = (previous or {}).get("sleeves", {}) if previous else {}
    sleeve_data: dict[str, dict[str, float | None]] = {}
    for sleeve in sleeves:
        earlier_pnl = before.get(sleeve.name, {}).get("to_date_pnl") if before else None
        sleeve_data[sleeve.name] = {
            "value": sleeve.value,
            "to_date_pnl": sleeve.pnl,
            "day_pnl": None if earlier_pnl is None else sleeve.pnl - float(earlier_pnl),
        }
    lines = [
        f"Session {day.isoformat()}",
        f"Account: equity {_money(account['equity'])} · day {_money(account['day_pnl'])} "
        f"({_pct(account['day_return'])}) · to date {_money(account['to_date_pnl'])} "
        f"({_pct(account['to_date_return'])})",
        f"SPY: day {_pct(spy_data['day_return'])} · to date {_pct(spy_data['to_date_return'])}",
    ]
    for name, figures in sleeve_data.items():
        lines.append(
            f"Sleeve {name}: value {_money(figures['value'])} · day {_money(figures['day_pnl'])} "
            f"· to date {_money(figures['to_date_pnl'])}"
        )
    lines.append("Deposits and withdrawals are not in the ledger; they would show as P&L.")
    return DailySummary(
        day=day,
        subject=(
            f"[Alchemiser] Daily summary {day.isoformat()}: equity {_money(account['equity'])} "
            f"(day {_pct(account['day_return'])}, SPY {_pct(spy_data['day_return'])})"
        ),
        lines=lines,
        data={"account": account, "spy": spy_data, "sleeves": sleeve_data},
    )


def _money(value: float | Decimal | None) -> str:
    if value is None:
        return "n/a"
    number = float(value)
    return f"-${-number:,.2f}" if number < 0 else f"${number:,.2f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None else f"{value:+.2%}"


class SummarySender:
    """Sends each session's summary once, some minutes after its close (noted in the ledger)."""

    def __init__(
        self,
        *,
        account: str,
        store: AutopilotStore,
        calendar: TradingCalendar,
        schedule: Schedule,
        market_data: MarketDataSource,
        dispatcher: NotificationDispatcher,
        status: StatusReader,
        settings: AutopilotSettings,
        errors: ErrorHandler,
    ) -> None:
        self._account = account
        self._store = store
        self._calendar = calendar
        self._schedule = schedule
        self._market_data = market_data
        self._dispatcher = dispatcher
        self._status = status
        self._settings = settings
        self._errors = errors

    def send_due(self, now: dt.datetime, first_started: dt.datetime) -> dt.datetime:
        """Send the summary of the last closed session if not yet sent; when the next is due."""
        delay = dt.timedelta(minutes=self._settings.summary_delay_minutes)
        window = self._schedule.last_closed(now - delay)
        upcoming = self._schedule.upcoming(now)
        next_due = self._calendar.close_time(upcoming.day) + delay
        if window is None or window.closes < first_started:
            return next_due
        note = self._store.session(self._account, window.day)
        if note is not None and note.summary_sent_at is not None:
            return next_due
        summary = self._build(window.day)
        if summary is None:
            return next_due
        self._dispatcher.dispatch(
            [
                Notification(
                    event=NotificationEvent.DAILY_SUMMARY,
                    subject=summary.subject,
                    body="\n".join(summary.lines),
                    data={"summary": summary.data},
                )
            ]
        )
        self._store.save_summary(self._account, window.day, summary.data, now)
        return next_due

    def _build(self, day: dt.date) -> DailySummary | None:
        before = self._store.account_points(self._account, "before")
        after = self._store.account_points(self._account)
        previous_day = self._calendar.previous_session(day)
        previous = self._store.session(self._account, previous_day)
        first_before = self._calendar.previous_session(before[0].trading_day) if before else None
        spy = None
        if first_before is not None:
            try:
                spy = self._market_data.history(["SPY"], first_before - dt.timedelta(days=7), day)
            except Exception as exc:  # the summary goes out without SPY rather than not at all
                self._errors.handle(exc, component="autopilot.summary")
        return build_summary(
            day=day,
            previous_session=previous_day,
            before_points=before,
            after_points=after,
            sleeves=self._status.read().sleeves,
            previous=previous.summary if previous else None,
            spy=spy,
            first_day_before=first_before,
        )
