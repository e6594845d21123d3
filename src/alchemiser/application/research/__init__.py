"""Research at scale (issue 18): parameter sweeps and many-file backtests, run by an executor."""
