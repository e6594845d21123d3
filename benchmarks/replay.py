"""Replay speed and parity (issue 15): the default 3-sleeve portfolio on the synthetic market.

For each span (1 year, then 10 years, both ending on the last completed session): the real
cycle once per session on the simulated broker, in a fresh temporary data directory, then the
parity report against the daily re-blended backtest. Prints wall time, sessions per second and
the parity figures, once with zero costs (no spread at all, no fees) and, with
--with-costs, once with the default costs (1 bp slippage ↔ 2 bp spread, fees in the backtest)
and the default trade thresholds.
Target: 10 years in under 3 minutes on a 2-core machine. Also prints the process CPU time,
which a machine shared with other work inflates less than wall time.

Usage: .venv/bin/python benchmarks/replay.py [--years 1 10] [--with-costs]
"""

from __future__ import annotations

import argparse
import datetime as dt
import tempfile
import time
from decimal import Decimal
from pathlib import Path

from alchemiser import bootstrap
from alchemiser.application.error_handler import ErrorHandler
from alchemiser.domain.backtest.costs import CostModel


def run(years: int, slippage_bps: float, fees: bool, *, exact: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        settings = bootstrap.load_settings(
            data_dir=Path(tmp),
            sim_broker={"spread_bps": Decimal(repr(2 * slippage_bps))},
            # like for like with the daily backtest: no trade thresholds, fully invested
            rebalance={"min_drift": 0, "min_order_value": 0, "buying_power_buffer": 0}
            if exact
            else {},
        )
        source = bootstrap.market_data_source(settings, "synthetic")
        calendar = bootstrap.trading_calendar()
        end = calendar.previous_session(dt.date.today())
        start = end - dt.timedelta(days=round(365.25 * years))
        service = bootstrap.replay_service(
            settings, source=source, errors=ErrorHandler(bootstrap.redactor_for(settings))
        )
        portfolio = bootstrap.portfolio_of(settings)
        began, cpu = time.perf_counter(), time.process_time()
        total = len(service.sessions(start, end))

        def report_progress(done: int, _total: int) -> None:
            if done % 250 == 0 and done < total:  # partial figures survive a cut-short run
                w, c = time.perf_counter() - began, time.process_time() - cpu
                print(
                    f"     … {done}/{total} sessions: {w:.0f} s wall = {done / w:.2f}/s, "
                    f"CPU {c:.0f} s = {done / c:.2f}/s",
                    flush=True,
                )

        records = service.run(
            portfolio, start, end, fingerprint={"benchmark": years}, on_progress=report_progress
        )
        wall, cpu = time.perf_counter() - began, time.process_time() - cpu
        report = service.compare(
            portfolio,
            records,
            costs=CostModel(slippage_bps=slippage_bps, fees=fees),
            capital=float(settings.sim_broker.initial_cash),
        )
    p = report.parity
    costs = f"slippage {slippage_bps:g} bp, fees {'on' if fees else 'off'}"
    costs += ", no trade thresholds or buffer" if exact else ", default thresholds and buffer"
    print(
        f"{years:>2} y ({costs}): {len(records)} sessions in {wall:.1f} s = "
        f"{len(records) / wall:.2f} sessions/s (CPU {cpu:.1f} s = "
        f"{len(records) / cpu:.2f} sessions/s of CPU)"
    )
    print(
        f"     final equity: replay {report.replay_final_equity:,.2f}, "
        f"backtest {report.backtest_final_equity:,.2f}; gap {p.final_equity_gap_bp:+.1f} bp"
    )
    print(
        f"     tracking: mean {p.tracking_mean_bp:+.2f} bp/day, max {p.tracking_max_bp:.1f} bp, "
        f"annualised TE {p.tracking_error_bp:.1f} bp"
    )
    print(
        f"     turnover: replay {report.turnover['replay']:.1f}×, "
        f"backtest {report.turnover['backtest']:.1f}×; differing days "
        f"{len(report.differing_days)} {report.reasons}; runs with errors "
        f"{len(report.runs_with_errors)}"
    )
    print("     the gap, line by line (bp):")
    for line in report.reconciliation:
        if abs(line.bp) >= 0.0005 or line.value:
            extra = f" (${line.value:,.0f} crossed)" if line.value else ""
            print(f"       {line.bp:+9.3f}  {line.label}{extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--years", type=int, nargs="+", default=[1, 10])
    parser.add_argument("--with-costs", action="store_true")
    args = parser.parse_args()
    for years in args.years:
        run(years, 0.0, False, exact=True)
        if args.with_costs:
            run(years, 1.0, True, exact=False)


if __name__ == "__main__":
    main()
