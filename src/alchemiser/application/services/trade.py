"""The `trade` use case: preview the cycle, run it, price the sleeve books, publish the report.

    service.preview()   # a dry run of today's cycle: what would be traded (nothing is placed)
    service.execute()   # the cycle itself (or a dry run), then its report to every channel

The CLI only asks for the live confirmation between the two; everything else happens here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.notifications import NotificationDispatcher
from alchemiser.application.ports.ledger import Ledger
from alchemiser.application.results.run import RunResult
from alchemiser.application.run_reporting import ReportFileWriter, publish_run_report
from alchemiser.application.services.run_result import run_result
from alchemiser.application.services.views import sleeve_books
from alchemiser.application.trading_engine import CycleRequest, CycleResult, TradingEngine
from alchemiser.domain.portfolio.sleeves import PortfolioSpec


@dataclass(frozen=True, slots=True)
class TradeRequest:
    portfolio: PortfolioSpec
    mode: str
    """sim, paper or live."""
    config: Mapping[str, Any]
    """The effective settings, secrets masked (stored with the run)."""
    force: bool = False


class TradeService:
    def __init__(
        self,
        *,
        engine: TradingEngine,
        ledger: Ledger,
        account: str,
        dispatcher: NotificationDispatcher,
        errors: ErrorHandler,
        report_writer: ReportFileWriter | None,
        now: Callable[[], dt.datetime] = lambda: dt.datetime.now(dt.UTC),
    ) -> None:
        self._engine = engine
        self._ledger = ledger
        self._account = account
        self._dispatcher = dispatcher
        self._errors = errors
        self._report_writer = report_writer
        self._now = now

    def preview(self, request: TradeRequest) -> RunResult:
        """Today's cycle as a dry run, unpublished: what a person confirms before live trading."""
        return self._result(self._run(request, dry_run=True))

    def execute(self, request: TradeRequest, *, dry_run: bool = False) -> RunResult:
        """Run the cycle (a dry run places nothing), then send and file its report."""
        result = self._result(self._run(request, dry_run=dry_run))
        path = publish_run_report(
            result,
            dispatcher=self._dispatcher,
            ledger=self._ledger,
            errors=self._errors,
            write_file=self._report_writer,
        )
        return result.model_copy(update={"report_file": _text(path)})

    def _run(self, request: TradeRequest, *, dry_run: bool) -> CycleResult:
        return self._engine.run(
            CycleRequest(
                request.portfolio,
                request.mode,
                request.config,
                dry_run=dry_run,
                force=request.force,
            )
        )

    def _result(self, cycle: CycleResult) -> RunResult:
        book = self._ledger.load_book(self._account)
        return run_result(cycle, sleeve_books(book, _prices(cycle)), finished_at=self._now())


def _prices(cycle: CycleResult) -> dict[str, Decimal]:
    """The run's own prices: decision prices of the plan, overridden by the account's marks."""
    outcome = cycle.outcome
    prices: dict[str, Decimal] = {}
    if outcome is None:
        return prices
    prices |= {str(t.symbol): t.price for t in outcome.plan.trades}
    account = outcome.account_after or outcome.account_before
    prices |= {str(p.symbol): p.market_price for p in account.positions}
    return prices


def _text(path: Path | None) -> str | None:
    return None if path is None else str(path)
