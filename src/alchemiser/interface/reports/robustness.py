"""The robustness report of a sweep: verdict, heatmaps and the best variants, as one
self-contained HTML file (plain tables coloured by CSS: no script, opens anywhere, prints)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import jinja2

from alchemiser.application.research.models import SurfaceModel, SweepResult, VariantResult

TEMPLATES = Path(__file__).parent / "templates"
TOP_ROWS = 15


def verdict(result: SweepResult) -> tuple[str, bool]:
    """One sentence a trader can act on, and whether it is good news."""
    dsr = result.deflated_sharpe
    near = result.neighbourhood
    if dsr is None or dsr.dsr is None:
        return "No variant has a defined Sharpe ratio: nothing to judge.", False
    parts = []
    if dsr.significant:
        parts.append(
            f"The best variant's Sharpe ratio survives {dsr.n_trials} trials "
            f"(deflated Sharpe ratio {dsr.dsr:.2f} ≥ 0.95)."
        )
    else:
        parts.append(
            f"The best variant is NOT significant after {dsr.n_trials} trials: deflated Sharpe "
            f"ratio {dsr.dsr:.2f} < 0.95, so its edge may be selection luck."
        )
    if near.within_fraction is not None:
        parts.append(
            f"{near.within_fraction:.0%} of the original's {near.neighbours} neighbours keep its "
            f"Sharpe ratio within {near.tolerance:.0%}"
            + (f"; it ranks {near.rank} of {near.neighbours + 1}." if near.rank else ".")
        )
    return " ".join(parts), dsr.significant


def summary_rows(result: SweepResult) -> list[tuple[str, str]]:
    original = result.variants[result.original]
    rows = [
        ("original", _assignment(original)),
        ("original Sharpe / CAGR", f"{_num(original.sharpe)} / {_pct(original.cagr)}"),
    ]
    if result.best is not None:
        best = result.variants[result.best]
        rows += [
            ("best variant", f"#{best.index} {_assignment(best)}"),
            ("best Sharpe / CAGR", f"{_num(best.sharpe)} / {_pct(best.cagr)}"),
        ]
    near = result.neighbourhood
    rows += [
        ("original's rank among its neighbours", f"{near.rank or 'n/a'} of {near.neighbours + 1}"),
        (
            f"neighbours within {near.tolerance:.0%} of its Sharpe",
            "n/a" if near.within_fraction is None else f"{near.within_fraction:.0%}",
        ),
        ("median Sharpe of the neighbours", _num(near.median_sharpe)),
    ]
    dsr = result.deflated_sharpe
    if dsr is not None:
        rows += [
            ("deflated Sharpe ratio of the best", _num(dsr.dsr, 3)),
            (
                "Sharpe the best of N skill-less trials would show",
                _num(dsr.expected_max_daily_sharpe * math.sqrt(252)),
            ),
            ("trials / sessions", f"{dsr.n_trials} / {dsr.n_obs + 1}"),
        ]
    wf = result.walk_forward
    if wf is not None:
        rows += [
            (
                f"walk-forward: in-sample winner (to {wf.split})",
                f"#{wf.chosen} {_assignment(result.variants[wf.chosen])}",
            ),
            (
                "its Sharpe in / out of sample",
                f"{_num(wf.chosen_in_sample_sharpe)} / {_num(wf.chosen_out_of_sample_sharpe)}",
            ),
            (
                "out of sample: original / median variant",
                f"{_num(wf.original_out_of_sample_sharpe)} / "
                f"{_num(wf.median_out_of_sample_sharpe)}",
            ),
            (
                "in-sample winner's out-of-sample rank",
                f"{wf.out_of_sample_rank or 'n/a'} of {len(result.variants)}",
            ),
        ]
    if result.failed:
        rows.append(("variants that failed", str(result.failed)))
    return rows


def _assignment(row: VariantResult) -> str:
    return ", ".join(f"{k}={_value(v)}" for k, v in row.parameters.items())


def _value(v: float) -> str:
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


def _num(value: float | None, digits: int = 2) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.{digits}f}"


def _pct(value: float | None) -> str:
    return "n/a" if value is None or not math.isfinite(value) else f"{value:.2%}"


def colour(value: float | None, centre: float, spread: float) -> str:
    """Green above the original's Sharpe, red below, white at it; grey where undefined."""
    if value is None or not math.isfinite(value):
        return "#e4e7eb"
    t = max(-1.0, min(1.0, (value - centre) / spread)) if spread > 0 else 0.0
    if t >= 0:
        r, g, b = _mix((255, 255, 255), (49, 163, 84), t)
    else:
        r, g, b = _mix((255, 255, 255), (222, 45, 38), -t)
    return f"#{r:02x}{g:02x}{b:02x}"


def _mix(a: tuple[int, int, int], b: tuple[int, int, int], t: float) -> tuple[int, int, int]:
    r, g, bl = (round(x + (y - x) * t) for x, y in zip(a, b, strict=True))
    return r, g, bl


def _surface_view(
    surface: SurfaceModel, original: VariantResult, centre: float
) -> dict[str, object]:
    cells = [v for row in surface.z for v in row if v is not None]
    spread = max((abs(v - centre) for v in cells), default=0.0)
    ox = original.parameters.get(surface.x)
    oy = original.parameters.get(surface.y) if surface.y else None

    def nearest(values: Sequence[float], target: float | None) -> int | None:
        if target is None or not values:
            return None
        return min(range(len(values)), key=lambda i: abs(values[i] - target))

    cx, cy = nearest(surface.x_values, ox), nearest(surface.y_values, oy) if surface.y else 0
    rows = []
    for r, (yv, zrow) in enumerate(zip(surface.y_values, surface.z, strict=True)):
        rows.append(
            {
                "label": _value(yv) if surface.y else "Sharpe",
                "cells": [
                    {
                        "colour": colour(v, centre, spread),
                        "text": "" if v is None else f"{v:.2f}",
                        "original": r == cy and c == cx,
                    }
                    for c, v in enumerate(zrow)
                ],
            }
        )
    return {
        "x": surface.x,
        "y": surface.y,
        "y_label": "",
        "x_values": [_value(v) for v in surface.x_values],
        "rows": rows,
    }


def render_robustness(result: SweepResult) -> str:
    original = result.variants[result.original]
    centre = original.sharpe if original.sharpe is not None else 0.0
    ok = [r for r in result.variants if r.sharpe is not None]
    top = sorted(ok, key=lambda r: -(r.sharpe or 0.0))[:TOP_ROWS]
    if original not in top:
        top.append(original)
    text, significant = verdict(result)
    first = next((r for r in result.variants if r.start), None)
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES), autoescape=True, undefined=jinja2.StrictUndefined
    )
    return env.get_template("robustness.html.j2").render(
        title=f"Is {result.name or result.symphony} overfit?",
        synthetic=result.synthetic,
        symphony=result.symphony,
        variants=len(result.variants),
        mode=result.mode,
        period=f"{first.start} → {first.end}" if first else "no defined backtest",
        source=result.source,
        executor=result.executor,
        seconds=f"{result.seconds:.1f} s",
        verdict=text,
        significant=significant,
        summary=summary_rows(result),
        original_sharpe=_num(original.sharpe),
        surfaces=[_surface_view(s, original, centre) for s in result.surfaces],
        addresses=result.addresses,
        top=[
            {
                "number": r.index,
                "original": r.original,
                "params": [_value(r.parameters[a]) for a in result.addresses],
                "sharpe": _num(r.sharpe),
                "cagr": _pct(r.cagr),
                "drawdown": _pct(r.max_drawdown),
                "turnover": _pct(r.turnover),
            }
            for r in top
        ],
    )


def write_robustness_report(result: SweepResult, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render_robustness(result), encoding="utf-8")
    return path
