"""Port for time (SPEC §15, §16): every "now" and every wait of a use case goes through it.

Why a port: the autopilot must be driven through weeks of sessions in seconds, and a replay sets
the clock to each session's decision time. Production uses the system clock
(infrastructure.system_clock); tests inject a clock they advance by hand.
"""

from __future__ import annotations

import datetime as dt
from typing import Protocol


class Clock(Protocol):
    def now(self) -> dt.datetime:
        """The current moment, timezone-aware (UTC)."""
        ...

    def sleep(self, seconds: float) -> None:
        """Wait `seconds` (a simulated clock just advances)."""
        ...
