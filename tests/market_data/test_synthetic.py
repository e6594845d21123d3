"""The offline synthetic market: reproducible, shaped like a real one, and covering every ticker."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import numpy as np
import pytest
import talib

from alchemiser.domain.errors import DataError
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket, synthetic_history

TODAY = dt.date(2026, 11, 20)
DAILY_FEE = 0.0095 / 252  # documented expense ratio of the leveraged funds, charged daily


@pytest.fixture(scope="module")
def market() -> SyntheticMarket:
    return SyntheticMarket(7, today=TODAY)


def daily_returns(history_close: np.ndarray) -> np.ndarray:
    return history_close[1:] / history_close[:-1] - 1.0


def test_same_seed_same_market_and_other_seed_differs() -> None:
    tickers = ["SPY", "TQQQ", "UVXY", "TLT", "ZZZQ"]
    a = SyntheticMarket(11, today=TODAY).history(tickers)
    b = SyntheticMarket(11, today=TODAY).history(tickers)
    c = SyntheticMarket(12, today=TODAY).history(tickers)
    np.testing.assert_array_equal(a.close, b.close)
    np.testing.assert_array_equal(a.dates, b.dates)
    assert not np.allclose(a.close, c.close)


def test_adding_sessions_never_changes_the_past() -> None:
    early = SyntheticMarket(3, today=dt.date(2023, 6, 30)).history(["SPY", "SOXL", "KMLM"])
    late = SyntheticMarket(3, today=TODAY).history(["SPY", "SOXL", "KMLM"])
    np.testing.assert_array_equal(early.close, late.close[: len(early)])


def test_covers_25_years_of_nyse_sessions(market: SyntheticMarket) -> None:
    h = market.history(["SPY"])
    assert h.last_date == TODAY  # a Friday session
    assert (h.last_date - h.first_date).days > 25 * 365
    days = set(h.dates.astype(str))
    assert "2024-07-03" in days  # early close is still a session
    assert not {"2024-07-04", "2025-01-09", "2024-12-25"} & days
    assert h.synthetic
    assert h.source == "synthetic"


@pytest.mark.parametrize(
    ("fund", "underlying", "multiple"),
    [
        ("TQQQ", "QQQ", 3),
        ("SQQQ", "QQQ", -3),
        ("PSQ", "QQQ", -1),
        ("UPRO", "SPY", 3),
        ("SPXL", "SPY", 3),
        ("SOXL", "SOXX", 3),
        ("SOXS", "SOXX", -3),
        ("TECL", "XLK", 3),
        ("TECS", "XLK", -3),
        ("TMF", "TLT", 3),
        ("UVXY", "VIXY", 1.5),
    ],
)
def test_leveraged_funds_are_daily_multiples_minus_fee(
    market: SyntheticMarket, fund: str, underlying: str, multiple: float
) -> None:
    h = market.history([fund, underlying])
    lev = daily_returns(h.closes(fund))
    base = daily_returns(h.closes(underlying))
    np.testing.assert_allclose(lev + DAILY_FEE, multiple * base, rtol=0, atol=1e-9)
    assert np.all(h.closes(fund) > 0)


def test_volatility_products_jump_on_drawdowns_and_decay_otherwise(market: SyntheticMarket) -> None:
    h = market.history(["SPY", "UVXY", "VIXY", "VXX", "SVIX"])
    spy = daily_returns(h.closes("SPY"))
    crash = spy < -0.03
    assert crash.sum() >= 20  # the market does have crash days
    for ticker in ("UVXY", "VIXY", "VXX"):
        r = daily_returns(h.closes(ticker))
        assert r[crash].mean() > 0.05
        assert (r[crash] > 0).mean() > 0.95
        assert np.median(r[~crash]) < 0  # contango decay on ordinary days
    assert daily_returns(h.closes("SVIX"))[crash].mean() < -0.05
    uvxy = h.closes("UVXY")
    assert uvxy[-1] / uvxy[0] < 1e-3  # long-run decay of a leveraged long-vol fund


def test_bonds_hedge_and_cash_barely_moves(market: SyntheticMarket) -> None:
    h = market.history(["SPY", "TLT", "IEF", "BIL", "SHV"])
    spy, tlt, ief = (daily_returns(h.closes(t)) for t in ("SPY", "TLT", "IEF"))
    assert np.corrcoef(spy, tlt)[0, 1] < -0.1
    assert tlt.std() > ief.std() > 0  # longer duration, more volatile
    for cash in ("BIL", "SHV"):
        r = daily_returns(h.closes(cash))
        assert np.abs(r).max() < 0.002
        assert 0.0 < r.mean() * 252 < 0.07


def test_market_has_bull_and_bear_regimes_and_rsi_extremes(market: SyntheticMarket) -> None:
    """What the built-in strategies branch on: SPY vs its 200-day mean, RSI(10) extremes."""
    h = market.history(["SPY", "TQQQ", "UVXY", "XLK", "KMLM"])
    spy = h.closes("SPY")
    sma = talib.SMA(spy, 200)
    above = (spy > sma)[199:]
    assert 0.5 < above.mean() < 0.9
    for ticker in ("SPY", "TQQQ", "XLK"):
        rsi = talib.RSI(h.closes(ticker), 10)[10:]
        assert (rsi > 79).mean() > 0.01, ticker
        assert (rsi < 31).mean() > 0.01, ticker
    assert (talib.RSI(h.closes("UVXY"), 10)[10:] > 84).any()
    stdev = talib.STDDEV(daily_returns(spy) * 100, 10)[9:]
    assert (stdev > 2.5).mean() > 0.01  # nuclear's turbulence gate
    spy_years = (h.dates[-1] - h.dates[0]).astype(int) / 365.25
    cagr = (spy[-1] / spy[0]) ** (1 / spy_years) - 1
    assert 0.02 < cagr < 0.16
    assert np.max(1 - spy / np.maximum.accumulate(spy)) > 0.3  # at least one real bear market


def test_unknown_tickers_get_a_stable_stock_profile() -> None:
    a = SyntheticMarket(5, today=TODAY).history(["NOSUCHCO"])
    b = SyntheticMarket(5, today=TODAY).history(["nosuchco"])
    np.testing.assert_array_equal(a.close, b.close)
    assert a.tickers == ("NOSUCHCO",)
    vol = daily_returns(a.closes("NOSUCHCO")).std() * np.sqrt(252)
    assert 0.15 < vol < 1.2


def test_bad_ticker_and_empty_range_are_clear_errors(market: SyntheticMarket) -> None:
    with pytest.raises(DataError, match="'SP Y' is not a ticker"):
        market.history(["SP Y"])
    with pytest.raises(DataError, match="no synthetic sessions"):
        market.history(["SPY"], dt.date(2025, 1, 9), dt.date(2025, 1, 9))  # Carter funeral
    with pytest.raises(DataError, match="no synthetic sessions"):
        market.history(["SPY"], dt.date(2025, 3, 1), dt.date(2025, 2, 1))


def test_range_and_latest_prices(market: SyntheticMarket) -> None:
    h = market.history(["SPY", "QQQ"], dt.date(2024, 12, 20), dt.date(2025, 1, 10))
    assert h.dates.astype(str).tolist() == [
        "2024-12-20", "2024-12-23", "2024-12-24", "2024-12-26", "2024-12-27", "2024-12-30",
        "2024-12-31", "2025-01-02", "2025-01-03", "2025-01-06", "2025-01-07", "2025-01-08",
        "2025-01-10",
    ]  # fmt: skip
    latest = market.latest_prices(["SPY", "qqq"])
    full = market.history(["SPY", "QQQ"])
    assert latest == {"SPY": full.last_close("SPY"), "QQQ": full.last_close("QQQ")}


def test_synthetic_history_helper() -> None:
    h = synthetic_history(["SPY", "TLT"], sessions=30, end=dt.date(2025, 6, 30), seed=1)
    assert len(h) == 30
    assert h.last_date == dt.date(2025, 6, 30)
    assert h.synthetic
    h2 = synthetic_history(["SPY"], start=dt.date(2020, 1, 1), end=dt.date(2020, 12, 31))
    assert len(h2) == 253  # NYSE sessions in 2020


_ASSET = re.compile(r'\(asset\s+"([^"]+)"')
_INDICATOR = re.compile(
    r"\((?:rsi|moving-average-price|exponential-moving-average-price|cumulative-return|"
    r"moving-average-return|stdev-return|stdev-price|max-drawdown|current-price)\s+\"([^\"]+)\""
)


def test_every_symphony_ticker_gets_history(symphonies_dir: Path, market: SyntheticMarket) -> None:
    tickers: set[str] = set()
    for path in symphonies_dir.glob("*.clj"):
        text = path.read_text()
        tickers.update(_ASSET.findall(text))
        tickers.update(_INDICATOR.findall(text))
    assert len(tickers) > 500
    h = market.history(sorted(tickers))
    assert h.close.shape == (len(h.dates), len(tickers))
    assert np.isfinite(h.close).all()
    assert (h.close > 0).all()


def test_synthetic_market_passes_the_quality_gate(market: SyntheticMarket) -> None:
    from alchemiser.domain.market.quality import check_quality
    from alchemiser.infrastructure.calendar import nyse_calendar

    tickers = ["SPY", "TQQQ", "SOXL", "SOXS", "UVXY", "UVIX", "SVIX", "TMF", "BIL", "NVDL", "ZZZQ"]
    h = market.history(tickers)
    sessions = nyse_calendar().sessions(h.first_date, h.last_date)
    assert check_quality(h, expected_last_session=TODAY, sessions=sessions) == []


def test_built_in_strategies_visit_every_holding_over_the_years(market: SyntheticMarket) -> None:
    """The market is rich enough for every branch: each asset of Nuclear and TECL is held on
    some day, and nearly every one of KLM's (whose variants are picked by a volatility filter)."""
    builtins = pytest.importorskip("alchemiser.domain.symphony.builtins")
    evaluator = pytest.importorskip("alchemiser.domain.symphony.evaluator")
    from alchemiser.domain.symphony.tree import Asset, walk

    for name, least in (("nuclear", 1.0), ("tecl", 1.0), ("klm", 0.9)):
        symphony = builtins.builtin(name)
        h = market.history(sorted(evaluator.required_tickers(symphony)))
        allocation = evaluator.evaluate(symphony, h)
        weights = np.asarray(allocation.weights)[np.asarray(allocation.defined)]
        held = {t for j, t in enumerate(allocation.tickers) if np.any(weights[:, j] > 0)}
        leaves = {n.ticker for n in walk(symphony.root) if isinstance(n, Asset)}
        assert len(leaves & held) >= least * len(leaves), (name, sorted(leaves - held))
