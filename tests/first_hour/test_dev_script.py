"""Issue 16: `./dev alchemiser` keeps the caller's working directory, so the `.env` in the
user's folder is the one read (it used to change into the repository and ignore it)."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

DEV = Path(__file__).resolve().parents[2] / "dev"


@pytest.mark.timeout(120)
def test_dev_reads_the_env_file_of_the_callers_folder(tmp_path: Path) -> None:
    (tmp_path / ".env").write_text("ALCHEMISER_BROKER=nonsense\n", encoding="utf-8")
    done = subprocess.run(
        [str(DEV), "alchemiser", "config", "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=110,
        check=False,
    )
    assert done.returncode == 14, done.stderr
    assert "ALCHEMISER_BROKER (broker, .env)" in done.stderr
