"""A real SMTP server (aiosmtpd) and a webhook endpoint on 127.0.0.1, plus a sample run report."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import json
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, Envelope, LoginPassword, Session

from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.results.account import AccountView, SleeveBookView
from alchemiser.application.results.common import Phase, RunStatus
from alchemiser.application.results.run import OrderView, PlannedTradeView, RunResult, WeightLine
from alchemiser.application.results.signal import ExplanationLine, SleeveSignalView, TargetLine
from alchemiser.application.services.views import error_view
from alchemiser.domain.errors import DataError, OrderRejectedError

SMTP_USER = "trader"
SMTP_PASSWORD = "smtp-pa55word-xyz"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Inbox:
    messages: list[EmailMessage] = field(default_factory=list)
    logins: list[str] = field(default_factory=list)

    async def handle_DATA(self, server: Any, session: Session, envelope: Envelope) -> str:
        raw = envelope.original_content or b""
        parsed = email.message_from_bytes(raw, policy=email.policy.default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"

    def authenticate(
        self, server: Any, session: Session, envelope: Envelope, mechanism: str, data: Any
    ) -> AuthResult:
        ok = (
            isinstance(data, LoginPassword)
            and data.login.decode() == SMTP_USER
            and data.password.decode() == SMTP_PASSWORD
        )
        if ok:
            self.logins.append(SMTP_USER)
        return AuthResult(success=ok, handled=False)  # let aiosmtpd answer 535 on failure


@dataclass
class SmtpServer:
    host: str
    port: int
    inbox: Inbox


def _start(inbox: Inbox, **kwargs: Any) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        authenticator=inbox.authenticate,
        auth_require_tls=False,
        **kwargs,
    )
    controller.start()
    return controller, port


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    inbox = Inbox()
    controller, port = _start(inbox)
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


@pytest.fixture
def tls_smtp_server(tmp_path: Path) -> Iterator[SmtpServer]:
    """STARTTLS with a self-signed certificate made by openssl for this test."""
    import shutil
    import ssl

    if shutil.which("openssl") is None:
        pytest.skip("openssl is not available to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    inbox = Inbox()
    controller, port = _start(inbox, tls_context=context, require_starttls=True)
    try:
        yield SmtpServer("127.0.0.1", port, inbox)
    finally:
        controller.stop()


@dataclass
class Webhook:
    url: str
    received: list[dict[str, Any]]
    status: list[int]


@pytest.fixture
def webhook() -> Iterator[Webhook]:
    received: list[dict[str, Any]] = []
    status = [200]

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers["Content-Length"])
            received.append(json.loads(self.rfile.read(length)))
            self.send_response(status[0])
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            return

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield Webhook(
            f"http://127.0.0.1:{server.server_address[1]}/hook/T0KEN-in-url", received, status
        )
    finally:
        server.shutdown()
        server.server_close()


def _line(depth: int, summary: str) -> ExplanationLine:
    return ExplanationLine(depth=depth, kind="if", summary=summary, share=1.0, defined=True,
                           details={})  # fmt: skip


def _sleeve(name: str, allocation: float, weights: dict[str, float], why: str) -> SleeveSignalView:
    return SleeveSignalView(
        sleeve=name, symphony=name, name=name, allocation=allocation, ok=True,
        as_of=dt.date(2026, 11, 24), warmed_up=None, weights=weights,
        explanation=[_line(0, why)],
    )  # fmt: skip


def _account(equity: str, cash: str) -> AccountView:
    return AccountView(
        equity=Decimal(equity), cash=Decimal(cash), buying_power=Decimal(cash), positions=[]
    )


@pytest.fixture
def report() -> RunResult:
    errors = ErrorHandler()
    rejected = errors.handle(
        OrderRejectedError("limit buy TQQQ rejected: price band", context={"symbol": "TQQQ"}),
        component="execution",
    )
    stale = errors.handle(
        DataError("KMLM last bar 2026-11-20 is stale", context={"ticker": "KMLM"}),
        component="market_data",
    )
    order = {"order_type": "limit", "limit_price": None, "status": "filled"}
    return RunResult(
        run_id="20261124T204500Z-a1b2c3",
        mode="sim",
        dry_run=False,
        broker="sim",
        data_source="synthetic",
        synthetic=True,
        trading_day=dt.date(2026, 11, 24),
        status=RunStatus.COMPLETED,
        started_at=dt.datetime(2026, 11, 24, 20, 45, tzinfo=dt.UTC),
        finished_at=dt.datetime(2026, 11, 24, 20, 46, tzinfo=dt.UTC),
        sleeves=[
            _sleeve(
                "nuclear",
                0.3,
                {"UVXY": 0.75, "BTAL": 0.25},
                "rsi(SPY,10)=81.20 > 79 → overbought branch",
            ),
            _sleeve("tecl", 0.7, {"TECL": 1.0}, "SPY 512.3 > ma200 480.1"),
        ],
        target=[
            TargetLine(symbol="TECL", weight=0.7, sleeves={"tecl": 0.7}),
            TargetLine(symbol="UVXY", weight=0.225, sleeves={"nuclear": 0.225}),
            TargetLine(symbol="BTAL", weight=0.075, sleeves={"nuclear": 0.075}),
        ],
        plan=[
            PlannedTradeView(
                phase=Phase.SELL,
                symbol="SPY",
                side="sell",
                qty=Decimal("10"),
                price=Decimal("512.30"),
                value=Decimal("5123.00"),
                reason="close position",
            ),
            PlannedTradeView(
                phase=Phase.BUY,
                symbol="TECL",
                side="buy",
                qty=Decimal("55.5"),
                price=Decimal("88.00"),
                value=Decimal("4884.00"),
                reason="rebalance to target",
            ),
        ],
        orders=[
            OrderView(
                phase=Phase.SELL,
                symbol="SPY",
                side="sell",
                qty=Decimal("10"),
                filled_qty=Decimal("10"),
                filled_avg_price=Decimal("512.31"),
                client_order_id="alc-x-sell-SPY-0",
                broker_order_id="b1",
                **order,
            ),
            OrderView(
                phase=Phase.TOPUP,
                symbol="TECL",
                side="buy",
                qty=Decimal("55.5"),
                filled_qty=Decimal("55.5"),
                filled_avg_price=Decimal("88.02"),
                client_order_id="alc-x-topup-TECL-0",
                broker_order_id="b2",
                **order,
            ),
        ],
        account_before=_account("100000", "2000"),
        account_after=_account("100150.25", "12.5"),
        weights=[
            WeightLine(symbol="TECL", target=0.7, final=0.6999, drift=-0.0001),
            WeightLine(symbol="UVXY", target=0.225, final=0.2241, drift=-0.0009),
            WeightLine(symbol="BTAL", target=0.075, final=0.0752, drift=0.0002),
        ],
        residual_drift=0.0009,
        sleeve_books=[
            SleeveBookView(
                sleeve="nuclear",
                holdings=[],
                realized_pnl=Decimal("120.5"),
                unrealized_pnl=Decimal("-33.25"),
            ),
        ],
        notes=[],
        errors=[error_view(rejected), error_view(stale)],
    )
