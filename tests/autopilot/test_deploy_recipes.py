"""The deployment recipes shipped in deploy/ (and shown in the README) are checked, not trusted:
the systemd unit by `systemd-analyze verify` when available (else parsed), its command line by
our own CLI parser; the cron lines are parsed and every firing over a year is put through the
trading-window check, showing that exactly one line trades each session and every other firing
is refused — and a real mistimed `trade` places no order."""

from __future__ import annotations

import configparser
import datetime as dt
import functools
import json
import shlex
import shutil
import subprocess
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from alchemiser import bootstrap
from alchemiser.application.settings import ExecutionSettings
from alchemiser.application.trading_engine import trading_window
from alchemiser.interface.cli.main import main

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
UNIT = DEPLOY / "alchemiser-autopilot.service"
CRON = DEPLOY / "alchemiser.cron"
README = Path(__file__).resolve().parents[2] / "README.md"


def _unit() -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read_string(UNIT.read_text())
    return parser


def test_systemd_unit_restarts_on_failure_and_reads_an_environment_file() -> None:
    unit = _unit()
    service = unit["Service"]
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"].startswith("/")
    assert "11" in service["RestartPreventExitStatus"].split()  # a second instance: no loop
    assert unit["Install"]["WantedBy"] == "multi-user.target"
    argv = shlex.split(service["ExecStart"])
    assert Path(argv[0]).name == "alchemiser"
    assert argv[1] == "autopilot"
    assert main([*argv[1:], "--help"]) == 0  # every option in the unit exists


def test_systemd_analyze_verify_accepts_the_unit(tmp_path: Path) -> None:
    if shutil.which("systemd-analyze") is None:
        pytest.skip("systemd-analyze is not installed (the unit is still parsed above)")
    # The real paths of this machine in place of the install paths, so verify can check them.
    binary = Path(sys.executable).parent / "alchemiser"
    env = tmp_path / "alchemiser.env"
    env.write_text("ALPACA_API_KEY=PKTEST\n")
    text = (
        UNIT.read_text()
        .replace("/opt/alchemiser/.venv/bin/alchemiser", str(binary))
        .replace("/etc/alchemiser/alchemiser.env", str(env))
        .replace("/var/lib/alchemiser", str(tmp_path))
        .replace("User=alchemiser", "User=root")
    )
    unit = tmp_path / "alchemiser-autopilot.service"
    unit.write_text(text)
    done = subprocess.run(
        ["systemd-analyze", "verify", str(unit)],
        check=False,
        capture_output=True,
        text=True,
        timeout=60,
    )
    problems = [
        line for line in (done.stdout + done.stderr).splitlines() if "alchemiser-autopilot" in line
    ]
    assert done.returncode == 0 and not problems, done.stdout + done.stderr


def _cron_lines() -> tuple[ZoneInfo, list[tuple[int, int, set[int], list[str]]]]:
    zone = ZoneInfo("UTC")
    lines = []
    for raw in CRON.read_text().splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("CRON_TZ="):
            zone = ZoneInfo(line.split("=", 1)[1])
            continue
        minute, hour, dom, month, dow, command = line.split(None, 5)
        assert (dom, month) == ("*", "*")
        first, last = (int(x) for x in dow.split("-"))
        lines.append((int(minute), int(hour), set(range(first, last + 1)), shlex.split(command)))
    return zone, lines


def test_cron_lines_trade_each_session_exactly_once_inside_the_window() -> None:
    zone, lines = _cron_lines()
    assert lines
    calendar = bootstrap.trading_calendar()
    execution = ExecutionSettings()
    inside: dict[dt.date, int] = {}
    refused = 0
    day = dt.date(2026, 1, 1)
    while day <= dt.date(2026, 12, 31):
        for minute, hour, weekdays, command in lines:
            if day.isoweekday() % 7 not in weekdays:  # cron: 0 = Sunday … 6 = Saturday
                continue
            assert "trade" in command and "--yes" in command
            fires = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=zone)
            opens, closes = trading_window(calendar, execution, day)
            if opens is not None and closes is not None and opens <= fires < closes:
                inside[day] = inside.get(day, 0) + 1
            else:
                refused += 1  # the trading-window check refuses this firing
        day += dt.timedelta(days=1)
    sessions = {
        dt.date.fromisoformat(str(d))
        for d in calendar.sessions(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
    }
    assert set(inside) == sessions  # every session, early closes included
    assert set(inside.values()) == {1}  # never twice a day
    assert refused > 0


@pytest.mark.timeout(300)
def test_a_mistimed_trade_is_refused_and_places_no_order(
    small_world: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    ny = ZoneInfo("America/New_York")
    early = dt.datetime(2026, 11, 23, 14, 0, tzinfo=ny).astimezone(dt.UTC)  # before 15:45
    monkeypatch.setattr(
        bootstrap, "sim_broker", functools.partial(bootstrap.sim_broker, start_at=early)
    )
    assert main(["trade", "--yes", "--json"]) == 11
    result = json.loads(capsys.readouterr().out)
    assert result["status"] == "refused"
    assert result["orders"] == []
    assert "outside the trading window" in result["errors"][0]["message"]


def test_readme_shows_the_recipes() -> None:
    text = README.read_text()
    section = text[text.index("## Run it every day") :]
    assert "alchemiser autopilot" in section
    assert "deploy/alchemiser-autopilot.service" in section
    assert "deploy/alchemiser.cron" in section
    _, lines = _cron_lines()
    for minute, hour, _, _ in lines:
        assert f"{minute} {hour} * * 1-5" in section
