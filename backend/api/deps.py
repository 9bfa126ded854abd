"""Dependencies shared by the routes."""

from __future__ import annotations

from typing import Optional

from fastapi import Header, Request
from fastapi.security import HTTPBearer

from backend.schemas.common import IDEMPOTENCY_KEY_PATTERN
from backend.services.context import ServiceContext
from service_kit.errors import InvalidRequestError

# Documents the bearer token in OpenAPI; ServiceTokenMiddleware enforces it.
bearer_scheme = HTTPBearer(
    auto_error=False,
    description="The caller's service token (one per caller: backend/core/access.py)",
)


def get_ctx(request: Request) -> ServiceContext:
    """The service context of the running app."""
    return request.app.state.ctx


def idempotency_key(
    key: Optional[str] = Header(
        None,
        alias="Idempotency-Key",
        description="A unique key per logical request; a retry with the same key returns the "
        "first result instead of acting twice.",
        pattern=IDEMPOTENCY_KEY_PATTERN,
    ),
) -> str:
    """The required Idempotency-Key header."""
    if not key:
        raise InvalidRequestError(
            "Send an Idempotency-Key header (8-128 characters: letters, digits, _ . : -).",
            code="IDEMPOTENCY_KEY_REQUIRED",
        )
    return key


def optional_idempotency_key(
    key: Optional[str] = Header(
        None,
        alias="Idempotency-Key",
        description="Optional: a retry with the same key returns the first result.",
        pattern=IDEMPOTENCY_KEY_PATTERN,
    ),
) -> Optional[str]:
    """The optional Idempotency-Key header."""
    return key
