"""Use cases: trading engine, rebalancing orchestrator, execution, strategies, backtests.

Talks to the outside world only through the ports (Protocols) in `application.ports`.
"""
