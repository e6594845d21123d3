"""A stateful stand-in for Alpaca's Trading API, trade stream and latest quotes, as hard as Alpaca.

Real alpaca-py talks to it over HTTP and WebSocket on 127.0.0.1. It runs in a background thread
of the test process with its own event loop, so its state (orders, fills, positions, cash)
outlives any client: a test can SIGKILL an `alchemiser trade` subprocess and run the next one
against the same account.

What it models (SPEC §8.1, §12, §13):
- **Accounts**: `account_type="cash"` (buying power = cash − holds) or `"margin"` (multiplier
  2 or 4; `buying_power`, `regt_buying_power`, `daytrading_buying_power`,
  `non_marginable_buying_power` as Alpaca computes them; cash goes negative when buys use
  margin). Open buy orders hold buying power (limit × qty, notional, or ask × (1 + collar) × qty).
- **Asynchronous cancels by default**: DELETE answers 204 and the order sits in
  `pending_cancel` for `cancel_delay` seconds of the server clock; it keeps working meanwhile
  (a price cross fills it), and `fill_during_cancel="full"|"partial"` makes a fill land half-way
  through the delay. Then `canceled` (unless it filled).
- **Every order status of the document** reachable: `script(order, status, ...)`, plus
  `initial_status` / `hold_new_orders` for orders that stay `pending_new` or `accepted`.
- **An advancing, controllable clock** (`clock`, `advance_clock`, `set_clock`): `/v2/clock`,
  order timestamps and fills follow it; at each session close every open DAY order expires.
- **Alpaca's rate limit**: `X-RateLimit-Limit`, `-Remaining`, `-Reset` (epoch seconds) on every
  answer and HTTP 429 `{"code": 42910000}` when exhausted. No `Retry-After` (Alpaca sends none).
- **The contract**: every request is validated against ../shared/alpaca-openapi (a body the
  document refuses gets Alpaca's 422; see tests/fakes/alpaca_contract.py for the documented
  exceptions) and every answer and trade update too; violations are kept in
  `request_violations` / `response_violations`, which the fixtures assert empty.
- **Faults**: `add_fault(Fault(...))` for 429 bursts, 5xx, slow answers, dropped connections
  (also *after* the server did the work), `drop_streams`, `silent_stream`, `refuse_streams`,
  `partial_fill_parts`, `async_rejections`.

Fixture API (all thread-safe; construct, `start()`, use, `stop()` — or `with`)::

    server = AlpacaTestServer(
        account_type="cash" | "margin", multiplier=None (1 cash, 2 margin; 2 or 4),
        cash="100000", prices={"SPY": ["500", "501"]}, positions={"SPY": ("10", "450")},
        cancel_delay=0.3, fill_during_cancel=None | "full" | "partial",
        clock_time=<aware datetime>, clock_speed=1.0 (0 = frozen), market_open=None,
        tick_seconds=0.02 (None = only tests tick), rate_limit=(200, 60.0),
        initial_status="accepted", openapi_dir=None (default ../shared/alpaca-openapi),
    ).start()
    server.base_url / server.stream_url / server.api_key / server.secret_key
    server.client_environment()  # ALPACA_* / ALCHEMISER_ALPACA_* for an `alchemiser` subprocess
    server.set_prices(symbol, path); server.set_quote(symbol, bid, ask); server.tick(n)
    server.clock.now(); server.advance_clock(seconds); server.set_clock(moment)
    server.script(order_id_or_client_id, status, fill_qty=None, fill_price=None)
    server.orders(); server.open_orders(); server.order(id_or_client_id); server.fills
    server.fills_for(client_order_id); server.positions(); server.account_view()
    server.order_log / request_log / events; server.add_fault(Fault(...)); server.stop()
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import math
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Literal

from aiohttp import WSMsgType, web

from tests.fakes.alpaca_contract import AlpacaContract
from tests.fakes.alpaca_server_clock import NEW_YORK, ServerClock, sessions

OPEN_STATES = frozenset(
    {
        "new",
        "accepted",
        "pending_new",
        "partially_filled",
        "pending_cancel",
        "pending_replace",
        "accepted_for_bidding",
        "stopped",
        "suspended",
    }
)
"""Alpaca's `status=open`: everything not final (calculated/done_for_day count as closed)."""
ALL_STATES = OPEN_STATES | {
    "filled",
    "done_for_day",
    "canceled",
    "expired",
    "replaced",
    "rejected",
    "calculated",
}
WORKING_STATES = frozenset({"new", "partially_filled", "pending_cancel"})
"""States in which the matching engine fills an order."""
HELD_STATES = frozenset(
    {"accepted", "pending_new", "accepted_for_bidding", "stopped", "suspended", "pending_replace"}
)
EVENT_OF = {"filled": "fill", "partially_filled": "partial_fill"}
CENT = Decimal("0.01")
QTY_STEP = Decimal("0.000000001")  # Alpaca keeps 9 decimals of a share
INITIAL_MARGIN = Decimal("0.5")  # Reg T
MAINTENANCE_MARGIN = Decimal("0.3")  # Alpaca's requirement for most long equities

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
FillDuringCancel = Literal["full", "partial"] | None


def text(value: Decimal) -> str:
    """Alpaca's decimal strings: no exponent, no trailing zeros."""
    normalized = value.normalize()
    return format(normalized, "f") if normalized != 0 else "0"


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


@dataclass
class Fault:
    """One injected failure, matched against requests in the order faults were added.

    `after_commit` makes the server do the work first (create the order, cancel it, ...) and then
    fail, delay or drop the answer: the ambiguous case a client must resolve without resending.
    For status 429, `retry_after` is how far in the future `X-RateLimit-Reset` points (Alpaca
    sends no Retry-After header).
    """

    method: str | None = None
    path: str | None = None  # prefix of the request path, e.g. "/v2/orders"
    status: int | None = None
    count: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    after_commit: bool = False
    body: bytes | None = None
    """With status 200: answer these bytes instead (garbage JSON, a wrong order, ...)."""

    def matches(self, method: str, path: str) -> bool:
        return (self.method is None or self.method == method) and (
            self.path is None or path.startswith(self.path)
        )


@dataclass
class AssetInfo:
    symbol: str
    fractionable: bool = True
    tradable: bool = True
    exchange: str = "ARCA"
    name: str = ""
    asset_id: str = field(default_factory=lambda: str(uuid.uuid4()))

    def to_json(self) -> dict[str, Any]:
        return {
            "id": self.asset_id,
            "class": "us_equity",
            "exchange": self.exchange,
            "symbol": self.symbol,
            "name": self.name or f"{self.symbol} test asset",
            "status": "active",
            "tradable": self.tradable,
            "marginable": True,
            "shortable": False,
            "easy_to_borrow": False,
            "fractionable": self.fractionable,
            "attributes": [],
        }


@dataclass
class FillRecord:
    """What the server executed: the truth a ledger must match."""

    execution_id: str
    order_id: str
    client_order_id: str
    symbol: str
    side: str
    qty: Decimal
    price: Decimal
    timestamp: datetime


@dataclass
class OrderRecord:
    id: str
    client_order_id: str
    symbol: str
    asset_id: str
    side: str
    type: str
    time_in_force: str
    qty: Decimal | None
    notional: Decimal | None
    limit_price: Decimal | None
    created_at: datetime
    status: str = "accepted"
    filled_qty: Decimal = Decimal(0)
    filled_value: Decimal = Decimal(0)
    updated_at: datetime | None = None
    filled_at: datetime | None = None
    canceled_at: datetime | None = None
    expired_at: datetime | None = None
    failed_at: datetime | None = None
    replaced_at: datetime | None = None
    replaced_by: str | None = None
    replaces: str | None = None
    parts_done: int = 0
    cancel_due: datetime | None = None
    cancel_fill_at: datetime | None = None
    fresh: bool = True  # not yet worked by a tick: fills start one tick after creation
    held: bool = False  # scripted into a state the engine must leave alone

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATES

    @property
    def remaining(self) -> Decimal | None:
        return None if self.qty is None else self.qty - self.filled_qty

    def to_json(self) -> dict[str, Any]:
        avg = (self.filled_value / self.filled_qty).quantize(QTY_STEP) if self.filled_qty else None
        stamp = self.updated_at or self.created_at
        return {
            "id": self.id,
            "client_order_id": self.client_order_id,
            "created_at": iso(self.created_at),
            "updated_at": iso(stamp),
            "submitted_at": iso(self.created_at),
            "filled_at": iso(self.filled_at) if self.filled_at else None,
            "expired_at": iso(self.expired_at) if self.expired_at else None,
            "canceled_at": iso(self.canceled_at) if self.canceled_at else None,
            "failed_at": iso(self.failed_at) if self.failed_at else None,
            "replaced_at": iso(self.replaced_at) if self.replaced_at else None,
            "replaced_by": self.replaced_by,
            "replaces": self.replaces,
            "asset_id": self.asset_id,
            "symbol": self.symbol,
            "asset_class": "us_equity",
            "notional": text(self.notional) if self.notional is not None else None,
            "qty": text(self.qty) if self.qty is not None else None,
            "filled_qty": text(self.filled_qty),
            "filled_avg_price": text(avg) if avg is not None else None,
            "order_class": "simple",
            "order_type": self.type,
            "type": self.type,
            "side": self.side,
            "time_in_force": self.time_in_force,
            "limit_price": text(self.limit_price) if self.limit_price is not None else None,
            "stop_price": None,
            "status": self.status,
            "extended_hours": False,
            "legs": None,
            "position_intent": "buy_to_open" if self.side == "buy" else "sell_to_close",
        }


@dataclass
class RequestRecord:
    time: float
    method: str
    path: str
    status: int | None = None  # None while in progress or when the connection was dropped


@dataclass
class PositionRecord:
    symbol: str
    qty: Decimal
    avg_entry_price: Decimal


class ApiError(Exception):
    """An Alpaca-style error answer: `{"code": ..., "message": ...}` with an HTTP status."""

    def __init__(self, status: int, code: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message


class AlpacaTestServer:
    """In-process Alpaca: REST on http://127.0.0.1:PORT, stream on ws://127.0.0.1:PORT/stream.

    `prices` is the scripted path per symbol: each `tick()` moves every symbol one step along it
    (the last price stays). Quotes are price ± `half_spread` (or `set_quote`); market orders fill
    at the far touch, limit orders when the touch crosses their limit, only while the market is
    open by the server clock (or `market_open` forces it). With `tick_seconds` set, a background
    task ticks on its own; with None, only the test ticks (prices and fills deterministic).
    """

    def __init__(
        self,
        *,
        api_key: str = "PKTESTKEY0001",
        secret_key: str = "test-secret-value-0001",
        account_type: Literal["cash", "margin"] = "cash",
        multiplier: int | None = None,
        cash: Decimal | str = "100000",
        prices: Mapping[str, Iterable[Decimal | str | float]] | None = None,
        positions: Mapping[str, tuple[Decimal | str, Decimal | str]] | None = None,
        assets: Iterable[AssetInfo] = (),
        half_spread: Decimal | str = "0.01",
        tick_seconds: float | None = 0.02,
        market_open: bool | None = None,
        clock_time: datetime | None = None,
        clock_speed: float = 1.0,
        cancel_delay: float = 0.3,
        fill_during_cancel: FillDuringCancel = None,
        initial_status: Literal["accepted", "pending_new", "new"] = "accepted",
        account_number: str = "PA3TESTACCT42",
        market_buy_collar: Decimal | str = "0.03",
        rate_limit: tuple[int, float] | None = (200, 60.0),
        openapi_dir: Path | None = None,
    ) -> None:
        if account_type not in {"cash", "margin"}:
            raise ValueError(f"account_type must be cash or margin, not {account_type!r}")
        self.account_type = account_type
        self.multiplier = multiplier or (1 if account_type == "cash" else 2)
        if (account_type, self.multiplier) not in {("cash", 1), ("margin", 2), ("margin", 4)}:
            raise ValueError("a cash account has multiplier 1, a margin account 2 or 4")
        self.api_key = api_key
        self.secret_key = secret_key
        self.cash = Decimal(cash)
        self.half_spread = Decimal(half_spread)
        self.tick_seconds = tick_seconds
        self.market_open = market_open
        self.clock = ServerClock(clock_time, speed=clock_speed)
        self.cancel_delay = cancel_delay
        self.fill_during_cancel: FillDuringCancel = fill_during_cancel
        self.initial_status = initial_status
        self.hold_new_orders = False
        self.account_number = account_number
        self.account_id = str(uuid.uuid4())
        self.market_buy_collar = Decimal(market_buy_collar)
        self.rate_limit = rate_limit
        self.trading_blocked = False
        self.account_blocked = False
        self.account_status = "ACTIVE"
        self.contract = AlpacaContract.locate(openapi_dir)
        self.expect_bad_requests = False  # tests that send off-document requests on purpose
        self.request_violations: list[str] = []
        self.response_violations: list[str] = []

        self._paths: dict[str, list[Decimal]] = {
            s.upper(): [Decimal(str(p)) for p in path] for s, path in (prices or {}).items()
        }
        self._quotes: dict[str, tuple[Decimal, Decimal]] = {}
        self._step = 0
        self._assets: dict[str, AssetInfo] = {a.symbol: a for a in assets}
        for symbol in self._paths:
            self._assets.setdefault(symbol, AssetInfo(symbol))
        self._positions: dict[str, PositionRecord] = {
            s.upper(): PositionRecord(s.upper(), Decimal(q), Decimal(p))
            for s, (q, p) in (positions or {}).items()
        }
        self._orders: dict[str, OrderRecord] = {}
        self.order_log: list[dict[str, Any]] = []  # every POST /v2/orders, answered or not
        self.request_log: list[RequestRecord] = []  # every REST request, in arrival order
        self.fills: list[FillRecord] = []
        self.events: list[dict[str, Any]] = []  # every trade update emitted (delivered or not)

        # Fault knobs (see the module docstring).
        self._faults: list[Fault] = []
        self.partial_fill_parts: dict[str, int] = {}  # symbol (or "*") -> parts per order
        self.async_rejections: dict[str, str] = {}  # symbol -> reason, rejected after accept
        self.refuse_streams = False
        self.silent_stream = False  # connected, but events are not delivered (lost)

        self._lock = threading.RLock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._sockets: set[web.WebSocketResponse] = set()
        self._ticker: asyncio.Task[None] | None = None
        self._pumper: asyncio.Task[None] | None = None
        self._outbox: asyncio.Queue[bytes]
        self._started = threading.Event()
        self.port = 0
        self._rate_window: list[float] = []
        self._injected: set[int] = set()  # answers made up by a Fault: not checked
        self._session_cache: tuple[datetime, datetime, bool] | None = None
        self._next_close = self._close_after(self.clock.now())
        self.last_equity = self.cash + sum(
            (p.qty * self.price(s) for s, p in self._positions.items() if s in self._paths),
            Decimal(0),
        )

    # ----------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def stream_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/stream"

    def start(self) -> AlpacaTestServer:
        self._thread = threading.Thread(target=self._serve, name="alpaca-test-server", daemon=True)
        self._thread.start()
        if not self._started.wait(10):
            raise RuntimeError("Alpaca test server did not start")
        return self

    def stop(self) -> None:
        if self._loop is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._shutdown(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop = None

    def __enter__(self) -> AlpacaTestServer:
        return self.start()

    def client_environment(self) -> dict[str, str]:
        """The variables that point `alchemiser trade --broker alpaca` (paper) at this server,
        for subprocesses: keys, trading/data/stream URLs."""
        return {
            "ALPACA_API_KEY": self.api_key,
            "ALPACA_SECRET_KEY": self.secret_key,
            "ALCHEMISER_ALPACA_BASE_URL": self.base_url,
            "ALCHEMISER_ALPACA_DATA_URL": self.base_url,
            "ALCHEMISER_ALPACA_STREAM_URL": self.stream_url,
        }

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _serve(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        loop.run_until_complete(self._startup())
        self._started.set()
        loop.run_forever()
        loop.close()

    async def _startup(self) -> None:
        app = web.Application(middlewares=[self._middleware])
        r = app.router
        r.add_get("/v2/account", self._account)
        r.add_get("/v2/positions", self._positions_list)
        r.add_get("/v2/positions/{symbol}", self._position_one)
        r.add_get("/v2/assets/{symbol}", self._asset)
        r.add_get("/v2/orders", self._orders_list)
        r.add_post("/v2/orders", self._order_create)
        r.add_get("/v2/orders:by_client_order_id", self._order_by_client_id)
        r.add_get("/v2/orders/{order_id}", self._order_get)
        r.add_patch("/v2/orders/{order_id}", self._order_replace)
        r.add_delete("/v2/orders/{order_id}", self._order_cancel)
        r.add_get("/v2/clock", self._clock)
        r.add_get("/v2/calendar", self._calendar)
        r.add_get("/v2/stocks/quotes/latest", self._quotes_latest)
        r.add_get("/v2/stocks/{symbol}/quotes/latest", self._quote_latest)
        r.add_get("/stream", self._stream)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
        self._outbox = asyncio.Queue()
        self._pumper = asyncio.ensure_future(self._pump())
        if self.tick_seconds:
            self._ticker = asyncio.ensure_future(self._tick_forever(self.tick_seconds))

    async def _shutdown(self) -> None:
        for task in (self._ticker, self._pumper):
            if task is not None:
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
        for ws in list(self._sockets):
            await ws.close()
        if self._runner:
            await self._runner.cleanup()

    async def _tick_forever(self, seconds: float) -> None:
        while True:
            await asyncio.sleep(seconds)
            self.tick()

    # ---------------------------------------------------------- test controls

    def add_fault(self, fault: Fault) -> None:
        with self._lock:
            self._faults.append(fault)

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def set_prices(self, symbol: str, path: Iterable[Decimal | str | float]) -> None:
        """Replace a symbol's path; it starts at the current step (and drops a set quote)."""
        with self._lock:
            values = [Decimal(str(p)) for p in path]
            self._paths[symbol] = [values[0]] * self._step + values
            self._quotes.pop(symbol, None)
            self._assets.setdefault(symbol, AssetInfo(symbol))

    def set_quote(self, symbol: str, bid: Decimal | str, ask: Decimal | str) -> None:
        """Pin a symbol's bid/ask (its price becomes the mid) until `set_prices` replaces it."""
        with self._lock:
            low, high = Decimal(bid), Decimal(ask)
            if not 0 < low <= high:
                raise ValueError(f"{symbol}: need 0 < bid <= ask, got {low} / {high}")
            self._quotes[symbol] = (low, high)
            self._paths.setdefault(symbol, [(low + high) / 2])
            self._assets.setdefault(symbol, AssetInfo(symbol))

    def tick(self, steps: int = 1) -> None:
        """Move prices one step and work every open order (fills, cancels, rejections)."""
        for _ in range(steps):
            with self._lock:
                self._step += 1
                self._advance()
                for order in list(self._orders.values()):
                    self._work(order)

    def advance_clock(self, seconds: float) -> datetime:
        """Move the server clock forward; closes passed on the way expire DAY orders."""
        with self._lock:
            now = self.clock.advance(seconds)
            self._advance()
            return now

    def set_clock(self, moment: datetime) -> datetime:
        """Jump the server clock forward to `moment` (aware)."""
        with self._lock:
            now = self.clock.set(moment)
            self._advance()
            return now

    def script(
        self,
        order_key: str,
        status: str,
        *,
        fill_qty: Decimal | str | None = None,
        fill_price: Decimal | str | None = None,
    ) -> OrderRecord:
        """Put an order (id or client order id) into any status of Alpaca's document.

        `fill_qty` executes that much first (for filled: the rest; for partially_filled: half
        the rest by default). Held states (accepted, pending_new, accepted_for_bidding, stopped,
        suspended, pending_replace) freeze the order until it is scripted to `new` again;
        `pending_cancel` starts a cancel exactly as DELETE does.
        """
        if status not in ALL_STATES:
            raise ValueError(f"{status!r} is not an order status of Alpaca's document")
        with self._lock:
            order = self._lookup(order_key)
            if status == "pending_cancel":
                self._request_cancel(order)
                return order
            price = None if fill_price is None else Decimal(fill_price)
            qty = None if fill_qty is None else Decimal(fill_qty)
            if status == "filled" and qty is None:
                qty = order.remaining if order.qty is not None else None
            if status == "partially_filled" and qty is None:
                qty = self._chunk(order.qty or Decimal(0), 2, order.remaining or Decimal(0))
            if qty is not None and qty > 0:
                self._execute(order, qty, price or self._touch(order), emit=False)
            now = self._now()
            order.status = status
            order.updated_at = now
            order.held = status in HELD_STATES
            order.fresh = False
            if status == "filled":
                order.filled_at = order.filled_at or now
            elif status == "canceled":
                order.canceled_at = now
            elif status == "expired":
                order.expired_at = now
            elif status == "rejected":
                order.failed_at = now
            elif status == "replaced":
                order.replaced_at = now
            if status not in OPEN_STATES:
                order.cancel_due = order.cancel_fill_at = None
            self._emit(EVENT_OF.get(status, status), order)
            return order

    def drop_streams(self, *, abrupt: bool = False) -> None:
        """Close every stream connection; alpaca-py reconnects, missed events are not replayed."""
        loop = self._loop
        if loop is None:
            return

        async def close_all() -> None:
            for ws in list(self._sockets):
                if abrupt and ws._req is not None and ws._req.transport is not None:
                    ws._req.transport.abort()
                else:
                    await ws.close()
                self._sockets.discard(ws)

        asyncio.run_coroutine_threadsafe(close_all(), loop).result(5)

    @property
    def stream_connections(self) -> int:
        return len(self._sockets)

    def expire_open_orders(self) -> None:
        """Every open DAY order expires now (what Alpaca does at the close)."""
        with self._lock:
            self._expire_day_orders()

    def orders(self) -> list[OrderRecord]:
        with self._lock:
            return list(self._orders.values())

    def open_orders(self) -> list[OrderRecord]:
        with self._lock:
            self._advance()
            return [o for o in self._orders.values() if o.is_open]

    def order(self, order_key: str) -> OrderRecord:
        """An order by id or client order id."""
        with self._lock:
            return self._lookup(order_key)

    def fills_for(self, client_order_id: str) -> list[FillRecord]:
        with self._lock:
            return [f for f in self.fills if f.client_order_id == client_order_id]

    def positions(self) -> dict[str, Decimal]:
        with self._lock:
            return {s: p.qty for s, p in self._positions.items()}

    def account_view(self) -> dict[str, Decimal]:
        """The money fields of GET /v2/account as Decimals (for assertions)."""
        with self._lock:
            self._advance()
            return {k: Decimal(v) for k, v in self._money().items()}

    def price(self, symbol: str) -> Decimal:
        with self._lock:
            if symbol in self._quotes:
                bid, ask = self._quotes[symbol]
                return (bid + ask) / 2
            path = self._paths[symbol]
            return path[min(self._step, len(path) - 1)]

    def quote(self, symbol: str) -> tuple[Decimal, Decimal]:
        with self._lock:
            if symbol in self._quotes:
                return self._quotes[symbol]
            mid = self.price(symbol)
            return mid - self.half_spread, mid + self.half_spread

    def accepted_client_order_ids(self) -> list[str]:
        """Client order ids of every order the server created, in order (duplicates impossible)."""
        with self._lock:
            return [o.client_order_id for o in self._orders.values()]

    def _lookup(self, key: str) -> OrderRecord:
        if key in self._orders:
            return self._orders[key]
        for order in self._orders.values():
            if order.client_order_id == key:
                return order
        raise KeyError(f"no order {key!r} at the test server")

    def _now(self) -> datetime:
        return self.clock.now()

    # ------------------------------------------------------------ the clock

    def _advance(self) -> None:
        """Apply everything the server clock made due: closes (DAY orders expire), cancels."""
        now = self._now()
        while self._next_close <= now:
            self._expire_day_orders(at=self._next_close)
            self._next_close = self._close_after(self._next_close)
        for order in list(self._orders.values()):
            if order.status != "pending_cancel":
                continue
            if order.cancel_fill_at is not None and order.cancel_fill_at <= now:
                order.cancel_fill_at = None
                self._fill_during_cancel(order)
            if order.is_open and order.cancel_due is not None and order.cancel_due <= now:
                self._finish_cancel(order)

    def _expire_day_orders(self, at: datetime | None = None) -> None:
        for order in self._orders.values():
            if order.is_open and order.time_in_force == "day":
                order.status = "expired"
                order.expired_at = order.updated_at = at or self._now()
                order.cancel_due = order.cancel_fill_at = None
                self._emit("expired", order)

    @staticmethod
    def _close_after(moment: datetime) -> datetime:
        day = moment.astimezone(NEW_YORK).date()
        return next(c for _, _, c in sessions(day, day + timedelta(days=14)) if c > moment)

    def is_open(self) -> bool:
        """Whether the market is open at the server clock (or as `market_open` forces)."""
        if self.market_open is not None:
            return self.market_open
        now = self._now()
        cached = self._session_cache
        if cached is None or not cached[0] <= now < cached[1]:
            day = now.astimezone(NEW_YORK).date()
            days = sessions(day - timedelta(days=7), day + timedelta(days=14))
            cached = None
            previous_close = now - timedelta(days=7)
            for _, opens, closes in days:
                if opens <= now < closes:
                    cached = (opens, closes, True)
                    break
                if now < opens:
                    cached = (previous_close, opens, False)
                    break
                previous_close = closes
            assert cached is not None, "exchange-calendars covers the next two weeks"
            self._session_cache = cached
        return cached[2]

    # -------------------------------------------------------------- middleware

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/stream":
            return await handler(request)
        record = RequestRecord(time.monotonic(), request.method, request.path)
        with self._lock:
            self.request_log.append(record)  # on arrival: a client may give up before the end
            self._advance()
        response = await self._guarded(request, handler)
        record.status = response.status
        self._check_response(request, response)
        return response

    async def _guarded(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("APCA-API-KEY-ID")
        secret = request.headers.get("APCA-API-SECRET-KEY")
        if key != self.api_key or secret != self.secret_key:
            return _error(401, 40110000, "request is not authorized")
        limited, headers = self._rate_limited()
        if limited is not None:
            return limited
        refused = await self._check_request(request)
        if refused is not None:
            refused.headers.update(headers)
            return refused
        fault = self._take_fault(request.method, request.path)
        response: web.StreamResponse
        if fault is None:
            response = await self._call(request, handler)
        elif not fault.after_commit:
            await self._apply_delay(fault)
            if fault.drop:
                return self._drop(request)
            if fault.status is not None:
                response = self._fault_response(fault)
                self._injected.add(id(response))
            else:
                response = await self._call(request, handler)
        else:
            response = await self._call(request, handler)
            await self._apply_delay(fault)
            if fault.drop:
                return self._drop(request)
            if fault.status is not None:
                response = self._fault_response(fault)
                self._injected.add(id(response))
        if response.status != 429:
            response.headers.update(headers)
        return response

    async def _call(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path == "/v2/orders":
            return await handler(request)  # logs its own request
        try:
            return await handler(request)
        except ApiError as exc:
            return _error(exc.status, exc.code, exc.message)

    async def _check_request(self, request: web.Request) -> web.Response | None:
        """Alpaca's document decides what a request may look like; refusals are Alpaca's 422."""
        if self.contract is None:
            return None
        body = await request.read() if request.can_read_body else None
        problems = self.contract.request_problems(
            request.method, request.path, request.query, request.headers, body
        )
        if not problems:
            return None
        message = f"{request.method} {request.path}: " + "; ".join(problems)
        with self._lock:
            self.request_violations.append(message)
            if request.method == "POST" and request.path == "/v2/orders":
                self.order_log.append(
                    {"request": _loads(body), "status": 422, "order_id": None, "error": message}
                )
        return _error(422, 40010001, f"request does not match the API: {'; '.join(problems)}")

    def _check_response(self, request: web.Request, response: web.StreamResponse) -> None:
        if self.contract is None or not isinstance(response, web.Response):
            return
        if id(response) in self._injected:
            self._injected.discard(id(response))
            return  # a fault the test asked for: deliberately not what Alpaca answers
        body = response.body if isinstance(response.body, bytes) else b""
        problems = self.contract.response_problems(
            request.method, request.path, request.query, response.status, body
        )
        if problems:
            with self._lock:
                self.response_violations.append(
                    f"{request.method} {request.path} → {response.status}: " + "; ".join(problems)
                )

    def _rate_limited(self) -> tuple[web.Response | None, dict[str, str]]:
        """Alpaca's sliding window: X-RateLimit-* on every answer, 429 once it is spent."""
        if self.rate_limit is None:
            return None, {}
        count, window = self.rate_limit
        now = time.monotonic()
        with self._lock:
            self._rate_window = [t for t in self._rate_window if now - t < window]
            allowed = len(self._rate_window) < count
            if allowed:
                self._rate_window.append(now)
            reset_in = self._rate_window[0] + window - now if self._rate_window else window
            headers = {
                "X-RateLimit-Limit": str(count),
                "X-RateLimit-Remaining": str(count - len(self._rate_window)),
                "X-RateLimit-Reset": str(math.ceil(time.time() + reset_in)),
            }
        if allowed:
            return None, headers
        response = _error(429, 42910000, "rate limit exceeded")
        response.headers.update(headers)
        return response, headers

    def _take_fault(self, method: str, path: str) -> Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.count > 0 and fault.matches(method, path):
                    fault.count -= 1
                    return fault
        return None

    @staticmethod
    async def _apply_delay(fault: Fault) -> None:
        if fault.delay:
            await asyncio.sleep(fault.delay)

    def _fault_response(self, fault: Fault) -> web.Response:
        status = fault.status or 500
        if fault.body is not None:
            return web.Response(status=status, body=fault.body, content_type="application/json")
        if status == 429:
            response = _error(429, 42910000, "rate limit exceeded")
            limit = str(self.rate_limit[0]) if self.rate_limit else "200"
            response.headers["X-RateLimit-Limit"] = limit
            response.headers["X-RateLimit-Remaining"] = "0"
            reset = time.time() + (fault.retry_after if fault.retry_after is not None else 1.0)
            response.headers["X-RateLimit-Reset"] = str(math.ceil(reset))
            return response
        return web.Response(status=status, text="internal server error")

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError  # aiohttp ends the handler quietly; nothing is sent

    # ---------------------------------------------------------------- account

    def _money(self) -> dict[str, str]:
        """Alpaca's money fields. Holds of open buy orders reduce every buying power."""
        long_value = sum((p.qty * self.price(s) for s, p in self._positions.items()), Decimal(0))
        equity = self.cash + long_value
        holds = self._reserved_cash()
        zero = Decimal(0)
        if self.account_type == "cash":
            spendable = max(zero, self.cash - holds)
            regt = daytrading = non_marginable = buying_power = spendable
            initial = maintenance = last_maintenance = zero
        else:
            initial = INITIAL_MARGIN * long_value
            maintenance = MAINTENANCE_MARGIN * long_value
            last_maintenance = maintenance
            excess = max(zero, equity - initial)
            regt = max(zero, excess * 2 - holds)
            non_marginable = max(zero, excess - holds)
            daytrading = max(zero, (self.last_equity - last_maintenance) * 4 - holds)
            buying_power = daytrading if self.multiplier == 4 else regt
            if self.multiplier != 4:
                daytrading = zero
        return {
            "cash": text(self.cash),
            "equity": text(equity),
            "portfolio_value": text(equity),
            "long_market_value": text(long_value),
            "buying_power": text(buying_power),
            "regt_buying_power": text(regt),
            "daytrading_buying_power": text(daytrading),
            "non_marginable_buying_power": text(non_marginable),
            "initial_margin": text(initial),
            "maintenance_margin": text(maintenance),
            "last_maintenance_margin": text(last_maintenance),
            "last_equity": text(self.last_equity),
        }

    async def _account(self, request: web.Request) -> web.Response:
        with self._lock:
            body = {
                "id": self.account_id,
                "account_number": self.account_number,
                "status": self.account_status,
                "crypto_status": "INACTIVE",
                "currency": "USD",
                "accrued_fees": "0",
                "pattern_day_trader": False,
                "trading_blocked": self.trading_blocked,
                "transfers_blocked": False,
                "account_blocked": self.account_blocked,
                "created_at": "2024-01-02T15:00:00Z",
                "trade_suspended_by_user": False,
                "multiplier": str(self.multiplier),
                "shorting_enabled": False,
                "short_market_value": "0",
                "sma": "0",
                "daytrade_count": 0,
                **self._money(),
            }
        return web.json_response(body)

    def _buying_power(self) -> Decimal:
        return Decimal(self._money()["buying_power"])

    def _reserved_cash(self) -> Decimal:
        """Cash held for open buy orders: limit × qty, notional, or ask × (1 + collar) × qty."""
        reserved = Decimal(0)
        for order in self._orders.values():
            if not order.is_open or order.side != "buy":
                continue
            reserved += self._cost_of(order)
        return reserved

    def _cost_of(self, order: OrderRecord) -> Decimal:
        if order.notional is not None:
            return order.notional - order.filled_value
        remaining = order.remaining or Decimal(0)
        if order.limit_price is not None:
            return remaining * order.limit_price
        _, ask = self.quote(order.symbol)
        return remaining * ask * (1 + self.market_buy_collar)

    # -------------------------------------------------------------- positions

    def _position_json(self, position: PositionRecord) -> dict[str, Any]:
        price = self.price(position.symbol)
        path = self._paths.get(position.symbol) or [price]
        lastday = path[0]
        market_value = position.qty * price
        cost_basis = position.qty * position.avg_entry_price
        held = sum(
            (o.remaining or Decimal(0))
            for o in self._orders.values()
            if o.is_open and o.side == "sell" and o.symbol == position.symbol
        )
        asset = self._assets.get(position.symbol) or AssetInfo(position.symbol)
        return {
            "asset_id": asset.asset_id,
            "symbol": position.symbol,
            "exchange": asset.exchange,
            "asset_class": "us_equity",
            "asset_marginable": True,
            "avg_entry_price": text(position.avg_entry_price),
            "qty": text(position.qty),
            "qty_available": text(position.qty - held),
            "side": "long",
            "market_value": text(market_value),
            "cost_basis": text(cost_basis),
            "unrealized_pl": text(market_value - cost_basis),
            "unrealized_plpc": text(
                ((market_value - cost_basis) / cost_basis).quantize(QTY_STEP)
                if cost_basis
                else Decimal(0)
            ),
            "unrealized_intraday_pl": text(position.qty * (price - lastday)),
            "unrealized_intraday_plpc": text(((price - lastday) / lastday).quantize(QTY_STEP)),
            "current_price": text(price),
            "lastday_price": text(lastday),
            "change_today": text(((price - lastday) / lastday).quantize(QTY_STEP)),
        }

    async def _positions_list(self, request: web.Request) -> web.Response:
        with self._lock:
            body = [self._position_json(p) for _, p in sorted(self._positions.items())]
        return web.json_response(body)

    async def _position_one(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"].upper()
        with self._lock:
            position = self._positions.get(symbol)
            if position is None:
                raise ApiError(404, 40410000, "position does not exist")
            return web.json_response(self._position_json(position))

    async def _asset(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"].upper()
        with self._lock:
            asset = self._assets.get(symbol)
        if asset is None:
            raise ApiError(404, 40410000, f"asset not found for {symbol}")
        return web.json_response(asset.to_json())

    # ------------------------------------------------------------------ orders

    # ------------------------------------------------------------------ orders

    async def _orders_list(self, request: web.Request) -> web.Response:
        query = request.query
        status = query.get("status", "open")
        if status not in {"open", "closed", "all"}:
            raise ApiError(422, 42210000, f"invalid status {status!r}")
        limit = min(int(query.get("limit", "50")), 500)
        symbols = {s for s in query.get("symbols", "").upper().split(",") if s}
        after = _parse_time(query.get("after"))
        until = _parse_time(query.get("until"))
        with self._lock:
            chosen = [
                o
                for o in self._orders.values()
                if (status == "all" or (status == "open") == o.is_open)
                and (not symbols or o.symbol in symbols)
                and (after is None or o.created_at > after)
                and (until is None or o.created_at < until)
            ]
            if query.get("direction", "desc") == "desc":
                chosen.reverse()
            body = [o.to_json() for o in chosen[:limit]]
        return web.json_response(body)

    async def _order_get(self, request: web.Request) -> web.Response:
        with self._lock:
            return web.json_response(self._find(request.match_info["order_id"]).to_json())

    async def _order_by_client_id(self, request: web.Request) -> web.Response:
        client_id = request.query.get("client_order_id", "")
        with self._lock:
            for order in self._orders.values():
                if order.client_order_id == client_id:
                    return web.json_response(order.to_json())
        raise ApiError(404, 40410000, "order not found")

    def _find(self, order_id: str) -> OrderRecord:
        try:
            uuid.UUID(order_id)
        except ValueError:
            raise ApiError(422, 40010001, "invalid order id") from None
        order = self._orders.get(order_id)
        if order is None:
            raise ApiError(404, 40410000, "order not found")
        return order

    async def _order_create(self, request: web.Request) -> web.Response:
        body = _loads(await request.read())
        entry: dict[str, Any] = {"request": body, "status": None, "order_id": None}
        with self._lock:
            self.order_log.append(entry)
            try:
                order = self._create(body)
            except ApiError as exc:
                entry["status"] = exc.status
                entry["error"] = exc.message
                return _error(exc.status, exc.code, exc.message)
            entry["status"] = 200
            entry["order_id"] = order.id
            self._orders[order.id] = order
            self._emit("pending_new" if order.status == "pending_new" else "new", order)
            return web.json_response(order.to_json())

    def _create(self, body: Any) -> OrderRecord:
        if not isinstance(body, dict):
            raise ApiError(422, 40010000, "request body format is invalid")
        symbol = str(body.get("symbol") or "").upper()
        asset = self._assets.get(symbol)
        if asset is None or symbol not in self._paths:
            raise ApiError(422, 40010001, f'asset "{symbol}" not found')
        side = body.get("side")
        if side not in {"buy", "sell"}:
            raise ApiError(422, 40010001, "side must be buy or sell")
        order_type = body.get("type")
        if order_type not in {"market", "limit"}:
            raise ApiError(422, 40010001, f"order type {order_type!r} is not supported here")
        tif = body.get("time_in_force")
        if tif not in {"day", "gtc", "opg", "cls", "ioc", "fok"}:
            raise ApiError(422, 40010001, "invalid time_in_force")
        client_id = body.get("client_order_id") or str(uuid.uuid4())
        if len(client_id) > 48:
            raise ApiError(422, 40010001, "client_order_id must be no more than 48 characters")
        if any(o.client_order_id == client_id for o in self._orders.values()):
            raise ApiError(422, 40010001, "client_order_id must be unique")
        if self.trading_blocked or self.account_blocked:
            raise ApiError(403, 40310000, "account is not authorized to trade")
        if not asset.tradable:
            raise ApiError(422, 40010001, f"asset {symbol} is not tradable")
        qty = _decimal_field(body, "qty")
        notional = _decimal_field(body, "notional")
        if (qty is None) == (notional is None):
            raise ApiError(422, 40010001, "qty or notional is required, not both")
        if notional is not None and order_type != "market":
            raise ApiError(422, 42210000, "notional orders are only supported for market orders")
        if (qty is not None and qty <= 0) or (notional is not None and notional <= 0):
            raise ApiError(422, 40010001, "qty and notional must be positive")
        fractional = notional is not None or (qty is not None and qty != qty.to_integral_value())
        if fractional and not asset.fractionable:
            raise ApiError(422, 42210000, f"asset {symbol} is not fractionable")
        if fractional and tif != "day":
            raise ApiError(422, 42210000, "fractional orders must be DAY orders")
        limit_price = _decimal_field(body, "limit_price")
        if order_type == "limit":
            if limit_price is None or limit_price <= 0:
                raise ApiError(422, 40010001, "limit_price is required for limit orders")
            places = 2 if limit_price >= 1 else 4
            if limit_price != limit_price.quantize(Decimal(1).scaleb(-places)):
                raise ApiError(
                    422, 42210000, "sub-penny increment does not fulfill minimum pricing criteria"
                )
        elif limit_price is not None:
            raise ApiError(422, 40010001, "limit_price is only for limit orders")
        order = OrderRecord(
            id=str(uuid.uuid4()),
            client_order_id=client_id,
            symbol=symbol,
            asset_id=asset.asset_id,
            side=side,
            type=order_type,
            time_in_force=tif,
            qty=qty,
            notional=notional,
            limit_price=limit_price,
            created_at=self._now(),
            status=self.initial_status,
            held=self.hold_new_orders,
        )
        if side == "buy":
            if self._cost_of(order) > self._buying_power():
                raise ApiError(403, 40310000, "insufficient buying power")
        else:
            held = self._positions.get(symbol)
            available = (held.qty if held else Decimal(0)) - sum(
                (o.remaining or Decimal(0))
                for o in self._orders.values()
                if o.is_open and o.side == "sell" and o.symbol == symbol
            )
            wanted = qty if qty is not None else (notional or Decimal(0)) / self.quote(symbol)[0]
            if wanted > available:
                raise ApiError(
                    403,
                    40310000,
                    f"insufficient qty available for order (requested: {text(wanted)}, "
                    f"available: {text(available)})",
                )
        return order

    async def _order_cancel(self, request: web.Request) -> web.Response:
        with self._lock:
            order = self._find(request.match_info["order_id"])
            if not order.is_open:
                raise ApiError(422, 42210000, f'order is already in "{order.status}" state')
            if order.status == "pending_replace":
                raise ApiError(422, 42210000, 'order is in "pending_replace" state')
            self._request_cancel(order)
        return web.Response(status=204)

    def _request_cancel(self, order: OrderRecord) -> None:
        """Alpaca's cancel: `pending_cancel` for `cancel_delay` seconds of the server clock, a
        fill may land meanwhile (`fill_during_cancel`, or the market crossing a limit)."""
        if order.status == "pending_cancel":
            return
        now = self._now()
        order.held = False
        if self.cancel_delay <= 0:
            if self.fill_during_cancel is not None:
                self._fill_during_cancel(order)
            if order.is_open:
                self._finish_cancel(order)
            return
        order.status = "pending_cancel"
        order.updated_at = now
        order.cancel_due = now + timedelta(seconds=self.cancel_delay)
        if self.fill_during_cancel is not None:
            order.cancel_fill_at = now + timedelta(seconds=self.cancel_delay / 2)
        self._emit("pending_cancel", order)

    def _fill_during_cancel(self, order: OrderRecord) -> None:
        """The fill that beats the cancel: all of the rest, or half of it (whole shares kept
        whole), at the limit price or the touch. Only while the market is open."""
        if not order.is_open or not self.is_open():
            return
        remaining = order.remaining
        if remaining is None:  # notional: fills in one go
            self._execute(order, self._notional_qty(order, self._touch(order)), self._touch(order))
            return
        qty = remaining
        if self.fill_during_cancel == "partial":
            half = (remaining / 2).quantize(self._step_of(order), ROUND_DOWN)
            qty = half if half > 0 else remaining  # one whole share cannot fill in part
        self._execute(order, qty, self._touch(order))

    def _finish_cancel(self, order: OrderRecord) -> None:
        order.status = "canceled"
        order.canceled_at = order.updated_at = self._now()
        order.cancel_due = order.cancel_fill_at = None
        self._emit("canceled", order)

    async def _order_replace(self, request: web.Request) -> web.Response:
        body = _loads(await request.read())
        if not isinstance(body, dict):
            body = {}
        with self._lock:
            old = self._find(request.match_info["order_id"])
            if not old.is_open or old.status in {"pending_cancel", "pending_replace"}:
                raise ApiError(422, 42210000, f'order is already in "{old.status}" state')
            if old.notional is not None:
                raise ApiError(422, 42210000, "notional orders cannot be replaced")
            qty = _decimal_field(body, "qty") or old.remaining
            limit_price = _decimal_field(body, "limit_price") or old.limit_price
            client_id = body.get("client_order_id") or str(uuid.uuid4())
            if any(o.client_order_id == client_id for o in self._orders.values()):
                raise ApiError(422, 40010001, "client_order_id must be unique")
            assert qty is not None
            new = OrderRecord(
                id=str(uuid.uuid4()),
                client_order_id=client_id,
                symbol=old.symbol,
                asset_id=old.asset_id,
                side=old.side,
                type=old.type,
                time_in_force=body.get("time_in_force") or old.time_in_force,
                qty=qty,
                notional=None,
                limit_price=limit_price,
                created_at=self._now(),
                replaces=old.id,
            )
            old.status = "replaced"
            old.replaced_at = old.updated_at = new.created_at
            old.replaced_by = new.id
            self._orders[new.id] = new
            self._emit("replaced", old)
            self._emit("new", new)
            return web.json_response(new.to_json())

    # ----------------------------------------------------------- order engine

    def _work(self, order: OrderRecord) -> None:
        if not order.is_open or order.held:
            return
        if order.fresh:
            order.fresh = False
            if order.status in {"accepted", "pending_new"}:
                order.status = "new"
                order.updated_at = self._now()
            return
        if order.status not in WORKING_STATES:
            return
        reason = self.async_rejections.get(order.symbol)
        if reason is not None and order.filled_qty == 0 and order.status != "pending_cancel":
            order.status = "rejected"
            order.failed_at = order.updated_at = self._now()
            self._emit("rejected", order)
            return
        if self.is_open():
            self._try_fill(order)

    def _touch(self, order: OrderRecord) -> Decimal:
        """The price an order executes at now: the far touch, or better its limit."""
        bid, ask = self.quote(order.symbol)
        price = ask if order.side == "buy" else bid
        if order.limit_price is not None:
            price = (
                min(price, order.limit_price)
                if order.side == "buy"
                else max(price, order.limit_price)
            )
        return price

    def _try_fill(self, order: OrderRecord) -> None:
        bid, ask = self.quote(order.symbol)
        price = ask if order.side == "buy" else bid
        if order.limit_price is not None and (
            (order.side == "buy" and ask > order.limit_price)
            or (order.side == "sell" and bid < order.limit_price)
        ):
            return
        if order.notional is not None:
            qty = self._notional_qty(order, price)
        else:
            remaining = order.remaining or Decimal(0)
            parts = self.partial_fill_parts.get(order.symbol, self.partial_fill_parts.get("*", 1))
            left = parts - order.parts_done
            qty = remaining if left <= 1 else self._chunk(order.qty or Decimal(0), parts, remaining)
        if qty <= 0:
            return
        self._execute(order, qty, price)

    @staticmethod
    def _notional_qty(order: OrderRecord, price: Decimal) -> Decimal:
        return ((order.notional or Decimal(0)) - order.filled_value) / price

    @staticmethod
    def _step_of(order: OrderRecord) -> Decimal:
        total = order.qty or Decimal(0)
        return Decimal(1) if total == total.to_integral_value() else QTY_STEP

    @staticmethod
    def _chunk(total: Decimal, parts: int, remaining: Decimal) -> Decimal:
        whole = total == total.to_integral_value()
        step = Decimal(1) if whole else QTY_STEP
        chunk = (total / parts).quantize(step, ROUND_DOWN)
        return min(max(chunk, step), remaining)

    def _execute(
        self, order: OrderRecord, qty: Decimal, price: Decimal, *, emit: bool = True
    ) -> None:
        now = self._now()
        qty = qty.quantize(QTY_STEP, ROUND_DOWN)
        if qty <= 0:
            return
        order.filled_qty += qty
        order.filled_value += qty * price
        order.parts_done += 1
        order.updated_at = now
        done = order.notional is not None or order.filled_qty >= (order.qty or Decimal(0))
        if order.status != "pending_cancel" or done:
            order.status = "filled" if done else "partially_filled"
        if done:
            order.filled_at = now
            order.cancel_due = order.cancel_fill_at = None
        position = self._positions.get(order.symbol)
        if order.side == "buy":
            self.cash -= qty * price
            if position is None:
                self._positions[order.symbol] = PositionRecord(order.symbol, qty, price)
            else:
                total = position.qty + qty
                position.avg_entry_price = (
                    (position.qty * position.avg_entry_price + qty * price) / total
                ).quantize(QTY_STEP)
                position.qty = total
        else:
            self.cash += qty * price
            assert position is not None, "the server never lets a sell exceed the holding"
            position.qty -= qty
            if position.qty == 0:
                del self._positions[order.symbol]
        execution_id = str(uuid.uuid4())
        self.fills.append(
            FillRecord(
                execution_id,
                order.id,
                order.client_order_id,
                order.symbol,
                order.side,
                qty,
                price,
                now,
            )
        )
        if not emit:
            return
        held = self._positions.get(order.symbol)
        self._emit(
            "fill" if done else "partial_fill",
            order,
            execution_id=execution_id,
            price=text(price),
            qty=text(qty),
            position_qty=text(held.qty if held else Decimal(0)),
        )

    # -------------------------------------------------------- clock & calendar

    async def _clock(self, request: web.Request) -> web.Response:
        now = self._now().astimezone(NEW_YORK)
        days = sessions(now.date() - timedelta(days=7), now.date() + timedelta(days=14))
        next_open = next(o for _, o, _ in days if o > now)
        next_close = next(c for _, _, c in days if c > now)
        body = {
            "timestamp": now.isoformat(),
            "is_open": self.is_open(),
            "next_open": next_open.isoformat(),
            "next_close": next_close.isoformat(),
        }
        return web.json_response(body)

    async def _calendar(self, request: web.Request) -> web.Response:
        today = self._now().astimezone(NEW_YORK).date()
        start = _parse_day(request.query.get("start")) or today
        end = _parse_day(request.query.get("end")) or start + timedelta(days=30)
        body = [
            {
                "date": day.isoformat(),
                "open": opens.strftime("%H:%M"),
                "close": closes.strftime("%H:%M"),
                "session_open": "0400",
                "session_close": "2000",
                "settlement_date": (day + timedelta(days=1)).isoformat(),
            }
            for day, opens, closes in sessions(start, end)
        ]
        return web.json_response(body)

    # ------------------------------------------------------------------ quotes

    def _quote_json(self, symbol: str) -> dict[str, Any]:
        bid, ask = self.quote(symbol)
        return {
            "t": iso(self._now()),
            "ax": "V",
            "ap": float(ask),
            "as": 3,
            "bx": "V",
            "bp": float(bid),
            "bs": 2,
            "c": ["R"],
            "z": "B",
        }

    async def _quotes_latest(self, request: web.Request) -> web.Response:
        symbols = [s for s in request.query.get("symbols", "").upper().split(",") if s]
        with self._lock:
            body = {"quotes": {s: self._quote_json(s) for s in symbols if s in self._paths}}
        return web.json_response(body)

    async def _quote_latest(self, request: web.Request) -> web.Response:
        symbol = request.match_info["symbol"].upper()
        with self._lock:
            if symbol not in self._paths:
                raise ApiError(404, 40410000, f"no quote for {symbol}")
            body = {"symbol": symbol, "quote": self._quote_json(symbol)}
        return web.json_response(body)

    # ------------------------------------------------------------------ stream

    async def _stream(self, request: web.Request) -> web.StreamResponse:
        if self.refuse_streams:
            return web.Response(status=503, text="stream unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        authorized = False
        async for message in ws:
            if message.type not in (WSMsgType.TEXT, WSMsgType.BINARY):
                break
            try:
                payload = json.loads(message.data)
            except (json.JSONDecodeError, TypeError):
                continue
            action = payload.get("action")
            data = payload.get("data") or {}
            if action in {"authenticate", "auth"}:
                authorized = (
                    data.get("key_id") == self.api_key and data.get("secret_key") == self.secret_key
                )
                status = "authorized" if authorized else "unauthorized"
                await ws.send_bytes(
                    _frame(
                        {"stream": "authorization", "data": {"action": action, "status": status}}
                    )
                )
                if not authorized:
                    await ws.close()
            elif action == "listen" and authorized:
                streams = [s for s in data.get("streams", []) if s == "trade_updates"]
                if streams:
                    self._sockets.add(ws)
                else:
                    self._sockets.discard(ws)
                await ws.send_bytes(_frame({"stream": "listening", "data": {"streams": streams}}))
        self._sockets.discard(ws)
        return ws

    def _emit(self, event: str, order: OrderRecord, **extra: str) -> None:
        """Record a trade update and send it to every listening stream (if delivery is on)."""
        data: dict[str, Any] = {"event": event, "timestamp": iso(self._now()), **extra}
        data["order"] = order.to_json()
        if self.contract is not None:
            problems = self.contract.schema_problems("Order", data["order"])
            if problems:
                self.response_violations.append(f"trade update {event}: " + "; ".join(problems))
        message = {"stream": "trade_updates", "data": data}
        self.events.append(message)
        if self.silent_stream or self._loop is None:
            return
        self._loop.call_soon_threadsafe(self._outbox.put_nowait, _frame(message))

    async def _pump(self) -> None:
        """Deliver trade updates one by one, in the order they happened."""
        while True:
            frame = await self._outbox.get()
            for ws in list(self._sockets):
                if ws.closed:
                    self._sockets.discard(ws)
                    continue
                with contextlib.suppress(ConnectionError, RuntimeError):
                    await ws.send_bytes(frame)


def _frame(message: dict[str, Any]) -> bytes:
    """Paper Alpaca sends JSON in binary frames; alpaca-py decodes either kind."""
    return json.dumps(message).encode()


def _error(status: int, code: int, message: str) -> web.Response:
    return web.json_response({"code": code, "message": message}, status=status)


def _loads(body: bytes | None) -> Any:
    try:
        return json.loads(body or b"")
    except ValueError:
        return None


def _decimal_field(body: Mapping[str, Any], name: str) -> Decimal | None:
    value = body.get(name)
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ApiError(422, 40010001, f"{name} is not a number") from None


def _parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _parse_day(value: str | None) -> date | None:
    if not value:
        return None
    return date.fromisoformat(value[:10])
