"""The `alchemiser` console script: answers `alchemiser --version` and the root `--help` before
importing anything.

A cron job or a health check asking for the version, or a new user asking what there is, should
not pay for Typer and Rich (about half a second, issue 16): the root help is printed from the
command table as plain text. Every other call goes to the CLI in `main`.
"""

from __future__ import annotations

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from alchemiser import __version__

        print(f"alchemiser {__version__}")
        sys.exit(0)
    if sys.argv[1:] in (["--help"], []):
        import shutil

        from alchemiser.interface.cli.command_table import plain_root_help

        print(plain_root_help(min(shutil.get_terminal_size().columns, 100)))
        sys.exit(0 if sys.argv[1:] else 2)  # no command: a usage error, as Click has it
    from alchemiser.interface.cli.main import main

    sys.exit(main())
