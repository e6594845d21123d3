"""Health and metrics over HTTP for the autopilot (SPEC §15), on loopback by default.

`/healthz`  the process is alive and its scheduler loop ticks (200, else 503);
`/readyz`   the broker and the data source answer and trading is not halted (200, else 503);
`/metrics`  the Prometheus exposition of the autopilot status, built at each scrape from the
            ledger by the same StatusReader as `alchemiser autopilot status`, so the two agree.

Nothing secret is exposed: the status holds figures, run ids and alert reasons, never settings.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from alchemiser.application.autopilot.status import AutopilotStatus

log = logging.getLogger(__name__)

Probe = Callable[[], tuple[bool, str]]


class StatusCollector(Collector):
    def __init__(self, status: Callable[[], AutopilotStatus]) -> None:
        self._status = status

    def collect(self) -> Iterator[Metric]:
        s = self._status()

        def gauge(name: str, doc: str, value: float | None) -> Iterator[Metric]:
            if value is not None:
                yield GaugeMetricFamily(name, doc, value=value)

        yield from gauge("alchemiser_halted", "1 while trading is halted", float(bool(s.halted)))
        if s.next_run is not None:
            yield from gauge(
                "alchemiser_next_run_timestamp_seconds",
                "When the next cycle is due (Unix time)",
                s.next_run.timestamp(),
            )
        if s.heartbeat_at is not None:
            yield from gauge(
                "alchemiser_heartbeat_timestamp_seconds",
                "Last tick of the scheduler loop (Unix time)",
                s.heartbeat_at.timestamp(),
            )
        run = s.last_run
        if run is not None:
            status = GaugeMetricFamily(
                "alchemiser_last_run_status", "1 for the status of the last run", labels=["status"]
            )
            status.add_metric([run.status], 1.0)
            yield status
            yield from gauge(
                "alchemiser_last_run_timestamp_seconds",
                "When the last run started (Unix time)",
                run.started_at.timestamp(),
            )
            yield from gauge(
                "alchemiser_last_run_duration_seconds",
                "How long the last cycle took",
                run.duration_seconds,
            )
            yield from gauge(
                "alchemiser_last_run_orders", "Orders placed by the last run", float(run.orders)
            )
            yield from gauge(
                "alchemiser_last_run_fills", "Fills booked by the last run", float(run.fills)
            )
            yield from gauge(
                "alchemiser_last_run_max_drift_ratio",
                "Largest |final - target| weight after the last run",
                run.max_drift,
            )
        yield from gauge("alchemiser_equity_dollars", "Account equity after the last run", s.equity)
        yield from gauge("alchemiser_cash_dollars", "Account cash after the last run", s.cash)
        yield from gauge(
            "alchemiser_peak_equity_dollars", "Highest end-of-run equity", s.peak_equity
        )
        yield from gauge(
            "alchemiser_drawdown_ratio", "Fraction of equity below its peak", s.drawdown
        )
        yield from gauge(
            "alchemiser_newest_price_age_seconds",
            "Age of the newest daily close (since that session's close)",
            s.newest_price_age_seconds,
        )
        value = GaugeMetricFamily(
            "alchemiser_sleeve_value_dollars", "Value of each sleeve's holdings", labels=["sleeve"]
        )
        pnl = GaugeMetricFamily(
            "alchemiser_sleeve_pnl_dollars",
            "Each sleeve's realised plus unrealised P&L",
            labels=["sleeve"],
        )
        for sleeve in s.sleeves:
            value.add_metric([sleeve.name], sleeve.value)
            pnl.add_metric([sleeve.name], sleeve.pnl)
        yield value
        yield pnl
        errors = CounterMetricFamily(
            "alchemiser_errors", "Errors recorded by runs, by category", labels=["category"]
        )
        for category, count in sorted(s.errors_by_category.items()):
            errors.add_metric([category], float(count))
        yield errors


class HealthServer:
    def __init__(
        self,
        host: str,
        port: int,
        *,
        status: Callable[[], AutopilotStatus],
        healthy: Probe,
        ready: Probe,
    ) -> None:
        self._registry = CollectorRegistry(auto_describe=False)
        self._registry.register(StatusCollector(status))
        registry, probes = self._registry, {"/healthz": healthy, "/readyz": ready}

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?", 1)[0]
                try:
                    if path == "/metrics":
                        self._send(200, generate_latest(registry), CONTENT_TYPE_LATEST)
                    elif path in probes:
                        ok, detail = probes[path]()
                        body = f"{'ok' if ok else 'not ok'}: {detail}\n".encode()
                        self._send(200 if ok else 503, body, "text/plain; charset=utf-8")
                    else:
                        self._send(404, b"not found\n", "text/plain; charset=utf-8")
                except Exception as exc:  # a failing probe must answer, not hang the scraper
                    log.exception("health endpoint %s failed", path)
                    body = f"error: {type(exc).__name__}\n".encode()
                    self._send(500, body, "text/plain; charset=utf-8")

            def _send(self, code: int, body: bytes, content_type: str) -> None:
                self.send_response(code)
                self.send_header("Content-Type", content_type)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: Any) -> None:
                log.debug("health: " + format, *args)

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="alchemiser-health", daemon=True
        )

    @property
    def address(self) -> tuple[str, int]:
        host, port = self._server.server_address[:2]
        return str(host), int(port)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
