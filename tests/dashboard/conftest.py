"""A data dir after one simulated `trade --yes` (embedded default: 3 sleeves, synthetic market,
sim broker), and a TestClient on the dashboard over it."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from alchemiser import bootstrap
from alchemiser.interface.cli.main import main
from alchemiser.interface.dashboard.app import create_app
from alchemiser.interface.dashboard.source import SettingsSource
from tests.dashboard.history import WrittenDay, weekdays, write_daily_runs

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")


def cli_json(capsys: pytest.CaptureFixture[str], argv: list[str]) -> Any:
    capsys.readouterr()
    code = main(argv)
    out = capsys.readouterr().out
    assert code == 0, out
    return json.loads(out)


@pytest.fixture
def traded(capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    """The `trade --yes --json` result of one sim run."""
    result: dict[str, Any] = cli_json(capsys, ["trade", "--yes", "--json"])
    assert result["orders"], "the first sim run should place orders"
    return result


def client_for(token: str | None = None) -> TestClient:
    return TestClient(create_app(SettingsSource(bootstrap.load_settings()), token=token))


@pytest.fixture
def client(traded: dict[str, Any]) -> Iterator[TestClient]:
    with client_for() as c:
        yield c


HISTORY_DAYS = 30


@pytest.fixture
def history(traded: dict[str, Any]) -> list[WrittenDay]:
    """HISTORY_DAYS daily runs before the sim run's day, in the same ledger (the equity curve,
    allocation and decision history then have something to show)."""
    day = dt.date.fromisoformat(traded["trading_day"])
    ledger = bootstrap.ledger(bootstrap.load_settings())
    return write_daily_runs(ledger, weekdays(day - dt.timedelta(days=1), HISTORY_DAYS))
