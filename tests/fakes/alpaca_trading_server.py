"""A stateful stand-in for Alpaca's Trading API, trade stream and latest quotes, for tests.

It answers the paths the Alpaca adapter uses as Alpaca's OpenAPI documents say (the contract tests
in tests/alpaca/test_contract.py hold it to them), speaks the `trade_updates` WebSocket protocol
of alpaca-py's `TradingStream`, fills orders against a scripted price path and injects the faults
a real account shows: 429 bursts, 5xx, slow responses, dropped connections and streams, partial
fills, rejections and delayed cancels. Every order request is logged so tests can prove that no
order was ever sent twice.

The server runs on 127.0.0.1 in a background thread with its own event loop; tests drive it
through thread-safe methods (`tick`, `add_fault`, `drop_streams`, ...).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import ROUND_DOWN, Decimal, InvalidOperation
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import WSMsgType, web

NEW_YORK = ZoneInfo("America/New_York")
OPEN_STATES = frozenset(
    {"new", "accepted", "pending_new", "partially_filled", "pending_cancel", "pending_replace"}
)
CENT = Decimal("0.01")
QTY_STEP = Decimal("0.000000001")  # Alpaca keeps 9 decimals of a share

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


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
    """

    method: str | None = None
    path: str | None = None  # prefix of the request path, e.g. "/v2/orders"
    status: int | None = None
    count: int = 1
    retry_after: float | None = None
    delay: float = 0.0
    drop: bool = False
    after_commit: bool = False

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
    cancel_countdown: int | None = None
    fresh: bool = True  # not yet worked by a tick: fills start one tick after creation

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
    (the last price stays). Quotes are price ± `half_spread`; market orders fill at the far touch,
    limit orders when the touch crosses their limit. With `tick_seconds` set, a background task
    ticks on its own; with None, only the test ticks (fully deterministic).
    """

    def __init__(
        self,
        *,
        api_key: str = "PKTESTKEY0001",
        secret_key: str = "test-secret-value-0001",
        cash: Decimal | str = "100000",
        prices: Mapping[str, Iterable[Decimal | str | float]] | None = None,
        positions: Mapping[str, tuple[Decimal | str, Decimal | str]] | None = None,
        assets: Iterable[AssetInfo] = (),
        half_spread: Decimal | str = "0.01",
        tick_seconds: float | None = 0.02,
        market_open: bool = True,
        clock_time: datetime | None = None,
        account_number: str = "PA3TESTACCT42",
        market_buy_collar: Decimal | str = "0.03",
        rate_limit: tuple[int, float] | None = (200, 60.0),
    ) -> None:
        self.api_key = api_key
        self.secret_key = secret_key
        self.cash = Decimal(cash)
        self.half_spread = Decimal(half_spread)
        self.tick_seconds = tick_seconds
        self.market_open = market_open
        self.clock_time = clock_time or datetime(2026, 11, 24, 15, 50, tzinfo=NEW_YORK)
        self.account_number = account_number
        self.account_id = str(uuid.uuid4())
        self.market_buy_collar = Decimal(market_buy_collar)
        self.rate_limit = rate_limit
        self.trading_blocked = False
        self.account_blocked = False
        self.account_status = "ACTIVE"

        self._paths: dict[str, list[Decimal]] = {
            s.upper(): [Decimal(str(p)) for p in path] for s, path in (prices or {}).items()
        }
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
        self.cancel_delay_ticks = 0
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
        """Replace a symbol's path; it starts at the current step."""
        with self._lock:
            values = [Decimal(str(p)) for p in path]
            self._paths[symbol] = [values[0]] * self._step + values
            self._assets.setdefault(symbol, AssetInfo(symbol))

    def tick(self, steps: int = 1) -> None:
        """Move prices one step and work every open order (fills, cancels, rejections)."""
        for _ in range(steps):
            with self._lock:
                self._step += 1
                for order in list(self._orders.values()):
                    self._work(order)

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
        """End of day: every open DAY order expires (what Alpaca does after the close)."""
        with self._lock:
            for order in self._orders.values():
                if order.is_open:
                    order.status = "expired"
                    order.expired_at = order.updated_at = self._now()
                    self._emit("expired", order)

    def orders(self) -> list[OrderRecord]:
        with self._lock:
            return list(self._orders.values())

    def order(self, order_id: str) -> OrderRecord:
        with self._lock:
            return self._orders[order_id]

    def positions(self) -> dict[str, Decimal]:
        with self._lock:
            return {s: p.qty for s, p in self._positions.items()}

    def price(self, symbol: str) -> Decimal:
        with self._lock:
            path = self._paths[symbol]
            return path[min(self._step, len(path) - 1)]

    def quote(self, symbol: str) -> tuple[Decimal, Decimal]:
        mid = self.price(symbol)
        return mid - self.half_spread, mid + self.half_spread

    def accepted_client_order_ids(self) -> list[str]:
        """Client order ids of every order the server created, in order (duplicates impossible)."""
        with self._lock:
            return [o.client_order_id for o in self._orders.values()]

    # -------------------------------------------------------------- middleware

    @web.middleware
    async def _middleware(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.path == "/stream":
            return await handler(request)
        record = RequestRecord(time.monotonic(), request.method, request.path)
        with self._lock:
            self.request_log.append(record)  # on arrival: a client may give up before the end
        response = await self._guarded(request, handler)
        record.status = response.status
        return response

    async def _guarded(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        key = request.headers.get("APCA-API-KEY-ID")
        secret = request.headers.get("APCA-API-SECRET-KEY")
        if key != self.api_key or secret != self.secret_key:
            return _error(401, 40110000, "request is not authorized")
        limited = self._rate_limited()
        if limited is not None:
            return limited
        fault = self._take_fault(request.method, request.path)
        if fault is None:
            return await self._call(request, handler)
        if not fault.after_commit:
            await self._apply_delay(fault)
            if fault.drop:
                return self._drop(request)
            if fault.status is not None:
                return self._fault_response(fault)
            return await self._call(request, handler)
        response = await self._call(request, handler)
        await self._apply_delay(fault)
        if fault.drop:
            return self._drop(request)
        if fault.status is not None:
            return self._fault_response(fault)
        return response

    async def _call(self, request: web.Request, handler: Handler) -> web.StreamResponse:
        if request.method == "POST" and request.path == "/v2/orders":
            return await handler(request)  # logs its own request
        try:
            return await handler(request)
        except ApiError as exc:
            return _error(exc.status, exc.code, exc.message)

    def _rate_limited(self) -> web.Response | None:
        if self.rate_limit is None:
            return None
        count, window = self.rate_limit
        now = time.monotonic()
        with self._lock:
            self._rate_window = [t for t in self._rate_window if now - t < window]
            if len(self._rate_window) >= count:
                reset = self._rate_window[0] + window - now
                response = _error(429, 42910000, "rate limit exceeded")
                response.headers["Retry-After"] = str(max(1, round(reset)))
                return response
            self._rate_window.append(now)
        return None

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

    @staticmethod
    def _fault_response(fault: Fault) -> web.Response:
        status = fault.status or 500
        if status == 429:
            response = _error(429, 42910000, "rate limit exceeded")
        else:
            response = web.Response(status=status, text="internal server error")
        if fault.retry_after is not None:
            response.headers["Retry-After"] = f"{fault.retry_after:g}"
        return response

    @staticmethod
    def _drop(request: web.Request) -> web.StreamResponse:
        transport = request.transport
        if transport is not None:
            transport.abort()
        raise asyncio.CancelledError  # aiohttp ends the handler quietly; nothing is sent

    # ---------------------------------------------------------------- account

    async def _account(self, request: web.Request) -> web.Response:
        with self._lock:
            long_value = sum(
                (p.qty * self.price(s) for s, p in self._positions.items()), Decimal(0)
            )
            equity = self.cash + long_value
            buying_power = max(Decimal(0), self.cash - self._reserved_cash())
            body = {
                "id": self.account_id,
                "account_number": self.account_number,
                "status": self.account_status,
                "crypto_status": "INACTIVE",
                "currency": "USD",
                "buying_power": text(buying_power),
                "regt_buying_power": text(buying_power),
                "daytrading_buying_power": "0",
                "non_marginable_buying_power": text(buying_power),
                "cash": text(self.cash),
                "accrued_fees": "0",
                "portfolio_value": text(equity),
                "pattern_day_trader": False,
                "trading_blocked": self.trading_blocked,
                "transfers_blocked": False,
                "account_blocked": self.account_blocked,
                "created_at": "2024-01-02T15:00:00Z",
                "trade_suspended_by_user": False,
                "multiplier": "1",
                "shorting_enabled": False,
                "equity": text(equity),
                "last_equity": text(equity),
                "long_market_value": text(long_value),
                "short_market_value": "0",
                "initial_margin": "0",
                "maintenance_margin": "0",
                "last_maintenance_margin": "0",
                "sma": "0",
                "daytrade_count": 0,
            }
        return web.json_response(body)

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
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = None
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
            self._emit("new", order)
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
        )
        if side == "buy":
            buying_power = self.cash - self._reserved_cash()
            if self._cost_of(order) > buying_power:
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
            if order.status != "pending_cancel":
                if self.cancel_delay_ticks > 0:
                    order.status = "pending_cancel"
                    order.cancel_countdown = self.cancel_delay_ticks
                    order.updated_at = self._now()
                    self._emit("pending_cancel", order)
                else:
                    self._finish_cancel(order)
        return web.Response(status=204)

    def _finish_cancel(self, order: OrderRecord) -> None:
        order.status = "canceled"
        order.canceled_at = order.updated_at = self._now()
        order.cancel_countdown = None
        self._emit("canceled", order)

    async def _order_replace(self, request: web.Request) -> web.Response:
        try:
            body = await request.json()
        except json.JSONDecodeError:
            body = {}
        with self._lock:
            old = self._find(request.match_info["order_id"])
            if not old.is_open or old.status == "pending_cancel":
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
        if not order.is_open:
            return
        if order.fresh:
            order.fresh = False
            if order.status == "accepted":
                order.status = "new"
            return
        reason = self.async_rejections.get(order.symbol)
        if reason is not None and order.filled_qty == 0:
            order.status = "rejected"
            order.failed_at = order.updated_at = self._now()
            self._emit("rejected", order)
            return
        if self.market_open:
            self._try_fill(order)
        if order.status == "pending_cancel" and order.cancel_countdown is not None:
            order.cancel_countdown -= 1
            if order.cancel_countdown <= 0:
                self._finish_cancel(order)

    def _try_fill(self, order: OrderRecord) -> None:
        bid, ask = self.quote(order.symbol)
        price = ask if order.side == "buy" else bid
        if order.limit_price is not None and (
            (order.side == "buy" and ask > order.limit_price)
            or (order.side == "sell" and bid < order.limit_price)
        ):
            return
        if order.notional is not None:
            qty = ((order.notional - order.filled_value) / price).quantize(QTY_STEP, ROUND_DOWN)
        else:
            remaining = order.remaining or Decimal(0)
            parts = self.partial_fill_parts.get(order.symbol, self.partial_fill_parts.get("*", 1))
            left = parts - order.parts_done
            qty = remaining if left <= 1 else self._chunk(order.qty or Decimal(0), parts, remaining)
        if qty <= 0:
            return
        self._execute(order, qty, price)

    @staticmethod
    def _chunk(total: Decimal, parts: int, remaining: Decimal) -> Decimal:
        whole = total == total.to_integral_value()
        step = Decimal(1) if whole else QTY_STEP
        chunk = (total / parts).quantize(step, ROUND_DOWN)
        return min(max(chunk, step), remaining)

    def _execute(self, order: OrderRecord, qty: Decimal, price: Decimal) -> None:
        now = self._now()
        order.filled_qty += qty
        order.filled_value += qty * price
        order.parts_done += 1
        order.updated_at = now
        done = order.notional is not None or order.filled_qty >= (order.qty or Decimal(0))
        if order.status != "pending_cancel" or done:
            order.status = "filled" if done else "partially_filled"
        if done:
            order.filled_at = now
            order.cancel_countdown = None
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

    def _now(self) -> datetime:
        return datetime.now(UTC)

    async def _clock(self, request: web.Request) -> web.Response:
        sessions = _sessions(
            self.clock_time.date() - timedelta(days=7), self.clock_time.date() + timedelta(days=14)
        )
        now = self.clock_time
        next_open = next(o for _, o, _ in sessions if o > now)
        next_close = next(c for _, _, c in sessions if c > now)
        body = {
            "timestamp": now.isoformat(),
            "is_open": self.market_open,
            "next_open": next_open.isoformat(),
            "next_close": next_close.isoformat(),
        }
        return web.json_response(body)

    async def _calendar(self, request: web.Request) -> web.Response:
        start = _parse_day(request.query.get("start")) or self.clock_time.date()
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
            for day, opens, closes in _sessions(start, end)
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


_XNYS: Any = None


def _sessions(start: date, end: date) -> list[tuple[date, datetime, datetime]]:
    """NYSE sessions (date, open, close in New York time) from exchange-calendars."""
    global _XNYS  # noqa: PLW0603 - the calendar is costly to build; build it once
    if _XNYS is None:
        import exchange_calendars

        _XNYS = exchange_calendars.get_calendar("XNYS")
    found = []
    for label in _XNYS.sessions_in_range(start.isoformat(), end.isoformat()):
        opens = _XNYS.session_open(label).to_pydatetime().astimezone(NEW_YORK)
        closes = _XNYS.session_close(label).to_pydatetime().astimezone(NEW_YORK)
        found.append((label.date(), opens, closes))
    return found
