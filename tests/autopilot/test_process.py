"""The autopilot as a real process: a real HTTP scrape of /metrics parsed with prometheus_client
agrees with `autopilot status --json`; a second autopilot on the same data directory refuses
with its message; SIGTERM between cycles exits at once, and SIGTERM during a cycle leaves no
order of ours working and a complete ledger record."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
import sqlalchemy as sa
from prometheus_client.parser import text_string_to_metric_families

from alchemiser.interface.cli.main import main
from tests.notifications.conftest import free_port

START_PROCESS = "import sys; from alchemiser.interface.cli.main import main; sys.exit(main())"


def _get(url: str) -> tuple[int, str]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()


def _wait_for(url: str, process: subprocess.Popen[bytes], seconds: float = 180) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"autopilot exited early: {process.communicate()}")
        try:
            if _get(url)[0] == 200:
                return
        except OSError:
            pass
        time.sleep(0.3)
    raise AssertionError(f"{url} never answered")


@pytest.mark.timeout(400)
@pytest.mark.slow
def test_metrics_scrape_equals_status_and_second_autopilot_refused(
    small_world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["trade", "--yes"]) == 0  # something to report: equity, sleeves, a last run
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-c", START_PROCESS, "autopilot", "--port", str(port)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_for(f"{base}/healthz", process)  # 503 until the scheduler loop has ticked
        ready, why = _get(f"{base}/readyz")
        assert ready == 200, why
        code, text = _get(f"{base}/metrics")
        assert code == 200
        families = {f.name: f for f in text_string_to_metric_families(text)}
        capsys.readouterr()
        assert main(["autopilot", "status", "--json"]) == 0
        status = json.loads(capsys.readouterr().out)

        (equity,) = families["alchemiser_equity_dollars"].samples
        assert equity.value == status["equity"]
        (cash,) = families["alchemiser_cash_dollars"].samples
        assert cash.value == status["cash"]
        scraped = {
            s.labels["sleeve"]: s.value for s in families["alchemiser_sleeve_value_dollars"].samples
        }
        assert scraped == {s["name"]: s["value"] for s in status["sleeves"]}
        assert set(scraped) == {"core", "growth"}
        assert sum(scraped.values()) == pytest.approx(status["equity"] - status["cash"], abs=0.01)
        (nxt,) = families["alchemiser_next_run_timestamp_seconds"].samples
        from datetime import datetime

        assert nxt.value == datetime.fromisoformat(status["next_run"]).timestamp()
        assert status["next_run"][-6] in "+-"  # an ISO datetime with its offset
        (orders,) = families["alchemiser_last_run_orders"].samples
        assert orders.value == status["last_run"]["orders"] > 0
        assert "alchemiser_errors" in families  # a counter: exposed as alchemiser_errors_total

        # A second autopilot on the same data directory: refused, naming the holder.
        capsys.readouterr()
        assert main(["autopilot", "--port", "0"]) == 11
        err = capsys.readouterr()
        message = " ".join((err.out + err.err).split())
        assert "another autopilot is already running for account sim" in message
        assert f"pid {process.pid}" in message

        # Halted: not ready, and says why.
        assert main(["halt", "--reason", "metrics test"]) == 0
        code, body = _get(f"{base}/readyz")
        assert code == 503
        assert "metrics test" in body
        assert main(["resume"]) == 0

        # SIGTERM between cycles: exits at once, cleanly.
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


SIGTERM_MID_CYCLE = textwrap.dedent(
    """
    import datetime as dt, sys, time
    from pathlib import Path
    from alchemiser import bootstrap
    from alchemiser.domain.trading import Side
    from alchemiser.infrastructure.sim_broker.broker import SimBroker
    from alchemiser.interface.cli.main import main

    START = dt.datetime(2026, 11, 23, 20, 45, 25, tzinfo=dt.UTC)  # 15:45:25 New York

    class RunningClock:  # real time, shifted to a moment just before the window
        def __init__(self):
            self.shift = START - dt.datetime.now(dt.UTC)
        def now(self):
            return dt.datetime.now(dt.UTC) + self.shift
        def sleep(self, seconds):
            time.sleep(max(0.0, seconds))

    clock = RunningClock()
    bootstrap.system_clock = lambda: clock
    submit = SimBroker.submit_order
    marker = Path(sys.argv[1])

    def submit_and_linger(self, request):
        order = submit(self, request)
        if request.side is Side.BUY and not marker.exists():
            marker.write_text(request.client_order_id)
            time.sleep(3)  # the test's SIGTERM arrives while this order is working
        return order

    SimBroker.submit_order = submit_and_linger
    sys.exit(main(["autopilot", "--port", "0"]))
    """
)


@pytest.mark.timeout(300)
@pytest.mark.slow
def test_sigterm_during_a_cycle_leaves_nothing_working(small_world: Path, tmp_path: Path) -> None:
    marker = tmp_path / "first-buy"
    process = subprocess.Popen(
        [sys.executable, "-c", SIGTERM_MID_CYCLE, str(marker)],
        env=dict(os.environ),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 200
        while not marker.exists():
            assert process.poll() is None, process.communicate()
            assert time.monotonic() < deadline, "the cycle never placed a buy"
            time.sleep(0.05)
        process.send_signal(signal.SIGTERM)
        _, err = process.communicate(timeout=120)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, err.decode()[-3000:]

    engine = sa.create_engine(f"sqlite:///{small_world / 'ledger.sqlite3'}")
    with engine.connect() as conn:
        (run,) = conn.execute(sa.text("select run_id, status, finished_at from runs")).all()
        working = conn.execute(
            sa.text(
                "select count(*) from sim_orders where status not in "
                "('filled', 'canceled', 'expired', 'rejected', 'done_for_day', 'replaced')"
            )
        ).scalar_one()
        at_broker = set(conn.execute(sa.text("select client_order_id from sim_orders")).scalars())
        in_ledger = set(conn.execute(sa.text("select client_order_id from orders")).scalars())
        final = conn.execute(sa.text("select count(*) from orders where final = 0")).scalar_one()
        stops = conn.execute(
            sa.text("select count(*) from errors where record like '%StopRequestedError%'")
        ).scalar_one()
        after = conn.execute(
            sa.text("select count(*) from account_snapshots where stage = 'after'")
        ).scalar_one()
    # the stop left the target unreached: the run says so (SPEC §13, issue 11), it is never
    # "completed", and it is fully recorded
    assert run.status in ("partial", "failed") and run.finished_at is not None
    assert working == 0  # nothing of ours left working at the broker
    assert at_broker == in_ledger and final == 0  # every order recorded in its final state
    assert stops >= 1  # later orders were refused because of the stop
    assert after == 1  # the run verified and recorded the account at its end
    assert marker.read_text() in in_ledger
