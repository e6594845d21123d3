"""Turning a rebalance plan into broker orders: the smart limit ladder and its results."""

from alchemiser.application.execution.client_order_ids import client_order_id
from alchemiser.application.execution.manager import ExecutionManager
from alchemiser.application.execution.result import ExecutionResult, ExecutionStatus

__all__ = ["ExecutionManager", "ExecutionResult", "ExecutionStatus", "client_order_id"]
