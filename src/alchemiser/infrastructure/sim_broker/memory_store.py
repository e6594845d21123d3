"""The simulated account kept in memory across a replay's sessions, written at session ends.

Why: the SQL store writes the account row, the touched orders and positions and the new fills
in one transaction per broker call and reloads every order ever placed when a broker opens;
over thousands of sessions that is the replay's largest cost and it grows with every session.
This store keeps one `SimState` alive for the whole replay: the broker logic, the Decimal
arithmetic, partial fills and asynchronous cancels on the simulated clock are those of the one
`SimBroker`; only where the state lives differs. `flush` writes what changed since the last
flush through the real `SimStore` (same tables, same version check), inside the replay's
session transaction, so the account on disk always matches the ledger on disk.

Orders that were final when a session ended are moved out of the working dict into an
archive (still found by id and by client order id), so the broker's scans of open orders stay
as short as one session's orders instead of growing with the whole replay.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from alchemiser.domain.trading import Fill, Order, Symbol
from alchemiser.infrastructure.sim_broker.store import SimState, SimStore


class MemorySimStore:
    """Implements the store side of `SimBroker` (load_or_create, save, fills, archived)."""

    def __init__(self, backing: SimStore) -> None:
        self._backing = backing
        self._reset()

    def _reset(self) -> None:
        self._state: SimState | None = None
        self._archive: dict[str, Order] = {}
        self._by_client: dict[str, str] = {}
        self._orders: set[str] = set()
        self._positions: set[Symbol] = set()
        self._fills: list[Fill] = []

    def load_or_create(self, initial_cash: Decimal, start: dt.datetime) -> SimState:
        """The one state of the replay (loaded from the database once). Each call is a new
        broker, i.e. a new session: final orders are archived first."""
        if self._state is None:
            self._state = self._backing.load_or_create(initial_cash, start)
        state = self._state
        for order_id, order in list(state.orders.items()):
            if order.is_final and order_id not in self._orders:
                self._archive[order_id] = order
                self._by_client[order.client_order_id] = order_id
                del state.orders[order_id]
                state.next_events.pop(order_id, None)
        return state

    def save(
        self,
        state: SimState,
        *,
        orders: Iterable[str],
        positions: Iterable[Symbol],
        fills: Iterable[Fill],
    ) -> None:
        """Remember what changed; nothing is written until `flush`."""
        if state is not self._state:
            raise RuntimeError("a MemorySimStore serves the one state it loaded")
        self._orders.update(orders)
        self._positions.update(positions)
        self._fills.extend(fills)

    def flush(self) -> None:
        """Write every change since the last flush in one `SimStore.save` (one transaction, or
        one savepoint inside the caller's)."""
        state = self._state
        if state is None:
            return
        self._backing.save(
            state,
            orders=sorted(self._orders),
            positions=sorted(self._positions),
            fills=self._fills,
        )
        self._orders.clear()
        self._positions.clear()
        self._fills = []

    def forget(self) -> None:
        """Drop the in-memory state (after a rolled-back session): the next broker reloads the
        account as the database has it."""
        self._reset()

    def stored_version(self) -> int | None:
        """None: a replay owns its account, no other process writes it while the replay runs
        (the replay holds the account's cycle lock), so there is nothing to re-read."""
        return None

    def archived(self, order_id: str) -> Order | None:
        return self._archive.get(order_id)

    def archived_by_client_id(self, client_order_id: str) -> Order | None:
        order_id = self._by_client.get(client_order_id)
        return None if order_id is None else self._archive[order_id]

    def fills(self) -> list[Fill]:
        """Every fill of the account: those on disk, then those not flushed yet."""
        return self._backing.fills() + list(self._fills)
