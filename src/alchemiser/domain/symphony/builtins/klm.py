"""KMLM sorter (SPEC §4): eight variants of one idea, the most volatile of them held each day.

Every variant is a *KMLM switcher*: when tech (XLK) has a stronger RSI than managed futures
(KMLM) hold leveraged tech, otherwise a defensive rotation. Around it sit guards that were
copy-pasted between variants in the original: a ladder of overbought "single pops" that flee to
UVXY, a volatility check ("Single Popped KMLM"), and a bot that buys oversold leveraged funds.
Here each shared chain is one function, and each variant states only what makes it different.
The daily choice is `filter (stdev-return 5) select-top 1` over the variants' own simulated
returns.
"""

from __future__ import annotations

from alchemiser.domain.symphony.builder import (
    Pick,
    bottom,
    cumulative_return,
    current_price,
    equal,
    filter_,
    first_match,
    group,
    gt,
    if_,
    lt,
    moving_average_price,
    moving_average_return,
    rsi,
    specified,
    stdev_return,
    top,
)
from alchemiser.domain.symphony.builtins._funds import fund, funds
from alchemiser.domain.symphony.tree import (
    Condition,
    Node,
    RebalanceFrequency,
    RebalanceRule,
    Symphony,
)

NAME = "KMLM sorter V4 - Added back nerfed Nova version"

UVXY, VIXM, VIXY, VXX, TECL, SOXL, SPXL = funds(
    "UVXY", "VIXM", "VIXY", "VXX", "TECL", "SOXL", "SPXL"
)

# --- the chains most variants share ---------------------------------------------------------

SINGLE_POPS = "KMLM switcher (single pops)| BT 4/13/22 = A.R. 466% / D.D. 22%"
SINGLE_POP_LIMITS: tuple[tuple[str, float], ...] = (
    ("QQQE", 79),
    ("VTV", 79),
    ("VOX", 79),
    ("TECL", 79),
    ("VOOG", 79),
    ("VOOV", 79),
    ("XLP", 75),
    ("TQQQ", 79),
    ("XLY", 80),
    ("FAS", 80),
    ("SPY", 80),
)
"""RSI(10) above which an index counts as overbought; checked in this order."""


def _single_pops(calm: Node, name: str = SINGLE_POPS) -> Node:
    """UVXY as soon as one index of the ladder is overbought, else `calm`."""
    pops = ((gt(rsi(ticker, 10), limit), UVXY) for ticker, limit in SINGLE_POP_LIMITS)
    return group(name, first_match(*pops, otherwise=calm))


def _pop_bot(then: Node, *, biotech: bool = False) -> Node:
    """Buy the oversold leveraged fund (RSI(10) < 30; LABU < 25 when `biotech`), else `then`."""
    dips: list[tuple[Condition, Node]] = [
        (lt(rsi("TQQQ", 10), 30), TECL),
        (lt(rsi("SOXL", 10), 30), SOXL),
        (lt(rsi("SPXL", 10), 30), SPXL),
    ]
    if biotech:
        dips.append((lt(rsi("LABU", 10), 25), fund("LABU")))
    return group("Combined Pop Bot", first_match(*dips, otherwise=then))


def _tech_beats_futures(tech: Node, futures: Node) -> Node:
    return if_(gt(rsi("XLK", 10), rsi("KMLM", 10)), tech, futures)


def _kmlm_switcher(tech: Node, futures: Node) -> Node:
    name = "KMLM switcher: TECL, SVIX, or L/S Rotator | BT 4/13/22 = AR 164% / DD 22.2%"
    return group(name, _tech_beats_futures(tech, futures))


def _long_short_rotator(pick: Pick, *tickers: str) -> Node:
    """The calmest of `tickers` by 6-day return deviation."""
    name = "Long/Short Rotator with FTLS KMLM SSO UUP | BT 12/10/20 | 15.1/3.5  "
    return group(name, filter_(stdev_return(6), pick, funds(*tickers)))


def _rsi_pick(pick: Pick, *tickers: str, window: int = 10) -> Node:
    return filter_(rsi(window), pick, funds(*tickers))


def _classic(
    name: str, tech: Node, futures: Node, *, volatility: str = "UVXY", pops: str = SINGLE_POPS
) -> Node:
    """Single pops → volatility check → pop bot → KMLM switcher(tech, futures)."""
    switcher = group("Copypasta YOLO GainZs Here", _kmlm_switcher(tech, futures))
    volatile = group("BSC", if_(gt(rsi("SPY", 21), 30), VIXM, SPXL))
    popped = if_(gt(rsi(volatility, 21), 65), volatile, _pop_bot(switcher))
    return group(name, _single_pops(group("Single Popped KMLM", popped), pops))


# --- the Anansi variant: scale-in volatility blends and the Holy Grail --------------------------


def _vix_blend(level: int) -> Node:
    """0: VIXY/VXX/VIXM; 1 ("+"): UVXY/VXX/VIXM; 2 ("++"): UVXY twice and VIXM."""
    name, tickers = {
        0: ("VIX Blend", ("VIXY", "VXX", "VIXM")),
        1: ("VIX Blend+", ("UVXY", "VXX", "VIXM")),
        2: ("VIX Blend++", ("UVXY", "UVXY", "VIXM")),
    }[level]
    return group(name, equal(*funds(*tickers)))


def _scale_in(name: str, ticker: str, limit: float, hotter: Node, hot: Node) -> Node:
    return group(name, if_(gt(rsi(ticker, 10), limit), hotter, hot))


def _metals() -> Node:
    gold = specified((0.5, fund("GLD")), (0.25, fund("SLV")), (0.25, fund("PDBC")))
    return group("GLD/SLV/PDBC", gold)


def _overbought() -> Node:
    agg_vs_qqq = if_(
        gt(rsi("AGG", 15), rsi("QQQ", 15)),
        group("All 3x Tech", equal(*funds("TQQQ", "SPXL", "SOXL", "FNGU", "ERX"))),
        _metals(),
    )
    vix_or_commodities = first_match(
        *((gt(rsi("QQQ", w), limit), VIXY) for w, limit in ((90, 60), (14, 80), (5, 90), (3, 95))),
        otherwise=_metals(),
    )
    return group(
        "Overbought",
        equal(group("AGG > QQQ", agg_vs_qqq), group("VIX or Commodities", vix_or_commodities)),
    )


def _kmlm_fngu() -> Node:
    fngu_or_not = filter_(
        moving_average_return(20), top(1), funds("FNGU", "SPXL", "XLE", "XLK", "AGG")
    )
    half_fngu = group(
        "50% FNGU / 50% FNGU or Not", equal(fund("FNGU"), group("FNGU or Not", fngu_or_not))
    )
    tech = filter_(rsi(10), bottom(1), [TECL, fund("SVXY"), half_fngu])
    futures = filter_(stdev_return(6), bottom(3), funds("SVXY", "VIXM", "FTLS", "KMLM", "UUP"))
    return group("KMLM Switcher + FNGU", _tech_beats_futures(tech, futures))


def _spy_above_trend() -> Condition:
    return gt(current_price("SPY"), moving_average_price("SPY", 200))


def _holy_grail() -> Node:
    psq = fund("PSQ")
    grail = first_match(
        (_spy_above_trend(), _kmlm_fngu()),
        (lt(rsi("QQQ", 10), 31), TECL),
        (lt(rsi("SPY", 10), 30), fund("UPRO")),
        (lt(cumulative_return("QQQ", 60), -12), fund("BIL")),
        (
            gt(current_price("TQQQ"), moving_average_price("TQQQ", 20)),
            if_(lt(rsi("PSQ", 10), 32.5), psq, _kmlm_fngu()),
        ),
        otherwise=group("10/20", if_(gt(rsi("IEF", 10), rsi("PSQ", 20)), psq, fund("QID"))),
    )
    return group("09. Holy Grail | KMLM", grail)


def _holy_grail_switcher() -> Node:
    spy_fast, spy_slow = moving_average_price("SPY", 3), moving_average_price("SPY", 200)
    crash_pops = first_match(
        (lt(rsi("TQQQ", 10), 31), TECL),
        (lt(rsi("SOXL", 10), 30), SOXL),
        (lt(rsi("SPXL", 10), 30), SPXL),
        otherwise=_kmlm_fngu(),
    )
    bull = if_(
        lt(spy_fast, spy_slow),
        group("Bull Cross ", _rsi_pick(top(2), "TQQQ", "SPXL", "TMF")),
        _holy_grail(),
    )
    bear = if_(
        gt(spy_fast, spy_slow),
        group("Bear Cross", _rsi_pick(top(2), "SQQQ", "SPXU", "TMF", "TMV")),
        _holy_grail(),
    )
    grail = first_match(
        (gt(rsi("VOX", 10), 79), _vix_blend(0)),
        (gt(rsi("XLP", 10), 75), _vix_blend(0)),
        (
            lt(cumulative_return("TQQQ", 6), -12),
            if_(
                gt(cumulative_return("TQQQ", 1), 5.5),
                _vix_blend(1),
                group("Pops -> KMLM", crash_pops),
            ),
        ),
        otherwise=if_(_spy_above_trend(), bull, bear),
    )
    return group("10. KMLM Switcher | Holy Grail", grail)


def _anansi(name: str) -> Node:
    """Scale into volatility as indices overheat; else the Holy Grail switcher."""
    vix, vix_plus, vix_plus_plus = _vix_blend(0), _vix_blend(1), _vix_blend(2)
    hottest, hotter = "Scale-In | VIX+ -> VIX++", "Scale-In | VIX -> VIX+"
    btal_bil = group("BTAL/BIL", equal(*funds("BTAL", "BIL")))
    chain = first_match(
        *(
            (gt(rsi(t, 10), entry), _scale_in(hottest, t, 82.5, vix_plus_plus, vix_plus))
            for t, entry in (("SPY", 80), ("IOO", 80), ("QQQ", 79))
        ),
        *(
            (gt(rsi(t, 10), entry), _scale_in(hotter, t, 85, vix_plus, vix))
            for t, entry in (("VTV", 79), ("XLP", 77), ("XLF", 81))
        ),
        (gt(rsi("RETL", 10), 82), _scale_in("Scale-In | BTAL -> VIX", "RETL", 85, vix, btal_bil)),
        (gt(rsi("SPY", 70), 63), _overbought()),
        otherwise=_holy_grail_switcher(),
    )
    return group(name, group("KMLM Switcher | Anansi Mods", chain))


# --- the eight variants -------------------------------------------------------------------------


def _variants() -> list[Node]:
    fngu = filter_(rsi(10), bottom(1), [fund("FNGU")])
    uup_ftls_kmlm = _long_short_rotator(bottom(1), "UUP", "FTLS", "KMLM")
    sqqq_or_tlt = _rsi_pick(top(1), "SQQQ", "TLT")
    bond_check = group(
        "Bond Check --> Shorts, Bonds, KMLM, SPLV",
        if_(
            gt(moving_average_return("BND", 20), 0),
            _rsi_pick(bottom(1), "KMLM", "SPLV"),
            _rsi_pick(top(1), "TLT", "LABD", "TZA"),
        ),
    )
    tech_labu = _kmlm_switcher(_rsi_pick(bottom(2), "TECL", "SOXL", "SVIX"), sqqq_or_tlt)
    return [
        _classic("506/38 KMLM (13) - Longer BT", fngu, uup_ftls_kmlm),
        group("1280/26 KMLM (50)", _single_pops(_pop_bot(tech_labu, biotech=True))),
        _classic("1200/28 KMLM (43)", _rsi_pick(bottom(1), "TECL", "SOXL", "SVIX"), sqqq_or_tlt),
        _classic(
            "520/22 KMLM (23) - Original",
            _rsi_pick(bottom(1), "TECL", "SVIX"),
            _long_short_rotator(bottom(3), "TMV", "TMF", "SVXY", "VIXM", "FTLS", "KMLM", "UUP"),
        ),
        _anansi("530/18 (29)"),
        _classic("410/38 (11) - MonkeyBusiness Simons variant", fngu, uup_ftls_kmlm),
        _classic(
            "Nerfed 2900/8 (373) - Nova - Short BT (remove for longer backtest)",
            _rsi_pick(top(1), "FNGO", "TSLA", "MSFT", "AAPL", "NVDA", "GOOGL", "AMZN", window=11),
            uup_ftls_kmlm,
            volatility="UVIX",
        ),
        _classic(
            "830/21 (39) MonkeyBusiness Simons variant V2",
            _rsi_pick(top(1), "TECL", "SOXL", "SVIX"),
            bond_check,
            pops="KMLM switcher | Simon Shorts Ed. + MbM | (single pops)| BT 4/13/22 ",
        ),
    ]


def symphony() -> Symphony:
    return Symphony(
        name=NAME,
        root=filter_(stdev_return(5), top(1), _variants()),
        rebalance=RebalanceRule(RebalanceFrequency.NONE, 0.1),
        asset_class="EQUITIES",
        description=(
            "Eight KMLM-switcher variants; each day holds the one whose own simulated returns "
            "were the most volatile over the last 5 sessions."
        ),
        source="builtin:klm",
    )
