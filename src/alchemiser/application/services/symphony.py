"""The `symphony check` and `symphony convert` use cases."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from alchemiser.application.results.research import ParameterView
from alchemiser.application.results.symphony import (
    IndicatorUse,
    ProblemView,
    SymphonyCheckResult,
    SymphonyConversion,
    SymphonyFileCheck,
)
from alchemiser.domain.errors import AlchemiserError, SymphonyParseError
from alchemiser.domain.portfolio.sleeves import SYMPHONY_SUFFIXES
from alchemiser.domain.symphony.clj_writer import to_clj
from alchemiser.domain.symphony.composer_json import dumps_composer_json
from alchemiser.domain.symphony.tree import Symphony
from alchemiser.domain.symphony.validator import Problem, Severity, validate

FORMATS = ("json", "clj")


class SymphonyService:
    def __init__(self, load_symphony: Callable[[str], Symphony]) -> None:
        self._load = load_symphony

    def check(self, refs: Sequence[str]) -> SymphonyCheckResult:
        """Parse and validate each symphony (a folder stands for the symphony files in it)."""
        files = [self._check_one(ref) for ref in expand(refs)]
        return SymphonyCheckResult(ok=all(f.ok for f in files), files=files)

    def convert(self, ref: str, to: str) -> SymphonyConversion:
        """The symphony as Composer JSON or `.clj` text (built-ins included)."""
        symphony = self._load(ref)
        text = dumps_composer_json(symphony) if to == "json" else to_clj(symphony)
        return SymphonyConversion(source=ref, format=to, text=text)

    def _check_one(self, ref: str) -> SymphonyFileCheck:
        started = time.perf_counter()
        try:
            symphony = self._load(ref)
        except AlchemiserError as exc:
            return SymphonyFileCheck(
                file=ref,
                ok=False,
                name=None,
                parse_seconds=round(time.perf_counter() - started, 6),
                tickers=[],
                indicators=[],
                warmup_sessions=None,
                node_count=None,
                distinct_nodes=None,
                errors=_errors_of(exc),
                warnings=[],
            )
        parse_seconds = time.perf_counter() - started
        report = validate(symphony)
        return SymphonyFileCheck(
            file=ref,
            ok=report.ok,
            name=symphony.name,
            parse_seconds=round(parse_seconds, 6),
            tickers=list(report.tickers),
            indicators=[
                IndicatorUse(
                    metric=i.metric.value,
                    ticker=i.ticker,
                    window=i.window,
                    parameters=dict(i.params),
                )
                for i in report.indicators
            ],
            warmup_sessions=report.warmup_sessions,
            node_count=report.node_count,
            distinct_nodes=report.distinct_nodes,
            errors=[_problem(p, ref) for p in report.problems if p.severity is Severity.ERROR],
            warnings=[_problem(p, ref) for p in report.problems if p.severity is Severity.WARNING],
        )


def expand(refs: Sequence[str]) -> list[str]:
    """A folder stands for the symphony files in it (.clj, .edn and .json, sorted)."""
    out: list[str] = []
    for ref in refs:
        folder = Path(ref)
        if folder.is_dir():
            found = sorted(p for p in folder.iterdir() if p.suffix.lower() in SYMPHONY_SUFFIXES)
            out.extend(str(p) for p in found)
            if not found:
                out.append(ref)  # reported as "is a directory" with what to do
        else:
            out.append(ref)
    return out


def _errors_of(exc: AlchemiserError) -> list[ProblemView]:
    if isinstance(exc, SymphonyParseError):
        many = getattr(exc, "errors", None) or (exc,)
        return [
            ProblemView(message=e.reason, line=e.line, column=e.column, text=str(e)) for e in many
        ]
    return [ProblemView(message=exc.message, line=None, column=None, text=exc.message)]


def _problem(problem: Problem, source: str) -> ProblemView:
    line, column = problem.position or (None, None)
    return ProblemView(
        message=problem.message, line=line, column=column, text=problem.render(source)
    )


def symphony_parameters(symphony: Symphony) -> list[ParameterView]:
    """Every numeric literal with its sweep address (`alchemiser symphony params`)."""
    from alchemiser.domain.research.parameters import ParameterSpace

    return [ParameterView.model_validate(p.as_dict()) for p in ParameterSpace(symphony).parameters]
