"""The replay: parity with the backtest, sleeve P&L, range-evaluated signals, no look-ahead,
resuming. Expected figures come from independent paths (the backtest simulation, the broker's
account, a fresh per-day evaluation), never from the replay itself."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.replay.cut_market import CutMarketData
from alchemiser.application.replay.progress import SessionRecord
from alchemiser.application.replay.range_signals import RangeStrategyManager
from alchemiser.application.replay.service import REPLAY_HISTORY_YEARS
from alchemiser.application.strategy_manager import StrategyManager
from alchemiser.domain.backtest.costs import CostModel
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.market.price_history import to_date
from alchemiser.domain.trading import Side
from alchemiser.infrastructure.ledger import SqlLedger, create_ledger_engine
from alchemiser.infrastructure.sim_broker.store import SimStore
from alchemiser.interface.cli.main import main

from .conftest import FINGERPRINT, START, Perturbed, service, zero_cost_settings

NEW_YORK = ZoneInfo("America/New_York")
ROOT = Path(__file__).resolve().parents[2]
END = dt.date(2016, 12, 30)  # one year: 252 sessions; benchmarks/replay.py runs 1 and 10 years
SESSIONS = 252
SIGNALS_END = dt.date(2016, 2, 29)  # 39 fresh per-day evaluations are enough for that check
# The one-year replay dominates: ~3 min at 1.4 sessions/s (before the replay-speed work).
pytestmark = [pytest.mark.slow, pytest.mark.timeout(1200)]


@pytest.fixture(scope="module")
def replayed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[SessionRecord]]:
    data_dir = tmp_path_factory.mktemp("replay")
    records = service(data_dir).run(
        bootstrap.portfolio_of(bootstrap.load_settings()), START, END, fingerprint=FINGERPRINT
    )
    return data_dir, records


def test_zero_cost_fractional_replay_tracks_the_backtest_within_10bp(
    replayed: tuple[Path, list[SessionRecord]],
) -> None:
    data_dir, records = replayed
    portfolio = bootstrap.portfolio_of(bootstrap.load_settings())
    assert len(portfolio.sleeves) == 3
    assert len(records) == len(bootstrap.trading_calendar().sessions(START, END)) == SESSIONS
    assert all(r.status == "completed" and not r.errors for r in records)
    report = service(data_dir).compare(
        portfolio,
        records,
        costs=CostModel(slippage_bps=0, fees=False),
        capital=100_000.0,
    )
    print(report.parity)
    assert report.sessions == SESSIONS
    assert abs(report.parity.final_equity_gap_bp) < 10, report.parity
    assert 0 < report.parity.tracking_error_bp < 10, report.parity
    # zero spread: fills at the close; nothing is left that no cause names
    assert abs(report.parity.fills_off_close_bp) < 0.5, report.parity  # 1/100-cent prices
    assert abs(report.parity.unexplained_bp) < 1, report.parity
    lines = {line.cause: line.bp for line in report.reconciliation}
    assert sum(lines.values()) == pytest.approx(report.parity.final_equity_gap_bp, abs=1e-6)
    assert lines["backtest_costs"] == 0 and lines["errors"] == 0
    # the replay really traded: it is not trivially flat
    assert report.turnover["replay"] > 1 and report.turnover["backtest"] > 1


def test_sleeve_pnl_in_the_ledger_sums_to_the_account(
    replayed: tuple[Path, list[SessionRecord]],
) -> None:
    data_dir, records = replayed
    ledger = SqlLedger(f"sqlite:///{data_dir / 'replay' / 'ledger.sqlite3'}")
    book = ledger.load_book("sim")
    assert set(book.sleeves) == {"nuclear", "tecl", "klm"}
    last = records[-1]
    held = book.totals()
    assert set(held) == set(last.values)  # the sleeves hold what the account holds
    prices = {s: Decimal(repr(last.values[s])) / held[s] for s in held}
    sleeves_pnl = sum(
        (s.realized + s.unrealized(prices) for s in book.sleeves.values()), Decimal(0)
    )
    account_pnl = Decimal(repr(last.equity)) - Decimal(100_000)
    assert abs(sleeves_pnl - account_pnl) < Decimal("0.05"), (sleeves_pnl, account_pnl)


def test_with_default_costs_the_gap_is_explained_line_by_line(tmp_path: Path) -> None:
    """Default spread (2 bp ↔ 1 bp slippage), fees in the backtest, default trade thresholds."""
    settings = bootstrap.load_settings(data_dir=tmp_path, sim_broker={"spread_bps": Decimal(2)})
    source = bootstrap.market_data_source(settings, "synthetic")
    replay = bootstrap.replay_service(
        settings, source=source, errors=ErrorHandler(bootstrap.redactor_for(settings))
    )
    portfolio = bootstrap.portfolio_of(settings)
    end = dt.date(2016, 1, 29)
    records = replay.run(portfolio, START, end, fingerprint=FINGERPRINT)
    report = replay.compare(portfolio, records, costs=CostModel(), capital=100_000.0)
    lines = {line.cause: line.bp for line in report.reconciliation}
    assert sum(lines.values()) == pytest.approx(report.parity.final_equity_gap_bp, abs=1e-6)
    assert lines["backtest_costs"] > 0 and lines["limit_fills"] < 0  # each path's costs
    assert lines["thresholds"] != 0  # min drift 1 pp: trades were skipped
    assert abs(lines["residual"]) < 0.05 * abs(lines["limit_fills"])
    # the fill line, against the simulated broker's own fills and the source's closes
    fills = SimStore(create_ledger_engine(_ledger_url(tmp_path)), "sim").fills()
    history = source.history(sorted({str(f.symbol) for f in fills}), START, end)
    close = {
        (to_date(day), ticker): float(history.close[i, j])
        for i, day in enumerate(history.dates)
        for j, ticker in enumerate(history.tickers)
    }
    equities = [100_000.0] + [r.equity for r in records]
    before = {r.session: e for r, e in zip(records, equities[:-1], strict=True)}
    fills_bp = 0.0
    for fill in fills:
        at = fill.time if fill.time.tzinfo else fill.time.replace(tzinfo=dt.UTC)
        day = at.astimezone(NEW_YORK).date()
        sign = 1 if fill.side is Side.BUY else -1
        off = sign * float(fill.qty) * (float(fill.price) - close[day, str(fill.symbol)])
        fills_bp += off / before[day] * 1e4
    assert lines["limit_fills"] + lines["top_up"] == pytest.approx(-fills_bp, rel=0.02)
    assert any(day.reasons for day in report.differing_days)
    assert all(day.reasons for day in report.differing_days)


def _ledger_url(data_dir: Path) -> str:
    return f"sqlite:///{data_dir / 'replay' / 'ledger.sqlite3'}"


def test_signals_evaluated_once_equal_a_fresh_evaluation_on_every_session() -> None:
    settings = bootstrap.load_settings()
    source = bootstrap.market_data_source(settings, "synthetic")
    portfolio = bootstrap.portfolio_of(settings)
    sessions = service(Path("unused")).sessions(START, SIGNALS_END)
    once = RangeStrategyManager(
        source, bootstrap.load_symphony, end=SIGNALS_END, history_years=REPLAY_HISTORY_YEARS
    )
    for day in sessions:
        fresh = StrategyManager(
            CutMarketData(source, day),
            bootstrap.load_symphony,
            history_years=REPLAY_HISTORY_YEARS,
            today=lambda day=day: day,
        ).signal(portfolio, live_date=day)
        cut = once.signal(portfolio, live_date=day)
        assert not fresh.errors and not cut.errors
        for name, sleeve in fresh.sleeves.items():
            assert cut.sleeves[name].weights == pytest.approx(dict(sleeve.weights), abs=1e-12), (
                day,
                name,
            )


def test_changing_prices_after_a_decision_changes_no_decision_before_it(
    tmp_path: Path,
) -> None:
    settings = bootstrap.load_settings()
    source = bootstrap.market_data_source(settings, "synthetic")
    portfolio = bootstrap.portfolio_of(settings)
    sessions = service(tmp_path / "x").sessions(START, dt.date(2016, 1, 14))
    cutoff = sessions[4]
    perturbed = Perturbed(source, after=cutoff)
    plain = service(tmp_path / "plain", source).run(
        portfolio, sessions[0], sessions[-1], fingerprint=FINGERPRINT
    )
    moved = service(tmp_path / "moved", perturbed).run(
        portfolio, sessions[0], sessions[-1], fingerprint=FINGERPRINT
    )
    assert perturbed.changed  # the range evaluation did read the changed prices
    for a, b in zip(plain[:5], moved[:5], strict=True):
        assert (a.session, a.equity, a.cash, a.values) == (b.session, b.equity, b.cash, b.values)
    # the perturbation is visible afterwards, so the equality above is not vacuous
    assert [a.equity for a in plain[5:]] != [b.equity for b in moved[5:]]


def test_an_interrupted_replay_resumes_where_it_stopped(tmp_path: Path) -> None:
    portfolio = bootstrap.portfolio_of(bootstrap.load_settings())
    end = dt.date(2016, 1, 12)
    whole = service(tmp_path / "whole").run(portfolio, START, end, fingerprint=FINGERPRINT)

    class StopRequestedError(Exception):
        pass

    def stop_after_three(done: int, _total: int) -> None:
        if done == 3:
            raise StopRequestedError  # as a Ctrl-C between two sessions

    with pytest.raises(StopRequestedError):
        service(tmp_path / "split").run(
            portfolio, START, end, fingerprint=FINGERPRINT, on_progress=stop_after_three
        )
    resumed = service(tmp_path / "split").run(portfolio, START, end, fingerprint=FINGERPRINT)
    assert [r.session for r in resumed] == [r.session for r in whole]
    assert [(r.equity, r.values) for r in resumed] == [(r.equity, r.values) for r in whole]
    runs = SqlLedger(f"sqlite:///{tmp_path / 'split' / 'replay' / 'ledger.sqlite3'}").runs(100)
    assert len(runs) == len(whole)  # no session was traded twice
    with pytest.raises(ConfigurationError, match="another portfolio"):
        service(tmp_path / "split").run(portfolio, START, end, fingerprint={"other": 1})


def test_cli_json_and_fail_above(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    argv = ["replay", "--start", "2016-01-04", "--end", "2016-01-07", "--slippage-bps", "0"]
    argv += ["--no-fees", "--data-dir", str(tmp_path), "--json"]
    assert main([*argv, "--report", str(tmp_path / "parity.html")]) == 0
    payload = json.loads(capsys.readouterr().out)
    assert payload["sessions"] == 4
    assert set(payload["parity"]) >= {"final_equity_gap_bp", "tracking_error_bp"}
    schema = json.loads((ROOT / "docs" / "schemas" / "replay.json").read_text(encoding="utf-8"))
    Draft202012Validator(schema, format_checker=FormatChecker()).validate(payload)
    gap = payload["parity"]["final_equity_gap_bp"]
    assert sum(line["bp"] for line in payload["reconciliation"]) == pytest.approx(gap, abs=1e-6)
    page = (tmp_path / "parity.html").read_text()
    assert "Replay vs backtest" in page and "The gap, line by line" in page
    assert main([*argv, "--fail-above", "-1"]) == 17  # resumed: nothing replayed again
    assert main([*argv, "--fail-above", "1000"]) == 0  # a check that passes
    capsys.readouterr()


class _CtrlC(BaseException):
    """As KeyboardInterrupt: not an Exception, so the cycle does not record and swallow it."""


def test_a_replay_stopped_mid_session_resumes_from_the_last_completed_session(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Stopped between two orders of one session: that session's ledger rows, account changes
    and progress are all dropped, and resuming replays it from the previous session's end."""
    from alchemiser.infrastructure.sim_broker import SimBroker

    portfolio = bootstrap.portfolio_of(bootstrap.load_settings())
    end = dt.date(2016, 1, 12)
    whole = service(tmp_path / "whole").run(portfolio, START, end, fingerprint=FINGERPRINT)
    orders_per_session = [r.orders for r in whole]
    # stop at the second order of the first session after the first one with ≥ 2 orders
    session = next(i for i, n in enumerate(orders_per_session) if i > 0 and n >= 2)
    stop_at = sum(orders_per_session[:session]) + 2
    placed = SimBroker.submit_order
    calls = 0

    def interrupting(self: SimBroker, request: object) -> object:
        nonlocal calls
        calls += 1
        if calls == stop_at:
            raise _CtrlC
        return placed(self, request)  # type: ignore[arg-type]

    monkeypatch.setattr(SimBroker, "submit_order", interrupting)
    with pytest.raises(_CtrlC):
        service(tmp_path / "split").run(portfolio, START, end, fingerprint=FINGERPRINT)
    monkeypatch.setattr(SimBroker, "submit_order", placed)
    ledger_url = f"sqlite:///{tmp_path / 'split' / 'replay' / 'ledger.sqlite3'}"
    runs = SqlLedger(ledger_url).runs(100)
    assert len(runs) == session  # the stopped session left no run behind
    assert all(r.status.value == "completed" for r in runs)
    resumed = service(tmp_path / "split").run(portfolio, START, end, fingerprint=FINGERPRINT)
    assert [(r.session, r.equity, r.values) for r in resumed] == [
        (r.session, r.equity, r.values) for r in whole
    ]
    runs = SqlLedger(ledger_url).runs(100)
    assert len(runs) == len(whole) and all(r.status.value == "completed" for r in runs)


def test_the_risk_rules_of_trade_change_the_replayed_orders(tmp_path: Path) -> None:
    """`[risk]` settings reach the replay: a 20 % cap per ticker (scale) changes the orders and
    is recorded as a risk intervention, and no session holds more than the cap."""
    portfolio = bootstrap.portfolio_of(bootstrap.load_settings())
    end = dt.date(2016, 1, 6)
    cap = 0.2

    def replay(folder: str, **risk: object) -> tuple[list[SessionRecord], SqlLedger]:
        settings = zero_cost_settings(tmp_path / folder).model_copy(deep=True)
        settings = settings.model_copy(update={"risk": settings.risk.model_copy(update=risk)})
        replayer = bootstrap.replay_service(
            settings,
            source=bootstrap.market_data_source(settings, "synthetic"),
            errors=ErrorHandler(bootstrap.redactor_for(settings)),
        )
        records = replayer.run(portfolio, START, end, fingerprint=FINGERPRINT)
        ledger = SqlLedger(f"sqlite:///{tmp_path / folder / 'replay' / 'ledger.sqlite3'}")
        return records, ledger

    free, free_ledger = replay("free")
    capped, capped_ledger = replay("capped", max_ticker_weight=cap)
    # without the rule some ticker is held above the cap (else the test would prove nothing)
    assert max(max(r.values.values()) / r.equity for r in free) > cap + 0.01
    for r in capped:
        assert r.status == "completed", r.errors
        assert max(r.values.values()) / r.equity <= cap + 1e-3, (r.session, r.values)

    def orders(ledger: SqlLedger) -> list[tuple[str, str, Decimal]]:
        runs = sorted(ledger.runs(100), key=lambda run: run.trading_day)
        return [(o.symbol, o.side, o.qty) for run in runs for o in ledger.orders_of(run.run_id)]

    assert orders(free_ledger) != orders(capped_ledger)
    steps = [
        e.step
        for run in capped_ledger.runs(100)
        for e in (capped_ledger.run_detail(run.run_id) or pytest.fail("no detail")).events
    ]
    assert "risk" in steps
