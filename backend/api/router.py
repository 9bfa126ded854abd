"""The versioned API router."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.api.deps import bearer_scheme
from backend.api.routes import customers, disputes, refunds, security, transactions, wechat


def build_v1_router(*, include_test_routes: bool = False) -> APIRouter:
    """Every /v1 route; the test controls and the sandbox administration (``/v1/admin``:
    advance a refund review, wipe and reseed the database) only when asked for: whoever holds
    a service token must not be able to reset the data or push refunds through review."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(bearer_scheme)])
    for module in (customers, transactions, refunds, disputes, security, wechat):
        router.include_router(module.router)
    if include_test_routes:
        from backend.api.routes import admin, testing

        router.include_router(admin.router)
        router.include_router(testing.router)
    return router
