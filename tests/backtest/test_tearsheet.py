"""The HTML tearsheet: every plot present, self-contained, and it renders in a headless browser."""

from __future__ import annotations

import dataclasses
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from alchemiser.application.backtest import BacktestResult
from alchemiser.interface.reports.tearsheet import (
    CHART_TITLES,
    monthly_returns,
    render_tearsheet,
    write_tearsheet,
)


@pytest.fixture(scope="module")
def html(portfolio_result: BacktestResult) -> str:
    return render_tearsheet(portfolio_result)


def test_every_plot_is_present_with_its_title(html: str) -> None:
    for key, title in CHART_TITLES.items():
        assert f"<h2>{title}</h2>" in html.replace("&#39;", "'")
        assert f'id="{key}-plot"' in html
    assert html.count("Plotly.newPlot(") == len(CHART_TITLES)


def test_self_contained_with_plotly_inlined_once(html: str) -> None:
    assert not re.search(r"<script[^>]+src=", html), "no external scripts"
    # The library's own banner comment appears once: inlined in the first chart only.
    assert len(re.findall(r"\* plotly\.js v\d", html)) == 1
    assert len(html) > 3_000_000  # plotly.js itself is ~4 MB


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
    assert re.search(r'"yaxis":\{[^}]*"type":"log"', log)
    assert not re.search(r'"yaxis":\{[^}]*"type":"log"', linear)


def test_monthly_returns_by_hand() -> None:
    index = pd.to_datetime(["2024-01-30", "2024-01-31", "2024-02-01", "2024-02-29", "2024-03-01"])
    equity = pd.Series([100.0, 110.0, 99.0, 121.0, 121.0], index=index)
    table = monthly_returns(equity)
    assert table.loc[2024, 1] == pytest.approx(0.10)  # 100 → 110
    assert table.loc[2024, 2] == pytest.approx(0.10)  # 110 → 121
    assert table.loc[2024, 3] == pytest.approx(0.0)
    assert np.isnan(table.loc[2024, 4])


def _chromium() -> str | None:
    for name in ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    return None


def test_renders_in_headless_chromium(portfolio_result: BacktestResult, tmp_path: Path) -> None:
    browser = _chromium()
    if browser is None:
        pytest.skip("chromium is not installed")
    page = write_tearsheet(portfolio_result, tmp_path / "report.html")
    # Any uncaught script error is written into the DOM, where --dump-dom shows it.
    text = page.read_text(encoding="utf-8")
    trap = (
        "<script>window.addEventListener('error', function (e) {"
        " document.documentElement.setAttribute('data-js-error', String(e.message)); });</script>"
    )
    page.write_text(text.replace("<head>", "<head>" + trap, 1), encoding="utf-8")
    run = subprocess.run(
        [
            browser,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-dev-shm-usage",
            "--virtual-time-budget=15000",
            "--dump-dom",
            page.as_uri(),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    dom = run.stdout
    assert run.returncode == 0, run.stderr[-2000:]
    root = re.search(r"<html[^>]*>", dom)
    assert root is not None and "data-js-error" not in root.group(0), root
    for key in CHART_TITLES:
        block = dom.split(f'id="{key}-plot"', 1)
        assert len(block) == 2, key
    # plotly drew an SVG for every chart (it only does so when its script ran without error).
    assert dom.count('class="main-svg"') >= len(CHART_TITLES)
    assert dom.count("js-plotly-plot") >= len(CHART_TITLES)


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
