"""A real local Ray cluster for tests and benchmarks: `ray start --head` on 127.0.0.1.

Ray replaces 127.0.0.1 by the machine's outward address unless told this is a single-machine
cluster (RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER=0 makes it keep the loopback address), so every
socket stays on loopback. The cluster lives in its own short temp dir; stopping it ends exactly
the processes whose command line names that dir (by pid), never every Ray process on the
machine as `ray stop` would.
"""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

LOOPBACK_ENV = {
    "RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER": "0",
    "RAY_USAGE_STATS_ENABLED": "0",
    "RAY_AUTH_MODE": "disabled",  # a throwaway cluster on loopback, owned by this process
    # a machine loaded by other work needs longer than Ray's default 30 s to register the node
    "RAY_raylet_start_wait_time_s": "120",
}
# Ray reads these when it is imported: set them before anything imports it in this process.
for _key, _value in LOOPBACK_ENV.items():
    os.environ.setdefault(_key, _value)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _ray_cli() -> str:
    candidate = Path(sys.executable).with_name("ray")
    return str(candidate) if candidate.exists() else "ray"


def _pids_naming(marker: str) -> list[int]:
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit() or int(entry.name) in (os.getpid(), os.getppid()):
            continue
        try:
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        if marker in cmdline:
            pids.append(int(entry.name))
    return pids


def _stop(temp_dir: str) -> None:
    for sig, pause in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 0.5)):
        pids = _pids_naming(temp_dir)
        for pid in pids:
            with suppress(ProcessLookupError):
                os.kill(pid, sig)
        if pids:
            time.sleep(pause)
    shutil.rmtree(temp_dir, ignore_errors=True)


@contextmanager
def ray_head(cpus: int = 2, attempts: int = 3) -> Iterator[str]:
    """Start a head node and yield its address (127.0.0.1:PORT); stop it afterwards.

    A loaded machine can make Ray's agents miss their 30 s start-up deadline, so the start is
    tried `attempts` times before giving up with Ray's own output.
    """
    last = ""
    for _ in range(attempts):
        temp_dir = tempfile.mkdtemp(prefix="alc-ray-", dir="/tmp")
        port = free_port()
        command = [
            _ray_cli(),
            "start",
            "--head",
            f"--port={port}",
            "--node-ip-address=127.0.0.1",
            f"--num-cpus={cpus}",
            "--include-dashboard=false",
            "--disable-usage-stats",
            f"--temp-dir={temp_dir}",
        ]
        done = subprocess.run(
            command,
            capture_output=True,
            text=True,
            timeout=240,
            env={**os.environ, **LOOPBACK_ENV},
            check=False,
        )
        if done.returncode == 0:
            try:
                yield f"127.0.0.1:{port}"
            finally:
                _stop(temp_dir)
            return
        last = (done.stdout + done.stderr)[-2000:]
        _stop(temp_dir)
    raise RuntimeError(f"`ray start --head` failed {attempts} times; last output:\n{last}")
