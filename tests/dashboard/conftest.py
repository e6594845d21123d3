"""A data dir after one simulated `trade --yes` (embedded default: 3 sleeves, synthetic market,
sim broker), and a TestClient on the dashboard over it."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient

from alchemiser import bootstrap
from alchemiser.interface.cli.main import main
from alchemiser.interface.dashboard.app import create_app
from alchemiser.interface.dashboard.source import SettingsSource

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
