"""Renders notifications to (subject, plain text, HTML) with Jinja2 templates.

Everything passes through the redactor last, so a secret that slipped into an error message or
an explanation can never reach an inbox or a report file.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from alchemiser.application.notifications import Notification
from alchemiser.application.settings import NotificationEvent
from alchemiser.domain.errors import ErrorCategory


@dataclass(frozen=True, slots=True)
class RenderedMessage:
    subject: str
    text: str
    html: str


_TEMPLATE = {
    NotificationEvent.RUN_REPORT: "run_report",
    NotificationEvent.CRITICAL_ALERT: "errors",
    NotificationEvent.ERROR_REPORT: "errors",
    NotificationEvent.MARKET_CLOSED: "notice",
    NotificationEvent.SIGNAL_DIGEST: "notice",
    NotificationEvent.AUTOPILOT_ALERT: "notice",
    NotificationEvent.DAILY_SUMMARY: "notice",
    NotificationEvent.TEST: "notice",
}


def _pct(value: float | None, digits: int = 2) -> str:
    return "–" if value is None else f"{value * 100:.{digits}f}%"


def _money(value: Decimal | None) -> str:
    """Exact decimals from the result, shown to the cent (formatting, not arithmetic)."""
    if value is None:
        return "–"
    return f"-${-value:,.2f}" if value < 0 else f"${value:,.2f}"


def _qty(value: Decimal | None) -> str:
    """The exact quantity, without trailing zeros ('12.5', '3')."""
    if value is None:
        return "–"
    text = f"{value:,f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


class MessageRenderer:
    def __init__(self, redact: Callable[[str], str] = lambda text: text) -> None:
        self._redact = redact
        self._env = Environment(
            loader=PackageLoader("alchemiser.infrastructure.notifications", "templates"),
            autoescape=select_autoescape(enabled_extensions=("html", "html.j2"), default=False),
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        self._env.filters.update(pct=_pct, money=_money, qty=_qty)

    def render(self, notification: Notification) -> RenderedMessage:
        name = _TEMPLATE[notification.event]
        context = self._context(notification)
        text = self._env.get_template(f"{name}.txt.j2").render(context)
        html = self._env.get_template(f"{name}.html.j2").render(context)
        return RenderedMessage(
            subject=self._redact(notification.subject),
            text=self._redact(text),
            html=self._redact(html),
        )

    def _context(self, notification: Notification) -> dict[str, Any]:
        grouped: dict[str, list[Any]] = {}
        for record in notification.errors:
            grouped.setdefault(record.category.value, []).append(record)
        order = [c.value for c in ErrorCategory]
        report = notification.report
        return {
            "n": notification,
            "report": report,
            "errors_by_category": sorted(grouped.items(), key=lambda kv: order.index(kv[0])),
            "body": notification.body,
            "data": notification.data,
        }
