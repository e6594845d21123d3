"""Dashboard page load times (server side: routing, service calls, rendering).

    .venv/bin/python benchmarks/dashboard.py [--data-dir DIR] [--repeat 5]

With --data-dir, it measures that data directory's ledger as it is (e.g. one filled by replay
with 5 years of daily runs). Without it, it makes a fresh data dir and runs one simulated
`trade --yes` (3 built-in sleeves, synthetic market). Each page is fetched once to warm up,
then --repeat times; the median and worst wall times are printed. Target: < 1 s per page.
The browser's own load (Plotly parsing, drawing) is not included.
"""

from __future__ import annotations

import argparse
import contextlib
import io
import os
import statistics
import tempfile
import time
import warnings


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    os.environ["ALCHEMISER_DATA_DIR"] = args.data_dir or tempfile.mkdtemp(prefix="dash-bench-")

    from alchemiser import bootstrap
    from alchemiser.interface.cli.main import main as cli

    if not args.data_dir:
        with contextlib.redirect_stdout(io.StringIO()):
            assert cli(["--quiet", "trade", "--yes", "--json"]) == 0
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

    from alchemiser.interface.dashboard.app import create_app
    from alchemiser.interface.dashboard.source import SettingsSource

    client = TestClient(create_app(SettingsSource(bootstrap.load_settings())))
    runs = client.get("/api/runs").json()["runs"]
    print(f"ledger: {os.environ['ALCHEMISER_DATA_DIR']} ({len(runs)} runs listed)")
    urls = ["/", "/runs", "/api/status", "/api/runs"]
    if runs:
        urls += [f"/runs/{runs[0]['run_id']}", f"/api/runs/{runs[0]['run_id']}"]
    for url in urls:
        assert client.get(url).status_code == 200, url
        laps = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            response = client.get(url)
            laps.append(time.perf_counter() - start)
        print(
            f"{url:<45} median {statistics.median(laps) * 1000:8.1f} ms  "
            f"worst {max(laps) * 1000:8.1f} ms  {len(response.content) / 1024:8.1f} KiB"
        )


if __name__ == "__main__":
    main()
