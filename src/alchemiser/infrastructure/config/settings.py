"""Effective settings: init arguments > environment (`ALCHEMISER_…`, nested with `__`) > `.env` >
defaults, plus the conventional Alpaca key variables and the portfolio TOML file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit, urlunsplit

import platformdirs
from pydantic import (
    AliasChoices,
    BaseModel,
    Field,
    SecretStr,
    ValidationError,
    field_serializer,
    field_validator,
)
from pydantic_settings import BaseSettings, SettingsConfigDict, SettingsError

from alchemiser.application.settings import (
    AlpacaSettings,
    AutopilotSettings,
    DashboardSettings,
    ExecutionSettings,
    MarketDataSettings,
    NotificationSettings,
    RebalanceSettings,
    RiskSettings,
    SimBrokerSettings,
    StrategySettings,
)
from alchemiser.infrastructure.config.settings_errors import (
    configuration_error_from,
    configuration_error_from_settings_error,
)

APP_NAME = "alchemiser"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))


class DatabaseUrl(SecretStr):
    """A database URL that may carry a password: a secret everywhere (repr, str, logs), shown
    as `masked()` (password replaced by ***) in `config show` and in each run's stored config."""

    def masked(self) -> str:
        parts = urlsplit(self.get_secret_value())
        if parts.password is None:
            return self.get_secret_value()
        user = parts.username or ""
        host = parts.hostname or ""
        port = f":{parts.port}" if parts.port else ""
        return urlunsplit(parts._replace(netloc=f"{user}:***@{host}{port}"))

    def password_forms(self) -> list[str]:
        """The password as written and percent-decoded, for the log redactor."""
        password = urlsplit(self.get_secret_value()).password
        return [] if not password else sorted({password, unquote(password)})


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
        allow_inf_nan=False,
    )

    data_dir: Path = Field(default_factory=default_data_dir)
    portfolio_file: Path | None = Field(
        None, description="TOML naming the sleeves; default nuclear .3, tecl .5, klm .2."
    )
    broker: Literal["sim", "alpaca"] = "sim"
    database_url: DatabaseUrl | None = Field(
        None,
        description="SQLAlchemy URL of the ledger (sqlite:///FILE or postgresql+psycopg://…); "
        "default SQLite in data_dir. Its password is masked wherever it is shown or stored.",
    )
    log_json: bool = False

    @field_validator("database_url")
    @classmethod
    def _database_url_valid(cls, value: DatabaseUrl | None) -> DatabaseUrl | None:
        _check_database_url(None if value is None else value.get_secret_value())
        return value

    market_data: MarketDataSettings = MarketDataSettings()
    rebalance: RebalanceSettings = RebalanceSettings()
    execution: ExecutionSettings = ExecutionSettings()
    strategy: StrategySettings = StrategySettings()
    notifications: NotificationSettings = NotificationSettings()
    sim_broker: SimBrokerSettings = SimBrokerSettings()
    alpaca: AlpacaSettings = AlpacaSettings()
    risk: RiskSettings = RiskSettings()
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

    @field_serializer("database_url")
    def _dump_database_url(self, value: DatabaseUrl | None) -> str | None:
        return None if value is None else value.masked()

    @property
    def ledger_url(self) -> str:
        """The real URL (with its password): for the database driver only."""
        if self.database_url is not None:
            return self.database_url.get_secret_value()
        return f"sqlite:///{self.data_dir / 'ledger.sqlite3'}"

    @property
    def ledger_url_masked(self) -> str:
        """The ledger URL as it may be shown: password replaced by ***."""
        if self.database_url is not None:
            return self.database_url.masked()
        return self.ledger_url

    def secret_values(self) -> list[str]:
        """Every secret's plain value (any SecretStr, however nested), for the redactor."""
        return _secrets_in(self)


def _secrets_in(model: BaseModel) -> list[str]:
    found: list[str] = []
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, DatabaseUrl):
            found.extend(value.password_forms())
        elif isinstance(value, SecretStr):
            found.append(value.get_secret_value())
        elif isinstance(value, BaseModel):
            found.extend(_secrets_in(value))
    return found


def load_settings(**overrides: Any) -> Settings:
    """Settings with `overrides` taking precedence. Every failure, whatever its source, becomes
    one ConfigurationError naming the variable and the expected form (never a traceback)."""
    try:
        return Settings(**overrides)
    except ValidationError as exc:
        raise configuration_error_from(exc, source="environment / .env") from None
    except SettingsError as exc:
        raise configuration_error_from_settings_error(exc, Settings) from None


_DATABASE_URL = re.compile(
    r"^(sqlite|postgresql|postgres|mysql|mariadb|mssql|oracle)(\+\w+)?://", re.IGNORECASE
)


def _check_database_url(value: str | None) -> str | None:
    """A ledger URL SQLAlchemy can open (`config check` also connects to it)."""
    if value is not None and not _DATABASE_URL.match(value):
        raise ValueError(
            "not a database URL; expected e.g. 'sqlite:////path/ledger.sqlite3' or "
            "'postgresql+psycopg://user:password@host/alchemiser'"
        )
    return value
