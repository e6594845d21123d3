"""What each ticker *is* in the synthetic market: a factor recipe or a daily-reset multiple.

A `FactorProfile` is a linear mix of the market's factor returns plus its own noise; a
`LeveragedProfile` is an exact daily multiple of another ticker minus a fee. Known tickers (every
one the real symphonies use, and the usual ETFs) are listed here; any other ticker gets a
single-stock profile derived from its name, so a seed always gives the same market.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass

TRADING_DAYS = 252
LEVERAGED_FEE = 0.0095
"""Annual expense ratio of leveraged / inverse ETFs, charged daily (≈ ProShares/Direxion)."""


@dataclass(frozen=True)
class FactorProfile:
    """r_t = drift + Σ loading·factor_t + idio·vol_t·z_t (+ earnings jumps for single stocks)."""

    loadings: tuple[tuple[str, float], ...]
    idio: float = 0.0
    drift: float = 0.0
    jumps: float = 0.0
    """Std of the quarterly earnings gap (0 for funds)."""


@dataclass(frozen=True)
class LeveragedProfile:
    """r_t = multiple · r_t(underlying) − fee/252: a daily-reset leveraged or inverse fund."""

    underlying: str
    multiple: float
    fee: float = LEVERAGED_FEE

    @property
    def daily_fee(self) -> float:
        return self.fee / TRADING_DAYS


Profile = FactorProfile | LeveragedProfile


def _fund(idio: float = 0.0005, drift: float = 0.0, **loadings: float) -> FactorProfile:
    return FactorProfile(tuple(loadings.items()), idio=idio, drift=drift)


def _stock(sector: str, beta: float, idio: float, sector_loading: float = 1.0) -> FactorProfile:
    # the +idio²/2 drift offsets volatility drag so a volatile stock does not decay to zero
    loadings = (("market", beta), (sector, sector_loading))
    return FactorProfile(loadings, idio=idio, drift=idio * idio / 2, jumps=0.04)


def _bond(
    duration: float, credit: float = 0.0, idio: float = 0.0002, **extra: float
) -> FactorProfile:
    term_premium = 0.02 * min(duration, 17.0) / 17.0 / TRADING_DAYS
    loadings = {"cash": 1.0, "rates": duration, "credit": credit, **extra}
    return FactorProfile(tuple(loadings.items()), idio=idio, drift=term_premium)


_FUNDS: dict[str, FactorProfile] = {
    # broad US equity
    "SPY": _fund(0.0, market=1.0),
    "VOO": _fund(0.0001, market=1.0),
    "IVV": _fund(0.0001, market=1.0),
    "VTI": _fund(0.0006, market=1.0, smallcap=0.15),
    "DIA": _fund(0.003, market=0.95, value=0.2),
    "IOO": _fund(0.002, market=0.9, intl=0.4),
    "VTV": _fund(0.002, market=0.9, value=0.8),
    "VOOV": _fund(0.002, market=0.9, value=0.8),
    "DLN": _fund(0.002, market=0.85, value=0.7),
    "SDY": _fund(0.003, market=0.8, value=0.8),
    "VOOG": _fund(0.002, market=1.05, growth=0.6),
    "MTUM": _fund(0.003, market=1.0, growth=0.5),
    "SPHB": _fund(0.004, market=1.45, spec=0.4, semis=0.2),
    "QQQ": _fund(0.0, market=1.1, growth=1.0),
    "QQQE": _fund(0.002, market=1.05, growth=0.7),
    "IWM": _fund(0.0, market=1.15, smallcap=1.0),
    "AVUV": _fund(0.003, market=1.1, smallcap=1.0, value=0.5),
    "ISCB": _fund(0.002, market=1.1, smallcap=0.9),
    "BTAL": _fund(0.004, drift=0.00005, market=-0.45, value=0.3),
    # sectors
    "XLK": _fund(0.001, market=1.15, growth=1.0, tech=1.0),
    "SOXX": _fund(0.001, market=1.3, growth=1.1, tech=0.5, semis=1.0),
    "SMH": _fund(0.0015, market=1.3, growth=1.1, tech=0.5, semis=1.0),
    "CIBR": _fund(0.004, market=1.1, growth=0.6, tech=0.9),
    "AIQ": _fund(0.004, market=1.15, growth=0.8, tech=0.8),
    "FNGS": _fund(0.006, market=1.25, growth=1.5, tech=0.6),
    "XLF": _fund(0.001, market=1.1, fin=1.0),
    "XLE": _fund(0.001, market=0.9, energy=1.0),
    "XOP": _fund(0.004, market=1.0, energy=1.4, oil=0.3),
    "XLV": _fund(0.001, market=0.75, health=1.0),
    "XBI": _fund(0.002, market=1.1, biotech=1.0),
    "BBH": _fund(0.003, market=0.85, biotech=0.6, health=0.5),
    "XLU": _fund(0.001, market=0.5, util=1.0),
    "XLP": _fund(0.001, market=0.55, staples=1.0),
    "XLB": _fund(0.001, market=1.0, materials=1.0),
    "XLI": _fund(0.001, market=1.0, industrial=1.0),
    "XLRE": _fund(0.001, market=0.9, reit=1.0),
    "IYR": _fund(0.0015, market=0.9, reit=1.0),
    "VOX": _fund(0.002, market=0.95, comm=1.0),
    "XTL": _fund(0.004, market=0.95, comm=1.0),
    "XLY": _fund(0.001, market=1.1, discr=1.0),
    "XRT": _fund(0.003, market=1.15, discr=1.2),
    "ITB": _fund(0.006, market=1.3, discr=0.6, reit=0.6),
    "XME": _fund(0.005, market=1.2, materials=1.5),
    "COPX": _fund(0.008, market=1.1, materials=1.6),
    "LIT": _fund(0.009, market=1.1, materials=1.2, tech=0.4),
    "REMX": _fund(0.009, market=1.0, materials=1.5),
    "SLX": _fund(0.006, market=1.2, materials=1.4),
    "TAN": _fund(0.012, market=1.2, energy=0.3, util=0.6),
    "URA": _fund(0.006, market=0.8, uranium=1.0),
    "URNJ": _fund(0.01, market=0.8, uranium=1.3),
    "NLR": _fund(0.004, market=0.7, uranium=0.6, util=0.5),
    # international
    "EEM": _fund(0.001, market=0.9, em=1.0),
    "EFA": _fund(0.001, market=0.85, intl=1.0),
    "EWG": _fund(0.005, market=0.9, intl=1.1),
    "EWU": _fund(0.005, market=0.8, intl=1.0),
    "EWY": _fund(0.007, market=1.0, em=1.0, semis=0.3),
    "FLKR": _fund(0.007, market=1.0, em=1.0, semis=0.3),
    "FXI": _fund(0.003, market=0.8, china=1.0),
    "INDO": _fund(0.009, market=0.7, em=1.0),
    # commodities, currencies, alternatives
    "GLD": _fund(0.0005, gold=1.0),
    "IAU": _fund(0.0005, gold=1.0),
    "SLV": _fund(0.001, silver=1.0),
    "SIVR": _fund(0.001, silver=1.0),
    "PSLV": _fund(0.004, silver=1.0),
    "PPLT": _fund(0.012, gold=0.5, materials=0.6),
    "PALL": _fund(0.016, gold=0.4, materials=0.7),
    "GLTR": _fund(0.004, gold=0.7, silver=0.3),
    "CEF": _fund(0.004, gold=0.8, silver=0.3),
    "GDX": _fund(0.002, market=0.3, gold=1.5, miners=1.0),
    "GDXJ": _fund(0.006, market=0.35, gold=1.7, miners=1.2),
    "RING": _fund(0.004, market=0.3, gold=1.5, miners=1.0),
    "SIL": _fund(0.006, market=0.4, silver=1.4, miners=1.0),
    "SILJ": _fund(0.008, market=0.4, silver=1.6, miners=1.2),
    "SLVP": _fund(0.006, market=0.4, silver=1.4, miners=1.0),
    "USO": _fund(0.002, oil=1.0),
    "DBE": _fund(0.004, oil=0.8, natgas=0.2),
    "UNG": _fund(0.003, natgas=1.0),
    "UUP": _fund(0.0005, dollar=1.0),
    "KMLM": _fund(0.002, trend=1.0),
    "DBMF": _fund(0.002, trend=0.9, market=0.1),
    "IBIT": _fund(0.0, crypto=1.0),
    "BITW": _fund(0.004, crypto=1.05),
    "GDLC": _fund(0.004, crypto=1.05),
    "ETH": _fund(0.015, crypto=1.25),
    "BLOK": _fund(0.006, market=1.3, crypto=0.5, growth=0.5),
    "WGMI": _fund(0.015, market=1.4, crypto=1.1),
    # volatility: short-term and mid-term VIX futures (leveraged ones are listed below)
    "VIXY": _fund(0.0005, vixfut=1.0),
    "VXX": _fund(0.0005, vixfut=1.0),
    "VIXM": _fund(0.0008, vixmid=1.0),
    # bonds (duration on the `rates` factor) and cash-like funds
    "BIL": _bond(0.0, idio=0.0001),
    "SHV": _bond(0.0, idio=0.0001),
    "TFLO": _bond(0.0, idio=0.0001),
    "SHY": _bond(1.9, idio=0.0001),
    "BSV": _bond(2.6, credit=0.15, idio=0.0002),
    "IEI": _bond(4.5, idio=0.0002),
    "IEF": _bond(7.5, idio=0.0003),
    "TLH": _bond(14.0),
    "TLT": _bond(17.0),
    "VGLT": _bond(15.0),
    "AGG": _bond(6.0, credit=0.3),
    "BND": _bond(6.0, credit=0.3),
    "SCHZ": _bond(6.0, credit=0.3),
    "LQD": _bond(8.5, credit=1.0, idio=0.0008),
    "IGIB": _bond(6.0, credit=0.8, idio=0.0006),
    "CORP": _bond(7.0, credit=0.9, idio=0.0006),
    "HYG": _bond(3.5, credit=2.5, idio=0.001),
    "SHYG": _bond(2.0, credit=2.0, idio=0.001),
    "STPZ": _bond(2.5, idio=0.0006, dollar=-0.1),
    "RINF": _bond(-4.0, idio=0.003),
    # closed-end municipal / income funds the symphonies hold
    "PMM": _bond(6.0, credit=1.0, idio=0.006),
    "EVN": _bond(6.5, credit=1.0, idio=0.006),
    "BKT": _bond(5.0, credit=0.8, idio=0.005),
    "VBF": _bond(6.0, credit=1.0, idio=0.005),
    "PIM": _bond(5.0, credit=1.5, idio=0.006),
    "MHD": _bond(7.0, credit=1.2, idio=0.006),
    "MMT": _bond(5.0, credit=1.5, idio=0.006),
    # more bonds
    "EDV": _bond(24.0, idio=0.0004),
    "SPTL": _bond(15.5),
    "VGIT": _bond(5.5, idio=0.0002),
    "VGSH": _bond(1.9, idio=0.0001),
    "GBIL": _bond(0.0, idio=0.0001),
    "TIP": _bond(6.5, idio=0.001),
    "STIP": _bond(2.5, idio=0.0006),
    "VTIP": _bond(2.6, idio=0.0006),
    "BNDX": _bond(7.0, credit=0.2, idio=0.001),
    "EMB": _bond(7.0, credit=2.0, idio=0.003, em=0.2),
    "BWX": _bond(8.0, idio=0.004, dollar=-0.8),
    "BOND": _bond(6.0, credit=0.5, idio=0.0006),
    # commodities, currencies, managed futures, crypto
    "DBC": _fund(0.004, oil=0.5, gold=0.15, materials=0.3, natgas=0.05),
    "PDBC": _fund(0.004, oil=0.5, gold=0.15, materials=0.3, natgas=0.05),
    "FTGC": _fund(0.005, oil=0.4, gold=0.2, materials=0.3),
    "DBA": _fund(0.008, market=0.1),
    "DBB": _fund(0.006, market=0.3, materials=0.8),
    "DBO": _fund(0.003, oil=0.95),
    "FXE": _fund(0.001, dollar=-1.0),
    "FXY": _fund(0.002, dollar=-0.8),
    "UDN": _fund(0.0005, dollar=-1.0),
    "USDU": _fund(0.001, dollar=0.9),
    "CTA": _fund(0.003, trend=0.9),
    "WTMF": _fund(0.003, trend=0.7, market=0.1),
    "FMF": _fund(0.003, trend=0.8),
    "BITO": _fund(0.003, crypto=1.0),
    "GBTC": _fund(0.006, crypto=1.0),
    # international
    "EWZ": _fund(0.01, market=1.0, em=1.3),
    "VWO": _fund(0.001, market=0.9, em=1.0),
    "EPI": _fund(0.006, market=0.8, em=0.9),
    "INDA": _fund(0.006, market=0.8, em=0.9),
    "KWEB": _fund(0.008, market=0.9, china=1.4),
    "ASHR": _fund(0.006, market=0.5, china=1.0),
    "VGK": _fund(0.002, market=0.85, intl=1.0),
    "EWW": _fund(0.007, market=0.9, em=1.0),
    # US styles and sectors
    "SCHD": _fund(0.002, market=0.85, value=0.8),
    "DGRO": _fund(0.002, market=0.9, value=0.5),
    "QUAL": _fund(0.002, market=1.0, growth=0.2),
    "USMV": _fund(0.002, market=0.7, staples=0.3, util=0.2),
    "SPLV": _fund(0.002, market=0.65, util=0.3, staples=0.4),
    "RSP": _fund(0.002, market=1.0, smallcap=0.3, value=0.3),
    "RPV": _fund(0.004, market=1.0, value=1.2),
    "SPXT": _fund(0.002, market=0.95, growth=-0.2),
    "MDY": _fund(0.001, market=1.05, smallcap=0.5),
    "VFH": _fund(0.001, market=1.1, fin=1.0),
    "KRE": _fund(0.004, market=1.1, fin=1.3, smallcap=0.3),
    "VDC": _fund(0.001, market=0.55, staples=1.0),
    "VDE": _fund(0.001, market=0.9, energy=1.0),
    "VHT": _fund(0.001, market=0.75, health=1.0),
    "XPH": _fund(0.005, market=0.8, health=1.0, biotech=0.3),
    "VIS": _fund(0.001, market=1.0, industrial=1.0),
    "ITA": _fund(0.004, market=1.0, industrial=1.0),
    "VPU": _fund(0.001, market=0.5, util=1.0),
    "IXN": _fund(0.002, market=1.15, growth=1.0, tech=1.0),
    "ICLN": _fund(0.01, market=1.1, util=0.6, energy=0.2),
    "FDN": _fund(0.004, market=1.15, growth=1.2, tech=0.3),
    "ARKK": _fund(0.012, market=1.4, growth=1.5, spec=0.6),
    "ARKF": _fund(0.012, market=1.4, growth=1.2, fin=0.5, spec=0.5),
    "FCG": _fund(0.006, market=1.0, energy=1.2, natgas=0.3),
    "HDGE": _fund(0.006, drift=-0.0001, market=-0.9, smallcap=-0.3),
}

# fmt: off
_LEVERAGED: dict[str, tuple[str, float]] = {  # fund: (underlying, daily multiple)
    "TQQQ": ("QQQ", 3), "SQQQ": ("QQQ", -3), "QLD": ("QQQ", 2), "QID": ("QQQ", -2),
    "PSQ": ("QQQ", -1), "LQQ3": ("QQQ", 2), "UPRO": ("SPY", 3), "SPXL": ("SPY", 3),
    "SPXS": ("SPY", -3), "SPXU": ("SPY", -3), "SSO": ("SPY", 2), "SDS": ("SPY", -2),
    "SH": ("SPY", -1), "UDOW": ("DIA", 3), "SDOW": ("DIA", -3), "DOG": ("DIA", -1),
    "URTY": ("IWM", 3), "SRTY": ("IWM", -3), "TNA": ("IWM", 3), "TZA": ("IWM", -3),
    "RWM": ("IWM", -1), "TECL": ("XLK", 3), "TECS": ("XLK", -3), "ROM": ("XLK", 2),
    "SOXL": ("SOXX", 3), "SOXS": ("SOXX", -3), "USD": ("SMH", 2), "SMHX": ("SMH", 2),
    "FAS": ("XLF", 3), "FAZ": ("XLF", -3), "LABU": ("XBI", 3), "LABD": ("XBI", -3),
    "CURE": ("XLV", 3), "DRN": ("XLRE", 3), "DRV": ("XLRE", -3), "ERX": ("XLE", 2),
    "ERY": ("XLE", -2), "GUSH": ("XOP", 2), "DRIP": ("XOP", -2), "UGE": ("XLP", 2),
    "UYM": ("XLB", 2), "NAIL": ("ITB", 3), "RETL": ("XRT", 3), "HIBL": ("SPHB", 3),
    "FNGG": ("FNGS", 2), "FNGU": ("FNGS", 3), "EDC": ("EEM", 3), "EDZ": ("EEM", -3),
    "TMF": ("TLT", 3), "TMV": ("TLT", -3), "TBF": ("TLT", -1), "TBT": ("TLT", -2),
    "TTT": ("TLT", -3), "UBT": ("TLT", 2), "TYD": ("IEF", 3), "TYO": ("IEF", -3),
    "UGL": ("GLD", 2), "AGQ": ("SLV", 2), "ZSL": ("SLV", -2), "NUGT": ("GDX", 2),
    "DUST": ("GDX", -2), "JNUG": ("GDXJ", 2), "GDXU": ("GDX", 3), "UCO": ("USO", 2),
    "SCO": ("USO", -2), "BOIL": ("UNG", 2), "BITI": ("IBIT", -1), "BTCL": ("IBIT", 2),
    "BTCZ": ("IBIT", -2), "ETHU": ("ETH", 2), "ETHD": ("ETH", -2), "UVXY": ("VIXY", 1.5),
    "UVIX": ("VIXY", 2), "SVIX": ("VIXY", -1), "SVXY": ("VIXY", -0.5), "FNGD": ("FNGS", -3),
    "FNGO": ("FNGS", 2), "BULZ": ("FNGS", 3), "UWM": ("IWM", 2), "UYG": ("XLF", 2),
    "UTSL": ("XLU", 3), "DUSL": ("XLI", 3), "DPST": ("KRE", 3), "DFEN": ("ITA", 3),
    "MIDU": ("MDY", 3), "MVV": ("MDY", 2), "SPDN": ("SPY", -1), "SPYU": ("SPY", 4),
    "HIBS": ("SPHB", -3), "NRGU": ("XLE", 3), "NRGD": ("XLE", -3), "OILD": ("XOP", -3),
    "PILL": ("XPH", 3), "WANT": ("XLY", 3), "SARK": ("ARKK", -1), "TARK": ("ARKK", 2),
    "PST": ("IEF", -2), "TBX": ("IEF", -1), "SJB": ("HYG", -1), "KOLD": ("UNG", -2),
    "GLL": ("GLD", -2), "JDST": ("GDXJ", -2), "GDXD": ("GDX", -3), "CWEB": ("KWEB", 2),
    "CHAU": ("ASHR", 2), "XPP": ("FXI", 2), "YINN": ("FXI", 3), "YANG": ("FXI", -3),
    "EURL": ("VGK", 3), "MEXX": ("EWW", 3), "EFO": ("EFA", 2), "EUO": ("FXE", -2),
    "YCS": ("FXY", -2), "BITX": ("IBIT", 2), "SBIT": ("IBIT", -2), "TSLQ": ("TSLA", -2),
    "TSLR": ("TSLA", 2), "AAPU": ("AAPL", 1.5), "AAPD": ("AAPL", -1), "AMZU": ("AMZN", 1.5),
    "AMZD": ("AMZN", -1), "MSFL": ("MSFT", 2), "MSFD": ("MSFT", -1), "GGLL": ("GOOGL", 2),
    "GGLS": ("GOOGL", -1), "NVDS": ("NVDA", -1.5), "METD": ("META", -1), "TSLL": ("TSLA", 2),
    "NVDL": ("NVDA", 2), "NVDQ": ("NVDA", -2), "AMDU": ("AMD", 2), "MSTU": ("MSTR", 2),
    "MSTZ": ("MSTR", -2), "CONL": ("COIN", 2), "CONI": ("COIN", -2), "PTIR": ("PLTR", 2),
    "PLTZ": ("PLTR", -2), "LLYX": ("LLY", 2), "LLYZ": ("LLY", -2), "SMCX": ("SMCI", 2),
    "SMCZ": ("SMCI", -2), "RGTX": ("RGTI", 2), "RGTZ": ("RGTI", -2), "QBTX": ("QBTS", 2),
    "QBTZ": ("QBTS", -2), "IONL": ("IONQ", 2), "IONZ": ("IONQ", -2), "OKLL": ("OKLO", 2),
    "OKLS": ("OKLO", -2), "HOOG": ("HOOD", 2), "HOOZ": ("HOOD", -2), "RKLX": ("RKLB", 2),
    "RKLZ": ("RKLB", -2), "TSMU": ("TSM", 2), "CRWU": ("CRWV", 2), "GEVX": ("GEV", 2),
    "AVXX": ("AVAV", 2), "DAMD": ("AMD", -1),
}
# fmt: on

# Single stocks: sector → (market beta, idiosyncratic daily vol, tickers separated by spaces)
_STOCKS: dict[str, tuple[float, float, str]] = {
    "semis": (
        1.4,
        0.018,
        "NVDA AMD AVGO KLAC AMAT LRCX MU ASML TER FORM ACLS MKSI ONTO KLIC TXN MCHP ON STM "
        "TSM UMC ASX GFS INTC MRVL POWI DIOD UCTT CAMT NVMI AEHR AMBA WOLF SIMO TSEM SMCI ARM "
        "MTSI COHR LITE VICR AXTI ASYS GSIT",
    ),
    "tech": (
        1.2,
        0.014,
        "AAPL MSFT ORCL CRM IBM HPE SNPS PTC FTNT ZS S NOW SNOW PATH HUBS MNDY CFLT DOCN EPAM "
        "AKAM VRSN KEYS APH GLW FN FLEX SANM WDC STX SNDK PLTR AI BBAI SOUN APP RBRK NFLX "
        "AMZN META GOOGL GOOG TSLA CIEN VIAV LTRX INOD CRWV IONQ RGTI QBTS QUBT ARQQ QSI LAES",
    ),
    "fin": (
        1.15,
        0.012,
        "JPM BAC WFC C GS MS SCHW BX KKR IBKR HOOD SOFI NU PGR BAM COIN BKKT MELI XYZ ENVA "
        "EZPW EGBN MSBI MOFG BSBR",
    ),
    "health": (
        0.8,
        0.012,
        "UNH LLY NVO MRK ABBV AMGN GILD REGN VRTX CAH DXCM ALGN ILMN NTRA TEVA VTRS GKOS EXAS "
        "TDOC OMCL TXG NEOG",
    ),
    "biotech": (
        1.1,
        0.025,
        "MRNA CRSP BEAM NTLA EDIT ALNY IONS SRPT VKTX MDGL AXSM CYTK ARWR RXRX SDGR TWST DNA "
        "FATE ABCL RNA WVE QURE KROS PCVX ZYME VERA RVMD GMAB ROIV BIOA CRNX IMNM",
    ),
    "energy": (
        0.95,
        0.015,
        "XOM CVX COP OXY EOG DVN SLB HAL VLO MPC PSX WMB ET EQT BTU HCC NOV OII RIG NBR HP "
        "WFRD WHD PBR VNOM NESR BKV BORR TTI",
    ),
    "uranium": (0.9, 0.02, "SMR BWXT LEU OKLO CCJ UEC NXE DNN UUUU NNE LTBR GEV"),
    "util": (
        0.5,
        0.01,
        "EXC DUK SO NEE D ETR AES PNW IDA NRG CEG TLN VST AWK CWEN ORA NEP FLNC PLUG FCEL BE "
        "EOSE NRGV",
    ),
    "miners": (
        0.35,
        0.02,
        "GOLD KGC AU AEM NEM WPM HMY GFI EGO IAG NGD RGLD SBSW AG PAAS HL CDE EXK FSM SSRM OR "
        "AGI ORLA DRD BVN SA HYMC IAUX USAS VZLA SVM GATO MUX B",
    ),
    "materials": (
        1.1,
        0.017,
        "FCX SCCO TECK HBM ALB SQM MP VALE X CENX AA KALU MOS CMP TROX ATI UAMY USAR LAC SGML CRML",
    ),
    "industrial": (
        1.0,
        0.013,
        "GE HON LMT NOC RTX GD HII LHX LDOS CACI ETN PWR EME FIX MTZ MYRG DY STRL POWL HUBB "
        "NVT JCI CARR CMI XYL PNR VMC MLM FLR TTEK APG ODFL CHRW MATX KTOS RKLB LUNR RDW ASTS "
        "PL SPCE JOBY ACHR AVAV IRDM VSAT BKSY SPIR SATL FTAI BW",
    ),
    "staples": (0.55, 0.01, "COST WMT PG KO PEP DG HLF DAR"),
    "discr": (
        1.15,
        0.016,
        "TSCO HD LOW NKE SBUX GM F TPR VSCO AEO SHOO YETI LUV DAN GT CAVA DUOL GRAB JD BIDU "
        "BILI HTHT ZUMZ",
    ),
    "reit": (0.9, 0.012, "WELL EQIX DLR IRM VICI VTR DHC PSTL OUT"),
    "crypto": (1.3, 0.028, "MSTR MARA RIOT CLSK HUT BTBT BITF CIFR WULF CORZ IREN BTDR APLD"),
}

_SECTORS = tuple(_STOCKS)
"""Sectors an unlisted ticker is drawn from (by a hash of its name)."""

# more listed single stocks, same sector parameters; communication services only listed here
_MORE_STOCKS: dict[str, tuple[str, ...]] = {
    "semis": ("ADI", "NXPI", "QCOM", "INDI"),
    "tech": ("ADBE", "CSCO", "INFY", "PAYC", "JKHY"),
    "fin": ("AXP", "MA", "V", "TRV", "BRK/B", "BN"),
    "industrial": ("BA", "CAT", "CSX", "UPS", "ATRO", "AIR"),
    "discr": ("CMG", "LULU", "ROST", "MCD", "CVNA", "ELF", "BABA"),
    "staples": ("MNST", "COKE", "SFM"),
    "health": ("JNJ", "HIMS", "ELAN"),
    "energy": ("KMI", "AR", "HESM"),
    "util": ("ENPH", "FSLR", "SEDG", "CSIQ", "JKS", "ARRY", "SHLS", "MAXN"),
    "materials": ("LIN",),
    "crypto": ("HIVE",),
    "comm": ("TMUS", "WBD", "LUMN", "SATS", "GSAT", "T", "VZ", "CMCSA", "DIS"),
}
_COMM = (0.95, 0.014)

PROFILES: dict[str, Profile] = {}
for _sector, (_beta, _idio, _names) in _STOCKS.items():
    for _t in _names.split():
        PROFILES[_t] = _stock(_sector, _beta, _idio)
for _sector, _tickers in _MORE_STOCKS.items():
    _beta, _idio = _COMM if _sector == "comm" else _STOCKS[_sector][:2]
    for _t in _tickers:
        PROFILES[_t] = _stock(_sector, _beta, _idio)
PROFILES.update(_FUNDS)
PROFILES.update({t: LeveragedProfile(u, float(m)) for t, (u, m) in _LEVERAGED.items()})


def profile_of(ticker: str, seed: int) -> Profile:
    """The listed profile, or a single stock whose sector, beta and noise come from its name."""
    listed = PROFILES.get(ticker)
    if listed is not None:
        return listed
    h = stable_hash(ticker, seed)
    sector = _SECTORS[h % len(_SECTORS)]
    beta = 0.7 + ((h >> 8) % 1000) / 1000 * 0.9
    idio = 0.01 + ((h >> 20) % 1000) / 1000 * 0.02
    return _stock(sector, beta, idio)


def stable_hash(text: str, seed: int = 0) -> int:
    """A hash that is the same in every process (Python's `hash` of a str is salted)."""
    return zlib.crc32(f"{seed}:{text}".encode())
