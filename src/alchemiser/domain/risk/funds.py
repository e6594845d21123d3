"""The fund table the exposure rules read: each leveraged, inverse or volatility fund's daily
multiple and what it tracks (SPEC §14).

The table ships with the project as `funds.csv` beside this module, so live runs, signals and
backtests count exposure from one list. A ticker that is not listed counts as an unleveraged long
fund (multiple 1): the rules then under-count a leveraged fund nobody listed, so extend the file
when a symphony trades a new one.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from importlib import resources

from alchemiser.domain.errors import ConfigurationError

TABLE_FILE = "funds.csv"


@dataclass(frozen=True, slots=True)
class FundInfo:
    ticker: str
    underlying: str
    multiple: float
    """The daily multiple the fund targets; negative for an inverse fund (SQQQ = −3)."""
    kind: str
    """`leveraged` or `volatility` (a VIX-futures product, whatever its multiple)."""

    @property
    def leverage(self) -> float:
        """|multiple|: an inverse fund counts its absolute multiple towards exposure."""
        return abs(self.multiple)

    @property
    def inverse(self) -> bool:
        return self.multiple < 0

    @property
    def volatility(self) -> bool:
        return self.kind == "volatility"


UNLISTED_LEVERAGE = 1.0


def parse_fund_table(text: str, source: str = TABLE_FILE) -> dict[str, FundInfo]:
    """Rows of `ticker,underlying,multiple,kind`; `#` lines are comments. Bad rows are a
    ConfigurationError naming the line, so an edited table cannot silently count 1x."""
    lines = [line for line in text.splitlines() if line.strip() and not line.startswith("#")]
    table: dict[str, FundInfo] = {}
    for number, row in enumerate(csv.DictReader(io.StringIO("\n".join(lines))), start=2):
        try:
            ticker = row["ticker"].strip().upper()
            multiple = float(row["multiple"])
            kind = row["kind"].strip()
            underlying = row["underlying"].strip()
        except (KeyError, ValueError, AttributeError) as exc:
            raise ConfigurationError(
                f"{source}: row {number} is not `ticker,underlying,multiple,kind`: {row}",
                context={"file": source, "line": number},
            ) from exc
        if kind not in ("leveraged", "volatility") or multiple == 0 or not ticker:
            raise ConfigurationError(
                f"{source}: row {number} ({ticker}): kind must be leveraged or volatility and "
                f"the multiple non-zero, got {kind!r} and {multiple}",
                context={"file": source, "line": number, "ticker": ticker},
            )
        table[ticker] = FundInfo(ticker, underlying, multiple, kind)
    return table


@cache
def fund_table() -> Mapping[str, FundInfo]:
    """The shipped table, read once per process."""
    text = resources.files(__package__).joinpath(TABLE_FILE).read_text(encoding="utf-8")
    return parse_fund_table(text)


def leverage_of(ticker: str, table: Mapping[str, FundInfo] | None = None) -> float:
    fund = (fund_table() if table is None else table).get(ticker.upper())
    return UNLISTED_LEVERAGE if fund is None else fund.leverage


def is_inverse_or_volatility(ticker: str, table: Mapping[str, FundInfo] | None = None) -> bool:
    fund = (fund_table() if table is None else table).get(ticker.upper())
    return fund is not None and (fund.inverse or fund.volatility)
