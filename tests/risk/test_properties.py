"""Hypothesis: after the pipeline no weight, exposure, turnover or order exceeds its cap, weights
stay ≥ 0 and sum ≤ 1, and the per-sleeve attribution still adds up to the target. The matrix
form the backtest uses equals the per-session pipeline."""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from alchemiser.domain.risk.funds import fund_table, is_inverse_or_volatility
from alchemiser.domain.risk.limits import RiskLimits
from alchemiser.domain.risk.model import AccountState, OrderIntent, RiskTarget
from alchemiser.domain.risk.pipeline import RiskPipeline
from alchemiser.domain.risk.rules.exposure import effective_exposure
from alchemiser.domain.risk.rules.turnover import turnover

TICKERS = ["TQQQ", "SQQQ", "UVXY", "SOXL", "SPY", "BIL", "AAA"]
SLEEVES = ["s1", "s2", "s3"]
EPS = 1e-9


@st.composite
def attributions(draw: st.DrawFn) -> dict[str, dict[str, float]]:
    raw = draw(
        st.dictionaries(
            st.tuples(st.sampled_from(TICKERS), st.sampled_from(SLEEVES)),
            st.floats(0.0, 1.0),
            max_size=12,
        )
    )
    total = math.fsum(raw.values())
    scale = draw(st.floats(0.0, 1.0)) / total if total > 1 else 1.0
    out: dict[str, dict[str, float]] = {}
    for (ticker, sleeve), w in raw.items():
        if w * scale > 0:
            out.setdefault(ticker, {})[sleeve] = w * scale
    return out


caps = st.none() | st.floats(0.01, 1.0)


@given(
    attribution=attributions(),
    held=attributions(),
    ticker_cap=caps,
    exposure_cap=st.none() | st.floats(0.1, 3.0),
    group_cap=caps,
    reserve=st.none() | st.floats(0.0, 0.9),
    max_turnover=caps,
)
@settings(max_examples=150, deadline=None)
def test_pipeline_respects_every_cap(
    *,
    attribution: dict[str, dict[str, float]],
    held: dict[str, dict[str, float]],
    ticker_cap: float | None,
    exposure_cap: float | None,
    group_cap: float | None,
    reserve: float | None,
    max_turnover: float | None,
) -> None:
    limits = RiskLimits(
        max_ticker_weight=ticker_cap,
        max_effective_exposure=exposure_cap,
        max_inverse_volatility_weight=group_cap,
        min_cash_reserve=reserve,
        max_turnover=max_turnover,
        deny=frozenset({"AAA"}),
    )
    held_weights = RiskTarget.of(held).weights
    account = AccountState(100_000.0, dt.date(2026, 1, 2), weights=held_weights)
    before = RiskTarget.of(attribution)
    out = RiskPipeline(limits).apply(before, account).target
    weights = out.weights
    assert all(w >= 0 for w in weights.values())
    assert math.fsum(weights.values()) <= 1 + EPS
    assert "AAA" not in weights
    if ticker_cap is not None:
        assert max(weights.values(), default=0.0) <= ticker_cap + EPS
    if exposure_cap is not None:
        assert effective_exposure(weights, fund_table()) <= exposure_cap + EPS
    if group_cap is not None:
        group = math.fsum(w for t, w in weights.items() if is_inverse_or_volatility(t))
        assert group <= group_cap + EPS
    if reserve is not None:
        assert math.fsum(weights.values()) <= 1 - reserve + EPS
    if max_turnover is not None:
        buys, sells = turnover(weights, held_weights)
        assert (buys + sells) / 2 <= max_turnover + EPS or buys <= EPS
    for ticker, by in out.attribution.items():
        assert math.fsum(by.values()) == pytest.approx(weights[ticker], abs=1e-15)
        for sleeve, part in by.items():  # nothing is ever raised
            assert part <= before.attribution[ticker][sleeve] + EPS


@given(
    values=st.lists(
        st.tuples(st.sampled_from(["buy", "sell"]), st.floats(0.0, 1e6)), min_size=0, max_size=8
    ),
    notional=st.none() | st.floats(1.0, 1e6),
    count=st.none() | st.integers(1, 8),
)
@settings(max_examples=100, deadline=None)
def test_order_rules_respect_their_caps(
    values: list[tuple[str, float]], notional: float | None, count: int | None
) -> None:
    intents = [OrderIntent(f"T{i}", side, v, 10.0) for i, (side, v) in enumerate(values)]
    check = RiskPipeline(
        RiskLimits(max_order_notional=notional, max_orders_per_run=count)
    ).apply_orders(intents)
    if notional is not None:
        assert all(o.value <= notional for o in check.orders if o.side == "buy")
    if count is not None and not check.blocking:
        assert sum(1 for o in check.orders if o.value > 0) <= count
    assert all(o.value >= 0 for o in check.orders)


@given(rows=st.lists(attributions(), min_size=1, max_size=6))
@settings(max_examples=40, deadline=None)
def test_matrix_form_equals_the_pipeline_row_by_row(
    rows: list[dict[str, dict[str, float]]],
) -> None:
    limits = RiskLimits(
        max_ticker_weight=0.3,
        max_effective_exposure=1.5,
        max_inverse_volatility_weight=0.2,
        min_cash_reserve=0.05,
        deny=frozenset({"SOXL"}),
    )
    pipeline = RiskPipeline(limits)
    weights = np.array([[RiskTarget.of(r).weights.get(t, 0.0) for t in TICKERS] for r in rows])
    factors, blocked = pipeline.factors_matrix(weights, TICKERS)
    assert not blocked.any()
    for k, row in enumerate(rows):
        expected = pipeline.apply(RiskTarget.of(row)).target.weights
        got = weights[k] * factors[k]
        for j, ticker in enumerate(TICKERS):
            assert got[j] == pytest.approx(expected.get(ticker, 0.0), abs=1e-9)
