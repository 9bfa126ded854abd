"""Supervisors' analytics API (``Authorization: Bearer <token>`` of a supervisor)."""

from __future__ import annotations

from typing import Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import StreamingResponse

from desk.api.deps import get_ctx, require_supervisor
from desk.schemas.analytics import AnalyticsSummary, UnansweredOut
from desk.schemas.common import ERROR_RESPONSES
from desk.services import analytics, unanswered
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.schemas import error_responses

router = APIRouter(
    prefix="/api/analytics",
    tags=["analytics"],
    responses={**ERROR_RESPONSES, **error_responses({403: "Not a supervisor"})},
)

SINCE = Query(None, max_length=40, description="First day, ISO date (default: 29 days earlier)")
UNTIL = Query(None, max_length=40, description="Last day, ISO date (default: today)")


def requested_period(
    ctx: ServiceContext, since: Optional[str], until: Optional[str]
) -> analytics.Period:
    """The period of ``since`` / ``until`` (calendar days in the desk's time zone)."""
    zone = ctx.settings.timezone
    return analytics.period_for(
        ctx,
        analytics.parse_day(since, zone, "since"),
        analytics.parse_day(until, zone, "until"),
    )


@router.get("/summary", response_model=AnalyticsSummary, summary="The dashboard's figures")
def get_summary(
    since: Optional[str] = SINCE,
    until: Optional[str] = UNTIL,
    top: int = Query(analytics.DEFAULT_TOP, ge=1, le=analytics.MAX_TOP),
    _principal: Principal = Depends(require_supervisor),
    ctx: ServiceContext = Depends(get_ctx),
) -> AnalyticsSummary:
    """Conversations, containment, handoffs by reason, CSAT, fallback rate and top intents of
    the days ``since`` .. ``until`` (both included), plus per-day figures."""
    return analytics.summary(ctx, requested_period(ctx, since, until), top=top)


@router.get(
    "/unanswered",
    response_model=UnansweredOut,
    summary="Unanswered customer messages, grouped by similarity",
)
def get_unanswered(
    since: Optional[str] = SINCE,
    until: Optional[str] = UNTIL,
    _principal: Principal = Depends(require_supervisor),
    ctx: ServiceContext = Depends(get_ctx),
) -> UnansweredOut:
    """Messages that ended in nlu_fallback or out_of_scope, in groups with NLU YAML."""
    return unanswered.groups(ctx, requested_period(ctx, since, until))


@router.get(
    "/export", summary="CSV of the rows behind the dashboard", response_class=StreamingResponse
)
def export(
    dataset: str = Query(..., pattern=f"^({'|'.join(analytics.DATASETS)})$"),
    since: Optional[str] = SINCE,
    until: Optional[str] = UNTIL,
    _principal: Principal = Depends(require_supervisor),
    ctx: ServiceContext = Depends(get_ctx),
) -> StreamingResponse:
    """``dataset``: daily, conversations, intents, handoffs, ratings or unanswered."""
    return csv_response(ctx, requested_period(ctx, since, until), dataset)


def csv_response(ctx: ServiceContext, period: analytics.Period, dataset: str) -> StreamingResponse:
    """A CSV download (shared with the pages)."""
    filename = analytics.export_filename(period, dataset)
    return StreamingResponse(
        analytics.export_csv(ctx, period, dataset),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
