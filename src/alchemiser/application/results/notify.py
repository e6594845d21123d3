"""`alchemiser notify test`: what each configured channel answered."""

from __future__ import annotations

from alchemiser.application.results.common import Record, Result, Timestamp


class DeliveryView(Record):
    channel: str
    """email or webhook."""
    ok: bool
    detail: str
    """Why it failed (secrets masked); empty when sent."""


class NotifyTestResult(Result):
    ok: bool
    """Every channel delivered."""
    sent_at: Timestamp
    deliveries: list[DeliveryView]
