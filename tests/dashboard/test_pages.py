"""Every page and API answer over a real ledger after a sim trade, compared with what the CLI
prints for the same data dir (an independent path through the same services)."""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import plotly
import pytest
from starlette.testclient import TestClient

from tests.dashboard.conftest import cli_json

pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _pages(traded: dict[str, Any]) -> list[str]:
    return ["/", "/runs", f"/runs/{traded['run_id']}"]


def test_every_page_renders_and_is_readable_on_a_phone(
    client: TestClient, traded: dict[str, Any]
) -> None:
    for url in _pages(traded):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
        assert '<meta name="viewport" content="width=device-width' in response.text
        assert "SIM" in response.text and "SYNTHETIC" in response.text, url


def test_api_equals_the_cli_json_on_the_same_data_dir(
    client: TestClient, traded: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    assert client.get("/api/status").json() == cli_json(capsys, ["status", "--json"])
    assert client.get("/api/runs").json() == cli_json(capsys, ["history", "--json"])
    run_id = traded["run_id"]
    assert client.get(f"/api/runs/{run_id}").json() == cli_json(
        capsys, ["history", "--run", run_id, "--json"]
    )


def _cell(html: str, element_id: str) -> Decimal:
    found = re.search(rf'id="{element_id}">([^<]+)<', html)
    assert found, element_id
    return Decimal(found.group(1).replace(",", ""))


def test_overview_shows_the_values_status_json_reports(
    client: TestClient, traded: dict[str, Any], capsys: pytest.CaptureFixture[str]
) -> None:
    status = cli_json(capsys, ["status", "--json"])
    html = client.get("/").text
    cent = Decimal("0.01")
    for element_id, key in (("equity", "equity"), ("cash", "cash")):
        assert _cell(html, element_id) == Decimal(status["account"][key]).quantize(cent)
    for position in status["account"]["positions"]:
        assert f"<td>{position['symbol']}</td>" in html
    for book in status["sleeve_books"]:
        assert f"<td>{book['sleeve']}</td>" in html
    assert status["sleeve_books"], "the run should have left sleeve books"


def test_a_run_page_shows_its_orders_and_fills(client: TestClient, traded: dict[str, Any]) -> None:
    html = client.get(f"/runs/{traded['run_id']}").text
    for order in traded["orders"]:
        assert order["client_order_id"] in html
    for sleeve in traded["sleeves"]:
        assert sleeve["sleeve"] in html
    runs = client.get("/runs").text
    assert f'href="/runs/{traded["run_id"]}"' in runs


def test_an_unknown_run_is_a_404_with_what_to_do(client: TestClient) -> None:
    page = client.get("/runs/no-such-run")
    assert page.status_code == 404 and "alchemiser history" in page.text
    api = client.get("/api/runs/no-such-run")
    assert api.status_code == 404 and api.json()["error"]["category"] == "configuration"


def test_every_asset_is_served_locally_never_from_a_cdn(
    client: TestClient, traded: dict[str, Any]
) -> None:
    assets: set[str] = set()
    for url in _pages(traded):
        html = client.get(url).text
        refs = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert not [r for r in refs if "//" in r], url  # no absolute or protocol-relative URL
        assets |= {r for r in refs if r.startswith("/static/")}
    assert "/static/plotly.min.js" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert client.get("/static/plotly.min.js").content == shipped.read_bytes()


def test_read_only(client: TestClient) -> None:
    for url in ("/", "/api/status", "/api/runs"):
        assert client.post(url).status_code == 405
        assert client.delete(url).status_code == 405


def test_health_equals_autopilot_status_json_and_shows_a_halt(
    client: TestClient, capsys: pytest.CaptureFixture[str]
) -> None:
    cli = cli_json(capsys, ["autopilot", "status", "--json"])
    api = client.get("/api/health").json()
    volatile = ("as_of", "next_run", "newest_price_age_seconds")  # depend on the wall clock
    assert {k: v for k, v in api.items() if k not in volatile} == {
        k: v for k, v in cli.items() if k not in volatile
    }
    assert "HALTED" not in client.get("/").text
    capsys.readouterr()
    from alchemiser.interface.cli.main import main

    assert main(["halt", "--reason", "earnings week"]) == 0
    html = client.get("/").text
    assert "HALTED" in html and "earnings week" in html
