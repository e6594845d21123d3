"""JSON POST to an incoming webhook; `text` for Slack, `content` for Discord, same message."""

from __future__ import annotations

import json
import urllib.error
import urllib.request

from pydantic import SecretStr

from alchemiser.application.notifications import Notification
from alchemiser.domain.errors import NotificationError
from alchemiser.infrastructure.notifications.rendering import MessageRenderer

_DISCORD_LIMIT = 2000


class WebhookNotifier:
    channel = "webhook"

    def __init__(self, url: SecretStr, renderer: MessageRenderer, timeout: float = 10.0) -> None:
        self._url = url
        self._renderer = renderer
        self._timeout = timeout

    def payload(self, notification: Notification) -> dict[str, str]:
        rendered = self._renderer.render(notification)
        text = f"*{rendered.subject}*\n{rendered.text}"
        return {
            "text": text,
            "content": text[: _DISCORD_LIMIT - 3] + "..." if len(text) > _DISCORD_LIMIT else text,
            "event": notification.event.value,
        }

    def send(self, notification: Notification) -> None:
        body = json.dumps(self.payload(notification)).encode()
        request = urllib.request.Request(
            self._url.get_secret_value(),
            data=body,
            headers={"Content-Type": "application/json", "User-Agent": "alchemiser"},
            method="POST",
        )
        try:
            with urllib.request.urlopen(request, timeout=self._timeout) as response:
                status = response.status
        except urllib.error.HTTPError as exc:
            raise NotificationError(f"webhook answered HTTP {exc.code}") from None
        except (urllib.error.URLError, OSError) as exc:
            # The URL itself is a secret (it embeds a token): never echo it.
            reason = getattr(exc, "reason", exc)
            raise NotificationError(f"webhook unreachable: {reason}") from None
        if not 200 <= status < 300:
            raise NotificationError(f"webhook answered HTTP {status}")
