"""Every ledger test runs on SQLite and on a real PostgreSQL server (started once per session)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.postgres_server import PostgresServer, running_postgres


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    with running_postgres() as server:
        yield server


@pytest.fixture(params=["sqlite", "postgresql"])
def new_ledger_url(request: pytest.FixtureRequest, tmp_path: Path) -> Callable[[], str]:
    """Makes URLs of new, empty ledger databases on the test's backend."""
    if request.param == "sqlite":
        counter = itertools.count()
        return lambda: f"sqlite:///{tmp_path / f'data{next(counter)}' / 'ledger.sqlite3'}"
    server: PostgresServer = request.getfixturevalue("postgres")
    return server.fresh_url


@pytest.fixture
def ledger_url(new_ledger_url: Callable[[], str]) -> str:
    return new_ledger_url()
