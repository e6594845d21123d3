"""Display names of the funds the built-ins hold, so exports read like the originals.

Names never affect allocation (digests ignore them); a ticker without an entry exports as nil.
"""

from __future__ import annotations

from alchemiser.domain.symphony.builder import asset
from alchemiser.domain.symphony.tree import Asset

FUND_NAMES: dict[str, str] = {
    "AAPL": "Apple Inc.",
    "AMZN": "Amazon.com, Inc.",
    "BIL": "SPDR Bloomberg 1-3 Month T-Bill ETF",
    "BSV": "Vanguard Short-Term Bond ETF",
    "BTAL": "AGF U.S. Market Neutral Anti-Beta Fund",
    "FNGO": "MicroSectors FANG+ Index 2X Leveraged ETNs",
    "FNGU": "MicroSectors FANG+ Index 3X Leveraged ETN",
    "FTLS": "First Trust Long/Short Equity ETF",
    "GOOGL": "Alphabet Inc. Class A",
    "KMLM": "KFA Mount Lucas Managed Futures Index Strategy ETF",
    "LABD": "Direxion Daily S&P Biotech Bear 3X Shares",
    "LABU": "Direxion Daily S&P Biotech Bull 3X Shares",
    "MSFT": "Microsoft Corporation",
    "NVDA": "NVIDIA Corporation",
    "OKLO": "Oklo Inc. Class A",
    "PSQ": "ProShares Short QQQ",
    "QQQ": "Invesco QQQ Trust Series I",
    "SOXL": "Direxion Daily Semiconductor Bull 3x Shares",
    "SPLV": "Invesco S&P 500 Low Volatility ETF",
    "SPXL": "Direxion Daily S&P 500 Bull 3x Shares",
    "SQQQ": "ProShares UltraPro Short QQQ",
    "SVIX": "-1x Short VIX Futures ETF",
    "TECL": "Direxion Daily Technology Bull 3x Shares",
    "TLT": "iShares 20+ Year Treasury Bond ETF",
    "TQQQ": "ProShares UltraPro QQQ",
    "TSLA": "Tesla, Inc.",
    "TZA": "Direxion Daily Small Cap Bear 3x Shares",
    "UPRO": "ProShares UltraPro S&P500",
    "UUP": "Invesco DB US Dollar Index Bullish Fund",
    "UVXY": "ProShares Ultra VIX Short-Term Futures ETF",
    "VIXM": "ProShares VIX Mid-Term Futures ETF",
}


def fund(ticker: str) -> Asset:
    """An asset carrying its display name when we know it."""
    return asset(ticker, FUND_NAMES.get(ticker))


def funds(*tickers: str) -> list[Asset]:
    return [fund(t) for t in tickers]
