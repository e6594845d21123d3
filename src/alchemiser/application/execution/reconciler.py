"""The broker is the truth; the ledger follows it (SPEC §13).

`reconcile` runs before every plan. Ours = every order whose client order id carries our prefix.
Every order of ours that is not final — open at the broker (from any earlier run, finished or
not), recorded as non-final in the ledger, placed by a dead run but never recorded, or left
unknown by an ambiguous submit — is driven to a final state within a bounded time: a wait, a
cancel, a wait until the cancel is final (a fill during `pending_cancel` is a fill). Every fill
the broker reports is booked exactly once (the ledger books the growth of the cumulative filled
quantity) to the run and phase that placed the order, and attributed to that run's sleeves.
While any order of ours is still non-final, no plan is made: TradingError naming them.

`sweep` runs at the end of every run: nothing of ours may stay working at the broker.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import logging
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import TypeVar

from alchemiser.application.execution.client_order_ids import PREFIX, client_order_id
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.ledger import Ledger, OrderRecord, RunStatus, RunSummary
from alchemiser.application.settings import ExecutionSettings
from alchemiser.domain.attribution.runs import apply_fills
from alchemiser.domain.attribution.split import FillSlice, attribute_symbol
from alchemiser.domain.errors import BrokerConnectionError, TradingError
from alchemiser.domain.trading import (
    Fill,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    Symbol,
    UnknownOrderError,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")

OURS = f"{PREFIX}-"
RECENT_RUNS = 200
"""Runs whose non-final ledger orders are re-read. Every run reconciles before it plans, so an
order older than this was already resolved by one of them."""
LOOKUP_PAUSES_SECONDS = (0.5, 1.0, 2.0)
"""Backoff of the look-ups of an order left unknown by an ambiguous submit."""
UNKNOWN_ORDER_ID = "unknown"
"""Broker order id of the ledger's placeholder for an ambiguous submit."""
NOT_FOUND = "not found at the broker by client order id after an ambiguous submit"
ORPHAN_PHASE = "reconcile"
TRIES = 3
_CID = re.compile(r"^alc-(\d{8}T\d{6}Z-[0-9a-f]{6})-([a-z]+)-.+-\d+$")


@dataclass(slots=True)
class _Tracked:
    """An order of ours: who placed it (run, phase), what the ledger and the broker say."""

    run_id: str
    phase: str
    client_order_id: str
    record: OrderRecord | None = None
    order: Order | None = None
    unreachable: bool = False
    """A look-up failed on the connection: 'not found' is not known for sure."""


@dataclass(slots=True)
class Settlement:
    notes: list[str]
    unresolved: list[Order]
    booked: list[Fill]


def is_ours(order: Order) -> bool:
    return order.client_order_id.startswith(OURS)


def placeholder(request: OrderRequest, at: dt.datetime) -> Order:
    """The ledger's record of a submit whose fate is unknown (see AmbiguousSubmitError): not
    final, so the next run's reconciliation looks its client order id up first."""
    return Order.from_request(
        request, order_id=UNKNOWN_ORDER_ID, at=at, status=OrderStatus.PENDING_NEW
    )


class Reconciler:
    def __init__(
        self,
        broker: Broker,
        ledger: Ledger,
        execution: ExecutionSettings,
        *,
        attribute_run: Callable[[str], None],
    ) -> None:
        self._broker = broker
        self._ledger = ledger
        self._execution = execution
        self._attribute_run = attribute_run

    # -- before the plan ------------------------------------------------------------------------
    def reconcile(self, run_id: str, stale_runs: Sequence[RunSummary]) -> list[str]:
        """Bring every order of ours to a final state and into the ledger (see module doc)."""
        stale = {r.run_id: r for r in stale_runs}
        tracked: dict[str, _Tracked] = {}
        for record in self._ledger.unfinished_orders(self._recent_runs(stale_runs)):
            tracked[record.client_order_id] = _Tracked(
                record.run_id, record.phase, record.client_order_id, record
            )
        for run in stale:
            for item in self._unrecorded(run, tracked):
                tracked.setdefault(item.client_order_id, item)
        settlement = self._settle(run_id, tracked)
        notes = settlement.notes
        touched = {t.run_id for t in tracked.values()} | set(stale)
        for run in sorted(touched - {run_id}):
            self._attribute_finished(run, run_id, settlement.booked)
        for run, summary in stale.items():
            if any(o.client_order_id in _ids(tracked, run) for o in settlement.unresolved):
                continue  # still 'running': the next run picks it up again
            count = sum(1 for t in tracked.values() if t.run_id == run)
            self._ledger.finish_run(
                run,
                RunStatus.INTERRUPTED,
                dict(summary.summary) | {"recovered_by": run_id, "orders_reconciled": count},
            )
            note = (
                f"run {run} was interrupted; {count} of its orders reconciled with the broker "
                "before re-planning"
            )
            notes.append(note)
            self._ledger.record_event(run_id, "reconcile", note, {"run_id": run})
        self._stop_if_unresolved(run_id, settlement.unresolved, "no plan is made")
        return notes

    # -- after the run --------------------------------------------------------------------------
    def sweep(self, run_id: str) -> list[str]:
        """End of run: cancel and confirm whatever of ours still works; book its fills."""
        self._ledger.record_event(run_id, "sweep", "end-of-run sweep of open orders")
        tracked = {
            r.client_order_id: _Tracked(run_id, r.phase, r.client_order_id, r)
            for r in self._ledger.orders_of(run_id)
            if not r.final
        }
        settlement = self._settle(run_id, tracked, phase="sweep", close_unknown=False)
        for fill in settlement.booked:
            log.info("sweep booked a fill of %s %s", fill.qty, fill.symbol)
        self._stop_if_unresolved(run_id, settlement.unresolved, "the run ends with them open")
        return settlement.notes

    # -- the core -------------------------------------------------------------------------------
    def _settle(
        self,
        run_id: str,
        tracked: dict[str, _Tracked],
        *,
        phase: str = ORPHAN_PHASE,
        close_unknown: bool = True,
    ) -> Settlement:
        """Drive `tracked` and every open order of ours to a final state and book them.
        `close_unknown`: a placeholder no look-up finds is closed (a later run's verdict; the
        run that left it keeps it open for the next one)."""
        notes: list[str] = []
        for order in self._retrying(self._broker.open_orders):
            if is_ours(order):
                item = tracked.get(order.client_order_id)
                if item is None:
                    item = self._owner(order.client_order_id, run_id, phase)
                    tracked[order.client_order_id] = item
                item.order = order
        for item in tracked.values():
            if item.order is None:
                item.order = self._lookup(item)
        working = [t for t in tracked.values() if t.order is not None and not t.order.is_final]
        if working:
            notes.append(self._drive_final(run_id, working))
        booked: list[Fill] = []
        for item in tracked.values():
            final = item.order
            if final is None and close_unknown and not item.unreachable:
                final = self._not_found(item)
            if final is None:
                continue
            fill = self._ledger.record_order(item.run_id, item.phase, final)
            if fill is not None:
                booked.append(fill)
        if booked:
            note = f"booked {len(booked)} fill(s) the ledger lacked: " + ", ".join(
                f"{f.side} {f.qty} {f.symbol} ({f.client_order_id})" for f in booked
            )
            notes.append(note)
            self._ledger.record_event(run_id, phase, note)
        unresolved = [t.order for t in tracked.values() if t.order and not t.order.is_final]
        return Settlement(notes, unresolved, booked)

    def _drive_final(self, run_id: str, working: list[_Tracked]) -> str:
        """Bounded wait, cancel, wait until the cancel is final; re-read every order."""
        ids = [t.order.id for t in working if t.order is not None]
        self._broker.wait_for_update(ids, self._execution.reconcile_wait_seconds)
        self._reread(working)
        left = [t for t in working if t.order is not None and not t.order.is_final]
        for item in left:
            assert item.order is not None
            order_id = item.order.id
            with contextlib.suppress(UnknownOrderError):  # the re-read says what it became
                self._retrying(partial(self._broker.cancel_order, order_id))
        if left:
            self._broker.wait_for_update(
                [t.order.id for t in left if t.order is not None],
                self._execution.settle_timeout_seconds,
            )
            self._reread(left)
        text = (
            f"{len(working)} open order(s) of ours found at the broker; "
            f"{len(left)} cancelled; "
            + ", ".join(
                f"{t.client_order_id} {t.order.status} filled {t.order.filled_qty}"
                for t in working
                if t.order is not None
            )
        )
        self._ledger.record_event(run_id, "reconcile", text)
        return text

    def _reread(self, items: Iterable[_Tracked]) -> None:
        for item in items:
            if item.order is not None:
                order_id = item.order.id
                item.order = self._retrying(partial(self._broker.get_order, order_id))

    def _lookup(self, item: _Tracked) -> Order | None:
        """The broker's view of an order the ledger holds as non-final."""
        record = item.record
        if record is not None and record.broker_order_id not in ("", UNKNOWN_ORDER_ID):
            broker_id = record.broker_order_id
            try:
                return self._retrying(lambda: self._broker.get_order(broker_id))
            except UnknownOrderError:
                pass
        pauses = LOOKUP_PAUSES_SECONDS if record is not None else (0.0,)
        for pause in pauses:
            try:
                found = self._retrying(
                    partial(self._broker.get_order_by_client_id, item.client_order_id)
                )
                item.unreachable = False
            except BrokerConnectionError:
                found = None
                item.unreachable = True
            if found is not None:
                return found
            if pause:
                self._broker.wait_for_update([], pause)
        return None

    def _not_found(self, item: _Tracked) -> Order | None:
        """A placeholder the broker never heard of: the submit did not reach it. Closed as
        rejected (final, no fill) so it is not looked up forever."""
        record = item.record
        if record is None or record.broker_order_id not in ("", UNKNOWN_ORDER_ID):
            return None
        at = self._broker.clock().now
        order = Order(
            id=UNKNOWN_ORDER_ID,
            client_order_id=record.client_order_id,
            symbol=Symbol(record.symbol),
            side=Side(record.side),
            qty=record.qty,
            order_type=OrderType.MARKET,
            status=OrderStatus.PENDING_NEW,
            submitted_at=at,
            updated_at=at,
        )
        return order.advance(OrderStatus.REJECTED, at=at, reject_reason=NOT_FOUND)

    def _owner(self, cid: str, run_id: str, phase: str) -> _Tracked:
        """Which run and phase placed an order the ledger never recorded: read from its id
        (`alc-<run>-<phase>-…`) when that run is in the ledger, else the current run."""
        match = _CID.match(cid)
        if match and self._ledger.run(match.group(1)) is not None:
            return _Tracked(match.group(1), match.group(2), cid)
        return _Tracked(run_id, phase, cid)

    def _unrecorded(self, stale_run: str, known: Mapping[str, _Tracked]) -> list[_Tracked]:
        """Orders a dead run placed that the ledger never saw (a crash between submission and
        recording), now final at the broker, so not among the open orders. Every attempt id
        of its plan is looked up: a refused attempt leaves a gap before the next."""
        recorded = {r.client_order_id for r in self._ledger.orders_of(stale_run)}
        found: list[_Tracked] = []
        for row in self._ledger.planned_orders(stale_run):
            phase, symbol = row.phase, row.symbol
            for attempt in range(self._execution.limit_steps + 2):
                cid = client_order_id(stale_run, symbol, phase, attempt)
                if cid in known or cid in recorded:
                    continue
                order = self._retrying(partial(self._broker.get_order_by_client_id, cid))
                if order is not None:
                    found.append(_Tracked(stale_run, phase, cid, None, order))
        return found

    # -- attribution ----------------------------------------------------------------------------
    def _attribute_finished(self, run: str, current: str, booked: Sequence[Fill]) -> None:
        """A run whose orders are all final is attributed once; fills that reach a run already
        attributed are split among the sleeves that wanted that side, pro rata."""
        if run == current:
            return
        if any(not r.final for r in self._ledger.orders_of(run)):
            return
        summary = self._ledger.run(run)
        if summary is None:
            return
        if not self._ledger.is_attributed(run):
            self._attribute_run(run)
            return
        ids = {r.client_order_id for r in self._ledger.orders_of(run)}
        late = [f for f in booked if f.client_order_id in ids]
        if late:
            self._attribute_late(run, late)

    def _attribute_late(self, run: str, late: Sequence[Fill]) -> None:
        deltas, _ = self._ledger.sleeve_deltas(run)
        earlier = [f for f in self._ledger.fills_of(run) if f not in late]
        trades = []
        for fill in late:
            symbol = str(fill.symbol)
            sign = fill.signed_qty > 0
            wanted = {s: q for s, q in deltas.get(symbol, {}).items() if q and (q > 0) == sign}
            total = sum((abs(q) for q in wanted.values()), Decimal(0))
            done = sum((abs(f.signed_qty) for f in earlier if f.symbol == fill.symbol), Decimal(0))
            left = max(Decimal(0), Decimal(1) - done / total) if total else Decimal(0)
            remaining = {s: q * left for s, q in wanted.items()}
            trades += attribute_symbol(
                symbol, remaining, [FillSlice(fill.signed_qty, fill.price)], fill.price
            )
        book = self._ledger.load_book(self._broker.name)
        applied = apply_fills(book, trades)
        self._ledger.save_book(self._broker.name, None, book, applied)
        self._ledger.record_event(
            run, "reconcile", f"{len(late)} late fill(s) attributed after the run"
        )

    # -- helpers --------------------------------------------------------------------------------
    def _recent_runs(self, stale: Sequence[RunSummary]) -> list[str]:
        runs = self._ledger.recent_run_ids(RECENT_RUNS, self._broker.name)
        return sorted(set(runs) | {r.run_id for r in stale})

    def _stop_if_unresolved(self, run_id: str, unresolved: Sequence[Order], what: str) -> None:
        if not unresolved:
            return
        names = ", ".join(f"{o.client_order_id} ({o.symbol} {o.status})" for o in unresolved)
        raise TradingError(
            f"{len(unresolved)} order(s) of ours still not final at the broker after cancel; "
            f"{what}: {names}",
            context={
                "run_id": run_id,
                "client_order_ids": [o.client_order_id for o in unresolved],
            },
            suggested_action=(
                "Check these orders at the broker; the next run cancels and books them first."
            ),
        )

    def _retrying(self, call: Callable[[], _T]) -> _T:
        """Reads and cancels are idempotent: retried on ambiguous failures, a few times."""
        for attempt in range(TRIES):
            try:
                return call()
            except BrokerConnectionError:
                if attempt == TRIES - 1:
                    raise
                self._broker.wait_for_update([], 1.0)
        raise AssertionError("unreachable")


def _ids(tracked: Mapping[str, _Tracked], run: str) -> set[str]:
    return {cid for cid, t in tracked.items() if t.run_id == run}
