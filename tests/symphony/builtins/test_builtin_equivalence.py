"""Each built-in allocates exactly as its reference file in ../shared/symphonies (SPEC §4).

Proof, two ways:
1. Structure: the tree built in Python has the content digest of the tree the parser reads from
   the reference file, so the evaluator cannot tell them apart.
2. Behaviour: over 25 years of synthetic sessions (plus two copies with injected trending bursts
   that push RSIs to extremes) both evaluate to identical weights and defined masks on every
   date, and the histories really exercise the strategies: the branch coverage below is computed
   independently of the evaluator, from the conditions and the indicators alone.
"""

from __future__ import annotations

import datetime as dt
import operator
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import pytest

import tests.conftest as suite
from alchemiser.domain.market.price_history import PriceHistory
from alchemiser.domain.symphony.allocation import AllocationMatrix, BoolArray
from alchemiser.domain.symphony.builtins import BUILTIN_NAMES, builtin
from alchemiser.domain.symphony.evaluator import evaluate, required_tickers
from alchemiser.domain.symphony.explain import describe_condition
from alchemiser.domain.symphony.indicators import compute_indicator
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import (
    Asset,
    Comparator,
    Condition,
    Group,
    If,
    Indicator,
    Metric,
    Node,
    Operand,
    Symphony,
    walk,
)
from alchemiser.infrastructure.marketdata.synthetic import SyntheticMarket

REFERENCES = {"nuclear": "nuclear__54881ed8.clj", "tecl": "TECL.clj", "klm": "KLM.clj"}
START, END = dt.date(2000, 1, 3), dt.date(2024, 12, 31)
MIN_SESSIONS = 5_040  # 20 years


@pytest.fixture(scope="module")
def references() -> dict[str, Symphony]:
    if not suite.SYMPHONIES.is_dir():  # the suite's `symphonies_dir` rule, at module scope
        pytest.skip("../shared/symphonies is not present")
    out = {}
    for name, file in REFERENCES.items():
        path = suite.SYMPHONIES / file
        out[name] = parse_clj(path.read_text(encoding="utf-8"), source=str(path))
    return out


def _bursts(history: PriceHistory, seed: int, rate: float = 1 / 30) -> PriceHistory:
    """The same market with random 3–14-day runs of ±1–5 %/day added to each ticker."""
    rng = np.random.default_rng(seed)
    log_returns = np.diff(np.log(history.close), axis=0)
    extra = np.zeros_like(log_returns)
    for day, column in zip(*np.nonzero(rng.random(log_returns.shape) < rate), strict=True):
        length = int(rng.integers(3, 15))
        extra[day : day + length, column] += rng.choice([-1.0, 1.0]) * rng.uniform(0.01, 0.05)
    logs = np.log(history.close[0]) + np.cumsum(log_returns + extra, axis=0)
    closes = np.exp(np.vstack([np.log(history.close[:1]), logs]))
    columns = {t: closes[:, j] for j, t in enumerate(history.tickers)}
    return PriceHistory.from_columns(history.dates, columns)


@pytest.fixture(scope="module")
def histories() -> dict[str, PriceHistory]:
    tickers = sorted(set().union(*(required_tickers(builtin(n)) for n in BUILTIN_NAMES)))
    plain = SyntheticMarket(seed=7, today=END).history(tickers, START, END)
    return {"synthetic": plain, "bursts-1": _bursts(plain, 1), "bursts-3": _bursts(plain, 3)}


@dataclass(frozen=True)
class Pair:
    ours: AllocationMatrix
    reference: AllocationMatrix


@pytest.fixture(scope="module")
def evaluations(
    references: dict[str, Symphony], histories: dict[str, PriceHistory]
) -> dict[tuple[str, str], Pair]:
    """Each built-in and its reference on each history, evaluated once per test session."""
    return {
        (name, key): Pair(evaluate(builtin(name), h), evaluate(references[name], h))
        for name in BUILTIN_NAMES
        for key, h in histories.items()
    }


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_tree_has_the_reference_digest(name: str, references: dict[str, Symphony]) -> None:
    ours, reference = builtin(name), references[name]
    assert ours.digest == reference.digest
    assert ours.name == reference.name
    assert ours.rebalance == reference.rebalance
    assert ours.asset_class == reference.asset_class
    # digests ignore group names; the names are kept too, so exports and explanations read
    # like the original
    assert _group_names(ours.root) == _group_names(reference.root)


def _group_names(root: Node) -> list[str]:
    return [n.name for n in walk(root) if isinstance(n, Group)]


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_builtin_allocates_exactly_as_the_reference_on_every_date(
    name: str, histories: dict[str, PriceHistory], evaluations: dict[tuple[str, str], Pair]
) -> None:
    for key, history in histories.items():
        assert len(history.dates) >= MIN_SESSIONS
        pair = evaluations[name, key]
        ours, reference = pair.ours, pair.reference
        assert ours.tickers == reference.tickers, key
        assert np.array_equal(ours.defined, reference.defined), key
        assert np.array_equal(ours.weights, reference.weights), key
        # the histories are long enough to decide nearly every date (200-day warm-up aside)
        assert ours.defined.mean() > 0.95, key
        sums = ours.weights[ours.defined].sum(axis=1)
        np.testing.assert_allclose(sums, 1.0, atol=1e-9)


# -- how much of each strategy those histories exercise -------------------------------------------

_COMPARE: dict[Comparator, Callable[[object, object], object]] = {
    Comparator.GT: operator.gt,
    Comparator.GTE: operator.ge,
    Comparator.LT: operator.lt,
    Comparator.LTE: operator.le,
    Comparator.EQ: operator.eq,
}


def _operand(operand: Operand, history: PriceHistory) -> np.ndarray:
    if isinstance(operand, Indicator):
        assert operand.ticker is not None
        return compute_indicator(operand.metric, history.closes(operand.ticker), operand.window)
    return np.full(len(history.dates), float(operand))


def _truth(condition: Condition, history: PriceHistory) -> tuple[BoolArray, BoolArray]:
    lhs, rhs = _operand(condition.lhs, history), _operand(condition.rhs, history)
    decided = ~(np.isnan(lhs) | np.isnan(rhs))
    with np.errstate(invalid="ignore"):
        holds = np.asarray(_COMPARE[condition.comparator](lhs, rhs), dtype=bool)
    return decided & holds, decided & ~holds


def _branch_days(root: Node, history: PriceHistory, start: BoolArray) -> dict[If, list[int]]:
    """For each distinct `if`: on how many dates the evaluation reached its then / else branch.

    Every child of a filter or weight node is reached (a filter scores all its candidates).
    """
    days: dict[If, list[int]] = {}
    stack: list[tuple[Node, BoolArray]] = [(root, start)]
    while stack:
        node, reached = stack.pop()
        if isinstance(node, If):
            holds, fails = _truth(node.condition, history)
            counts = days.setdefault(node, [0, 0])
            counts[0] += int((reached & holds).sum())
            counts[1] += int((reached & fails).sum())
            stack += [(node.then, reached & holds), (node.otherwise, reached & fails)]
        else:
            stack += [(child, reached) for child in node.children]
    return days


@dataclass(frozen=True)
class Coverage:
    outcomes: int
    reached: int
    never: list[str]
    allocations: int
    held: set[str]


def _coverage(
    name: str, histories: dict[str, PriceHistory], evaluations: dict[tuple[str, str], Pair]
) -> Coverage:
    days: dict[If, list[int]] = {}
    rows: set[tuple[float, ...]] = set()
    held: set[str] = set()
    for key, history in histories.items():
        allocation = evaluations[name, key].ours
        for node, (then, otherwise) in _branch_days(
            builtin(name).root, history, allocation.defined
        ).items():
            counts = days.setdefault(node, [0, 0])
            counts[0] += then
            counts[1] += otherwise
        weights = allocation.weights[allocation.defined]
        rows |= {tuple(r) for r in np.round(weights, 12)}
        held |= {allocation.tickers[j] for j in np.flatnonzero(weights.max(axis=0) > 0)}
    never = [
        f"{'then' if side == 0 else 'else'} of {describe_condition(node.condition)}"
        for node, counts in days.items()
        for side in (0, 1)
        if counts[side] == 0
    ]
    return Coverage(2 * len(days), 2 * len(days) - len(never), never, len(rows), held)


# Minimums the 25-year histories must reach. Outcomes are the then/else sides of every distinct
# `if`; allocations are distinct weight rows; TECL has exactly 7 possible allocations.
MINIMUMS = {"nuclear": (1.0, 100), "tecl": (1.0, 7), "klm": (0.98, 40)}


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_histories_exercise_the_builtins_branches(
    name: str,
    histories: dict[str, PriceHistory],
    evaluations: dict[tuple[str, str], Pair],
    capsys: pytest.CaptureFixture[str],
) -> None:
    cover = _coverage(name, histories, evaluations)
    holdable = {n.ticker for n in walk(builtin(name).root) if isinstance(n, Asset)}
    with capsys.disabled():
        print(
            f"\n{name}: {cover.reached}/{cover.outcomes} if-outcomes reached, "
            f"{cover.allocations} distinct allocations, {len(cover.held)}/{len(holdable)} funds "
            f"held; never: {cover.never or 'none'}; never held: {sorted(holdable - cover.held)}"
        )
    share, allocations = MINIMUMS[name]
    assert cover.reached >= share * cover.outcomes, cover.never
    assert cover.allocations >= allocations
    assert cover.held == holdable


def test_coverage_counts_a_branch_only_when_its_condition_holds() -> None:
    """The coverage helper itself, on a hand-made series: RSI of a rising series is 100."""
    dates = [dt.date(2024, 1, 1) + dt.timedelta(days=i) for i in range(20)]
    history = PriceHistory.from_columns(dates, {"UP": np.arange(1.0, 21.0)})
    node = If(
        Condition(Comparator.GT, Indicator(Metric.RSI, "UP", 5), 99.0), Asset("A"), Asset("B")
    )
    inner = If(Condition(Comparator.LT, Indicator(Metric.RSI, "UP", 5), 1.0), Asset("C"), node)
    days = _branch_days(inner, history, np.ones(20, dtype=bool))
    # RSI(5) needs 6 closes: defined on 15 of 20 dates, always 100
    assert days[inner] == [0, 15]
    assert days[node] == [15, 0]


def test_klm_holds_one_whole_variant_each_day_and_each_variant_is_chosen(
    histories: dict[str, PriceHistory],
) -> None:
    """Each day KLM's weights equal some variant's own weights, and every distinct variant is
    the only match on some days: the daily filter really rotates among all of them."""
    history = histories["synthetic"]
    klm = builtin("klm")
    allocation = evaluate(klm, history)
    variants = {c.digest: c for c in klm.root.children}  # 410/38 repeats 506/38
    matches = []
    for variant in variants.values():
        own = evaluate(variant, history)
        spread = np.zeros_like(allocation.weights)
        spread[:, [allocation.tickers.index(t) for t in own.tickers]] = own.weights
        same = np.all(spread == allocation.weights, axis=1)
        matches.append(allocation.defined & own.defined & same)
    matched = np.array(matches)
    assert np.all(matched.any(axis=0)[allocation.defined])
    only = matched & (matched.sum(axis=0) == 1)
    chosen_alone = only.sum(axis=1)
    assert len(variants) == 7
    names = [v.name if isinstance(v, Group) else v.digest for v in variants.values()]
    assert np.all(chosen_alone >= 20), dict(zip(names, chosen_alone.tolist(), strict=True))
