"""The `signal` use case: every sleeve's allocation on the decision date and the blend.

Which date is live: with no `as_of`, and live prices wanted (the setting, or the caller's
choice), today's decision-time price is appended as today's close — but only on a trading
session; otherwise the signal is that of the last completed session (SPEC §8.3). This is the
same rule the trading engine applies, so the signal shown is the signal traded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from typing import Any

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import (
    Delivery,
    NotificationDispatcher,
    signal_digest,
)
from alchemiser.application.ports.calendar import TradingCalendar
from alchemiser.application.results.common import intervention_view
from alchemiser.application.results.signal import SignalResult
from alchemiser.application.risk_gate import preview_risk
from alchemiser.application.services.views import sleeve_views, target_lines
from alchemiser.application.settings import RiskSettings
from alchemiser.application.strategy_manager import StrategyManager
from alchemiser.domain.errors import ConfigurationError, NotificationError
from alchemiser.domain.portfolio.sleeves import PortfolioSpec


class SignalService:
    def __init__(
        self,
        strategies: StrategyManager,
        calendar: TradingCalendar,
        *,
        use_live_price: bool,
        today: Callable[[], dt.date],
        quality: Callable[[PortfolioSpec, dt.date], None] | None = None,
    ) -> None:
        """`quality(portfolio, decision_day)` is the data-quality gate, raising on bad prices
        (see `signal_quality`); None skips it."""
        self._strategies = strategies
        self._calendar = calendar
        self._use_live_price = use_live_price
        self._today = today
        self._quality = quality

    def signal(
        self,
        portfolio: PortfolioSpec,
        *,
        as_of: dt.date | None = None,
        live_price: bool | None = None,
        risk: RiskSettings | None = None,
    ) -> SignalResult:
        """`live_price` None follows the setting; it only matters when `as_of` is None.
        With `risk`, the result also shows what the risk rules would change (SPEC §14)."""
        if as_of is not None and as_of > self._today():
            # A source answers a future date with its newest session: never pass that off as
            # the signal of the date asked for.
            raise ConfigurationError(
                f"--as-of {as_of} is in the future (today is {self._today()} in New York)",
                context={"option": "--as-of"},
                suggested_action="Give a past date, or leave --as-of out for today's signal.",
            )
        live_date = self._live_date(as_of, live_price)
        if self._quality is not None:
            self._quality(portfolio, as_of or live_date or self._today())
        signal = self._strategies.signal(portfolio, as_of=as_of, live_date=live_date)
        target = signal.target
        return SignalResult(
            as_of=signal.as_of,
            source=signal.source,
            synthetic=signal.synthetic,
            live_price=signal.live_price,
            sleeves=sleeve_views(signal),
            target=target_lines(target.weights, target.attribution),
            cash=target.cash,
            complete=signal.ok,
            **_risk_preview(target.attribution, risk),
        )

    def _live_date(self, as_of: dt.date | None, live_price: bool | None) -> dt.date | None:
        use_live = self._use_live_price if live_price is None else live_price
        if as_of is not None or not use_live:
            return None
        today = self._today()
        return today if self._calendar.is_session(today) else None


def send_digest(
    result: SignalResult, dispatcher: NotificationDispatcher, errors: ErrorHandler
) -> list[Delivery]:
    """The day's signal to every configured channel; failures are in `errors`, not raised."""
    if not dispatcher.channels:
        raise NotificationError(
            "--email was given but no notification channel is configured",
            suggested_action="Configure email or a webhook, then try `alchemiser notify test`.",
        )
    return dispatcher.dispatch([signal_digest(result)])


def _risk_preview(
    attribution: Mapping[str, Mapping[str, float]], risk: RiskSettings | None
) -> dict[str, Any]:
    if risk is None or not risk.limits().active:
        return {}
    preview = preview_risk(attribution, risk)
    return {
        "interventions": [intervention_view(i) for i in preview.interventions],
        "risk_target": preview.target.weights,
    }
