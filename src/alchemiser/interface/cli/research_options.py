"""Options of the research commands (sweep, many-file backtest) and the backtest settings they
share with `alchemiser backtest`, so a variant is backtested exactly as `backtest` would."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import pandas as pd
import typer

from alchemiser.application.backtest import BacktestConfig
from alchemiser.application.research.models import VariantResult
from alchemiser.domain.errors import ConfigurationError
from alchemiser.interface.cli.options import parse_date

RayOption = Annotated[
    str | None,
    typer.Option(
        "--ray",
        help="Run on a Ray cluster: auto (a running one, else local), local, or HOST:PORT. "
        "Needs the optional extra: pip install 'alchemiser\\[ray]'.",
    ),
]
WorkersOption = Annotated[
    int | None,
    typer.Option("--workers", help="Local processes (default: every core; 1 = no pool)."),
]
OutOption = Annotated[
    Path | None, typer.Option("--out", help="Write one Parquet row per result here.")
]

METRIC_COLUMNS = (
    "cagr",
    "sharpe",
    "sortino",
    "max_drawdown",
    "volatility",
    "calmar",
    "cumulative_return",
    "turnover",
    "costs",
    "final_equity",
    "daily_sharpe",
    "skew",
    "kurtosis",
    "in_sample_sharpe",
    "out_of_sample_sharpe",
    "out_of_sample_cagr",
)


def backtest_config(
    *,
    start: str | None,
    end: str | None,
    capital: float,
    slippage_bps: float,
    fees: bool,
    rebalance: str | None,
    benchmark: str,
) -> BacktestConfig:
    """The BacktestConfig `alchemiser backtest` builds from the same options."""
    import datetime as dt

    from alchemiser import bootstrap
    from alchemiser.application.services.backtest import BacktestOptions
    from alchemiser.application.services.backtest import backtest_config as config_of

    return config_of(
        BacktestOptions(
            start=parse_date(start, "--start") if start else None,
            end=parse_date(end, "--end") if end else None,
            capital=capital,
            slippage_bps=slippage_bps,
            fees=fees,
            rebalance=rebalance,
            benchmark=benchmark,
        ),
        history_years=bootstrap.load_settings().market_data.history_years,
        today=dt.date.today(),
    )


def rows_frame(rows: list[VariantResult], addresses: list[str] | None = None) -> pd.DataFrame:
    """One row per result: identity, `param:ADDRESS` columns, then the metrics."""
    records = []
    for row in rows:
        record: dict[str, object] = {
            "index": row.index,
            "symphony": row.symphony,
            "name": row.name,
            "original": row.original,
        }
        for address in addresses or []:
            record[f"param:{address}"] = row.parameters.get(address)
        record.update(
            {
                "digest": row.digest,
                "start": row.start,
                "end": row.end,
                "sessions": row.sessions,
                **{c: getattr(row, c) for c in METRIC_COLUMNS},
                "error": row.error,
                "seconds": row.seconds,
            }
        )
        records.append(record)
    frame = pd.DataFrame.from_records(records)
    for column in METRIC_COLUMNS:
        if column in frame:
            frame[column] = frame[column].astype("float64")
    return frame


def write_parquet(frame: pd.DataFrame, path: Path, option: str = "--out") -> None:
    if path.suffix.lower() != ".parquet":
        raise ConfigurationError(
            f"{option} {path}: expected a .parquet file name",
            context={"option": option},
            suggested_action="Name the output FILE.parquet.",
        )
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        frame.to_parquet(path, index=False)
    except OSError as exc:
        raise ConfigurationError(
            f"cannot write {path}: {exc.strerror or exc}",
            context={"option": option},
            suggested_action="Check that the folder is writable.",
        ) from None


def equity_frame(rows: list[VariantResult]) -> pd.DataFrame:
    """Equity curves in long form (index, date, equity): variants may start on different
    sessions (a longer window needs more warm-up)."""
    parts = [
        pd.DataFrame({"index": row.index, "date": row.equity_dates, "equity": row.equity})
        for row in rows
        if row.equity is not None and row.equity_dates is not None
    ]
    if not parts:
        return pd.DataFrame({"index": [], "date": [], "equity": []})
    return pd.concat(parts, ignore_index=True)
