"""Issue 16: `signal` applies the trading path's data-quality gate. A close of −1 used to be
allocated on (exit 0) while `trade` refused the same data; a NaN close of a held ticker was a
"missing condition history" (STRATEGY 13). Both are DATA errors (12) naming ticker and date."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from alchemiser import bootstrap
from alchemiser.interface.cli.main import main

SYMPHONY = (
    '(defsymphony "q" {:rebalance-frequency :daily}\n'
    '  (if (> (moving-average-price "AAA" {:window 5}) 0) [(asset "BBB")] [(asset "CCC")]))\n'
)


def _market(tmp_path: Path, bad: dict[str, tuple[int, str]]) -> tuple[Path, list[dt.date]]:
    """300 sessions of gently rising closes for AAA, BBB and CCC; `bad` puts a value at the
    n-th session from the end of one ticker."""
    calendar = bootstrap.trading_calendar()
    end = calendar.previous_session(dt.date.today())
    days = [
        dt.date.fromisoformat(str(d)[:10]) for d in calendar.sessions(end - dt.timedelta(450), end)
    ]
    days = days[-300:]
    folder = tmp_path / "prices"
    folder.mkdir()
    for ticker in ("AAA", "BBB", "CCC"):
        closes = [f"{100 + i * 0.1:.2f}" for i in range(len(days))]
        if ticker in bad:
            back, value = bad[ticker]
            closes[-back] = value
        rows = "".join(f"{d},{c}\n" for d, c in zip(days, closes, strict=True))
        (folder / f"{ticker}.csv").write_text("date,close\n" + rows, encoding="utf-8")
    (tmp_path / "q.clj").write_text(SYMPHONY, encoding="utf-8")
    return folder, days


def _signal(tmp_path: Path, folder: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict]:
    code = main(
        [
            "signal",
            "--json",
            "--closes-only",
            "-s",
            str(tmp_path / "q.clj"),
            "--source",
            f"files:{folder}",
        ]
    )
    return code, json.loads(capsys.readouterr().out)


@pytest.mark.timeout(120)
def test_clean_files_give_a_signal(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder, _ = _market(tmp_path, {})
    code, out = _signal(tmp_path, folder, capsys)
    assert code == 0, out
    assert [t["symbol"] for t in out["target"]] == ["BBB"]


@pytest.mark.timeout(120)
@pytest.mark.parametrize(
    ("bad", "phrase"),
    [(("BBB", (3, "-1")), "≤ 0"), (("AAA", (2, "nan")), "")],
    ids=["negative", "nan"],
)
def test_bad_close_is_a_data_error_naming_ticker_and_date(
    bad: tuple[str, tuple[int, str]],
    phrase: str,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    ticker, (back, value) = bad
    folder, days = _market(tmp_path, {ticker: (back, value)})
    code, out = _signal(tmp_path, folder, capsys)
    assert code == 12, out
    error = out["error"]
    assert error["category"] == "data"
    assert ticker in error["message"]
    assert days[-back].isoformat() in error["message"]
