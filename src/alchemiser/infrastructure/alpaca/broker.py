"""The Broker port on Alpaca (paper or live) through the official alpaca-py.

Safety rules kept here (SPEC §7-§8, §12, §13):
- paper never reaches real money: the endpoint and key are checked before any client exists,
  and the account name recorded with every run comes from the endpoint actually used;
- only idempotent calls (reads, cancel) are retried, with tenacity, honouring Alpaca's
  `X-RateLimit-Reset` (bounded by `max_retry_wait_seconds`);
- an answer that cannot be read is CRITICAL "unexpected response from the broker" naming the
  endpoint, never retried as an outage;
- the order in a submit or replace answer must be the order sent (client order id, symbol,
  side, quantity), or it is not adopted (CRITICAL);
- a submit that fails ambiguously (timeout, reset, 5xx) is resolved by looking the order up by
  its client order id, never by submitting again; a 429 (not processed) may be re-sent;
- Alpaca's order rules are checked before sending (fractional → DAY only and only for
  fractionable assets; limit prices on Alpaca's tick grid);
- nothing is submitted for an account that is blocked or not ACTIVE.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from functools import partial
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from alpaca.data.enums import DataFeed
from alpaca.data.historical.stock import StockHistoricalDataClient
from alpaca.data.requests import StockLatestQuoteRequest
from alpaca.trading.client import TradingClient
from alpaca.trading.enums import QueryOrderStatus
from alpaca.trading.models import Asset as AlpacaAsset
from alpaca.trading.models import Calendar as AlpacaCalendar
from alpaca.trading.models import Clock as AlpacaClock
from alpaca.trading.models import Order as AlpacaOrder
from alpaca.trading.models import Position as AlpacaPosition
from alpaca.trading.models import TradeAccount
from alpaca.trading.requests import GetCalendarRequest, GetOrdersRequest, ReplaceOrderRequest
from tenacity import (
    RetryCallState,
    Retrying,
    retry_if_exception_type,
    stop_after_attempt,
    stop_before_delay,
)

from alchemiser.application.settings import AlpacaSettings
from alchemiser.domain.errors import (
    AlchemiserError,
    BrokerConnectionError,
    DataError,
    OrderRejectedError,
)
from alchemiser.domain.redaction import Redactor
from alchemiser.domain.trading import (
    AccountSnapshot,
    AssetInfo,
    MarketClock,
    Order,
    OrderRequest,
    Position,
    Quote,
    Symbol,
    TimeInForce,
    UnexpectedBrokerResponseError,
    UnknownOrderError,
    check_order_answer,
)
from alchemiser.infrastructure.alpaca import mapping
from alchemiser.infrastructure.alpaca.endpoints import resolve_endpoint
from alchemiser.infrastructure.alpaca.errors import (
    COMPONENT,
    AccountRestrictedError,
    AlpacaRateLimitedError,
    AlpacaUnavailableError,
    translate,
    unexpected_response,
)
from alchemiser.infrastructure.alpaca.order_stream import OrderStream, OrderUpdateHints
from alchemiser.infrastructure.alpaca.transport import (
    CallLog,
    LimitedSession,
    RateLimiter,
    take_over_transport,
)

log = logging.getLogger(__name__)
_T = TypeVar("_T")
_M = TypeVar("_M")
_NEW_YORK = ZoneInfo("America/New_York")
_LIST_THRESHOLD = 2
"""Above this many waiting orders, one list request replaces one request per order."""


@dataclass(frozen=True, slots=True)
class AlpacaEndpoints:
    """Where to reach Alpaca; None means Alpaca's own URL for the chosen mode."""

    trading_url: str | None = None
    data_url: str | None = None
    stream_url: str | None = None


@dataclass(frozen=True, slots=True)
class MarketSession:
    """One trading day as Alpaca's calendar reports it (open and close in UTC)."""

    date: dt.date
    open: dt.datetime
    close: dt.datetime


class AlpacaBroker:
    """One Alpaca account. Close it (or use `with`) to stop the trade stream thread."""

    def __init__(
        self,
        api_key: str,
        secret_key: str,
        *,
        live: bool,
        settings: AlpacaSettings,
        endpoints: AlpacaEndpoints = AlpacaEndpoints(),
        feed: str = "iex",
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        endpoint = resolve_endpoint(
            live=live,
            api_key=api_key,
            trading_url=endpoints.trading_url,
            stream_url=endpoints.stream_url,
        )
        self._live = live
        self._mode = endpoint.mode
        self._settings = settings
        self._sleep = sleep
        self._redact = Redactor([api_key, secret_key])
        self._feed = DataFeed(feed)
        limiter = RateLimiter(settings.max_requests_per_minute, 60.0, sleep=sleep)
        self.limiter = limiter
        self._calls = CallLog()

        self._deadline = threading.local()

        def session() -> LimitedSession:
            return LimitedSession(
                limiter,
                settings.request_timeout_seconds,
                calls=self._calls,
                max_pause=settings.max_retry_wait_seconds,
                time_left=self._time_left,
            )

        self._client = TradingClient(
            api_key, secret_key, paper=not live, url_override=endpoint.trading_url
        )
        take_over_transport(self._client, session())
        self._data = StockHistoricalDataClient(api_key, secret_key, url_override=endpoints.data_url)
        take_over_transport(self._data, session())
        self._hints = OrderUpdateHints()
        self._stream: OrderStream | None = (
            OrderStream(
                api_key, secret_key, paper=not live, url=endpoints.stream_url, hints=self._hints
            )
            if settings.use_stream
            else None
        )
        self._assets: dict[str, AssetInfo] = {}
        self._can_trade: bool | None = None

    # ----------------------------------------------------------------- lifecycle

    @property
    def name(self) -> str:
        """`alpaca-paper` or `alpaca-live`, from the endpoint in use (not from the flag)."""
        return f"alpaca-{self._mode}"

    @property
    def stream_hints_received(self) -> int:
        """How many trade updates the stream delivered (diagnostics and tests)."""
        return self._hints.received

    def start_stream(self) -> None:
        """Listen to trade updates from now on (also started by the first submit)."""
        if self._stream is not None:
            self._stream.start()

    def close(self) -> None:
        if self._stream is not None:
            self._stream.close()

    def __enter__(self) -> AlpacaBroker:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- reading

    def account(self) -> AccountSnapshot:
        account = self._read("read account", lambda: _one(TradeAccount, self._client.get_account()))
        positions = self.positions()
        snapshot = self._parse("GET /v2/account", lambda: mapping.to_account(account, positions))
        self._can_trade = snapshot.can_trade
        return snapshot

    def positions(self) -> tuple[Position, ...]:
        raw = self._read(
            "read positions", lambda: _many(AlpacaPosition, self._client.get_all_positions())
        )
        return self._parse("GET /v2/positions", lambda: tuple(mapping.to_position(p) for p in raw))

    def asset(self, symbol: Symbol) -> AssetInfo:
        key = str(symbol).upper()
        if key not in self._assets:
            raw = self._read(
                f"read asset {key}", lambda: _one(AlpacaAsset, self._client.get_asset(key))
            )
            self._assets[key] = self._parse(f"GET /v2/assets/{key}", lambda: mapping.to_asset(raw))
        return self._assets[key]

    def quote(self, symbol: Symbol) -> Quote:
        found = self.quotes([symbol])
        if symbol not in found:
            raise DataError(
                f"{symbol}: Alpaca has no usable latest quote",
                context={"ticker": str(symbol)},
                component=COMPONENT,
            )
        return found[symbol]

    def quotes(self, symbols: Sequence[Symbol]) -> dict[Symbol, Quote]:
        if not symbols:
            return {}
        wanted = [str(s).upper() for s in symbols]
        request = StockLatestQuoteRequest(symbol_or_symbols=wanted, feed=self._feed)
        raw = self._read("read latest quotes", lambda: self._data.get_stock_latest_quote(request))
        quotes: dict[Symbol, Quote] = {}
        for symbol in wanted:
            if symbol not in raw:
                log.warning("Alpaca sent no quote for %s", symbol)
                continue
            try:
                quotes[Symbol(symbol)] = mapping.to_quote(symbol, raw[symbol])
            except DataError as exc:
                log.warning("%s", exc.message)
        return quotes

    def clock(self) -> MarketClock:
        raw = self._read("read clock", lambda: _one(AlpacaClock, self._client.get_clock()))
        return self._parse("GET /v2/clock", lambda: mapping.to_clock(raw))

    def sessions(self, start: dt.date, end: dt.date) -> tuple[MarketSession, ...]:
        """Alpaca's calendar (to cross-check the local NYSE calendar, SPEC §8.4)."""
        request = GetCalendarRequest(start=start, end=end)
        raw = self._read(
            "read calendar", lambda: _many(AlpacaCalendar, self._client.get_calendar(request))
        )
        return tuple(
            MarketSession(
                date=day.date,
                open=day.open.replace(tzinfo=_NEW_YORK).astimezone(dt.UTC),
                close=day.close.replace(tzinfo=_NEW_YORK).astimezone(dt.UTC),
            )
            for day in raw
        )

    def get_order(self, order_id: str) -> Order:
        raw = self._read(
            "get order", lambda: _one(AlpacaOrder, self._client.get_order_by_id(order_id))
        )
        return self._parse(f"GET /v2/orders/{order_id}", lambda: mapping.to_order(raw))

    def get_order_by_client_id(self, client_order_id: str) -> Order | None:
        try:
            raw = self._read(
                "get order by client order id",
                lambda: _one(AlpacaOrder, self._client.get_order_by_client_id(client_order_id)),
            )
        except UnknownOrderError:
            return None
        return self._parse("GET /v2/orders:by_client_order_id", lambda: mapping.to_order(raw))

    def open_orders(self) -> tuple[Order, ...]:
        request = GetOrdersRequest(status=QueryOrderStatus.OPEN, limit=500)
        raw = self._read(
            "list open orders", lambda: _many(AlpacaOrder, self._client.get_orders(request))
        )
        return self._parse("GET /v2/orders", lambda: tuple(mapping.to_order(o) for o in raw))

    # ----------------------------------------------------------------- trading

    def submit_order(self, request: OrderRequest) -> Order:
        self._check_rules(request)
        self._ensure_can_trade()
        self.start_stream()
        alpaca_request = mapping.to_alpaca_request(request)
        context = {"ticker": str(request.symbol), "client_order_id": request.client_order_id}
        endpoint = "POST /v2/orders"
        for attempt in range(self._settings.max_retries + 1):
            try:
                raw = _one(AlpacaOrder, self._client.submit_order(alpaca_request), endpoint)
            except Exception as exc:
                error = translate(
                    exc,
                    operation="submit order",
                    redact=self._redact,
                    context=context,
                    endpoint=endpoint,
                )
                if (
                    isinstance(error, AlpacaRateLimitedError)
                    and attempt < self._settings.max_retries
                ):
                    # 429: Alpaca did not process it; sending the same request again is safe.
                    self._sleep(self._backoff(attempt, error.retry_after))
                    continue
                if isinstance(error, AlpacaUnavailableError):
                    return self._resolve_ambiguous_submit(request, error)
                raise error from None
            order = self._parse(endpoint, partial(mapping.to_order, raw), context)
            return check_order_answer(request, order, endpoint=endpoint)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _resolve_ambiguous_submit(self, request: OrderRequest, error: AlchemiserError) -> Order:
        """The order may exist: ask Alpaca by client order id instead of sending it again."""
        found = self.get_order_by_client_id(request.client_order_id)
        if found is not None:
            log.info("submit of %s was ambiguous; Alpaca has it", request.client_order_id)
            return check_order_answer(request, found, endpoint="GET /v2/orders:by_client_order_id")
        raise BrokerConnectionError(
            f"{request.symbol}: submitting {request.client_order_id} failed ambiguously "
            f"({error.message}) and Alpaca does not know the order; it was not sent again",
            context={"ticker": str(request.symbol), "client_order_id": request.client_order_id},
            suggested_action="Safe to retry with the same client order id (Alpaca rejects "
            "duplicates).",
            component=COMPONENT,
        )

    def cancel_order(self, order_id: str) -> None:
        try:
            self._read("cancel order", lambda: self._client.cancel_order_by_id(order_id))
        except OrderRejectedError as exc:
            # 422: no longer cancelable (already filled/canceled); the caller reads the outcome.
            log.debug("cancel of %s refused: %s", order_id, exc.message)

    def replace_order(
        self,
        order_id: str,
        *,
        client_order_id: str,
        qty: Decimal | None = None,
        limit_price: Decimal | None = None,
    ) -> Order:
        if qty is not None and qty != qty.to_integral_value():
            raise OrderRejectedError(
                f"order {order_id}: Alpaca cannot replace with a fractional qty ({qty}); "
                "cancel it and submit a new order",
                context={"order_id": order_id, "qty": str(qty)},
                component=COMPONENT,
            )
        self._ensure_can_trade()
        old = self.get_order(order_id)
        price = None if limit_price is None else mapping.alpaca_limit_price(limit_price, old.side)
        request = ReplaceOrderRequest(
            qty=None if qty is None else int(qty),
            limit_price=None if price is None else float(price),
            client_order_id=client_order_id,
        )
        try:
            raw = _one(
                AlpacaOrder,
                self._client.replace_order_by_id(order_id, request),
                f"PATCH /v2/orders/{order_id}",
            )
        except Exception as exc:
            error = translate(
                exc,
                operation="replace order",
                redact=self._redact,
                context={"order_id": order_id, "client_order_id": client_order_id},
            )
            if not isinstance(error, BrokerConnectionError):
                raise error from None
            found = self.get_order_by_client_id(client_order_id)
            if found is not None:
                return self._check_replacement(old, found, client_order_id, qty)
            raise error from None
        new = self._parse(f"PATCH /v2/orders/{order_id}", lambda: mapping.to_order(raw))
        return self._check_replacement(old, new, client_order_id, qty)

    @staticmethod
    def _check_replacement(
        old: Order, new: Order, client_order_id: str, qty: Decimal | None
    ) -> Order:
        """The replacing order must carry our new client id, the old symbol and side, and the
        new quantity when one was asked for."""
        expected = OrderRequest(client_order_id, old.symbol, old.side, qty or new.qty)
        return check_order_answer(expected, new, endpoint=f"PATCH /v2/orders/{old.id}")

    def wait_for_update(self, order_ids: Sequence[str], timeout_seconds: float) -> None:
        """Until every order is final by REST, or the timeout; stream hints only wake us early.

        A failed check is not an error here (the caller re-reads every order afterwards): the
        wait just goes on until the next poll.
        """
        deadline = time.monotonic() + max(0.0, timeout_seconds)
        pending = set(order_ids)
        if not pending:
            self._sleep(max(0.0, timeout_seconds))
            return
        poll = self._settings.poll_interval_seconds
        while pending:
            try:
                pending -= self._final_among(pending)
            except BrokerConnectionError as exc:
                log.warning("order check failed while waiting: %s", exc.message)
            left = deadline - time.monotonic()
            if not pending or left <= 0:
                return
            self._hints.wait(pending, min(poll, left))

    def _final_among(self, order_ids: set[str]) -> set[str]:
        if len(order_ids) > _LIST_THRESHOLD:
            request = GetOrdersRequest(status=QueryOrderStatus.ALL, limit=500)
            listed = self._read(
                "list orders", lambda: _many(AlpacaOrder, self._client.get_orders(request))
            )
            final = self._parse(
                "GET /v2/orders",
                lambda: {str(o.id) for o in listed if mapping.to_order(o).is_final},
            )
            seen = {str(o.id) for o in listed}
            order_ids = order_ids - seen  # older than the listing window: ask one by one
        else:
            final = set()
        for order_id in order_ids:
            if self.get_order(order_id).is_final:
                final.add(order_id)
        return final

    # ----------------------------------------------------------------- helpers

    def _check_rules(self, request: OrderRequest) -> None:
        fractional = request.qty != request.qty.to_integral_value()
        if not fractional:
            return
        context = {"ticker": str(request.symbol), "qty": str(request.qty)}
        if request.time_in_force is not TimeInForce.DAY:
            raise OrderRejectedError(
                f"{request.symbol}: fractional orders must be DAY orders at Alpaca "
                f"(qty {request.qty}, time in force {request.time_in_force})",
                context=context,
                component=COMPONENT,
            )
        if not self.asset(request.symbol).fractionable:
            raise OrderRejectedError(
                f"{request.symbol} is not fractionable at Alpaca: order whole shares "
                f"(asked {request.qty})",
                context=context,
                component=COMPONENT,
            )

    def _ensure_can_trade(self) -> None:
        if self._can_trade is None:
            self.account()
        if not self._can_trade:
            raise AccountRestrictedError(
                "the Alpaca account is restricted from trading (trading_blocked, "
                "account_blocked or not ACTIVE); no order was sent",
                component=COMPONENT,
            )

    def _parse(
        self, endpoint: str, convert: Callable[[], _T], context: dict[str, Any] | None = None
    ) -> _T:
        """Our domain value from alpaca-py's model; a field we cannot read is an unexpected
        response (CRITICAL), not bad data to skip or an outage to retry."""
        try:
            return convert()
        except UnexpectedBrokerResponseError:
            raise
        except (ValueError, TypeError, KeyError, AttributeError, ArithmeticError) as exc:
            raise unexpected_response(
                endpoint, f"{type(exc).__name__}: {self._redact(str(exc))[:300]}", context=context
            ) from None
        except AlchemiserError as exc:  # e.g. to_decimal's DataQualityError on "abc"
            raise unexpected_response(
                endpoint, self._redact(exc.message)[:300], context=context
            ) from None

    def _backoff(self, attempt: int, retry_after: float | None) -> float:
        base = retry_after if retry_after is not None else 0.25 * 2**attempt
        return min(base, self._settings.max_retry_wait_seconds)

    def _time_left(self) -> float | None:
        """Seconds until the deadline of this thread's current read (None outside a read)."""
        end: float | None = getattr(self._deadline, "end", None)
        return None if end is None else end - time.monotonic()

    def _read(self, operation: str, call: Callable[[], _T]) -> _T:
        """An idempotent call, retried on 429/5xx/timeouts; other errors raise at once.

        The whole read, retries and waits included, ends within `alpaca.deadline_seconds`:
        each request's timeout is cut to the time left, and no retry starts (or waits) past it.
        """
        if getattr(self._deadline, "end", None) is not None:  # nested: the outer deadline holds
            return self._read_within(operation, call)
        deadline = self._settings.deadline_seconds
        self._deadline.end = time.monotonic() + deadline
        try:
            return self._read_within(operation, call)
        finally:
            self._deadline.end = None

    def _read_within(self, operation: str, call: Callable[[], _T]) -> _T:

        def wait(state: RetryCallState) -> float:
            outcome = state.outcome
            error = outcome.exception() if outcome is not None else None
            retry_after = error.retry_after if isinstance(error, AlpacaRateLimitedError) else None
            return self._backoff(state.attempt_number - 1, retry_after)

        def attempt() -> _T:
            self._calls.clear()
            try:
                return call()
            except Exception as exc:
                raise translate(
                    exc, operation=operation, redact=self._redact, endpoint=self._calls.last
                ) from None

        retrying = Retrying(
            stop=stop_after_attempt(self._settings.max_retries + 1)
            | stop_before_delay(self._settings.deadline_seconds),
            wait=wait,
            retry=retry_if_exception_type((AlpacaRateLimitedError, AlpacaUnavailableError)),
            sleep=self._sleep,
            reraise=True,
        )
        try:
            result: _T = retrying(attempt)
        except (AlpacaRateLimitedError, AlpacaUnavailableError) as exc:
            attempts = int(retrying.statistics.get("attempt_number", 0))
            left = self._time_left()
            if attempts <= self._settings.max_retries or (left is not None and left <= 0):
                self._note_deadline(exc)  # stopped by the deadline, not by the retry count
            raise
        return result

    def _note_deadline(self, exc: BrokerConnectionError) -> None:
        deadline = self._settings.deadline_seconds
        exc.message = f"{exc.message}; gave up at the {deadline:g} s deadline"
        exc.args = (exc.message,)
        exc.suggested_action = (
            "Check network access to Alpaca and its status page; the deadline is "
            "alpaca.deadline_seconds, each request's alpaca.request_timeout_seconds."
        )


def _one(kind: type[_M], value: object, endpoint: str | None = None) -> _M:
    """alpaca-py's model (its methods are typed "model or raw dict"; we never ask for raw)."""
    if not isinstance(value, kind):
        raise unexpected_response(
            endpoint or f"the {kind.__name__} request",
            f"{type(value).__name__} instead of {kind.__name__}",
        )
    return value


def _many(kind: type[_M], values: Any, endpoint: str | None = None) -> list[_M]:
    if not isinstance(values, list):
        raise unexpected_response(
            endpoint or f"the {kind.__name__} list request",
            f"{type(values).__name__} instead of a list of {kind.__name__}",
        )
    return [_one(kind, value, endpoint) for value in values]
