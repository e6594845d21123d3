"""`alchemiser halt` and `alchemiser resume`: the kill switch's state (SPEC §15)."""

from __future__ import annotations

from alchemiser.application.results.common import Record, Result, Timestamp


class HaltView(Record):
    reason: str
    source: str
    """Who halted: "operator", "risk:drawdown_breaker", "risk:daily_loss", …"""
    since: Timestamp


class HaltResult(Result):
    halted: HaltView
    """The halt in force (the earlier one when it was already halted: it is kept)."""
    already_halted: bool


class ResumeResult(Result):
    resumed: HaltView | None
    """The halt that was lifted; None when trading was not halted."""
