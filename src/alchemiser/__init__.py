"""Alchemiser: multi-strategy trading engine for Composer symphonies."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("alchemiser")
except PackageNotFoundError:  # running from a source tree without an install
    __version__ = "0.0.0+source"
