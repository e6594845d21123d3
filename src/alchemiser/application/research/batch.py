"""Many symphonies backtested at once (`alchemiser backtest DIR/*.clj`): one row per file.

The files share one load of price history (the union of their tickers) and run on the same
executors as a sweep; a file that fails to parse or to backtest gets a row saying why.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from alchemiser.application.backtest.backtester import BacktestConfig
from alchemiser.application.ports.market_data import MarketDataSource
from alchemiser.application.research.executor import Progress, ResearchExecutor
from alchemiser.application.research.models import BatchBacktestResult, VariantResult
from alchemiser.application.research.sweep import load_history
from alchemiser.application.research.work import ResearchJob, ResearchTask
from alchemiser.domain.errors import AlchemiserError
from alchemiser.domain.portfolio.sleeves import SYMPHONY_SUFFIXES
from alchemiser.domain.symphony.tree import Symphony


class BatchBacktestService:
    def __init__(self, executor: ResearchExecutor, market: MarketDataSource) -> None:
        self._executor = executor
        self._market = market

    def run_files(
        self,
        refs: Sequence[str],
        load_symphony: Callable[[str], Symphony],
        config: BacktestConfig,
        *,
        progress: Progress | None = None,
    ) -> BatchBacktestResult:
        """The command line's files and folders: each readable symphony backtested, each
        unreadable one a row saying why (in the order given)."""
        symphonies: dict[str, Symphony] = {}
        unreadable: dict[str, str] = {}
        for ref in symphony_files(refs):
            try:
                symphonies[ref] = load_symphony(ref)
            except AlchemiserError as exc:
                unreadable[ref] = str(exc)
        return self.run(symphonies, config, unreadable=unreadable, progress=progress)

    def run(
        self,
        symphonies: Mapping[str, Symphony],
        config: BacktestConfig,
        *,
        unreadable: Mapping[str, str] | None = None,
        progress: Progress | None = None,
        keep_equity: bool = False,
    ) -> BatchBacktestResult:
        """`symphonies` by label (file path); `unreadable` maps labels that failed to load to
        the reason, so they still get a row and the order of the command line is kept."""
        began = time.perf_counter()
        rows: list[VariantResult] = []
        synthetic, source = self._market.synthetic, self._market.name
        if symphonies:  # else every file failed to load: nothing to fetch or run
            history = load_history(self._market, list(symphonies.values()), config)
            synthetic, source = history.synthetic, history.source
            job = ResearchJob(
                symphonies=symphonies, history=history, config=config, keep_equity=keep_equity
            )
            tasks = [ResearchTask(i, label) for i, label in enumerate(symphonies)]
            rows = self._executor.run(job, tasks, progress)
        failed = [
            VariantResult(index=len(rows) + i, symphony=label, name="", error=reason)
            for i, (label, reason) in enumerate((unreadable or {}).items())
        ]
        results = [r for r in rows if r.ok]
        return BatchBacktestResult(
            rows=[*rows, *failed],
            executor=self._executor.name,
            seconds=time.perf_counter() - began,
            start=min((r.start for r in results if r.start), default=None),
            end=max((r.end for r in results if r.end), default=None),
            synthetic=synthetic,
            source=source,
        )


def symphony_files(refs: Sequence[str]) -> list[str]:
    """A folder stands for the symphony files in it (sorted); duplicates are dropped."""
    out: list[str] = []
    for ref in refs:
        folder = Path(ref)
        if folder.is_dir():
            out.extend(
                str(p) for p in sorted(folder.iterdir()) if p.suffix.lower() in SYMPHONY_SUFFIXES
            )
        else:
            out.append(ref)
    return list(dict.fromkeys(out))
