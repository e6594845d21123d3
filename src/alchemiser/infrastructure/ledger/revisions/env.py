"""Alembic's entry point for this script directory: migrate on the connection we were given."""

from alembic import context

from alchemiser.infrastructure.ledger.migrations import run_in_alembic_env

if hasattr(context, "config"):  # run by Alembic, not merely imported (e.g. by a module walk)
    run_in_alembic_env(context)
