"""Suite-wide fixtures. Tests never touch the user's real data directory or environment."""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared"
SYMPHONIES = SHARED / "symphonies"


@pytest.fixture(autouse=True)
def _isolated_environment(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each test gets its own data dir and no ALCHEMISER_/ALPACA_ variables from the caller."""
    import os

    for key in list(os.environ):
        if key.startswith(("ALCHEMISER_", "ALPACA_")):
            monkeypatch.delenv(key)
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("ALCHEMISER_DATA_DIR", str(home / "data"))
    monkeypatch.chdir(home)  # no stray .env from the checkout


@pytest.fixture
def symphonies_dir() -> Path:
    """../shared/symphonies, or skip when a fresh clone has no ../shared."""
    if not SYMPHONIES.is_dir():
        pytest.skip("../shared/symphonies is not present")
    return SYMPHONIES


@pytest.fixture
def alpaca_openapi_dir() -> Path:
    path = SHARED / "alpaca-openapi"
    if not path.is_dir():
        pytest.skip("../shared/alpaca-openapi is not present")
    return path
