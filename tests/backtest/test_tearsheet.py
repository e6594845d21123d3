"""The HTML tearsheet: every plot and table present, plotly from the local bundle, fixed scales."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest

from alchemiser.application.backtest import BacktestResult
from alchemiser.domain.backtest.return_stats import period_returns
from alchemiser.interface.reports.tearsheet import (
    CHART_TITLES,
    HEATMAP_CLIP,
    PLOTLY_BUNDLE,
    render_tearsheet,
)


@pytest.fixture(scope="module")
def html(portfolio_result: BacktestResult) -> str:
    return render_tearsheet(portfolio_result)


def test_every_plot_is_present_with_its_title(html: str) -> None:
    for key, title in CHART_TITLES.items():
        assert f"<h2>{title}</h2>" in html.replace("&#39;", "'")
        assert f'id="{key}-plot"' in html
    assert html.count("Plotly.newPlot(") == len(CHART_TITLES)


def test_plotly_comes_from_the_shared_local_bundle(html: str) -> None:
    sources = re.findall(r'<script[^>]+src="([^"]+)"', html)
    assert sources == [PLOTLY_BUNDLE]  # one local, relative script: no CDN, nothing inlined
    assert not re.search(r"\* plotly\.js v\d", html)
    assert len(html) < 1_000_000


def test_tables_and_banner(html: str, portfolio_result: BacktestResult) -> None:
    assert 'id="synthetic-banner"' in html
    assert 'id="metrics-table"' in html
    for sleeve in portfolio_result.sleeves:
        assert f"<td>{sleeve.name}</td>" in html
    assert f"{portfolio_result.metrics.cagr:.2%}" in html
    real = render_tearsheet(dataclasses.replace(portfolio_result, synthetic=False))
    assert "synthetic-banner" not in real


def test_log_scale_option(portfolio_result: BacktestResult) -> None:
    log = render_tearsheet(portfolio_result, log_scale=True)
    linear = render_tearsheet(portfolio_result, log_scale=False)

    def equity(page: str) -> str:
        return page.split('id="equity-plot"', 1)[1].split('id="drawdown-plot"', 1)[0]

    assert '"type":"log"' in equity(log)
    assert '"type":"log"' not in equity(linear)  # the buttons' "yaxis.type" keys do not match


def test_monthly_returns_by_hand() -> None:
    dates = np.array(
        ["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-29", "2024-03-01"], "datetime64[D]"
    )
    equity = np.array([100.0, 110.0, 99.0, 121.0, 121.0])
    months = {r.period: r.value for r in period_returns(dates, equity, "M")}
    assert months == pytest.approx({"2024-01": 0.10, "2024-02": 0.10, "2024-03": 0.0})
    # A first period holding only the base close has no return of its own.
    years = period_returns(np.array(["2023-12-29", "2024-01-02"], "datetime64[D]"), equity[:2], "Y")
    assert [(r.period, round(r.value, 12)) for r in years] == [("2024", 0.1)]


def test_heatmap_colour_scale_is_fixed_and_symmetric(html: str) -> None:
    heatmap = html.split('id="monthly-returns-plot"', 1)[1]
    assert f'"zmin":-{HEATMAP_CLIP}' in heatmap
    assert f'"zmax":{HEATMAP_CLIP}' in heatmap


def test_short_backtest_without_benchmark_still_renders() -> None:
    from alchemiser.application.backtest import BacktestConfig, SleeveInput, run_backtest
    from alchemiser.domain.symphony.tree import Asset, Symphony
    from tests.backtest.test_backtester import _source

    sleeves = [SleeveInput("a", Symphony("hold", Asset("AAA")), 1.0)]
    result = run_backtest(sleeves, _source(), BacktestConfig(benchmark=None))
    html = render_tearsheet(result, log_scale=False)
    assert html.count("Plotly.newPlot(") == len(CHART_TITLES)
    assert "synthetic-banner" not in html
    assert "buy and hold" not in html  # no benchmark trace
