"""The layer contracts hold, and a deliberately broken import makes them fail."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

VIOLATIONS = {
    "domain imports infrastructure": (
        "domain/_violation.py",
        "import alchemiser.infrastructure.config.settings\n",
    ),
    "domain imports an SDK": ("domain/_violation.py", "import alpaca\n"),
    "application imports an I/O library": ("application/_violation.py", "import sqlalchemy\n"),
    "interface imports infrastructure directly": (
        "interface/_violation.py",
        "import alchemiser.infrastructure.logging_setup\n",
    ),
    "infrastructure imports interface": (
        "infrastructure/_violation.py",
        "import alchemiser.interface.cli.output\n",
    ),
}


def _lint(tree: Path) -> subprocess.CompletedProcess[str]:
    env = os.environ | {"PYTHONPATH": str(tree / "src")}
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )


@pytest.fixture(scope="module")
def copy_of_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    tree = tmp_path_factory.mktemp("project")
    shutil.copy(ROOT / "pyproject.toml", tree / "pyproject.toml")
    shutil.copytree(
        ROOT / "src", tree / "src", ignore=shutil.ignore_patterns("__pycache__", "_violation.py")
    )
    return tree


def test_contracts_hold(copy_of_project: Path) -> None:
    result = _lint(copy_of_project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "broken" in result.stdout and "0 broken" in result.stdout


@pytest.mark.parametrize(("where", "source"), VIOLATIONS.values(), ids=list(VIOLATIONS))
def test_a_broken_import_fails(copy_of_project: Path, where: str, source: str) -> None:
    module = copy_of_project / "src" / "alchemiser" / where
    module.write_text(source)
    try:
        result = _lint(copy_of_project)
    finally:
        module.unlink()
    assert result.returncode != 0
    assert "BROKEN" in result.stdout
