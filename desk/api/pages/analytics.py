"""The supervisors' pages: the analytics dashboard, unanswered questions, CSV downloads.

Figures come from :mod:`desk.services.analytics`; the page embeds them as a JSON data block
(``<script type="application/json">``, not executed) that ``static/analytics.js`` hands to
Chart.js, served by the desk from its npm install. Every figure is also on the page as text.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any, Optional

from fastapi import APIRouter, Depends, Path, Query
from fastapi.responses import Response, StreamingResponse

from desk.api.deps import get_ctx
from desk.api.pages.browser_session import page_principal
from desk.api.pages.labels import INTENTS, REASONS, label
from desk.api.pages.rendering import Pages, get_pages
from desk.api.routes.analytics import csv_response
from desk.core.errors import ApiError, ForbiddenError
from desk.schemas.analytics import AnalyticsSummary
from desk.services import analytics, unanswered
from desk.services.context import ServiceContext
from desk.services.principal import Principal

router = APIRouter(include_in_schema=False)
PRESETS = (7, 30, 90)


def page_supervisor(principal: Principal = Depends(page_principal)) -> Principal:
    """A supervisor's browser session (agents get the 403 page)."""
    if not principal.is_supervisor:
        raise ForbiddenError("Only supervisors may see the analytics.", code="SUPERVISOR_ONLY")
    return principal


def _period(
    ctx: ServiceContext, since: Optional[str], until: Optional[str]
) -> tuple[analytics.Period, Optional[str]]:
    """The requested period, or the default one and an error code for the page."""
    zone = ctx.settings.timezone
    try:
        return (
            analytics.period_for(
                ctx,
                analytics.parse_day(since, zone, "since"),
                analytics.parse_day(until, zone, "until"),
            ),
            None,
        )
    except ApiError as error:
        return analytics.period_for(ctx), error.code


def _presets(ctx: ServiceContext) -> list[dict[str, str]]:
    today = analytics.period_for(ctx).until
    return [
        {
            "days": str(days),
            "since": (today - timedelta(days=days - 1)).isoformat(),
            "until": today.isoformat(),
        }
        for days in PRESETS
    ]


def chart_data(summary: AnalyticsSummary) -> dict[str, Any]:
    """What static/analytics.js draws: plain numbers and already translated labels."""
    days = summary.conversations_per_day
    minutes = 60.0

    def per_day(key: str, scale: float = 1.0) -> list[Optional[float]]:
        values = [getattr(day, key) for day in days]
        return [None if v is None else round(v / scale, 4) for v in values]

    reasons = list(summary.handoffs_by_reason.items())
    return {
        "days": [day.date.isoformat() for day in days],
        "contained": [day.contained for day in days],
        "handed_off": [day.handed_off for day in days],
        "containment_rate": per_day("containment_rate"),
        "fallback_rate": per_day("fallback_rate"),
        "first_response_minutes": per_day("median_first_response_seconds", minutes),
        "resolution_minutes": per_day("median_resolution_seconds", minutes),
        "reasons": [label(REASONS, code) for code, _n in reasons],
        "reason_counts": [n for _code, n in reasons],
        "intents": [
            f"{label(INTENTS, item.intent)} ({item.intent})"
            if item.intent in INTENTS
            else item.intent
            for item in summary.top_intents
        ],
        "intent_counts": [item.count for item in summary.top_intents],
        "csat_scores": ["1", "2", "3", "4", "5"],
        "csat_bot_only": [
            summary.csat_distribution_by_human["bot_only"][s] for s in ("1", "2", "3", "4", "5")
        ],
        "csat_with_human": [
            summary.csat_distribution_by_human["with_human"][s] for s in ("1", "2", "3", "4", "5")
        ],
    }


@router.get("/analytics")
def dashboard(
    since: Optional[str] = Query(None, max_length=40),
    until: Optional[str] = Query(None, max_length=40),
    principal: Principal = Depends(page_supervisor),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """Charts and figures of the chosen period."""
    period, error = _period(ctx, since, until)
    summary = analytics.summary(ctx, period)
    return pages.render(
        "analytics.html",
        principal=principal,
        summary=summary,
        chart=chart_data(summary),
        comments=analytics.recent_comments(ctx, period),
        period=period,
        presets=_presets(ctx),
        datasets=analytics.DATASETS,
        error=error,
    )


@router.get("/analytics/unanswered")
def unanswered_page(
    since: Optional[str] = Query(None, max_length=40),
    until: Optional[str] = Query(None, max_length=40),
    principal: Principal = Depends(page_supervisor),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """Unanswered customer messages, grouped, each group copyable as NLU YAML."""
    period, error = _period(ctx, since, until)
    return pages.render(
        "unanswered.html",
        principal=principal,
        report=unanswered.groups(ctx, period),
        period=period,
        presets=_presets(ctx),
        labels=unanswered.INTENT_LABELS,
        error=error,
    )


@router.get("/analytics/export/{dataset}.csv")
def export_page(
    dataset: str = Path(..., pattern=f"^({'|'.join(analytics.DATASETS)})$"),
    since: Optional[str] = Query(None, max_length=40),
    until: Optional[str] = Query(None, max_length=40),
    _principal: Principal = Depends(page_supervisor),
    ctx: ServiceContext = Depends(get_ctx),
) -> StreamingResponse:
    """The CSV behind a chart, for the period on the page."""
    period, _error = _period(ctx, since, until)
    return csv_response(ctx, period, dataset)
