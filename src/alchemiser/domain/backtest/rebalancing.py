"""When a backtest brings holdings back to target (SPEC §11.2).

- daily: every session;
- calendar (weekly/monthly/quarterly/yearly): the first session of each period, drift between;
- threshold x: drift; rebalance everything when any holding is more than x (absolute weight) off
  its target, or when the set of target tickers changes (a branch switch);
- none: drift; rebalance only on a branch switch (a corridor of infinite width), so a strategy
  that switches from TQQQ to BIL still switches, it just never trims winners.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.symphony.tree import RebalanceFrequency, RebalanceRule

BoolArray = npt.NDArray[np.bool_]
DateArray = npt.NDArray[np.datetime64]


class RebalanceKind(StrEnum):
    DAILY = "daily"
    WEEKLY = "weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    YEARLY = "yearly"
    THRESHOLD = "threshold"
    NONE = "none"


CALENDAR_KINDS = frozenset(
    {RebalanceKind.WEEKLY, RebalanceKind.MONTHLY, RebalanceKind.QUARTERLY, RebalanceKind.YEARLY}
)


@dataclass(frozen=True, slots=True)
class RebalancePolicy:
    kind: RebalanceKind = RebalanceKind.DAILY
    threshold: float = math.inf
    """Absolute weight corridor (THRESHOLD only; NONE is an infinite corridor)."""

    def __post_init__(self) -> None:
        if self.kind is RebalanceKind.THRESHOLD and not 0 < self.threshold < 1:
            raise ConfigurationError(
                f"a rebalance threshold must be between 0 and 1 (absolute weight), "
                f"got {self.threshold}",
                context={"setting": "rebalance"},
                suggested_action="Use e.g. --rebalance threshold:0.05 for a 5-point corridor.",
            )

    @property
    def drifts(self) -> bool:
        """True when holdings are allowed to drift from target between rebalances."""
        return self.kind is not RebalanceKind.DAILY

    @property
    def corridor(self) -> bool:
        return self.kind in (RebalanceKind.THRESHOLD, RebalanceKind.NONE)

    def label(self) -> str:
        if self.kind is RebalanceKind.THRESHOLD:
            return f"threshold:{self.threshold:g}"
        return self.kind.value


DAILY = RebalancePolicy()


def policy_from_rule(rule: RebalanceRule) -> RebalancePolicy:
    """A symphony's own option (`:rebalance-frequency`, `:rebalance-threshold`) as a policy."""
    if rule.threshold is not None:
        return RebalancePolicy(RebalanceKind.THRESHOLD, float(rule.threshold))
    if rule.frequency is RebalanceFrequency.NONE:
        return RebalancePolicy(RebalanceKind.NONE)
    return RebalancePolicy(RebalanceKind(rule.frequency.value))


def parse_policy(text: str) -> RebalancePolicy:
    """CLI spelling: daily|weekly|monthly|quarterly|yearly|none|threshold:X (X may be `5%`)."""
    raw = text.strip().lower()
    if raw.startswith("threshold"):
        _, _, number = raw.partition(":")
        try:
            value = float(number.rstrip("%")) / (100.0 if number.endswith("%") else 1.0)
        except ValueError:
            raise ConfigurationError(
                f"bad rebalance threshold {text!r}",
                context={"setting": "rebalance"},
                suggested_action="Write it as threshold:0.05 (or threshold:5%).",
            ) from None
        return RebalancePolicy(RebalanceKind.THRESHOLD, value)
    try:
        return RebalancePolicy(RebalanceKind(raw))
    except ValueError:
        choices = "daily, weekly, monthly, quarterly, yearly, threshold:X, none"
        raise ConfigurationError(
            f"unknown rebalance rule {text!r}; expected one of {choices}",
            context={"setting": "rebalance"},
        ) from None


def period_starts(dates: DateArray, kind: RebalanceKind) -> BoolArray:
    """True on the first session of each calendar period (the first date is always a start).

    Weeks are ISO weeks (Monday start), so a Monday holiday moves the rebalance to Tuesday.
    """
    days = np.asarray(dates, dtype="datetime64[D]")
    out = np.ones(len(days), dtype=bool)
    if len(days) < 2 or kind not in CALENDAR_KINDS:
        return out
    if kind is RebalanceKind.WEEKLY:
        # 1970-01-01 was a Thursday; shifting by 3 days makes weeks start on Monday.
        key = (days.astype(np.int64) + 3) // 7
    else:
        months = days.astype("datetime64[M]").astype(np.int64)
        key = {
            RebalanceKind.MONTHLY: months,
            RebalanceKind.QUARTERLY: months // 3,
            RebalanceKind.YEARLY: months // 12,
        }[kind]
    out[1:] = key[1:] != key[:-1]
    return out
