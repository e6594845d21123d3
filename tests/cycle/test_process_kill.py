"""A real `kill -9` in the middle of `alchemiser trade`: the process dies right after the broker
accepted its first buy (no handler, no finally runs); the next `trade` finishes the job."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
import sqlalchemy as sa

from alchemiser.interface.cli.main import main

KILL_AFTER_FIRST_BUY = textwrap.dedent(
    """
    import os, signal, sys
    from alchemiser.domain.trading import Side
    from alchemiser.infrastructure.sim_broker.broker import SimBroker
    from alchemiser.interface.cli.main import main

    submit = SimBroker.submit_order

    def submit_then_die(self, request):
        order = submit(self, request)
        if request.side is Side.BUY:
            os.kill(os.getpid(), signal.SIGKILL)
        return order

    SimBroker.submit_order = submit_then_die
    sys.exit(main(["trade", "--yes"]))
    """
)


def test_kill_9_mid_submission_then_trade_finishes_without_duplicates(
    capsys: pytest.CaptureFixture[str],
) -> None:
    env = dict(os.environ)
    killed = subprocess.run(
        [sys.executable, "-c", KILL_AFTER_FIRST_BUY],
        check=False,
        env=env,
        capture_output=True,
        timeout=120,
    )
    assert killed.returncode == -9, killed.stderr.decode()[-2000:]
    ledger_url = f"sqlite:///{Path(env['ALCHEMISER_DATA_DIR']) / 'ledger.sqlite3'}"
    engine = sa.create_engine(ledger_url)
    with engine.connect() as conn:
        (dead_run,) = conn.execute(sa.text("select run_id, status from runs")).all()
        assert dead_run.status == "running"
        recorded = conn.execute(sa.text("select count(*) from orders")).scalar_one()
        at_broker = conn.execute(sa.text("select count(*) from sim_orders")).scalar_one()
    assert at_broker == recorded + 1  # the accepted buy never reached the ledger

    capsys.readouterr()
    assert main(["trade", "--yes", "--json"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert any("interrupted" in note for note in result["notes"])
    for line in result["weights"]:
        assert line["final"] == pytest.approx(line["target"], abs=0.01)
    with engine.connect() as conn:
        status = conn.execute(
            sa.text("select status from runs where run_id = :r"), {"r": dead_run.run_id}
        ).scalar_one()
        broker_ids = set(conn.execute(sa.text("select client_order_id from sim_orders")).scalars())
        ledger_ids = set(conn.execute(sa.text("select client_order_id from orders")).scalars())
        working = conn.execute(
            sa.text(
                "select count(*) from sim_orders where status not in "
                "('filled', 'canceled', 'expired', 'rejected', 'done_for_day', 'replaced')"
            )
        ).scalar_one()
    assert status == "interrupted"
    assert broker_ids == ledger_ids  # every order at the broker is in the ledger
    assert working == 0
    capsys.readouterr()
    assert main(["trade", "--yes", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["orders"] == []
