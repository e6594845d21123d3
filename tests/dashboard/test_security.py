"""Safe by default: loopback unless a token is set, 401 without it, no secret on any page."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from alchemiser.domain.errors import ConfigurationError
from alchemiser.interface.cli.main import main
from alchemiser.interface.dashboard.auth import COOKIE
from alchemiser.interface.dashboard.server import check_bind
from tests.dashboard.conftest import cli_json, client_for

pytestmark = [pytest.mark.timeout(120), pytest.mark.filterwarnings("ignore::DeprecationWarning")]

TOKEN = "dash-token-7f3c9a1e55"


@pytest.mark.parametrize("host", ["0.0.0.0", "192.168.1.20", "::", "example.org"])
def test_exposed_bind_without_token_refuses_to_start(
    host: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(ConfigurationError):
        check_bind(host, None)
    check_bind(host, TOKEN)  # with a token it may
    assert main(["dashboard", "--host", host]) == 14
    assert "token" in capsys.readouterr().err


@pytest.mark.parametrize("host", ["127.0.0.1", "localhost", "::1"])
def test_loopback_needs_no_token(host: str) -> None:
    check_bind(host, None)


def test_requests_without_the_token_get_401(traded: dict[str, Any]) -> None:
    urls = [
        "/",
        "/runs",
        f"/runs/{traded['run_id']}",
        "/api/status",
        "/api/runs",
        "/sleeves",
        "/backtests",
        "/api/overview",
        "/api/sleeves",
        "/api/backtests",
        "/static/plotly.min.js",
        "/static/dashboard.css",
    ]
    with client_for(TOKEN) as c:
        form = {"subject": "portfolio", "start": "2024-01-02", "end": "2024-02-01"}
        assert c.post("/backtests", data=form).status_code == 401
        for url in urls:
            assert c.get(url).status_code == 401, url
            assert c.get(url, headers={"Authorization": "Bearer wrong"}).status_code == 401
            assert c.get(url, params={"token": "wrong"}).status_code == 401
            ok = c.get(url, headers={"Authorization": f"Bearer {TOKEN}"})
            assert ok.status_code == 200, url


def test_token_in_the_url_sets_a_cookie_that_is_not_the_token(traded: dict[str, Any]) -> None:
    with client_for(TOKEN) as c:
        first = c.get("/runs", params={"token": TOKEN, "x": "1"}, follow_redirects=False)
        assert first.status_code == 303
        assert first.headers["location"] == "/runs?x=1"
        cookie = first.cookies[COOKIE]
        assert TOKEN not in cookie and TOKEN not in first.headers["set-cookie"]
        assert "httponly" in first.headers["set-cookie"].lower()
        assert c.get("/runs").status_code == 200  # the cookie alone now suffices
        c.cookies.clear()
        assert c.get("/runs").status_code == 401


def test_the_login_form_sets_the_cookie_and_never_shows_the_token(
    traded: dict[str, Any],
) -> None:
    with client_for(TOKEN) as c:
        asked = c.get("/sleeves")
        assert asked.status_code == 401 and 'action="/login"' in asked.text
        assert 'name="next" value="/sleeves"' in asked.text
        assert c.get("/api/status").headers["content-type"].startswith("text/plain")
        wrong = c.post("/login", data={"token": "nope", "next": "/sleeves"})
        assert wrong.status_code == 401 and "not the token" in wrong.text
        assert COOKIE not in wrong.cookies
        sneaky = c.post(
            "/login", data={"token": TOKEN, "next": "//evil.example/x"}, follow_redirects=False
        )
        assert sneaky.status_code == 303 and sneaky.headers["location"] == "/"
        c.cookies.clear()
        signed = c.post("/login", data={"token": TOKEN, "next": "/sleeves"}, follow_redirects=False)
        assert signed.status_code == 303 and signed.headers["location"] == "/sleeves"
        assert TOKEN not in signed.headers["set-cookie"]
        for url in ("/", "/sleeves", "/backtests", "/login"):
            page = c.get(url)
            assert page.status_code == 200, url
            assert TOKEN not in page.text, url
        c.cookies.clear()
        header = c.get("/api/status", headers={"Authorization": f"Bearer {TOKEN}"})
        assert header.status_code == 200  # the header still works without the cookie


def test_no_secret_reaches_any_page_or_api_response(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    secrets = {
        "ALPACA_API_KEY": "PKFAKEKEY0123456789",
        "ALPACA_SECRET_KEY": "fakesecretVALUEabcdef0123456789",
        "ALCHEMISER_NOTIFICATIONS__EMAIL__PASSWORD": "smtp-pass-fake-9876",
        "ALCHEMISER_DASHBOARD__TOKEN": TOKEN,
    }
    for key, value in secrets.items():
        monkeypatch.setenv(key, value)
    traded = cli_json(capsys, ["trade", "--yes", "--json"])
    urls = [
        "/",
        "/runs",
        f"/runs/{traded['run_id']}",
        "/api/status",
        "/api/runs",
        f"/api/runs/{traded['run_id']}",
        "/runs/missing",
        "/api/runs/missing",
        "/sleeves",
        "/backtests",
        "/api/overview",
        "/api/sleeves",
        "/api/backtests",
    ]
    with client_for(TOKEN) as c:
        record = c.get(
            f"/api/runs/{traded['run_id']}", headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert record.json()["config"], "the run keeps its (masked) settings: worth checking"
        for url in urls:
            body = c.get(url, headers={"Authorization": f"Bearer {TOKEN}"}).text
            for value in secrets.values():
                assert value not in body, (url, value)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.timeout(90)
def test_the_command_serves_on_loopback_with_a_token_from_the_environment(
    traded: dict[str, Any],
) -> None:
    port = _free_port()
    env = os.environ | {"ALCHEMISER_DASHBOARD__TOKEN": TOKEN}
    command = Path(sys.executable).parent / "alchemiser"  # the installed console script
    argv = [str(command), "dashboard", "--port", str(port)]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 60
        while True:
            try:
                response = httpx.get(f"{base}/api/status", timeout=5)
                break
            except httpx.TransportError:
                assert server.poll() is None, server.communicate()
                assert time.monotonic() < deadline, "the dashboard did not start"
                time.sleep(0.2)
        assert response.status_code == 401
        auth = {"Authorization": f"Bearer {TOKEN}"}
        assert httpx.get(f"{base}/api/status", headers=auth, timeout=10).json()["broker"] == "sim"
    finally:
        server.terminate()
        server.wait(timeout=15)
