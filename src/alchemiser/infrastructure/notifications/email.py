"""SMTP email with an HTML and a plain-text part (multipart/alternative)."""

from __future__ import annotations

import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid

from alchemiser.application.notifications import Notification
from alchemiser.application.settings import EmailSettings
from alchemiser.domain.errors import ConfigurationError, NotificationError
from alchemiser.infrastructure.notifications.rendering import MessageRenderer


class SmtpEmailNotifier:
    channel = "email"

    def __init__(self, settings: EmailSettings, renderer: MessageRenderer) -> None:
        if not settings.recipients:
            raise ConfigurationError(
                "notifications.email.recipients is empty while email is enabled",
                context={"key": "notifications.email.recipients"},
                suggested_action=(
                    "Set ALCHEMISER_NOTIFICATIONS__EMAIL__RECIPIENTS to a JSON list of addresses."
                ),
            )
        self._settings = settings
        self._renderer = renderer

    def build(self, notification: Notification) -> EmailMessage:
        rendered = self._renderer.render(notification)
        message = EmailMessage()
        message["Subject"] = rendered.subject
        message["From"] = self._settings.sender
        message["To"] = ", ".join(self._settings.recipients)
        message["Date"] = formatdate(localtime=False, usegmt=True)
        message["Message-ID"] = make_msgid(domain="alchemiser")
        message.set_content(rendered.text)
        message.add_alternative(rendered.html, subtype="html")
        return message

    def send(self, notification: Notification) -> None:
        message = self.build(notification)
        s = self._settings
        where = f"{s.host}:{s.port}"
        context = ssl.create_default_context()
        if not s.verify_tls:
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
        try:
            smtp: smtplib.SMTP
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds, context=context)
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=context)
                if s.username:
                    password = s.password.get_secret_value() if s.password else ""
                    smtp.login(s.username, password)
                smtp.send_message(message)
        except smtplib.SMTPAuthenticationError as exc:
            raise NotificationError(
                f"SMTP login to {where} as {s.username} was refused ({exc.smtp_code})",
                context={"server": where},
                suggested_action="Check notifications.email.username and password.",
            ) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise NotificationError(
                f"could not send email via {where}: {type(exc).__name__}: {exc}",
                context={"server": where, "subject": message["Subject"]},
            ) from None
