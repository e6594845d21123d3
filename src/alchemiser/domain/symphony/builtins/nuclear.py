"""Nuclear Energy with Feaver Frontrunner (SPEC §4).

Overbought guards first: when one of SPY, IOO, TQQQ, VTV, XLF runs hot (RSI(10) > 79) the
strategy hedges with volatility, going all-in UVXY if any later index in the list is extreme
(> 81) and UVXY 75% / BTAL 25% otherwise. Then oversold dips buy leverage; otherwise a bull
market holds the best three nuclear names by 90-day average return and a bear market holds an
inverse-volatility pair of bond-vs-Nasdaq switches.
"""

from __future__ import annotations

from alchemiser.domain.symphony.builder import (
    cumulative_return,
    current_price,
    filter_,
    first_match,
    group,
    gt,
    if_,
    inverse_vol,
    lt,
    moving_average_price,
    moving_average_return,
    rsi,
    specified,
    top,
)
from alchemiser.domain.symphony.builtins._funds import fund, funds
from alchemiser.domain.symphony.tree import Node, RebalanceRule, Symphony

NAME = "Nuclear Energy with Feaver Frontrunner V5 | BT 2022-03-24"

UVXY, TQQQ, SQQQ, PSQ, QQQ = funds("UVXY", "TQQQ", "SQQQ", "PSQ", "QQQ")

HOT_INDICES = ("SPY", "IOO", "TQQQ", "VTV", "XLF")
"""Checked in this order; a hot index then checks itself and the later ones for extremes."""


def _hedge(extreme_checks: tuple[str, ...]) -> Node:
    """All-in UVXY when any of `extreme_checks` has RSI(10) > 81, else UVXY 75% / BTAL 25%."""
    node: Node = group("UVXY 75|25 BTAL", specified((0.75, UVXY), (0.25, fund("BTAL"))))
    for ticker in reversed(extreme_checks):
        node = if_(gt(rsi(ticker, 10), 81), UVXY, node)
    return node


def _tlt_beats_psq(then: Node, otherwise: Node) -> Node:
    """Bonds stronger than the short-Nasdaq fund (RSI 20) means risk-on."""
    return if_(gt(rsi("TLT", 20), rsi("PSQ", 20)), then, otherwise)


def _bear_1() -> Node:
    return first_match(
        (lt(rsi("PSQ", 10), 35), SQQQ),
        (lt(cumulative_return("QQQ", 60), -10), _tlt_beats_psq(TQQQ, PSQ)),
        (gt(current_price("TQQQ"), moving_average_price("TQQQ", 20)), _tlt_beats_psq(TQQQ, SQQQ)),
        (gt(rsi("IEF", 10), rsi("PSQ", 20)), SQQQ),
        otherwise=_tlt_beats_psq(QQQ, SQQQ),
    )


def _bear_2() -> Node:
    return first_match(
        (lt(rsi("PSQ", 10), 35), SQQQ),
        (gt(current_price("TQQQ"), moving_average_price("TQQQ", 20)), _tlt_beats_psq(TQQQ, SQQQ)),
        otherwise=_tlt_beats_psq(QQQ, SQQQ),
    )


def _bull() -> Node:
    nuclear = filter_(
        moving_average_return(90),
        top(3),
        funds("SMR", "BWXT", "LEU", "EXC", "NLR", "OKLO"),
    )
    return group("Bull", group("Nuclear Energy Portfolio", nuclear))


def _bear() -> Node:
    return group("Bear", inverse_vol(14, [group("Bear 1", _bear_1()), group("Bear 2", _bear_2())]))


def symphony() -> Symphony:
    hot = [(gt(rsi(t, 10), 79), _hedge(HOT_INDICES[i:])) for i, t in enumerate(HOT_INDICES)]
    root = first_match(
        *hot,
        (gt(rsi("VOX", 10), 79), _hedge(("XLF",))),
        (lt(rsi("TQQQ", 10), 30), TQQQ),
        (lt(rsi("SPY", 10), 30), fund("UPRO")),
        (gt(current_price("SPY"), moving_average_price("SPY", 200)), _bull()),
        otherwise=_bear(),
    )
    return Symphony(
        name=NAME,
        root=group(NAME, root),
        rebalance=RebalanceRule(),
        asset_class="EQUITIES",
        description=(
            "RSI overbought guards route to UVXY or UVXY/BTAL; oversold TQQQ/SPY buy TQQQ/UPRO; "
            "bull market: top 3 nuclear names by 90-day return; bear market: inverse-volatility "
            "pair of bond/Nasdaq switches."
        ),
        source="builtin:nuclear",
    )
