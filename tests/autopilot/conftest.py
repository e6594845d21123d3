"""An injected clock, a small portfolio and a real SMTP server for driving the autopilot.

The clock is the Clock port's test double: `sleep` advances it instantly, so weeks of sessions
pass in seconds; when it reaches `end` it raises StopNow, which is what a SIGTERM between cycles
does, so the process under test leaves through its real shutdown path.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alchemiser import bootstrap
from alchemiser.application.autopilot.stop import StopNow
from alchemiser.interface.cli.main import main
from tests.notifications.conftest import SmtpServer, smtp_server  # noqa: F401 - fixture

NEW_YORK = ZoneInfo("America/New_York")
CORE = (
    '(defsymphony "Core" {:rebalance-frequency :daily}'
    ' (weight-specified 0.6 (asset "SPY") 0.4 (asset "TLT")))'
)
GROWTH = '(defsymphony "Growth" {:rebalance-frequency :daily} (asset "QQQ"))'


def et(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> dt.datetime:
    return dt.datetime(year, month, day, hour, minute, tzinfo=NEW_YORK).astimezone(dt.UTC)


class FakeClock:
    def __init__(self, start: dt.datetime, end: dt.datetime | None = None) -> None:
        self.current = start
        self.end = end
        self.sleeps: list[float] = []

    def now(self) -> dt.datetime:
        return self.current

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.current += dt.timedelta(seconds=max(seconds, 0.0))
        if self.end is not None and self.current >= self.end:
            self.current = self.end
            raise StopNow


def write_portfolio(directory: Path) -> Path:
    (directory / "core.clj").write_text(CORE)
    (directory / "growth.clj").write_text(GROWTH)
    portfolio = directory / "portfolio.toml"
    portfolio.write_text(
        '[sleeves.core]\nsymphony = "core.clj"\nallocation = 0.7\n\n'
        '[sleeves.growth]\nsymphony = "growth.clj"\nallocation = 0.3\n'
    )
    return portfolio


@pytest.fixture
def small_world(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Path:
    """A two-sleeve portfolio on one year of synthetic history; the data dir's path."""
    monkeypatch.setenv("ALCHEMISER_PORTFOLIO_FILE", str(write_portfolio(tmp_path)))
    monkeypatch.setenv("ALCHEMISER_MARKET_DATA__HISTORY_YEARS", "1")
    monkeypatch.setenv("ALCHEMISER_AUTOPILOT__PORT", "0")
    monkeypatch.setenv("ALCHEMISER_AUTOPILOT__TICK_SECONDS", "86400")  # wake only when due
    monkeypatch.setenv("ALCHEMISER_NOTIFICATIONS__WRITE_REPORT_FILES", "false")
    import os

    return Path(os.environ["ALCHEMISER_DATA_DIR"])


def email_to(monkeypatch: pytest.MonkeyPatch, server: SmtpServer) -> None:
    env = {
        "ENABLED": "true",
        "HOST": server.host,
        "PORT": str(server.port),
        "SECURITY": "none",
        "RECIPIENTS": '["me@example.test"]',
        "TIMEOUT_SECONDS": "3",
    }
    for key, value in env.items():
        monkeypatch.setenv(f"ALCHEMISER_NOTIFICATIONS__EMAIL__{key}", value)


@pytest.fixture
def run_autopilot(monkeypatch: pytest.MonkeyPatch) -> Callable[..., int]:
    """Run `alchemiser autopilot` in this process from `start` until the clock reaches `end`."""

    def run(start: dt.datetime, end: dt.datetime, *args: str) -> int:
        clock = FakeClock(start, end)
        monkeypatch.setattr(bootstrap, "system_clock", lambda: clock)
        return main(["autopilot", *args])

    return run
