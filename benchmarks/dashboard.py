"""Dashboard page load times on a ledger of 5 years of daily runs.

    .venv/bin/python benchmarks/dashboard.py [--data-dir DIR] [--years 5] [--repeat 5] [--browser]

Without --data-dir it makes a fresh data dir, runs one simulated `trade --yes` (3 built-in
sleeves, synthetic market: real orders and fills), then writes --years of daily runs before
that day through the ledger's real unit of work (tests/dashboard/history.py: start, signals
with explanations, target, the `after` account, finish: what the equity curve, the Sleeves page
and the drift read). `alchemiser replay` could fill it too, but writes each day by evaluating
every symphony and trading it, which takes far longer than the pages it is meant to measure.
With --data-dir it measures that data directory's ledger as it is (e.g. one filled by replay).

Server side: each page is fetched once to warm up, then --repeat times through the ASGI app
(routing, service calls, SQL, rendering); the median and worst wall times are printed.
--browser also loads each page in headless Chromium (Debian's `chromium`) until every chart is
drawn. Target: < 1 s per page.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import io
import json
import os
import shutil
import statistics
import sys
import tempfile
import threading
import time
import warnings
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.dashboard.history


def _fill(years: int) -> None:
    from tests.dashboard.history import weekdays, write_daily_runs

    from alchemiser import bootstrap
    from alchemiser.interface.cli.main import main as cli

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        assert cli(["--quiet", "trade", "--yes", "--json"]) == 0
    day = dt.date.fromisoformat(json.loads(out.getvalue())["trading_day"])
    days = weekdays(day - dt.timedelta(days=1), 252 * years)
    started = time.perf_counter()
    write_daily_runs(bootstrap.ledger(bootstrap.load_settings()), days)
    print(
        f"wrote {len(days)} daily runs ({days[0]} to {days[-1]}) through the ledger unit of "
        f"work in {time.perf_counter() - started:.1f} s, plus one sim trade on {day}"
    )


def _serve(app: Any) -> tuple[str, Any, threading.Thread]:
    import uvicorn

    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.05)
    port = server.servers[0].sockets[0].getsockname()[1]
    return f"http://127.0.0.1:{port}", server, thread


def _browser(app: Any, urls: list[str], repeat: int) -> None:
    from playwright.sync_api import sync_playwright

    chromium = shutil.which("chromium") or "/usr/bin/chromium"
    base, server, thread = _serve(app)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=["--no-sandbox"])
            page = browser.new_page(viewport={"width": 390, "height": 844})
            for url in urls:
                laps = []
                for n in range(repeat + 1):
                    start = time.perf_counter()
                    page.goto(base + url, wait_until="load")
                    page.wait_for_function(
                        "[...document.querySelectorAll('.chart[data-figure]')]"
                        ".every(c => c.querySelector('svg.main-svg'))"
                    )
                    if n:  # the first is the warm-up
                        laps.append(time.perf_counter() - start)
                print(
                    f"browser {url:<37} median {statistics.median(laps) * 1000:8.1f} ms  "
                    f"worst {max(laps) * 1000:8.1f} ms"
                )
            browser.close()
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    parser.add_argument("--years", type=int, default=5)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--browser", action="store_true")
    args = parser.parse_args()
    os.environ["ALCHEMISER_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="dash-bench-")
    warnings.simplefilter("ignore")
    if not args.data_dir:
        _fill(args.years)

    from starlette.testclient import TestClient

    from alchemiser import bootstrap
    from alchemiser.interface.dashboard.app import create_app
    from alchemiser.interface.dashboard.source import SettingsSource

    app = create_app(SettingsSource(bootstrap.load_settings()))
    client = TestClient(app)
    runs = client.get("/api/runs").json()["runs"]
    curve = client.get("/api/overview").json()["equity_curve"]
    print(
        f"ledger: {os.environ['ALCHEMISER_DATA_DIR']} ({len(curve)} days on the equity curve, "
        f"newest {len(runs)} runs listed)"
    )
    pages = ["/", "/runs", "/sleeves", "/backtests"]
    if runs:
        pages.append(f"/runs/{runs[0]['run_id']}")
    urls = [*pages, "/api/status", "/api/overview", "/api/sleeves", "/api/runs"]
    for url in urls:
        assert client.get(url).status_code == 200, url
        laps = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            laps.append(time.perf_counter() - start)
        print(
            f"server  {url:<37} median {statistics.median(laps) * 1000:8.1f} ms  "
            f"worst {max(laps) * 1000:8.1f} ms  {len(response.content) / 1024:8.1f} KiB"
        )
    if args.browser:
        _browser(app, pages, args.repeat)


if __name__ == "__main__":
    main()
