"""Plotly figure specs (plain JSON) built from the result models: values are only converted
to numbers for plotting, never derived."""

from __future__ import annotations

from typing import Any

from alchemiser.application.results.history import RunRecord
from alchemiser.application.results.status import StatusResult

_LAYOUT: dict[str, Any] = {
    "margin": {"l": 50, "r": 10, "t": 30, "b": 40},
    "height": 300,
    "autosize": True,
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
