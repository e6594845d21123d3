"""Engine values → result records: the one place each projection is written.

Every service builds its result with these, so a sleeve, a target line, an account or an error
looks the same in `signal`, `trade`, `status` and `history`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from alchemiser.application.error_handler import ErrorRecord
from alchemiser.application.results.account import (
    AccountView,
    PositionView,
    SleeveBookView,
    SleeveHoldingView,
)
from alchemiser.application.results.common import ErrorView, json_safe
from alchemiser.application.results.signal import ExplanationLine, SleeveSignalView, TargetLine
from alchemiser.domain.attribution import AttributionBook
from alchemiser.domain.trading import AccountSnapshot, Position

if TYPE_CHECKING:  # `status` evaluates no strategy: the engine stays unloaded (start-up)
    from alchemiser.application.strategy_manager import PortfolioSignal
    from alchemiser.domain.symphony.explain import ExplanationStep

ZERO = Decimal(0)


def explanation_lines(steps: Iterable[ExplanationStep]) -> list[ExplanationLine]:
    return [
        ExplanationLine(
            depth=s.depth,
            kind=s.kind,
            summary=s.summary,
            share=s.share,
            defined=s.defined,
            details=json_safe(dict(s.details)),
            line=s.position[0] if s.position else None,
            column=s.position[1] if s.position else None,
        )
        for s in steps
    ]


def sleeve_views(signal: PortfolioSignal) -> list[SleeveSignalView]:
    """Every sleeve in portfolio order, failed ones included (ok false, error set)."""
    views: list[SleeveSignalView] = []
    for name, allocation in signal.allocations.items():
        if name in signal.sleeves:
            s = signal.sleeves[name]
            views.append(
                SleeveSignalView(
                    sleeve=name,
                    symphony=s.symphony,
                    name=s.name,
                    allocation=allocation,
                    ok=True,
                    as_of=s.as_of,
                    warmed_up=s.warmed_up,
                    weights=dict(sorted(s.weights.items(), key=lambda kv: (-kv[1], kv[0]))),
                    explanation=explanation_lines(s.explanation),
                )
            )
        elif name in signal.errors:
            e = signal.errors[name]
            views.append(
                SleeveSignalView(
                    sleeve=name,
                    symphony=e.symphony,
                    name=None,
                    allocation=allocation,
                    ok=False,
                    as_of=None,
                    warmed_up=None,
                    weights={},
                    explanation=explanation_lines(e.explanation),
                    error=e.message,
                    error_category=e.category,
                    suggested_action=e.suggested_action,
                )
            )
    return views


def target_lines(
    weights: Mapping[str, float], attribution: Mapping[str, Mapping[str, float]]
) -> list[TargetLine]:
    """Largest weight first, then by symbol."""
    return [
        TargetLine(symbol=t, weight=w, sleeves=dict(attribution.get(t, {})))
        for t, w in sorted(weights.items(), key=lambda kv: (-kv[1], kv[0]))
    ]


def position_view(p: Position, equity: Decimal) -> PositionView:
    return PositionView(
        symbol=str(p.symbol),
        qty=p.qty,
        market_price=p.market_price,
        market_value=p.market_value,
        avg_entry_price=p.avg_entry_price,
        weight=float(p.market_value / equity) if equity else None,
    )


def account_view(account: AccountSnapshot) -> AccountView:
    return AccountView(
        equity=account.equity,
        cash=account.cash,
        buying_power=account.buying_power,
        positions=[position_view(p, account.equity) for p in account.positions],
    )


def sleeve_books(book: AttributionBook, prices: Mapping[str, Decimal]) -> list[SleeveBookView]:
    """Each sleeve's holdings valued at `prices`; unrealised P&L counts priced holdings only."""
    views: list[SleeveBookView] = []
    for name, ledger in sorted(book.sleeves.items()):
        holdings = [
            SleeveHoldingView(
                symbol=s,
                qty=h.qty,
                avg_cost=h.average_cost,
                market_value=h.qty * prices[s] if s in prices else None,
            )
            for s, h in sorted(ledger.holdings.items())
        ]
        unrealized = sum(
            (h.qty * prices[s] - h.cost for s, h in ledger.holdings.items() if s in prices), ZERO
        )
        views.append(
            SleeveBookView(
                sleeve=name,
                holdings=holdings,
                realized_pnl=ledger.realized,
                unrealized_pnl=unrealized,
            )
        )
    return views


def error_view(record: ErrorRecord | Mapping[str, Any]) -> ErrorView:
    """An error record (live, or as the ledger stored it) as results show it."""
    if isinstance(record, ErrorRecord):
        return ErrorView(
            category=record.category,
            component=record.component,
            message=record.message,
            context=json_safe(record.context),
            suggested_action=record.suggested_action,
            timestamp=record.timestamp,
        )
    return ErrorView(
        category=record["category"],
        component=str(record.get("component", "")),
        message=str(record.get("message", "")),
        context=json_safe(dict(record.get("context") or {})),
        suggested_action=str(record.get("suggested_action", "")),
        timestamp=record.get("timestamp"),
    )
