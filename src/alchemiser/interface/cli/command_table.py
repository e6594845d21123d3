"""The sub-commands by name, module and one-line summary, and the root options: one table read
by the Typer group (`main._Commands`) and by the console script's plain `--help` (`entry`), which
answers before Typer and Rich are imported (start-up, issue 16). Imports nothing.
"""

from __future__ import annotations

ABOUT = "Multi-strategy trading engine for Composer symphonies."

COMMANDS: tuple[tuple[str, str, str, str], ...] = (
    # (name, module under alchemiser.interface.cli, attribute, summary), in `--help` order
    ("init", "init_command", "init",
     "Write an example portfolio.toml and a commented .env.example into this folder."),
    ("indicator", "data_commands", "indicator",
     "Print one indicator value to compare with another platform."),
    ("signal", "signal_command", "signal",
     "Evaluate the strategies and print each allocation and the blended target."),
    ("backtest", "backtest_command", "backtest",
     "Backtest the strategies: decide and trade at each close, costs included."),
    ("sweep", "sweep_command", "sweep",
     "Backtest every variant of a strategy's parameters; rank the original among them."),
    ("replay", "replay_command", "replay",
     "Replay the real cycle once per session on the simulated broker; compare to the "
     "backtest."),
    ("trade", "trade_commands", "trade",
     "Run today's cycle: signals → plan → sell → settle → buy → verify (sim broker by "
     "default)."),
    ("status", "status_command", "status",
     "The account now (from the broker) and each sleeve's virtual holdings and P&L."),
    ("history", "trade_commands", "history",
     "Past runs, or everything recorded for one run (signals, plan, orders, fills, "
     "errors)."),
    ("schema", "schema_command", "schema",
     "Print or write the JSON schemas generated from the result models."),
    ("dashboard", "dashboard_command", "dashboard",
     "Serve the read-only dashboard (Overview, Runs, /api/…); off loopback it needs a "
     "token."),
    ("halt", "halt_commands", "halt",
     "Stop placing orders (every cycle on this ledger) until `alchemiser resume`."),
    ("resume", "halt_commands", "resume",
     "Lift the halt: the next cycle places orders again."),
    ("config", "config_commands", "app", "Inspect and validate the effective settings."),
    ("notify", "notify_commands", "app", "Email and webhook notifications."),
    ("symphony", "symphony_commands", "app",
     "Check, convert and list the parameters of symphony files (.clj or Composer JSON)."),
    ("data", "data_commands", "app", "Fetch, inspect and check market data."),
    ("autopilot", "autopilot_commands", "app",
     "Run the daily cycle unattended, once per NYSE session (health and metrics on "
     "loopback)."),
)  # fmt: skip

OPTIONS: tuple[tuple[str, str], ...] = (
    ("-v, --verbose", "Debug logs and tracebacks."),
    ("-q, --quiet", "Only errors on stderr."),
    ("--version", "Print version."),
    ("--help", "Show this message and exit."),
)


def plain_root_help(width: int) -> str:
    """The root `--help` as plain text wrapped to `width` columns (Click's layout)."""
    import textwrap

    def table(rows: list[tuple[str, str]]) -> list[str]:
        left = max(len(first) for first, _ in rows) + 2
        lines = []
        for first, text in rows:
            wrapped = textwrap.wrap(text, max(width - left - 2, 20)) or [""]
            lines.append(f"  {first.ljust(left)}{wrapped[0]}")
            lines += [" " * (left + 2) + more for more in wrapped[1:]]
        return lines

    return "\n".join(
        [
            "Usage: alchemiser [OPTIONS] COMMAND [ARGS]...",
            "",
            f"  {ABOUT}",
            "",
            "Options:",
            *table(list(OPTIONS)),
            "",
            "Commands:",
            *table([(name, summary) for name, _, _, summary in COMMANDS]),
            "",
            "Run `alchemiser COMMAND --help` for a command's options.",
        ]
    )
