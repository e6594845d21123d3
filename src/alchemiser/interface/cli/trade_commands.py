"""`alchemiser trade`, `status` and `history`: the daily cycle, the account now, the record.

JSON output (`--json`): money, prices, quantities and weights are JSON numbers (floats converted
from the exact Decimals the engine uses); ids, dates and statuses are strings. The ledger keeps
the exact decimal text, so `history --json` shows money and quantities as strings.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from decimal import Decimal
from typing import Annotated, Any

import typer
from rich.table import Table

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.application.ports.broker import Broker
from alchemiser.application.ports.ledger import RunStatus
from alchemiser.application.run_reporting import build_run_report, publish_run_report
from alchemiser.application.trading_engine import CycleRequest, CycleResult
from alchemiser.domain.attribution.runs import sleeve_view
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.trading import AccountSnapshot, Symbol
from alchemiser.interface.cli.options import JsonFlag, PortfolioOption, SourceOption
from alchemiser.interface.cli.output import console, print_json

BrokerOption = Annotated[
    str | None,
    typer.Option("--broker", help="sim (embedded default) or alpaca (paper unless --live)."),
]


def trade(
    *,
    broker: BrokerOption = None,
    live: Annotated[
        bool, typer.Option("--live", help="Trade the LIVE Alpaca account (real money).")
    ] = False,
    dry_run: Annotated[
        bool, typer.Option("--dry-run", help="Print the plan; place no order.")
    ] = False,
    yes: Annotated[bool, typer.Option("--yes", "-y", help="Skip the live confirmation.")] = False,
    force: Annotated[
        bool, typer.Option("--force", help="Trade outside the trading window.")
    ] = False,
    portfolio: PortfolioOption = None,
    source: SourceOption = None,
    json_output: JsonFlag = False,
) -> None:
    """Run today's cycle: signals → plan → sell → settle → buy → verify (sim broker by default)."""
    settings = bootstrap.load_settings()
    name = broker or settings.broker
    spec = bootstrap.portfolio_of(settings, portfolio_file=portfolio)
    market = bootstrap.market_data_source(settings, source)
    errors = ErrorHandler(bootstrap.redactor_for(settings))
    mode = "sim" if name == "sim" else ("live" if live else "paper")
    config = _masked_config(settings)
    with _broker(settings, name, live=live, market=market) as chosen:
        ledger = bootstrap.ledger(settings)
        engine = bootstrap.trading_engine(
            settings,
            broker=chosen,
            ledger=ledger,
            market_data=market,
            errors=errors,
            portfolio=spec,
        )
        if live and not dry_run and not yes:
            preview = engine.run(CycleRequest(spec, mode, config, dry_run=True, force=force))
            _render(preview)
            if preview.status is not RunStatus.DRY_RUN or not typer.confirm(
                "Place these orders in the LIVE account?", default=False
            ):
                raise typer.Exit(_exit_code(preview) or 1)
        result = engine.run(CycleRequest(spec, mode, config, dry_run=dry_run, force=force))
        sleeves = sleeve_view(ledger.load_book(chosen.name), _prices(result))
    report_path = publish_run_report(
        build_run_report(result, sleeves),
        dispatcher=bootstrap.notification_dispatcher(settings, errors),
        ledger=ledger,
        errors=errors,
        write_file=bootstrap.run_report_writer(settings),
    )
    if json_output:
        payload = _trade_json(result, sleeves)
        payload["report_file"] = str(report_path) if report_path else None
        print_json(payload)
    else:
        _render(result)
        if report_path:
            console.print(f"Report: {report_path}")
    code = _exit_code(result)
    if code:
        raise typer.Exit(code)


def status(
    *,
    broker: BrokerOption = None,
    live: Annotated[bool, typer.Option("--live", help="The LIVE Alpaca account.")] = False,
    json_output: JsonFlag = False,
) -> None:
    """The account now (from the broker) and each sleeve's virtual holdings and P&L."""
    settings = bootstrap.load_settings()
    name = broker or settings.broker
    market = bootstrap.market_data_source(settings)
    with _broker(settings, name, live=live, market=market) as chosen:
        account = chosen.account()
        book = bootstrap.ledger(settings).load_book(chosen.name)
        prices = {str(p.symbol): p.market_price for p in account.positions}
        unpriced = [s for s in book.totals() if s not in prices]
        if unpriced:
            quotes = chosen.quotes([Symbol(s) for s in unpriced])
            prices |= {str(s): q.mid for s, q in quotes.items()}
    sleeves = sleeve_view(book, prices)
    payload = {
        "broker": name,
        "account": _account_json(account),
        "positions": _positions_json(account),
        "sleeves": _numbers(sleeves),
    }
    if json_output:
        print_json(payload)
        return
    _render_account("Account", account)
    _render_sleeves(sleeves)


def history(
    *,
    run: Annotated[str | None, typer.Option("--run", help="Show everything of one run.")] = None,
    limit: Annotated[int, typer.Option("--limit", help="How many recent runs.")] = 20,
    json_output: JsonFlag = False,
) -> None:
    """Past runs, or everything recorded for one run (signals, plan, orders, fills, errors)."""
    ledger = bootstrap.ledger(bootstrap.load_settings())
    if run is not None:
        detail = ledger.run_detail(run)
        if not detail:
            raise ConfigurationError(
                f"no run {run!r} in the ledger",
                context={"run_id": run},
                suggested_action="List runs with `alchemiser history`.",
            )
        if json_output:
            print_json(detail)
        else:
            _render_detail(detail)
        return
    runs = ledger.runs(limit)
    rows = [
        {
            "run_id": r.run_id,
            "trading_day": r.trading_day.isoformat(),
            "mode": r.mode,
            "broker": r.broker,
            "status": r.status.value,
            "started_at": r.started_at.isoformat(),
            "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            "orders": r.summary.get("orders"),
            "residual_drift": r.summary.get("residual_drift"),
        }
        for r in runs
    ]
    if json_output:
        print_json(rows)
        return
    table = Table(title="Runs (newest first)")
    table.add_column("run id", no_wrap=True)
    for column in ("day", "mode", "status", "orders", "residual drift"):
        table.add_column(column)
    for row in rows:
        drift = row["residual_drift"]
        table.add_row(
            row["run_id"],
            row["trading_day"],
            row["mode"],
            row["status"],
            str(row["orders"] or 0),
            "-" if drift is None else f"{float(drift):.2%}",
        )
    console.print(table)


# -- composition ----------------------------------------------------------------------------------
@contextmanager
def _broker(settings: Any, name: str, *, live: bool, market: Any) -> Iterator[Broker]:
    if live and name != "alpaca":
        raise ConfigurationError(
            "--live means the real Alpaca account; it needs --broker alpaca",
            context={"key": "broker", "broker": name},
            suggested_action="Use `--broker alpaca --live`.",
        )
    if name == "sim":
        yield bootstrap.sim_broker(settings, market)
        return
    if name != "alpaca":
        raise ConfigurationError(
            f"unknown broker {name!r}; expected sim or alpaca", context={"key": "broker"}
        )
    build = getattr(bootstrap, "alpaca_broker", None)
    if build is None:
        raise ConfigurationError(
            "the Alpaca broker is not available in this build",
            context={"key": "broker"},
            suggested_action="Use --broker sim.",
        )
    chosen = build(settings, live=live)
    try:
        yield chosen
    finally:
        close = getattr(chosen, "close", None)
        if callable(close):
            close()


def _masked_config(settings: Any) -> dict[str, Any]:
    """Settings as stored with the run: secrets replaced by *** (SPEC §9)."""
    redact = bootstrap.redactor_for(settings)
    dumped = settings.model_dump(mode="json")
    return _redacted(dumped, redact)  # type: ignore[no-any-return]


def _redacted(value: Any, redact: Any) -> Any:
    if isinstance(value, dict):
        return {k: _redacted(v, redact) for k, v in value.items()}
    if isinstance(value, list):
        return [_redacted(v, redact) for v in value]
    return redact(value) if isinstance(value, str) else value


def _exit_code(result: CycleResult) -> int:
    return result.errors[0].category.exit_code if result.errors else 0


def _prices(result: CycleResult) -> dict[str, Decimal]:
    outcome = result.outcome
    account = outcome and (outcome.account_after or outcome.account_before)
    prices: dict[str, Decimal] = {}
    if outcome:
        prices |= {str(t.symbol): t.price for t in outcome.plan.trades}
    if account:
        prices |= {str(p.symbol): p.market_price for p in account.positions}
    return prices


# -- JSON -----------------------------------------------------------------------------------------
def _num(value: Any) -> Any:
    return float(value) if isinstance(value, Decimal) else value


def _numbers(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _numbers(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_numbers(v) for v in value]
    return _num(value)


def _account_json(account: AccountSnapshot | None) -> dict[str, Any] | None:
    if account is None:
        return None
    return {
        "equity": float(account.equity),
        "cash": float(account.cash),
        "buying_power": float(account.buying_power),
    }


def _positions_json(account: AccountSnapshot) -> list[dict[str, Any]]:
    equity = account.equity
    return [
        {
            "symbol": str(p.symbol),
            "qty": float(p.qty),
            "market_value": float(p.market_value),
            "avg_entry_price": float(p.avg_entry_price),
            "weight": float(p.market_value / equity) if equity else 0.0,
        }
        for p in account.positions
    ]


def _trade_json(result: CycleResult, sleeves: Mapping[str, Any]) -> dict[str, Any]:
    outcome = result.outcome
    signal = result.signal
    phases = {}
    if outcome:
        phases = {o.client_order_id: r.side.value for r in outcome.results for o in r.orders}
    return {
        "run_id": result.run_id,
        "mode": result.mode,
        "broker": result.broker,
        "data_source": result.data_source,
        "synthetic": result.synthetic,
        "trading_day": result.trading_day.isoformat(),
        "status": result.status.value,
        "dry_run": result.status is RunStatus.DRY_RUN,
        "signals": {
            name: {"ok": True, "weights": dict(s.weights)} for name, s in signal.sleeves.items()
        }
        | {name: {"ok": False, "error": e.message} for name, e in signal.errors.items()}
        if signal
        else {},
        "target": dict(result.target.weights) if result.target else {},
        "plan": [
            {
                "symbol": str(t.symbol),
                "side": t.side.value,
                "qty": float(t.qty),
                "price": float(t.price),
                "value": float(t.value),
            }
            for t in (outcome.plan.trades if outcome else ())
        ],
        "orders": [
            {
                "symbol": str(o.symbol),
                "side": o.side.value,
                "qty": float(o.qty),
                "status": o.status.value,
                "filled_qty": float(o.filled_qty),
                "avg_price": _num(o.filled_avg_price),
                "order_type": o.order_type.value,
                "limit_price": _num(o.limit_price),
                "client_order_id": o.client_order_id,
                "phase": phases.get(o.client_order_id),
            }
            for o in (outcome.orders if outcome else [])
        ],
        "account_before": _account_json(outcome.account_before if outcome else None),
        "account_after": _account_json(outcome.account_after if outcome else None),
        "final_weights": _numbers(outcome.final_weights) if outcome else {},
        "residual_drift": float(outcome.residual_drift)
        if outcome and outcome.account_after
        else None,
        "sleeves": _numbers(sleeves),
        "interventions": [i.as_dict() for i in result.interventions],
        "risk_target": {str(s): float(w) for s, w in outcome.plan.target_weights.items()}
        if outcome
        else None,
        "notes": result.notes,
        "errors": [
            {"category": e.category.value, "message": e.message, "component": e.component}
            for e in result.errors
        ],
    }


# -- Rich -----------------------------------------------------------------------------------------
def _render(result: CycleResult) -> None:
    source = f"{result.data_source}{' (SYNTHETIC market)' if result.synthetic else ''}"
    console.print(
        f"[bold]Run {result.run_id}[/] · {result.mode} · broker {result.broker} · data {source} "
        f"· session {result.trading_day} · [bold]{result.status.value}[/]"
    )
    if result.signal:
        table = Table(title="Signals")
        for column in ("sleeve", "allocation", "weights"):
            table.add_column(column)
        for name, s in result.signal.sleeves.items():
            weights = ", ".join(f"{t} {w:.1%}" for t, w in sorted(s.weights.items()))
            table.add_row(name, f"{s.allocation:.0%}", weights or "cash")
        for name, error in result.signal.errors.items():
            alloc = result.signal.allocations[name]
            table.add_row(name, f"{alloc:.0%}", f"[red]FAILED: {error.message}[/]")
        console.print(table)
    if result.interventions:
        risk = Table(title="Risk rules")
        for column in ("rule", "ticker", "before", "after", "action", "reason"):
            risk.add_column(column)
        for i in result.interventions:
            risk.add_row(
                i.rule,
                i.ticker or "-",
                f"{i.before:.4g}",
                f"{i.after:.4g}",
                i.action.value,
                i.reason,
            )
        console.print(risk)
    outcome = result.outcome
    if outcome:
        plan = Table(title=f"Plan (portfolio value {outcome.plan.portfolio_value:,.2f})")
        for column in ("symbol", "side", "qty", "price", "value", "target"):
            plan.add_column(column, justify="right")
        for t in outcome.plan.trades:
            plan.add_row(
                str(t.symbol),
                t.side.value,
                f"{t.qty:f}",
                f"{t.price:.2f}",
                f"{t.value:,.2f}",
                f"{t.target_weight:.1%}",
            )
        console.print(plan if outcome.plan.trades else "Plan: nothing to trade.")
        if outcome.orders:
            orders = Table(title="Orders")
            for column in ("symbol", "side", "type", "qty", "limit", "status", "filled", "avg"):
                orders.add_column(column, justify="right")
            for o in outcome.orders:
                orders.add_row(
                    str(o.symbol),
                    o.side.value,
                    o.order_type.value,
                    f"{o.qty:f}",
                    "-" if o.limit_price is None else f"{o.limit_price}",
                    o.status.value,
                    f"{o.filled_qty:f}",
                    "-" if o.filled_avg_price is None else f"{o.filled_avg_price:.4f}",
                )
            console.print(orders)
        _render_account("Account before", outcome.account_before)
        if outcome.account_after:
            _render_account("Account after", outcome.account_after)
            console.print(
                f"Residual drift (largest |final − target|): {outcome.residual_drift:.3%}"
            )
    for note in result.notes:
        console.print(f"[yellow]note:[/] {note}")
    for record in result.errors:
        console.print(f"[red]{record.category.value} error:[/] {record.message}")


def _render_account(title: str, account: AccountSnapshot) -> None:
    console.print(
        f"[bold]{title}[/]: equity {account.equity:,.2f} · cash {account.cash:,.2f} · "
        f"buying power {account.buying_power:,.2f}"
    )
    if not account.positions:
        return
    table = Table()
    for column in ("symbol", "qty", "price", "market value", "weight"):
        table.add_column(column, justify="right")
    for p in account.positions:
        weight = p.market_value / account.equity if account.equity else Decimal(0)
        table.add_row(
            str(p.symbol),
            f"{p.qty:f}",
            f"{p.market_price:.2f}",
            f"{p.market_value:,.2f}",
            f"{weight:.2%}",
        )
    console.print(table)


def _render_sleeves(sleeves: Mapping[str, Any]) -> None:
    table = Table(title="Sleeves (virtual holdings)")
    for column in ("sleeve", "holdings", "realized P&L", "unrealized P&L"):
        table.add_column(column)
    for name, view in sleeves.items():
        holdings = ", ".join(f"{s} {h['qty']:.4f}" for s, h in view["holdings"].items())
        table.add_row(
            name,
            holdings or "-",
            f"{view['realized_pnl']:,.2f}",
            f"{view['unrealized_pnl']:,.2f}",
        )
    console.print(table)


_DETAIL_COLUMNS = {
    "target": ("symbol", "weight"),
    "plan": ("phase", "symbol", "side", "qty", "price", "value", "reason"),
    "orders": (
        "phase",
        "symbol",
        "side",
        "order_type",
        "qty",
        "limit_price",
        "status",
        "filled_qty",
        "filled_avg_price",
    ),
    "fills": ("phase", "symbol", "side", "qty", "price", "at"),
    "errors": ("category", "component", "message"),
}


def _render_detail(detail: Mapping[str, Any]) -> None:
    run = detail["run"]
    console.print(
        f"[bold]Run {run['run_id']}[/] · {run['mode']} · {run['broker']} · {run['status']} · "
        f"started {run['started_at']} · finished {run['finished_at']}"
    )
    for event in detail["events"]:
        console.print(f"  {event['at']}  [cyan]{event['step']}[/]  {event['message']}")
    for section, keys in _DETAIL_COLUMNS.items():
        rows = detail[section]
        if not rows:
            continue
        table = Table(title=section)
        for key in keys:
            table.add_column(key)
        for row in rows:
            table.add_row(*(str(row[k]) for k in keys))
        console.print(table)
