"""Where the dashboard's data comes from: the same use cases the CLI calls (`status`,
`history`), answered as their published result models. The pages only render these."""

from __future__ import annotations

from typing import Protocol

from alchemiser import bootstrap
from alchemiser.application.autopilot.status import AutopilotStatus
from alchemiser.application.results.common import Record
from alchemiser.application.results.history import RunList, RunRecord
from alchemiser.application.results.status import StatusResult
from alchemiser.application.services.history import HistoryService
from alchemiser.application.services.status import StatusService


class ModeView(Record):
    """What the banner says: which broker/mode and whether prices are synthetic."""

    broker: str
    mode: str
    data_source: str
    synthetic: bool


class DashboardSource(Protocol):
    def mode(self) -> ModeView: ...
    def status(self) -> StatusResult: ...
    def runs(self, limit: int) -> RunList: ...
    def run(self, run_id: str) -> RunRecord: ...
    def health(self) -> AutopilotStatus: ...
    def redact(self, text: str) -> str: ...


class SettingsSource:
    """The configured account and ledger, opened per request exactly as `status`/`history`
    open them, so a page and `status --json` can never disagree."""

    def __init__(self, settings: bootstrap.Settings) -> None:
        self._settings = settings
        self._history = HistoryService(bootstrap.ledger(settings))
        self._redactor = bootstrap.redactor_for(settings)

    def mode(self) -> ModeView:
        source = str(self._settings.market_data.source)
        broker = self._settings.broker
        return ModeView(
            broker=broker,
            mode="sim" if broker == "sim" else "paper",
            data_source=source,
            synthetic=source == "synthetic",
        )

    def status(self) -> StatusResult:
        settings = self._settings
        market = bootstrap.market_data_source(settings)
        with bootstrap.open_broker(settings, settings.broker, live=False, market=market) as b:
            return StatusService(b, bootstrap.ledger(settings)).status()

    def runs(self, limit: int) -> RunList:
        return self._history.runs(limit)

    def run(self, run_id: str) -> RunRecord:
        return self._history.run(run_id)

    def health(self) -> AutopilotStatus:
        """What `autopilot status --json` reports (from the ledger; no running autopilot needed)."""
        from alchemiser.application.autopilot.runtime import account_name

        settings = self._settings
        account = account_name(settings.broker, live=False)
        reader = bootstrap.autopilot_status_reader(settings, account, bootstrap.system_clock())
        return reader.read()

    def redact(self, text: str) -> str:
        return self._redactor(text)
