"""Daily price history: sessions × tickers of adjusted closes, with missing values explicit (NaN).

This is the one shape the symphony engine and the backtester consume. Arrays are float64 and the
object is immutable, so evaluators can cache freely and slices share memory.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import DataError

FloatArray = npt.NDArray[np.float64]
DateArray = npt.NDArray[np.datetime64]


def as_day(value: dt.date | np.datetime64 | str) -> np.datetime64:
    """Normalise a date-like value to numpy's day resolution."""
    day: np.datetime64 = np.datetime64(np.asarray(value, dtype="datetime64[D]").item(), "D")
    return day


@dataclass(frozen=True, eq=False)
class PriceHistory:
    """Adjusted daily bars for a set of tickers on a common session index.

    `close` is required; `open`, `high`, `low` and `volume` are present when the source has them.
    A NaN means "no bar for this ticker on this session" (not listed yet, or missing).
    """

    dates: DateArray
    tickers: tuple[str, ...]
    close: FloatArray
    open: FloatArray | None = None
    high: FloatArray | None = None
    low: FloatArray | None = None
    volume: FloatArray | None = None
    source: str = "unknown"
    synthetic: bool = False
    _index: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        dates = np.asarray(self.dates, dtype="datetime64[D]")
        object.__setattr__(self, "dates", dates)
        shape = (len(dates), len(self.tickers))
        for name in ("close", "open", "high", "low", "volume"):
            values = getattr(self, name)
            if values is None:
                continue
            array = np.asarray(values, dtype=np.float64)
            if array.shape != shape:
                raise DataError(
                    f"{name} has shape {array.shape}, expected {shape} (dates × tickers)",
                    context={"field": name},
                )
            object.__setattr__(self, name, array)
        if len(dates) > 1 and not bool(np.all(dates[1:] > dates[:-1])):
            raise DataError("price history dates must be strictly increasing")
        if len(set(self.tickers)) != len(self.tickers):
            raise DataError(
                "price history has duplicate tickers", context={"tickers": self.tickers}
            )
        object.__setattr__(self, "_index", {t: i for i, t in enumerate(self.tickers)})

    # -- construction ---------------------------------------------------------------------------
    @classmethod
    def from_columns(
        cls,
        dates: Sequence[dt.date] | DateArray,
        closes: Mapping[str, Sequence[float] | FloatArray],
        *,
        source: str = "unknown",
        synthetic: bool = False,
    ) -> PriceHistory:
        """Build from a {ticker: closes} mapping aligned with `dates` (handy in tests)."""
        tickers = tuple(closes)
        close = np.column_stack([np.asarray(closes[t], dtype=np.float64) for t in tickers])
        if not tickers:
            close = np.empty((len(dates), 0), dtype=np.float64)
        return cls(
            dates=np.asarray(dates, dtype="datetime64[D]"),
            tickers=tickers,
            close=close,
            source=source,
            synthetic=synthetic,
        )

    # -- access ---------------------------------------------------------------------------------
    def __contains__(self, ticker: object) -> bool:
        return ticker in self._index

    def __len__(self) -> int:
        return len(self.dates)

    def column_index(self, ticker: str) -> int:
        try:
            return self._index[ticker]
        except KeyError:
            raise DataError(
                f"no price history for {ticker}",
                context={"ticker": ticker, "source": self.source},
            ) from None

    def closes(self, ticker: str) -> FloatArray:
        """The adjusted close series of one ticker (a view, NaN where missing)."""
        return self.close[:, self.column_index(ticker)]

    @property
    def first_date(self) -> dt.date:
        return to_date(self.dates[0])

    @property
    def last_date(self) -> dt.date:
        return to_date(self.dates[-1])

    def last_close(self, ticker: str) -> float:
        return float(self.closes(ticker)[-1])

    # -- derivation -----------------------------------------------------------------------------
    def select(self, tickers: Iterable[str]) -> PriceHistory:
        wanted = tuple(dict.fromkeys(tickers))
        cols = [self.column_index(t) for t in wanted]
        return self._with(self.dates, wanted, lambda a: a[:, cols])

    def between(self, start: dt.date | None = None, end: dt.date | None = None) -> PriceHistory:
        """Sessions with start <= date <= end (either bound optional)."""
        mask = np.ones(len(self.dates), dtype=bool)
        if start is not None:
            mask &= self.dates >= as_day(start)
        if end is not None:
            mask &= self.dates <= as_day(end)
        return self._with(self.dates[mask], self.tickers, lambda a: a[mask])

    def select_rows(self, mask: npt.NDArray[np.bool_]) -> PriceHistory:
        """The sessions where `mask` is true, every field kept."""
        return self._with(self.dates[mask], self.tickers, lambda a: a[mask])

    def with_row(self, date: dt.date, closes: Mapping[str, float]) -> PriceHistory:
        """Append (or replace) one session's closes: the decision-time price of SPEC §8.3.

        Tickers without a price in `closes` get NaN on that row.
        """
        day = as_day(date)
        base = self.between(end=to_date(day - np.timedelta64(1, "D")))
        row = np.array([closes.get(t, np.nan) for t in self.tickers], dtype=np.float64)
        close = np.vstack([base.close, row[None, :]])
        return PriceHistory(
            dates=np.append(base.dates, day),
            tickers=self.tickers,
            close=close,
            source=self.source,
            synthetic=self.synthetic,
        )

    def _with(self, dates: DateArray, tickers: tuple[str, ...], take: _Take) -> PriceHistory:
        def opt(a: FloatArray | None) -> FloatArray | None:
            return None if a is None else take(a)

        return PriceHistory(
            dates=dates,
            tickers=tickers,
            close=take(self.close),
            open=opt(self.open),
            high=opt(self.high),
            low=opt(self.low),
            volume=opt(self.volume),
            source=self.source,
            synthetic=self.synthetic,
        )


class _Take(Protocol):
    def __call__(self, array: FloatArray, /) -> FloatArray: ...


def to_date(day: np.datetime64) -> dt.date:
    """A numpy day (or finer) back to a `datetime.date`."""
    return dt.date.fromisoformat(str(day)[:10])
