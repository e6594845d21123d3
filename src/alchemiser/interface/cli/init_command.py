"""`alchemiser init`: an example `portfolio.toml` and a commented `.env.example` in this folder.

The `.env.example` is generated from the settings model itself (every setting, its default and
its description), so it cannot drift from what the program reads. Existing files are never
overwritten unless `--force` says so.
"""

from __future__ import annotations

import json
import textwrap
from decimal import Decimal
from enum import Enum
from pathlib import Path
from typing import Annotated, Any

import typer
from pydantic import BaseModel, SecretStr
from pydantic.fields import FieldInfo
from pydantic_core import PydanticUndefined

from alchemiser import bootstrap
from alchemiser.domain.errors import ConfigurationError
from alchemiser.interface.cli.output import console

PORTFOLIO = """\
# The strategies this account runs and the share of the account each gets.
# Check it with `alchemiser config check --portfolio portfolio.toml`.
# Allocations must be positive and sum to 1.

[sleeves]
nuclear = 0.30            # built-ins: nuclear, tecl, klm
tecl = 0.50
klm = 0.20

# Any symphony exported from Composer (.clj or JSON), path relative to this file:
# [sleeves.my_strategy]
# symphony = "symphonies/my_strategy.clj"
# allocation = 0.20

# Optional risk limits between the blended target and the orders (every limit is off unless
# set). `scale` moves the excess to cash, `block` stops the run before any order.
# [risk]
# max_ticker_weight = 0.35        # no ticker above 35 % of the account
# max_effective_exposure = 1.5    # sum of |weight| x leverage (3x funds count 3)
# deny = ["UVXY"]                 # never held; their weight stays cash
# max_drawdown = 0.25             # 25 % below the high-water mark: cash and halt until resume
#
# [risk.actions]
# max_ticker_weight = "block"
"""

ENV_HEAD = """\
# Alchemiser settings. Copy to `.env` (read from the folder you run alchemiser in) and remove
# the `#` of the lines you change; environment variables of the same name win over this file.
# Lists are JSON ('["me@example.com"]'), times are HH:MM Eastern, true/false for switches.
# Every line below shows the default. `alchemiser config show` prints what is in effect.

# Alpaca paper keys (key ids start with PK); live keys only with `--broker alpaca --live`.
# ALPACA_API_KEY=
# ALPACA_SECRET_KEY=
# ALPACA_LIVE_API_KEY=
# ALPACA_LIVE_SECRET_KEY=
"""


def init(
    *,
    force: Annotated[
        bool, typer.Option("--force", help="Overwrite portfolio.toml and .env.example.")
    ] = False,
) -> None:
    """Write an example portfolio.toml and a commented .env.example into this folder."""
    files = {
        Path("portfolio.toml"): PORTFOLIO,
        Path(".env.example"): env_example(bootstrap.Settings),
    }
    existing = [str(p) for p in files if p.exists()]
    if existing and not force:
        raise ConfigurationError(
            f"{', '.join(existing)} already exist{'s' if len(existing) == 1 else ''} in "
            f"{Path.cwd()}; nothing was written",
            context={"files": existing},
            suggested_action="Move them away, or run `alchemiser init --force` to overwrite.",
        )
    for path, text in files.items():
        path.write_text(text, encoding="utf-8")
        console.print(f"wrote {path.resolve()}", highlight=False, markup=False)
    console.print(
        "Next: `alchemiser config check --portfolio portfolio.toml`, then "
        "`alchemiser signal --portfolio portfolio.toml`.",
        highlight=False,
        markup=False,
    )


def env_example(settings: type[BaseModel]) -> str:
    """Every setting of `settings` as a commented `ALCHEMISER_…=default` line."""
    lines = [ENV_HEAD]
    _section(settings, "ALCHEMISER_", "", lines)
    return "\n".join(lines) + "\n"


def _section(model: type[BaseModel], prefix: str, dotted: str, lines: list[str]) -> None:
    nested: list[tuple[str, type[BaseModel]]] = []
    for name, field in model.model_fields.items():
        if field.validation_alias is not None:  # ALPACA_* keys: in the header
            continue
        kind = field.annotation
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            nested.append((name, kind))
            continue
        if name == "data_dir":
            lines.append(
                "# Where the cache and the ledger live (default: ~/.local/share/alchemiser)."
            )
            lines.append(f"# {prefix}DATA_DIR=/path/to/folder")
            continue
        if field.description:
            lines.extend(
                textwrap.wrap(field.description, 96, initial_indent="# ", subsequent_indent="#   ")
            )
        lines.append(f"# {prefix}{name.upper()}={_default(field)}")
    for name, kind in nested:
        lines.append(f"\n# --- {dotted}{name} ---")
        _section(kind, f"{prefix}{name.upper()}__", f"{dotted}{name}.", lines)


def _default(field: FieldInfo) -> str:
    value = field.get_default(call_default_factory=True)
    if value is PydanticUndefined or value is None or isinstance(value, SecretStr):
        return ""
    return _text(value)


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, frozenset | set | list | tuple):
        items = sorted(_text(v) for v in value)
        return "'" + json.dumps(items) + "'"
    if isinstance(value, dict):
        return "'" + json.dumps({str(k): _text(v) for k, v in value.items()}) + "'"
    if isinstance(value, Decimal | float | int | str | Path):
        return str(value)
    return str(value)
