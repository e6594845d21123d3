"""`symphony params`, `sweep` and many-file `backtest` through the real entry point (offline
synthetic market)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pandas as pd
import pytest

from alchemiser.domain.research.parameters import ParameterSpace
from alchemiser.domain.symphony.parser import parse_clj
from alchemiser.interface.cli.main import main
from tests.results.schema_check import validate_against_schema

SYMPHONY = """
(defsymphony "spy switch" {:rebalance-frequency :daily}
  (if (> (rsi "SPY" {:window 10}) 50)
      [(asset "QQQ")]
      [(asset "TLT")]))
"""
WINDOW = ["--start", "2024-01-02", "--end", "2024-12-31"]


def _run(capsys: pytest.CaptureFixture[str], argv: list[str], code: int = 0) -> object:
    got = main(argv)
    captured = capsys.readouterr()
    assert got == code, captured.out + captured.err
    return json.loads(captured.out) if "--json" in argv and code == 0 else captured


@pytest.fixture
def symphony_file(tmp_path: Path) -> Path:
    path = tmp_path / "spy_switch.clj"
    path.write_text(SYMPHONY)
    return path


def test_params_json_lists_address_and_value(
    capsys: pytest.CaptureFixture[str], symphony_file: Path
) -> None:
    rows = _run(capsys, ["symphony", "params", str(symphony_file), "--json"])
    validate_against_schema("symphony-params", rows)
    assert rows == [
        {
            "address": "if[0].cond.lhs.window",
            "value": 10,
            "path": "/:cond.lhs.window",
            "kind": "window",
            "context": "rsi(SPY,10) > 50",
            "indicator": "rsi(SPY,10)",
        },
        {
            "address": "if[0].cond.rhs",
            "value": 50.0,
            "path": "/:cond.rhs",
            "kind": "threshold",
            "context": "rsi(SPY,10) > 50",
            "indicator": None,
        },
    ]


@pytest.mark.timeout(300)
def test_sweep_json_parquet_and_report(
    capsys: pytest.CaptureFixture[str], symphony_file: Path, tmp_path: Path
) -> None:
    out, report = tmp_path / "sweep.parquet", tmp_path / "robust.html"
    payload = _run(
        capsys,
        [
            "sweep",
            str(symphony_file),
            "--param",
            "if[0].cond.lhs.window=8..12:2",
            "--param",
            "if[0].cond.rhs=45,50,55",
            *WINDOW,
            "--out",
            str(out),
            "--report",
            str(report),
            "--workers",
            "1",
            "--json",
        ],
    )
    assert isinstance(payload, dict)
    validate_against_schema("sweep", payload)
    assert payload["out"] == str(out) and payload["report"] == str(report)
    frame = pd.read_parquet(out)
    assert len(payload["variants"]) == len(frame) == 9
    assert list(frame["param:if[0].cond.rhs"]) == [45, 50, 55] * 3
    best = frame.loc[frame["sharpe"].idxmax()]
    assert payload["best"]["index"] == best["index"]
    assert payload["best"]["sharpe"] == best["sharpe"]
    assert frame.loc[frame["original"], "param:if[0].cond.lhs.window"].tolist() == [10]
    html = report.read_text()
    assert "SYNTHETIC DATA" in html and "deflated Sharpe ratio" in html
    assert html.count('class="original"') == 1  # the original's cell is marked in the heatmap


@pytest.mark.timeout(300)
def test_many_files_each_equal_their_own_backtest(
    capsys: pytest.CaptureFixture[str], symphony_file: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other.clj"
    other.write_text(SYMPHONY.replace("50)", "60)").replace('"TLT"', '"IEF"'))
    broken = tmp_path / "broken.clj"
    broken.write_text("(if (> (rsi")
    out = tmp_path / "many.parquet"
    argv = ["backtest", str(symphony_file), str(other), str(broken), *WINDOW, "--workers", "1"]
    got = main([*argv, "--out", str(out), "--json"])
    payload = json.loads(capsys.readouterr().out)
    validate_against_schema("backtest-many", payload)
    assert got == 13  # a file that cannot be parsed fails the command (strategy error)
    assert payload["ok"] is False
    rows = {Path(r["symphony"]).name: r for r in payload["files"]}
    assert rows["broken.clj"]["error"] and "broken.clj" in rows["broken.clj"]["error"]
    frame = pd.read_parquet(out)
    assert len(frame) == 3
    for path in (symphony_file, other):
        single = _run(capsys, ["backtest", "--strategy", str(path), *WINDOW, "--json"])
        assert isinstance(single, dict)
        assert rows[path.name]["sharpe"] == single["metrics"]["sharpe"]
        assert rows[path.name]["final_equity"] == single["final_equity"]


def test_ray_without_the_extra_says_how_to_install_it(
    capsys: pytest.CaptureFixture[str], symphony_file: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)  # import ray → ImportError
    captured = _run(
        capsys,
        ["sweep", str(symphony_file), "--param", "if[0].cond.rhs=45,50", "--ray", "auto"],
        code=14,
    )
    assert "alchemiser[ray]" in captured.err  # type: ignore[attr-defined]


def test_bad_param_is_a_configuration_error_naming_it(
    capsys: pytest.CaptureFixture[str], symphony_file: Path
) -> None:
    captured = _run(
        capsys, ["sweep", str(symphony_file), "--param", "if[0].cond.lhs.window=0,10"], code=14
    )
    assert "if[0].cond.lhs.window=0.0" in captured.err  # type: ignore[attr-defined]
    assert ParameterSpace(parse_clj(SYMPHONY)).parameters  # the file itself is fine


def test_many_files_all_unreadable_still_report_each(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    files = [tmp_path / "a.clj", tmp_path / "missing.clj"]
    files[0].write_text("(asset")
    got = main(["backtest", *map(str, files), "--json", "--workers", "1"])
    payload = json.loads(capsys.readouterr().out)
    assert got == 13
    assert [Path(r["symphony"]).name for r in payload["files"]] == ["a.clj", "missing.clj"]
    assert all(r["error"] for r in payload["files"])
