"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from desk.api.deps import get_ctx
from desk.services.context import ServiceContext
from service_kit.health import health_response

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Health check (no session needed)")
def healthz(ctx: ServiceContext = Depends(get_ctx)) -> JSONResponse:
    """200 when the desk and its database answer, 503 otherwise."""
    return health_response(ctx.db)
