"""The answer of a service's ``/healthz``: what a load balancer or a start-up script polls."""

from __future__ import annotations

from fastapi.responses import JSONResponse

from service_kit.db import Database


def health_response(db: Database) -> JSONResponse:
    """200 when the service and its database answer, 503 otherwise."""
    healthy = db.ping()
    return JSONResponse(
        status_code=200 if healthy else 503,
        content={"status": "ok" if healthy else "unavailable", "database": healthy},
    )
