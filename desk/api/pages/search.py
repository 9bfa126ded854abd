"""Searching past and present tickets by customer, transaction id, text, date and status."""

from __future__ import annotations

from datetime import date
from typing import Optional

from fastapi import APIRouter, Depends, Query
from fastapi.responses import Response

from desk.api.deps import get_ctx
from desk.api.pages.browser_session import page_principal
from desk.api.pages.labels import STATUSES
from desk.api.pages.queue import queue_item
from desk.api.pages.rendering import Pages, get_pages
from desk.models.enums import TicketStatus
from desk.services import customers, search
from desk.services.context import ServiceContext
from desk.services.principal import Principal

router = APIRouter(include_in_schema=False)


@router.get("/search")
def search_page(
    q: str = Query("", max_length=200),
    customer_id: str = Query("", max_length=32),
    transaction_id: str = Query("", max_length=64),
    date_from: Optional[date] = Query(None),
    date_to: Optional[date] = Query(None),
    status: Optional[TicketStatus] = Query(None),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """Search transcripts by customer, transaction id, text and date."""
    query = search.TicketQuery(
        status=status,
        customer_id=customer_id or None,
        transaction_id=transaction_id or None,
        text=q or None,
        date_from=date_from,
        date_to=date_to,
        limit=200,
    )
    results = search.find(ctx, query) if query.is_search or status else []
    known = customers.cached(ctx, [t.customer_id for t in results if t.customer_id])
    return pages.render(
        "search.html",
        principal=principal,
        form={
            "q": q,
            "customer_id": customer_id,
            "transaction_id": transaction_id,
            "date_from": date_from.isoformat() if date_from else "",
            "date_to": date_to.isoformat() if date_to else "",
            "status": status.value if status else "",
        },
        searched=query.is_search or status is not None,
        results=[{**queue_item(t, known), "ticket": t} for t in results],
        STATUSES=STATUSES,
    )
