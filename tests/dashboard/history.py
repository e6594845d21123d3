"""Daily runs written through the real ledger unit of work, as the trading engine writes them
(start, signals with their explanation, target, the `after` account, finish): years of history
in seconds, for the dashboard's tests and benchmarks/dashboard.py. The equity walk and the
branch each sleeve takes are drawn from a seeded generator and returned, so a test compares
the dashboard with these inputs, not with itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

import numpy as np

from alchemiser.application.ports.ledger import Ledger, RunInfo, RunStatus, SleeveSignalRecord
from alchemiser.domain.trading import AccountSnapshot, Position, Symbol

SLEEVES = {"alpha": ("SPY", "BIL"), "beta": ("QQQ", "TLT"), "gamma": ("GLD", "SHY")}


@dataclass(frozen=True, slots=True)
class WrittenDay:
    day: dt.date
    run_id: str
    equity: Decimal
    cash: Decimal
    branches: dict[str, str]
    """Sleeve → `then` or `else`: which branch its one `if` took that day."""


def _explanation(first: str, second: str, branch: str, lhs: float) -> list[dict[str, object]]:
    chosen = first if branch == "then" else second
    return [
        {
            "depth": 0,
            "kind": "if",
            "summary": f"if rsi({first}, 10) > 50 → {branch}",
            "share": 1.0,
            "defined": True,
            "details": {
                "condition": f"rsi({first}, 10) > 50",
                "lhs": lhs,
                "rhs": 50.0,
                "result": branch == "then",
                "branch": branch,
            },
            "position": [1, 1],
        },
        {
            "depth": 1,
            "kind": "asset",
            "summary": chosen,
            "share": 1.0,
            "defined": True,
            "details": {"ticker": chosen},
            "position": [2, 3],
        },
    ]


def write_daily_runs(
    ledger: Ledger,
    days: list[dt.date],
    *,
    broker: str = "sim",
    seed: int = 7,
    at: dt.time = dt.time(19, 50),
) -> list[WrittenDay]:
    rng = np.random.default_rng(seed)
    equity = Decimal("100000")
    written: list[WrittenDay] = []
    share = 1.0 / len(SLEEVES)
    for n, day in enumerate(days):
        run_id = f"hist-{day:%Y%m%d}-{n:05d}"
        started = dt.datetime.combine(day, at, tzinfo=dt.UTC)
        equity = (equity * Decimal(str(round(1 + rng.normal(0.0004, 0.012), 6)))).quantize(
            Decimal("0.01")
        )
        cash = (equity * Decimal("0.01")).quantize(Decimal("0.01"))
        branches: dict[str, str] = {}
        signals = []
        target: dict[str, float] = {}
        for sleeve, (first, second) in SLEEVES.items():
            lhs = float(rng.uniform(20, 80))
            branch = "then" if lhs > 50 else "else"
            branches[sleeve] = branch
            chosen = first if branch == "then" else second
            signals.append(
                SleeveSignalRecord(
                    sleeve=sleeve,
                    allocation=share,
                    ok=True,
                    weights={chosen: 1.0},
                    explanation=_explanation(first, second, branch, lhs),
                )
            )
            target[chosen] = target.get(chosen, 0.0) + share
        price = Decimal("100")
        invested = equity - cash
        positions = tuple(
            Position(
                Symbol(s),
                (invested * Decimal(str(w)) / price).quantize(Decimal("0.0001")),
                price,
                price,
            )
            for s, w in target.items()
        )
        with ledger.unit_of_work() as uow:
            uow.start_run(
                RunInfo(
                    run_id=run_id,
                    trading_day=day,
                    mode="sim",
                    broker=broker,
                    data_source="synthetic",
                    started_at=started,
                    config={},
                )
            )
            uow.record_signals(run_id, signals)
            uow.record_target(run_id, target, {s: {} for s in target})
            uow.record_account(
                run_id,
                "after",
                AccountSnapshot(
                    account_id=broker,
                    equity=equity,
                    cash=cash,
                    buying_power=cash,
                    positions=positions,
                    time=started + dt.timedelta(minutes=5),
                ),
            )
            uow.finish_run(run_id, RunStatus.COMPLETED, {"orders": 0, "residual_drift": "0"})
        written.append(WrittenDay(day, run_id, equity, cash, branches))
    return written


def weekdays(end: dt.date, count: int) -> list[dt.date]:
    """`count` weekdays ending at `end` (holidays are not skipped: the dashboard needs none)."""
    days: list[dt.date] = []
    day = end
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= dt.timedelta(days=1)
    return days[::-1]
