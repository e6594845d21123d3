"""The ledger: every run, decision, order, fill and sleeve holding, on SQLite or PostgreSQL."""

from alchemiser.infrastructure.ledger.engine import create_ledger_engine
from alchemiser.infrastructure.ledger.repository import SqlLedger

__all__ = ["SqlLedger", "create_ledger_engine"]
