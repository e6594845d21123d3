"""The dashboard's ASGI app: Starlette routes rendering the `status` and `history` results with
Jinja2 (pages) or as their published JSON (`/api/…`). Read-only: GET only, nothing computed.

Service calls are blocking (SQL, broker), so they run in Starlette's thread pool.
"""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import plotly
from jinja2 import Environment, PackageLoader, select_autoescape
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from alchemiser.application.results.account import SleeveBookView
from alchemiser.domain.errors import AlchemiserError, ConfigurationError
from alchemiser.interface.dashboard.auth import TokenGuard
from alchemiser.interface.dashboard.charts import holdings_chart, target_chart
from alchemiser.interface.dashboard.source import DashboardSource

PLOTLY_JS = Path(plotly.__file__).parent / "package_data" / "plotly.min.js"
"""Served from the installed package: the dashboard works offline, never from a CDN."""
STATIC = Path(__file__).parent / "static"
RUN_LIMIT = 200


def _money(value: Decimal | None) -> str:
    return "—" if value is None else f"{value:,.2f}"


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.2%}"


def _sleeve_value(book: SleeveBookView) -> Decimal | None:
    """A sleeve's value is the sum of its holdings' market values (None if one is unpriced)."""
    values = [h.market_value for h in book.holdings]
    return None if any(v is None for v in values) else sum((v for v in values if v), Decimal(0))


def _environment() -> Environment:
    env = Environment(
        loader=PackageLoader("alchemiser.interface.dashboard", "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["money"] = _money
    env.filters["pct"] = _pct
    env.filters["sleeve_value"] = _sleeve_value
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
        html = env.get_template(name).render(**context)
        return HTMLResponse(html, status_code=status_code)

    async def overview(request: Request) -> Response:
        status = await run_in_threadpool(source.status)
        runs = await run_in_threadpool(source.runs, 1)
        health = await run_in_threadpool(source.health)
        return page(
            "overview.html",
            status=status,
            health=health,
            last_run=runs.runs[0] if runs.runs else None,
            holdings=holdings_chart(status),
        )

    async def runs_page(request: Request) -> Response:
        return page("runs.html", runs=await run_in_threadpool(source.runs, RUN_LIMIT))

    async def run_page(request: Request) -> Response:
        record = await run_in_threadpool(source.run, request.path_params["run_id"])
        return page("run.html", record=record, target=target_chart(record))

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

    async def plotly_js(request: Request) -> Response:
        return FileResponse(PLOTLY_JS, media_type="text/javascript")

    async def failed(request: Request, exc: Exception) -> Response:
        """An AlchemiserError as a page (or the error envelope under /api), secrets redacted."""
        assert isinstance(exc, AlchemiserError)
        code = 404 if isinstance(exc, ConfigurationError) and "run_id" in exc.context else 503
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
            Route("/api/status", api_status, methods=["GET"]),
            Route("/api/health", api_health, methods=["GET"]),
            Route("/api/runs", api_runs, methods=["GET"]),
            Route("/api/runs/{run_id}", api_run, methods=["GET"]),
            Route("/static/plotly.min.js", plotly_js, methods=["GET"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        exception_handlers={AlchemiserError: failed, HTTPException: not_found},
    )
    return app if token is None else TokenGuard(app, token)
