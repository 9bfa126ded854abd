"""The versioned API router."""

from __future__ import annotations

from fastapi import APIRouter, Depends

from backend.api.deps import bearer_scheme
from backend.api.routes import admin, customers, disputes, refunds, security, transactions, wechat


def build_v1_router(*, include_test_routes: bool = False) -> APIRouter:
    """Every /v1 route; the test controls only when asked for."""
    router = APIRouter(prefix="/v1", dependencies=[Depends(bearer_scheme)])
    for module in (customers, transactions, refunds, disputes, security, wechat, admin):
        router.include_router(module.router)
    if include_test_routes:
        from backend.api.routes import testing

        router.include_router(testing.router)
    return router
