"""Strategy signals for a whole replay range, evaluated once and read per session.

Why: evaluating every symphony on decades of history for each of thousands of sessions is the
replay's whole cost. The evaluator is causal (row t depends on rows ≤ t only), so the row of a
session in one evaluation over the range equals a fresh evaluation on history cut at that
session, provided both start on the same first date. tests/replay prove this on every session
(and that changing a later price changes no earlier decision) before the shortcut is trusted.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.strategy_manager import SleeveSignal, SleeveSignalError, StrategyManager
from alchemiser.domain.errors import SignalUndefinedError
from alchemiser.domain.market.price_history import as_day
from alchemiser.domain.portfolio.sleeves import SleeveSpec
from alchemiser.domain.symphony.allocation import AllocationMatrix
from alchemiser.domain.symphony.evaluator import evaluate
from alchemiser.domain.symphony.tree import Symphony


class RangeStrategyManager(StrategyManager):
    """A StrategyManager whose per-day answer is a row of one evaluation up to `end`.

    Same history window as the per-day manager (`history_years` back from `end`, which the
    replay makes reach the source's first date, as the backtest does); explanations are not
    kept (they are per-day traces), so the replay's ledger records the weights only.
    """

    def __init__(
        self,
        market_data: MarketDataSource,
        load_symphony: Callable[[str], Symphony],
        *,
        end: dt.date,
        history_years: int,
    ) -> None:
        super().__init__(market_data, load_symphony, history_years=history_years)
        self._end = end
        self._matrices: dict[str, AllocationMatrix] = {}

    def matrix(self, ref: str, symphony: Symphony) -> AllocationMatrix:
        cached = self._matrices.get(ref)
        if cached is None:
            history = self.history_for(symphony, self._end)
            cached = self._matrices[ref] = evaluate(symphony, history)
        return cached

    def _sleeve_signal(
        self,
        spec: SleeveSpec,
        symphony: Symphony,
        as_of: dt.date | None,
        live_date: dt.date | None,
    ) -> SleeveSignal:
        day = as_of or live_date or self._end
        matrix = self.matrix(spec.symphony, symphony)
        row = matrix.row_index(day)
        if matrix.dates[row] != as_day(day) or not bool(matrix.defined[row]):
            cause = SignalUndefinedError(
                f"{symphony.name!r} is undefined on {day} (first defined on "
                f"{matrix.first_defined}); a condition on the path taken lacks history or a price",
                context={"date": day.isoformat()},
            )
            raise SleeveSignalError(spec.name, spec.symphony, cause)
        return SleeveSignal(
            sleeve=spec.name,
            symphony=spec.symphony,
            name=symphony.name,
            allocation=spec.allocation,
            as_of=day,
            weights=matrix.weights_on(day),
            explanation=(),
            warmed_up=matrix.first_defined,
        )
