"""The kill switch end to end: `halt` persists in the ledger, `trade` and the autopilot refuse to
place orders while halted and say why (exit 11), reconciliation still runs, `resume` lifts it."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
import sqlalchemy as sa

from alchemiser import bootstrap
from tests.autopilot.conftest import email_to, et
from tests.notifications.conftest import SmtpServer
from tests.results.schema_check import validate_against_schema


def _json(capsys: pytest.CaptureFixture[str]) -> dict[str, object]:
    return json.loads(capsys.readouterr().out)  # type: ignore[no-any-return]


@pytest.mark.timeout(300)
def test_trade_refuses_while_halted_and_trades_after_resume(
    small_world: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from alchemiser.interface.cli.main import main

    assert main(["halt", "--reason", "broker maintenance", "--json"]) == 0
    first = _json(capsys)
    validate_against_schema("halt", first)
    assert first["already_halted"] is False
    halted = first["halted"]
    assert isinstance(halted, dict)
    assert halted["reason"] == "broker maintenance"
    assert halted["source"] == "operator"
    # a second halt keeps the first one
    assert main(["halt", "--reason", "something else", "--json"]) == 0
    again = _json(capsys)
    assert again["already_halted"] is True
    assert again["halted"] == halted

    assert main(["trade", "--yes", "--json"]) == 11
    refused = _json(capsys)
    assert refused["status"] == "refused"
    assert refused["orders"] == [] and refused["plan"] == []
    (error,) = refused["errors"]  # type: ignore[misc]
    assert error["category"] == "trading"
    assert "halted" in error["message"] and "broker maintenance" in error["message"]

    assert main(["autopilot", "status", "--json"]) == 0
    assert _json(capsys)["halted"]["reason"] == "broker maintenance"  # type: ignore[index]

    assert main(["resume", "--json"]) == 0
    lifted = _json(capsys)
    validate_against_schema("resume", lifted)
    assert lifted["resumed"]["reason"] == "broker maintenance"  # type: ignore[index]
    assert main(["resume", "--json"]) == 0
    nothing = _json(capsys)
    validate_against_schema("resume", nothing)
    assert nothing["resumed"] is None

    assert main(["trade", "--yes", "--json"]) == 0
    traded = _json(capsys)
    assert traded["status"] == "completed"
    assert traded["orders"]
    engine = sa.create_engine(f"sqlite:///{small_world / 'ledger.sqlite3'}")
    with engine.connect() as conn:
        log = conn.execute(sa.text("select action, reason from halt_log order by id")).all()
    assert [tuple(r) for r in log] == [
        ("halt", "broker maintenance"),
        ("resume", "broker maintenance"),
    ]


@pytest.mark.timeout(300)
def test_halted_run_still_reconciles_our_open_orders(
    small_world: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """An order of ours left working by a dead run is cancelled by the halted run (reconciliation
    runs), and no new order is placed."""
    from alchemiser.domain.trading import OrderRequest, OrderType, Side, Symbol
    from alchemiser.interface.cli.main import main

    settings = bootstrap.load_settings()
    broker = bootstrap.sim_broker(settings)
    from decimal import Decimal

    working = broker.submit_order(
        OrderRequest(
            client_order_id="alc-20261127T000000Z-dead00-buy-SPY-0",
            symbol=Symbol("SPY"),
            side=Side.BUY,
            qty=Decimal("1"),
            order_type=OrderType.LIMIT,
            limit_price=Decimal("1.00"),  # far below the market: it stays working
        )
    )
    assert not broker.get_order(working.id).is_final
    assert main(["halt", "--reason", "reconcile only"]) == 0
    capsys.readouterr()
    assert main(["trade", "--yes", "--json"]) == 11
    result = _json(capsys)
    assert result["orders"] == []
    assert any(
        "1 open order(s) of ours found at the broker; 1 cancelled" in note
        for note in result["notes"]
    )  # type: ignore[union-attr]
    after = bootstrap.sim_broker(settings)
    assert after.get_order(working.id).is_final
    assert after.open_orders() == ()


@pytest.mark.timeout(300)
def test_autopilot_while_halted_alerts_and_runs_after_resume(
    small_world: Path,
    smtp_server: SmtpServer,
    monkeypatch: pytest.MonkeyPatch,
    run_autopilot: Callable[..., int],
) -> None:
    from alchemiser.interface.cli.main import main

    email_to(monkeypatch, smtp_server)
    assert main(["halt", "--reason", "drawdown review"]) == 0
    assert run_autopilot(et(2026, 11, 23, 15, 40), et(2026, 11, 23, 15, 50)) == 0
    assert main(["resume"]) == 0
    assert run_autopilot(et(2026, 11, 23, 15, 51), et(2026, 11, 23, 15, 55)) == 0

    engine = sa.create_engine(f"sqlite:///{small_world / 'ledger.sqlite3'}")
    with engine.connect() as conn:
        runs = conn.execute(sa.text("select status from runs order by started_at")).scalars()
        statuses = list(runs)
    assert statuses == ["refused", "completed"]  # refused once (not every tick), then traded
    subjects = [str(m["Subject"]) for m in smtp_server.inbox.messages]
    halted = [s for s in subjects if s.startswith("[Alchemiser] Trading halted")]
    assert halted == ["[Alchemiser] Trading halted by operator: drawdown review"]
    assert any(s.startswith("[Alchemiser] Run completed") for s in subjects)
