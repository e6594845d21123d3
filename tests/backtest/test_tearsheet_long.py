"""A 27-year, 50-ticker backtest: the report stays under 2 MB beside one shared plotly.js, the
allocation chart is averaged into about a hundred periods, and the current holdings are the last
session's weights."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alchemiser.application.backtest import (
    BacktestConfig,
    BacktestResult,
    SleeveInput,
    run_backtest,
)
from alchemiser.application.backtest.tearsheet import allocation, current_holdings
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket
from alchemiser.interface.reports.tearsheet import PLOTLY_BUNDLE, write_tearsheet

MAX_REPORT_BYTES = 2_000_000

pytestmark = [pytest.mark.slow, pytest.mark.timeout(300)]


@pytest.fixture(scope="module")
def long_result(
    synthetic_market: SyntheticMarket, default_sleeves: list[SleeveInput]
) -> BacktestResult:
    return run_backtest(
        default_sleeves, synthetic_market, BacktestConfig(start=dt.date(1997, 1, 1))
    )


def test_reports_share_one_bundle_and_stay_small(
    long_result: BacktestResult, tmp_path: Path
) -> None:
    assert (long_result.end - long_result.start).days > 25 * 365
    first = write_tearsheet(long_result, tmp_path / "a.html")
    second = write_tearsheet(long_result, tmp_path / "b.html", log_scale=False)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted(["a.html", "b.html", PLOTLY_BUNDLE])
    bundle = tmp_path / PLOTLY_BUNDLE
    assert bundle.stat().st_size > 3_000_000  # the whole library, once
    assert bundle.read_text(encoding="utf-8").lstrip().startswith("/**")
    for page in (first, second):
        assert page.stat().st_size < MAX_REPORT_BYTES, page.stat().st_size
        sources = re.findall(r'<script[^>]+src="([^"]+)"', page.read_text(encoding="utf-8"))
        assert sources == [PLOTLY_BUNDLE]
        assert (page.parent / sources[0]).is_file()


def test_a_truncated_bundle_is_rewritten(long_result: BacktestResult, tmp_path: Path) -> None:
    (tmp_path / PLOTLY_BUNDLE).write_text("/* half a file", encoding="utf-8")
    write_tearsheet(long_result, tmp_path / "report.html")
    assert (tmp_path / PLOTLY_BUNDLE).stat().st_size > 3_000_000


def test_allocation_is_averaged_per_quarter_with_top_holdings(long_result: BacktestResult) -> None:
    alloc = allocation(long_result, top=5)
    assert alloc.frequency == "quarter"
    assert 100 <= len(alloc.dates) <= 120  # 27 years of quarters, not 6,800 daily stripes
    assert alloc.names[5:] == ("Other",) or alloc.names[5:] == ("Other", "Cash")
    # Independent check of one quarter by a plain loop over the sessions.
    days = [dt.date.fromisoformat(str(d)) for d in long_result.dates.astype("datetime64[D]")]
    q = 40
    end = dt.date.fromisoformat(str(alloc.dates[q]))
    quarter = (end.year, (end.month - 1) // 3)
    rows = [i for i, d in enumerate(days) if (d.year, (d.month - 1) // 3) == quarter]
    assert days[rows[-1]] == end
    top = [long_result.tickers.index(n) for n in alloc.names[:5]]
    for j, col in enumerate(top):
        expected = sum(float(long_result.weights[i, col]) for i in rows) / len(rows)
        assert alloc.weights[q, j] == pytest.approx(expected)
    other = sum(
        float(long_result.weights[i].sum() - long_result.weights[i, top].sum()) for i in rows
    ) / len(rows)
    assert alloc.weights[q, 5] == pytest.approx(other)
    # The five named holdings are the five largest on average over the whole history.
    means = pd.Series(long_result.weights.mean(axis=0), index=long_result.tickers)
    assert set(alloc.names[:5]) == set(means.nlargest(5).index)
    assert np.allclose(alloc.weights.sum(axis=1), 1.0, atol=1e-6)


def test_current_holdings_are_the_last_weights(long_result: BacktestResult) -> None:
    rows = current_holdings(long_result)
    last = dict(zip(long_result.tickers, long_result.weights[-1], strict=True))
    held = {t: w for t, w in last.items() if w > 1e-9}
    assert {h.ticker: h.weight for h in rows if h.ticker != "Cash"} == pytest.approx(held)
    weights = [h.weight for h in rows if h.ticker != "Cash"]
    assert weights == sorted(weights, reverse=True)
    assert sum(h.weight for h in rows) == pytest.approx(max(1.0, sum(held.values())))
