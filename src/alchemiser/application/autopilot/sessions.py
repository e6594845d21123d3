"""What a session's runs in the ledger mean for the autopilot: done, retry, wait or missed.

Read from the ledger on every tick, so a restarted process decides exactly as the one that died
would have: a completed run means the session is done; a run that failed for a non-transient
cause (TRADING, STRATEGY, CONFIGURATION, …) is never retried (SPEC §7, §15); a run that failed
because the broker or the data source could not be reached is retried with backoff while the
window is open; a run refused by the kill switch is run again only after `resume`; a run cut short
by a stop request does not count (the next start inside the window runs the cycle, which
reconciles first).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from alchemiser.application.autopilot.schedule import SessionWindow
from alchemiser.application.ports.autopilot_store import AutopilotStore, DayRun
from alchemiser.application.ports.ledger import RunStatus

TRANSIENT_ERRORS = frozenset({"BrokerConnectionError", "DataUnavailableError"})
"""Exception types that mean "could not reach" (network, 5xx, 429), worth retrying later."""
NEVER_RETRIED = frozenset({"trading", "strategy", "configuration"})
STOPPED = "StopRequestedError"
HALTED = "TradingHaltedError"


class SessionState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"
    RETRYING = "retrying"
    HALTED = "halted"
    MISSED = "missed"


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    initial_seconds: float = 30.0
    max_seconds: float = 300.0
    limit: int = 5

    def wait(self, failures: int) -> dt.timedelta:
        """Exponential backoff after `failures` transient failures (1 → initial)."""
        seconds = self.initial_seconds * 2 ** max(failures - 1, 0)
        return dt.timedelta(seconds=min(seconds, self.max_seconds))


@dataclass(frozen=True, slots=True)
class Verdict:
    state: SessionState
    due: dt.datetime | None
    """When the next cycle of this session may start (None: no more cycles this session)."""
    reason: str
    run: DayRun | None = None


def is_transient(run: DayRun, transient: frozenset[str] = TRANSIENT_ERRORS) -> bool:
    """A failed or refused run whose cause was only "could not reach", nothing worse."""
    if HALTED in run.error_types:
        return False
    if run.error_categories & NEVER_RETRIED and run.status is not RunStatus.REFUSED:
        return False
    if run.status is RunStatus.REFUSED:
        return True  # refused by the window check: the broker and calendar disagreed for now
    return bool(run.error_types & transient)


def classify(
    runs: Sequence[DayRun],
    *,
    window: SessionWindow,
    now: dt.datetime,
    halted: bool,
    policy: RetryPolicy = RetryPolicy(),
    last_attempt_at: dt.datetime | None = None,
    skipped: bool = False,
    transient: frozenset[str] = TRANSIENT_ERRORS,
) -> Verdict:
    """The state of `window`'s session at `now`, given its runs (oldest first)."""
    counted = [
        r
        for r in runs
        if r.status not in (RunStatus.DRY_RUN, RunStatus.RUNNING, RunStatus.INTERRUPTED)
        and STOPPED not in r.error_types
    ]
    for run in counted:
        if run.status is RunStatus.COMPLETED or run.status.value == "partial":
            return Verdict(SessionState.DONE, None, f"run {run.run_id} completed", run)
    for run in counted:
        if run.status is RunStatus.FAILED and not is_transient(run, transient):
            categories = ", ".join(sorted(run.error_categories)) or "unknown"
            return Verdict(
                SessionState.FAILED, None, f"run {run.run_id} failed ({categories})", run
            )
    last = counted[-1] if counted else None
    if now >= window.last_start:
        why = "no completed run before the window passed"
        if last is not None:
            why += f" (last run {last.run_id}: {last.status.value})"
        return Verdict(SessionState.MISSED, None, why, last)
    if skipped:
        return Verdict(SessionState.MISSED, None, "started too late to catch up", last)
    halted_runs = [r for r in counted if HALTED in r.error_types]
    if halted and halted_runs:
        return Verdict(SessionState.HALTED, None, "halted; runs again after resume", last)
    failures = [r for r in counted if is_transient(r, transient)]
    if failures:
        if len(failures) > policy.limit:
            return Verdict(
                SessionState.FAILED,
                None,
                f"{len(failures)} transient failures; no more retries this session",
                last,
            )
        since = last_attempt_at or failures[-1].finished_at or failures[-1].started_at
        due = max(window.run_at, since + policy.wait(len(failures)))
        return Verdict(SessionState.RETRYING, due, f"retry {len(failures)} of {policy.limit}", last)
    return Verdict(SessionState.PENDING, window.run_at, "due", last)


SKIPPED_ALERT = "skipped"
"""Session note set when a late start without catch-up gave the session up."""


def verdict_of(
    store: AutopilotStore,
    account: str,
    window: SessionWindow,
    *,
    now: dt.datetime,
    halted: bool,
    policy: RetryPolicy,
) -> Verdict:
    """`classify` on what the ledger holds for the session (its runs and the autopilot's note)."""
    runs = store.runs_between(account, window.day, window.day)
    note = store.session(account, window.day)
    return classify(
        runs,
        window=window,
        now=now,
        halted=halted,
        policy=policy,
        last_attempt_at=note.last_attempt_at if note else None,
        skipped=bool(note and SKIPPED_ALERT in note.alerts),
    )
