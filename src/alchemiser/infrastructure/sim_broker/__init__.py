"""The embedded simulated broker (the default, no account or network needed)."""

from alchemiser.infrastructure.sim_broker.broker import SimBroker
from alchemiser.infrastructure.sim_broker.config import (
    FailCalls,
    Fault,
    MovePrice,
    RejectOrders,
    SimBrokerConfig,
    config_from_settings,
)

__all__ = [
    "FailCalls",
    "Fault",
    "MovePrice",
    "RejectOrders",
    "SimBroker",
    "SimBrokerConfig",
    "config_from_settings",
]
