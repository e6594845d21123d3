"""Splitting one symbol's trades among the sleeves that caused them (SPEC §10).

For one symbol in one run every sleeve has a signed quantity it wanted to trade (its delta: its
target quantity minus its virtual holding). The account only trades the net. So:

- sleeves on the side opposite to the net trade are satisfied internally: they cross with the
  sleeves on the net side at the decision price (no order needed for that part);
- every fill is split among the sleeves on its side in proportion to what they still want, so a
  partial fill leaves every causing sleeve proportionally short, never one sleeve first;
- whatever a fill brings beyond what the sleeves asked for (a book out of step with the account)
  belongs to the UNASSIGNED bucket, so the sum over sleeves always equals the account.

All arithmetic is Decimal with largest-remainder rounding at 1e-9 shares, so pieces always add up
exactly to the whole.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import ROUND_FLOOR, Decimal

from alchemiser.domain.attribution.book import UNASSIGNED, SleeveTrade

QTY_QUANTUM = Decimal("0.000000001")
ZERO = Decimal(0)


@dataclass(frozen=True, slots=True)
class FillSlice:
    """One execution of the account's order: signed quantity (+ buy, − sell) at a price."""

    qty: Decimal
    price: Decimal
    fee: Decimal = ZERO


def split_quantity(
    total: Decimal, weights: Mapping[str, Decimal], quantum: Decimal = QTY_QUANTUM
) -> dict[str, Decimal]:
    """`total` split in proportion to positive `weights`, pieces in multiples of `quantum`.

    Largest remainder (ties by name) so the pieces sum to `total` exactly; a sub-quantum leftover
    of an unusually precise total goes to the largest weight.
    """
    live = {k: w for k, w in weights.items() if w > 0}
    if not live or total == 0:
        return dict.fromkeys(live, ZERO)
    sign = Decimal(1) if total > 0 else Decimal(-1)
    magnitude = abs(total)
    weight_sum = sum(live.values(), ZERO)
    units = (magnitude / quantum).to_integral_value(rounding=ROUND_FLOOR)
    raw = {k: units * w / weight_sum for k, w in live.items()}
    floors = {k: v.to_integral_value(rounding=ROUND_FLOOR) for k, v in raw.items()}
    leftover = int(units - sum(floors.values(), ZERO))
    order = sorted(live, key=lambda k: (-(raw[k] - floors[k]), k))
    for k in order[:leftover]:
        floors[k] += 1
    pieces = {k: floors[k] * quantum for k in live}
    dust = magnitude - sum(pieces.values(), ZERO)
    if dust:
        biggest = max(live, key=lambda k: (live[k], k))
        pieces[biggest] += dust
    return {k: sign * v for k, v in pieces.items()}


def attribute_symbol(
    symbol: str,
    deltas: Mapping[str, Decimal],
    fills: Sequence[FillSlice],
    cross_price: Decimal,
) -> list[SleeveTrade]:
    """The sleeve trades that one symbol's wanted deltas and actual fills amount to."""
    trades: list[SleeveTrade] = []
    wanted = {k: v for k, v in deltas.items() if v != 0}
    net = sum(wanted.values(), ZERO)
    remaining = dict(wanted)
    if net == 0:
        sellers = {k: v for k, v in wanted.items() if v < 0}
        buyers = {k: v for k, v in wanted.items() if v > 0}
        trades += _cross(symbol, sellers, buyers, cross_price)
        remaining = {}
    else:
        net_side = {k: v for k, v in wanted.items() if (v > 0) == (net > 0)}
        opposite = {k: v for k, v in wanted.items() if (v > 0) != (net > 0)}
        if opposite:
            crossed = _cross(symbol, opposite, net_side, cross_price)
            trades += crossed
            for trade in crossed:
                remaining[trade.sleeve] -= trade.qty
        remaining = {k: v for k, v in remaining.items() if k in net_side and v != 0}
    for fill in fills:
        trades += _split_fill(symbol, fill, remaining)
    return trades


def _cross(
    symbol: str, givers: Mapping[str, Decimal], takers: Mapping[str, Decimal], price: Decimal
) -> list[SleeveTrade]:
    """Givers trade their whole delta; takers absorb the matching opposite quantity pro rata."""
    matched = sum(givers.values(), ZERO)
    if matched == 0 or not takers:
        return []
    received = split_quantity(-matched, {k: abs(v) for k, v in takers.items()})
    legs = dict(givers) | received  # disjoint: givers and takers are on opposite sides
    return [
        SleeveTrade(sleeve=k, symbol=symbol, qty=q, price=price, kind="cross")
        for k, q in sorted(legs.items())
        if q != 0
    ]


def _split_fill(symbol: str, fill: FillSlice, remaining: dict[str, Decimal]) -> list[SleeveTrade]:
    """One fill among the sleeves still wanting this side, capped at what each still wants."""
    side = {k: v for k, v in remaining.items() if (v > 0) == (fill.qty > 0) and v != 0}
    capacity = sum((abs(v) for v in side.values()), ZERO)
    attributed = (
        fill.qty if abs(fill.qty) <= capacity else (capacity if fill.qty > 0 else -capacity)
    )
    pieces = split_quantity(attributed, {k: abs(v) for k, v in side.items()}) if side else {}
    excess = fill.qty - sum(pieces.values(), ZERO)
    if excess:
        pieces[UNASSIGNED] = pieces.get(UNASSIGNED, ZERO) + excess
    fees = split_quantity(fill.fee, {k: abs(v) for k, v in pieces.items()}) if fill.fee else {}
    trades = []
    for sleeve, qty in sorted(pieces.items()):
        if qty == 0:
            continue
        if sleeve in remaining:
            remaining[sleeve] -= qty
        trades.append(
            SleeveTrade(
                sleeve=sleeve,
                symbol=symbol,
                qty=qty,
                price=fill.price,
                fee=fees.get(sleeve, ZERO),
                kind="fill",
            )
        )
    return trades
