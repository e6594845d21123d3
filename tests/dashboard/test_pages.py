"""Every page and API answer over a real ledger after a sim trade, compared with what the CLI
prints for the same data dir (an independent path through the same services)."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import plotly
import pytest
from starlette.testclient import TestClient

from tests.dashboard.conftest import cli_json

pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("ignore::DeprecationWarning")]


def _pages(traded: dict[str, Any]) -> list[str]:
    return ["/", "/runs", f"/runs/{traded['run_id']}", "/sleeves", "/backtests"]


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
        assets |= {r.split("?")[0] for r in refs if r.startswith("/static/")}
    assert "/static/plotly.min.js" in assets
    for asset in assets:
        assert client.get(asset).status_code == 200, asset
    shipped = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
    assert client.get("/static/plotly.min.js").content == shipped.read_bytes()


def test_read_only_but_for_starting_a_backtest(client: TestClient) -> None:
    for url in ("/", "/api/status", "/api/runs", "/sleeves", "/api/backtests", "/runs"):
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


SCHEMAS = Path(__file__).resolve().parents[2] / "docs" / "schemas"


def test_dashboard_api_follows_the_published_schemas_and_equals_status_json(
    client: TestClient,
    history: list[Any],
    traded: dict[str, Any],
    capsys: pytest.CaptureFixture[str],
) -> None:
    for url, name in (
        ("/api/overview", "dashboard-overview"),
        ("/api/sleeves", "dashboard-sleeves"),
        ("/api/backtests", "dashboard-backtests"),
    ):
        schema = json.loads((SCHEMAS / f"{name}.json").read_text())
        jsonschema.validate(client.get(url).json(), schema)
    overview = client.get("/api/overview").json()
    assert overview["status"] == cli_json(capsys, ["status", "--json"])
    # The curve: every history day and the sim run's day, the sim run's equity last.
    assert len(overview["equity_curve"]) == len(history) + 1
    assert overview["equity_curve"][-1]["run_id"] == traded["run_id"]
    assert overview["equity_curve"][-1]["equity"] == traded["account_after"]["equity"]
    assert overview["target_run_id"] == traded["run_id"]
    html = client.get("/").text
    for line in overview["drift"]:
        assert f"<td>{line['symbol']}</td>" in html
    sleeves = client.get("/api/sleeves").json()["sleeves"]
    assert {s["sleeve"] for s in sleeves} >= {s["sleeve"] for s in traded["sleeves"]}
    page = client.get("/sleeves").text
    for sleeve in sleeves:
        assert f'id="sleeve-{sleeve["sleeve"]}"' in page


def _wait_done(client: TestClient, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 150
    while True:
        job: dict[str, Any] = client.get(f"/api/backtests/{job_id}").json()
        if job["state"] != "running":
            return job
        assert time.monotonic() < deadline, "the backtest did not finish"
        time.sleep(0.5)


@pytest.mark.slow
@pytest.mark.timeout(240)
def test_a_backtest_started_from_the_form_shows_its_tearsheet(client: TestClient) -> None:
    same = {"Origin": "http://testserver"}
    form = {"subject": "tecl", "start": "2024-01-02", "end": "2024-12-31"}
    elsewhere = client.post(
        "/backtests", data=form, headers={"Origin": "http://evil.example"}, follow_redirects=False
    )
    assert elsewhere.status_code == 403
    too_long = client.post(
        "/backtests", data=form | {"start": "2000-01-03"}, headers=same, follow_redirects=False
    )
    assert too_long.status_code == 400 and "at most" in too_long.text
    bad = client.post("/backtests", data=form | {"end": "31/12/2024"}, headers=same)
    assert bad.status_code == 400 and "YYYY-MM-DD" in bad.text
    started = client.post("/backtests", data=form, headers=same, follow_redirects=False)
    assert started.status_code == 303
    job_id = started.headers["location"].rsplit("/", 1)[1]
    job = _wait_done(client, job_id)
    assert job["state"] == "done", job["error"]
    assert job["summary"]["start"] >= "2024-01-02" and job["summary"]["end"] <= "2024-12-31"
    page = client.get(f"/backtests/{job_id}").text
    assert f"{job['summary']['final_equity']:,.2f}" in page
    sheet = client.get(f"/backtests/{job_id}/tearsheet")
    assert sheet.status_code == 200 and "<html" in sheet.text.lower()
    listed = client.get("/backtests").text
    assert f'href="/backtests/{job_id}"' in listed
    assert client.get("/backtests/bt-20000101-000000-abcdef").status_code == 404
