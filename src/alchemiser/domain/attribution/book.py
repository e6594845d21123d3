"""Virtual per-sleeve holdings with average cost and realised P&L.

Costs are kept as exact Decimal totals (not per-share averages) so that selling part of a
holding removes a rounded share of the cost while `cost − realised` over all sleeves stays
exactly the net cash put into trades: the sum over sleeves reconciles with the account.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from decimal import Decimal

from alchemiser.domain.errors import CorruptStateError

UNASSIGNED = "_unassigned"
"""Positions no sleeve owns: held before Alchemiser, bought by hand, or a book out of step."""

COST_QUANTUM = Decimal("0.000000001")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class SleeveTrade:
    """A signed quantity (+ buy, − sell) a sleeve takes at a price.

    kind: "fill" (its share of an account fill), "cross" (an internal transfer between sleeves
    at the decision price) or "reconcile" (adopting or releasing what the account differs by).
    """

    sleeve: str
    symbol: str
    qty: Decimal
    price: Decimal
    fee: Decimal = ZERO
    kind: str = "fill"


@dataclass(frozen=True, slots=True)
class SleeveHolding:
    qty: Decimal
    cost: Decimal

    @property
    def average_cost(self) -> Decimal:
        return self.cost / self.qty if self.qty else ZERO


@dataclass(slots=True)
class SleeveLedger:
    name: str
    holdings: dict[str, SleeveHolding] = field(default_factory=dict)
    realized: Decimal = ZERO

    def market_value(self, prices: Mapping[str, Decimal]) -> Decimal:
        return sum((h.qty * _price(prices, s) for s, h in self.holdings.items()), ZERO)

    def unrealized(self, prices: Mapping[str, Decimal]) -> Decimal:
        return sum((h.qty * _price(prices, s) - h.cost for s, h in self.holdings.items()), ZERO)


class AttributionBook:
    """All sleeves' virtual holdings. Mutated only by `apply`, which keeps every invariant."""

    def __init__(self, sleeves: Iterable[SleeveLedger] = ()) -> None:
        self.sleeves: dict[str, SleeveLedger] = {s.name: s for s in sleeves}

    def sleeve(self, name: str) -> SleeveLedger:
        if name not in self.sleeves:
            self.sleeves[name] = SleeveLedger(name)
        return self.sleeves[name]

    def qty(self, sleeve: str, symbol: str) -> Decimal:
        ledger = self.sleeves.get(sleeve)
        holding = ledger.holdings.get(symbol) if ledger else None
        return holding.qty if holding else ZERO

    def totals(self) -> dict[str, Decimal]:
        """Quantity per symbol summed over sleeves (what the account should hold)."""
        out: dict[str, Decimal] = {}
        for ledger in self.sleeves.values():
            for symbol, holding in ledger.holdings.items():
                out[symbol] = out.get(symbol, ZERO) + holding.qty
        return {s: q for s, q in out.items() if q != 0}

    def apply(self, trades: Iterable[SleeveTrade]) -> None:
        for trade in trades:
            self._apply_one(trade)

    def _apply_one(self, trade: SleeveTrade) -> None:
        ledger = self.sleeve(trade.sleeve)
        held = ledger.holdings.get(trade.symbol, SleeveHolding(ZERO, ZERO))
        if trade.qty > 0:
            new = SleeveHolding(
                held.qty + trade.qty, held.cost + trade.qty * trade.price + trade.fee
            )
        else:
            sold = -trade.qty
            if sold > held.qty:
                raise CorruptStateError(
                    f"sleeve {trade.sleeve!r} would sell {sold} {trade.symbol} but holds "
                    f"{held.qty}",
                    context={"sleeve": trade.sleeve, "ticker": trade.symbol},
                    suggested_action="Run `alchemiser status` to re-reconcile the sleeve book.",
                )
            removed = (
                held.cost
                if sold == held.qty
                else (held.cost * sold / held.qty).quantize(COST_QUANTUM)
            )
            ledger.realized += sold * trade.price - trade.fee - removed
            new = SleeveHolding(held.qty - sold, held.cost - removed)
        if new.qty == 0:
            ledger.holdings.pop(trade.symbol, None)
        else:
            ledger.holdings[trade.symbol] = new

    def reconcile(
        self, positions: Mapping[str, Decimal], prices: Mapping[str, Decimal]
    ) -> list[SleeveTrade]:
        """Trades that bring the book's totals to the account's positions (the truth).

        Extra shares are adopted by UNASSIGNED at the current price; missing shares are released
        by UNASSIGNED first, then by the sleeves pro rata to what they hold.
        """
        from alchemiser.domain.attribution.split import split_quantity

        trades: list[SleeveTrade] = []
        totals = self.totals()
        for symbol in sorted(set(totals) | {s for s, q in positions.items() if q != 0}):
            diff = positions.get(symbol, ZERO) - totals.get(symbol, ZERO)
            if diff == 0:
                continue
            price = _price(prices, symbol)
            if diff > 0:
                trades.append(SleeveTrade(UNASSIGNED, symbol, diff, price, kind="reconcile"))
                continue
            short = -diff
            spare = self.qty(UNASSIGNED, symbol)
            if spare > 0:
                take = min(spare, short)
                trades.append(SleeveTrade(UNASSIGNED, symbol, -take, price, kind="reconcile"))
                short -= take
            if short > 0:
                holders = {
                    name: ledger.holdings[symbol].qty
                    for name, ledger in self.sleeves.items()
                    if name != UNASSIGNED and symbol in ledger.holdings
                }
                pieces = split_quantity(short, holders)
                trades += [
                    SleeveTrade(name, symbol, -q, price, kind="reconcile")
                    for name, q in sorted(pieces.items())
                    if q
                ]
        self.apply(trades)
        return trades

    def copy(self) -> AttributionBook:
        return AttributionBook(replace(s, holdings=dict(s.holdings)) for s in self.sleeves.values())


def _price(prices: Mapping[str, Decimal], symbol: str) -> Decimal:
    try:
        return prices[symbol]
    except KeyError:
        raise CorruptStateError(
            f"no price for {symbol} to value the sleeve book",
            context={"ticker": symbol},
            suggested_action="Check the market data source for this ticker.",
        ) from None
