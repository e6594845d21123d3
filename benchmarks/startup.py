"""Start-up time of the CLI (issue 16): `--version` and `--help` (target < 0.3 s) and `status`
on the sim broker and the synthetic market (target < 1.5 s), each the best of N fresh processes
— what an autopilot or a cron job pays on every call.

    ./dev python benchmarks/startup.py [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

CASES = [
    (["--version"], 0.3),
    (["--help"], 0.3),
    (["status"], 1.5),
]


def _best_of(argv: list[str], runs: int, env: dict[str, str]) -> tuple[float, float]:
    """Best wall time and best CPU time (user + system) of the child: on a shared machine
    the CPU time shows what the command costs when the wall time is inflated by others."""
    exe = Path(sys.executable).with_name("alchemiser")
    best, best_cpu = float("inf"), float("inf")
    for _ in range(runs):
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        start = time.perf_counter()
        subprocess.run([str(exe), *argv], env=env, capture_output=True, check=True)
        best = min(best, time.perf_counter() - start)
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        best_cpu = min(best_cpu, cpu)
    return best, best_cpu


def _bytecode_cached() -> bool:
    """Whether the installed modules have compiled copies (`./dev` writes them when
    PYTHONDONTWRITEBYTECODE stops Python from doing so): without them every run recompiles
    pydantic, SQLAlchemy, numpy … and the figures measure the compiler, not Alchemiser."""
    import importlib.util

    spec = importlib.util.find_spec("sqlalchemy.sql.compiler")
    if spec is None or spec.origin is None:
        return False
    return Path(importlib.util.cache_from_source(spec.origin)).exists()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print(
        f"compiled modules cached: {'yes' if _bytecode_cached() else 'NO (figures inflated)'}; "
        f"PYTHONDONTWRITEBYTECODE={os.environ.get('PYTHONDONTWRITEBYTECODE', '')!r}"
    )
    with tempfile.TemporaryDirectory() as data_dir:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("ALCHEMISER_", "ALPACA_"))}
        env["ALCHEMISER_DATA_DIR"] = data_dir
        missed = 0
        for argv, target in CASES:
            seconds, cpu = _best_of(argv, args.runs, env)
            verdict = "ok" if seconds < target else "OVER TARGET"
            missed += seconds >= target
            print(
                f"alchemiser {' '.join(argv):<10} {seconds:6.3f} s wall, {cpu:6.3f} s CPU  "
                f"(target < {target} s) {verdict}"
            )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
