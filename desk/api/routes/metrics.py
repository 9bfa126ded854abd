"""Prometheus ``GET /metrics`` (access rule: see desk/core/metrics.py)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST

from desk.api.deps import get_ctx
from desk.core.errors import AuthRequiredError, ForbiddenError
from desk.core.metrics import exposition, scrape_allowed
from desk.services.context import ServiceContext

router = APIRouter(tags=["metrics"])


@router.get("/metrics", include_in_schema=False)
def metrics(request: Request, ctx: ServiceContext = Depends(get_ctx)) -> Response:
    """Counters, histograms and gauges in Prometheus' text format."""
    token = ctx.settings.metrics_token
    host = request.client.host if request.client else None
    if not scrape_allowed(host, request.headers.get("authorization"), token):
        if token:
            raise AuthRequiredError(
                "Send the metrics token as 'Authorization: Bearer <token>'.",
                code="METRICS_TOKEN_REQUIRED",
            )
        raise ForbiddenError(
            "Metrics are only served to the local host unless DESK_METRICS_TOKEN is set.",
            code="METRICS_FORBIDDEN",
        )
    body = exposition(getattr(request.app.state, "metrics_registry", None))
    return Response(body, media_type=CONTENT_TYPE_LATEST, headers={"Cache-Control": "no-store"})
