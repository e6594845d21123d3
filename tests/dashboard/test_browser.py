"""The dashboard in a real headless Chromium (Debian's `chromium`): every page loads with no
console error, its charts draw real SVG points, a run page lists its orders, and the Overview
shows what `status --json` reports. Screenshots go to the test's tmp dir (artefacts)."""

from __future__ import annotations

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

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]


@pytest.fixture
def served(traded: dict[str, Any]) -> Iterator[str]:
    """The dashboard on 127.0.0.1 (ephemeral port) in a thread, stopped after the test."""
    app = create_app(SettingsSource(bootstrap.load_settings()))
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    for _ in range(300):
        if server.started:
            break
        threading.Event().wait(0.05)
    assert server.started, "the dashboard did not start"
    port = server.servers[0].sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(timeout=10)


def test_pages_in_headless_chromium(
    served: str,
    traded: dict[str, Any],
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    status = cli_json(capsys, ["status", "--json"])
    pages = {"overview": "/", "runs": "/runs", "run": f"/runs/{traded['run_id']}"}
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 390, "height": 844})  # a phone
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            outside: list[str] = []
            page.on(
                "request",
                lambda r: outside.append(r.url) if not r.url.startswith(served) else None,
            )
            for name, url in pages.items():
                page.goto(served + url, wait_until="networkidle")
                if name in ("overview", "run"):
                    page.wait_for_selector(".chart svg.main-svg", timeout=15_000)
                    points = page.locator(".chart .trace.bars .point").count()
                    assert points > 0, f"{name}: the chart drew no bar"
                page.screenshot(path=str(tmp_path / f"{name}.png"), full_page=True)
            assert problems == [], problems
            assert outside == [], outside

            page.goto(served + "/", wait_until="networkidle")
            equity = Decimal(page.inner_text("#equity").replace(",", ""))
            assert equity == Decimal(status["account"]["equity"]).quantize(Decimal("0.01"))
            bars = page.locator(".chart .trace.bars .point").count()
            assert bars == len(status["account"]["positions"])

            page.goto(served + pages["run"], wait_until="networkidle")
            rows = page.locator("#orders tbody tr").all_inner_texts()
            for order in traded["orders"]:
                assert any(order["client_order_id"] in row for row in rows)
        finally:
            browser.close()
    shots = sorted(f.name for f in tmp_path.glob("*.png"))
    assert shots == sorted(f"{n}.png" for n in pages)
    print("screenshots:", tmp_path)
