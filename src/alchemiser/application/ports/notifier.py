"""Port for delivering notifications (email, webhook, …)."""

from __future__ import annotations

from typing import Protocol

from alchemiser.application.notifications import Notification


class Notifier(Protocol):
    """One delivery channel. `send` raises NotificationError when delivery fails."""

    @property
    def channel(self) -> str: ...

    def send(self, notification: Notification) -> None: ...
