"""Typed setting sections the use cases read. Loaded by infrastructure.config from env/.env/TOML.

They live here, not in infrastructure, so the application layer can take them as arguments
without knowing where they came from. Every field is used somewhere (SPEC §12: no settings that
are read but never used).
"""

from __future__ import annotations

import re
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import RiskAction


class _Section(BaseModel):
    # inf/nan would switch a guard off (max_slippage_bps=inf) or break sizing (min_order_value).
    model_config = ConfigDict(extra="forbid", frozen=True, allow_inf_nan=False)


_HHMM = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$")


def _clock_time(value: str) -> str:
    """A 24-hour HH:MM time that exists (the pattern alone accepted 25:99)."""
    if not _HHMM.match(value):
        raise ValueError("expected a time HH:MM between 00:00 and 23:59 (Eastern), e.g. '15:45'")
    return value


class DataSourceName(StrEnum):
    SYNTHETIC = "synthetic"
    FILES = "files"
    YAHOO = "yahoo"
    ALPACA = "alpaca"


class MarketDataSettings(_Section):
    source: DataSourceName = DataSourceName.SYNTHETIC
    files_dir: Path | None = Field(None, description="Directory of CSV/Parquet files (`files`).")
    synthetic_seed: int = Field(7, description="Seed of the offline synthetic market.")
    history_years: int = Field(25, gt=0, le=100, description="How much history a run loads.")
    alpaca_feed: Literal["iex", "sip"] = "iex"
    use_live_price: bool = Field(
        True, description="Append today's decision-time price as today's close (SPEC §8.3)."
    )
    max_daily_move: float = Field(
        0.6, gt=0, description="Quality gate: |daily return| above this without a split is refused."
    )
    request_timeout_seconds: float = Field(
        20.0,
        gt=0,
        le=600,
        description="Yahoo/Alpaca data: the longest one HTTP request may take (never past the "
        "deadline).",
    )
    deadline_seconds: float = Field(
        120.0,
        gt=0,
        le=3600,
        description="Yahoo/Alpaca data: the longest one fetch of any number of tickers may take, "
        "retries included; then a DATA error names the tickers still missing.",
    )
    workers: int = Field(
        4, ge=1, le=32, description="Yahoo: tickers fetched in parallel (a bounded pool)."
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
        100.0, gt=0, le=10_000, description="Abort a symbol when price ran this far from decision."
    )
    market_fallback: bool = True
    settle_timeout_seconds: float = Field(60.0, gt=0, description="Wait for sells to settle.")
    reconcile_wait_seconds: float = Field(
        5.0, ge=0, description="Before a plan: wait this long for our open orders, then cancel."
    )
    completion_tolerance: float = Field(
        0.02,
        ge=0,
        le=1,
        description="A run is completed when every weight is within this of its target.",
    )
    window_start: str = Field("15:45", description="Trading window start (ET), HH:MM.")
    early_close_window_start: str = Field("12:45", description="Window start on half days.")

    @field_validator("window_start", "early_close_window_start")
    @classmethod
    def _times_exist(cls, value: str) -> str:
        return _clock_time(value)


class AutopilotSettings(_Section):
    """`alchemiser autopilot`: when the daily cycle starts, how it retries, what it alerts on."""

    start_delay_seconds: float = Field(
        30.0,
        ge=0,
        le=600,
        description="Start this long after the window opens (absorbs clock skew with the broker).",
    )
    latest_start_minutes: float = Field(
        5.0,
        ge=0,
        le=60,
        description="No cycle starts later than this many minutes before the close.",
    )
    catch_up: bool = Field(
        True,
        description="A (re)start after the scheduled time but inside the window runs the cycle "
        "at once; false counts that session as missed.",
    )
    retry_initial_seconds: float = Field(
        30.0, gt=0, description="First wait before retrying a cycle that failed transiently."
    )
    retry_max_seconds: float = Field(300.0, gt=0, description="Longest wait between retries.")
    max_retries: int = Field(5, ge=0, le=50, description="Transient retries per session.")
    summary_delay_minutes: float = Field(
        15.0, ge=0, description="The daily summary is sent this long after the close."
    )
    drawdown_alert: float = Field(
        0.10, gt=0, lt=1, description="Alert when equity is this far below its peak."
    )
    stale_price_sessions: int = Field(
        1, ge=0, description="Alert when the newest price is more sessions old than this."
    )
    host: str = Field("127.0.0.1", description="Health/metrics address (loopback by default).")
    port: int = Field(9464, ge=0, lt=65536, description="Health/metrics port (0 = off).")
    tick_seconds: float = Field(
        60.0, gt=0, description="Longest sleep of the scheduler loop (heartbeat interval)."
    )


class SleeveFailurePolicy(StrEnum):
    STOP = "stop"
    KEEP_HOLDINGS = "keep"


class StrategySettings(_Section):
    on_sleeve_failure: SleeveFailurePolicy = SleeveFailurePolicy.STOP


class NotificationEvent(StrEnum):
    """What can be sent; `events` in NotificationSettings chooses among them."""

    RUN_REPORT = "run_report"
    CRITICAL_ALERT = "critical_alert"
    ERROR_REPORT = "error_report"
    MARKET_CLOSED = "market_closed"
    SIGNAL_DIGEST = "signal_digest"
    AUTOPILOT_ALERT = "autopilot_alert"
    """Missed session, failed run, halted, drawdown, stale data (cool-down applies)."""
    DAILY_SUMMARY = "daily_summary"
    TEST = "test"


class EmailSettings(_Section):
    enabled: bool = False
    host: str = "localhost"
    port: int = Field(587, gt=0, lt=65536)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str | None = None
    password: SecretStr | None = None
    sender: str = "alchemiser@localhost"
    recipients: list[str] = Field(default_factory=list)
    timeout_seconds: float = Field(15.0, gt=0)
    verify_tls: bool = Field(True, description="Verify the server certificate (keep on).")


class WebhookSettings(_Section):
    url: SecretStr | None = Field(None, description="Slack/Discord-compatible incoming webhook.")
    timeout_seconds: float = Field(10.0, gt=0)


class NotificationSettings(_Section):
    email: EmailSettings = EmailSettings()
    webhook: WebhookSettings = WebhookSettings()
    events: frozenset[NotificationEvent] = frozenset(NotificationEvent)
    cooldown_minutes: float = Field(
        60.0, ge=0, description="Identical alerts within this time are sent once."
    )
    write_report_files: bool = Field(True, description="Write each run report as HTML.")


class SimBrokerSettings(_Section):
    """The embedded simulated broker (`broker = "sim"`); its account lives in the ledger DB."""

    account_id: str = Field("sim", min_length=1, max_length=40, description="Account name.")
    initial_cash: Decimal = Field(Decimal("100000"), gt=0, description="Cash of a new account.")
    spread_bps: Decimal = Field(Decimal("10"), ge=0, description="Full bid/ask spread.")
    latency_seconds: float = Field(0.2, ge=0, description="Submission → book, simulated.")
    partial_fill_ratio: Decimal = Field(
        Decimal("1"), gt=0, le=1, description="Share of the remainder filled per fill event."
    )
    fill_interval_seconds: float = Field(1.0, gt=0, description="Between partial fills.")
    cancel_latency_seconds: float = Field(
        1.0, ge=0, description="A cancel stays pending_cancel this long (fills possible)."
    )
    cancel_fill_ratio: Decimal = Field(
        Decimal("0"), ge=0, le=1, description="Share of the rest filled while a cancel pends."
    )
    margin_multiplier: Decimal = Field(
        Decimal("2"), ge=1, le=4, description="1 = cash account; 2 or 4 = margin, like Alpaca."
    )
    passive_fill_probability: Decimal = Field(
        Decimal("1"), ge=0, le=1, description="Chance a limit inside the spread fills per event."
    )
    market_buy_markup: Decimal = Field(
        Decimal("0.03"), ge=0, description="Buying power a market buy needs above the ask."
    )
    non_fractionable: frozenset[str] = Field(
        frozenset(), description="Tickers traded in whole shares only."
    )
    seed: int = Field(7, description="Seed of every random choice of the simulation.")


class AlpacaSettings(_Section):
    """How the Alpaca adapter talks to Alpaca (keys and URL overrides are top-level settings)."""

    request_timeout_seconds: float = Field(
        10.0, gt=0, description="Per HTTP request; a timeout on submit is resolved by lookup."
    )
    max_requests_per_minute: int = Field(
        190, ge=1, le=200, description="Client-side limit, under Alpaca's 200/min."
    )
    max_retries: int = Field(4, ge=0, le=10, description="Retries of one idempotent call.")
    max_retry_wait_seconds: float = Field(
        30.0, gt=0, description="Cap on one wait (Retry-After or backoff) between retries."
    )
    deadline_seconds: float = Field(
        30.0,
        gt=0,
        le=600,
        description="The longest one broker read may take, retries and waits included (an "
        "unreachable Alpaca fails in this time, not after every retry's timeout).",
    )
    poll_interval_seconds: float = Field(
        2.0, gt=0, description="REST check of waiting orders; stream updates wake it earlier."
    )
    use_stream: bool = Field(True, description="Listen to trade_updates (REST stays the truth).")


class DashboardSettings(_Section):
    """`alchemiser dashboard`: where it listens and the token that guards it off loopback."""

    host: str = Field("127.0.0.1", description="Interface to bind; off loopback needs a token.")
    port: int = Field(8050, ge=1, le=65535, description="TCP port of the dashboard.")
    token: SecretStr | None = Field(
        None, description="Bearer token (or ?token=) required on every request when set."
    )


class RiskSettings(_Section):
    """Risk limits (SPEC §14); every limit is off unless set. The portfolio file's `[risk]`
    table overrides these key by key. `actions` maps a rule to `scale` or `block`."""

    max_ticker_weight: float | None = Field(None, gt=0, le=1, description="Cap per ticker.")
    max_effective_exposure: float | None = Field(
        None, gt=0, description="Cap on Σ |weight| × leverage (fund table; unknown = 1x)."
    )
    max_inverse_volatility_weight: float | None = Field(
        None, ge=0, le=1, description="Cap on inverse funds and VIX products together."
    )
    deny: frozenset[str] = Field(frozenset(), description="Tickers never held.")
    allow: frozenset[str] | None = Field(None, description="When set, the only tickers held.")
    min_cash_reserve: float | None = Field(None, ge=0, lt=1, description="Cash kept at least.")
    max_turnover: float | None = Field(
        None, gt=0, le=1, description="One-way turnover of one run, fraction of the account."
    )
    limit_band: float | None = Field(
        None, gt=0, description="Largest |decision price / last close − 1| an order trades at."
    )
    max_order_notional: Decimal | None = Field(None, gt=0, description="Largest buy in $.")
    max_orders_per_run: int | None = Field(None, ge=1, description="Orders one run may place.")
    max_drawdown: float | None = Field(
        None, gt=0, lt=1, description="Breaker: equity this far below its high-water mark."
    )
    daily_loss_limit: float | None = Field(
        None, gt=0, lt=1, description="Equity this far below the previous session's."
    )
    actions: dict[
        Literal[
            "drawdown_breaker",
            "daily_loss_limit",
            "deny_allow",
            "max_ticker_weight",
            "max_inverse_volatility_weight",
            "max_effective_exposure",
            "min_cash_reserve",
            "max_turnover",
            "limit_band",
            "max_order_notional",
            "max_orders_per_run",
        ],
        Literal["scale", "block"],
    ] = Field(default_factory=dict, description="Per rule: scale (excess to cash) or block.")

    @field_validator("deny", "allow", mode="before")
    @classmethod
    def _tickers(cls, value: object) -> object:
        if isinstance(value, str):
            value = [part for part in value.replace(",", " ").split() if part]
        if isinstance(value, list | tuple | set | frozenset):
            return frozenset(str(t).strip().upper() for t in value)
        return value

    def limits(self) -> RiskLimits:
        return RiskLimits(
            max_ticker_weight=self.max_ticker_weight,
            max_effective_exposure=self.max_effective_exposure,
            max_inverse_volatility_weight=self.max_inverse_volatility_weight,
            deny=self.deny,
            allow=self.allow,
            min_cash_reserve=self.min_cash_reserve,
            max_turnover=self.max_turnover,
            limit_band=self.limit_band,
            max_order_notional=(
                None if self.max_order_notional is None else float(self.max_order_notional)
            ),
            max_orders_per_run=self.max_orders_per_run,
            max_drawdown=self.max_drawdown,
            daily_loss_limit=self.daily_loss_limit,
            actions={rule: RiskAction(action) for rule, action in self.actions.items()},
        )
