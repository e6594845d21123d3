"""The `notify test` use case: send one test message through every configured channel, so a
broken channel is found before a real alert needs it."""

from __future__ import annotations

import datetime as dt

from alchemiser.application.notifications import Notification, NotificationDispatcher
from alchemiser.application.results.notify import DeliveryView, NotifyTestResult
from alchemiser.application.settings import NotificationEvent
from alchemiser.domain.errors import NotificationError


def notify_test(dispatcher: NotificationDispatcher, now: dt.datetime) -> NotifyTestResult:
    """Raises NotificationError when no channel is configured (nothing could be tested)."""
    if not dispatcher.channels:
        raise NotificationError(
            "no notification channel is configured",
            suggested_action=(
                "Set ALCHEMISER_NOTIFICATIONS__EMAIL__ENABLED=true with the SMTP settings, "
                "or ALCHEMISER_NOTIFICATIONS__WEBHOOK__URL."
            ),
        )
    deliveries = dispatcher.dispatch(
        [
            Notification(
                event=NotificationEvent.TEST,
                subject="[Alchemiser] Test notification",
                body=f"This is a test sent at {now:%Y-%m-%d %H:%M:%S} UTC. It works.",
            )
        ]
    )
    views = [DeliveryView(channel=d.channel, ok=d.ok, detail=d.detail) for d in deliveries]
    return NotifyTestResult(ok=all(d.ok for d in views), sent_at=now, deliveries=views)
