"""Issue 16, honest network behaviour: the real CLI in a subprocess against a server on
127.0.0.1 that accepts connections and never answers (a black-holing proxy or API host).

Yahoo is pointed at it the way a user behind a proxy is: `HTTPS_PROXY` (curl, under yfinance,
sends its CONNECT there and waits); Alpaca data and trading through their URL settings. Each
command must end with the right exit code within the configured deadline (or request
timeout), counted from the first connection the server saw, i.e. without the interpreter's
start-up, and must print no third-party log lines or warnings unless --verbose.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

CLI = str(Path(sys.executable).parent / "alchemiser")
MARGIN = 10.0
"""Seconds allowed after the deadline for rendering the error and exiting on a loaded CI."""
NOISE = ("yfinance", "urllib3", "curl_cffi", "Warning:", "FutureWarning", "DeprecationWarning")


class SilentServer:
    """Accepts every TCP connection and never reads or writes a byte."""

    def __init__(self) -> None:
        self._socket = socket.create_server(("127.0.0.1", 0))
        self._socket.settimeout(0.1)
        self.port: int = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.first_connection: float | None = None
        self.connections: list[socket.socket] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                connection, _ = self._socket.accept()
            except TimeoutError:
                continue
            if self.first_connection is None:
                self.first_connection = time.monotonic()
            self.connections.append(connection)

    def close(self) -> None:
        self._stop.set()
        self._thread.join(5)
        for connection in self.connections:
            connection.close()
        self._socket.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def _environment(tmp_path: Path, **extra: str) -> dict[str, str]:
    """The user's environment without their settings, keys or proxies; data under tmp_path."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.upper().startswith(("ALCHEMISER_", "ALPACA_"))
        and "PROXY" not in k.upper()
        and not k.upper().startswith("YF_")
    }
    env.update(
        ALCHEMISER_DATA_DIR=str(tmp_path / "data"),
        XDG_CACHE_HOME=str(tmp_path / "xdg"),  # yfinance's own caches
        HOME=str(tmp_path),
        NO_PROXY="",
        no_proxy="",
        COLUMNS="120",
    )
    env.update(extra)
    return env


def _run(
    args: list[str], env: dict[str, str], server: SilentServer, cwd: Path
) -> tuple[int, str, float]:
    """(exit code, stdout + stderr, seconds from the server's first connection to the exit)."""
    process = subprocess.Popen(
        [CLI, *args], env=env, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        output, _ = process.communicate(timeout=240)
    finally:
        if process.poll() is None:
            process.kill()
    ended = time.monotonic()
    assert server.first_connection is not None, f"nothing reached the silent server:\n{output}"
    elapsed = ended - server.first_connection
    output = " ".join(output.split())  # messages may wrap at the terminal width
    print(
        f"{' '.join(args)}: exit {process.returncode}, {elapsed:.2f} s after the first connection"
    )
    return process.returncode, output, elapsed


def _yahoo(tmp_path: Path, server: SilentServer, timeout: float, deadline: float) -> dict[str, str]:
    return _environment(
        tmp_path,
        HTTPS_PROXY=server.url,
        https_proxy=server.url,
        ALCHEMISER_MARKET_DATA__REQUEST_TIMEOUT_SECONDS=str(timeout),
        ALCHEMISER_MARKET_DATA__DEADLINE_SECONDS=str(deadline),
    )


def _alpaca_data(
    tmp_path: Path, server: SilentServer, timeout: float, deadline: float
) -> dict[str, str]:
    return _environment(
        tmp_path,
        ALPACA_API_KEY="PKSILENTNETWORKTEST",
        ALPACA_SECRET_KEY="silent-network-secret",
        ALCHEMISER_ALPACA_DATA_URL=server.url,
        ALCHEMISER_MARKET_DATA__REQUEST_TIMEOUT_SECONDS=str(timeout),
        ALCHEMISER_MARKET_DATA__DEADLINE_SECONDS=str(deadline),
    )


@pytest.mark.slow
@pytest.mark.timeout(300)
@pytest.mark.parametrize(
    ("source", "environment", "says"),
    [
        ("yahoo", _yahoo, "Yahoo Finance did not answer within the 3 s deadline"),
        ("alpaca", _alpaca_data, "Alpaca market data did not answer within the 3 s deadline"),
    ],
)
def test_signal_fails_as_data_within_the_deadline(
    source: str, environment: object, says: str, silent: SilentServer, tmp_path: Path
) -> None:
    """Request timeout 120 s, deadline 3 s: only the deadline can end this in time; the
    default portfolio asks for ~70 tickers over three sleeves, and each sleeve's fetch after
    the first fails at once (the source is known unreachable), not after another deadline."""
    assert callable(environment)
    env = environment(tmp_path, silent, 120, 3)
    code, output, elapsed = _run(["signal", "--source", source], env, silent, tmp_path)
    assert code == 12, output
    assert elapsed < 3 + MARGIN, f"{elapsed:.1f} s after the first connection\n{output}"
    assert says in output
    assert "BTAL" in output  # the tickers are named (BTAL sorts among the first shown)
    assert not [word for word in NOISE if word in output], output


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_each_request_ends_at_its_timeout(silent: SilentServer, tmp_path: Path) -> None:
    """Deadline 120 s, request timeout 1 s: the first request's timeout ends the fetch (as
    DATA, naming Alpaca and the tickers), not the deadline."""
    env = _alpaca_data(tmp_path, silent, 1, 120)
    code, output, elapsed = _run(["signal", "--source", "alpaca"], env, silent, tmp_path)
    assert code == 12, output
    assert elapsed < 1 + MARGIN, f"{elapsed:.1f} s\n{output}"
    assert "cannot reach Alpaca market data for" in output
    assert "no answer within 1 s" in output


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_verbose_shows_the_library_logs(silent: SilentServer, tmp_path: Path) -> None:
    """The filter hides yfinance's own lines, it does not lose them: --verbose shows them."""
    env = _yahoo(tmp_path, silent, 1, 3)
    code, output, _ = _run(["--verbose", "signal", "--source", "yahoo"], env, silent, tmp_path)
    assert code == 12, output
    assert "yfinance" in output


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_status_of_an_unreachable_alpaca_ends_at_the_broker_deadline(
    silent: SilentServer, tmp_path: Path
) -> None:
    """The broker read is retried (timeouts are transient) but never past
    alpaca.deadline_seconds: 3 s here, while each request alone could wait 120 s."""
    env = _environment(
        tmp_path,
        ALPACA_API_KEY="PKSILENTNETWORKTEST",
        ALPACA_SECRET_KEY="silent-network-secret",
        ALCHEMISER_ALPACA_BASE_URL=silent.url,
        ALCHEMISER_ALPACA__USE_STREAM="false",
        ALCHEMISER_ALPACA__REQUEST_TIMEOUT_SECONDS="120",
        ALCHEMISER_ALPACA__DEADLINE_SECONDS="3",
    )
    code, output, elapsed = _run(["status", "--broker", "alpaca"], env, silent, tmp_path)
    assert code == 10, output  # broker unreachable is CRITICAL (SPEC §9)
    assert elapsed < 3 + MARGIN, f"{elapsed:.1f} s\n{output}"
    assert "Alpaca did not answer read account in time" in output
    assert "gave up at the 3 s deadline" in output
    assert "silent-network-secret" not in output
