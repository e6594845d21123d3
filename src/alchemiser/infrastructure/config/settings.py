"""Effective settings: init arguments > environment (`ALCHEMISER_…`, nested with `__`) > `.env` >
defaults, plus the conventional Alpaca key variables and the portfolio TOML file.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

import platformdirs
from pydantic import AliasChoices, BaseModel, Field, SecretStr, ValidationError
from pydantic_settings import BaseSettings, SettingsConfigDict

from alchemiser.application.settings import (
    AlpacaSettings,
    AutopilotSettings,
    DashboardSettings,
    ExecutionSettings,
    MarketDataSettings,
    NotificationSettings,
    RebalanceSettings,
    SimBrokerSettings,
    StrategySettings,
)
from alchemiser.domain.errors import ConfigurationError

APP_NAME = "alchemiser"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class AlpacaKeys(BaseModel):
    api_key: SecretStr | None = None
    secret_key: SecretStr | None = None

    @property
    def complete(self) -> bool:
        return bool(self.api_key and self.secret_key)


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="ALCHEMISER_",
        env_nested_delimiter="__",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        frozen=True,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    portfolio_file: Path | None = Field(
        None, description="TOML naming the sleeves; default nuclear .3, tecl .5, klm .2."
    )
    broker: Literal["sim", "alpaca"] = "sim"
    database_url: str | None = Field(
        None, description="SQLAlchemy URL of the ledger; default SQLite in data_dir."
    )
    log_json: bool = False

    market_data: MarketDataSettings = MarketDataSettings()
    rebalance: RebalanceSettings = RebalanceSettings()
    execution: ExecutionSettings = ExecutionSettings()
    strategy: StrategySettings = StrategySettings()
    notifications: NotificationSettings = NotificationSettings()
    sim_broker: SimBrokerSettings = SimBrokerSettings()
    alpaca: AlpacaSettings = AlpacaSettings()
    autopilot: AutopilotSettings = AutopilotSettings()
    dashboard: DashboardSettings = DashboardSettings()

    # Conventional Alpaca variables, read without the ALCHEMISER_ prefix.
    alpaca_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ALPACA_API_KEY", "alpaca_api_key")
    )
    alpaca_secret_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ALPACA_SECRET_KEY", "alpaca_secret_key")
    )
    alpaca_live_api_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ALPACA_LIVE_API_KEY", "alpaca_live_api_key")
    )
    alpaca_live_secret_key: SecretStr | None = Field(
        None, validation_alias=AliasChoices("ALPACA_LIVE_SECRET_KEY", "alpaca_live_secret_key")
    )
    alpaca_base_url: str | None = Field(
        None, description="Override of the Trading API URL (tests, proxies)."
    )
    alpaca_data_url: str | None = Field(None, description="Override of the Market Data API URL.")
    alpaca_stream_url: str | None = Field(None, description="Override of the trade stream URL.")

    @property
    def paper_keys(self) -> AlpacaKeys:
        return AlpacaKeys(api_key=self.alpaca_api_key, secret_key=self.alpaca_secret_key)

    @property
    def live_keys(self) -> AlpacaKeys:
        return AlpacaKeys(api_key=self.alpaca_live_api_key, secret_key=self.alpaca_live_secret_key)

    @property
    def cache_dir(self) -> Path:
        return self.data_dir / "cache"

    @property
    def reports_dir(self) -> Path:
        return self.data_dir / "reports"

    @property
    def ledger_url(self) -> str:
        return self.database_url or f"sqlite:///{self.data_dir / 'ledger.sqlite3'}"

    def secret_values(self) -> list[str]:
        """Every secret's plain value (any SecretStr, however nested), for the redactor."""
        return _secrets_in(self)


def _secrets_in(model: BaseModel) -> list[str]:
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(_secrets_in(value))
    return found


def load_settings(**overrides: Any) -> Settings:
    """Settings with `overrides` taking precedence; validation errors become ConfigurationError."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise configuration_error_from(exc, source="settings (environment / .env)") from None


def configuration_error_from(exc: ValidationError, *, source: str) -> ConfigurationError:
    """One readable message naming each bad key, e.g. `execution.limit_steps: …`."""
    problems = []
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(root)"
        problems.append(f"{key}: {err['msg']} (got {err.get('input')!r})")
    return ConfigurationError(
        f"{source}: invalid setting{'s' if len(problems) > 1 else ''}: " + "; ".join(problems),
        context={"file": source, "keys": [".".join(map(str, e["loc"])) for e in exc.errors()]},
    )
