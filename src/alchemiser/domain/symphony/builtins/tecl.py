"""TECL For The Long Term (SPEC §4).

Above SPY's 200-day average: park in UVXY 25% / BIL 75% when TQQQ or SPY is overbought,
else let the KMLM-vs-XLK RSI switcher choose TECL or BIL. Below it: buy TECL/SPXL dips, respect
a UVXY spike, else the same switcher, which in a bear market picks the stronger of SQQQ and BSV
(RSI 9) instead of sitting in BIL.
"""

from __future__ import annotations

from alchemiser.domain.symphony.builder import (
    current_price,
    filter_,
    first_match,
    group,
    gt,
    if_,
    lt,
    moving_average_price,
    rsi,
    specified,
    top,
)
from alchemiser.domain.symphony.builtins._funds import funds
from alchemiser.domain.symphony.tree import Node, RebalanceRule, Symphony

NAME = "(see bottom block) TECL For The Long Term (v7) | Less VIX | KMLM signal boost"

UVXY, BIL, TECL, SPXL = funds("UVXY", "BIL", "TECL", "SPXL")


def _uvxy_bil(name: str, uvxy: float, bil: float) -> Node:
    return group(name, specified((uvxy, UVXY), (bil, BIL)))


def _kmlm_switcher(tech_calm: Node) -> Node:
    """Tech (XLK) stronger than managed futures (KMLM): TECL unless XLK is overbought.

    Otherwise TECL only on an oversold XLK, else `tech_calm`.
    """
    xlk = rsi("XLK", 10)
    return if_(
        gt(xlk, rsi("KMLM", 10)),
        then=if_(gt(xlk, 81), BIL, TECL),
        otherwise=if_(lt(xlk, 29), TECL, tech_calm),
    )


def symphony() -> Symphony:
    bull = first_match(
        (gt(rsi("TQQQ", 10), 79), _uvxy_bil("UVXY+75%BIL", 0.25, 0.75)),
        (gt(rsi("SPY", 10), 80), _uvxy_bil("UVXY+75%BIL", 0.25, 0.75)),
        otherwise=group("KMLM Switcher | SimplyGreen | No short", _kmlm_switcher(BIL)),
    )
    uvxy = rsi("UVXY", 10)
    bear = first_match(
        (lt(rsi("TQQQ", 10), 31), TECL),
        (lt(rsi("SPXL", 10), 29), SPXL),
        (gt(uvxy, 74), if_(gt(uvxy, 84), _uvxy_bil("UVXY+85%BIL", 0.15, 0.85), BIL)),
        otherwise=_kmlm_switcher(filter_(rsi(9), top(1), funds("SQQQ", "BSV"))),
    )
    root = if_(gt(current_price("SPY"), moving_average_price("SPY", 200)), bull, bear)
    return Symphony(
        name=NAME,
        root=root,
        rebalance=RebalanceRule(),
        asset_class="EQUITIES",
        description=(
            "SPY 200-day trend, TQQQ/SPY/UVXY RSI guards, and a KMLM vs XLK RSI switcher "
            "between TECL, BIL, SQQQ and BSV."
        ),
        source="builtin:tecl",
    )
