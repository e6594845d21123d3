"""The published JSON schemas, generated from the result models (docs/schemas/*.json)."""

from __future__ import annotations

import json
from typing import Any

from pydantic import TypeAdapter

from alchemiser.application.results import PUBLISHED, PUBLISHED_LISTS, SCHEMA_VERSION


def schema_of(name: str) -> dict[str, Any]:
    """The JSON schema of what `--json` prints (serialization mode: decimals are strings)."""
    head = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name}
    if name in PUBLISHED_LISTS:
        item = PUBLISHED_LISTS[name]
        schema = TypeAdapter(list[item]).json_schema(mode="serialization")  # type: ignore[valid-type]
        return {**head, "x-schema-version": SCHEMA_VERSION, **schema}
    return {**head, **PUBLISHED[name].model_json_schema(mode="serialization")}


def schema_texts() -> dict[str, str]:
    """File name → file content, exactly as committed (stable key order, final newline)."""
    return {
        f"{name}.json": json.dumps(schema_of(name), indent=2, sort_keys=True) + "\n"
        for name in [*PUBLISHED, *PUBLISHED_LISTS]
    }
