"""Terminal, JSON and HTML report of one run tell the same story (issue 12): the same orders
with the same phases, quantities and statuses, the same plan and the same run status.

The terminal is what `trade` printed, the HTML is the report file it wrote, the JSON is what
`history --run ID --json` reads back from the ledger: three independent paths to one run.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from html.parser import HTMLParser
from pathlib import Path

import pytest

from alchemiser.interface.cli.main import main
from alchemiser.interface.cli.output import console

Row = tuple[str, ...]


class _Tables(HTMLParser):
    """The rows of every <table id=…> in a page, as cell texts."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._table: str | None = None
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._table = dict(attrs).get("id") or ""
            self.tables[self._table] = []
        elif tag == "tr" and self._table is not None:
            self.tables[self._table].append([])
        elif tag in ("td", "th") and self._table is not None:
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None and self._table is not None:
            self.tables[self._table][-1].append("".join(self._cell).strip())
            self._cell = None
        elif tag == "table":
            self._table = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def _number(text: str) -> Decimal:
    return Decimal(text.replace(",", "").replace("$", ""))


def _terminal_rows(out: str, title: str, width: int) -> list[list[str]]:
    """Body rows of the Rich table titled `title` (cells split on the box-drawing bars)."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == title)
    rows = []
    for line in lines[start + 1 :]:
        if line.startswith("└"):
            break
        if line.startswith("│"):
            rows.append([cell.strip() for cell in line.strip("│").split("│")])
    assert rows and all(len(r) == width for r in rows)
    return rows


@pytest.mark.timeout(240)
def test_terminal_json_and_html_of_one_run_agree(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(console, "width", 250)  # no truncated cells
    capsys.readouterr()
    assert main(["trade", "--yes"]) == 0
    out = capsys.readouterr().out
    header = re.search(r"Run (\S+) · sim · broker sim .* · (\w+)\s*$", out, re.MULTILINE)
    assert header is not None
    run_id, terminal_status = header.groups()
    report = re.search(r"Report: (\S+)", out)
    assert report is not None
    html = _Tables()
    html.feed(Path(report.group(1)).read_text(encoding="utf-8"))
    assert main(["history", "--run", run_id, "--json"]) == 0
    record = json.loads(capsys.readouterr().out)

    # status
    html_status = {r[0]: r[1] for r in html.tables["run"] if len(r) == 2}["status"]
    assert terminal_status == html_status == record["run"]["status"] == "completed"

    # orders: (phase, symbol, side, qty, status, filled qty) as multisets
    def order(cells: list[str]) -> Row:
        phase, symbol, side, qty, status, filled = cells
        return (phase, symbol, side, str(_number(qty)), status, str(_number(filled)))

    columns = (0, 1, 2, 4, 6, 7)  # phase, symbol, side, qty, status, filled in both tables
    terminal = Counter(order([r[i] for i in columns]) for r in _terminal_rows(out, "Orders", 9))
    page = Counter(order([r[i] for i in columns]) for r in html.tables["orders"][1:])
    keys = ("phase", "symbol", "side", "qty", "status", "filled_qty")
    ledger = Counter(order([o[k] for k in keys]) for o in record["orders"])
    assert terminal == page == ledger
    assert {row[0] for row in ledger} >= {"buy"}  # a fresh account only buys
    assert sum(ledger.values()) == len(record["orders"]) > 0

    # plan: (phase, symbol, side, qty)
    terminal_plan = Counter(
        (r[0], r[1], r[2], str(_number(r[3]))) for r in _terminal_rows(out, "Plan", 6)
    )
    page_plan = Counter((r[0], r[1], r[2], str(_number(r[3]))) for r in html.tables["plan"][1:])
    ledger_plan = Counter(
        (p["phase"], p["symbol"], p["side"], str(_number(p["qty"]))) for p in record["plan"]
    )
    assert terminal_plan == page_plan == ledger_plan
