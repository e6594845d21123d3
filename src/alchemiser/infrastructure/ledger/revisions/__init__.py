"""Alembic script directory (env.py + frozen revisions); run by infrastructure.ledger.migrations."""
