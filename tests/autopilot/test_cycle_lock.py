"""The stand-in CycleLock (a kernel file lock) refuses a second holder, names the first, and is
free again once the first lets go or its process dies."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from alchemiser.application.ports.cycle_lock import CycleLockHeldError
from alchemiser.infrastructure.file_cycle_lock import FileCycleLock


def test_second_holder_is_refused_with_the_first_ones_name(tmp_path: Path) -> None:
    lock = FileCycleLock(tmp_path)
    with lock.hold("sim", "autopilot A"):
        with pytest.raises(CycleLockHeldError) as refused, lock.hold("sim", "autopilot B"):
            pass
        assert "autopilot A" in refused.value.message
        assert f"pid {os.getpid()}" in refused.value.message
        with lock.hold("alpaca-paper", "autopilot B"):  # another account is another lock
            pass
    with lock.hold("sim", "autopilot B"):  # released on exit
        pass


@pytest.mark.timeout(60)
def test_a_killed_holder_leaves_no_stale_lock(tmp_path: Path) -> None:
    script = textwrap.dedent(
        f"""
        import os, signal
        from pathlib import Path
        from alchemiser.infrastructure.file_cycle_lock import FileCycleLock
        with FileCycleLock(Path({str(tmp_path)!r})).hold("sim", "doomed"):
            os.kill(os.getpid(), signal.SIGKILL)
        """
    )
    done = subprocess.run([sys.executable, "-c", script], check=False, timeout=60)
    assert done.returncode == -9
    with FileCycleLock(tmp_path).hold("sim", "survivor"):
        pass
