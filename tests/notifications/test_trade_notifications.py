"""A real trading run sends its report, and a dead SMTP server never changes the run's outcome."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser.interface.cli.main import main
from tests.notifications.conftest import SmtpServer, free_port

PORTFOLIO = "[sleeves]\ntecl = 0.6\nnuclear = 0.4\n"


def _email_to(monkeypatch: pytest.MonkeyPatch, host: str, port: int) -> None:
    env = {
        "ENABLED": "true",
        "HOST": host,
        "PORT": str(port),
        "SECURITY": "none",
        "RECIPIENTS": '["me@example.test"]',
        "TIMEOUT_SECONDS": "3",
    }
    for key, value in env.items():
        monkeypatch.setenv(f"ALCHEMISER_NOTIFICATIONS__EMAIL__{key}", value)


def _trade(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> tuple[int, dict[str, object]]:
    portfolio = tmp_path / "portfolio.toml"
    portfolio.write_text(PORTFOLIO)
    code = main(["trade", "--yes", "--json", "--portfolio", str(portfolio)])
    return code, json.loads(capsys.readouterr().out)


def test_run_report_arrives_with_the_orders(
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
) -> None:
    _email_to(monkeypatch, smtp_server.host, smtp_server.port)
    code, result = _trade(capsys, tmp_path)
    assert code == 0
    orders = result["orders"]
    assert isinstance(orders, list) and orders
    (message,) = smtp_server.inbox.messages
    assert str(message["Subject"]).strip().startswith("[Alchemiser] Run completed (SIM")
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert str(result["run_id"]) in body
    for order in orders:
        assert f"{order['side']} " in body and str(order["symbol"]) in body
    report_file = Path(str(result["report_file"]))
    assert report_file.is_file()
    assert str(result["run_id"]) in report_file.read_text()


def test_smtp_down_completes_trades_and_records_the_error(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    _email_to(monkeypatch, "127.0.0.1", free_port())
    code, result = _trade(capsys, tmp_path)
    assert code == 0  # the trades are the outcome; a failed email does not change it
    orders = result["orders"]
    assert isinstance(orders, list) and orders
    # Every symbol was bought (ladder attempts before the fill are canceled, not failed).
    assert {o["symbol"] for o in orders if o["status"] == "filled"} == {o["symbol"] for o in orders}
    assert float(str(result["residual_drift"])) < 0.01
    assert main(["history", "--run", str(result["run_id"]), "--json"]) == 0
    detail = json.loads(capsys.readouterr().out)
    errors = detail["errors"]
    categories = [e["category"] for e in errors]
    assert categories == ["notification"]
    assert "could not send email via 127.0.0.1" in errors[0]["message"]
