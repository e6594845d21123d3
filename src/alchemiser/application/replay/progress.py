"""What a replay has done so far, kept so an interrupted replay resumes where it stopped."""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

from pydantic import BaseModel, Field


class SessionRecord(BaseModel):
    """One replayed session: the run's outcome and the account after it, at the close."""

    session: dt.date
    run_id: str
    status: str
    equity: float
    cash: float
    values: dict[str, float] = Field(default_factory=dict)
    """Market value per held ticker after the session."""
    traded_value: float = 0.0
    fill_cost: float = 0.0
    """What fills cost against the decision price (the close): Σ ±qty × (fill − decision)."""
    orders: int = 0
    errors: list[str] = Field(default_factory=list)


class ReplayProgress(BaseModel):
    fingerprint: str
    """What the replay is of (portfolio, start, costs, source): resuming another is refused."""
    sessions: list[SessionRecord] = Field(default_factory=list)


class ProgressStore(Protocol):
    """Durable, append-only progress, kept with the session it records: everything a session
    writes (ledger, simulated account, its record) inside `session()` is kept together when the
    block completes, and none of it when it does not, so a replay stopped anywhere resumes from
    the last completed session."""

    def load(self) -> ReplayProgress | None: ...

    def begin(self, fingerprint: str) -> None:
        """Start a new, empty progress for `fingerprint`."""
        ...

    def append(self, record: SessionRecord) -> None:
        """Record a completed session (inside its `session()` block)."""
        ...

    def session(self) -> AbstractContextManager[None]: ...
