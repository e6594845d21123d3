"""The dashboard's ASGI app: Starlette routes rendering the application services' results with
Jinja2 (pages) or as their published JSON (`/api/…`). Nothing is computed here.

Read-only, with one exception: `POST /backtests` starts a backtest (a bounded job in a worker
thread that reads market data and writes only its own report). Service calls are blocking
(SQL, broker), so they run in Starlette's thread pool.
"""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import plotly
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from alchemiser.domain.errors import AlchemiserError, ConfigurationError
from alchemiser.interface.dashboard.auth import TokenGuard
from alchemiser.interface.dashboard.charts import (
    allocation_chart,
    drift_chart,
    equity_chart,
    holdings_chart,
    pnl_chart,
    target_chart,
    timeline_chart,
)
from alchemiser.interface.dashboard.source import DashboardSource

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
"""Served from the installed package: the dashboard works offline, never from a CDN."""
STATIC = Path(__file__).parent / "static"
RUN_LIMIT = 200
CHART_PAGES = frozenset({"overview.html", "run.html", "sleeves.html"})
"""Only these load Plotly (3.5 MB of script to parse: the other pages stay light)."""
FORM_LIMIT = 4096
"""Bytes: the backtest form is three short fields."""
_NOT_FOUND_KEYS = ("run_id", "backtest_id")


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _signed_pct(value: float | None) -> str:
    return "—" if value is None else f"{value:+.2%}"


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("alchemiser.interface.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["pct"] = _pct
    env.filters["signed_pct"] = _signed_pct
    env.filters["chart"] = json.dumps
    return env


def _json(model: BaseModel) -> Response:
    """Exactly the published JSON (`model_dump_json`, as `--json` prints it)."""
    return Response(model.model_dump_json(indent=2), media_type="application/json")


def create_app(source: DashboardSource, *, token: str | None = None) -> Any:
    """The dashboard over `source`; with `token`, every request must carry it."""
    env = _environment()

    def page(name: str, status_code: int = 200, **context: Any) -> HTMLResponse:
        context.setdefault("mode", source.mode())
        context["plotly_version"] = plotly.__version__
        context["charts"] = name in CHART_PAGES
        html = env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)

    async def overview(request: Request) -> Response:
        result = await run_in_threadpool(source.overview)
        runs = await run_in_threadpool(source.runs, 1)
        health = await run_in_threadpool(source.health)
        return page(
            "overview.html",
            overview=result,
            status=result.status,
            health=health,
            last_run=runs.runs[0] if runs.runs else None,
            holdings=holdings_chart(result.status),
            equity=equity_chart(result),
            drift=drift_chart(result),
        )

    async def runs_page(request: Request) -> Response:
        return page("runs.html", runs=await run_in_threadpool(source.runs, RUN_LIMIT))

    async def run_page(request: Request) -> Response:
        record = await run_in_threadpool(source.run, request.path_params["run_id"])
        return page(
            "run.html", record=record, target=target_chart(record), timeline=timeline_chart(record)
        )

    async def sleeves_page(request: Request) -> Response:
        result = await run_in_threadpool(source.sleeves)
        return page(
            "sleeves.html",
            result=result,
            pnl=pnl_chart(result.sleeves),
            allocations={s.sleeve: allocation_chart(s) for s in result.sleeves},
        )

    async def backtests_page(request: Request) -> Response:
        return page("backtests.html", result=await run_in_threadpool(source.backtests))

    async def start_backtest(request: Request) -> Response:
        """The form's POST: validate, queue the job, and show its page (303, so a reload does
        not start it again)."""
        if not _same_origin(request):
            return page(
                "error.html",
                status_code=403,
                message="a backtest can only be started from this dashboard's own page",
                action="Open the Backtests page and use its form.",
                category="http",
            )
        body = await request.body()
        fields = parse_qs(body[:FORM_LIMIT].decode("utf-8", "replace"))
        subject = (fields.get("subject") or [""])[0]
        try:
            start = _form_date(fields, "start")
            end = _form_date(fields, "end")
            job = await run_in_threadpool(source.submit_backtest, subject, start, end)
        except ConfigurationError as exc:
            result = await run_in_threadpool(source.backtests)
            return page(
                "backtests.html",
                status_code=400,
                result=result,
                form_error=source.redact(str(exc)),
                form_action=source.redact(exc.suggested_action),
            )
        return RedirectResponse(f"/backtests/{job.job_id}", status_code=303)

    async def backtest_page(request: Request) -> Response:
        job = await run_in_threadpool(source.backtest, request.path_params["job_id"])
        return page("backtest.html", job=job)

    async def tearsheet(request: Request) -> Response:
        path = await run_in_threadpool(source.tearsheet, request.path_params["job_id"])
        return FileResponse(path, media_type="text/html")

    async def api_status(request: Request) -> Response:
        return _json(await run_in_threadpool(source.status))

    async def api_health(request: Request) -> Response:
        """The model `autopilot status --json` prints (its JSON mode: numbers, not strings)."""
        health = await run_in_threadpool(source.health)
        return Response(json.dumps(health.model_dump(mode="json")), media_type="application/json")

    async def api_runs(request: Request) -> Response:
        return _json(await run_in_threadpool(source.runs, RUN_LIMIT))

    async def api_run(request: Request) -> Response:
        return _json(await run_in_threadpool(source.run, request.path_params["run_id"]))

    async def api_overview(request: Request) -> Response:
        return _json(await run_in_threadpool(source.overview))

    async def api_sleeves(request: Request) -> Response:
        return _json(await run_in_threadpool(source.sleeves))

    async def api_backtests(request: Request) -> Response:
        return _json(await run_in_threadpool(source.backtests))

    async def api_backtest(request: Request) -> Response:
        job = await run_in_threadpool(source.backtest, request.path_params["job_id"])
        return Response(job.model_dump_json(indent=2), media_type="application/json")

    async def plotly_js(request: Request) -> Response:
        # Versioned URL (?v=): cached for a day without asking again, parsed from the cache.
        return FileResponse(
            PLOTLY_JS,
            media_type="text/javascript",
            headers={"Cache-Control": "private, max-age=86400"},
        )

    async def failed(request: Request, exc: Exception) -> Response:
        """An AlchemiserError as a page (or the error envelope under /api), secrets redacted."""
        assert isinstance(exc, AlchemiserError)
        missing = any(key in exc.context for key in _NOT_FOUND_KEYS)
        code = 404 if isinstance(exc, ConfigurationError) and missing else 503
        message = source.redact(str(exc))
        action = source.redact(exc.suggested_action)
        if request.url.path.startswith("/api/"):
            body = {
                "error": {
                    "category": exc.category.value,
                    "message": message,
                    "suggested_action": action,
                }
            }
            return Response(json.dumps(body), status_code=code, media_type="application/json")
        return page(
            "error.html",
            status_code=code,
            message=message,
            action=action,
            category=exc.category.value,
        )

    async def not_found(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return page(
            "error.html",
            status_code=exc.status_code,
            message=exc.detail,
            action="Go back to the overview.",
            category="http",
        )

    app = Starlette(
        routes=[
            Route("/", overview, methods=["GET"]),
            Route("/runs", runs_page, methods=["GET"]),
            Route("/runs/{run_id}", run_page, methods=["GET"]),
            Route("/sleeves", sleeves_page, methods=["GET"]),
            Route("/backtests", backtests_page, methods=["GET"]),
            Route("/backtests", start_backtest, methods=["POST"]),
            Route("/backtests/{job_id}", backtest_page, methods=["GET"]),
            Route("/backtests/{job_id}/tearsheet", tearsheet, methods=["GET"]),
            Route("/api/status", api_status, methods=["GET"]),
            Route("/api/health", api_health, methods=["GET"]),
            Route("/api/overview", api_overview, methods=["GET"]),
            Route("/api/sleeves", api_sleeves, methods=["GET"]),
            Route("/api/backtests", api_backtests, methods=["GET"]),
            Route("/api/backtests/{job_id}", api_backtest, methods=["GET"]),
            Route("/api/runs", api_runs, methods=["GET"]),
            Route("/api/runs/{run_id}", api_run, methods=["GET"]),
            Route("/static/plotly.min.js", plotly_js, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={AlchemiserError: failed, HTTPException: not_found},
    )
    return app if token is None else TokenGuard(app, token)


def _form_date(fields: dict[str, list[str]], name: str) -> dt.date:
    text = (fields.get(name) or [""])[0].strip()
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        raise ConfigurationError(
            f"the backtest's {name} date {text!r} is not a date",
            context={"field": name},
            suggested_action="Write the date as YYYY-MM-DD.",
        ) from None


def _same_origin(request: Request) -> bool:
    """A POST from another site (a page the browser has open elsewhere) is refused: the browser
    says where the request comes from (Origin, or Sec-Fetch-Site)."""
    if request.headers.get("sec-fetch-site", "same-origin") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host", "")
