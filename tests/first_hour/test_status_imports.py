"""Issue 16 (start-up): `status` on the sim broker and the synthetic market loads only what it
uses. Which modules a fresh process imported is a deterministic proxy for its start-up time
(the times themselves are measured by benchmarks/startup.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

# Runs the `status` command itself (not the CLI entry point, whose command wiring is loaded
# separately) and prints what the process imported.
_SCRIPT = """
import json, sys
from alchemiser.interface.cli import status_command
status_command.status(broker=None, live=False, json_output=True)
print(json.dumps(sorted(m.split(".")[0] for m in sys.modules)), file=sys.stderr)
"""

NEVER = {"alembic", "pandas", "exchange_calendars", "plotly", "yfinance", "alpaca", "jinja2"}
"""Not needed by `status` once the ledger is at head and the calendar is cached."""


def _status(data_dir: Path) -> tuple[dict[str, object], set[str]]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ALCHEMISER_", "ALPACA_"))}
    env["ALCHEMISER_DATA_DIR"] = str(data_dir)
    done = subprocess.run(
        [sys.executable, "-c", _SCRIPT],
        check=False,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    modules = set(json.loads(done.stderr.strip().splitlines()[-1]))
    return json.loads(done.stdout), modules


@pytest.mark.timeout(300)
def test_status_on_an_existing_data_dir_imports_only_what_it_needs(tmp_path: Path) -> None:
    first, first_modules = _status(tmp_path)  # creates and migrates the ledger, builds the calendar
    assert {"alembic", "exchange_calendars"} <= first_modules  # the proxy can see them
    again, modules = _status(tmp_path)
    assert modules.isdisjoint(NEVER), sorted(modules & NEVER)
    assert again == first  # the same account and sleeves either way
