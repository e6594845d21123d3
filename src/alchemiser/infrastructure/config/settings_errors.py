"""Turns any failure to read the settings into one CONFIGURATION paragraph a user can act on.

pydantic-settings fails in two ways: a `ValidationError` (a value of the wrong type or range)
and a `SettingsError` (a list/set/section value that is not JSON, raised before validation and
naming only the top-level section). Both become a ConfigurationError naming the variable as
the user wrote it (`ALCHEMISER_NOTIFICATIONS__EMAIL__RECIPIENTS`), where it came from
(environment or `.env`) and the expected form (`'["me@x.com"]'`) — never a traceback.
"""

from __future__ import annotations

import json
import os
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic.fields import FieldInfo

from alchemiser.domain.errors import ConfigurationError

PREFIX = "ALCHEMISER_"
DELIMITER = "__"
_SECRET_WORDS = ("PASSWORD", "SECRET", "KEY", "TOKEN", "WEBHOOK__URL", "DATABASE_URL")
ACTION = (
    "Fix the named setting (environment variable or .env line); "
    "`alchemiser config check` validates everything."
)


def is_secret_name(name: str) -> bool:
    """Variables whose value must never be echoed back (a bad password is still a password)."""
    return any(word in name.upper() for word in _SECRET_WORDS)


def secret_looking_values() -> list[str]:
    """Values of secret-named variables in the environment and `.env`, for redaction when the
    settings could not be read (a malformed file must not leak the password beside it)."""
    values = {**dotenv_values_of(), **os.environ}
    return [v for k, v in values.items() if is_secret_name(k) and len(v) >= 4]


def dotenv_values_of(path: Path = Path(".env")) -> dict[str, str]:
    """The `.env` of the current folder, as pydantic-settings reads it (missing file = empty)."""
    if not path.is_file():
        return {}
    from dotenv import dotenv_values

    return {k: v for k, v in dotenv_values(path).items() if v is not None}


def _where(name: str, dotenv: Mapping[str, str]) -> tuple[str, str | None]:
    """('environment' | '.env' | 'settings', the raw value) of a variable, case-insensitively."""
    for source, values in (("environment", os.environ), (".env", dotenv)):
        for key, value in values.items():
            if key.upper() == name.upper():
                return source, value
    return "settings", None


def variable_name(loc: tuple[int | str, ...]) -> str:
    parts = [str(p) for p in loc if not isinstance(p, int)]
    if len(parts) == 1 and parts[0].upper().startswith("ALPACA_"):
        return parts[0].upper()  # conventional Alpaca variables carry no prefix
    return PREFIX + DELIMITER.join(parts).upper()


def _shown(name: str, value: Any) -> str:
    if is_secret_name(name):
        return "(value hidden)"
    text = value if isinstance(value, str) else json.dumps(value, default=str)
    return repr(text[:80] + ("…" if len(text) > 80 else ""))


def _json_list_example(raw: str | None) -> str:
    items = [p.strip() for p in (raw or "").strip("[]").split(",") if p.strip().strip("\"'")]
    return "'" + json.dumps([i.strip("\"'") for i in items] or ["…"]) + "'"


_EXPECTED = {
    "bool_parsing": "true or false",
    "bool_type": "true or false",
    "int_parsing": "a whole number, e.g. 25",
    "int_type": "a whole number, e.g. 25",
    "int_from_float": "a whole number, e.g. 25",
    "float_parsing": "a finite number, e.g. 1.5",
    "float_type": "a finite number, e.g. 1.5",
    "finite_number": "a finite number, e.g. 1.5 (not inf or nan)",
    "decimal_parsing": "a number, e.g. 100000",
    "list_type": 'a JSON list, e.g. \'["a", "b"]\'',
    "frozen_set_type": 'a JSON list, e.g. \'["a", "b"]\'',
    "set_type": 'a JSON list, e.g. \'["a", "b"]\'',
}


def configuration_error_from(
    exc: ValidationError, *, source: str, dotenv: Mapping[str, str] | None = None
) -> ConfigurationError:
    """One paragraph naming each bad variable, where it was set, what it held and what was
    expected, e.g. `ALCHEMISER_EXECUTION__LIMIT_STEPS (environment) = '0': …`."""
    dotenv = dotenv_values_of() if dotenv is None else dotenv
    problems: list[str] = []
    names: list[str] = []
    for err in exc.errors():
        name = variable_name(err["loc"]) if err["loc"] else "(settings)"
        where, raw = _where(name, dotenv)
        value = raw if raw is not None else err.get("input")
        expected = _EXPECTED.get(err["type"])
        message = err["msg"].removeprefix("Value error, ")
        if expected and err["type"].startswith(("list", "frozen_set", "set")):
            expected = f"a JSON list, e.g. {_json_list_example(raw)}"
        detail = f"{message}; expected {expected}" if expected else message
        dotted = ".".join(str(p) for p in err["loc"])
        problems.append(f"{name} ({dotted}, {where}) = {_shown(name, value)}: {detail}")
        names.append(name)
    plural = "s" if len(problems) > 1 else ""
    return ConfigurationError(
        f"invalid setting{plural} in {source}: " + "; ".join(problems),
        context={"settings": names},
        suggested_action=ACTION,
    )


_SETTINGS_ERROR = re.compile(r'field "(?P<field>\w+)" from source "(?P<source>\w+)"')


def configuration_error_from_settings_error(
    exc: Exception, model: type[BaseModel], *, dotenv: Mapping[str, str] | None = None
) -> ConfigurationError:
    """A value that had to be JSON (a list, a set, a whole section) and is not. pydantic-settings
    names only the top-level field, so the culprit is found among the variables under it."""
    dotenv = dotenv_values_of() if dotenv is None else dotenv
    match = _SETTINGS_ERROR.search(str(exc))
    field = match.group("field") if match else ""
    values: Mapping[str, str] = (
        dotenv if match and match.group("source").startswith("DotEnv") else os.environ
    )
    where = ".env" if values is dotenv else "environment"
    problems: list[str] = []
    names: list[str] = []
    head = (PREFIX + field).upper()
    for key, raw in values.items():
        upper = key.upper()
        if not (upper == head or upper.startswith(head + DELIMITER)):
            continue
        path = upper.removeprefix(PREFIX).lower().split(DELIMITER)
        annotation = _annotation_at(model, path)
        if annotation is None or not _wants_json(annotation):
            continue
        try:
            json.loads(raw)
        except ValueError:
            expected = (
                f"a JSON list, e.g. {_json_list_example(raw)}"
                if _is_collection(annotation)
                else "a JSON object, or one variable per key with `__` between names"
            )
            problems.append(
                f"{upper} ({where}) = {_shown(upper, raw)}: not valid JSON; expected {expected}"
            )
            names.append(upper)
    if not problems:  # could not pin it down: still name the section, never a traceback
        name = head if field else "(settings)"
        problems.append(f'{name} ({where}): {exc}; list values are JSON, e.g. \'["a", "b"]\'')
        names.append(name)
    return ConfigurationError(
        "invalid setting in environment / .env: " + "; ".join(problems),
        context={"settings": names},
        suggested_action=ACTION,
    )


def _annotation_at(model: type[BaseModel], path: list[str]) -> Any:
    annotation: Any = model
    for part in path:
        fields: dict[str, FieldInfo] = getattr(_model_of(annotation), "model_fields", {})
        if part not in fields:
            return None
        annotation = fields[part].annotation
    return annotation


def _model_of(annotation: Any) -> Any:
    for arg in (annotation, *typing.get_args(annotation)):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


def _is_collection(annotation: Any) -> bool:
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        return any(_is_collection(a) for a in typing.get_args(annotation))
    return origin in (list, set, frozenset, tuple)


def _wants_json(annotation: Any) -> bool:
    if _is_collection(annotation) or _model_of(annotation) is not None:
        return True
    origin = typing.get_origin(annotation)
    return origin is dict
