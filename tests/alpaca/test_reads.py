"""Reading the account through the real alpaca-py: Alpaca's answers become exact domain values."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from alchemiser.domain.errors import AuthenticationError, DataError, OrderRejectedError
from alchemiser.domain.trading import Symbol
from tests.alpaca.conftest import BrokerFactory, ServerFactory
from tests.fakes.alpaca_trading_server import AssetInfo

UTC = dt.UTC


def test_account_and_positions_map_to_decimal_domain_values(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(
        cash="12345.67",
        prices={"SPY": ["500.25"], "TLT": ["90.10"]},
        positions={"SPY": ("10", "450.5"), "TLT": ("2.5", "95")},
    )
    account = make_broker(server).account()
    # equity = 12345.67 + 10 × 500.25 + 2.5 × 90.10 = 12345.67 + 5002.50 + 225.25
    assert account.equity == Decimal("17573.42")
    assert account.cash == Decimal("12345.67")
    assert account.buying_power == Decimal("12345.67")
    assert account.account_id == "***CT42"  # PA3TESTACCT42, masked
    assert account.can_trade
    spy = account.position("SPY")
    assert spy is not None
    assert (spy.qty, spy.avg_entry_price, spy.market_price) == (
        Decimal("10"),
        Decimal("450.5"),
        Decimal("500.25"),
    )
    assert spy.unrealized_pnl == Decimal("497.50")
    tlt = account.position("TLT")
    assert tlt is not None
    assert tlt.qty == Decimal("2.5")
    assert all(isinstance(p.qty, Decimal) for p in account.positions)


def test_margin_buying_power_is_never_counted_as_cash(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    """Open buy orders hold buying power; the rest is capped at cash (SPEC §12)."""
    server = make_server(cash="1000", prices={"SPY": ["100"]}, tick_seconds=None)
    broker = make_broker(server)
    from alchemiser.domain.trading import OrderRequest, OrderType, Side

    broker.submit_order(
        OrderRequest(
            "hold-1", Symbol("SPY"), Side.BUY, Decimal("3"), OrderType.LIMIT, Decimal("90")
        )
    )
    account = broker.account()
    assert account.cash == Decimal("1000")
    assert account.buying_power == Decimal("730")  # 1000 − 3 × 90 held for the open buy


def test_blocked_account_is_reported(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    server.trading_blocked = True
    assert not make_broker(server).account().can_trade


def test_asset_fractionability_and_unknown_symbol(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server(
        prices={"SPY": ["500"], "BRKA": ["700000"]},
        assets=[AssetInfo("BRKA", fractionable=False, exchange="NYSE")],
    )
    broker = make_broker(server)
    assert broker.asset(Symbol("SPY")).fractionable
    assert not broker.asset(Symbol("BRKA")).fractionable
    with pytest.raises(OrderRejectedError, match="NOPE"):
        broker.asset(Symbol("NOPE"))


def test_clock_and_calendar(make_server: ServerFactory, make_broker: BrokerFactory) -> None:
    broker = make_broker(make_server(clock_speed=0))
    clock = broker.clock()
    # Test server time: Tue 24 Nov 2026 15:50 New York (EST, UTC−5).
    assert clock.now == dt.datetime(2026, 11, 24, 20, 50, tzinfo=UTC)
    assert clock.is_open
    assert clock.next_close == dt.datetime(2026, 11, 24, 21, 0, tzinfo=UTC)
    assert clock.next_open == dt.datetime(2026, 11, 25, 14, 30, tzinfo=UTC)
    sessions = broker.sessions(dt.date(2026, 11, 25), dt.date(2026, 11, 30))
    assert [(s.date, s.close) for s in sessions] == [
        (dt.date(2026, 11, 25), dt.datetime(2026, 11, 25, 21, 0, tzinfo=UTC)),
        (dt.date(2026, 11, 27), dt.datetime(2026, 11, 27, 18, 0, tzinfo=UTC)),  # early close
        (dt.date(2026, 11, 30), dt.datetime(2026, 11, 30, 21, 0, tzinfo=UTC)),
    ]


def test_latest_quotes(make_server: ServerFactory, make_broker: BrokerFactory) -> None:
    server = make_server(prices={"SPY": ["500"], "QQQ": ["0.5"]}, half_spread="0.01")
    broker = make_broker(server)
    quotes = broker.quotes([Symbol("SPY"), Symbol("QQQ"), Symbol("MISSING")])
    assert set(quotes) == {"SPY", "QQQ"}
    assert (quotes[Symbol("SPY")].bid, quotes[Symbol("SPY")].ask) == (
        Decimal("499.99"),
        Decimal("500.01"),
    )
    assert quotes[Symbol("QQQ")].mid == Decimal("0.5")
    with pytest.raises(DataError, match="MISSING"):
        broker.quote(Symbol("MISSING"))


def test_wrong_keys_raise_authentication_error_without_the_secret(
    make_server: ServerFactory, make_broker: BrokerFactory
) -> None:
    server = make_server()
    broker = make_broker(server)  # holds the original pair
    good_secret = server.secret_key
    server.secret_key = "rotated-secret-on-the-server"
    with pytest.raises(AuthenticationError) as caught:
        broker.account()
    assert "401" in caught.value.message
    assert good_secret not in str(caught.value)
    assert good_secret not in repr(caught.value.context)
