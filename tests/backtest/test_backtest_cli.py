"""`alchemiser backtest` through the real entry point (synthetic market, no network)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import empyrical
import numpy as np
import pandas as pd
import pytest

from alchemiser.domain.errors import ErrorCategory
from alchemiser.interface.cli.main import main

WINDOW = ["--start", "2021-01-01", "--end", "2022-12-30"]


def _json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> dict[str, object]:
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    payload = json.loads(out)
    assert isinstance(payload, dict)
    return payload


def test_json_matches_the_equity_csv(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    equity_csv = tmp_path / "equity.csv"
    weights_csv = tmp_path / "weights.csv"
    payload = _json(
        capsys,
        [
            "backtest",
            "--strategy",
            "tecl",
            "--strategy",
            "nuclear",
            *WINDOW,
            "--json",
            "--equity-out",
            str(equity_csv),
            "--weights-out",
            str(weights_csv),
        ],
    )
    frame = pd.read_csv(equity_csv, index_col="date")
    assert payload["start"] == frame.index[0] == "2021-01-04"
    assert payload["end"] == frame.index[-1] == "2022-12-30"
    assert payload["final_equity"] == pytest.approx(frame["portfolio"].iloc[-1], rel=1e-9)
    returns = frame["portfolio"].pct_change().dropna().to_numpy()
    metrics = payload["metrics"]
    assert isinstance(metrics, dict)
    assert metrics["cagr"] == pytest.approx(empyrical.annual_return(returns), rel=1e-6)
    assert metrics["sharpe"] == pytest.approx(empyrical.sharpe_ratio(returns), rel=1e-6)
    assert metrics["max_drawdown"] == pytest.approx(-empyrical.max_drawdown(returns), rel=1e-6)
    np.testing.assert_allclose(
        frame["portfolio"], frame["sleeve:tecl"] + frame["sleeve:nuclear"], atol=1e-5
    )
    assert "benchmark:SPY" in frame.columns
    weights = pd.read_csv(weights_csv, index_col="date")
    np.testing.assert_allclose(weights.sum(axis=1), 1.0, atol=1e-6)
    assert payload["synthetic"] is True
    sleeves = payload["sleeves"]
    assert isinstance(sleeves, list)
    assert [s["sleeve"] for s in sleeves] == ["tecl", "nuclear"]
    assert all(s["allocation"] == 0.5 for s in sleeves)


def test_costs_switches(capsys: pytest.CaptureFixture[str]) -> None:
    base = ["backtest", "--strategy", "tecl", *WINDOW, "--json"]
    with_fees = _json(capsys, base)
    no_fees = _json(capsys, [*base, "--no-fees"])
    free = _json(capsys, [*base, "--no-fees", "--slippage-bps", "0"])
    breakdown = with_fees["cost_breakdown"]
    assert isinstance(breakdown, dict)
    assert breakdown["sec_fee"] > 0 and breakdown["finra_taf"] > 0
    assert no_fees["cost_breakdown"] == {
        "slippage": pytest.approx(no_fees["costs"]),
        "sec_fee": 0.0,
        "finra_taf": 0.0,
    }
    assert free["costs"] == 0.0
    assert free["final_equity"] > no_fees["final_equity"] > with_fees["final_equity"]


def test_portfolio_file_rebalance_override_and_report(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text("[sleeves]\ntecl = 0.7\nklm = 0.3\n", encoding="utf-8")
    report = tmp_path / "out" / "report.html"
    payload = _json(
        capsys,
        [
            "backtest",
            "--portfolio",
            str(portfolio),
            *WINDOW,
            "--rebalance",
            "threshold:0.2",
            "--sleeve-rebalance",
            "quarterly",
            "--report",
            str(report),
            "--json",
        ],
    )
    sleeves = payload["sleeves"]
    assert isinstance(sleeves, list)
    assert {s["sleeve"]: s["rebalance"] for s in sleeves} == {
        "tecl": "threshold:0.2",
        "klm": "threshold:0.2",
    }
    assert report.is_file() and "Per-sleeve contribution" in report.read_text(encoding="utf-8")
    from alchemiser.interface.reports.tearsheet import PLOTLY_BUNDLE

    assert (report.parent / PLOTLY_BUNDLE).is_file()  # the report's charts load it offline


def test_table_output(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["backtest", "--strategy", "klm", *WINDOW]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC DATA" in out
    assert "Sharpe" in out and "max drawdown" in out


def test_history_is_extended_back_for_an_early_start() -> None:
    from alchemiser.application.services.backtest import BacktestService
    from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket

    service = BacktestService(
        SyntheticMarket(7), lambda ref: None,  # type: ignore[arg-type,return-value]
        history_years=25, today=lambda: dt.date(2026, 11, 29),
    )  # fmt: skip
    assert service.history_start(None) is None
    assert service.history_start(dt.date(2020, 1, 2)) is None  # the default 25 years suffice
    assert service.history_start(dt.date(1990, 1, 2)) == dt.date(1987, 1, 2)


@pytest.mark.parametrize(
    ("argv", "needle"),
    [
        (["--rebalance", "fortnightly"], "fortnightly"),
        (["--sleeve-rebalance", "daily"], "--sleeve-rebalance"),
        (["--start", "2021-13-01"], "--start"),
        (["--capital", "-5"], "capital"),
        (["--portfolio", "nowhere.toml"], "--strategy or --portfolio"),
    ],
)
def test_bad_options_are_configuration_errors(
    capsys: pytest.CaptureFixture[str], argv: list[str], needle: str
) -> None:
    code = main(["backtest", "--strategy", "tecl", *argv])
    assert code == ErrorCategory.CONFIGURATION.exit_code
    assert needle in capsys.readouterr().err


def test_a_real_symphony_file_with_its_own_corridor(
    capsys: pytest.CaptureFixture[str], symphonies_dir: Path
) -> None:
    path = symphonies_dir / "KLM.clj"
    text = path.read_text(encoding="utf-8")
    assert ":rebalance-threshold 0.1" in text.replace("\n", " ")
    payload = _json(capsys, ["backtest", "--strategy", str(path), *WINDOW, "--json"])
    sleeves = payload["sleeves"]
    assert isinstance(sleeves, list)
    assert sleeves[0]["sleeve"] == "KLM"
    assert sleeves[0]["rebalance"] == "threshold:0.1"
    assert 0 < sleeves[0]["rebalances"] < 502
