"""A real local Ray cluster (`ray start --head` on 127.0.0.1) runs a small sweep and returns
exactly the local pool's rows. Skips only where Ray is not installed (the `ray` extra)."""

from __future__ import annotations

import pytest

from alchemiser.application.backtest import BacktestConfig
from alchemiser.application.research.sweep import SweepRequest, SweepService
from alchemiser.application.research.work import HistorySource
from alchemiser.domain.research.variants import Axis
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.infrastructure.research.local_pool import LocalPoolExecutor
from tests.research.conftest import RSI_SWITCH, random_walks
from tests.research.ray_head import ray_head

ray = pytest.importorskip("ray", reason="Ray is not installed (install the `ray` extra)")

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]


def test_a_sweep_on_a_local_ray_cluster_equals_the_local_pool() -> None:
    from alchemiser.infrastructure.research.ray_cluster import RayExecutor

    history = random_walks(sessions=600)
    request = SweepRequest(
        "rsi_switch.clj",
        parse_clj(RSI_SWITCH, "rsi_switch.clj"),
        (Axis("if[0].cond.lhs.window", (8.0, 10.0, 12.0)), Axis("if[0].cond.rhs", (45.0, 50.0))),
        BacktestConfig(),
    )
    pooled = SweepService(LocalPoolExecutor(2), HistorySource(history)).run(request)
    with ray_head(cpus=2) as address:
        executor = RayExecutor(address)
        on_ray = SweepService(executor, HistorySource(history)).run(request)
        assert not ray.is_initialized()  # the executor disconnects what it connected
    assert executor.name == f"ray ({address}, 2 CPUs)"
    strip = {"seconds"}
    assert [r.model_dump(exclude=strip) for r in on_ray.variants] == [
        r.model_dump(exclude=strip) for r in pooled.variants
    ]
    assert on_ray.best == pooled.best
    assert on_ray.deflated_sharpe == pooled.deflated_sharpe
