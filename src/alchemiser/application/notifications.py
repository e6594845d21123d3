"""Deciding what to send, to whom, and making sure a delivery failure never breaks a run.

SPEC §9: a run report after every trading run, an immediate alert for each CRITICAL error, an
error report for TRADING/DATA/STRATEGY errors, a market-closed notice. A failed delivery becomes
a NOTIFICATION error record and is otherwise swallowed here, on purpose: the trade already
happened and must be reported as it was, not as a crash.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

from alchemiser.application.error_handler import ErrorHandler, ErrorRecord
from alchemiser.application.results.common import ErrorView, RunStatus
from alchemiser.application.results.run import RunResult
from alchemiser.application.results.signal import SignalResult
from alchemiser.application.settings import NotificationEvent
from alchemiser.domain.errors import ErrorCategory, NotificationError

if TYPE_CHECKING:
    from alchemiser.application.ports.notifier import Notifier

REPORTED_CATEGORIES = frozenset({ErrorCategory.TRADING, ErrorCategory.DATA, ErrorCategory.STRATEGY})


@dataclass(frozen=True, slots=True)
class Notification:
    """A message before rendering: the event, a subject and the data the templates need."""

    event: NotificationEvent
    subject: str
    report: RunResult | None = None
    errors: tuple[ErrorRecord | ErrorView, ...] = ()
    body: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """Identical alerts share a fingerprint (used by the cool-down); reports never do."""
        if self.event in {NotificationEvent.CRITICAL_ALERT, NotificationEvent.ERROR_REPORT}:
            parts = [self.event.value, *sorted(f"{e.category}:{e.message}" for e in self.errors)]
        elif self.event is NotificationEvent.AUTOPILOT_ALERT:
            parts = [self.event.value, self.subject]  # the subject names the alert and its day
        else:
            parts = [self.event.value, self.subject, dt.datetime.now(dt.UTC).isoformat()]
        return hashlib.sha256("\n".join(parts).encode()).hexdigest()[:32]


class Cooldown(Protocol):
    """Remembers when an alert was last sent, across runs."""

    def last_sent(self, fingerprint: str) -> dt.datetime | None: ...

    def mark_sent(self, fingerprint: str, when: dt.datetime) -> None: ...


@dataclass(frozen=True, slots=True)
class Delivery:
    channel: str
    event: NotificationEvent
    ok: bool
    detail: str = ""
    suppressed: bool = False


def run_notifications(report: RunResult) -> list[Notification]:
    """Everything a finished (or failed) run should tell people, most urgent first."""
    out: list[Notification] = []
    critical = tuple(e for e in report.errors if e.category is ErrorCategory.CRITICAL)
    for record in critical:
        out.append(
            Notification(
                event=NotificationEvent.CRITICAL_ALERT,
                subject=f"[Alchemiser] CRITICAL: {record.message[:80]}",
                errors=(record,),
                report=report,
            )
        )
    reported = tuple(e for e in report.errors if e.category in REPORTED_CATEGORIES)
    if reported:
        categories = ", ".join(sorted({e.category.value for e in reported}))
        out.append(
            Notification(
                event=NotificationEvent.ERROR_REPORT,
                subject=f"[Alchemiser] {len(reported)} error(s) in run {report.run_id}"
                f" ({categories})",
                errors=reported,
                report=report,
            )
        )
    halted = any("halted_by" in e.context for e in report.errors)  # TradingHaltedError
    if report.status is RunStatus.REFUSED and not halted:
        out.append(
            Notification(
                event=NotificationEvent.MARKET_CLOSED,
                subject="[Alchemiser] Market closed: no trades today",
                report=report,
                body="\n".join(report.notes),
            )
        )
    else:
        mode = report.mode.upper() + (" · DRY RUN" if report.dry_run else "")
        mode += " · SYNTHETIC DATA" if report.synthetic else ""
        out.append(
            Notification(
                event=NotificationEvent.RUN_REPORT,
                subject=f"[Alchemiser] Run {report.status} ({mode}) {report.run_id}",
                report=report,
                errors=tuple(report.errors),
            )
        )
    return out


def signal_digest(signal: SignalResult) -> Notification:
    """The optional daily digest (`alchemiser signal --email`): each sleeve and the target."""
    when = "latest session" if signal.as_of is None else signal.as_of.isoformat()
    synthetic = " · SYNTHETIC DATA" if signal.synthetic else ""
    lines = [f"Signal as of {when} · market data {signal.source}{synthetic}"]
    for sleeve in signal.sleeves:
        if sleeve.ok:
            held = ", ".join(f"{t} {w:.1%}" for t, w in sorted(sleeve.weights.items()))
            lines.append(f"{sleeve.sleeve} ({sleeve.allocation:.0%}): {held}")
        else:
            lines.append(f"{sleeve.sleeve} FAILED: {sleeve.error}")
    return Notification(
        event=NotificationEvent.SIGNAL_DIGEST,
        subject=f"[Alchemiser] Signal {when}{synthetic}",
        body="\n".join(lines),
        data={"target": {line.symbol: line.weight for line in signal.target}},
    )


class NotificationDispatcher:
    """Sends notifications through every channel; records failures, never raises them."""

    def __init__(
        self,
        notifiers: Sequence[Notifier],
        *,
        errors: ErrorHandler,
        enabled: Iterable[NotificationEvent] = tuple(NotificationEvent),
        cooldown: Cooldown | None = None,
        cooldown_minutes: float = 0.0,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._notifiers = list(notifiers)
        self._errors = errors
        self._enabled = frozenset(enabled) | {NotificationEvent.TEST}
        self._cooldown = cooldown
        self._window = dt.timedelta(minutes=cooldown_minutes)
        self._now = now

    @property
    def channels(self) -> list[str]:
        return [n.channel for n in self._notifiers]

    def dispatch(self, notifications: Iterable[Notification]) -> list[Delivery]:
        deliveries: list[Delivery] = []
        for notification in notifications:
            deliveries.extend(self._send(notification))
        return deliveries

    def _send(self, notification: Notification) -> list[Delivery]:
        if notification.event not in self._enabled:
            return []
        if self._suppressed(notification):
            return [
                Delivery(
                    n.channel, notification.event, ok=True, detail="cool-down", suppressed=True
                )
                for n in self._notifiers
            ]
        results = []
        for notifier in self._notifiers:
            try:
                notifier.send(notification)
            except Exception as exc:  # a channel failure must never break the run
                failure = (
                    exc
                    if isinstance(exc, NotificationError)
                    else NotificationError(f"{notifier.channel}: {exc}")
                )
                record = self._errors.handle(
                    failure,
                    component=f"notifications.{notifier.channel}",
                    context={"event": notification.event.value, "subject": notification.subject},
                )
                results.append(
                    Delivery(notifier.channel, notification.event, False, record.message)
                )
            else:
                results.append(Delivery(notifier.channel, notification.event, ok=True))
        if self._cooldown is not None and any(d.ok for d in results):
            self._cooldown.mark_sent(notification.fingerprint, self._now())
        return results

    def _suppressed(self, notification: Notification) -> bool:
        if self._cooldown is None or not self._window:
            return False
        if notification.event not in {
            NotificationEvent.CRITICAL_ALERT,
            NotificationEvent.ERROR_REPORT,
            NotificationEvent.AUTOPILOT_ALERT,
        }:
            return False
        last = self._cooldown.last_sent(notification.fingerprint)
        return last is not None and self._now() - last < self._window
