"""The `alchemiser` console script: answers `alchemiser --version` before importing anything.

A cron job or a health check asking for the version should not pay for Typer and Rich (about
half a second, issue 16); every other call goes to the CLI in `main`.
"""

from __future__ import annotations

import sys


def run() -> None:
    if sys.argv[1:] == ["--version"]:
        from alchemiser import __version__

        print(f"alchemiser {__version__}")
        sys.exit(0)
    from alchemiser.interface.cli.main import main

    sys.exit(main())
