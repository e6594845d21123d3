"""Port for the kill switch (SPEC §14, §15): one persistent halt shared by the operator's
`alchemiser halt`, the drawdown breaker and the autopilot.

While halted no order is placed (reconciliation still runs). The state lives in the ledger so a
restart, a second process or a second machine on the same database sees it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class HaltState:
    reason: str
    source: str
    """Who halted: "operator", "risk:drawdown_breaker", "risk:daily_loss", …"""
    since: dt.datetime


class HaltSwitch(Protocol):
    def current(self) -> HaltState | None:
        """The active halt, or None when trading is allowed."""
        ...

    def halt(self, reason: str, source: str) -> HaltState:
        """Halt trading (idempotent: halting while halted keeps the first state)."""
        ...

    def resume(self) -> HaltState | None:
        """Lift the halt; returns the state that was lifted, or None when not halted."""
        ...
