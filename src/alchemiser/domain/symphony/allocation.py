"""What the evaluator returns: a weights matrix over dates × tickers and a "defined" mask.

Today's signal is the last row; a backtest reads every row. Both come from the same object, so
the signal a user sees and the target that is traded can never be computed differently.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import SignalUndefinedError
from alchemiser.domain.market.price_history import DateArray, FloatArray, as_day, to_date

BoolArray = npt.NDArray[np.bool_]


@dataclass(frozen=True, eq=False)
class AllocationMatrix:
    """Weights per date. On a defined date the row is ≥ 0 and sums to 1; elsewhere it is all 0."""

    dates: DateArray
    tickers: tuple[str, ...]
    weights: FloatArray
    defined: BoolArray

    def row_index(self, date: dt.date) -> int:
        day = as_day(date)
        pos = int(np.searchsorted(self.dates, day, side="right")) - 1
        if pos < 0:
            raise SignalUndefinedError(f"no evaluation on or before {date}")
        return pos

    def weights_on(self, date: dt.date | None = None) -> dict[str, float]:
        """The allocation on `date` (default: the last date) as {ticker: weight}, zeros dropped.

        Raises SignalUndefinedError when the symphony is undefined that day (SPEC §2.3).
        """
        pos = len(self.dates) - 1 if date is None else self.row_index(date)
        if pos < 0 or not bool(self.defined[pos]):
            when = "the last date" if date is None or pos < 0 else str(self.dates[pos])
            raise SignalUndefinedError(f"the symphony is undefined on {when}")
        row = self.weights[pos]
        return {t: float(row[i]) for i, t in enumerate(self.tickers) if row[i] > 0.0}

    @property
    def first_defined(self) -> dt.date | None:
        hits = np.flatnonzero(self.defined)
        if len(hits) == 0:
            return None
        return to_date(self.dates[hits[0]])
