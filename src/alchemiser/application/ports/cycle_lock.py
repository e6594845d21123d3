"""Port for the one-cycle-per-account lock (SPEC §13): taken atomically, never a check followed
by an insert.

The adapter uses the database holding the ledger (a row lock / advisory lock) so two processes on
one machine and two machines on one PostgreSQL ledger both respect it. `trade`, `replay` and the
autopilot take the same lock.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from typing import Protocol

from alchemiser.domain.errors import TradingError


class CycleLockHeldError(TradingError):
    """Another cycle holds the lock: this one refuses before touching the broker."""

    default_action = (
        "Another Alchemiser cycle is running on this account; wait for it to finish. If that "
        "process is gone, its lock is released when its database session ends."
    )


class CycleLock(Protocol):
    def hold(self, account: str, owner: str) -> AbstractContextManager[None]:
        """Hold the lock of `account` for the duration of the `with` block.

        Raises CycleLockHeldError (naming the holder: host, pid, run id, since) when another owner
        holds it. `owner` describes this process for the message another process will show.
        """
        ...
