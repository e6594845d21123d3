"""Today's (or any day's) signal of every sleeve, blended into one target (SPEC §2.3, §5, §8.3).

    manager = StrategyManager(market_data, load_symphony, history_years=25)
    signal = manager.signal(portfolio)                 # last available session
    signal = manager.signal(portfolio, as_of=date)     # a past decision date
    signal = manager.signal(portfolio, live_date=today)  # decision-time prices as today's close
    signal.raise_on_failure()                          # the default policy: stop on any failure
    target = signal.target                             # or signal.blend_with(current_holdings)

A sleeve that cannot produce its allocation (unknown ticker, missing prices, not enough history,
a broken file) is recorded as a `SleeveSignalError` naming the sleeve; it never turns into cash.
The caller decides, per `StrategySettings.on_sleeve_failure`, to stop or keep that sleeve's
holdings. Backtest and live share the evaluator, so the signal shown is the signal traded.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace

from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.domain.errors import (
    AlchemiserError,
    DataError,
    DataUnavailableError,
    ErrorCategory,
    SignalUndefinedError,
    StrategyError,
)
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.portfolio.blend import BlendedTarget, blend
from alchemiser.domain.portfolio.sleeves import PortfolioSpec, SleeveSpec
from alchemiser.domain.symphony.evaluator import evaluate_traced, required_tickers
from alchemiser.domain.symphony.explain import ExplanationStep, explain_traced
from alchemiser.domain.symphony.tree import Symphony
from alchemiser.domain.symphony.validator import warmup_sessions

__all__ = ["PortfolioSignal", "SleeveSignal", "SleeveSignalError", "StrategyManager"]

DAYS_PER_YEAR = 365.25
CALENDAR_DAYS_PER_SESSION = 365.25 / 250  # a year has ~252 sessions; err long


class SleeveSignalError(StrategyError):
    """One sleeve could not produce its allocation; `cause` is the underlying error.

    `explanation` shows how far the tree got when the failure is an undefined signal.
    """

    def __init__(
        self,
        sleeve: str,
        symphony: str,
        cause: AlchemiserError,
        explanation: tuple[ExplanationStep, ...] = (),
    ) -> None:
        super().__init__(
            f"sleeve {sleeve!r} ({symphony}): {cause.message}",
            context={"sleeve": sleeve, "symphony": symphony, **cause.context},
            suggested_action=cause.suggested_action,
            component="strategy_manager",
        )
        self.sleeve = sleeve
        self.symphony = symphony
        self.cause = cause
        self.explanation = explanation
        if isinstance(cause, DataError):
            # Still a sleeve failure (the sleeve policy applies), but alerts and the exit code
            # follow the root cause: missing or bad prices are a DATA problem (SPEC §9).
            self.category = cause.category
            self.severity = cause.severity


@dataclass(frozen=True, slots=True)
class SleeveSignal:
    """One sleeve's allocation on `as_of`, and why. `warmed_up` is its first defined date."""

    sleeve: str
    symphony: str
    name: str
    allocation: float
    as_of: dt.date
    weights: Mapping[str, float]
    explanation: tuple[ExplanationStep, ...] = field(repr=False)
    warmed_up: dt.date | None = None


@dataclass(frozen=True, slots=True)
class PortfolioSignal:
    """Every sleeve's signal (or error) and the blend of those that produced one.

    `target` blends only the successful sleeves; when any failed it is *incomplete* (the failed
    sleeves' allocation is missing, not cash): call `raise_on_failure` or `blend_with`.
    """

    as_of: dt.date | None
    source: str
    synthetic: bool
    live_price: bool
    allocations: Mapping[str, float]
    sleeves: Mapping[str, SleeveSignal]
    errors: Mapping[str, SleeveSignalError]
    target: BlendedTarget

    @property
    def ok(self) -> bool:
        return not self.errors

    def raise_on_failure(self) -> None:
        """Stop (SPEC §5 default): raise the failure of the first failed sleeve."""
        if not self.errors:
            return
        first = next(iter(self.errors.values()))
        if all(isinstance(e.cause, DataUnavailableError) for e in self.errors.values()):
            # the source could not be reached: no sleeve is at fault, and the autopilot retries
            # a DataUnavailableError (SPEC §15) where it would not retry a sleeve failure
            names = ", ".join(self.errors)
            raise DataUnavailableError(
                f"no prices for sleeve{'s' if len(self.errors) > 1 else ''} {names}: "
                f"{first.cause.message}",
                context={**first.cause.context, "sleeves": list(self.errors)},
                suggested_action=first.cause.suggested_action,
            ) from first
        if len(self.errors) == 1:
            raise first
        names = ", ".join(self.errors)
        error = StrategyError(
            f"{len(self.errors)} sleeves failed ({names}); first: {first.message}",
            context={"sleeves": list(self.errors)},
            suggested_action=first.suggested_action,
            component="strategy_manager",
        )
        if all(e.category is ErrorCategory.DATA for e in self.errors.values()):
            # every sleeve lacks prices (e.g. the source is unreachable): a DATA problem
            error.category, error.severity = first.category, first.severity
        raise error from first

    def blend_with(self, replacements: Mapping[str, Mapping[str, float]]) -> BlendedTarget:
        """The target with each failed sleeve's weights taken from `replacements`.

        For the keep-holdings policy pass each failed sleeve's current holdings as weights of
        that sleeve. A failed sleeve without a replacement is an error, never cash.
        """
        missing = [name for name in self.errors if name not in replacements]
        if missing:
            raise StrategyError(
                f"no replacement weights for failed sleeve(s) {', '.join(missing)}",
                context={"sleeves": missing},
                component="strategy_manager",
            )
        weights = {name: dict(s.weights) for name, s in self.sleeves.items()}
        weights.update({name: dict(replacements[name]) for name in self.errors})
        return blend(weights, self.allocations)


class StrategyManager:
    """Evaluates each sleeve's symphony on the market and blends the results."""

    def __init__(
        self,
        market_data: MarketDataSource,
        load_symphony: Callable[[str], Symphony],
        *,
        history_years: int = 25,
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self._market = market_data
        self._load = load_symphony
        self._history_years = history_years
        self._today = today

    def signal(
        self,
        portfolio: PortfolioSpec,
        *,
        as_of: dt.date | None = None,
        live_date: dt.date | None = None,
    ) -> PortfolioSignal:
        """Signals on `as_of` (default: the last session the source has).

        `live_date` appends the source's decision-time prices as that session's close before
        evaluating (SPEC §8.3); it cannot be combined with `as_of`.
        """
        if as_of is not None and live_date is not None:
            raise StrategyError("as_of and live_date are exclusive: live prices exist only today")
        sleeves: dict[str, SleeveSignal] = {}
        errors: dict[str, SleeveSignalError] = {}
        by_symphony: dict[str, SleeveSignal | SleeveSignalError] = {}
        for spec in portfolio.sleeves:
            done = by_symphony.get(spec.symphony)
            if done is None:  # a symphony shared by several sleeves is evaluated once
                done = by_symphony[spec.symphony] = self._evaluate(spec, as_of, live_date)
            if isinstance(done, SleeveSignalError):
                errors[spec.name] = SleeveSignalError(
                    spec.name, spec.symphony, done.cause, done.explanation
                )
            else:
                sleeves[spec.name] = replace(done, sleeve=spec.name, allocation=spec.allocation)
        target = blend({n: s.weights for n, s in sleeves.items()}, portfolio.allocations)
        dates = [s.as_of for s in sleeves.values()]
        return PortfolioSignal(
            as_of=max(dates) if dates else as_of or live_date,
            source=self._market.name,
            synthetic=self._market.synthetic,
            live_price=live_date is not None,
            allocations=portfolio.allocations,
            sleeves=sleeves,
            errors=errors,
            target=target,
        )

    def history_for(
        self, symphony: Symphony, as_of: dt.date | None, live_date: dt.date | None = None
    ) -> PriceHistory:
        """The history a symphony is evaluated on: `history_years` up to the decision date, or
        more when its warm-up needs more (recursive indicators want all the history there is)."""
        tickers = sorted(required_tickers(symphony))
        end = as_of or live_date or self._today()
        warmup = warmup_sessions(symphony.root)
        warmup_days = round(warmup * CALENDAR_DAYS_PER_SESSION) + 10
        days = max(round(self._history_years * DAYS_PER_YEAR), warmup_days)
        try:
            start = end - dt.timedelta(days=days)
        except OverflowError:  # a window of 1e308 sessions: no market is that old
            raise StrategyError(
                f"{symphony.name!r} needs {warmup:.3g} sessions of history before it is "
                "defined; no market has that much",
                context={"symphony": symphony.source},
                suggested_action="Run `alchemiser symphony check FILE` and fix the window.",
            ) from None
        history = self._market.history(tickers, start, as_of)
        if len(history) == 0:
            raise DataError(
                f"{self._market.name} has no sessions between {start} and {as_of or 'today'}",
                context={"source": self._market.name, "start": start.isoformat()},
            )
        if live_date is not None:
            history = history.with_row(live_date, self._market.latest_prices(tickers))
        return history

    def _evaluate(
        self, spec: SleeveSpec, as_of: dt.date | None, live_date: dt.date | None
    ) -> SleeveSignal | SleeveSignalError:
        try:
            return self._sleeve_signal(spec, self._load(spec.symphony), as_of, live_date)
        except SleeveSignalError as exc:
            return exc
        except AlchemiserError as exc:
            return SleeveSignalError(spec.name, spec.symphony, exc)

    def _sleeve_signal(
        self,
        spec: SleeveSpec,
        symphony: Symphony,
        as_of: dt.date | None,
        live_date: dt.date | None,
    ) -> SleeveSignal:
        history = self.history_for(symphony, as_of, live_date)
        traced = evaluate_traced(symphony, history, -1)
        explanation = tuple(explain_traced(symphony, traced))
        allocation = traced.allocation
        if not bool(allocation.defined[-1]):
            first = allocation.first_defined
            reason = (
                f"never defined in the {len(history)} sessions loaded"
                if first is None
                else f"first defined on {first}"
            )
            cause = SignalUndefinedError(
                f"{symphony.name!r} is undefined on {history.last_date} ({reason}); "
                "a condition on the path taken lacks history or a price",
                context={"date": history.last_date.isoformat()},
            )
            raise SleeveSignalError(spec.name, spec.symphony, cause, explanation)
        weights = allocation.weights_on(history.last_date)
        return SleeveSignal(
            sleeve=spec.name,
            symphony=spec.symphony,
            name=symphony.name,
            allocation=spec.allocation,
            as_of=history.last_date,
            weights=weights,
            explanation=explanation,
            warmed_up=traced.allocation.first_defined,
        )
