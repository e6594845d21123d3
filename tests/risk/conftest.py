"""The cycle tests' small deterministic world, reused by the breaker test."""

from tests.cycle.conftest import world

__all__ = ["world"]
