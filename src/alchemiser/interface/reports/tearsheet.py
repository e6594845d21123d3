"""The backtest tearsheet: one self-contained HTML file (plotly.js inlined, no network needed).

Charts: equity vs benchmark (log/linear switch), drawdown, rolling volatility, rolling Sharpe,
monthly returns heatmap, allocation over time (top holdings, the rest grouped), per-sleeve
contribution; then the metrics and sleeve tables. Synthetic data get a banner at the top.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd
import plotly.graph_objects as go

from alchemiser.application.backtest import BacktestResult
from alchemiser.domain.backtest.metrics import (
    SESSIONS_PER_YEAR,
    Metrics,
    compute_metrics,
    drawdown_series,
)

ROLLING_VOLATILITY_WINDOW = 63
ROLLING_SHARPE_WINDOW = 126
TEMPLATES = Path(__file__).parent / "templates"

WITHOUT_RULES = "Without risk rules"

CHART_TITLES: dict[str, str] = {
    "equity": "Equity vs benchmark",
    "drawdown": "Drawdown",
    "rolling-volatility": f"Rolling volatility ({ROLLING_VOLATILITY_WINDOW} sessions, annualised)",
    "rolling-sharpe": f"Rolling Sharpe ratio ({ROLLING_SHARPE_WINDOW} sessions)",
    "monthly-returns": "Monthly returns",
    "allocation": "Allocation over time",
    "sleeves": "Per-sleeve contribution",
}

_METRIC_ROWS: tuple[tuple[str, str, str], ...] = (
    ("Cumulative return", "cumulative_return", "pct"),
    ("CAGR", "cagr", "pct"),
    ("Volatility (ann.)", "volatility", "pct"),
    ("Sharpe", "sharpe", "num"),
    ("Sortino", "sortino", "num"),
    ("Max drawdown", "max_drawdown", "pct"),
    ("Calmar", "calmar", "num"),
    ("Beta", "beta", "num"),
    ("Alpha (ann.)", "alpha", "pct"),
    ("Win rate", "win_rate", "pct"),
    ("Best day", "best_day", "pct"),
    ("Worst day", "worst_day", "pct"),
)


@dataclass(frozen=True, slots=True)
class _Chart:
    id: str
    title: str
    html: str


def write_tearsheet(
    result: BacktestResult, path: Path, *, log_scale: bool = True, top_holdings: int = 8
) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        render_tearsheet(result, log_scale=log_scale, top_holdings=top_holdings), encoding="utf-8"
    )
    return path


def render_tearsheet(
    result: BacktestResult, *, log_scale: bool = True, top_holdings: int = 8
) -> str:
    index = pd.DatetimeIndex(result.dates.astype("datetime64[ns]"))
    equity = pd.Series(result.equity, index=index)
    figures = {
        "equity": _equity_figure(result, equity, log_scale),
        "drawdown": _drawdown_figure(result, equity),
        "rolling-volatility": _rolling_volatility_figure(equity),
        "rolling-sharpe": _rolling_sharpe_figure(equity),
        "monthly-returns": _monthly_figure(equity),
        "allocation": _allocation_figure(result, index, top_holdings),
        "sleeves": _sleeves_figure(result, index),
    }
    charts = [
        _Chart(
            id=key,
            title=CHART_TITLES[key],
            html=figure.to_html(
                full_html=False,
                include_plotlyjs=(i == 0),  # plotly.js inlined once, in the first chart
                div_id=f"{key}-plot",
                config={"displaylogo": False, "responsive": True},
            ),
        )
        for i, (key, figure) in enumerate(figures.items())
    ]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template("tearsheet.html.j2").render(
        title=_title(result),
        synthetic=result.synthetic,
        start=result.start.isoformat(),
        end=result.end.isoformat(),
        sessions=len(result.dates),
        source=result.source,
        first_defined=result.first_defined.isoformat(),
        warmup=result.warmup_sessions,
        capital=_money(result.capital),
        notes=result.notes,
        risk_rows=_risk_rows(result),
        metric_columns=_metric_columns(result),
        metric_rows=_metric_rows(result),
        sleeves=_sleeve_rows(result),
        costs=_money(result.costs),
        cost_breakdown=", ".join(
            f"{k.replace('_', ' ')} {_money(v)}" for k, v in result.cost_breakdown.items()
        ),
        traded=_money(result.traded_value),
        turnover=_pct(result.turnover),
        charts=charts,
    )


def _title(result: BacktestResult) -> str:
    names = ", ".join(s.name for s in result.sleeves)
    return f"Backtest: {names}"


# -- charts ---------------------------------------------------------------------------------------
def _layout(fig: go.Figure, *, y_title: str, percent: bool = False) -> go.Figure:
    fig.update_layout(
        template="plotly_white",
        height=380,
        margin={"l": 60, "r": 20, "t": 30, "b": 40},
        legend={"orientation": "h", "y": 1.08},
        hovermode="x unified",
        yaxis_title=y_title,
    )
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


def _equity_figure(result: BacktestResult, equity: pd.Series, log_scale: bool) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(go.Scatter(x=equity.index, y=equity.values, name="Portfolio"))
    if result.unconstrained is not None:
        fig.add_trace(go.Scatter(x=equity.index, y=result.unconstrained.equity, name=WITHOUT_RULES))
    bench = result.benchmark_equity()
    if bench is not None:
        fig.add_trace(
            go.Scatter(x=equity.index, y=bench, name=f"{result.benchmark} (buy and hold)")
        )
    fig.update_yaxes(type="log" if log_scale else "linear")
    fig.update_layout(
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "x": 1.0,
                "y": 1.15,
                "xanchor": "right",
                "buttons": [
                    {"label": "Log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
                    {"label": "Linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
                ],
            }
        ]
    )
    return _layout(fig, y_title="Value ($)")


def _drawdown_figure(result: BacktestResult, equity: pd.Series) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(
        go.Scatter(
            x=equity.index,
            y=-drawdown_series(result.equity),
            name="Portfolio",
            fill="tozeroy",
        )
    )
    if result.unconstrained is not None:
        fig.add_trace(
            go.Scatter(
                x=equity.index,
                y=-drawdown_series(result.unconstrained.equity),
                name=WITHOUT_RULES,
            )
        )
    bench = result.benchmark_equity()
    if bench is not None and np.isfinite(bench).all():
        fig.add_trace(
            go.Scatter(x=equity.index, y=-drawdown_series(bench), name=str(result.benchmark))
        )
    return _layout(fig, y_title="Below peak", percent=True)


def _rolling_volatility_figure(equity: pd.Series) -> go.Figure:
    returns = equity.pct_change()
    vol = returns.rolling(ROLLING_VOLATILITY_WINDOW).std() * math.sqrt(SESSIONS_PER_YEAR)
    fig = go.Figure(go.Scatter(x=vol.index, y=vol.values, name="Volatility"))
    return _layout(fig, y_title="Annualised volatility", percent=True)


def _rolling_sharpe_figure(equity: pd.Series) -> go.Figure:
    returns = equity.pct_change()
    rolling = returns.rolling(ROLLING_SHARPE_WINDOW)
    sharpe = rolling.mean() / rolling.std() * math.sqrt(SESSIONS_PER_YEAR)
    fig = go.Figure(go.Scatter(x=sharpe.index, y=sharpe.values, name="Sharpe"))
    fig.add_hline(y=0, line_width=1, line_color="#9aa5b1")
    return _layout(fig, y_title="Sharpe ratio")


def monthly_returns(equity: pd.Series) -> pd.DataFrame:
    """Years × months table of returns (the first month from the first close)."""
    month_end = equity.resample("ME").last()
    previous = month_end.shift(1)
    previous.iloc[0] = equity.iloc[0]
    returns = month_end / previous - 1.0
    months = pd.DatetimeIndex(returns.index)
    table = pd.DataFrame({"year": months.year, "month": months.month, "value": returns.values})
    pivot = table.pivot(index="year", columns="month", values="value")
    return pivot.reindex(columns=range(1, 13))


def _monthly_figure(equity: pd.Series) -> go.Figure:
    table = monthly_returns(equity)
    months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
    values = table.to_numpy()
    text = [[("" if np.isnan(v) else f"{v:.1%}") for v in row] for row in values]
    limit = float(np.nanmax(np.abs(values))) if np.isfinite(values).any() else 0.1
    fig = go.Figure(
        go.Heatmap(
            z=values,
            x=months,
            y=[str(y) for y in table.index],
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0,
            zmin=-limit,
            zmax=limit,
            colorbar={"tickformat": ".0%"},
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
        )
    )
    fig = _layout(fig, y_title="Year")
    fig.update_layout(height=max(260, 22 * len(table) + 80), hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def _allocation_figure(result: BacktestResult, index: pd.DatetimeIndex, top: int) -> go.Figure:
    weights = pd.DataFrame(result.weights, index=index, columns=list(result.tickers))
    ranked = weights.mean().sort_values(ascending=False)
    keep = [t for t in ranked.index[:top] if ranked[t] > 0]
    fig = go.Figure()
    for ticker in keep:
        fig.add_trace(_area(index, weights[ticker].to_numpy(), ticker))
    rest = weights.drop(columns=keep).sum(axis=1).to_numpy()
    if rest.max(initial=0.0) > 1e-9:
        fig.add_trace(_area(index, rest, "Other"))
    cash = np.clip(1.0 - weights.sum(axis=1).to_numpy(), 0.0, None)
    if cash.max(initial=0.0) > 1e-9:
        fig.add_trace(_area(index, cash, "Cash"))
    return _layout(fig, y_title="Weight", percent=True)


def _area(index: pd.DatetimeIndex, values: np.ndarray, name: str) -> go.Scatter:
    return go.Scatter(x=index, y=values, name=name, stackgroup="one", mode="none")


def _sleeves_figure(result: BacktestResult, index: pd.DatetimeIndex) -> go.Figure:
    fig = go.Figure()
    for sleeve in result.sleeves:
        fig.add_trace(
            go.Scatter(
                x=index, y=sleeve.equity, name=sleeve.name, stackgroup="sleeves", mode="none"
            )
        )
    return _layout(fig, y_title="Value of each sleeve ($), stacked")


# -- tables ---------------------------------------------------------------------------------------
def _metric_columns(result: BacktestResult) -> list[str]:
    columns = ["Portfolio"]
    if result.unconstrained is not None:
        columns.append(WITHOUT_RULES)
    if _benchmark_metrics(result) is not None:
        columns.append(str(result.benchmark))
    if len(result.sleeves) > 1:
        columns.extend(s.name for s in result.sleeves)
    return columns


def _benchmark_metrics(result: BacktestResult) -> Metrics | None:
    curve = result.benchmark_equity()
    if curve is None or not np.isfinite(curve).all():
        return None
    return compute_metrics(curve, result.benchmark_close)


def _metric_rows(result: BacktestResult) -> list[tuple[str, list[str]]]:
    sets = [result.metrics]
    if result.unconstrained is not None:
        sets.append(result.unconstrained.metrics)
    bench = _benchmark_metrics(result)
    if bench is not None:
        sets.append(bench)
    if len(result.sleeves) > 1:
        sets.extend(s.metrics for s in result.sleeves)
    rows = []
    for label, key, kind in _METRIC_ROWS:
        fmt = _pct if kind == "pct" else _num
        rows.append((label, [fmt(getattr(m, key)) for m in sets]))
    return rows


def _risk_rows(result: BacktestResult) -> list[tuple[str, str, str]]:
    """(rule, sessions it intervened on, share of sessions), one row per rule that acted."""
    if result.unconstrained is None:
        return []
    sessions = len(result.dates)
    counts = result.intervention_counts
    rows = [(rule, str(n), _pct(n / sessions)) for rule, n in counts.items()]
    any_day = len({i.day for i in result.interventions})
    rows.append(("any rule", str(any_day), _pct(any_day / sessions)))
    return rows


def _sleeve_rows(result: BacktestResult) -> list[dict[str, str]]:
    rows = []
    for s in result.sleeves:
        start = s.allocation * result.capital
        pnl = float(s.equity[-1]) - start
        share = f" ({pnl / start:+.1%} on its allocation)"
        rows.append(
            {
                "name": s.name,
                "symphony": s.symphony,
                "allocation": _pct(s.allocation),
                "rebalance": s.policy.label(),
                "first_defined": s.first_defined.isoformat(),
                "final": _money(float(s.equity[-1])),
                "contribution": _money(pnl) + share,
                "costs": _money(s.simulation.total_costs),
            }
        )
    return rows


def _pct(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2%}"


def _num(value: float) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


def _money(value: float) -> str:
    return f"${value:,.2f}"
