"""Typed results: one pydantic model per use case, rendered alike by the terminal, `--json`,
the run report and the dashboard. Their JSON schemas are published in `docs/schemas/`
(`alchemiser schema --write`); conventions are in `common`."""

from __future__ import annotations

from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import (
    SCHEMA_VERSION,
    Phase,
    Record,
    Result,
    RunStatus,
)
from alchemiser.application.results.config import ConfigCheckResult, EffectiveConfig
from alchemiser.application.results.dashboard import (
    BacktestJobList,
    OverviewResult,
    SleevesResult,
)
from alchemiser.application.results.data import BarsResult, DataFetchResult, DataStatusResult
from alchemiser.application.results.error import ErrorEnvelope
from alchemiser.application.results.halt import HaltResult, ResumeResult
from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.application.results.indicator import IndicatorResult
from alchemiser.application.results.notify import NotifyTestResult
from alchemiser.application.results.replay import ParityReport
from alchemiser.application.results.research import (
    BatchBacktestSummary,
    ParameterView,
    SweepSummary,
)
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
    "sweep": SweepSummary,
    "backtest-many": BatchBacktestSummary,
    "halt": HaltResult,
    "resume": ResumeResult,
    "dashboard-overview": OverviewResult,
    "dashboard-sleeves": SleevesResult,
    "dashboard-backtests": BacktestJobList,
}
"""Schema file name (docs/schemas/<name>.json) → model."""

PUBLISHED_LISTS: dict[str, type[Record]] = {
    "symphony-params": ParameterView,
}
"""Outputs that are a bare JSON list of records, because the interface fixed them so
(`symphony params --json`, issue 18): the schema is an array of the record; the version is the
schema file's `x-schema-version`."""

__all__ = [
    "PUBLISHED",
    "PUBLISHED_LISTS",
    "SCHEMA_VERSION",
    "BacktestJobList",
    "BacktestSummary",
    "BarsResult",
    "BatchBacktestSummary",
    "ConfigCheckResult",
    "DataFetchResult",
    "DataStatusResult",
    "EffectiveConfig",
    "ErrorEnvelope",
    "HaltResult",
    "IndicatorResult",
    "NotifyTestResult",
    "OverviewResult",
    "ParameterView",
    "ParityReport",
    "Phase",
    "Result",
    "ResumeResult",
    "RunList",
    "RunRecord",
    "RunResult",
    "RunStatus",
    "SignalResult",
    "SleevesResult",
    "StatusResult",
    "SweepSummary",
    "SymphonyCheckResult",
    "SymphonyConversion",
]
