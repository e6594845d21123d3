"""What arrives by email and webhook, and that failures never break a run."""

from __future__ import annotations

import datetime as dt
import json
from email.message import EmailMessage
from pathlib import Path

import pytest
from pydantic import SecretStr

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import (
    Notification,
    NotificationDispatcher,
    run_notifications,
)
from alchemiser.application.results.common import RunStatus
from alchemiser.application.results.run import RunResult
from alchemiser.application.services.views import error_view
from alchemiser.application.settings import EmailSettings, NotificationEvent
from alchemiser.domain.errors import BrokerConnectionError, ErrorCategory
from alchemiser.domain.redaction import Redactor
from alchemiser.infrastructure.notifications.cooldown import FileCooldown
from alchemiser.infrastructure.notifications.email import SmtpEmailNotifier
from alchemiser.infrastructure.notifications.rendering import MessageRenderer
from alchemiser.infrastructure.notifications.report_files import RunReportWriter
from alchemiser.infrastructure.notifications.webhook import WebhookNotifier
from alchemiser.interface.cli.main import main
from tests.notifications.conftest import (
    SMTP_PASSWORD,
    SMTP_USER,
    SmtpServer,
    Webhook,
    free_port,
)
from tests.results.schema_check import validate_against_schema


def _email(server: SmtpServer, **overrides: object) -> SmtpEmailNotifier:
    settings = EmailSettings(
        enabled=True,
        host=server.host,
        port=server.port,
        security="none",
        username=SMTP_USER,
        password=SecretStr(SMTP_PASSWORD),
        sender="bot@alchemiser.test",
        recipients=["me@example.test", "partner@example.test"],
        timeout_seconds=5,
    ).model_copy(update=overrides)
    return SmtpEmailNotifier(settings, MessageRenderer(Redactor([SMTP_PASSWORD])))


def _parts(message: EmailMessage) -> tuple[str, str]:
    text = message.get_body(("plain",))
    html = message.get_body(("html",))
    assert text is not None and html is not None
    return text.get_content(), html.get_content()


def test_run_report_email(smtp_server: SmtpServer, report: RunResult) -> None:
    errors = ErrorHandler()
    dispatcher = NotificationDispatcher([_email(smtp_server)], errors=errors)
    deliveries = dispatcher.dispatch(run_notifications(report))
    assert [d.event for d in deliveries] == [
        NotificationEvent.ERROR_REPORT,
        NotificationEvent.RUN_REPORT,
    ]
    assert all(d.ok for d in deliveries) and errors.records == []
    assert smtp_server.inbox.logins == [SMTP_USER] * 2  # one authenticated session per email
    error_mail, run_mail = smtp_server.inbox.messages
    assert run_mail["Subject"].strip() == (
        "[Alchemiser] Run completed (SIM · SYNTHETIC DATA) 20261124T204500Z-a1b2c3"
    )
    assert run_mail["To"] == "me@example.test, partner@example.test"
    assert run_mail.get_content_type() == "multipart/alternative"
    text, html = _parts(run_mail)
    for body, gt in ((text, ">"), (html, "&gt;")):
        assert "synthetic" in body.lower()
        assert "22.50%" in body  # UVXY target 0.3 × 0.75
        assert "70.00%" in body  # TECL target
        assert "$512.31" in body and "$88.02" in body  # fills
        assert "$100,150.25" in body  # equity after
        assert f"rsi(SPY,10)=81.20 {gt} 79" in body  # the sleeve's explanation
        assert "$120.50" in body and "-$33.25" in body  # realised / unrealised P&L
    assert 'id="target"' in html and "<svg" in html
    assert "TRADING" in text and "DATA" in text
    assert "limit buy TQQQ rejected: price band" in html

    assert error_mail["Subject"].strip() == (
        "[Alchemiser] 2 error(s) in run 20261124T204500Z-a1b2c3 (data, trading)"
    )
    text, html = _parts(error_mail)
    assert text.index("[TRADING]") < text.index("[DATA]")  # grouped, category order
    assert "symbol=TQQQ" in text and "ticker=KMLM" in html
    assert "Refresh the data" in text  # suggested action of a DataError


def test_critical_alert_is_separate_and_first(smtp_server: SmtpServer, report: RunResult) -> None:
    crash = ErrorHandler().handle(BrokerConnectionError("alpaca unreachable"), component="broker")
    failed = report.model_copy(update={"status": RunStatus.FAILED, "errors": [error_view(crash)]})
    notifications = run_notifications(failed)
    assert [n.event for n in notifications] == [
        NotificationEvent.CRITICAL_ALERT,
        NotificationEvent.RUN_REPORT,
    ]
    NotificationDispatcher([_email(smtp_server)], errors=ErrorHandler()).dispatch(notifications)
    alert = smtp_server.inbox.messages[0]
    assert alert["Subject"].startswith("[Alchemiser] CRITICAL: alpaca unreachable")
    text, _ = _parts(alert)
    assert "Check network access" in text


def test_starttls_with_login(tls_smtp_server: SmtpServer, report: RunResult) -> None:
    notifier = _email(tls_smtp_server, security="starttls", verify_tls=False)
    errors = ErrorHandler()
    NotificationDispatcher([notifier], errors=errors).dispatch(run_notifications(report)[-1:])
    assert errors.records == []
    assert len(tls_smtp_server.inbox.messages) == 1


def test_server_down_is_recorded_not_raised(report: RunResult) -> None:
    down = SmtpServer("127.0.0.1", free_port(), inbox=None)  # type: ignore[arg-type]
    errors = ErrorHandler()
    deliveries = NotificationDispatcher([_email(down)], errors=errors).dispatch(
        run_notifications(report)
    )
    assert deliveries and not any(d.ok for d in deliveries)
    assert {r.category for r in errors.records} == {ErrorCategory.NOTIFICATION}
    assert "could not send email via 127.0.0.1" in errors.records[0].message


def test_wrong_password(smtp_server: SmtpServer, report: RunResult) -> None:
    errors = ErrorHandler(Redactor(["not-the-password"]))
    notifier = _email(smtp_server, password=SecretStr("not-the-password"))
    NotificationDispatcher([notifier], errors=errors).dispatch(run_notifications(report)[-1:])
    (record,) = errors.records
    assert "login" in record.message and "refused" in record.message
    assert "not-the-password" not in record.message + record.traceback


def test_secrets_never_reach_a_message(smtp_server: SmtpServer, report: RunResult) -> None:
    leaky = ErrorHandler().handle(
        BrokerConnectionError(f"auth header was {SMTP_PASSWORD}"), component="x"
    )
    report = report.model_copy(update={"errors": [error_view(leaky)]})
    NotificationDispatcher([_email(smtp_server)], errors=ErrorHandler()).dispatch(
        run_notifications(report)
    )
    assert smtp_server.inbox.messages
    for message in smtp_server.inbox.messages:
        assert SMTP_PASSWORD not in message.as_string()


def test_webhook(webhook: Webhook, report: RunResult) -> None:
    notifier = WebhookNotifier(SecretStr(webhook.url), MessageRenderer(), timeout=5)
    errors = ErrorHandler()
    NotificationDispatcher([notifier], errors=errors).dispatch(run_notifications(report))
    assert errors.records == []
    assert [p["event"] for p in webhook.received] == ["error_report", "run_report"]
    payload = webhook.received[1]
    assert payload["text"].startswith("*[Alchemiser] Run completed")
    assert "TECL" in payload["text"] and payload["content"] == payload["text"]


def test_webhook_failure_hides_the_url(webhook: Webhook, report: RunResult) -> None:
    webhook.status[0] = 500
    errors = ErrorHandler()
    notifier = WebhookNotifier(SecretStr(webhook.url), MessageRenderer(), timeout=5)
    NotificationDispatcher([notifier], errors=errors).dispatch(run_notifications(report)[-1:])
    (record,) = errors.records
    assert record.category is ErrorCategory.NOTIFICATION
    assert "HTTP 500" in record.message and "T0KEN" not in record.message


def test_cooldown_suppresses_identical_alerts(
    smtp_server: SmtpServer, report: RunResult, tmp_path: Path
) -> None:
    clock = [dt.datetime(2026, 11, 24, 15, 0, tzinfo=dt.UTC)]
    dispatcher = NotificationDispatcher(
        [_email(smtp_server)],
        errors=ErrorHandler(),
        cooldown=FileCooldown(tmp_path / "cooldown.json"),
        cooldown_minutes=60,
        now=lambda: clock[0],
    )
    alert = run_notifications(report)[0]
    assert alert.event is NotificationEvent.ERROR_REPORT
    dispatcher.dispatch([alert])
    clock[0] += dt.timedelta(minutes=30)
    (suppressed,) = dispatcher.dispatch([alert])
    assert suppressed.suppressed
    clock[0] += dt.timedelta(minutes=31)
    dispatcher.dispatch([alert])
    assert len(smtp_server.inbox.messages) == 2  # first and after the cool-down, not in between


def test_disabled_events_are_not_sent(smtp_server: SmtpServer, report: RunResult) -> None:
    dispatcher = NotificationDispatcher(
        [_email(smtp_server)], errors=ErrorHandler(), enabled=[NotificationEvent.CRITICAL_ALERT]
    )
    assert dispatcher.dispatch(run_notifications(report)) == []
    assert smtp_server.inbox.messages == []


def test_market_closed_notice(smtp_server: SmtpServer, report: RunResult) -> None:
    closed = report.model_copy(
        update={
            "status": RunStatus.REFUSED,
            "errors": [],
            "notes": ["NYSE is closed on 2026-11-26 (Thanksgiving)."],
        }
    )
    (notice,) = run_notifications(closed)
    NotificationDispatcher([_email(smtp_server)], errors=ErrorHandler()).dispatch([notice])
    (message,) = smtp_server.inbox.messages
    assert message["Subject"] == "[Alchemiser] Market closed: no trades today"
    assert "Thanksgiving" in _parts(message)[0]


def test_report_file(report: RunResult, tmp_path: Path) -> None:
    path = RunReportWriter(tmp_path / "reports", MessageRenderer()).write(report)
    assert path == tmp_path / "reports" / "run-20261124T204500Z-a1b2c3.html"
    html = path.read_text()
    assert "<svg" in html and "target (outline) vs final (filled)" in html
    assert html.count("<rect") == 2 * 3  # target and final bar for each of 3 tickers
    assert "Synthetic data" in html


class TestNotifyCommand:
    def test_sends_through_every_channel(
        self,
        smtp_server: SmtpServer,
        webhook: Webhook,
        monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str],
    ) -> None:
        env = {
            "ENABLED": "true", "HOST": smtp_server.host, "PORT": str(smtp_server.port),
            "SECURITY": "none", "USERNAME": SMTP_USER, "PASSWORD": SMTP_PASSWORD,
            "RECIPIENTS": '["me@example.test"]',
        }  # fmt: skip
        for key, value in env.items():
            monkeypatch.setenv(f"ALCHEMISER_NOTIFICATIONS__EMAIL__{key}", value)
        monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__WEBHOOK__URL", webhook.url)
        assert main(["notify", "test", "--json"]) == 0
        result = json.loads(capsys.readouterr().out)
        validate_against_schema("notify-test", result)
        assert result["ok"] is True
        assert result["deliveries"] == [
            {"channel": "email", "ok": True, "detail": ""},
            {"channel": "webhook", "ok": True, "detail": ""},
        ]
        (message,) = smtp_server.inbox.messages
        assert message["Subject"] == "[Alchemiser] Test notification"
        assert webhook.received[0]["event"] == "test"

    def test_reports_a_failed_channel(
        self, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
    ) -> None:
        monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__EMAIL__ENABLED", "true")
        monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__EMAIL__PORT", str(free_port()))
        monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__EMAIL__HOST", "127.0.0.1")
        monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__EMAIL__RECIPIENTS", '["me@example.test"]')
        assert main(["notify", "test"]) == ErrorCategory.NOTIFICATION.exit_code
        assert "email: failed" in capsys.readouterr().out
        assert main(["notify", "test", "--json"]) == ErrorCategory.NOTIFICATION.exit_code
        result = json.loads(capsys.readouterr().out)
        validate_against_schema("notify-test", result)
        assert result["ok"] is False
        assert [(d["channel"], d["ok"]) for d in result["deliveries"]] == [("email", False)]
        assert result["deliveries"][0]["detail"]

    def test_nothing_configured(self, capsys: pytest.CaptureFixture[str]) -> None:
        assert main(["notify", "test"]) == ErrorCategory.NOTIFICATION.exit_code
        capsys.readouterr()
        assert main(["notify", "test", "--json"]) == ErrorCategory.NOTIFICATION.exit_code
        validate_against_schema("error", json.loads(capsys.readouterr().out))


def test_notification_fingerprint_ignores_time_for_alerts(report: RunResult) -> None:
    a = Notification(NotificationEvent.ERROR_REPORT, "x", errors=tuple(report.errors))
    b = Notification(NotificationEvent.ERROR_REPORT, "y", errors=tuple(reversed(report.errors)))
    assert a.fingerprint == b.fingerprint


def test_html_escapes_user_text(report: RunResult, tmp_path: Path) -> None:
    """Sleeve names and explanations come from user files: they must not inject markup."""
    evil = report.sleeves[0].model_copy(update={"sleeve": "<script>alert(1)</script>"})
    hostile = report.model_copy(update={"sleeves": [evil]})
    html = RunReportWriter(tmp_path, MessageRenderer()).write(hostile).read_text()
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
