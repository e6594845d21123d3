"""Per-strategy attribution (SPEC §10): which sleeve owns which shares, at what cost, for what P&L.

The account only knows positions; sleeves are virtual. Every fill is split among the sleeves
that caused it, in exact Decimal arithmetic, so the sum over sleeves always equals the account.
"""

from alchemiser.domain.attribution.book import (
    UNASSIGNED,
    AttributionBook,
    SleeveHolding,
    SleeveLedger,
    SleeveTrade,
)
from alchemiser.domain.attribution.split import attribute_symbol, split_quantity

__all__ = [
    "UNASSIGNED",
    "AttributionBook",
    "SleeveHolding",
    "SleeveLedger",
    "SleeveTrade",
    "attribute_symbol",
    "split_quantity",
]
