"""Symphony engine benchmark: corpus parse speed, evaluation time, peak memory.

    .venv/bin/python benchmarks/engine.py [--symphonies DIR] [--repeat N]

Targets (2-core machine): parse every corpus file < 3 s; KLM over 5,000 sessions < 1 s; every
corpus file over 2,520 sessions < 60 s in total; peak memory < 2 GB. Prices come from the
offline synthetic market (the time to generate them is reported separately).
"""

from __future__ import annotations

import argparse
import datetime as dt
import resource
import sys
import time
from pathlib import Path

from alchemiser.domain.symphony.builtins import builtin
from alchemiser.domain.symphony.evaluator import evaluate, required_tickers
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Symphony, walk
from alchemiser.infrastructure.marketdata.synthetic import synthetic_history

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "shared" / "symphonies"
END = dt.date(2025, 6, 30)
LONG, SHORT = 5000, 2520


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # KiB on Linux


def timed_evaluation(symphony: Symphony, sessions: int, repeat: int) -> tuple[float, int]:
    tickers = sorted(required_tickers(symphony))
    history = synthetic_history(tickers, sessions=sessions, end=END)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        matrix = evaluate(symphony, history)
        best = min(best, time.perf_counter() - start)
    return best, int(matrix.defined.sum())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--symphonies", type=Path, default=DEFAULT_DIR)
    parser.add_argument("--repeat", type=int, default=3, help="best of N for the timed runs")
    args = parser.parse_args()
    files = sorted(args.symphonies.glob("*.clj"))
    if not files:
        print(f"no .clj files in {args.symphonies}", file=sys.stderr)
        return 1

    texts = {f.name: f.read_text(encoding="utf-8") for f in files}
    size_mb = sum(len(t.encode()) for t in texts.values()) / 1e6
    start = time.perf_counter()
    symphonies = {name: parse_clj(text, source=name) for name, text in texts.items()}
    parse_s = time.perf_counter() - start
    print(
        f"parse: {len(files)} files, {size_mb:.1f} MB in {parse_s:.2f} s "
        f"({size_mb / parse_s:.1f} MB/s)  target < 3 s"
    )

    print(f"\nevaluation over {LONG} sessions (best of {args.repeat}):")
    largest = sorted(files, key=lambda f: f.stat().st_size, reverse=True)[:5]
    targets: list[tuple[str, Symphony]] = [
        (f"builtin {n}", builtin(n)) for n in ("nuclear", "tecl", "klm")
    ]
    targets += [(f.name, symphonies[f.name]) for f in largest]
    for label, symphony in targets:
        seconds, defined = timed_evaluation(symphony, LONG, args.repeat)
        nodes = len(walk(symphony.root))
        note = "  target < 1 s" if label == "builtin klm" else ""
        print(
            f"  {label:34s} {seconds * 1000:8.1f} ms  {nodes:7d} nodes  "
            f"defined {defined}/{LONG}{note}"
        )

    tickers = sorted(set().union(*(required_tickers(s) for s in symphonies.values())))
    start = time.perf_counter()
    market = synthetic_history(tickers, sessions=SHORT, end=END)
    print(
        f"\nsynthetic history for {len(tickers)} tickers × {SHORT} sessions: "
        f"{time.perf_counter() - start:.2f} s (not part of the evaluation time)"
    )
    total = cpu = 0.0
    slowest: list[tuple[float, str]] = []
    for name, symphony in symphonies.items():
        history = market.select(sorted(required_tickers(symphony)))
        start, start_cpu = time.perf_counter(), time.process_time()
        evaluate(symphony, history)
        seconds = time.perf_counter() - start
        cpu += time.process_time() - start_cpu
        total += seconds
        slowest.append((seconds, name))
    print(
        f"every corpus file over {SHORT} sessions: {total:.2f} s total "
        f"({cpu:.2f} s CPU)  target < 60 s"
    )
    for seconds, name in sorted(slowest, reverse=True)[:5]:
        print(f"  {name:34s} {seconds * 1000:8.1f} ms")
    print(f"\npeak memory (max RSS of this process): {peak_mb():.0f} MB  target < 2048 MB")
    return 0


if __name__ == "__main__":
    sys.exit(main())
