"""The offline synthetic market: the embedded default `MarketDataSource` (SPEC §1, §8.2).

Deterministic for a seed, any ticker, every NYSE session from 1998 to today. Factor paths are
generated once per instance and each ticker is derived from them on first use (see
`synthetic_factors` and `synthetic_profiles` for the model). Everything it returns is marked
`synthetic=True` so reports can say so.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from alchemiser.domain.errors import DataError
from alchemiser.domain.market.price_history import PriceHistory, as_day
from alchemiser.infrastructure.calendar import NyseCalendar, nyse_calendar
from alchemiser.infrastructure.marketdata.symbols import normalise_ticker
from alchemiser.infrastructure.marketdata.synthetic_factors import (
    RETURN_CAP,
    RETURN_FLOOR,
    Factors,
    generate_factors,
)
from alchemiser.infrastructure.marketdata.synthetic_profiles import (
    FactorProfile,
    LeveragedProfile,
    profile_of,
    stable_hash,
)

FloatArray = npt.NDArray[np.float64]

SYNTHETIC_START = dt.date(1998, 1, 2)
"""First synthetic session: 25+ years of history plus a year of indicator warm-up."""
PRICE_ANCHOR = dt.date(2024, 12, 31)
"""Prices are scaled to a plausible level on this fixed session, like split-adjusted history
(a decaying leveraged fund has huge early prices, not a tiny price today); being fixed, it keeps
every past price the same as days are added."""

DEFAULT_SEED = 7
EARNINGS_PER_YEAR = 4
NEW_YORK = ZoneInfo("America/New_York")


class SyntheticMarket:
    """`MarketDataSource` over a generated market; `today` pins the last session (tests)."""

    def __init__(
        self,
        seed: int = DEFAULT_SEED,
        *,
        today: dt.date | None = None,
        calendar: NyseCalendar | None = None,
    ) -> None:
        self.seed = seed
        cal = calendar or nyse_calendar()
        last = cal.session_on_or_before(today or dt.datetime.now(NEW_YORK).date())
        self.dates = cal.sessions(SYNTHETIC_START, last)
        # generated at least through the anchor; streams are causal so the prefix is the same
        self._generated = cal.sessions(SYNTHETIC_START, max(last, PRICE_ANCHOR))
        self._anchor = int(np.searchsorted(self._generated, as_day(PRICE_ANCHOR), side="right")) - 1
        self._factors: Factors | None = None
        self._returns: dict[str, FloatArray] = {}
        self._closes: dict[str, FloatArray] = {}

    @property
    def name(self) -> str:
        return "synthetic"

    @property
    def synthetic(self) -> bool:
        return True

    @property
    def factors(self) -> Factors:
        if self._factors is None:
            self._factors = generate_factors(self.seed, len(self._generated))
        return self._factors

    # -- port -----------------------------------------------------------------------------------
    def history(
        self, tickers: Sequence[str], start: dt.date | None = None, end: dt.date | None = None
    ) -> PriceHistory:
        names = [normalise_ticker(t) for t in tickers]
        lo = 0 if start is None else int(np.searchsorted(self.dates, as_day(start), side="left"))
        hi = (
            len(self.dates)
            if end is None
            else int(np.searchsorted(self.dates, as_day(end), side="right"))
        )
        if hi <= lo:
            raise DataError(
                f"no synthetic sessions between {start} and {end} "
                f"(the synthetic market covers {self.dates[0]} … {self.dates[-1]})",
                context={"start": str(start), "end": str(end), "source": "synthetic"},
            )
        close = np.empty((hi - lo, len(names)), dtype=np.float64)
        for j, ticker in enumerate(names):
            close[:, j] = self.closes(ticker)[lo:hi]
        return PriceHistory(
            dates=self.dates[lo:hi],
            tickers=tuple(names),
            close=close,
            source="synthetic",
            synthetic=True,
        )

    def latest_prices(self, tickers: Sequence[str]) -> dict[str, float]:
        """The last session's close: decision time in the simulation is the last close."""
        return {normalise_ticker(t): float(self.closes(normalise_ticker(t))[-1]) for t in tickers}

    # -- model ----------------------------------------------------------------------------------
    def closes(self, ticker: str) -> FloatArray:
        cached = self._closes.get(ticker)
        if cached is None:
            anchor_price = 20.0 + stable_hash(ticker, self.seed) % 180
            growth = np.cumprod(1.0 + self.returns(ticker))
            cached = (anchor_price / growth[self._anchor]) * growth[: len(self.dates)]
            self._closes[ticker] = cached
        return cached

    def returns(self, ticker: str) -> FloatArray:
        """Daily close-to-close returns (the first one leads from the start price)."""
        cached = self._returns.get(ticker)
        if cached is not None:
            return cached
        profile = profile_of(ticker, self.seed)
        if isinstance(profile, LeveragedProfile):
            result = profile.multiple * self.returns(profile.underlying) - profile.daily_fee
        else:
            result = self._factor_returns(ticker, profile)
        self._returns[ticker] = result
        return result

    def _factor_returns(self, ticker: str, profile: FactorProfile) -> FloatArray:
        factors = self.factors
        n = len(self._generated)
        r = np.full(n, profile.drift)
        for name, loading in profile.loadings:
            if loading:
                r += loading * factors.returns[name]
        rng = np.random.default_rng([self.seed, stable_hash(ticker), 1])
        if profile.idio:
            r += profile.idio * factors.vol * rng.standard_normal(n)
        if profile.jumps:
            earnings = rng.random(n) < EARNINGS_PER_YEAR / 252
            r += earnings * profile.jumps * rng.standard_normal(n)
        clipped: FloatArray = np.clip(r, RETURN_FLOOR, RETURN_CAP)
        return clipped


def synthetic_history(
    tickers: Sequence[str],
    *,
    sessions: int | None = None,
    start: dt.date | None = None,
    end: dt.date | None = None,
    seed: int = DEFAULT_SEED,
) -> PriceHistory:
    """A synthetic `PriceHistory` for tests and examples: the last `sessions` sessions up to `end`
    (default today), or the sessions between start and end."""
    market = SyntheticMarket(seed, today=end)
    history = market.history(tickers, start, end)
    if sessions is not None:
        if sessions <= 0 or sessions > len(history):
            raise DataError(
                f"asked for {sessions} synthetic sessions, {len(history)} are available",
                context={"sessions": sessions},
            )
        history = history.between(start=history.dates[-sessions].astype(dt.date))
    return history
