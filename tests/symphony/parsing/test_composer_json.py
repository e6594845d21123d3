"""Composer JSON scores: import of every step type, export shape, round trips, errors."""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest
from hypothesis import given, settings

from alchemiser.domain.errors import SymphonyParseError
from alchemiser.domain.symphony.composer_json import (
    dumps_composer_json,
    parse_composer_json,
    to_composer_json,
)
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import (
    Asset,
    Comparator,
    Condition,
    Empty,
    Filter,
    Group,
    If,
    Indicator,
    Metric,
    Node,
    RebalanceFrequency,
    RebalanceRule,
    Selection,
    Symphony,
    WeightEqual,
    WeightInverseVolatility,
    WeightSpecified,
    walk,
)
from tests.symphony.parsing.test_clj_writer import trees

SPY, QQQ, TLT, BIL, UVXY = (Asset(t) for t in ("SPY", "QQQ", "TLT", "BIL", "UVXY"))


def asset(ticker: str, **extra: Any) -> dict[str, Any]:
    return {"id": str(uuid.uuid4()), "step": "asset", "ticker": ticker, "name": "", **extra}


# A score written by hand the way Composer stores one: every step type, old and new parameter
# spellings, numbers as strings where Composer writes strings.
SCORE: dict[str, Any] = {
    "id": "root-1",
    "step": "root",
    "name": "Hand-written score",
    "description": "covers every step",
    "rebalance": "none",
    "rebalance-corridor-width": 0.05,
    "children": [
        {
            "step": "wt-cash-equal",
            "children": [
                {
                    "step": "if",
                    "children": [
                        {
                            "step": "if-child",
                            "is-else-condition?": False,
                            "comparator": "gt",
                            "lhs-fn": "relative-strength-index",
                            "lhs-val": "SPY",
                            "lhs-fn-params": {"window": 10},
                            "rhs-fixed-value?": True,
                            "rhs-val": "79",
                            "children": [asset("UVXY", exchange="BATS")],
                        },
                        {
                            "step": "if-child",
                            "is-else-condition?": True,
                            "children": [
                                {
                                    "step": "group",
                                    "name": "Core",
                                    "children": [
                                        {
                                            "step": "wt-cash-specified",
                                            "children": [
                                                {**asset("SPY"), "weight": {"num": 60, "den": 100}},
                                                {
                                                    "step": "wt-inverse-vol",
                                                    "window-days": "20",
                                                    "weight": {"num": "40", "den": "100"},
                                                    "children": [asset("QQQ"), asset("TLT")],
                                                },
                                            ],
                                        }
                                    ],
                                },
                                {
                                    "step": "if",
                                    "children": [
                                        {
                                            "step": "if-child",
                                            "is-else-condition?": True,
                                            "children": [{"step": "empty"}],
                                        },
                                        {
                                            "step": "if-child",
                                            "is-else-condition?": False,
                                            "comparator": "lte",
                                            "lhs-fn": "moving-average-price",
                                            "lhs-val": "SPY",
                                            "lhs-window-days": 50,
                                            "rhs-fixed-value?": False,
                                            "rhs-fn": "standard-deviation-price",
                                            "rhs-val": "QQQ",
                                            "rhs-fn-params": {"window": "20"},
                                            "children": [
                                                {
                                                    "step": "filter",
                                                    "sort-by-fn": "standard-deviation-return",
                                                    "sort-by-window-days": 5,
                                                    "select-fn": "bottom",
                                                    "select-n": "1",
                                                    "children": [asset("TLT"), asset("BIL")],
                                                }
                                            ],
                                        },
                                    ],
                                },
                            ],
                        },
                    ],
                }
            ],
        }
    ],
}

EXPECTED_ROOT = If(
    Condition(Comparator.GT, Indicator(Metric.RSI, "SPY", 10), 79.0),
    UVXY,
    WeightEqual(
        (
            Group(
                "Core",
                WeightSpecified((0.6, 0.4), (SPY, WeightInverseVolatility(20, (QQQ, TLT)))),
            ),
            If(
                Condition(
                    Comparator.LTE,
                    Indicator(Metric.MOVING_AVERAGE_PRICE, "SPY", 50),
                    Indicator(Metric.STDEV_PRICE, "QQQ", 20),
                ),
                Filter(Indicator(Metric.STDEV_RETURN, None, 5), Selection.BOTTOM, 1, (TLT, BIL)),
                Empty(),
            ),
        )
    ),
)


def test_import_of_every_step_type() -> None:
    symphony = parse_composer_json(json.dumps(SCORE), source="score.json")
    assert symphony.name == "Hand-written score"
    assert symphony.description == "covers every step"
    assert symphony.rebalance == RebalanceRule(RebalanceFrequency.NONE, 0.05)
    assert symphony.source == "score.json"
    assert symphony.root == EXPECTED_ROOT


def test_import_accepts_a_dict_and_api_wrappers() -> None:
    assert parse_composer_json(SCORE).root == EXPECTED_ROOT
    assert parse_composer_json({"symphony": {"raw_value": SCORE}}).root == EXPECTED_ROOT
    assert parse_composer_json({"raw_value": json.dumps(SCORE)}).root == EXPECTED_ROOT


def test_import_every_comparator_and_function_alias() -> None:
    names = {
        "current-price": Metric.CURRENT_PRICE,
        "cumulative-return": Metric.CUMULATIVE_RETURN,
        "exponential-moving-average-price": Metric.EXPONENTIAL_MOVING_AVERAGE_PRICE,
        "moving-average-return": Metric.MOVING_AVERAGE_RETURN,
        "max-drawdown": Metric.MAX_DRAWDOWN,
        "relative-strength-index": Metric.RSI,
        "rsi": Metric.RSI,
    }
    comparators = {"gt": ">", "gte": ">=", "lt": "<", "lte": "<=", "eq": "="}
    for fn, metric in names.items():
        for word, symbol in comparators.items():
            score = {
                "step": "if",
                "children": [
                    {
                        "step": "if-child",
                        "is-else-condition?": False,
                        "comparator": word,
                        "lhs-fn": fn,
                        "lhs-val": "SPY",
                        "lhs-fn-params": {"window": 3},
                        "rhs-val": -1.5,
                        "children": [asset("SPY")],
                    },
                    {"step": "if-child", "is-else-condition?": True, "children": []},
                ],
            }
            node = parse_composer_json(score).root
            window = None if metric is Metric.CURRENT_PRICE else 3
            assert node == If(
                Condition(Comparator(symbol), Indicator(metric, "SPY", window), -1.5), SPY, Empty()
            )


def test_several_condition_children_are_an_else_if_chain() -> None:
    def cond(ticker: str) -> dict[str, Any]:
        return {
            "step": "if-child",
            "is-else-condition?": False,
            "comparator": "gt",
            "lhs-fn": "rsi",
            "lhs-val": ticker,
            "lhs-fn-params": {"window": 10},
            "rhs-val": 80,
            "children": [asset(ticker)],
        }

    score = {
        "step": "if",
        "children": [
            cond("SPY"),
            {"step": "if-child", "is-else-condition?": True, "children": [asset("BIL")]},
            cond("QQQ"),
        ],
    }

    def rsi_above(ticker: str) -> Condition:
        return Condition(Comparator.GT, Indicator(Metric.RSI, ticker, 10), 80.0)

    assert parse_composer_json(score).root == If(
        rsi_above("SPY"), SPY, If(rsi_above("QQQ"), QQQ, BIL)
    )


def test_daily_rebalance_is_the_default() -> None:
    score = {"step": "root", "name": "x", "children": [asset("SPY")]}
    symphony = parse_composer_json(score)
    assert symphony.rebalance == RebalanceRule(RebalanceFrequency.DAILY)
    assert symphony.root == SPY


# ---------------------------------------------------------------------------- export
def test_export_shape() -> None:
    symphony = parse_clj(
        '(defsymphony "S" {:rebalance-frequency :monthly}\n'
        ' (if (< (rsi "SPY" {:window 10}) 30)\n'
        '  [(asset "SPY" "S&P") (asset "QQQ" nil)]\n'
        '  [(weight-specified 0.6667000000000001 (asset "TLT" nil) 0.3333 (asset "BIL" nil))]))'
    )
    score = to_composer_json(symphony)
    assert score["step"] == "root" and score["rebalance"] == "monthly" and score["name"] == "S"
    (wrapper,) = score["children"]  # a root holds exactly one weight step
    assert wrapper["step"] == "wt-cash-equal"
    (if_step,) = wrapper["children"]
    then, other = if_step["children"]
    assert then["step"] == other["step"] == "if-child"
    assert then["is-else-condition?"] is False and other["is-else-condition?"] is True
    assert then["comparator"] == "lt"
    assert then["lhs-fn"] == "relative-strength-index"
    assert then["lhs-val"] == "SPY" and then["lhs-fn-params"] == {"window": 10}
    assert then["rhs-fixed-value?"] is True and then["rhs-val"] == 30
    assert [c["ticker"] for c in then["children"]] == ["SPY", "QQQ"]
    (specified,) = other["children"]
    assert specified["step"] == "wt-cash-specified"
    weights = [c["weight"] for c in specified["children"]]
    # 66.67 / 100 is exactly the float 0.6667000000000001 (that is where such artefacts come from)
    assert 66.67 / 100 == 0.6667000000000001
    assert weights == [{"num": 66.67, "den": 100}, {"num": 33.33, "den": 100}]
    ids = [d["id"] for d in _all_dicts(score)]
    assert len(ids) == len(set(ids)) and all(uuid.UUID(i).version == 5 for i in ids)
    assert to_composer_json(symphony) == score  # deterministic ids


def _all_dicts(score: dict[str, Any]) -> list[dict[str, Any]]:
    out, stack = [], [score]
    while stack:
        d = stack.pop()
        out.append(d)
        stack.extend(d.get("children", []))
    return out


def test_export_and_reimport_keep_every_digest() -> None:
    symphony = Symphony(
        name="every step",
        root=EXPECTED_ROOT,
        rebalance=RebalanceRule(RebalanceFrequency.NONE, 0.05),
    )
    again = parse_composer_json(dumps_composer_json(symphony))
    assert again.digest == symphony.digest
    assert [n.digest for n in walk(again.root)] == [n.digest for n in walk(symphony.root)]
    assert again.rebalance == symphony.rebalance


def test_ppo_and_a_number_on_the_left_survive_the_round_trip() -> None:
    symphony = parse_clj(
        '(if (< 0.5 (percentage-price-oscillator "SPY" {:short-window 5})) '
        '[(asset "SPY")] [(asset "TLT")])'
    )
    again = parse_composer_json(to_composer_json(symphony))
    assert again.digest == symphony.digest


def test_deep_tree_exports_and_imports_without_recursion() -> None:
    node: Any = SPY
    for i in range(600):  # ~2,400 JSON levels: beyond what the json module handles alone
        node = Group(f"g{i}", WeightEqual((node, TLT)))
    symphony = Symphony(name="deep", root=node)
    assert parse_composer_json(dumps_composer_json(symphony)).digest == symphony.digest


# ---------------------------------------------------------------------------- errors
def json_error(data: Any) -> SymphonyParseError:
    with pytest.raises(SymphonyParseError) as info:
        parse_composer_json(data, source="s.json")
    return info.value


def test_invalid_json_text_has_line_and_column() -> None:
    err = json_error('{"step": "root",\n  "children": [}')
    assert (err.line, err.column) == (2, 16)


@pytest.mark.parametrize(
    ("score", "fragment"),
    [
        (
            {"step": "root", "children": [{"step": "wt-market-cap", "children": []}]},
            "unsupported step 'wt-market-cap'",
        ),
        ({"step": "root", "children": [{"step": "asset"}]}, 'asset without a "ticker"'),
        (
            {
                "step": "root",
                "children": [
                    {
                        "step": "if",
                        "children": [
                            {"step": "if-child", "is-else-condition?": True, "children": []}
                        ],
                    }
                ],
            },
            "a condition child and exactly one else child",
        ),
        (
            {"step": "root", "children": [{"step": "wt-cash-specified", "children": [asset("A")]}]},
            "weight is missing",
        ),
        (
            {
                "step": "root",
                "children": [
                    {
                        "step": "filter",
                        "sort-by-fn": "rsi",
                        "select-fn": "top",
                        "select-n": 1,
                        "children": [asset("A")],
                    }
                ],
            },
            "needs a window",
        ),
        (
            {
                "step": "root",
                "children": [
                    {
                        "step": "filter",
                        "sort-by-fn": "rsi",
                        "sort-by-fn-params": {"window": 3},
                        "select-fn": "best",
                        "select-n": 1,
                        "children": [asset("A")],
                    }
                ],
            },
            'select-fn must be "top" or "bottom"',
        ),
        (
            {
                "step": "root",
                "children": [{"step": "filter", "sort-by-fn": "magic", "children": []}],
            },
            "unknown sort-by-fn 'magic'",
        ),
        ({"step": "root", "rebalance": "hourly", "children": []}, "unknown rebalance 'hourly'"),
        ({"name": "no step"}, 'expected an object with "step": "root"'),
        ({"step": "root", "children": [asset("A"), "oops"]}, "expected a step object"),
    ],
)
def test_malformed_scores_name_the_path(score: Any, fragment: str) -> None:
    err = json_error(score)
    assert fragment in err.reason, err


def test_error_path_points_into_the_tree() -> None:
    score = {
        "step": "root",
        "children": [
            {
                "step": "wt-cash-equal",
                "children": [
                    asset("A"),
                    {"step": "if-child", "is-else-condition?": True, "children": []},
                ],
            }
        ],
    }
    err = json_error(score)
    assert "$.children[0]" in err.reason
    assert err.context["path"] == "$.children[0]"


@settings(max_examples=100, deadline=None)
@given(trees)
def test_any_tree_survives_the_json_round_trip(root: Node) -> None:
    symphony = Symphony(name="p", root=root)
    again = parse_composer_json(dumps_composer_json(symphony))
    assert [n.digest for n in walk(again.root)] == [n.digest for n in walk(root)]


def test_the_score_written_as_edn_loads_like_the_json() -> None:
    edn = """{:step :root, :name "Hand-written score", :description "covers every step",
      :rebalance :none, :rebalance-corridor-width 0.05
      :children
      [{:step :wt-cash-equal
        :children
        [{:step :if
          :children
          [{:step :if-child, :is-else-condition? false, :comparator :gt,
            :lhs-fn :relative-strength-index, :lhs-val "SPY", :lhs-fn-params {:window 10},
            :rhs-fixed-value? true, :rhs-val 79, :children [{:step :asset, :ticker "UVXY"}]}
           {:step :if-child, :is-else-condition? true
            :children
            [{:step :group, :name "Core"
              :children
              [{:step :wt-cash-specified
                :children
                [{:step :asset, :ticker "SPY", :weight {:num 60, :den 100}}
                 {:step :wt-inverse-vol, :window-days 20, :weight {:num 40, :den 100}
                  :children [{:step :asset :ticker "QQQ"} {:step :asset :ticker "TLT"}]}]}]}
             {:step :if
              :children
              [{:step :if-child, :is-else-condition? true, :children [{:step :empty}]}
               {:step :if-child, :is-else-condition? false, :comparator :lte,
                :lhs-fn :moving-average-price, :lhs-val "SPY", :lhs-window-days 50,
                :rhs-fixed-value? false, :rhs-fn :standard-deviation-price, :rhs-val "QQQ",
                :rhs-fn-params {:window 20}
                :children
                [{:step :filter, :sort-by-fn :standard-deviation-return,
                  :sort-by-window-days 5, :select-fn :bottom, :select-n 1
                  :children [{:step :asset :ticker "TLT"}
                             {:step :asset :ticker "BIL"}]}]}]}]}]}]}]}"""
    symphony = parse_clj(edn, source="score.edn")
    assert symphony.root == EXPECTED_ROOT
    assert symphony.rebalance == RebalanceRule(RebalanceFrequency.NONE, 0.05)
    with pytest.raises(SymphonyParseError) as info:
        parse_clj('{:step :root :children [(asset "SPY")]}', source="bad.edn")
    assert (info.value.line, info.value.column) == (1, 25)
