"""What the autopilot knows about the account, built from the ledger alone.

One model feeds `autopilot status [--json]` and the `/metrics` endpoint, so the two can never
disagree: the process serving metrics and a shell asking for the status read the same ledger
through the same function. Money is given in dollars as JSON numbers (floats of the exact
decimals the ledger keeps); times are ISO datetimes with their offset (New York time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from alchemiser.application.autopilot.schedule import NEW_YORK, Schedule
from alchemiser.application.autopilot.sessions import RetryPolicy, SessionState, verdict_of
from alchemiser.application.ports.autopilot_store import AutopilotStore
from alchemiser.application.ports.halt import HaltSwitch
from alchemiser.domain.attribution.runs import sleeve_view


class _Model(BaseModel):
    model_config = ConfigDict(frozen=True)


class HaltInfo(_Model):
    reason: str
    source: str
    since: dt.datetime


class LastRun(_Model):
    run_id: str
    trading_day: dt.date
    status: str
    started_at: dt.datetime
    finished_at: dt.datetime | None
    duration_seconds: float | None
    orders: int
    fills: int
    max_drift: float | None
    """The largest |final − target| weight after the run."""


class SleeveStatus(_Model):
    name: str
    value: float
    """Σ qty × price of the sleeve's virtual holdings at the last end-of-run prices."""
    realized_pnl: float
    unrealized_pnl: float
    pnl: float


class AutopilotStatus(_Model):
    account: str
    as_of: dt.datetime
    halted: HaltInfo | None
    next_run: dt.datetime | None
    """When the next cycle is due (None: today's is done and no later session is known)."""
    today: str | None
    """Today's session: pending, done, failed, retrying, halted, missed; None on a closed day."""
    last_run: LastRun | None
    equity: float | None
    cash: float | None
    account_as_of: dt.datetime | None
    peak_equity: float | None
    drawdown: float | None
    """Fraction below the peak of end-of-run equity (0 at a new high)."""
    sleeves: list[SleeveStatus]
    errors_by_category: dict[str, int]
    newest_price: dt.date | None
    newest_price_age_seconds: float | None
    heartbeat_at: dt.datetime | None
    """The scheduler loop's last tick (written by a running autopilot)."""


def _local(moment: dt.datetime | None) -> dt.datetime | None:
    return None if moment is None else moment.astimezone(NEW_YORK)


class StatusReader:
    """Builds AutopilotStatus for one account from the ledger (no broker call)."""

    def __init__(
        self,
        *,
        account: str,
        store: AutopilotStore,
        halt: HaltSwitch,
        schedule: Schedule,
        now: Callable[[], dt.datetime],
        close_of: Callable[[dt.date], dt.datetime],
        policy: RetryPolicy,
    ) -> None:
        self._account = account
        self._store = store
        self._halt = halt
        self._schedule = schedule
        self._now = now
        self._close_of = close_of
        self._policy = policy

    def read(self) -> AutopilotStatus:
        now = self._now()
        halt = self._halt.current()
        points = self._store.account_points(self._account)
        last_point = points[-1] if points else None
        peak = max((p.equity for p in points), default=None)
        drawdown = None
        if last_point is not None and peak:
            drawdown = float((peak - last_point.equity) / peak)
        run = self._store.last_run(self._account)
        newest = self._store.state(self._account, "newest_price")
        newest_day = dt.date.fromisoformat(newest) if isinstance(newest, str) else None
        heartbeat = self._store.state(self._account, "heartbeat")
        state, next_run = self.today_and_next(now, halted=halt is not None)
        return AutopilotStatus(
            account=self._account,
            as_of=_local(now) or now,
            halted=None
            if halt is None
            else HaltInfo(reason=halt.reason, source=halt.source, since=halt.since),
            next_run=_local(next_run),
            today=None if state is None else state.value,
            last_run=None
            if run is None
            else LastRun(
                run_id=run.run_id,
                trading_day=run.trading_day,
                status=run.status.value,
                started_at=_local(run.started_at) or run.started_at,
                finished_at=_local(run.finished_at),
                duration_seconds=run.duration_seconds,
                orders=run.orders,
                fills=run.fills,
                max_drift=run.residual_drift,
            ),
            equity=None if last_point is None else float(last_point.equity),
            cash=None if last_point is None else float(last_point.cash),
            account_as_of=None if last_point is None else _local(last_point.at),
            peak_equity=None if peak is None else float(peak),
            drawdown=drawdown,
            sleeves=self._sleeves(last_point.prices if last_point else {}),
            errors_by_category=self._store.error_counts(self._account),
            newest_price=newest_day,
            newest_price_age_seconds=None
            if newest_day is None
            else max(0.0, (now - self._close_of(newest_day)).total_seconds()),
            heartbeat_at=_local(dt.datetime.fromisoformat(heartbeat))
            if isinstance(heartbeat, str)
            else None,
        )

    def today_and_next(
        self, now: dt.datetime, *, halted: bool
    ) -> tuple[SessionState | None, dt.datetime | None]:
        """Today's session state and when the next cycle is due, from the ledger."""
        today = self._schedule.today(now)
        state = None
        if today is not None:
            state = verdict_of(
                self._store, self._account, today, now=now, halted=halted, policy=self._policy
            )
            if state.due is not None:
                return state.state, state.due
        upcoming = self._schedule.upcoming(now)
        if today is not None and upcoming.day == today.day:
            upcoming = self._schedule.upcoming(today.last_start)
        return (None if state is None else state.state), upcoming.run_at

    def _sleeves(self, prices: Mapping[str, Decimal]) -> list[SleeveStatus]:
        view = sleeve_view(self._store.load_book(self._account), prices)
        out = []
        for name, sleeve in view.items():
            holdings = sleeve["holdings"]
            assert isinstance(holdings, dict)
            value = sum(
                (h["market_value"] for h in holdings.values() if h["market_value"] is not None),
                Decimal(0),
            )
            realized = sleeve["realized_pnl"]
            unrealized = sleeve["unrealized_pnl"]
            assert isinstance(realized, Decimal)
            assert isinstance(unrealized, Decimal)
            out.append(
                SleeveStatus(
                    name=name,
                    value=float(value),
                    realized_pnl=float(realized),
                    unrealized_pnl=float(unrealized),
                    pnl=float(realized + unrealized),
                )
            )
        return out
