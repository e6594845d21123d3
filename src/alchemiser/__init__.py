"""Alchemiser: multi-strategy trading engine for Composer symphonies."""

__version__ = "0.1.0"
"""Kept equal to pyproject's `version` by a test (tests/interface/test_startup_imports.py):
a literal, because `importlib.metadata` costs every command, `--version` included, about
50 ms of start-up (issue 16)."""
