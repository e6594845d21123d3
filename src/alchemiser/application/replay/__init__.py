"""Replay: the real daily cycle over past sessions on the simulated broker, and its parity with
the backtest (SPEC §16)."""
