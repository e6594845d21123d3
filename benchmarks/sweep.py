"""Research throughput, printed side by side (issue 18).

1. 1,000 variants of KLM (a 10 × 10 × 10 grid over its top filter's window and its first RSI
   guard's window and threshold) backtested over 20 years of the synthetic market: variants per
   second in one process, on the local process pool (every core) and on a local Ray cluster
   (`ray start --head` on 127.0.0.1, started and stopped here), with each one's overhead against
   the single process (1 − speed-up / workers). The single process runs a sample of the
   variants (--single-sample) and its rate stands for all of them, to keep the run short.
2. Every symphony in ../shared/symphonies backtested over 10 years with each executor.

Price history is loaded once per sweep and shipped once per worker (pool initializer, Ray object
store), so the figures are the engine's, not the data source's. On a machine shared with other
work the parallel figures are pessimistic: compare them with `nproc` and the load average.

`--only pool|ray` measures that executor against the single process (whose sample always runs,
being the baseline). On Ray each worker process loads the job from the object store once
(ray_cluster._JobCache): before, every task re-read it, and rebuilding the corpus's 62 symphony
trees each time made the corpus run slow on Ray (see docs/decisions.md).

Usage: .venv/bin/python benchmarks/sweep.py [--variants 1000] [--single-sample 150] [--no-ray]
       [--skip-sweep] [--skip-corpus] [--only single|pool|ray]
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # for tests.research.ray_head

from tests.research.ray_head import ray_head  # noqa: E402

from alchemiser import bootstrap  # noqa: E402
from alchemiser.application.backtest import BacktestConfig  # noqa: E402
from alchemiser.application.research.batch import BatchBacktestService  # noqa: E402
from alchemiser.application.research.executor import (  # noqa: E402
    InProcessExecutor,
    ResearchExecutor,
)
from alchemiser.application.research.sweep import SweepRequest, SweepService  # noqa: E402
from alchemiser.domain.errors import AlchemiserError  # noqa: E402
from alchemiser.domain.research.variants import Axis  # noqa: E402
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket  # noqa: E402
from alchemiser.infrastructure.research.local_pool import LocalPoolExecutor  # noqa: E402
from alchemiser.infrastructure.research.ray_cluster import RayExecutor  # noqa: E402

SHARED = ROOT.parent / "shared" / "symphonies"
END = dt.date(2025, 10, 31)


def _years_before(day: dt.date, years: int) -> dt.date:
    return day.replace(year=day.year - years)


def _config(years: int) -> BacktestConfig:
    start = _years_before(END, years)
    return BacktestConfig(start=start, end=END, history_start=_years_before(start, 3))


def _axes(count: int) -> tuple[Axis, ...]:
    side = max(1, round(count ** (1 / 3)))
    return (
        Axis("stdev-return(*,5).window", tuple(float(w) for w in range(3, 3 + side))),
        Axis("if[0].cond.lhs.window", tuple(float(w) for w in range(6, 6 + side))),
        Axis("if[0].cond.rhs", tuple(float(t) for t in range(75, 75 + side))),
    )


def sweep_rate(
    market: SyntheticMarket, executor: ResearchExecutor, axes: tuple[Axis, ...], limit: int | None
) -> tuple[float, int, float]:
    """(variants/s, variants, seconds of work summed over the variants)."""
    symphony = bootstrap.load_symphony("klm")
    if limit is not None:  # a sample: the first values of the first axis
        keep = max(1, limit // (len(axes[1].values) * len(axes[2].values)))
        axes = (Axis(axes[0].address, axes[0].values[:keep]), *axes[1:])
    request = SweepRequest("klm", symphony, axes, _config(20))
    began = time.perf_counter()
    result = SweepService(executor, market).run(request)
    seconds = time.perf_counter() - began
    failed = [v.error for v in result.variants if v.error]
    if failed:
        print(f"  {len(failed)} variants failed, e.g. {failed[0]}", flush=True)
    work = sum(v.seconds for v in result.variants)
    return len(result.variants) / seconds, len(result.variants), work


def corpus_rate(market: SyntheticMarket, executor: ResearchExecutor) -> tuple[float, int, float]:
    symphonies = {}
    for path in sorted(SHARED.glob("*.clj")):
        try:
            symphonies[str(path)] = bootstrap.load_symphony(str(path))
        except AlchemiserError:
            continue
    began = time.perf_counter()
    result = BatchBacktestService(executor, market).run(symphonies, _config(10))
    seconds = time.perf_counter() - began
    failed = sum(not r.ok for r in result.rows)
    return len(result.rows) / seconds, len(result.rows) - failed, seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--variants", type=int, default=1000)
    parser.add_argument("--single-sample", type=int, default=150)
    parser.add_argument("--no-ray", action="store_true")
    parser.add_argument("--skip-corpus", action="store_true")
    parser.add_argument("--skip-sweep", action="store_true")
    parser.add_argument(
        "--only",
        choices=("single", "pool", "ray"),
        help="Measure one executor against the single process.",
    )
    args = parser.parse_args()
    cores = os.cpu_count() or 1
    load = os.getloadavg()[0]
    print(f"machine: {cores} cores, load average {load:.1f} at start", flush=True)
    market = SyntheticMarket(7, today=END)
    axes = _axes(args.variants)
    executors: list[tuple[str, ResearchExecutor | None, int]] = [
        ("single process", InProcessExecutor(), 1),
        ("local pool", LocalPoolExecutor(), cores),
    ]
    use_ray = not args.no_ray and args.only in (None, "ray")
    with _maybe_ray(use_ray, cores) as ray_address:
        if ray_address:
            executors.append(("local Ray", RayExecutor(ray_address), cores))
        if args.only:  # the single process stays: every overhead is measured against it
            wanted = {"single": "single process", "pool": "local pool", "ray": "local Ray"}
            executors = [e for e in executors if e[0] in ("single process", wanted[args.only])]
        if not args.skip_sweep:
            print(f"\n1. KLM over 20 years, {len(_grid(axes))} variants", flush=True)
        base = 0.0
        for label, executor, workers in [] if args.skip_sweep else executors:
            assert executor is not None
            limit = args.single_sample if workers == 1 else None
            rate, count, work = sweep_rate(market, executor, axes, limit)
            base = base or rate
            overhead = 1 - (rate / base) / workers
            print(
                f"  {label:<15} {rate:7.2f} variants/s  ({count} variants, {count / rate:6.1f} s, "
                f"work {work:6.1f} s)  speed-up {rate / base:4.2f}x on {workers} worker(s), "
                f"overhead vs single process {overhead:+.0%}",
                flush=True,
            )
        if not args.skip_corpus and SHARED.is_dir():
            print("\n2. every shared symphony, 10 years", flush=True)
            base = 0.0
            for label, executor, workers in executors:
                assert executor is not None
                rate, ok, seconds = corpus_rate(market, executor)
                base = base or rate
                print(
                    f"  {label:<15} {rate:6.2f} files/s  ({ok} backtested, {seconds:6.1f} s)  "
                    f"speed-up {rate / base:4.2f}x, overhead {1 - (rate / base) / workers:+.0%}",
                    flush=True,
                )
    print(f"\nload average at the end {os.getloadavg()[0]:.1f}", flush=True)


def _grid(axes: tuple[Axis, ...]) -> list[int]:
    return list(range(len(axes[0].values) * len(axes[1].values) * len(axes[2].values)))


@contextmanager
def _maybe_ray(enabled: bool, cpus: int) -> Iterator[str | None]:
    """A local head node's address, or None (not asked, not installed, or it did not start:
    on a heavily loaded machine Ray's agents can miss their start-up deadlines)."""
    if not enabled:
        yield None
        return
    try:
        import ray  # noqa: F401
    except ImportError:
        print("Ray is not installed (uv sync --extra ray): skipping the Ray figures")
        yield None
        return
    head = ray_head(cpus=cpus)
    try:
        address = head.__enter__()
    except RuntimeError as exc:
        print(f"Ray did not start, skipping the Ray figures: {str(exc).splitlines()[0]}")
        yield None
        return
    try:
        yield address
    finally:
        head.__exit__(None, None, None)


if __name__ == "__main__":
    main()
