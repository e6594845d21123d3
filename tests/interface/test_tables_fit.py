"""Tables never cut a number (issue 16): every table the CLI renders, printed at 80 and 120
columns, keeps every figure whole — no cell that held a number ends in `…`, no header is cut —
and messages print as literal text (`[sleeves]` stays `[sleeves]`).

The commands run through the real entry point on the simulated broker and the synthetic market;
the figures checked come from the same command's `--json` output.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from decimal import Decimal
from pathlib import Path

import pytest
from rich.console import Console

from alchemiser.application.results.data import CacheEntryView, DataStatusResult
from alchemiser.interface.cli import output
from alchemiser.interface.cli.main import main
from alchemiser.interface.cli.render.research import render_data_status
from alchemiser.interface.cli.render.tables import FittedTable, number, text

pytestmark = pytest.mark.timeout(600)

WIDTHS = (80, 120)
CELL_SPLIT = re.compile(r"[│┃]")
NUMBERISH = re.compile(r"[-+$]?[\d,.]+[%×]?")


def _symphony(name: str, ticker: str) -> str:
    return (
        f'(defsymphony "{name}" {{:rebalance-frequency :daily}}\n'
        f'  (if (> (rsi "SPY" {{:window 10}}) 50) [(asset "{ticker}")] [(asset "TLT")]))\n'
    )


def _cut_cells(text_out: str) -> list[str]:
    """Cells (between table rules) that end in an ellipsis: a shortened figure or header."""
    cut = []
    for row in text_out.splitlines():
        if "│" not in row and "┃" not in row:
            continue
        cut += [c.strip() for c in CELL_SPLIT.split(row) if c.strip().endswith("…")]
    return cut


def _run(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> str:
    got = main(argv)
    captured = capsys.readouterr()
    assert got == code, captured.out + captured.err
    return captured.out + captured.err


@pytest.fixture
def width(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    columns = int(request.param)
    for shared in (output.console, output.err_console):
        monkeypatch.setattr(shared, "_width", columns)
    return columns


@pytest.fixture
def eight_sleeves(tmp_path: Path) -> Path:
    tickers = ["QQQ", "TQQQ", "SOXL", "TECL", "UPRO", "SPXL", "TMF", "GLD"]
    lines = ["[sleeves]"]
    for n, ticker in enumerate(tickers):
        path = tmp_path / f"sleeve_{n}_{ticker.lower()}_momentum.clj"
        path.write_text(_symphony(f"{ticker} switch", ticker), encoding="utf-8")
        lines += [f"[sleeves.{ticker.lower()}_rotation]", f'symphony = "{path.name}"']
        lines.append(f"allocation = {0.125}")
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text("\n".join(lines[1:]) + "\n", encoding="utf-8")
    return portfolio


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_trade_status_history_and_signal_keep_every_figure(
    capsys: pytest.CaptureFixture[str], width: int
) -> None:
    shown = _run(capsys, ["trade", "--yes"])
    assert "Orders" in shown and "Plan" in shown  # the wide tables really are drawn
    shown += _run(capsys, ["status"])
    listing = _run(capsys, ["history"])
    runs = json.loads(_run(capsys, ["history", "--json"]))["runs"]
    record_text = _run(capsys, ["history", "--run", runs[0]["run_id"]])
    record = json.loads(_run(capsys, ["history", "--run", runs[0]["run_id"], "--json"]))
    shown += listing + record_text + _run(capsys, ["signal"])
    assert _cut_cells(shown) == []
    assert runs[0]["run_id"] in listing  # the id `history --run` takes, whole
    for order in record["orders"]:  # `order… limit… cance… 3444.…` was the report
        assert f" {order['status']} " in record_text
        assert _figure(order["qty"]) in record_text
        if order["limit_price"] is not None:
            assert _figure(order["limit_price"], price=True) in record_text


def _figure(value: str, *, price: bool = False) -> str:
    """The exact decimal as a trader reads it (independent of the renderer's helpers)."""
    exact = Decimal(value).normalize()
    digits = (
        max(2, -int(exact.as_tuple().exponent))
        if price
        else max(0, -int(exact.as_tuple().exponent))
    )
    shown = f"{abs(exact):,.{digits}f}"
    return f"${shown}" if price else shown


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_backtest_of_eight_sleeves_keeps_every_metric(
    capsys: pytest.CaptureFixture[str], width: int, eight_sleeves: Path
) -> None:
    argv = ["backtest", "--portfolio", str(eight_sleeves), "--start", "2023-01-03"]
    argv += ["--end", "2023-06-30"]
    shown = _run(capsys, argv)
    result = json.loads(_run(capsys, [*argv, "--json"]))
    assert _cut_cells(shown) == []
    for sleeve in result["sleeves"]:
        assert sleeve["sleeve"] in shown
        cagr = sleeve["metrics"]["cagr"]
        assert f"{cagr:.2%}" in shown
    for line in shown.splitlines():
        assert len(line.rstrip()) <= width


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_many_file_backtest_summary_keeps_every_figure(
    capsys: pytest.CaptureFixture[str], width: int, eight_sleeves: Path
) -> None:
    files = sorted(str(p) for p in eight_sleeves.parent.glob("*.clj"))[:3]
    argv = ["backtest", *files, "--start", "2023-01-03", "--end", "2023-06-30", "--workers", "1"]
    shown = _run(capsys, argv)
    assert _cut_cells(shown) == []
    result = json.loads(_run(capsys, [*argv, "--json"]))
    for row in result["files"]:
        assert f"{row['sharpe']:.2f}" in shown


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_research_and_operations_tables_keep_every_figure(
    capsys: pytest.CaptureFixture[str], width: int, eight_sleeves: Path
) -> None:
    clj = next(eight_sleeves.parent.glob("*.clj"))
    shown = _run(capsys, ["indicator", "rsi", "SPY", "--window", "10"])
    shown += _run(capsys, ["symphony", "check", str(clj)])
    shown += _run(capsys, ["symphony", "params", str(clj)])
    shown += _run(capsys, ["config", "show"])
    shown += _run(capsys, ["config", "check"])
    shown += _run(capsys, ["trade", "--yes"])
    shown += _run(capsys, ["autopilot", "status"])
    shown += _run(capsys, ["data", "status"])
    assert _cut_cells(shown) == []


@pytest.mark.parametrize("width", WIDTHS, indirect=True)
def test_data_status_with_long_entries(capsys: pytest.CaptureFixture[str], width: int) -> None:
    entry = CacheEntryView(
        source="yahoo",
        ticker="BRK-B",
        rows=1_234_567,
        first=dt.date(1990, 1, 2),
        last=dt.date(2026, 11, 27),
        sessions_behind=12_345,
        size_bytes=987_654_321,
        modified=dt.datetime(2026, 11, 27, tzinfo=dt.UTC),
        path="/a/very/long/path/to/the/cache/yahoo/BRK-B.parquet",
        error="the file is truncated: the parquet footer is missing (re-fetch it)",
    )
    render_data_status(
        DataStatusResult(
            cache_dir="/a/very/long/path/to/the/cache",
            last_completed_session=dt.date(2026, 11, 27),
            total_bytes=987_654_321,
            entries=[entry],
        )
    )
    shown = capsys.readouterr().out
    assert _cut_cells(shown) == []
    assert "1234567" in shown and "12345 sessions" in shown and "941.9 MB" in shown


@pytest.mark.parametrize("columns", [1, 5, 12, 30])
def test_fitted_table_stacks_columns_rather_than_cut(columns: int) -> None:
    """A table far wider than the terminal: every figure whole, every row keeps its key."""
    figures = [
        [f"{(r + 1) * 1_234_567.891 * (c + 1):,.2f}" for c in range(columns)] for r in range(3)
    ]
    rows = [[f"sleeve_{r}", *figures[r]] for r in range(3)]
    table = FittedTable(
        [text("sleeve"), *(number(f"metric number {c}") for c in range(columns))], rows
    )
    console = Console(width=80, record=True, file=open("/dev/null", "w"))  # noqa: SIM115
    console.print(table)
    shown = console.export_text()
    console.file.close()
    assert _cut_cells(shown) == []
    for row in figures:
        for figure in row:
            assert figure in shown
    assert all(len(line) <= 80 for line in shown.splitlines())
    tables = shown.count("┃ sleeve ")  # the key column heads every stacked table
    assert shown.count("sleeve_0") == tables
    assert tables == 1 if columns <= 3 else tables > 1


def test_messages_print_as_literal_text(capsys: pytest.CaptureFixture[str]) -> None:
    reason = "check [sleeves] and [then …] [else …] [bold]before[/] resuming"
    shown = _run(capsys, ["halt", "--reason", reason])
    shown += _run(capsys, ["autopilot", "status"])
    shown += _run(capsys, ["resume"])
    # lines may wrap at spaces; the words, brackets included, must all be there
    assert " ".join(shown.split()).count(" ".join(reason.split())) == 3, shown


@pytest.mark.parametrize("width", [80], indirect=True)
def test_sweep_summary_and_a_wide_heatmap_keep_every_figure(
    capsys: pytest.CaptureFixture[str], width: int, tmp_path: Path
) -> None:
    """21 values on one axis: the heat-map row is far wider than 80 columns."""
    path = tmp_path / "spy_switch.clj"
    path.write_text(_symphony("spy [switch]", "QQQ"), encoding="utf-8")
    argv = ["sweep", str(path), "--param", "if[0].cond.rhs=30..70:2"]
    argv += ["--start", "2023-01-03", "--end", "2023-06-30", "--workers", "1"]
    shown = _run(capsys, argv)
    result = json.loads(_run(capsys, [*argv, "--json"]))
    assert _cut_cells(shown) == []
    for variant in result["variants"]:
        if variant["sharpe"] is not None:
            assert f"{variant['sharpe']:.2f}" in shown
