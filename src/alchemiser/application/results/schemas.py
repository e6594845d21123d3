"""The published JSON schemas, generated from the result models (docs/schemas/*.json)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from alchemiser.application.results.backtest import BacktestSummary
from alchemiser.application.results.common import SCHEMA_VERSION, Record, Result
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


def schema_of(name: str) -> dict[str, Any]:
    """The JSON schema of what `--json` prints (serialization mode: decimals are strings)."""
    head = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name}
    if name in PUBLISHED_LISTS:
        item = PUBLISHED_LISTS[name]
        schema = TypeAdapter(list[item]).json_schema(mode="serialization")  # type: ignore[valid-type]
        return {**head, "x-schema-version": SCHEMA_VERSION, **schema}
    return {**head, **PUBLISHED[name].model_json_schema(mode="serialization")}


def schema_texts() -> dict[str, str]:
    """File name → file content, exactly as committed (stable key order, final newline)."""
    return {
        f"{name}.json": json.dumps(schema_of(name), indent=2, sort_keys=True) + "\n"
        for name in [*PUBLISHED, *PUBLISHED_LISTS]
    }
