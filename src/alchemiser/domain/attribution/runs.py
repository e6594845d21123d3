"""A whole run's attribution, a failed sleeve's frozen share, and the per-sleeve report view."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from decimal import Decimal

from alchemiser.domain.attribution.book import UNASSIGNED, AttributionBook, SleeveTrade
from alchemiser.domain.attribution.split import FillSlice, attribute_symbol, split_quantity
from alchemiser.domain.errors import StrategyError
from alchemiser.domain.trading import Fill

ZERO = Decimal(0)


def attribute_fills(
    deltas: Mapping[str, Mapping[str, Decimal]],
    cross_prices: Mapping[str, Decimal],
    fills: Sequence[Fill],
) -> list[SleeveTrade]:
    """Every symbol's sleeve trades for one run: crossings at the decision price, fills pro rata."""
    by_symbol: dict[str, list[FillSlice]] = {}
    for fill in fills:
        by_symbol.setdefault(str(fill.symbol), []).append(FillSlice(fill.signed_qty, fill.price))
    trades: list[SleeveTrade] = []
    for symbol in sorted(set(deltas) | set(by_symbol)):
        slices = by_symbol.get(symbol, [])
        price = cross_prices.get(symbol) or (slices[0].price if slices else ZERO)
        trades += attribute_symbol(symbol, deltas.get(symbol, {}), slices, price)
    return trades


def apply_fills(book: AttributionBook, trades: Sequence[SleeveTrade]) -> list[SleeveTrade]:
    """Apply a run's sleeve trades to `book`; returns the trades as applied.

    A sale the sleeves did not ask for goes to UNASSIGNED, which may hold none of it (the plan
    valued the account a little differently from the sleeves): what UNASSIGNED lacks is taken
    from the other holders pro rata to their holdings (after their own trades of the run), at
    the fill price, so the book keeps matching the account instead of failing a run that has
    already traded.
    """
    applied: list[SleeveTrade] = []
    for trade in sorted(trades, key=lambda t: t.sleeve == UNASSIGNED and t.qty < 0):
        pieces = [trade]
        if trade.sleeve == UNASSIGNED and trade.qty < 0:
            own = min(book.qty(UNASSIGNED, trade.symbol), -trade.qty)
            pieces = [replace(trade, qty=-own)] if own > 0 else []
            holders = {
                name: ledger.holdings[trade.symbol].qty
                for name, ledger in book.sleeves.items()
                if name != UNASSIGNED and trade.symbol in ledger.holdings
            }
            short = min(-trade.qty - own, sum(holders.values(), ZERO))
            split = split_quantity(short, holders) if short > 0 else {}
            taken = [
                replace(trade, sleeve=name, qty=-qty, fee=ZERO)
                for name, qty in sorted(split.items())
                if qty
            ]
            if taken and not pieces:  # the fee is charged once, to the first piece
                taken[0] = replace(taken[0], fee=trade.fee)
            pieces += taken
        book.apply(pieces)
        applied += pieces
    return applied


def keep_failed_sleeves(
    attribution: Mapping[str, Mapping[str, float]],
    allocations: Mapping[str, float],
    kept: Mapping[str, Mapping[str, float]],
) -> tuple[dict[str, float], dict[str, dict[str, float]]]:
    """The target when failed sleeves keep their holdings (StrategySettings keep policy).

    `attribution` is the blend of the sleeves that worked (ticker → sleeve → weight); `kept` is
    each failed sleeve's holdings as shares of the investable value. The kept shares are frozen;
    the working sleeves get their usual allocation, shrunk pro rata only when the frozen shares
    leave less room. Whatever is left stays in cash — never silently given to another sleeve.
    Returns (weights, attribution).
    """
    kept_share = sum(w for by in kept.values() for w in by.values())
    if kept_share > 1:
        failed = sorted(kept)
        raise StrategyError(
            f"failed sleeve(s) {', '.join(failed)} hold {kept_share:.1%} of the investable "
            "value; their holdings cannot be kept",
            context={"sleeves": failed},
            suggested_action="Fix the failed sleeve, or use on_sleeve_failure = stop.",
        )
    working = sum(a for name, a in allocations.items() if name not in kept)
    scale = min(1.0, (1 - kept_share) / working) if working else 0.0
    merged = {t: {n: w * scale for n, w in by.items()} for t, by in attribution.items()}
    for name, by_symbol in kept.items():
        for symbol, share in by_symbol.items():
            merged.setdefault(symbol, {})[name] = share
    weights = {t: sum(by.values()) for t, by in merged.items()}
    return {t: w for t, w in weights.items() if w > 0}, merged


def sleeve_view(
    book: AttributionBook, prices: Mapping[str, Decimal]
) -> dict[str, dict[str, object]]:
    """Each sleeve's holdings and P&L, for reports (status, trade summary)."""
    view: dict[str, dict[str, object]] = {}
    for name, ledger in sorted(book.sleeves.items()):
        priced = {s: prices[s] for s in ledger.holdings if s in prices}
        view[name] = {
            "holdings": {
                s: {
                    "qty": h.qty,
                    "avg_cost": h.average_cost,
                    "market_value": h.qty * priced[s] if s in priced else None,
                }
                for s, h in sorted(ledger.holdings.items())
            },
            "realized_pnl": ledger.realized,
            "unrealized_pnl": sum(
                (h.qty * priced[s] - h.cost for s, h in ledger.holdings.items() if s in priced),
                ZERO,
            ),
        }
    return view
