"""Liveness and readiness."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse

from backend.api.deps import get_ctx
from backend.services.context import ServiceContext
from service_kit.health import health_response

router = APIRouter(tags=["health"])


@router.get("/healthz", summary="Health check (no token needed)")
def healthz(ctx: ServiceContext = Depends(get_ctx)) -> JSONResponse:
    """200 when the service and its database answer, 503 otherwise."""
    return health_response(ctx.db)
