"""`alchemiser signal --email` sends the digest that matches the printed signal."""

from __future__ import annotations

import json

import pytest

from alchemiser.interface.cli.main import main
from tests.notifications.conftest import SmtpServer


def _configure(monkeypatch: pytest.MonkeyPatch, server: SmtpServer) -> None:
    env = {
        "ENABLED": "true",
        "HOST": server.host,
        "PORT": str(server.port),
        "SECURITY": "none",
        "RECIPIENTS": '["me@example.test"]',
    }
    for key, value in env.items():
        monkeypatch.setenv(f"ALCHEMISER_NOTIFICATIONS__EMAIL__{key}", value)


def test_digest_matches_the_signal(
    smtp_server: SmtpServer, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    _configure(monkeypatch, smtp_server)
    code = main(["signal", "--strategy", "tecl", "--as-of", "2024-06-03", "--json", "--email"])
    assert code == 0
    printed = json.loads(capsys.readouterr().out)
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "[Alchemiser] Signal 2024-06-03 · SYNTHETIC DATA"
    text = message.get_body(("plain",))
    assert text is not None
    body = text.get_content()
    assert "market data synthetic" in body
    for line in printed["target"]:
        ticker, weight = line["symbol"], line["weight"]
        assert f"{ticker} {weight:.1%}" in body  # the sleeve line (one sleeve = the target)
        assert f"{weight * 100:.2f}%" in body  # the target table


def test_email_without_channels_is_a_notification_error(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["signal", "--strategy", "tecl", "--as-of", "2024-06-03", "--email"]) == 15
    assert "no notification channel is configured" in capsys.readouterr().err
