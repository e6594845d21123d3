"""Loading symphony files: format detection and clear errors for what is not a symphony."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from alchemiser import bootstrap
from alchemiser.domain.errors import StrategyError, SymphonyParseError
from alchemiser.domain.symphony.tree import Asset, Symphony, WeightEqual
from alchemiser.infrastructure.symphony_files import load_symphony_file

CLJ = (
    '(defsymphony "two" {:rebalance-frequency :daily} (weight-equal [(asset "SPY") (asset "TLT")]))'
)
SCORE = {
    "step": "root",
    "name": "two",
    "rebalance": "daily",
    "children": [
        {
            "step": "wt-cash-equal",
            "children": [{"step": "asset", "ticker": "SPY"}, {"step": "asset", "ticker": "TLT"}],
        }
    ],
}
EXPECTED = WeightEqual((Asset("SPY"), Asset("TLT")))


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("s.clj", CLJ),
        ("s.json", json.dumps(SCORE)),
        ("s.txt", CLJ),  # unknown extension: sniffed
        ("score", "\n  " + json.dumps(SCORE)),
        ("bom.clj", "\ufeff" + CLJ),
    ],
)
def test_both_forms_load_into_the_same_tree(tmp_path: Path, name: str, content: str) -> None:
    path = tmp_path / name
    path.write_text(content, encoding="utf-8")
    symphony = load_symphony_file(path)
    assert symphony.root == EXPECTED
    assert symphony.name == "two"
    assert symphony.source == str(path)


def _load_error(path: Path) -> SymphonyParseError:
    with pytest.raises(SymphonyParseError) as info:
        load_symphony_file(path)
    assert info.value.source == str(path)
    return info.value


def test_missing_file(tmp_path: Path) -> None:
    err = _load_error(tmp_path / "nope.clj")
    assert "no such symphony file" in str(err)
    assert "built-in" in err.suggested_action


def test_directory(tmp_path: Path) -> None:
    assert "is a directory" in str(_load_error(tmp_path))


def test_bytes_that_are_not_utf8_point_at_line_and_column(tmp_path: Path) -> None:
    path = tmp_path / "latin1.clj"
    path.write_bytes('(defsymphony "x" {}\n  (asset "SPY" "caf\u00e9"))'.encode("latin-1"))
    err = _load_error(path)
    assert (err.line, err.column) == (2, 20)
    assert "not UTF-8" in err.reason


def test_json_syntax_error_has_a_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text('{"step": "root",\n "children": [,]}')
    err = _load_error(path)
    assert (err.line, err.column) == (2, 15)


def test_clj_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "truncated.clj"
    path.write_text(CLJ[:-5])
    err = _load_error(path)
    assert str(err).startswith(f"{path}:1:")


def test_bootstrap_resolves_builtins_and_paths(tmp_path: Path) -> None:
    path = tmp_path / "mine.clj"
    path.write_text(CLJ)
    assert bootstrap.load_symphony(str(path)).root == EXPECTED
    builtin = bootstrap.load_symphony("Nuclear")
    assert isinstance(builtin, Symphony)
    assert builtin.digest == bootstrap.load_symphony("nuclear").digest
    with pytest.raises(StrategyError):
        bootstrap.load_symphony(str(tmp_path / "missing.clj"))
