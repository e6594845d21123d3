"""The quality gate names every problem by ticker and date; trading refuses, research warns."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from alchemiser.domain.errors import DataQualityError
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.market.quality import ProblemKind, check_quality, enforce

# NYSE sessions of early January 2025 (Jan 1 holiday, Jan 9 national day of mourning)
SESSIONS = [
    dt.date(2025, 1, 2), dt.date(2025, 1, 3), dt.date(2025, 1, 6), dt.date(2025, 1, 7),
    dt.date(2025, 1, 8), dt.date(2025, 1, 10), dt.date(2025, 1, 13), dt.date(2025, 1, 14),
]  # fmt: skip
NAN = float("nan")


def history(closes: dict[str, list[float]], dates: list[dt.date] = SESSIONS) -> PriceHistory:
    return PriceHistory.from_columns(dates, closes, source="test")


def test_clean_history_has_no_problems() -> None:
    h = history({"SPY": [100, 101, 99, 100, 102, 103, 101, 104.0]})
    assert check_quality(h, expected_last_session=SESSIONS[-1], sessions=SESSIONS) == []


def test_stale_history_names_ticker_and_last_date() -> None:
    h = history({"SPY": [100, 101, 99, 100, 102, 103, 101, NAN], "QQQ": [1.0] * 8})
    problems = check_quality(h, expected_last_session=dt.date(2025, 1, 14), sessions=SESSIONS)
    assert [(p.kind, p.ticker, p.date) for p in problems] == [
        (ProblemKind.STALE, "SPY", dt.date(2025, 1, 13))
    ]
    assert "expected 2025-01-14" in str(problems[0])


def test_missing_sessions_are_grouped_per_ticker_and_leading_nans_are_not_listed_yet() -> None:
    h = history(
        {
            "NEW": [NAN, NAN, 10, 11, 12, 13, 14, 15],  # listed on Jan 6: fine
            "GAP": [10, 11, NAN, NAN, 12, 13, NAN, 15],
        }
    )
    problems = check_quality(h, expected_last_session=SESSIONS[-1], sessions=SESSIONS)
    assert [(p.kind, p.ticker, p.date) for p in problems] == [
        (ProblemKind.MISSING, "GAP", dt.date(2025, 1, 6)),
        (ProblemKind.MISSING, "GAP", dt.date(2025, 1, 13)),
    ]
    assert "2 sessions from 2025-01-06 to 2025-01-07" in problems[0].detail


def test_session_absent_from_the_index_and_bar_on_a_holiday() -> None:
    dates = [*SESSIONS[:4], dt.date(2025, 1, 9), *SESSIONS[5:]]  # Jan 8 missing, Jan 9 closed
    h = history({"SPY": [100.0] * 8}, dates)
    problems = check_quality(h, expected_last_session=SESSIONS[-1], sessions=SESSIONS)
    kinds = {(p.kind, p.ticker, p.date) for p in problems}
    assert kinds == {
        (ProblemKind.NOT_A_SESSION, "*", dt.date(2025, 1, 9)),
        (ProblemKind.MISSING, "SPY", dt.date(2025, 1, 8)),
    }


def test_non_positive_not_finite_and_jumps() -> None:
    h = history(
        {
            "BAD": [10, 0.0, 10, np.inf, 10, -1, 10, 10],
            "JMP": [10, 10, 10, 17, 17, 17, 5, 5],  # +70% on Jan 7, −70.6% on Jan 13
        }
    )
    problems = check_quality(h, expected_last_session=SESSIONS[-1], sessions=SESSIONS)
    found = {(p.kind, p.ticker, p.date) for p in problems}
    assert (ProblemKind.NON_POSITIVE, "BAD", dt.date(2025, 1, 3)) in found
    assert (ProblemKind.NON_POSITIVE, "BAD", dt.date(2025, 1, 10)) in found
    assert (ProblemKind.NOT_FINITE, "BAD", dt.date(2025, 1, 7)) in found
    assert (ProblemKind.JUMP, "JMP", dt.date(2025, 1, 7)) in found
    assert (ProblemKind.JUMP, "JMP", dt.date(2025, 1, 13)) in found
    jump = next(p for p in problems if p.ticker == "JMP" and p.date == dt.date(2025, 1, 7))
    assert "+70.0%" in jump.detail


def test_a_known_split_explains_a_jump_and_the_bound_is_configurable() -> None:
    # an unadjusted 3:1 split on Jan 7 (−66.7%), then +20% on Jan 14
    h = history({"SPLT": [90, 90, 90, 30, 30, 30, 30, 36.0]})
    split = {"SPLT": [dt.date(2025, 1, 7)]}
    assert check_quality(h, expected_last_session=SESSIONS[-1], splits=split) == []
    without = check_quality(h, expected_last_session=SESSIONS[-1])
    assert [(p.kind, p.date) for p in without] == [(ProblemKind.JUMP, dt.date(2025, 1, 7))]
    tight = check_quality(h, expected_last_session=SESSIONS[-1], splits=split, max_daily_move=0.1)
    assert [(p.kind, p.date) for p in tight] == [(ProblemKind.JUMP, dt.date(2025, 1, 14))]


def test_since_limits_the_check_to_the_window_in_use() -> None:
    h = history({"OLD": [10, NAN, 10, 10, 10, 10, 10, 10.0]})
    assert check_quality(h, expected_last_session=SESSIONS[-1], sessions=SESSIONS) != []
    assert (
        check_quality(
            h, expected_last_session=SESSIONS[-1], sessions=SESSIONS, since=dt.date(2025, 1, 6)
        )
        == []
    )


def test_trading_path_raises_and_research_path_warns() -> None:
    h = history({"SPY": [100, 101, 99, 100, -5, 103, 101, 104.0]})
    problems = check_quality(h, expected_last_session=SESSIONS[-1], sessions=SESSIONS)
    warnings = enforce(problems, trading=False)
    assert warnings == ["SPY 2025-01-08: close is -5"]
    with pytest.raises(DataQualityError, match="SPY 2025-01-08: close is -5") as info:
        enforce(problems, trading=True)
    assert info.value.context["ticker"] == "SPY"
    assert info.value.context["date"] == "2025-01-08"
    assert enforce([], trading=True) == []


def test_all_nan_column_is_no_data() -> None:
    h = history({"NONE": [NAN] * 8})
    problems = check_quality(h, expected_last_session=SESSIONS[-1])
    assert [(p.kind, p.ticker) for p in problems] == [(ProblemKind.NO_DATA, "NONE")]
