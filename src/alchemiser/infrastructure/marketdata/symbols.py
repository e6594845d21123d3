"""One spelling of a ticker for every source and cache file name: stripped, upper case, checked."""

from __future__ import annotations

import re
from collections.abc import Sequence

from alchemiser.domain.errors import DataError

_TICKER = re.compile(r"^[A-Z0-9][A-Z0-9.\-/]{0,14}$")


def normalise_ticker(text: str) -> str:
    symbol = text.strip().upper()
    if not _TICKER.match(symbol):
        raise DataError(
            f"{text!r} is not a ticker symbol",
            context={"ticker": text},
            suggested_action="Use the exchange symbol, e.g. SPY or BRK.B.",
        )
    return symbol


def normalise_tickers(texts: Sequence[str]) -> list[str]:
    """Normalised, duplicates dropped, order kept."""
    return list(dict.fromkeys(normalise_ticker(t) for t in texts))
