"""The common drivers of the synthetic market, generated once per seed.

A calm/turbulent regime chain drives everything: the broad market has a positive drift and low
volatility when calm, a negative drift, high volatility and occasional crash days when turbulent.
Sector, commodity, crypto, rates, credit and VIX paths hang off it, so leveraged funds, volatility
products and bonds react to market drawdowns the way the real ones do.

Every random stream is its own `Generator` seeded with (seed, stream id) and consumed strictly in
time order, so adding sessions at the end never changes earlier prices.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from alchemiser.infrastructure.marketdata.synthetic_profiles import TRADING_DAYS, stable_hash

FloatArray = npt.NDArray[np.float64]

RETURN_FLOOR = -0.19
RETURN_CAP = 0.19
"""Bounds of a base (un-leveraged) daily return: a 3× fund then moves less than 60% a day, so
it stays positive and inside the quality gate's default jump bound."""

# sector excess returns: name → (daily vol, daily drift)
_SECTOR_VOL: dict[str, tuple[float, float]] = {
    "growth": (0.005, 0.00012),
    "value": (0.004, 0.0),
    "tech": (0.006, 0.00005),
    "semis": (0.011, 0.0001),
    "fin": (0.008, 0.0),
    "energy": (0.013, 0.0),
    "health": (0.006, 0.00005),
    "biotech": (0.013, 0.0),
    "util": (0.007, 0.00005),
    "staples": (0.005, 0.00005),
    "materials": (0.008, 0.0),
    "industrial": (0.005, 0.00003),
    "reit": (0.008, 0.0),
    "comm": (0.007, 0.0),
    "discr": (0.006, 0.0),
    "smallcap": (0.006, -0.00005),
    "em": (0.009, 0.0),
    "intl": (0.006, -0.00005),
    "china": (0.013, 0.0),
    "uranium": (0.012, 0.0002),
    "spec": (0.015, 0.0),
    "miners": (0.012, -0.0001),
    "crypto": (0.035, 0.0012),
    "oil": (0.02, 0.0001),
    "natgas": (0.03, -0.0005),
}


@dataclass(frozen=True)
class Factors:
    """Daily factor returns (one array per name) and the state that produced them."""

    returns: dict[str, FloatArray]
    turbulent: npt.NDArray[np.bool_]
    vol: FloatArray
    """Volatility multiplier per day (≈1 when calm); stocks' own noise scales with it."""
    vix: FloatArray
    """The synthetic VIX level."""


class _Streams:
    def __init__(self, seed: int) -> None:
        self.seed = seed

    def __call__(self, name: str) -> np.random.Generator:
        return np.random.default_rng([self.seed, stable_hash(name)])


def generate_factors(seed: int, sessions: int) -> Factors:
    rng = _Streams(seed)
    n = sessions
    turbulent = _two_state_chain(rng("regime").random(n), enter=1 / 400, leave=1 / 75)
    inflation = _two_state_chain(rng("inflation").random(n), enter=1 / 2500, leave=1 / 350)
    vol = _log_ar1(rng("vol").standard_normal(n), phi=0.985, sigma=0.08) * np.where(
        turbulent, 2.3, 1.0
    )

    market = np.where(turbulent, -0.0006, 0.0008) + 0.0082 * vol * rng("market").standard_normal(n)
    crash_u, crash_z = rng("crash").random(n), rng("crash-size").exponential(1.0, n)
    crash = crash_u < np.where(turbulent, 0.012, 0.0004)
    market = market - crash * (0.035 + 0.025 * crash_z)
    market = np.clip(market, -0.2, 0.15)

    returns: dict[str, FloatArray] = {"market": market}
    for name, (sigma, drift) in _SECTOR_VOL.items():
        returns[name] = drift + sigma * vol * rng(name).standard_normal(n)
    returns["gold"] = (
        0.00025 - 0.04 * market + 0.0095 * np.sqrt(vol) * rng("gold").standard_normal(n)
    )
    returns["silver"] = (
        1.3 * returns["gold"]
        + 0.1 * market
        + 0.011 * np.sqrt(vol) * rng("silver").standard_normal(n)
    )
    returns["dollar"] = -0.06 * market + 0.0045 * rng("dollar").standard_normal(n)
    # managed futures: a slow positive carry, and gains while turbulent markets trend down
    returns["trend"] = (
        0.00015
        - np.where(turbulent, 0.3, -0.05) * market
        + 0.007 * np.sqrt(vol) * rng("trend").standard_normal(n)
    )
    short_rate = _short_rate(rng("short-rate").standard_normal(n))
    returns["cash"] = short_rate / TRADING_DAYS
    # price return per year of duration: −Δyield; a flight to quality when stocks fall, except in
    # inflation scares, when bonds and stocks fall together
    flight = np.where(inflation, -0.012, 0.022)
    returns["rates"] = (
        np.where(inflation, -0.00002, 0.0)
        - flight * market
        + 0.00045 * np.sqrt(vol) * rng("rates").standard_normal(n)
    )
    returns["credit"] = 0.05 * market + 0.0004 * vol * rng("credit").standard_normal(n)

    vix = _vix(market, turbulent, rng("vix").standard_normal(n))
    log_vix = np.log(vix)
    change = np.diff(log_vix, prepend=log_vix[0])
    previous = np.concatenate([[log_vix[0]], log_vix[:-1]])
    # contango costs the short-term futures ~0.25%/day when the VIX is low; backwardation pays
    roll = -0.0025 * np.clip((np.log(24.0) - previous) / 0.35, -1.0, 1.0)
    returns["vixfut"] = 0.55 * change + roll + 0.004 * rng("vixfut").standard_normal(n)
    returns["vixmid"] = 0.28 * change + roll / 4 + 0.002 * rng("vixmid").standard_normal(n)
    for name in ("vixfut", "vixmid"):
        returns[name] = np.clip(returns[name], RETURN_FLOOR, RETURN_CAP)
    return Factors(returns=returns, turbulent=turbulent, vol=vol, vix=vix)


def _two_state_chain(u: FloatArray, *, enter: float, leave: float) -> npt.NDArray[np.bool_]:
    state = np.zeros(len(u), dtype=bool)
    on = False
    for i, draw in enumerate(u.tolist()):
        on = draw >= leave if on else draw < enter
        state[i] = on
    return state


def _log_ar1(z: FloatArray, *, phi: float, sigma: float) -> FloatArray:
    """exp of a stationary AR(1) with unit mean: volatility clustering."""
    x = np.empty(len(z))
    level = 0.0
    for i, shock in enumerate(z.tolist()):
        level = phi * level + sigma * shock
        x[i] = level
    stationary_var = sigma * sigma / (1 - phi * phi)
    out: FloatArray = np.exp(x - stationary_var / 2)
    return out


def _short_rate(z: FloatArray) -> FloatArray:
    """A mean-reverting short rate between 0% and 6.5% (what BIL and SHV earn)."""
    rate = np.empty(len(z))
    level = 0.03
    for i, shock in enumerate(z.tolist()):
        level = min(max(level + 0.002 * (0.025 - level) + 0.0006 * shock, 0.0), 0.065)
        rate[i] = level
    return rate


def _vix(market: FloatArray, turbulent: npt.NDArray[np.bool_], z: FloatArray) -> FloatArray:
    """log VIX mean-reverts to 15 (calm) or 30 (turbulent) and jumps when the market falls."""
    target = np.full(len(market), np.log(15.0))
    target[turbulent] = np.log(30.0)
    out = np.empty(len(market))
    level = np.log(18.0)
    for i, (m, goal, shock) in enumerate(
        zip(market.tolist(), target.tolist(), z.tolist(), strict=True)
    ):
        level = level + 0.05 * (goal - level) - 5.0 * m + 0.04 * shock
        level = min(max(level, np.log(9.0)), np.log(90.0))
        out[i] = level
    result: FloatArray = np.exp(out)
    return result
