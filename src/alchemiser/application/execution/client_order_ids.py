"""Deterministic client order ids (SPEC §7): one per (run, phase, symbol, attempt).

Because the id is a pure function of what is being attempted, re-submitting after an ambiguous
failure reuses it, and the broker's uniqueness check guarantees there is never a second order.
"""

from __future__ import annotations

import hashlib
import re

from alchemiser.domain.trading import MAX_CLIENT_ORDER_ID_LENGTH

PREFIX = "alc"
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]")


def client_order_id(run_id: str, symbol: str, phase: str, attempt: int) -> str:
    """`alc-<run>-<phase>-<symbol>-<attempt>`, hashed to ≤ 48 chars when it would be longer.

    e.g. `alc-20261124T153012Z-3f9a1c-sell-BRK.B-0` (40 chars). Characters outside
    [A-Za-z0-9._-] become `_` so every broker accepts the id.
    """
    if attempt < 0:
        raise ValueError(f"attempt must be ≥ 0, got {attempt}")
    readable = _UNSAFE.sub("_", f"{PREFIX}-{run_id}-{phase}-{symbol}-{attempt}")
    if len(readable) <= MAX_CLIENT_ORDER_ID_LENGTH:
        return readable
    digest = hashlib.sha256(readable.encode()).hexdigest()
    tail = _UNSAFE.sub("_", f"-{symbol}-{attempt}")[-16:]
    return f"{PREFIX}-{digest[: MAX_CLIENT_ORDER_ID_LENGTH - len(PREFIX) - 1 - len(tail)]}{tail}"
