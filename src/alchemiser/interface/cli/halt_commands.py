"""`alchemiser halt --reason TEXT` and `alchemiser resume`: the kill switch (SPEC §15).

The state lives in the ledger, so every process on it (the autopilot, a `trade` from cron, a
second machine on the same database) sees it at its next cycle. While halted a cycle still
reconciles with the broker but places no order, and `trade` exits 11 saying why.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.application.ports.halt import HaltState
from alchemiser.domain.errors import ConfigurationError
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, print_json


def _json(state: HaltState | None) -> dict[str, str] | None:
    if state is None:
        return None
    return {"reason": state.reason, "source": state.source, "since": state.since.isoformat()}


def halt(
    *,
    reason: Annotated[
        str, typer.Option("--reason", help="Why trading stops (shown by every refused run).")
    ],
    json_output: JsonFlag = False,
) -> None:
    """Stop placing orders (every cycle on this ledger) until `alchemiser resume`."""
    if not reason.strip():
        raise ConfigurationError(
            "--reason must say why trading is halted", context={"option": "--reason"}
        )
    switch = bootstrap.halt_switch(bootstrap.load_settings())
    before = switch.current()
    state = switch.halt(reason.strip(), "operator")
    if json_output:
        print_json({"halted": _json(state), "already_halted": before is not None})
        return
    if before is not None:
        console.print(
            f"Already halted since {state.since:%Y-%m-%d %H:%M} UTC by {state.source}: "
            f"{state.reason} (kept).",
            markup=False,
        )
        return
    console.print(f"Trading halted: {state.reason}. `alchemiser resume` lifts it.", markup=False)


def resume(*, json_output: JsonFlag = False) -> None:
    """Lift the halt: the next cycle places orders again."""
    lifted = bootstrap.halt_switch(bootstrap.load_settings()).resume()
    if json_output:
        print_json({"resumed": _json(lifted)})
        return
    if lifted is None:
        console.print("Not halted; nothing to resume.")
        return
    console.print(
        f"Resumed. The halt since {lifted.since:%Y-%m-%d %H:%M} UTC by {lifted.source} "
        f"({lifted.reason}) is lifted.",
        markup=False,
    )
