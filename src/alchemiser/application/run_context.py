"""The id of the run in progress, so every log line and record can name it."""

from __future__ import annotations

import datetime as dt
import secrets
from contextvars import ContextVar

current_run_id: ContextVar[str] = ContextVar("current_run_id", default="-")


def new_run_id(now: dt.datetime | None = None) -> str:
    """Sortable and unique: UTC timestamp plus random suffix, e.g. 20261124T153012Z-3f9a1c."""
    moment = (now or dt.datetime.now(dt.UTC)).astimezone(dt.UTC)
    return f"{moment:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
