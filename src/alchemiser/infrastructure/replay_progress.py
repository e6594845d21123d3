"""The replay's progress as JSON lines: a header line, then one line per session, appended and
flushed to disk after each session. A line cut by a kill is ignored on load (that session is
simply replayed again)."""

from __future__ import annotations

import json
import os
from pathlib import Path

from pydantic import ValidationError

from alchemiser.application.replay.progress import ReplayProgress, SessionRecord


class JsonLinesProgress:
    def __init__(self, path: Path) -> None:
        self.path = path

    def load(self) -> ReplayProgress | None:
        if not self.path.exists():
            return None
        lines = self.path.read_text(encoding="utf-8").splitlines()
        if not lines:
            return None
        try:
            header = json.loads(lines[0])
            progress = ReplayProgress(fingerprint=str(header["fingerprint"]))
        except (ValueError, KeyError, TypeError):
            return None  # a header cut by a kill: nothing was replayed yet
        for line in lines[1:]:
            try:
                progress.sessions.append(SessionRecord.model_validate_json(line))
            except ValidationError:
                break  # the last line, cut mid-write
        return progress

    def begin(self, fingerprint: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"fingerprint": fingerprint}) + "\n", encoding="utf-8")
        os.replace(tmp, self.path)

    def append(self, record: SessionRecord) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(record.model_dump_json() + "\n")
            out.flush()
            os.fsync(out.fileno())
