"""The FastAPI application factory."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Optional

from fastapi import FastAPI

from backend import __version__
from backend.api import pages
from backend.api.router import build_v1_router
from backend.api.routes import health
from backend.core.access import CallerTokens
from backend.core.faults import FaultInjectionMiddleware, FaultRegistry
from backend.core.logging import configure_logging
from backend.core.middleware import ServiceTokenMiddleware
from backend.core.settings import Settings
from backend.db import Database
from backend.services.context import ServiceContext
from service_kit import errors
from service_kit.clock import Clock
from service_kit.middleware import AccessLogMiddleware, BodyLimitMiddleware

DESCRIPTION = """
Sandbox of eepay's internal account, transaction, refund, security and dispute services.
Every `/v1` endpoint needs `Authorization: Bearer <token>` of a caller allowed to call it
(one token per caller: backend/core/access.py). Money is integer fen
(`amount_fen`), times are ISO 8601 in UTC. Errors are `{"code": "...", "message": "..."}`.
"""

PUBLIC_PATHS = (
    "/healthz",
    pages.PAGE_PATH,
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
)


def create_app(
    settings: Optional[Settings] = None,
    *,
    clock: Optional[Clock] = None,
    database: Optional[Database] = None,
) -> FastAPI:
    """Build the backend app; the database must already be migrated (see ``python -m backend``)."""
    settings = settings or Settings()
    configure_logging(settings.log_level)
    db = database or Database(str(settings.database_url))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        if database is None:
            db.dispose()

    # The API's pages describe every route to whoever asks: development only.
    hide_docs = settings.is_production
    app = FastAPI(
        title="eepay payment backend (sandbox)",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None if hide_docs else "/docs",
        redoc_url=None if hide_docs else "/redoc",
        openapi_url=None if hide_docs else "/openapi.json",
    )
    app.state.settings = settings
    app.state.ctx = ServiceContext(db=db, settings=settings, clock=clock or Clock())
    app.state.faults = FaultRegistry()

    errors.install_error_handlers(app, logger=logging.getLogger("backend.errors"))
    app.include_router(health.router)
    app.include_router(pages.router)
    app.include_router(build_v1_router(include_test_routes=settings.enable_test_endpoints))

    if settings.enable_test_endpoints:
        app.add_middleware(FaultInjectionMiddleware, registry=app.state.faults)
    # Added innermost first: the token is checked before the body is read.
    app.add_middleware(BodyLimitMiddleware, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(
        ServiceTokenMiddleware,
        tokens=CallerTokens.from_settings(settings),
        public_paths=PUBLIC_PATHS,
    )
    app.add_middleware(AccessLogMiddleware, logger=logging.getLogger("backend.access"))

    return app
