"""`backtest`: the metrics table, final equity, costs, notes."""

from __future__ import annotations

from alchemiser.application.results.backtest import BacktestSummary, MetricsView
from alchemiser.interface.cli.output import console
from alchemiser.interface.cli.render.lines import line
from alchemiser.interface.cli.render.numbers import money
from alchemiser.interface.cli.render.tables import FittedTable, number, text

_ROWS = (
    ("cumulative return", "cumulative_return", True),
    ("CAGR", "cagr", True),
    ("volatility", "volatility", True),
    ("Sharpe", "sharpe", False),
    ("Sortino", "sortino", False),
    ("max drawdown", "max_drawdown", True),
    ("Calmar", "calmar", False),
    ("beta", "beta", False),
    ("alpha", "alpha", True),
    ("win rate", "win_rate", True),
    ("best day", "best_day", True),
    ("worst day", "worst_day", True),
)


def render_backtest(result: BacktestSummary) -> None:
    if result.synthetic:
        console.print(
            line(
                ("SYNTHETIC DATA", "bold yellow"),
                f" ({result.source}): simulated prices, not a market record.",
            ),
            highlight=False,
        )
    console.print(
        f"Backtest {result.start} → {result.end} · {result.sessions} sessions · "
        f"first defined {result.first_defined} ({result.warmup_sessions} sessions of warm-up) · "
        f"source {result.source}",
        highlight=False,
        markup=False,
    )
    columns: list[tuple[str, MetricsView]] = [("Portfolio", result.metrics)]
    if result.benchmark and result.benchmark_metrics is not None:
        columns.append((result.benchmark, result.benchmark_metrics))
    if len(result.sleeves) > 1:
        columns.extend((s.sleeve, s.metrics) for s in result.sleeves)
    rows = [[label, *(_fmt(getattr(m, key), pct) for _, m in columns)] for label, key, pct in _ROWS]
    headers = [text("metric"), *(number(name) for name, _ in columns)]
    console.print(FittedTable(headers, rows, title="Performance"))
    console.print(
        line(
            "Final equity ",
            (money(result.final_equity), "bold"),
            f" from {money(result.capital)} · costs {money(result.costs)} · "
            f"turnover {result.turnover:.0%} a year",
        ),
        highlight=False,
    )
    if result.risk is not None:
        counts = ", ".join(f"{r} {n}" for r, n in result.risk.intervention_counts.items())
        console.print(
            f"Risk rules intervened on {result.risk.sessions_with_interventions} of "
            f"{result.sessions} sessions ({counts or 'none'}); without them: final equity "
            f"{money(result.risk.final_equity_without_rules)}, max drawdown "
            f"{_fmt(result.risk.metrics_without_rules.max_drawdown, True)}",
            highlight=False,
            markup=False,
        )
    for note in result.notes:
        console.print(line(("note:", "yellow"), f" {note}"), highlight=False)
    if result.report_file is not None:
        console.print(f"Report written to {result.report_file}", highlight=False, markup=False)


def _fmt(value: float | None, pct: bool) -> str:
    if value is None:
        return "n/a"
    return f"{value:.2%}" if pct else f"{value:.2f}"
