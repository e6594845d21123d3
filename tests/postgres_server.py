"""A real PostgreSQL server for tests: `initdb` + `pg_ctl` in a temporary directory, listening on
127.0.0.1 on a free port, stopped (and its directory removed) at the end of the session.

Skips, saying why, only when the server binaries are not installed (Debian: `apt-get install
postgresql`). As root it runs the server as the `postgres` user (initdb refuses root).
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa


def _bindir() -> Path | None:
    configured = os.environ.get("ALCHEMISER_TEST_PG_BINDIR")
    candidates = [configured] if configured else []
    candidates += sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)
    found = shutil.which("pg_ctl")
    if found:
        candidates.append(str(Path(found).parent))
    for candidate in candidates:
        if candidate and (Path(candidate) / "initdb").exists():
            return Path(candidate)
    return None


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class PostgresServer:
    port: int
    user: str = "alchemiser"

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def fresh_url(self) -> str:
        """The URL of a fresh, empty schema (first on the search path): as good as a new database
        for the ledger, and created in milliseconds instead of the half second of CREATE
        DATABASE on a busy 2-core CI machine."""
        name = f"t_{secrets.token_hex(6)}"
        engine = sa.create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.exec_driver_sql(f'CREATE SCHEMA "{name}"')
        engine.dispose()
        return f"{self.url()}?options=-csearch_path%3D{name}"


@contextlib.contextmanager
def running_postgres() -> Iterator[PostgresServer]:
    bindir = _bindir()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    as_user: list[str] = []
    root = tempfile.mkdtemp(prefix="alchemiser-pg-")
    if os.geteuid() == 0:
        try:
            account = pwd.getpwnam("postgres")
        except KeyError:
            pytest.skip("running as root and there is no `postgres` user to run the server as")
        os.chown(root, account.pw_uid, account.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    data, log = f"{root}/data", f"{root}/server.log"
    server = PostgresServer(_free_port())
    env = dict(os.environ, LC_ALL="C.UTF-8", LANG="C.UTF-8")
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", data, "-U", server.user, "-A", "trust", "-E",
         "UTF8", "--no-sync"],
        check=True, capture_output=True, env=env, timeout=120,
    )  # fmt: skip
    options = (
        f"-p {server.port} -c listen_addresses=127.0.0.1 -c unix_socket_directories={root} "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=60"
    )
    subprocess.run(
        [*as_user, str(bindir / "pg_ctl"), "-D", data, "-l", log, "-o", options, "-w", "-t",
         "60", "start"],
        check=True, capture_output=True, env=env, timeout=90,
    )  # fmt: skip
    try:
        yield server
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", data, "-m", "immediate", "-w", "stop"],
            capture_output=True, env=env, timeout=60, check=False,
        )  # fmt: skip
        shutil.rmtree(root, ignore_errors=True)
