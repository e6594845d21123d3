"""A stand-in for Alpaca's Market Data API v2 (stock bars, latest trades and quotes) for tests.

It answers the paths `alpaca-py`'s `StockHistoricalDataClient` calls the way
../shared/alpaca-openapi/market-data-api.yaml describes (tests/market_data/test_alpaca.py
validates its answers against that document): daily bars stamped at midnight New York time,
sorted by symbol then time, paged with `limit` / `next_page_token`, unknown symbols simply
absent. It checks the `APCA-API-KEY-ID` / `APCA-API-SECRET-KEY` headers and records every
request so tests can assert exactly what was fetched.

Runs on 127.0.0.1 on a free port, in a background thread with its own event loop.
"""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import threading
from dataclasses import dataclass, field
from typing import Any
from zoneinfo import ZoneInfo

import numpy as np
from aiohttp import web

from alchemiser.domain.market.price_history import PriceHistory

NEW_YORK = ZoneInfo("America/New_York")


@dataclass(frozen=True)
class RecordedRequest:
    path: str
    params: dict[str, str]

    @property
    def symbols(self) -> list[str]:
        return self.params.get("symbols", "").split(",")


@dataclass
class AlpacaMarketDataServer:
    """Serves `history` as Alpaca daily bars; `trades` / `quotes` as the latest ones."""

    history: PriceHistory
    trades: dict[str, float] = field(default_factory=dict)
    quotes: dict[str, tuple[float, float]] = field(default_factory=dict)
    api_key: str = "PKTESTKEY"
    secret_key: str = "test-secret"
    max_page: int = 10_000
    """Largest page served whatever `limit` asks, to exercise `next_page_token` paging."""
    fail_with: int | None = None
    """When set, every request answers this HTTP status (e.g. 429, 500)."""
    requests: list[RecordedRequest] = field(default_factory=list)
    port: int = 0
    _loop: asyncio.AbstractEventLoop | None = None
    _runner: web.AppRunner | None = None
    _thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def bar_requests(self) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == "/v2/stocks/bars"]

    # -- lifecycle ------------------------------------------------------------------------------
    def start(self) -> AlpacaMarketDataServer:
        started = threading.Event()
        self._thread = threading.Thread(target=self._serve, args=(started,), daemon=True)
        self._thread.start()
        if not started.wait(10):
            raise RuntimeError("market data test server did not start")
        return self

    def stop(self) -> None:
        loop, runner = self._loop, self._runner
        if loop is None or runner is None:
            return
        asyncio.run_coroutine_threadsafe(runner.cleanup(), loop).result(10)
        loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _serve(self, started: threading.Event) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        app = web.Application()
        app.router.add_get("/v2/stocks/bars", self._bars)
        app.router.add_get("/v2/stocks/trades/latest", self._latest_trades)
        app.router.add_get("/v2/stocks/quotes/latest", self._latest_quotes)
        self._runner = web.AppRunner(app, handle_signals=False, access_log=None)
        loop.run_until_complete(self._runner.setup())
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        loop.run_until_complete(site.start())
        server = site._server
        assert server is not None
        self.port = server.sockets[0].getsockname()[1]  # type: ignore[attr-defined]
        started.set()
        loop.run_forever()
        loop.close()

    # -- handlers -------------------------------------------------------------------------------
    def _guard(self, request: web.Request) -> web.Response | None:
        self.requests.append(RecordedRequest(request.path, dict(request.query)))
        if (
            request.headers.get("APCA-API-KEY-ID") != self.api_key
            or request.headers.get("APCA-API-SECRET-KEY") != self.secret_key
        ):
            return web.json_response({"code": 40110000, "message": "unauthorized."}, status=401)
        if self.fail_with is not None:
            return web.json_response({"message": "injected failure"}, status=self.fail_with)
        if "symbols" not in request.query:
            return web.json_response({"message": "missing symbols"}, status=400)
        return None

    async def _bars(self, request: web.Request) -> web.Response:
        refused = self._guard(request)
        if refused is not None:
            return refused
        q = request.query
        if q.get("timeframe") != "1Day":
            return web.json_response({"message": "only 1Day is faked"}, status=400)
        start = _parse_time(q.get("start"))
        end = _parse_time(q.get("end"))
        limit = min(int(q.get("limit", "1000")), self.max_page)
        rows = self._bar_rows(q["symbols"].split(","), start, end)
        offset = int(base64.b64decode(q["page_token"]).decode()) if q.get("page_token") else 0
        page = rows[offset : offset + limit]
        bars: dict[str, list[dict[str, Any]]] = {}
        for symbol, bar in page:
            bars.setdefault(symbol, []).append(bar)
        more = offset + limit < len(rows)
        token = base64.b64encode(str(offset + limit).encode()).decode() if more else None
        return web.json_response({"bars": bars, "next_page_token": token})

    async def _latest_trades(self, request: web.Request) -> web.Response:
        refused = self._guard(request)
        if refused is not None:
            return refused
        now = _iso(dt.datetime.now(dt.UTC))
        trades = {
            s: {"t": now, "x": "V", "p": self.trades[s], "s": 100, "c": ["@"], "i": 1, "z": "C"}
            for s in request.query["symbols"].split(",")
            if s in self.trades
        }
        return web.json_response({"trades": trades})

    async def _latest_quotes(self, request: web.Request) -> web.Response:
        refused = self._guard(request)
        if refused is not None:
            return refused
        now = _iso(dt.datetime.now(dt.UTC))
        quotes = {
            s: {
                "t": now, "ax": "V", "ap": self.quotes[s][1], "as": 3,
                "bx": "V", "bp": self.quotes[s][0], "bs": 1, "c": ["R"], "z": "C",
            }
            for s in request.query["symbols"].split(",")
            if s in self.quotes
        }  # fmt: skip
        return web.json_response({"quotes": quotes})

    def _bar_rows(
        self, symbols: list[str], start: dt.datetime | None, end: dt.datetime | None
    ) -> list[tuple[str, dict[str, Any]]]:
        rows = []
        for symbol in sorted(set(symbols)):
            if symbol not in self.history:
                continue
            closes = self.history.closes(symbol)
            for i, day in enumerate(self.history.dates):
                close = float(closes[i])
                if np.isnan(close):
                    continue
                stamp = dt.datetime.combine(
                    dt.date.fromisoformat(str(day)), dt.time(0, 0), tzinfo=NEW_YORK
                )
                if (start and stamp < start) or (end and stamp > end):
                    continue
                rows.append(
                    (
                        symbol,
                        {
                            "t": _iso(stamp),
                            "o": round(close * 0.998, 4),
                            "h": round(close * 1.01, 4),
                            "l": round(close * 0.99, 4),
                            "c": close,
                            "v": 1_000_000 + i,
                            "n": 5_000,
                            "vw": round(close * 1.001, 4),
                        },
                    )
                )
        return rows


def _parse_time(value: str | None) -> dt.datetime | None:
    if not value:
        return None
    if len(value) == 10:
        return dt.datetime.combine(dt.date.fromisoformat(value), dt.time(0), tzinfo=dt.UTC)
    return dt.datetime.fromisoformat(value.replace("Z", "+00:00"))


def _iso(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
