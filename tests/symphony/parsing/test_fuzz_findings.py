"""Issue 16, found by fuzzing: whatever bytes a symphony file holds, the parser and validator
raise only the project's typed errors (STRATEGY), and name the file and where in it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alchemiser.application.services.symphony import SymphonyService
from alchemiser.domain.errors import AlchemiserError
from alchemiser.domain.symphony import _deep_json as deep_json
from alchemiser.domain.symphony.clj_writer import to_clj
from alchemiser.domain.symphony.composer_json import dumps_composer_json, parse_composer_json
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import Asset, Symphony, WeightEqual
from alchemiser.domain.symphony.validator import validate
from alchemiser.infrastructure.symphony_files import load_symphony_file

SCORE = {
    "step": "root",
    "name": "fuzz",
    "rebalance": "daily",
    "children": [
        {
            "step": "wt-cash-equal",
            "children": [
                {
                    "step": "if",
                    "children": [
                        {
                            "step": "if-child",
                            "comparator": "gt",
                            "lhs-fn": "relative-strength-index",
                            "lhs-val": "SPY",
                            "lhs-window-days": 10,
                            "rhs-val": 70,
                            "children": [{"step": "asset", "ticker": "UVXY"}],
                        },
                        {
                            "step": "if-child",
                            "is-else-condition?": True,
                            "children": [
                                {
                                    "step": "wt-inverse-vol",
                                    "window-days": 20,
                                    "children": [
                                        {"step": "asset", "ticker": "SPY"},
                                        {"step": "asset", "ticker": "TLT"},
                                    ],
                                }
                            ],
                        },
                    ],
                }
            ],
        }
    ],
}
CLJ = (
    '(defsymphony "fuzz" {:rebalance-frequency :daily}\n'
    '  (weight-equal [(if (> (rsi "SPY" {:window 10}) 70) [(asset "UVXY")]\n'
    '    [(weight-inverse-volatility 20 [(asset "SPY") (asset "TLT")])])]))\n'
)
JSON_TEXT = json.dumps(SCORE)
SPLICES = st.sampled_from(
    [
        "9" * 5000,
        "-" + "9" * 4400,
        "1e308",
        "-1e308",
        "NaN",
        "Infinity",
        "[" * 3000,
        "{",
        "}",
        '"',
        "\\u0000",
        "\x1b[31m",
        "null",
        "true",
        "0",
        "-1",
        "1.5",
        "(",
        ")",
        ":window",
        "{:",
    ]
)


def _mutate(text: str, data: st.DataObject) -> str:
    for _ in range(data.draw(st.integers(1, 4))):
        at = data.draw(st.integers(0, len(text)))
        cut = data.draw(st.integers(0, 8))
        insert = data.draw(st.one_of(SPLICES, st.text(max_size=6)))
        text = text[:at] + insert + text[at + cut :]
    return text


def _parse_and_validate(text: str, form: str) -> None:
    failure: AlchemiserError | None = None
    try:
        symphony = (
            parse_composer_json(text, "fuzz.json") if form == "json" else parse_clj(text, "f.clj")
        )
        validate(symphony)
    except AlchemiserError as exc:  # anything else escapes and fails the test
        failure = exc
    if failure is not None:
        assert failure.category.value == "strategy", failure
        assert ("fuzz.json" if form == "json" else "f.clj") in failure.message


@pytest.mark.timeout(120)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data(), st.sampled_from(["json", "clj"]))
def test_mutated_symphonies_raise_only_typed_errors(data: st.DataObject, form: str) -> None:
    _parse_and_validate(_mutate(JSON_TEXT if form == "json" else CLJ, data), form)


def test_integer_of_5000_digits_is_a_strategy_error_at_its_json_path() -> None:
    text = JSON_TEXT.replace('"window-days": 20', '"window-days": ' + "9" * 5000)
    with pytest.raises(AlchemiserError) as caught:
        parse_composer_json(text, "big.json")
    assert caught.value.category.value == "strategy"
    assert "big.json" in caught.value.message
    assert "$.children[0].children[0].children[1].children[0]" in caught.value.message


def test_folder_check_goes_on_after_a_file_that_failed(tmp_path: Path) -> None:
    (tmp_path / "a_big.json").write_text(
        JSON_TEXT.replace('"rhs-val": 70', '"rhs-val": ' + "9" * 5000), encoding="utf-8"
    )
    (tmp_path / "b_good.clj").write_text(CLJ, encoding="utf-8")
    result = SymphonyService(load_symphony_file).check([str(tmp_path)])
    assert [f.ok for f in result.files] == [False, True]


def test_validator_errors_on_json_carry_the_json_path() -> None:
    text = JSON_TEXT.replace('"lhs-window-days": 10', '"lhs-window-days": 0')
    problems = validate(parse_composer_json(text, "w.json")).errors
    assert [p.where("w.json") for p in problems] == [
        "w.json $.children[0].children[0].children[0].lhs-window-days"
    ]


@pytest.mark.parametrize(
    "text",
    [
        CLJ.replace("{:window 10}", "{:window 1e308}"),
        CLJ.replace("{:window 10}", "{:window 10001}"),
        CLJ.replace("weight-inverse-volatility 20", "weight-inverse-volatility 1e308"),
    ],
)
def test_windows_are_bounded(text: str) -> None:
    report = validate(parse_clj(text, "w.clj"))
    assert not report.ok
    assert "over 10,000" in report.errors[0].message


def test_window_of_10000_sessions_is_still_valid() -> None:
    assert validate(parse_clj(CLJ.replace("{:window 10}", "{:window 10000}"), "w.clj")).ok


def test_control_characters_never_reach_a_name() -> None:
    score = dict(SCORE, name="evil\x1b[2J\x1b]0;pwned\x07\u202ename")
    symphony = parse_composer_json(json.dumps(score), "n.json")
    assert symphony.name == "evil[2J]0;pwnedname"
    clj = parse_clj(CLJ.replace('"fuzz"', '"a\\u001b[31mb"'), "n.clj")
    assert "\x1b" not in clj.name


def test_writers_refuse_what_their_reader_would_refuse() -> None:
    node = Asset("SPY")
    for _ in range(1_100):  # (weight-equal [ … ]) is 2 brackets deep per level in .clj
        node = WeightEqual((node, Asset("TLT")))
    deep = Symphony(name="deep", root=node, source="deep.clj")
    with pytest.raises(AlchemiserError, match="the reader accepts 2000"):
        to_clj(deep)
    with pytest.raises(AlchemiserError, match=f"the reader accepts {deep_json.MAX_DEPTH}"):
        dumps_composer_json(Symphony(name="d", root=_deeper(node, 1_000), source="d.json"))


def _deeper(node: WeightEqual | Asset, levels: int) -> WeightEqual | Asset:
    for _ in range(levels):
        node = WeightEqual((node, Asset("BIL")))
    return node
