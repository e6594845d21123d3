"""The data-quality gate (SPEC §8.2): what must be true of prices before a signal is trusted.

Pure: it looks at a `PriceHistory` and the sessions the calendar says should be there, and lists
every problem with its ticker and date. The trading path refuses to go on (`enforce(...,
trading=True)` raises DataQualityError); research commands print the same list as warnings.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import DataQualityError
from alchemiser.domain.market.price_history import PriceHistory, as_day, to_date

DEFAULT_MAX_DAILY_MOVE = 0.6
MAX_LISTED = 12
"""Problems spelled out in an error message; the rest are counted."""


class ProblemKind(StrEnum):
    STALE = "stale"
    MISSING = "missing"
    NOT_A_SESSION = "not_a_session"
    NOT_FINITE = "not_finite"
    NON_POSITIVE = "non_positive"
    JUMP = "jump"
    NO_DATA = "no_data"


@dataclass(frozen=True)
class QualityProblem:
    kind: ProblemKind
    ticker: str
    date: dt.date
    detail: str

    def __str__(self) -> str:
        return f"{self.ticker} {self.date.isoformat()}: {self.detail}"


def check_quality(
    history: PriceHistory,
    *,
    expected_last_session: dt.date,
    sessions: Sequence[dt.date] | npt.NDArray[np.datetime64] | None = None,
    since: dt.date | None = None,
    max_daily_move: float = DEFAULT_MAX_DAILY_MOVE,
    splits: Mapping[str, Sequence[dt.date]] | None = None,
) -> list[QualityProblem]:
    """Every problem in `history` (from `since` on, when given).

    - stale: a ticker's last valid close is older than `expected_last_session`;
    - missing: a session of `sessions` (the calendar's, over the history's span) without a
      close, for a ticker already listed (leading NaNs mean "not listed yet" and are fine);
    - not a session: a row dated on a day that `sessions` does not contain;
    - NaN/inf or ≤ 0 closes; a |daily return| above `max_daily_move` not on a known split date.
    """
    problems: list[QualityProblem] = []
    history = history.between(start=since) if since is not None else history
    if len(history) == 0:
        return [
            QualityProblem(ProblemKind.NO_DATA, t, expected_last_session, "no prices at all")
            for t in history.tickers
        ]
    dates = history.dates
    expected = _expected_sessions(sessions, dates)
    if expected is not None:
        extra = dates[~np.isin(dates, expected)]
        problems.extend(
            QualityProblem(ProblemKind.NOT_A_SESSION, "*", to_date(d), "bar on a non-session day")
            for d in extra
        )
    wanted_last = as_day(expected_last_session)
    split_days = {t: {as_day(d) for d in days} for t, days in (splits or {}).items()}
    for j, ticker in enumerate(history.tickers):
        column = history.close[:, j]
        problems.extend(
            _ticker_problems(
                ticker,
                dates,
                column,
                expected=expected,
                wanted_last=wanted_last,
                max_daily_move=max_daily_move,
                split_days=split_days.get(ticker, set()),
            )
        )
    return problems


def enforce(problems: Sequence[QualityProblem], *, trading: bool) -> list[str]:
    """Trading: raise DataQualityError naming the problems. Research: return them as warnings."""
    lines = [str(p) for p in problems]
    if trading and problems:
        shown = "; ".join(lines[:MAX_LISTED])
        more = f" (and {len(lines) - MAX_LISTED} more)" if len(lines) > MAX_LISTED else ""
        first = problems[0]
        raise DataQualityError(
            f"market data failed the quality gate: {shown}{more}",
            context={
                "ticker": first.ticker,
                "date": first.date.isoformat(),
                "problems": len(problems),
            },
            suggested_action="Refresh the data (`alchemiser data fetch`) or fix the named "
            "ticker's source; trading is refused on bad prices.",
        )
    return lines


def _ticker_problems(
    ticker: str,
    dates: npt.NDArray[np.datetime64],
    column: npt.NDArray[np.float64],
    *,
    expected: npt.NDArray[np.datetime64] | None,
    wanted_last: np.datetime64,
    max_daily_move: float,
    split_days: set[np.datetime64],
) -> list[QualityProblem]:
    problems: list[QualityProblem] = []
    nan = np.isnan(column)
    valid = np.flatnonzero(~nan)
    if len(valid) == 0:
        return [QualityProblem(ProblemKind.NO_DATA, ticker, to_date(dates[-1]), "no prices at all")]
    listed_from = valid[0]
    last_valid = dates[valid[-1]]
    if last_valid < wanted_last:
        problems.append(
            QualityProblem(
                ProblemKind.STALE,
                ticker,
                to_date(last_valid),
                f"last close is from {to_date(last_valid)}, expected {to_date(wanted_last)}",
            )
        )
    # gaps: NaN rows after listing, and sessions absent from the index altogether
    # (trailing NaNs are reported once, as staleness)
    listed = slice(listed_from, valid[-1] + 1)
    gap_days = dates[listed][nan[listed]]
    if expected is not None:
        span = expected[(expected >= dates[listed_from]) & (expected <= last_valid)]
        gap_days = np.union1d(gap_days, span[~np.isin(span, dates)])
    problems.extend(
        QualityProblem(ProblemKind.MISSING, ticker, to_date(start), _run_text(start, end, count))
        for start, end, count in _runs(gap_days, expected if expected is not None else dates)
    )
    finite_or_nan = np.isfinite(column) | nan
    problems.extend(
        QualityProblem(ProblemKind.NOT_FINITE, ticker, to_date(d), "close is not a finite number")
        for d in dates[~finite_or_nan]
    )
    bad = np.isfinite(column) & (column <= 0)
    problems.extend(
        QualityProblem(ProblemKind.NON_POSITIVE, ticker, to_date(d), f"close is {v:g}")
        for d, v in zip(dates[bad], column[bad], strict=True)
    )
    # jumps between consecutive valid, positive closes
    good = np.flatnonzero(np.isfinite(column) & (column > 0))
    if len(good) > 1:
        ratio = column[good[1:]] / column[good[:-1]] - 1.0
        for k in np.flatnonzero(np.abs(ratio) > max_daily_move):
            day = dates[good[k + 1]]
            if day in split_days:
                continue
            problems.append(
                QualityProblem(
                    ProblemKind.JUMP,
                    ticker,
                    to_date(day),
                    f"moved {ratio[k]:+.1%} in one session (bound ±{max_daily_move:.0%}), "
                    "not explained by a known split",
                )
            )
    return problems


def _expected_sessions(
    sessions: Sequence[dt.date] | npt.NDArray[np.datetime64] | None,
    dates: npt.NDArray[np.datetime64],
) -> npt.NDArray[np.datetime64] | None:
    if sessions is None:
        return None
    expected = np.asarray(sessions, dtype="datetime64[D]")
    within: npt.NDArray[np.datetime64] = expected[(expected >= dates[0]) & (expected <= dates[-1])]
    return within


def _runs(
    days: npt.NDArray[np.datetime64], order: npt.NDArray[np.datetime64]
) -> list[tuple[np.datetime64, np.datetime64, int]]:
    """Group missing days into runs that are consecutive in `order` (the session list)."""
    if len(days) == 0:
        return []
    position = np.searchsorted(order, days)
    runs: list[tuple[np.datetime64, np.datetime64, int]] = []
    start = 0
    for i in range(1, len(days) + 1):
        if i == len(days) or position[i] != position[i - 1] + 1:
            runs.append((days[start], days[i - 1], i - start))
            start = i
    return runs


def _run_text(start: np.datetime64, end: np.datetime64, count: int) -> str:
    if count == 1:
        return "no close on this session"
    return f"no close on {count} sessions from {to_date(start)} to {to_date(end)}"
