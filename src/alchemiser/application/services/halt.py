"""`halt` and `resume`: throw and lift the kill switch kept in the ledger (SPEC §15). Halting
while halted keeps the first halt, so its reason and time are not overwritten."""

from __future__ import annotations

from alchemiser.application.ports.halt import HaltState, HaltSwitch
from alchemiser.application.results.halt import HaltResult, HaltView, ResumeResult
from alchemiser.domain.errors import ConfigurationError


def halt(switch: HaltSwitch, reason: str) -> HaltResult:
    """An operator's halt; `reason` must say why (every refused run shows it)."""
    if not reason.strip():
        raise ConfigurationError(
            "--reason must say why trading is halted", context={"option": "--reason"}
        )
    before = switch.current()
    state = switch.halt(reason.strip(), "operator")
    return HaltResult(halted=_view(state), already_halted=before is not None)


def resume(switch: HaltSwitch) -> ResumeResult:
    lifted = switch.resume()
    return ResumeResult(resumed=None if lifted is None else _view(lifted))


def _view(state: HaltState) -> HaltView:
    return HaltView(reason=state.reason, source=state.source, since=state.since)
