"""Typed results: one pydantic model per use case, rendered alike by the terminal, `--json`,
the run report and the dashboard. Their JSON schemas are published in `docs/schemas/`
(`alchemiser schema --write`); conventions are in `common`."""

from __future__ import annotations

from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import SCHEMA_VERSION, Phase, Result, RunStatus
from alchemiser.application.results.config import ConfigCheckResult, EffectiveConfig
from alchemiser.application.results.data import BarsResult, DataFetchResult, DataStatusResult
from alchemiser.application.results.error import ErrorEnvelope
from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.application.results.indicator import IndicatorResult
from alchemiser.application.results.notify import NotifyTestResult
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
    "config": EffectiveConfig,
    "error": ErrorEnvelope,
    "replay": ParityReport,
    "notify-test": NotifyTestResult,
}
"""Schema file name (docs/schemas/<name>.json) → model."""

__all__ = [
    "PUBLISHED",
    "SCHEMA_VERSION",
    "BacktestSummary",
    "BarsResult",
    "ConfigCheckResult",
    "DataFetchResult",
    "DataStatusResult",
    "EffectiveConfig",
    "ErrorEnvelope",
    "IndicatorResult",
    "NotifyTestResult",
    "ParityReport",
    "Phase",
    "Result",
    "RunList",
    "RunRecord",
    "RunResult",
    "RunStatus",
    "SignalResult",
    "StatusResult",
    "SymphonyCheckResult",
    "SymphonyConversion",
]
