"""Test-only controls: fault injection and the clock (mounted only when enabled)."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Request
from pydantic import conint, constr

from backend.api.deps import get_ctx
from backend.core.faults import FaultRegistry
from backend.schemas.common import ApiModel
from backend.services.context import ServiceContext

router = APIRouter(prefix="/_test", tags=["test controls"])


class FaultIn(ApiModel):
    """Delay and/or fail the next ``times`` requests to ``path`` ("*" suffix matches a prefix)."""

    method: constr(regex=r"^(GET|POST|PUT|DELETE|PATCH|\*)$") = "*"
    path: constr(regex=r"^/[A-Za-z0-9_./{}*-]{0,300}$")
    times: conint(ge=1, le=10_000) = 1
    delay_ms: conint(ge=0, le=60_000) = 0
    status: Optional[conint(ge=400, le=599)] = None


class ClockIn(ApiModel):
    """Move the service clock by this many seconds (negative moves it back)."""

    advance_seconds: conint(ge=-10 * 365 * 86400, le=10 * 365 * 86400)


def _faults(request: Request) -> FaultRegistry:
    return request.app.state.faults


@router.get("/faults", summary="Active fault rules and how often each fired")
def list_faults(registry: FaultRegistry = Depends(_faults)) -> dict:
    """Every registered rule with its hit count."""
    return {"items": [fault.as_dict() for fault in registry.list()]}


@router.post("/faults", status_code=201, summary="Add a fault rule")
def add_fault(body: FaultIn, registry: FaultRegistry = Depends(_faults)) -> dict:
    """The rule applies to the next ``times`` matching requests."""
    fault = registry.add(body.method, body.path, body.times, body.delay_ms, body.status)
    return fault.as_dict()


@router.delete("/faults", status_code=204, summary="Remove every fault rule")
def clear_faults(registry: FaultRegistry = Depends(_faults)) -> None:
    """Back to normal service."""
    registry.clear()


@router.get("/clock", summary="The service clock")
def get_clock(ctx: ServiceContext = Depends(get_ctx)) -> dict:
    """Current time and offset from the wall clock."""
    return {"now": ctx.now().isoformat(), "offset_seconds": ctx.clock.offset_seconds}


@router.post("/clock", summary="Move the service clock")
def advance_clock(body: ClockIn, ctx: ServiceContext = Depends(get_ctx)) -> dict:
    """E.g. 601 seconds to see a verification code expire."""
    ctx.clock.advance(body.advance_seconds)
    return {"now": ctx.now().isoformat(), "offset_seconds": ctx.clock.offset_seconds}


@router.delete("/clock", status_code=204, summary="Follow the wall clock again")
def reset_clock(ctx: ServiceContext = Depends(get_ctx)) -> None:
    """Drop any offset."""
    ctx.clock.reset()
