"""Settings → planner parameters / simulated broker, and the bootstrap builder."""

from __future__ import annotations

import pytest

from alchemiser import bootstrap
from alchemiser.application.settings import RebalanceSettings
from alchemiser.domain.errors import ConfigurationError
from alchemiser.domain.rebalance import PlanParameters
from alchemiser.domain.trading import OrderRequest, OrderStatus, Side, Symbol
from alchemiser.infrastructure.sim_broker import config_from_settings

from .conftest import DEFAULT_PRICES, D, FixedPrices


def test_plan_parameters_come_from_the_rebalance_settings() -> None:
    params = PlanParameters.from_settings(
        RebalanceSettings(min_drift=0.02, min_order_value=5, cash_reserve=0.1)
    )
    assert params == PlanParameters(D("0.02"), D("5.0"), D("0.1"), D("0.03"))
    with pytest.raises(ConfigurationError, match=r"rebalance\.cash_reserve"):
        PlanParameters(cash_reserve=D("1.5"))


def test_sim_broker_settings_reach_the_simulation() -> None:
    settings = bootstrap.load_settings(
        sim_broker={"initial_cash": "2500", "spread_bps": 4, "non_fractionable": ["brk.b"]}
    )
    config = config_from_settings(settings.sim_broker)
    assert config.initial_cash == D("2500") and config.spread_bps == D(4)
    assert config.non_fractionable == frozenset({"BRK.B"})
    with pytest.raises(ConfigurationError, match=r"sim_broker\.partial_fill_ratio"):
        bootstrap.load_settings(sim_broker={"partial_fill_ratio": 0})


def test_bootstrap_builds_a_persistent_sim_broker_on_the_ledger_database() -> None:
    settings = bootstrap.load_settings(sim_broker={"initial_cash": "2500"})
    broker = bootstrap.sim_broker(settings, FixedPrices(DEFAULT_PRICES))
    assert broker.name == "sim" and broker.clock().is_open  # the latest session's window
    order = broker.submit_order(OrderRequest("b1", Symbol("SPY"), Side.BUY, D(2)))
    broker.wait_for_update([order.id], 10)
    again = bootstrap.sim_broker(settings, FixedPrices(DEFAULT_PRICES))
    assert again.get_order(order.id).status is OrderStatus.FILLED
    assert again.account().cash == D("2500") - 2 * D("100.05")
    assert settings.ledger_url.endswith("ledger.sqlite3")
