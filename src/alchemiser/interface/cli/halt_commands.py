"""`alchemiser halt --reason TEXT` and `alchemiser resume`: the kill switch (SPEC §15).

The state lives in the ledger, so every process on it (the autopilot, a `trade` from cron, a
second machine on the same database) sees it at its next cycle. While halted a cycle still
reconciles with the broker but places no order, and `trade` exits 11 saying why.
"""

from __future__ import annotations

from typing import Annotated

import typer

from alchemiser import bootstrap
from alchemiser.application.results.halt import HaltResult, ResumeResult
from alchemiser.application.services import halt as halt_service
from alchemiser.interface.cli.options import JsonFlag
from alchemiser.interface.cli.output import console, emit


def halt(
    *,
    reason: Annotated[
        str, typer.Option("--reason", help="Why trading stops (shown by every refused run).")
    ],
    json_output: JsonFlag = False,
) -> None:
    """Stop placing orders (every cycle on this ledger) until `alchemiser resume`."""
    switch = bootstrap.halt_switch(bootstrap.load_settings())
    emit(halt_service.halt(switch, reason), _render_halt, json_output=json_output)


def _render_halt(result: HaltResult) -> None:
    state = result.halted
    if result.already_halted:
        console.print(
            f"Already halted since {state.since:%Y-%m-%d %H:%M} UTC by {state.source}: "
            f"{state.reason} (kept).",
            markup=False,
        )
        return
    console.print(f"Trading halted: {state.reason}. `alchemiser resume` lifts it.", markup=False)


def resume(*, json_output: JsonFlag = False) -> None:
    """Lift the halt: the next cycle places orders again."""
    switch = bootstrap.halt_switch(bootstrap.load_settings())
    emit(halt_service.resume(switch), _render_resume, json_output=json_output)


def _render_resume(result: ResumeResult) -> None:
    lifted = result.resumed
    if lifted is None:
        console.print("Not halted; nothing to resume.")
        return
    console.print(
        f"Resumed. The halt since {lifted.since:%Y-%m-%d %H:%M} UTC by {lifted.source} "
        f"({lifted.reason}) is lifted.",
        markup=False,
    )
