"""`alchemiser data …` and `alchemiser indicator` end to end through the CLI entry point."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import numpy as np
import pytest
import talib

from alchemiser import bootstrap
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket
from alchemiser.interface.cli.main import main


def run_json(capsys: pytest.CaptureFixture[str], *argv: str) -> object:
    code = main(list(argv))
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


def test_indicator_matches_talib_on_the_synthetic_market(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = run_json(
        capsys, "indicator", "rsi", "SPY", "--window", "10", "--as-of", "2025-01-10", "--json"
    )
    # History goes back the configured 25 years from the as-of date (not from today).
    start = dt.date(2025, 1, 10) - dt.timedelta(days=9131)
    market = SyntheticMarket(7, today=dt.date(2025, 1, 10))
    closes = market.history(["SPY"], start).closes("SPY")
    assert payload == {
        "schema_version": 1,
        "indicator": "rsi",
        "ticker": "SPY",
        "window": 10,
        "parameters": {},
        "as_of": "2025-01-10",
        "value": pytest.approx(float(talib.RSI(closes, 10)[-1]), abs=1e-9),
        "needs_closes": 11,  # RSI 10 is seeded with the mean of the first 10 changes
        "closes_available": len(closes),
        "source": "synthetic",
        "synthetic": True,
        "warnings": [],
    }


def test_indicator_on_a_closed_day_uses_the_session_before(
    capsys: pytest.CaptureFixture[str],
) -> None:
    payload = run_json(
        capsys,
        "indicator",
        "moving-average-price",
        "qqq",
        "-w",
        "200",
        "--as-of",
        "2025-01-09",
        "--json",
    )
    assert isinstance(payload, dict)
    closes = SyntheticMarket(7, today=dt.date(2025, 1, 8)).history(["QQQ"]).closes("QQQ")
    assert payload["as_of"] == "2025-01-08"
    assert payload["ticker"] == "QQQ"
    assert payload["value"] == pytest.approx(closes[-200:].mean(), rel=1e-12)


def test_indicator_human_output_says_synthetic(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["indicator", "relative-strength-index", "TQQQ", "--window", "10"]) == 0
    out = capsys.readouterr().out
    assert "SYNTHETIC" in out
    assert "rsi 10 of TQQQ" in out


def test_unknown_indicator_and_bad_date_are_configuration_errors(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["indicator", "macd", "SPY", "--window", "3"]) == 14
    assert "unknown indicator 'macd'" in capsys.readouterr().err
    assert main(["indicator", "rsi", "SPY", "--window", "3", "--as-of", "13/01/2025"]) == 14


def test_data_show_json(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(capsys, "data", "show", "TLT", "--last", "3", "--json")
    assert isinstance(payload, dict)
    assert payload["ticker"] == "TLT"
    assert payload["synthetic"] is True
    assert len(payload["bars"]) == 3
    dates = [b["date"] for b in payload["bars"]]
    assert dates == sorted(dates)
    assert all(b["close"] > 0 for b in payload["bars"])
    assert payload["warnings"] == []


def test_fetch_from_files_then_status(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    files = tmp_path / "prices"
    files.mkdir()
    (files / "ABC.csv").write_text(
        "date,close\n2025-01-02,10\n2025-01-03,11\n2025-01-06,12\n2025-01-07,13\n"
    )
    fetched = run_json(
        capsys, "data", "fetch", "ABC", "--source", f"files:{files}", "--start", "2025-01-01",
        "--json",
    )  # fmt: skip
    assert isinstance(fetched, dict)
    assert fetched["synthetic"] is False
    (row,) = fetched["tickers"]
    assert row["ticker"] == "ABC"
    assert row["new_rows"] == 4
    assert (row["first"], row["last"]) == ("2025-01-02", "2025-01-07")

    status = run_json(capsys, "data", "status", "--json")
    assert isinstance(status, dict)
    (entry,) = status["entries"]
    assert entry["ticker"] == "ABC"
    assert entry["rows"] == 4
    assert entry["last"] == "2025-01-07"
    assert entry["sessions_behind"] > 300  # stale: nothing after January 2025
    assert entry["source"].startswith("files-")
    assert status["total_bytes"] == entry["size_bytes"] > 0

    shown = run_json(capsys, "data", "show", "ABC", "--source", f"files:{files}", "--json")
    assert isinstance(shown, dict)
    assert [b["close"] for b in shown["bars"]] == [10.0, 11.0, 12.0, 13.0]
    assert shown["synthetic"] is False
    (warning,) = shown["warnings"]  # research path: the stale file is reported, not refused
    assert warning.startswith("ABC 2025-01-07: last close is from 2025-01-07, expected ")


def test_bad_source_spec(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["data", "show", "SPY", "--source", "bloomberg"]) == 14
    assert "unknown market data source 'bloomberg'" in capsys.readouterr().err
    assert main(["data", "show", "SPY", "--source", "files:"]) == 14


def test_indicator_values_agree_with_ema_from_talib(capsys: pytest.CaptureFixture[str]) -> None:
    payload = run_json(
        capsys, "indicator", "exponential-moving-average-price", "XLK", "--window", "20",
        "--as-of", "2024-06-28", "--json",
    )  # fmt: skip
    assert isinstance(payload, dict)
    closes = SyntheticMarket(7, today=dt.date(2024, 6, 28)).history(["XLK"]).closes("XLK")
    assert payload["value"] == pytest.approx(float(talib.EMA(closes, 20)[-1]), rel=1e-9)
    assert np.isfinite(payload["value"])


@pytest.mark.timeout(120)
def test_indicator_as_of_an_old_date_on_files(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Issue 12: history is counted back from the as-of date, so a date 25+ years ago works
    on a user's own files (it used to ask for the empty range <today − 25y> … 2000-01-13)."""
    files = tmp_path / "prices"
    files.mkdir()
    days = [d.date() for d in pd_bdays("1999-09-01", "2000-02-29")]
    rng = np.random.default_rng(12)
    closes = 50 * np.cumprod(1 + rng.normal(0, 0.01, len(days)))
    lines = ["date,close", *(f"{d},{c:.6f}" for d, c in zip(days, closes, strict=True))]
    (files / "OLD.csv").write_text("\n".join(lines) + "\n")
    payload = run_json(
        capsys, "indicator", "rsi", "OLD", "--window", "14", "--as-of", "2000-01-13",
        "--source", f"files:{files}", "--json",
    )  # fmt: skip
    assert isinstance(payload, dict)
    # the cache serves NYSE sessions only (SPEC §16): the file's holiday bars are not history
    calendar = bootstrap.trading_calendar()
    kept = [(d, c) for d, c in zip(days, closes, strict=True) if calendar.is_session(d)]
    assert len(kept) < len(days)  # the file does hold holiday bars (Thanksgiving, MLK day…)
    upto = np.array([float(f"{c:.6f}") for d, c in kept if d <= dt.date(2000, 1, 13)])
    assert payload["as_of"] == "2000-01-13"
    assert payload["value"] == pytest.approx(float(talib.RSI(upto, 14)[-1]), rel=1e-9)
    assert payload["closes_available"] == len(upto)


def pd_bdays(start: str, end: str) -> list[dt.datetime]:
    """Weekdays between two dates (the file need not follow the NYSE calendar)."""
    first, last = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    out = []
    day = first
    while day <= last:
        if day.weekday() < 5:
            out.append(dt.datetime.combine(day, dt.time()))
        day += dt.timedelta(days=1)
    return out
