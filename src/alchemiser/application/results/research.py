"""`symphony params`, `sweep` and many-file `backtest`: the published `--json` of research.

The research services compute `SweepResult` / `BatchBacktestResult` (with equity curves when
asked, for the Parquet and the report); these are what `--json` prints: the same rows with the
curves left out (`equity`/`equity_dates` null), plus the files written.
"""

from __future__ import annotations

from alchemiser.application.research.models import (
    BatchBacktestResult,
    DeflatedSharpeSummary,
    NeighbourhoodSummary,
    SurfaceModel,
    SweepResult,
    VariantResult,
    WalkForwardSummary,
)
from alchemiser.application.results.common import Record, Result


class ParameterView(Record):
    """One numeric literal of a symphony and the address `sweep --param` takes.
    `symphony params --json` prints a bare list of these (issue 18's interface)."""

    address: str
    value: int | float
    """An integer for windows and counts, else a number."""
    path: str
    kind: str
    """window, threshold, weight, count, …"""
    context: str
    indicator: str | None


def _without_curve(row: VariantResult) -> VariantResult:
    return row.model_copy(update={"equity": None, "equity_dates": None})


class SweepSummary(Result):
    """`alchemiser sweep --json`: `variants` (one row per variant) and `best` (the row with the
    highest Sharpe ratio), the neighbourhood of the original and the deflated Sharpe ratio."""

    symphony: str
    name: str
    mode: str
    """grid or random."""
    addresses: list[str]
    executor: str
    seconds: float
    variants: list[VariantResult]
    original: int
    best: VariantResult | None
    best_index: int | None
    failed: int
    deflated_sharpe: DeflatedSharpeSummary | None
    neighbourhood: NeighbourhoodSummary
    surfaces: list[SurfaceModel]
    walk_forward: WalkForwardSummary | None
    synthetic: bool
    source: str
    out: str | None
    """The Parquet written (--out), if any."""
    report: str | None
    """The HTML robustness report written (--report), if any."""

    @classmethod
    def of(cls, result: SweepResult, *, out: str | None, report: str | None) -> SweepSummary:
        variants = [_without_curve(v) for v in result.variants]
        return cls(
            symphony=result.symphony,
            name=result.name,
            mode=result.mode,
            addresses=result.addresses,
            executor=result.executor,
            seconds=result.seconds,
            variants=variants,
            original=result.original,
            best=None if result.best is None else variants[result.best],
            best_index=result.best,
            failed=result.failed,
            deflated_sharpe=result.deflated_sharpe,
            neighbourhood=result.neighbourhood,
            surfaces=result.surfaces,
            walk_forward=result.walk_forward,
            synthetic=result.synthetic,
            source=result.source,
            out=out,
            report=report,
        )


class BatchBacktestSummary(Result):
    """`alchemiser backtest FILE… --json`: one row per file (`error` set when it failed)."""

    files: list[VariantResult]
    ok: bool
    """Every file backtested."""
    executor: str
    seconds: float
    start: str | None
    end: str | None
    synthetic: bool
    source: str
    out: str | None

    @classmethod
    def of(cls, result: BatchBacktestResult, *, out: str | None) -> BatchBacktestSummary:
        return cls(
            files=[_without_curve(r) for r in result.rows],
            ok=all(r.ok for r in result.rows),
            executor=result.executor,
            seconds=result.seconds,
            start=result.start,
            end=result.end,
            synthetic=result.synthetic,
            source=result.source,
            out=out,
        )
