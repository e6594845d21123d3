"""The published JSON schemas, generated from the result models (docs/schemas/*.json)."""

from __future__ import annotations

import json
from typing import Any

from alchemiser.application.results import PUBLISHED


def schema_of(name: str) -> dict[str, Any]:
    """The JSON schema of what `--json` prints (serialization mode: decimals are strings)."""
    model = PUBLISHED[name]
    schema = model.model_json_schema(mode="serialization")
    return {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": name, **schema}


def schema_texts() -> dict[str, str]:
    """File name → file content, exactly as committed (stable key order, final newline)."""
    return {
        f"{name}.json": json.dumps(schema_of(name), indent=2, sort_keys=True) + "\n"
        for name in PUBLISHED
    }
