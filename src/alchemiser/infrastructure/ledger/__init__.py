"""The ledger: every run, decision, order, fill and sleeve holding, on any SQLAlchemy database."""

from alchemiser.infrastructure.ledger.repository import SqlLedger, create_ledger_engine

__all__ = ["SqlLedger", "create_ledger_engine"]
