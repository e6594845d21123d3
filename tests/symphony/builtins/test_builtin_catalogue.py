"""The built-ins build, carry the reference names/options, hold the expected funds, export.

Expected tickers, names and options below are read off the reference files and SPEC §4 by hand;
these tests need no ../shared.
"""

from __future__ import annotations

import pytest

from alchemiser.domain.errors import StrategyError
from alchemiser.domain.portfolio.sleeves import DEFAULT_PORTFOLIO
from alchemiser.domain.symphony.builtins import BUILTIN_NAMES, builtin
from alchemiser.domain.symphony.clj_writer import to_clj
from alchemiser.domain.symphony.composer_json import parse_composer_json, to_composer_json
from alchemiser.domain.symphony.evaluator import required_tickers
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.domain.symphony.tree import (
    Asset,
    Filter,
    Group,
    RebalanceFrequency,
    RebalanceRule,
    walk,
)

NAMES = {
    "nuclear": "Nuclear Energy with Feaver Frontrunner V5 | BT 2022-03-24",
    "tecl": "(see bottom block) TECL For The Long Term (v7) | Less VIX | KMLM signal boost",
    "klm": "KMLM sorter V4 - Added back nerfed Nova version",
}
RULES = {
    "nuclear": RebalanceRule(RebalanceFrequency.DAILY, None),
    "tecl": RebalanceRule(RebalanceFrequency.DAILY, None),
    "klm": RebalanceRule(RebalanceFrequency.NONE, 0.1),  # `:rebalance-threshold 0.1` only
}
HELD = {
    "nuclear": "UVXY BTAL TQQQ UPRO SMR BWXT LEU EXC NLR OKLO SQQQ PSQ QQQ",
    "tecl": "UVXY BIL TECL SPXL SQQQ BSV",
    "klm": (
        "AAPL AGG AMZN BIL BTAL ERX FNGO FNGU FTLS GLD GOOGL KMLM LABD LABU MSFT NVDA PDBC PSQ "
        "QID SLV SOXL SPLV SPXL SPXU SQQQ SVIX SVXY TECL TLT TMF TMV TQQQ TSLA TZA UPRO UUP "
        "UVXY VIXM VIXY VXX XLE XLK"
    ),
}
SIGNALS_ONLY = {
    "nuclear": "SPY IOO VTV XLF VOX IEF TLT",
    "tecl": "SPY TQQQ XLK KMLM",
    "klm": "QQQE VTV VOX VOOG VOOV XLP XLY FAS SPY UVIX BND IOO QQQ XLF RETL IEF",
}


def _held(name: str) -> set[str]:
    return {n.ticker for n in walk(builtin(name).root) if isinstance(n, Asset)}


def test_the_catalogue_is_the_three_default_sleeves() -> None:
    assert BUILTIN_NAMES == ("nuclear", "tecl", "klm")
    assert {s.symphony for s in DEFAULT_PORTFOLIO.sleeves} <= set(BUILTIN_NAMES)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_each_builtin_has_the_reference_name_options_and_a_source(name: str) -> None:
    symphony = builtin(name)
    assert symphony.name == NAMES[name]
    assert symphony.rebalance == RULES[name]
    assert symphony.asset_class == "EQUITIES"
    assert symphony.source == f"builtin:{name}"
    assert len(symphony.description) > 40
    assert builtin(name.upper()) is builtin(name)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_each_builtin_holds_and_watches_the_reference_tickers(name: str) -> None:
    assert _held(name) == set(HELD[name].split())
    assert required_tickers(builtin(name)) == set(HELD[name].split()) | set(
        SIGNALS_ONLY[name].split()
    )


def test_klm_chooses_daily_among_eight_variants_by_5_day_volatility() -> None:
    root = builtin("klm").root
    assert isinstance(root, Filter)
    assert (root.metric.metric, root.metric.window, root.selection, root.count) == (
        "stdev-return",
        5,
        "top",
        1,
    )
    assert len(root.candidates) == 8
    assert all(isinstance(c, Group) for c in root.candidates)
    # 506/38 and 410/38 are the same strategy under two names in the original
    digests = [c.digest for c in root.candidates]
    assert digests[0] == digests[5] and len(set(digests)) == 7


def test_unknown_builtin_names_the_known_ones() -> None:
    with pytest.raises(StrategyError) as caught:
        builtin("nucular")
    message = str(caught.value)
    assert "nucular" in message
    assert all(n in message for n in BUILTIN_NAMES)
    assert caught.value.context["builtins"] == list(BUILTIN_NAMES)


@pytest.mark.parametrize("name", BUILTIN_NAMES)
def test_each_builtin_exports_to_clj_and_json_and_reads_back_identically(name: str) -> None:
    symphony = builtin(name)
    text = to_clj(symphony)
    assert NAMES[name] in text
    again = parse_clj(text, source=f"{name}.clj")
    assert again.digest == symphony.digest
    assert (again.name, again.rebalance) == (symphony.name, symphony.rebalance)
    from_json = parse_composer_json(to_composer_json(symphony), source=f"{name}.json")
    assert from_json.digest == symphony.digest
    assert from_json.rebalance == symphony.rebalance
