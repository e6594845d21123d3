"""Every real symphony evaluates over 10 years of synthetic history with valid weights."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

from alchemiser.domain.symphony.evaluator import evaluate, required_tickers
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Symphony
from alchemiser.infrastructure.marketdata.synthetic import synthetic_history

SESSIONS = 2520  # ten years
END = dt.date(2025, 6, 30)


def test_every_corpus_file_evaluates_with_valid_weights(symphonies_dir: Path) -> None:
    files = sorted(symphonies_dir.glob("*.clj"))
    assert len(files) >= 60
    symphonies: dict[str, Symphony] = {
        f.name: parse_clj(f.read_text(encoding="utf-8"), source=str(f)) for f in files
    }
    tickers = sorted(set().union(*(required_tickers(s) for s in symphonies.values())))
    market = synthetic_history(tickers, sessions=SESSIONS, end=END)
    problems: list[str] = []
    for name, symphony in symphonies.items():
        matrix = evaluate(symphony, market.select(sorted(required_tickers(symphony))))
        defined = matrix.defined
        weights = matrix.weights[defined]
        if not defined[-1]:
            problems.append(f"{name}: undefined on the last date")
        if (weights < 0).any():
            problems.append(f"{name}: negative weights")
        error = np.abs(weights.sum(axis=1) - 1.0).max(initial=0.0)
        if error > 1e-9:
            problems.append(f"{name}: a defined row sums to 1 ± {error:.2e}")
        if matrix.weights[~defined].any():
            problems.append(f"{name}: weights on undefined dates")
        if defined.sum() < SESSIONS // 2:
            problems.append(f"{name}: defined on only {defined.sum()} of {SESSIONS} dates")
    assert not problems, "\n".join(problems)
