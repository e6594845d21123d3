"""Malformed symphony files on disk: each gives a clear error with file:line:column, fast."""

from __future__ import annotations

from pathlib import Path

import pytest

from alchemiser.domain.errors import ErrorCategory, SymphonyParseError
from alchemiser.infrastructure.symphony_files import load_symphony_file

HEAD = '(defsymphony "bad" {:rebalance-frequency :daily}\n'
CASES = {
    "truncated": (
        HEAD + '  (weight-equal [(asset "SPY" nil)\n                 (asset "TL',
        (3, 25),
        "unterminated string",
    ),
    "truncated_after_form": (
        HEAD + '  (weight-equal [(asset "SPY" nil)]',
        (2, 36),
        "expected ')' to close the list opened at 2:3 (2 brackets still open)",
    ),
    "unbalanced": (HEAD + '  (asset "SPY" nil)))', (2, 21), "unexpected ')'"),
    "unknown_function": (
        HEAD + '  (if (> (rsi-fast "SPY" {:window 10}) 50)\n    [(asset "A" nil)]\n'
        '    [(asset "B" nil)]))',
        (2, 11),
        "unknown operator 'rsi-fast'",
    ),
    "rsi_without_window": (
        HEAD + '  (if (> (rsi "SPY") 50)\n    [(asset "A" nil)]\n    [(asset "B" nil)]))',
        (2, 10),
        'missing window: expected (rsi "SPY" {:window N})',
    ),
    "non_numeric_weights": (
        HEAD + '  (weight-specified\n    "60%" (asset "A" nil)\n    0.4 (asset "B" nil)))',
        (3, 5),
        'expected a numeric weight such as 0.5, found the string "60%"',
    ),
    "if_with_one_branch": (
        HEAD + '  (if (> (rsi "SPY" {:window 10}) 50)\n    [(asset "A" nil)]))',
        (2, 3),
        "`if` has only one branch",
    ),
    "nesting_100000_deep": (
        HEAD + "(weight-equal [" * 50_000 + '(asset "SPY")' + "])" * 50_000 + ")",
        (2, 15 * 1000),  # the 2,001st open bracket: "[" closing 1,000 "(weight-equal ["
        "nesting deeper than 2000 brackets",
    ),
    "ten_megabyte_line": (
        HEAD + '  (group "' + "g" * 10_000_000 + '" [(asset "SPY" nil) (fooo)]))',
        (2, 10 + 10_000_000 + 22 + 1),  # '  (group "', the name, '" [(asset "SPY" nil) ('
        "unknown operator 'fooo'",
    ),
}


@pytest.mark.timeout(60)  # a hang guard; speed is measured by benchmarks/engine.py
@pytest.mark.parametrize("name", CASES)
def test_bad_file_gives_a_clear_positioned_error(tmp_path: Path, name: str) -> None:
    text, (line, column), fragment = CASES[name]
    path = tmp_path / f"{name}.clj"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(SymphonyParseError) as info:
        load_symphony_file(path)
    err = info.value
    assert err.category is ErrorCategory.STRATEGY
    assert fragment in err.reason, err.reason
    assert (err.line, err.column) == (line, column), err.reason
    assert str(err).startswith(f"{path}:{line}:{column}: ")
    assert err.context["file"] == str(path)
