"""What each sleeve wants to trade in one run, from its share of the blended target."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from decimal import Decimal

from alchemiser.domain.attribution.book import AttributionBook
from alchemiser.domain.attribution.split import QTY_QUANTUM

ZERO = Decimal(0)


def sleeve_deltas(
    contributions: Mapping[str, Mapping[str, float]],
    investable: Decimal,
    prices: Mapping[str, Decimal],
    book: AttributionBook,
    keep: Collection[str] = (),
) -> dict[str, dict[str, Decimal]]:
    """symbol → sleeve → signed quantity (its target quantity minus its virtual holding).

    `contributions` is symbol → sleeve → that sleeve's part of the target weight (allocation ×
    weight inside the sleeve). Sleeves in `keep` (failed, configured to keep their holdings)
    want nothing; everything else a sleeve holds but no longer targets is to be sold, and
    UNASSIGNED always wants to be empty.
    """
    out: dict[str, dict[str, Decimal]] = {}
    for symbol, by_sleeve in contributions.items():
        for sleeve, weight in by_sleeve.items():
            if sleeve in keep or weight == 0:
                continue
            price = prices[symbol]
            target = (investable * Decimal(repr(weight)) / price).quantize(QTY_QUANTUM)
            out.setdefault(symbol, {})[sleeve] = target
    for name, ledger in book.sleeves.items():
        if name in keep:
            continue
        for symbol, holding in ledger.holdings.items():
            row = out.setdefault(symbol, {})
            row[name] = row.get(name, ZERO) - holding.qty
    return {s: {k: v for k, v in row.items() if v != 0} for s, row in out.items()}
