"""Typed setting sections the use cases read. Loaded by infrastructure.config from env/.env/TOML.

They live here, not in infrastructure, so the application layer can take them as arguments
without knowing where they came from. Every field is used somewhere (SPEC §12: no settings that
are read but never used).
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class DataSourceName(StrEnum):
    SYNTHETIC = "synthetic"
    FILES = "files"
    YAHOO = "yahoo"
    ALPACA = "alpaca"


class MarketDataSettings(_Section):
    source: DataSourceName = DataSourceName.SYNTHETIC
    files_dir: Path | None = Field(None, description="Directory of CSV/Parquet files (`files`).")
    synthetic_seed: int = Field(7, description="Seed of the offline synthetic market.")
    history_years: int = Field(25, gt=0, description="How much history a run loads.")
    alpaca_feed: Literal["iex", "sip"] = "iex"
    use_live_price: bool = Field(
        True, description="Append today's decision-time price as today's close (SPEC §8.3)."
    )
    max_daily_move: float = Field(
        0.6, gt=0, description="Quality gate: |daily return| above this without a split is refused."
    )


class RebalanceSettings(_Section):
    min_drift: float = Field(0.01, ge=0, le=1, description="Skip trades below this weight change.")
    min_order_value: float = Field(1.0, ge=0, description="Skip trades below this dollar value.")
    cash_reserve: float = Field(0.0, ge=0, lt=1, description="Fraction of equity kept in cash.")
    buying_power_buffer: float = Field(
        0.03, ge=0, lt=1, description="Held back from buying power for price movement."
    )


class ExecutionSettings(_Section):
    aggressiveness: float = Field(
        0.5, ge=0, le=1, description="Start price between near (0) and far (1) touch; 0.5 = mid."
    )
    limit_steps: int = Field(3, ge=1, le=10, description="Re-pricing steps before market.")
    step_wait_seconds: float = Field(2.0, ge=0, description="Wait for a fill at each step.")
    max_slippage_bps: float = Field(
        100.0, gt=0, description="Abort a symbol when price ran this far from decision."
    )
    market_fallback: bool = True
    settle_timeout_seconds: float = Field(60.0, gt=0, description="Wait for sells to settle.")
    window_start: str = Field(
        "15:45", pattern=r"^\d{2}:\d{2}$", description="Trading window start (ET)."
    )
    early_close_window_start: str = Field("12:45", pattern=r"^\d{2}:\d{2}$")


class SleeveFailurePolicy(StrEnum):
    STOP = "stop"
    KEEP_HOLDINGS = "keep"


class StrategySettings(_Section):
    on_sleeve_failure: SleeveFailurePolicy = SleeveFailurePolicy.STOP
