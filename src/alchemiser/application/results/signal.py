"""`alchemiser signal`: every sleeve's allocation on the decision date and the blended target."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import Field

from alchemiser.application.results.common import InterventionView, Record, Result
from alchemiser.domain.errors import ErrorCategory


class ExplanationLine(Record):
    """One node on the path a symphony took; `share` is the part of the sleeve it receives."""

    depth: int
    kind: str
    summary: str
    share: float
    defined: bool
    details: dict[str, Any]
    """Free-form facts of the node (indicator values, thresholds), JSON values only."""
    line: int | None = None
    column: int | None = None

    def __str__(self) -> str:
        return "  " * self.depth + self.summary


class SleeveSignalView(Record):
    """A sleeve's signal, or why it has none (`ok` false, `error` set, `weights` empty)."""

    sleeve: str
    symphony: str | None
    """Built-in name or file (None in runs recorded before it was kept)."""
    name: str | None
    """The symphony's own name (None when it could not be loaded)."""
    allocation: float
    ok: bool
    as_of: dt.date | None
    warmed_up: dt.date | None
    weights: dict[str, float]
    explanation: list[ExplanationLine]
    error: str | None = None
    error_category: ErrorCategory | None = None
    suggested_action: str | None = None


class TargetLine(Record):
    """A ticker of the blended target and the part of it each sleeve wants."""

    symbol: str
    weight: float
    sleeves: dict[str, float]


class SignalResult(Result):
    as_of: dt.date | None
    source: str
    synthetic: bool
    live_price: bool
    """True when the decision-time price was used as today's close (SPEC §8.3)."""
    sleeves: list[SleeveSignalView]
    target: list[TargetLine]
    """Largest weight first; incomplete when a sleeve failed (see `complete`)."""
    cash: float
    """The part of the account the target leaves unallocated (failed sleeves included)."""
    complete: bool
    """False when a sleeve failed: its allocation is missing from the target, not cash."""
    interventions: list[InterventionView] = Field(default_factory=list)
    """What the risk rules would change in the target before trading (SPEC §14)."""
    risk_target: dict[str, float] | None = None
    """The target after the risk rules (None when no rule is set)."""

    @property
    def exit_code(self) -> int:
        """0, the failed sleeves' category code when they share one (three sleeves without
        prices are DATA), else STRATEGY's."""
        failed = [s for s in self.sleeves if not s.ok]
        if not failed:
            return 0
        categories = {s.error_category for s in failed}
        if len(categories) == 1 and failed[0].error_category is not None:
            return failed[0].error_category.exit_code
        return ErrorCategory.STRATEGY.exit_code
