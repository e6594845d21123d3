"""Start-up (issue 16): `--version` and `--help` import no heavy library, and every lazily
registered sub-command still resolves to the command it names.

The import check is the deterministic stand-in for the time target (benchmarks/startup.py
prints the seconds): a fresh interpreter runs the CLI and lists what ended up in sys.modules.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import Any

import pytest
import typer

from alchemiser.interface.cli import main as cli_main
from alchemiser.interface.cli.lazy import load

HEAVY = ("pandas", "numpy", "sqlalchemy", "alpaca", "plotly", "pyarrow", "yfinance", "pydantic")

_PROBE = """
import contextlib, io, json, sys
from alchemiser.interface.cli.main import main
with contextlib.redirect_stdout(io.StringIO()) as out:
    code = main({argv!r})
print(json.dumps({{"code": code, "out": out.getvalue(), "modules": sorted(sys.modules)}}))
"""


def _run(argv: list[str]) -> dict[str, object]:
    done = subprocess.run(
        [sys.executable, "-c", _PROBE.format(argv=argv)],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
    )
    result: dict[str, object] = json.loads(done.stdout.splitlines()[-1])
    return result


@pytest.mark.timeout(240)
@pytest.mark.parametrize("argv", [["--version"], ["--help"], []])
def test_version_and_help_import_no_heavy_library(argv: list[str]) -> None:
    result = _run(argv)
    modules = result["modules"]
    assert isinstance(modules, list)
    loaded = sorted({m.split(".")[0] for m in modules} & set(HEAVY))
    assert loaded == [], f"`alchemiser {' '.join(argv)}` imported {loaded}"
    assert result["code"] == (2 if argv == [] else 0)  # Click: no command is a usage error
    out = str(result["out"])
    if argv == ["--version"]:
        assert out.startswith("alchemiser ")
    else:  # the root help lists every sub-command with its summary, none of them imported
        assert not any(m.startswith("alchemiser.interface.cli.trade_commands") for m in modules)
        for name in cli_main._Commands.lazy:
            assert f" {name} " in out


@pytest.mark.parametrize("name", sorted(cli_main._Commands.lazy))
def test_every_lazy_entry_loads_the_command_it_names(name: str) -> None:
    entry = cli_main._Commands.lazy[name]
    command = load(name, entry)
    assert command.name == name
    assert command.short_help == entry.summary
    # The summary is the first sentence a user reads: it must agree with the command's own
    # help text in substance — at least share its opening words.
    assert command.help
    assert command.help.split()[0].strip(":,.") == entry.summary.split()[0].strip(":,.")


def test_an_unknown_command_suggests_a_lazy_one(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["stauts"]) == 2
    assert "Did you mean 'status'?" in capsys.readouterr().err


def test_a_lazy_command_runs(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli_main.main(["schema"]) == 0
    assert "data-status" in capsys.readouterr().out.split()


@pytest.mark.timeout(120)
def test_bootstrap_imports_the_notification_adapters_only_when_asked() -> None:
    """`status` and `signal` build no notifier: jinja2 and the SMTP/webhook adapters load in
    `notification_dispatcher` / `run_report_writer`, not with the composition root."""
    probe = "import json, sys; import alchemiser.bootstrap; print(json.dumps(sorted(sys.modules)))"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=100
    )
    modules = set(json.loads(done.stdout.splitlines()[-1]))
    assert "jinja2" not in modules
    assert not any(m.startswith("alchemiser.infrastructure.notifications") for m in modules)


def _console_script(argv: list[str]) -> dict[str, Any]:
    """The installed script's entry (entry.run) in a fresh interpreter: exit code, output and
    every module it imported."""
    probe = (
        "import contextlib, io, json, sys\n"
        f"sys.argv = ['alchemiser', *{argv!r}]\n"
        "from alchemiser.interface.cli.entry import run\n"
        "with contextlib.redirect_stdout(io.StringIO()) as out:\n"
        "    try:\n"
        "        run()\n"
        "    except SystemExit as exit:\n"
        "        code = exit.code\n"
        "print(json.dumps({'code': code, 'out': out.getvalue(), 'modules': sorted(sys.modules)}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", probe],
        capture_output=True,
        text=True,
        check=True,
        timeout=120,
        env=dict(os.environ, COLUMNS="80"),
    )
    result: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return result


def test_the_console_script_answers_version_before_importing_the_cli() -> None:
    """`alchemiser --version` (the installed script, entry.run) loads neither Typer nor Rich."""
    result = _console_script(["--version"])
    assert result["code"] == 0
    assert result["out"].startswith("alchemiser ")
    loaded = {m.split(".")[0] for m in result["modules"]}
    assert not loaded & {"typer", "click", "rich", *HEAVY}, loaded & {"typer", "click", "rich"}


@pytest.mark.parametrize(("argv", "code"), [(["--help"], 0), ([], 2)])
def test_the_console_script_prints_the_root_help_before_importing_the_cli(
    argv: list[str], code: int
) -> None:
    """The plain root help lists what Typer's does: every command with its summary, every
    root option with its flags, within 80 columns; nothing of Typer, Click or Rich loaded."""
    result = _console_script(argv)
    assert result["code"] == code
    loaded = {m.split(".")[0] for m in result["modules"]}
    assert not loaded & {"typer", "click", "rich", *HEAVY}, loaded & {"typer", "click", "rich"}
    out: str = result["out"]
    assert max(len(line) for line in out.splitlines()) <= 80
    flat = " ".join(out.split())
    for name, entry in cli_main._Commands.lazy.items():
        assert f" {name} {entry.summary.split()[0]}" in flat
        assert " ".join(entry.summary.split()) in flat
    typer_root = typer.main.get_command(cli_main.app)
    for param in typer_root.params:
        for flag in param.opts:
            assert flag in out, f"{flag} is a root option but not in the plain help"
        assert param.help is not None and param.help in flat


def test_the_version_literal_is_the_installed_distributions() -> None:
    """`alchemiser.__version__` is a literal (no `importlib.metadata` at start-up); it must
    say what the installed distribution (pyproject's `version`) says."""
    import importlib.metadata
    import tomllib
    from pathlib import Path

    import alchemiser

    pyproject = tomllib.loads((Path(__file__).parents[2] / "pyproject.toml").read_text())
    assert alchemiser.__version__ == pyproject["project"]["version"]
    assert alchemiser.__version__ == importlib.metadata.version("alchemiser")
