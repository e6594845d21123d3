"""Plotly figure specs (plain JSON) built from the result models: values are only converted
to numbers for plotting, never derived (the services compute; see application.services)."""

from __future__ import annotations

from typing import Any

from alchemiser.application.results.dashboard import OverviewResult, SleeveHistoryView
from alchemiser.application.results.history import RunRecord
from alchemiser.application.results.status import StatusResult

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "height": 300,
    "autosize": True,
    "legend": {"orientation": "h", "y": -0.2},
}


def holdings_chart(status: StatusResult) -> dict[str, Any]:
    positions = status.account.positions
    return {
        "data": [
            {
                "type": "bar",
                "x": [p.symbol for p in positions],
                "y": [float(p.market_value) for p in positions],
                "name": "market value",
            }
        ],
        "layout": _LAYOUT | {"title": {"text": "Holdings (market value)"}},
    }


def target_chart(record: RunRecord) -> dict[str, Any]:
    return {
        "data": [
            {
                "type": "bar",
                "x": [t.symbol for t in record.target],
                "y": [t.weight for t in record.target],
                "name": "target weight",
            }
        ],
        "layout": _LAYOUT | {"title": {"text": "Target weights"}, "yaxis": {"tickformat": ".0%"}},
    }


def equity_chart(overview: OverviewResult) -> dict[str, Any]:
    """Equity on top, its drawdown below, on one shared time axis."""
    days = [p.day.isoformat() for p in overview.equity_curve]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines+markers" if len(days) < 60 else "lines",
                "x": days,
                "y": [float(p.equity) for p in overview.equity_curve],
                "name": "equity",
                "yaxis": "y",
            },
            {
                "type": "scatter",
                "mode": "lines+markers" if len(days) < 60 else "lines",
                "fill": "tozeroy",
                "x": days,
                "y": [p.drawdown for p in overview.equity_curve],
                "name": "drawdown",
                "yaxis": "y2",
                "line": {"color": "#b00020"},
            },
        ],
        "layout": _LAYOUT
        | {
            "title": {"text": "Equity and drawdown (end of each trading day)"},
            "height": 380,
            "yaxis": {"domain": [0.35, 1.0], "title": {"text": "equity"}},
            "yaxis2": {"domain": [0.0, 0.28], "tickformat": ".0%", "title": {"text": "dd"}},
            "xaxis": {"anchor": "y2"},
        },
    }


def drift_chart(overview: OverviewResult) -> dict[str, Any]:
    symbols = [d.symbol for d in overview.drift]
    return {
        "data": [
            {
                "type": "bar",
                "x": symbols,
                "y": [d.target for d in overview.drift],
                "name": "target",
            },
            {"type": "bar", "x": symbols, "y": [d.held for d in overview.drift], "name": "held"},
        ],
        "layout": _LAYOUT
        | {
            "title": {"text": "Target against holdings"},
            "barmode": "group",
            "yaxis": {"tickformat": ".0%"},
        },
    }


def allocation_chart(sleeve: SleeveHistoryView) -> dict[str, Any]:
    """The sleeve's weights over time as a stacked area (one band per ticker)."""
    history = sleeve.allocation_history
    days = [d.isoformat() for d in history.days]
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "lines",
                "stackgroup": "weights",
                "x": days,
                "y": weights,
                "name": symbol,
            }
            for symbol, weights in history.weights.items()
        ],
        "layout": _LAYOUT
        | {
            "title": {"text": f"{sleeve.sleeve}: allocation over time"},
            "yaxis": {"tickformat": ".0%", "range": [0, 1]},
        },
    }


def pnl_chart(sleeves: list[SleeveHistoryView]) -> dict[str, Any]:
    booked = [s for s in sleeves if s.pnl is not None]
    return {
        "data": [
            {
                "type": "bar",
                "x": [s.sleeve for s in booked],
                "y": [float(s.pnl.realized_pnl) for s in booked if s.pnl],
                "name": "realized",
            },
            {
                "type": "bar",
                "x": [s.sleeve for s in booked],
                "y": [float(s.pnl.unrealized_pnl) for s in booked if s.pnl],
                "name": "unrealized",
            },
        ],
        "layout": _LAYOUT | {"title": {"text": "P&L by sleeve"}, "barmode": "relative"},
    }


def timeline_chart(record: RunRecord) -> dict[str, Any]:
    """The run's orders and fills in time: each order's status changes, each fill's price."""
    events = record.order_events
    symbols = {o.client_order_id: o.symbol for o in record.orders}
    return {
        "data": [
            {
                "type": "scatter",
                "mode": "markers",
                "x": [e.at.isoformat() for e in events],
                "y": [symbols.get(e.client_order_id, "?") for e in events],
                "text": [f"{e.status} {e.client_order_id}" for e in events],
                "name": "order status",
                "marker": {"symbol": "circle-open", "size": 10},
            },
            {
                "type": "scatter",
                "mode": "markers",
                "x": [f.at.isoformat() for f in record.fills],
                "y": [f.symbol for f in record.fills],
                "text": [f"{f.side} {f.qty} @ {f.price}" for f in record.fills],
                "name": "fill",
                "marker": {
                    "size": 12,
                    "color": ["#17803d" if f.side == "buy" else "#b00020" for f in record.fills],
                },
            },
        ],
        "layout": _LAYOUT | {"title": {"text": "Orders and fills"}, "yaxis": {"type": "category"}},
    }
