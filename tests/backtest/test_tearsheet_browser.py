"""The tearsheet in a real headless Chromium (Debian's `chromium`), offline: every chart draws
SVG with data points, no console error, no request leaves the file system, and the Log/Linear
buttons clear plotly's toolbar. Screenshots of the sections go to build/test-artefacts/tearsheet/
(or $ALCHEMISER_TEST_ARTEFACTS/tearsheet/), beside the dashboard's, where .ci/run lists them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from alchemiser.application.backtest import BacktestResult
from alchemiser.interface.reports.tearsheet import CHART_TITLES, write_tearsheet

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTEFACTS = Path(os.environ.get("ALCHEMISER_TEST_ARTEFACTS") or ROOT / "build" / "test-artefacts")
pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(180),
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="chromium is not installed"),
]

# What each chart must have drawn: a selector of its data marks inside the chart's div.
DATA_MARKS = {
    "equity": ".scatterlayer .trace path.js-line",
    "drawdown": ".scatterlayer .trace path.js-line",
    "yearly-returns": ".barlayer .point path",
    "monthly-returns": ".heatmaplayer image",
    "distribution": ".barlayer .point path",
    "rolling-volatility": ".scatterlayer .trace path.js-line",
    "rolling-sharpe": ".scatterlayer .trace path.js-line",
    "allocation": ".barlayer .point path",
    "sleeves": ".scatterlayer .trace path.js-fill",
}
SECTIONS = {
    "tables": "div.tables",
    "drawdowns": "#drawdowns-table",
    "yearly-returns": "#yearly-returns",
    "monthly-returns": "#monthly-returns",
    "distribution": "#distribution",
    "allocation": "#allocation",
    "equity": "#equity",
}


def _overlap(a: dict[str, float], b: dict[str, float]) -> bool:
    return not (
        a["x"] + a["width"] <= b["x"]
        or b["x"] + b["width"] <= a["x"]
        or a["y"] + a["height"] <= b["y"]
        or b["y"] + b["height"] <= a["y"]
    )


def test_tearsheet_in_headless_chromium(portfolio_result: BacktestResult, tmp_path: Path) -> None:
    sync_api = pytest.importorskip("playwright.sync_api")
    report = write_tearsheet(portfolio_result, tmp_path / "report" / "tearsheet.html")
    shots = ARTEFACTS / "tearsheet"
    shots.mkdir(parents=True, exist_ok=True)
    assert set(DATA_MARKS) == set(CHART_TITLES)
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            problems: list[str] = []
            page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: problems.append(str(e)))
            outside: list[str] = []

            def offline(route: object) -> None:
                request = route.request  # type: ignore[attr-defined]
                if request.url.startswith("file://"):
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    outside.append(request.url)
                    route.abort()  # type: ignore[attr-defined]

            page.route("**/*", offline)
            page.goto(report.as_uri(), wait_until="load")
            for key, marks in DATA_MARKS.items():
                page.wait_for_selector(f"#{key}-plot svg.main-svg", timeout=20_000)
                drawn = page.locator(f"#{key}-plot {marks}")
                assert drawn.count() > 0, f"{key}: no data drawn"
                if "path" in marks:
                    d = drawn.first.get_attribute("d") or ""
                    assert len(d) > 10, f"{key}: an empty path"
            assert page.locator("#plotly-missing").is_hidden()
            for table in ("stats-table", "trailing-table", "holdings-table", "drawdowns-table"):
                assert page.locator(f"#{table} tbody tr").count() > 0, table

            # The Log/Linear switch and plotly's toolbar (shown on hover) must not overlap.
            page.hover("#equity-plot .nsewdrag")
            page.wait_for_selector("#equity-plot .modebar", state="visible")
            buttons = page.locator("#equity-plot .updatemenu-container").bounding_box()
            toolbar = page.locator("#equity-plot .modebar").bounding_box()
            assert buttons is not None and toolbar is not None
            assert not _overlap(buttons, toolbar), (buttons, toolbar)
            page.locator("#equity-plot .updatemenu-button").nth(1).click()  # Linear
            page.wait_for_function(
                "document.getElementById('equity-plot').layout.yaxis.type === 'linear'"
            )

            page.screenshot(path=str(shots / "tearsheet.png"), full_page=True)
            for name, selector in SECTIONS.items():
                page.locator(selector).screenshot(path=str(shots / f"{name}.png"))
            assert problems == [], problems
            assert outside == [], outside
        finally:
            browser.close()
    written = sorted(f.name for f in shots.glob("*.png"))
    assert written == sorted(["tearsheet.png", *(f"{n}.png" for n in SECTIONS)])
    assert all((shots / name).stat().st_size > 5_000 for name in written)
    print("screenshots:", shots)
