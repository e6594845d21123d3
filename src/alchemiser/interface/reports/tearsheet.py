"""The backtest tearsheet: an HTML file that opens offline, beside one shared plotly.js bundle.

It renders `application.backtest.tearsheet.TearsheetModel` and computes nothing itself: every
number, table and resampled series comes from the model. Sections follow QuantStats: metrics,
return statistics (skew, kurtosis, VaR/CVaR, time in market, best/worst day, month and year),
trailing returns, current holdings, worst drawdowns, then the charts (equity with a log/linear
switch, drawdown, end-of-year returns, monthly heatmap, return distribution, rolling volatility
and Sharpe, allocation over time, per-sleeve value).

plotly.js (~4.7 MB) is written once per folder as `plotly-<version>.min.js` and each report
refers to it by a relative path, so a folder of reports holds one copy and each report stays
small; the versioned name keeps older reports working after an upgrade writes a newer bundle.
"""

from __future__ import annotations

import math
import tempfile
from dataclasses import dataclass
from pathlib import Path

import jinja2
import numpy as np
import plotly
import plotly.graph_objects as go
import plotly.io as pio
from plotly.offline import get_plotlyjs

from alchemiser.application.backtest import BacktestResult
from alchemiser.application.backtest.tearsheet import (
    ROLLING_SHARPE_WINDOW,
    ROLLING_VOLATILITY_WINDOW,
    TOP_HOLDINGS,
    WITHOUT_RULES,
    Line,
    TearsheetModel,
    build_tearsheet,
)
from alchemiser.domain.backtest.metrics import Metrics
from alchemiser.domain.backtest.return_stats import VAR_CONFIDENCE, DatedReturn, ReturnStats

TEMPLATES = Path(__file__).parent / "templates"
PLOTLY_BUNDLE = f"plotly-{plotly.__version__}.min.js"
"""File name of the shared plotly.js beside the reports (one per plotly version)."""
HEATMAP_CLIP = 0.20
"""The monthly heatmap's colours saturate at ±20 %: one wild month must not wash out the rest."""

CHART_TITLES: dict[str, str] = {
    "equity": "Equity vs benchmark",
    "drawdown": "Drawdown",
    "yearly-returns": "End-of-year returns",
    "monthly-returns": "Monthly returns",
    "distribution": "Distribution of daily returns",
    "rolling-volatility": f"Rolling volatility ({ROLLING_VOLATILITY_WINDOW} sessions, annualised)",
    "rolling-sharpe": f"Rolling Sharpe ratio ({ROLLING_SHARPE_WINDOW} sessions)",
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
_THEME = pio.templates["plotly_white"].to_plotly_json()
_CONFIG = {"displaylogo": False, "responsive": True}
_PERIOD_DAYS = {"week": 7.0, "month": 365.25 / 12, "quarter": 365.25 / 4}
_GROUP_COLOURS = {"Other": "#9aa5b1", "Cash": "#d9e2ec"}
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


@dataclass(frozen=True, slots=True)
class _Chart:
    id: str
    title: str
    html: str


def write_tearsheet(
    result: BacktestResult, path: Path, *, log_scale: bool = True, top_holdings: int = TOP_HOLDINGS
) -> Path:
    """Write the report and, when the folder lacks it, the shared plotly.js bundle beside it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    write_plotly_bundle(path.parent)
    path.write_text(
        render_tearsheet(result, log_scale=log_scale, top_holdings=top_holdings), encoding="utf-8"
    )
    return path


def write_plotly_bundle(folder: Path) -> Path:
    """plotly.js into `folder` once; rewritten only when missing or not the full file."""
    bundle = folder / PLOTLY_BUNDLE
    script = get_plotlyjs()
    expected = len(script.encode("utf-8"))
    if not bundle.exists() or bundle.stat().st_size != expected:
        # A private temporary file renamed into place: a report opened meanwhile never sees
        # half a script, and two backtests writing into one folder do not mix their writes.
        with tempfile.NamedTemporaryFile(
            "w", encoding="utf-8", dir=folder, prefix=f".{PLOTLY_BUNDLE}.", delete=False
        ) as partial:
            partial.write(script)
        Path(partial.name).replace(bundle)
    return bundle


def render_tearsheet(
    result: BacktestResult, *, log_scale: bool = True, top_holdings: int = TOP_HOLDINGS
) -> str:
    """The report's HTML; it loads `PLOTLY_BUNDLE` from its own folder (see write_tearsheet)."""
    model = build_tearsheet(result, top_holdings=top_holdings)
    figures = {
        "equity": _equity_figure(model, log_scale),
        "drawdown": _lines_figure(model.drawdown, y_title="Below peak", percent=True, fill=True),
        "yearly-returns": _yearly_figure(model),
        "monthly-returns": _monthly_figure(model),
        "distribution": _distribution_figure(model.stats),
        "rolling-volatility": _lines_figure(
            (model.rolling_volatility,), y_title="Annualised volatility", percent=True
        ),
        "rolling-sharpe": _rolling_sharpe_figure(model.rolling_sharpe),
        "allocation": _allocation_figure(model),
        "sleeves": _sleeves_figure(model.sleeves),
    }
    charts = [
        _Chart(
            id=key,
            title=CHART_TITLES[key],
            html=_figure_html(figure, f"{key}-plot"),
        )
        for key, figure in figures.items()
    ]
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    stats_columns = ["Portfolio"]
    if model.benchmark_stats is not None:
        stats_columns.append(str(result.benchmark))
    return env.get_template("tearsheet.html.j2").render(
        plotly_src=PLOTLY_BUNDLE,
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
        metric_columns=_metric_columns(model),
        metric_rows=_metric_rows(model),
        stats_columns=stats_columns,
        stats_rows=_stats_rows(model),
        var_method=(
            f"one day, {VAR_CONFIDENCE:.0%} confidence, parametric (a normal distribution "
            "fitted to the daily returns), as quantstats computes them by default"
        ),
        trailing_rows=_trailing_rows(model),
        holdings_date=str(model.holdings_date[0]),
        holdings=[(h.ticker, _weight(h.weight)) for h in model.holdings],
        drawdown_rows=_drawdown_rows(model.stats),
        sleeves=_sleeve_rows(result),
        costs=_money(result.costs),
        cost_breakdown=", ".join(
            f"{k.replace('_', ' ')} {_money(v)}" for k, v in result.cost_breakdown.items()
        ),
        traded=_money(result.traded_value),
        turnover=_pct(result.turnover),
        allocation_note=(
            f"Average weight per {model.allocation.frequency}; the "
            f"{sum(n not in ('Other', 'Cash') for n in model.allocation.names)} largest holdings "
            "on average, the rest as Other."
        ),
        charts=charts,
    )


def _figure_html(figure: go.Figure, div_id: str) -> str:
    """The chart's div and script. The theme is set here, as plain JSON, once per chart: set
    through `update_layout` plotly re-validated the whole template each time (~0.3 s a chart)."""
    spec = figure.to_plotly_json()
    spec["layout"]["template"] = _THEME
    html: str = pio.to_html(
        spec,
        full_html=False,
        include_plotlyjs=False,
        div_id=div_id,
        config=_CONFIG,
        validate=False,
    )
    return html


def _title(result: BacktestResult) -> str:
    names = ", ".join(s.name for s in result.sleeves)
    return f"Backtest: {names}"


# -- charts ---------------------------------------------------------------------------------------
def _layout(fig: go.Figure, *, y_title: str, percent: bool = False) -> go.Figure:
    # The legend sits under the plot: above it, it collided with plotly's toolbar (top right).
    fig.update_layout(
        height=380,
        margin={"l": 60, "r": 20, "t": 40, "b": 40},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top", "x": 0, "xanchor": "left"},
        hovermode="x unified",
        yaxis_title=y_title,
    )
    if percent:
        fig.update_yaxes(tickformat=".0%")
    return fig


def _scatter(line: Line, **kwargs: object) -> go.Scatter:
    return go.Scatter(x=line.dates, y=line.values, name=line.name, **kwargs)


def _lines_figure(
    lines: tuple[Line, ...], *, y_title: str, percent: bool = False, fill: bool = False
) -> go.Figure:
    fig = go.Figure()
    for i, line in enumerate(lines):
        fig.add_trace(_scatter(line, fill="tozeroy" if fill and i == 0 else None))
    return _layout(fig, y_title=y_title, percent=percent)


def _equity_figure(model: TearsheetModel, log_scale: bool) -> go.Figure:
    fig = _lines_figure(model.equity, y_title="Value ($)")
    fig.update_yaxes(type="log" if log_scale else "linear")
    # Top left, above the plot: plotly's toolbar owns the top right corner.
    fig.update_layout(
        margin={"t": 50},
        updatemenus=[
            {
                "type": "buttons",
                "direction": "right",
                "x": 0,
                "xanchor": "left",
                "y": 1.02,
                "yanchor": "bottom",
                "pad": {"l": 0, "t": 0, "r": 0, "b": 0},
                "showactive": True,
                "active": 0 if log_scale else 1,
                "buttons": [
                    {"label": "Log", "method": "relayout", "args": [{"yaxis.type": "log"}]},
                    {"label": "Linear", "method": "relayout", "args": [{"yaxis.type": "linear"}]},
                ],
            }
        ],
    )
    return fig


def _yearly_figure(model: TearsheetModel) -> go.Figure:
    fig = go.Figure()
    fig.add_trace(_bars("Portfolio", model.stats.yearly))
    if model.benchmark_stats is not None:
        fig.add_trace(_bars(str(model.result.benchmark), model.benchmark_stats.yearly))
    fig.update_layout(barmode="group")
    fig = _layout(fig, y_title="Return", percent=True)
    fig.update_xaxes(type="category")
    return fig


def _bars(name: str, returns: tuple[DatedReturn, ...]) -> go.Bar:
    return go.Bar(
        x=[r.period for r in returns],
        y=[r.value for r in returns],
        name=name,
        hovertemplate="%{x}: %{y:.2%}<extra>" + name + "</extra>",
    )


def _monthly_figure(model: TearsheetModel) -> go.Figure:
    table = model.monthly
    text = [[("" if np.isnan(v) else f"{v:.1%}") for v in row] for row in table.values]
    fig = go.Figure(
        go.Heatmap(
            z=table.values,
            x=list(_MONTHS),
            y=[str(y) for y in table.years],
            text=text,
            texttemplate="%{text}",
            colorscale="RdYlGn",
            zmid=0,
            zmin=-HEATMAP_CLIP,
            zmax=HEATMAP_CLIP,
            colorbar={
                "tickformat": ".0%",
                "title": {"text": f"±{HEATMAP_CLIP:.0%}<br>and beyond", "side": "top"},
            },
            hovertemplate="%{y} %{x}: %{text}<extra></extra>",
        )
    )
    fig = _layout(fig, y_title="Year")
    fig.update_layout(height=max(260, 22 * len(table.years) + 80), hovermode="closest")
    fig.update_yaxes(autorange="reversed", type="category")
    return fig


def _distribution_figure(stats: ReturnStats) -> go.Figure:
    edges, counts = stats.histogram.edges, stats.histogram.counts
    fig = go.Figure(
        go.Bar(
            x=(edges[:-1] + edges[1:]) / 2,
            y=counts,
            width=np.diff(edges),
            name="Sessions",
            customdata=np.stack([edges[:-1], edges[1:]], axis=1),
            hovertemplate="%{customdata[0]:.2%} to %{customdata[1]:.2%}: %{y} sessions"
            "<extra></extra>",
        )
    )
    for label, value, dash in (
        ("VaR", stats.value_at_risk, "dash"),
        ("CVaR", stats.conditional_value_at_risk, "dot"),
    ):
        if math.isfinite(value):
            fig.add_vline(
                x=value,
                line_dash=dash,
                line_color="#c81e1e",
                annotation_text=f"{label} {value:.2%}",
                annotation_position="top left" if label == "CVaR" else "top right",
            )
    fig = _layout(fig, y_title="Sessions")
    fig.update_layout(hovermode="closest", bargap=0)
    fig.update_xaxes(tickformat=".1%", title_text="Daily return")
    return fig


def _rolling_sharpe_figure(line: Line) -> go.Figure:
    fig = _lines_figure((line,), y_title="Sharpe ratio")
    fig.add_hline(y=0, line_width=1, line_color="#9aa5b1")
    return fig


def _allocation_figure(model: TearsheetModel) -> go.Figure:
    """Stacked bars, one per averaged period: the periods are discrete, so bars say so."""
    alloc = model.allocation
    width = _PERIOD_DAYS[alloc.frequency] * 86_400_000  # a date axis counts milliseconds
    fig = go.Figure()
    for j, name in enumerate(alloc.names):
        colour = _GROUP_COLOURS.get(name)
        fig.add_trace(
            go.Bar(
                x=alloc.dates,
                y=alloc.weights[:, j],
                name=name,
                width=width * 0.92,
                offset=-width,  # each bar spans its period, ending on its last session
                marker={"color": colour, "line": {"width": 0}}
                if colour
                else {"line": {"width": 0}},
                hovertemplate="%{y:.1%}",
            )
        )
    fig = _layout(fig, y_title=f"Average weight per {alloc.frequency}", percent=True)
    fig.update_layout(barmode="stack")
    fig.update_yaxes(range=[0, 1])
    return fig


def _sleeves_figure(lines: tuple[Line, ...]) -> go.Figure:
    fig = go.Figure()
    for line in lines:
        fig.add_trace(_scatter(line, stackgroup="sleeves", mode="none"))
    return _layout(fig, y_title="Value of each sleeve ($), stacked")


# -- tables ---------------------------------------------------------------------------------------
def _metric_sets(model: TearsheetModel) -> list[tuple[str, Metrics]]:
    result = model.result
    sets = [("Portfolio", result.metrics)]
    if result.unconstrained is not None:
        sets.append((WITHOUT_RULES, result.unconstrained.metrics))
    if model.benchmark_metrics is not None:
        sets.append((str(result.benchmark), model.benchmark_metrics))
    if len(result.sleeves) > 1:
        sets.extend((s.name, s.metrics) for s in result.sleeves)
    return sets


def _metric_columns(model: TearsheetModel) -> list[str]:
    return [name for name, _ in _metric_sets(model)]


def _metric_rows(model: TearsheetModel) -> list[tuple[str, list[str]]]:
    sets = [m for _, m in _metric_sets(model)]
    rows = []
    for label, key, kind in _METRIC_ROWS:
        fmt = _pct if kind == "pct" else _num
        rows.append((label, [fmt(getattr(m, key)) for m in sets]))
    return rows


def _stats_rows(model: TearsheetModel) -> list[tuple[str, list[str]]]:
    sets = [model.stats] + ([model.benchmark_stats] if model.benchmark_stats else [])
    rows: list[tuple[str, list[str]]] = [
        ("Skew", [_num(s.skew) for s in sets]),
        ("Kurtosis (excess)", [_num(s.kurtosis) for s in sets]),
        ("Daily VaR (95 %)", [_pct(s.value_at_risk) for s in sets]),
        ("Daily CVaR (95 %)", [_pct(s.conditional_value_at_risk) for s in sets]),
        ("Time in market", [_pct(s.exposure) for s in sets]),
    ]
    for label, key in (
        ("Best day", "best_day"),
        ("Worst day", "worst_day"),
        ("Best month", "best_month"),
        ("Worst month", "worst_month"),
        ("Best year", "best_year"),
        ("Worst year", "worst_year"),
    ):
        rows.append((label, [_dated(getattr(s, key)) for s in sets]))
    return rows


def _trailing_rows(model: TearsheetModel) -> list[tuple[str, list[str]]]:
    sets = [model.stats] + ([model.benchmark_stats] if model.benchmark_stats else [])
    return [
        (window.label, [_pct(s.trailing[i].value) for s in sets])
        for i, window in enumerate(model.stats.trailing)
    ]


def _drawdown_rows(stats: ReturnStats) -> list[list[str]]:
    return [
        [
            p.start.isoformat(),
            p.valley.isoformat(),
            p.end.isoformat() if p.recovered else f"{p.end.isoformat()} (not recovered)",
            _pct(-p.depth),
            f"{p.days:,}",
        ]
        for p in stats.drawdowns
    ]


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


def _dated(value: DatedReturn | None) -> str:
    return "n/a" if value is None else f"{_pct(value.value)} ({value.period})"


def _weight(value: float) -> str:
    return "< 0.01%" if 0 < value < 0.00005 else _pct(value)


def _pct(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2%}"


def _num(value: float | None) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.2f}"


def _money(value: float) -> str:
    return f"${value:,.2f}"
