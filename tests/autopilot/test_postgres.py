"""Two autopilots on one PostgreSQL ledger (two machines sharing a database): the first runs,
the second exits 11 naming the first — the lock is the database's, not the data directory's."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from alchemiser.interface.cli.main import main
from tests.autopilot.test_process import START_PROCESS, _wait_for
from tests.notifications.conftest import free_port
from tests.postgres_server import running_postgres


@pytest.fixture
def postgres_ledger(small_world: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    with running_postgres() as server:
        url = server.fresh_url()
        monkeypatch.setenv("ALCHEMISER_DATABASE_URL", url)
        yield url


@pytest.mark.timeout(400)
@pytest.mark.slow
def test_second_autopilot_on_one_postgres_ledger_is_refused(
    postgres_ledger: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    port = free_port()
    # the first "machine" has a data directory of its own: only the database is shared
    env = dict(os.environ) | {"ALCHEMISER_DATA_DIR": str(tmp_path / "machine-a")}
    process = subprocess.Popen(
        [sys.executable, "-c", START_PROCESS, "autopilot", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process)
        capsys.readouterr()
        assert main(["autopilot", "--port", "0"]) == 11
        err = capsys.readouterr()
        message = " ".join((err.out + err.err).split())
        assert "another autopilot is already running for account sim" in message
        assert f"pid {process.pid}" in message
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
