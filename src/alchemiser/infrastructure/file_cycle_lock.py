"""A CycleLock on an OS file lock in the data directory (implements ports.cycle_lock.CycleLock).

Stand-in until the ledger's database lock lands (the `ledger` work implements CycleLock on the
database so two machines on one PostgreSQL ledger also respect it); this one covers every process
on one machine sharing a data directory. `flock` is taken atomically by the kernel and released
when the process dies, so a crash never leaves a stale lock. The holder writes who it is into the
file so the refused process can name it.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import os
import re
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alchemiser.application.ports.cycle_lock import CycleLockHeldError


class FileCycleLock:
    def __init__(self, directory: Path) -> None:
        self._dir = directory

    def _path(self, account: str) -> Path:
        safe = re.sub(r"[^A-Za-z0-9_.-]", "_", account)
        return self._dir / "locks" / f"{safe}.lock"

    @contextmanager
    def hold(self, account: str, owner: str) -> Iterator[None]:
        path = self._path(account)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise CycleLockHeldError(
                    f"{account} is locked by {_holder(fd)}",
                    context={"account": account, "lock_file": str(path)},
                ) from None
            holder = {
                "owner": owner,
                "host": socket.gethostname(),
                "pid": os.getpid(),
                "since": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
            }
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(holder).encode(), 0)
            try:
                yield
            finally:
                os.ftruncate(fd, 0)
                fcntl.flock(fd, fcntl.LOCK_UN)
        finally:
            os.close(fd)


def _holder(fd: int) -> str:
    try:
        data = json.loads(os.pread(fd, 4096, 0) or b"{}")
    except ValueError:
        data = {}
    if not isinstance(data, dict) or not data:
        return "another process (it has not said who it is yet)"
    return (
        f"{data.get('owner', '?')} (pid {data.get('pid', '?')} on {data.get('host', '?')}, "
        f"since {data.get('since', '?')})"
    )
