"""Pure backtest maths: costs, rebalancing rules, portfolio simulation and performance metrics."""
