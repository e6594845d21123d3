"""Remembers when each alert was last sent, in a small JSON file beside the ledger."""

from __future__ import annotations

import datetime as dt
import json
import os
import tempfile
from pathlib import Path

_KEEP = dt.timedelta(days=7)


class FileCooldown:
    def __init__(self, path: Path) -> None:
        self._path = path

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self._path.read_text())
        except (FileNotFoundError, ValueError):
            return {}  # a lost or damaged file only means an alert may be sent once more
        return data if isinstance(data, dict) else {}

    def last_sent(self, fingerprint: str) -> dt.datetime | None:
        value = self._load().get(fingerprint)
        return dt.datetime.fromisoformat(value) if value else None

    def mark_sent(self, fingerprint: str, when: dt.datetime) -> None:
        data = {
            k: v for k, v in self._load().items() if when - dt.datetime.fromisoformat(v) < _KEEP
        }
        data[fingerprint] = when.isoformat()
        self._path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=self._path.parent, suffix=".tmp")
        with os.fdopen(fd, "w") as handle:
            json.dump(data, handle)
        os.replace(tmp, self._path)
