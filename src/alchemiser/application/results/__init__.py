"""Typed results: one pydantic model per use case, rendered alike by the terminal, `--json`,
the run report and the dashboard. Their JSON schemas are published in `docs/schemas/`
(`alchemiser schema --write`); conventions are in `common`."""

from __future__ import annotations

from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import SCHEMA_VERSION, Phase, Result, RunStatus
from alchemiser.application.results.config import ConfigCheckResult
from alchemiser.application.results.dashboard import (
    BacktestJobList,
    OverviewResult,
    SleevesResult,
)
from alchemiser.application.results.data import BarsResult, DataFetchResult, DataStatusResult
from alchemiser.application.results.error import ErrorEnvelope
from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.application.results.indicator import IndicatorResult
from alchemiser.application.results.replay import ParityReport
from alchemiser.application.results.run import RunResult
from alchemiser.application.results.signal import SignalResult
from alchemiser.application.results.status import StatusResult
from alchemiser.application.results.symphony import SymphonyCheckResult, SymphonyConversion

PUBLISHED: dict[str, type[Result]] = {
    "run": RunResult,
    "status": StatusResult,
    "history": RunList,
    "run-record": RunRecord,
    "signal": SignalResult,
    "backtest": BacktestSummary,
    "indicator": IndicatorResult,
    "symphony-check": SymphonyCheckResult,
    "symphony-conversion": SymphonyConversion,
    "data-status": DataStatusResult,
    "data-fetch": DataFetchResult,
    "data-bars": BarsResult,
    "config-check": ConfigCheckResult,
    "error": ErrorEnvelope,
    "replay": ParityReport,
    "dashboard-overview": OverviewResult,
    "dashboard-sleeves": SleevesResult,
    "dashboard-backtests": BacktestJobList,
}
"""Schema file name (docs/schemas/<name>.json) → model."""

__all__ = [
    "PUBLISHED",
    "SCHEMA_VERSION",
    "BacktestJobList",
    "BacktestSummary",
    "BarsResult",
    "ConfigCheckResult",
    "DataFetchResult",
    "DataStatusResult",
    "ErrorEnvelope",
    "IndicatorResult",
    "OverviewResult",
    "ParityReport",
    "Phase",
    "Result",
    "RunList",
    "RunRecord",
    "RunResult",
    "RunStatus",
    "SignalResult",
    "SleevesResult",
    "StatusResult",
    "SymphonyCheckResult",
    "SymphonyConversion",
]
