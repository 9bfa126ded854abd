"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

import httpx
from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import CollectorRegistry

from desk import __version__
from desk.api import pages
from desk.api.pages.rendering import CHART_JS, STATIC_DIR, Pages
from desk.api.routes import analytics, assets, auth, handoffs, health, internal, metrics
from desk.core.errors import install_error_handlers
from desk.core.logging import configure_logging
from desk.core.metrics import MetricsMiddleware, QueryCollector
from desk.core.middleware import SecurityHeadersMiddleware
from desk.core.settings import Settings
from desk.db import Database
from desk.services import gauges
from desk.services.context import ServiceContext
from desk.services.worker import SyncWorker
from service_kit.clock import Clock
from service_kit.middleware import AccessLogMiddleware, BodyLimitMiddleware

logger = logging.getLogger("desk")

DESCRIPTION = """
The eepay agent desk. Agents sign in with `POST /api/login` and send
`Authorization: Bearer <token>` on every other `/api` call. The action server hands
conversations over with `POST /api/internal/handoffs` and stores ratings with
`POST /api/internal/ratings`, both with `DESK_SERVICE_TOKEN`. Supervisors read
`GET /api/analytics/summary`; Prometheus scrapes `GET /metrics`.
Errors are `{"code": "...", "message": "..."}`; times are ISO 8601 in UTC.
"""


def create_app(
    settings: Optional[Settings] = None,
    *,
    clock: Optional[Clock] = None,
    database: Optional[Database] = None,
    rasa_transport: Optional[httpx.BaseTransport] = None,
    backend_transport: Optional[httpx.BaseTransport] = None,
) -> FastAPI:
    """Build the desk app; the database must already be migrated (see ``python -m desk``)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    ctx = ServiceContext.create(
        settings,
        db=database,
        clock=clock,
        rasa_transport=rasa_transport,
        backend_transport=backend_transport,
    )

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        worker = None
        if settings.sync_interval_seconds > 0:
            worker = SyncWorker(ctx, settings.sync_interval_seconds)
            worker.start()
        try:
            yield
        finally:
            if worker is not None:
                worker.stop()
            ctx.rasa.close()
            ctx.directory.close()
            ctx.events.dispose()
            if database is None:
                ctx.db.dispose()

    # No public OpenAPI pages: everything but sign-in and /healthz needs a session.
    app = FastAPI(
        title="eepay agent desk",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.ctx = ctx
    app.state.pages = Pages(settings)
    app.state.metrics_registry = CollectorRegistry(auto_describe=False)
    app.state.metrics_registry.register(QueryCollector(lambda: gauges.read(ctx)))
    if not CHART_JS.exists():
        logger.error(
            "Chart.js is missing: run `npm ci --prefix desk`; the dashboard shows tables only",
            extra={"path": str(CHART_JS)},
        )

    install_error_handlers(app, app.state.pages.error_page)
    app.include_router(health.router)
    app.include_router(metrics.router)
    app.include_router(auth.router)
    app.include_router(internal.router)
    app.include_router(handoffs.router)
    app.include_router(analytics.router)
    app.include_router(pages.router)  # the analytics pages included
    app.include_router(assets.router)  # before the /static mount, which would shadow it
    app.mount("/static", StaticFiles(directory=str(STATIC_DIR)), name="static")

    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeadersMiddleware)
    app.add_middleware(
        AccessLogMiddleware, logger=logging.getLogger("desk.access"), quiet_prefixes=("/static/",)
    )
    app.add_middleware(MetricsMiddleware)
    return app
