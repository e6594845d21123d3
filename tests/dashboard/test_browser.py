"""The dashboard in a real headless Chromium (Debian's `chromium`, driven by Playwright): every
page loads with no console error and no request leaving the machine, its charts draw real SVG
points, a run page lists its orders, and the Overview shows what `status --json` reports.
Pages are viewed on a phone (390×844); the Overview also on a laptop. Screenshots of each page
are written to build/test-artefacts/dashboard/ (or $ALCHEMISER_TEST_ARTEFACTS/dashboard/),
which .ci/run names at its end."""

from __future__ import annotations

import datetime as dt
import os
import shutil
import threading
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import uvicorn

from alchemiser import bootstrap
from alchemiser.interface.dashboard.app import create_app
from alchemiser.interface.dashboard.source import SettingsSource
from tests.dashboard.conftest import cli_json
from tests.dashboard.history import WrittenDay

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("ALCHEMISER_TEST_ARTEFACTS") or ROOT / "build" / "test-artefacts")
SHOTS = ARTEFACTS / "dashboard"
PHONE = {"width": 390, "height": 844}
LAPTOP = {"width": 1100, "height": 760}  # also the README's screenshot: kept small
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(300),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]


@pytest.fixture
def served(traded: dict[str, Any], history: list[WrittenDay]) -> Iterator[tuple[str, str]]:
    """The dashboard on 127.0.0.1 (ephemeral port) in a thread, with one finished backtest,
    stopped after the test. Yields (base URL, the backtest's id)."""
    source = SettingsSource(bootstrap.load_settings())
    job = source.submit_backtest("tecl", dt.date(2024, 1, 2), dt.date(2024, 6, 28))
    finished = source.wait_for_backtest(job.job_id, 150)
    assert finished.state == "done", finished.error
    app = create_app(source)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "the dashboard did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", job.job_id
    server.should_exit = True
    thread.join(timeout=10)


def _points(page: Any, selector: str) -> int:
    """Data points Plotly drew in the chart(s) under `selector`: bars, markers, or the vertices
    of drawn lines and areas (an SVG path `d` with one command per point)."""
    count: int = page.evaluate(
        """(sel) => {
          let n = 0;
          for (const chart of document.querySelectorAll(sel)) {
            n += chart.querySelectorAll('.trace.bars .point, .scatterlayer .point').length;
            for (const p of chart.querySelectorAll('.scatterlayer path.js-line')) {
              n += ((p.getAttribute('d') || '').match(/[ML]/g) || []).length;
            }
          }
          return n;
        }""",
        selector,
    )
    return count


def test_pages_in_headless_chromium(
    served: tuple[str, str],
    traded: dict[str, Any],
    history: list[WrittenDay],
    capsys: pytest.CaptureFixture[str],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    base, job_id = served
    status = cli_json(capsys, ["status", "--json"])
    SHOTS.mkdir(parents=True, exist_ok=True)
    for old in SHOTS.glob("*.png"):
        old.unlink()
    run_url = f"/runs/{traded['run_id']}"
    pages = {
        "overview": "/",
        "runs": "/runs",
        "run": run_url,
        "sleeves": "/sleeves",
        "backtests": "/backtests",
        "backtest": f"/backtests/{job_id}",
    }
    charts = {
        "overview": ["#equity-chart", "#drift-chart", "#holdings-chart"],
        "run": ["#timeline-chart"],
        "sleeves": ["#pnl-chart", ".chart.allocation"],
    }
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport=PHONE, is_mobile=True, has_touch=True)
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            outside: list[str] = []
            page.on(
                "request", lambda r: outside.append(r.url) if not r.url.startswith(base) else None
            )
            for name, url in pages.items():
                page.goto(base + url, wait_until="networkidle")
                for chart in charts.get(name, []):
                    page.wait_for_selector(f"{chart} svg.main-svg", timeout=15_000)
                    assert _points(page, chart) > 0, f"{name}: {chart} drew no data point"
                # Readable on a phone: nothing wider than the screen but the scrolling tables.
                overflow = page.evaluate(
                    "document.documentElement.scrollWidth - document.documentElement.clientWidth"
                )
                assert overflow <= 1, f"{name}: {overflow}px wider than the phone"
                page.screenshot(path=str(SHOTS / f"{name}-phone.png"), full_page=True)
            assert problems == [], problems
            assert outside == [], outside

            # The Overview's figures are status --json's, its curve has every recorded day.
            page.goto(base + "/", wait_until="networkidle")
            for element, key in (("#equity", "equity"), ("#cash", "cash")):
                shown = Decimal(page.inner_text(element).replace(",", ""))
                assert shown == Decimal(status["account"][key]).quantize(Decimal("0.01"))
            assert _points(page, "#holdings-chart") == len(status["account"]["positions"])
            markers = page.locator("#equity-chart .scatterlayer .point").count()
            # Every history day and the sim run's day, once on the equity and once on the
            # drawdown line.
            assert markers == 2 * (len(history) + 1)
            rows = page.locator("#sleeves tbody tr").all_inner_texts()
            for book in status["sleeve_books"]:
                assert any(row.startswith(book["sleeve"]) for row in rows)

            # A run's page lists its orders; its timeline has a point per fill and status change.
            record = cli_json(capsys, ["history", "--run", traded["run_id"], "--json"])
            page.goto(base + run_url, wait_until="networkidle")
            rows = page.locator("#orders tbody tr").all_inner_texts()
            for order in traded["orders"]:
                assert any(order["client_order_id"] in row for row in rows)
            expected = len(record["fills"]) + len(record["order_events"])
            assert _points(page, "#timeline-chart") == expected

            # The backtest's tearsheet renders in its frame.
            page.goto(base + f"/backtests/{job_id}", wait_until="networkidle")
            frame = page.frame_locator("iframe.tearsheet")
            frame.locator("svg.main-svg").first.wait_for(timeout=20_000)

            laptop = browser.new_page(viewport=LAPTOP)
            laptop.goto(base + "/", wait_until="networkidle")
            laptop.wait_for_selector("#equity-chart svg.main-svg")
            laptop.screenshot(path=str(SHOTS / "overview-laptop.png"))
        finally:
            browser.close()
    shots = sorted(f.name for f in SHOTS.glob("*.png"))
    assert shots == sorted([f"{n}-phone.png" for n in pages] + ["overview-laptop.png"])
    print("screenshots:", SHOTS)
