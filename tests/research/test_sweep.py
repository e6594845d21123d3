"""The sweep use case end to end on small histories: rows equal direct backtests of the files
edited by hand, executors agree, and the overfitting guard flags noise but not a real edge."""

from __future__ import annotations

import pytest

from alchemiser.application.backtest import BacktestConfig, SleeveInput, run_backtest
from alchemiser.application.research.executor import InProcessExecutor
from alchemiser.application.research.sweep import SweepRequest, SweepService
from alchemiser.application.research.work import HistorySource
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.research.variants import Axis
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.infrastructure.research.local_pool import LocalPoolExecutor
from tests.research.conftest import RSI_SWITCH, random_walks

AXES = (
    Axis("if[0].cond.lhs.window", (6.0, 8.0, 10.0, 12.0, 14.0)),
    Axis("if[0].cond.rhs", (40.0, 45.0, 50.0, 55.0, 60.0)),
)


def _sweep(history: PriceHistory, executor: object | None = None, **kw: object):
    request = SweepRequest(
        "rsi_switch.clj", parse_clj(RSI_SWITCH, "rsi_switch.clj"), AXES, BacktestConfig(), **kw
    )
    service = SweepService(executor or InProcessExecutor(), HistorySource(history))  # type: ignore[arg-type]
    return service.run(request)


def test_each_row_is_the_backtest_of_the_file_edited_by_hand() -> None:
    history = random_walks()
    result = _sweep(history)
    assert len(result.variants) == 25
    assert result.variants[result.original].parameters == {
        "if[0].cond.lhs.window": 10.0,
        "if[0].cond.rhs": 50.0,
    }
    for row in (result.variants[3], result.variants[17]):
        window = int(row.parameters["if[0].cond.lhs.window"])
        threshold = row.parameters["if[0].cond.rhs"]
        text = RSI_SWITCH.replace("{:window 10}) 50)", f"{{:window {window}}}) {threshold:g})")
        direct = run_backtest(
            [SleeveInput("x", parse_clj(text, "edited.clj"), 1.0)],
            HistorySource(history),
            BacktestConfig(),
        )
        assert row.sharpe == direct.metrics.sharpe
        assert row.cagr == direct.metrics.cagr
        assert row.max_drawdown == direct.metrics.max_drawdown
        assert row.turnover == direct.turnover
        assert row.start == direct.start.isoformat()


@pytest.mark.timeout(240)
def test_the_local_pool_gives_the_single_process_rows() -> None:
    history = random_walks(sessions=700)
    single = _sweep(history)
    pooled = _sweep(history, LocalPoolExecutor(2))
    assert pooled.executor == "local pool (2 processes)"
    strip = {"seconds"}
    assert [r.model_dump(exclude=strip) for r in pooled.variants] == [
        r.model_dump(exclude=strip) for r in single.variants
    ]
    assert pooled.best == single.best


def test_pure_noise_best_variant_is_flagged_not_significant() -> None:
    """Random walks: whatever the best variant shows is selection luck."""
    result = _sweep(random_walks(sessions=1500, seed=23))
    best = result.variants[result.best or 0]
    dsr = result.deflated_sharpe
    assert dsr is not None and dsr.dsr is not None
    assert dsr.n_trials == 25
    assert dsr.dsr < 0.95
    assert not dsr.significant
    assert best.sharpe is not None


def test_a_real_edge_survives_the_guard() -> None:
    """Control: both assets drift up strongly, so every variant earns; the guard says so."""
    result = _sweep(random_walks(sessions=1500, drift=0.0015, vol=0.01, seed=23))
    dsr = result.deflated_sharpe
    assert dsr is not None and dsr.dsr is not None
    assert dsr.significant


def test_walk_forward_chooses_in_sample_and_reports_out_of_sample() -> None:
    history = random_walks(sessions=1200)
    split = history.dates[800].astype(object)
    result = _sweep(history, split=split)
    wf = result.walk_forward
    assert wf is not None
    chosen = result.variants[wf.chosen]
    ins = [r.in_sample_sharpe for r in result.variants]
    assert chosen.in_sample_sharpe == max(v for v in ins if v is not None)
    assert wf.chosen_out_of_sample_sharpe == chosen.out_of_sample_sharpe
    # out of sample is the equity after the split, computed here from the direct backtest
    text = RSI_SWITCH.replace(
        "{:window 10}) 50)",
        f"{{:window {int(chosen.parameters['if[0].cond.lhs.window'])}}}) "
        f"{chosen.parameters['if[0].cond.rhs']:g})",
    )
    direct = run_backtest(
        [SleeveInput("x", parse_clj(text, "e.clj"), 1.0)], HistorySource(history), BacktestConfig()
    )
    from alchemiser.domain.backtest.metrics import compute_metrics

    cut = int((direct.dates <= history.dates[800]).sum())
    assert chosen.out_of_sample_sharpe == pytest.approx(
        compute_metrics(direct.equity[cut - 1 :]).sharpe, rel=1e-12
    )


def test_random_sampling_is_seeded_and_keeps_the_original() -> None:
    history = random_walks(sessions=600)
    a = _sweep(history, random=7, seed=3)
    b = _sweep(history, random=7, seed=3)
    assert [r.parameters for r in a.variants] == [r.parameters for r in b.variants]
    assert a.mode == "random"
    assert a.variants[a.original].parameters == {
        "if[0].cond.lhs.window": 10.0,
        "if[0].cond.rhs": 50.0,
    }
    assert 7 <= len(a.variants) <= 8
