"""Wall time of one full trading cycle: 3 built-in sleeves, synthetic market, simulated broker.

    .venv/bin/python benchmarks/cycle.py [--repeat 3]

Each repetition uses a fresh data directory (all cash → target, so every order is placed).
Stages are the engine's own laps; `ledger` is the time spent inside ledger calls (it is also
part of the stage it happened in). Simulated broker waits cost no wall time: the simulator
advances its clock instead of sleeping; the simulated seconds are printed for reference.
Target: total < 3 s per cycle, excluding the one-off setup (market generation, imports).
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any


class Timed:
    """Proxy that sums the wall time spent in the wrapped object's methods."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self.seconds = 0.0
        self.calls = 0

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not callable(attr):
            return attr

        def timed(*args: Any, **kwargs: Any) -> Any:
            start = time.perf_counter()
            try:
                return attr(*args, **kwargs)
            finally:
                self.seconds += time.perf_counter() - start
                self.calls += 1

        return timed


def one_cycle(data_dir: Path) -> dict[str, float]:
    os.environ["ALCHEMISER_DATA_DIR"] = str(data_dir)
    from alchemiser import bootstrap
    from alchemiser.application.error_handler import ErrorHandler
    from alchemiser.application.trading_engine import CycleRequest
    from alchemiser.domain.portfolio.sleeves import PortfolioSpec, SleeveSpec

    started = time.perf_counter()
    settings = bootstrap.load_settings()
    market = bootstrap.market_data_source(settings)
    broker = bootstrap.sim_broker(settings, market)
    ledger = Timed(bootstrap.ledger(settings))
    engine = bootstrap.trading_engine(
        settings, broker=broker, ledger=ledger, market_data=market, errors=ErrorHandler()
    )
    setup = time.perf_counter() - started
    sim_start = broker.clock().now
    result = engine.run(CycleRequest(bootstrap.portfolio_of(settings), "sim", {}))
    if result.errors:
        raise SystemExit(f"cycle failed: {result.errors[0].message}")
    assert result.outcome is not None
    timings = dict(result.timings)
    timings["setup"] = setup
    timings["ledger"] = ledger.seconds
    timings["ledger_calls"] = ledger.calls
    timings["orders"] = len(result.outcome.orders)
    timings["simulated_seconds"] = (broker.clock().now - sim_start).total_seconds()
    second = engine.run(CycleRequest(bootstrap.portfolio_of(settings), "sim", {}))
    assert second.outcome is not None
    assert not second.outcome.orders, "the second run of the day traded"
    timings["second_run_total"] = second.timings["total"]
    # A stale account: everything in one sleeve's pick, then back to the 3-sleeve blend
    # (sells, settlement, then buys).
    stale = PortfolioSpec((SleeveSpec("klm", "klm", 1.0),))
    engine.run(CycleRequest(stale, "sim", {}))
    back = engine.run(CycleRequest(bootstrap.portfolio_of(settings), "sim", {}))
    assert back.outcome is not None
    assert back.outcome.plan.sells, "no sells in the stale case"
    timings["stale_total"] = back.timings["total"]
    timings["stale_orders"] = len(back.outcome.orders)
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    runs = []
    for _ in range(args.repeat):
        with tempfile.TemporaryDirectory() as tmp:
            runs.append(one_cycle(Path(tmp)))
    keys = [
        ("setup", "setup (not in total)"),
        ("signal", "signal (3 sleeves)"),
        ("plan", "reconcile + plan"),
        ("execution", "execution (sell, settle, buy)"),
        ("attribution", "verify + attribution"),
        ("ledger", "ledger (inside the stages)"),
        ("total", "TOTAL one cycle"),
        ("second_run_total", "second run, same day (no orders)"),
        ("stale_total", "stale account → target (sells+buys)"),
    ]
    print(f"one trading cycle, median of {args.repeat} (seconds of wall time)")
    for key, label in keys:
        values = [r.get(key, 0.0) for r in runs]
        print(f"  {label:<38} {statistics.median(values):8.3f}")
    last = runs[-1]
    print(
        f"  orders placed: {last['orders']:.0f} (stale case: {last['stale_orders']:.0f}); "
        f"ledger calls: {last['ledger_calls']:.0f}; "
        f"simulated broker time: {last['simulated_seconds']:.1f} s (no wall time)"
    )
    print(
        f"  first repetition (cold caches): setup {runs[0]['setup']:.3f}, "
        f"cycle {runs[0]['total']:.3f}"
    )
    total = statistics.median(r["total"] for r in runs)
    print(f"  target < 3 s: {'met' if total < 3 else 'MISSED'}")


if __name__ == "__main__":
    main()
