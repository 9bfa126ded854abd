"""The live queue, the desk's home page: waiting tickets in order, mine, and the others'.

The page polls ``/queue/data`` (static/desk.js) rather than holding a connection open.
"""

from __future__ import annotations

from typing import Any, Optional

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse, RedirectResponse, Response

from desk.api.deps import get_ctx
from desk.api.pages.browser_session import page_principal, poll_principal
from desk.api.pages.labels import CHANNELS, INTENTS, PRIORITIES, REASONS, label
from desk.api.pages.rendering import Pages, get_pages
from desk.models.enums import TicketStatus
from desk.schemas.handoff import CustomerOut, HandoffOut
from desk.services import customers, search
from desk.services.context import ServiceContext
from desk.services.principal import Principal

router = APIRouter(include_in_schema=False)


@router.get("/")
def home(_principal: Principal = Depends(page_principal)) -> Response:
    """The queue is the home page."""
    return RedirectResponse("/queue", status_code=303)


def _ms(moment: Any) -> Optional[int]:
    return int(moment.timestamp() * 1000) if moment is not None else None


def _customer_label(customer_id: Optional[str], known: dict[str, CustomerOut]) -> str:
    if not customer_id:
        return "访客（未登录）"
    customer = known.get(customer_id)
    parts = [part for part in (customer.name, customer.phone_masked) if part] if customer else []
    return " · ".join([*parts, customer_id])


def queue_item(ticket: HandoffOut, known: dict[str, CustomerOut]) -> dict[str, Any]:
    """A ticket as the queue and the search results list it (labels already translated)."""
    intent = ticket.summary.get("intent")
    return {
        "id": ticket.id,
        "url": f"/handoffs/{ticket.id}",
        "status": ticket.status.value,
        "priority": ticket.priority.value,
        "priority_label": label(PRIORITIES, ticket.priority.value),
        "channel_label": label(CHANNELS, ticket.channel),
        "reason_label": label(REASONS, ticket.reason),
        "customer_label": _customer_label(ticket.customer_id, known),
        "intent_label": label(INTENTS, intent) if intent else "",
        "diagnosis": ticket.summary.get("diagnosis") or "",
        "agent": ticket.assigned_to.display_name if ticket.assigned_to else "",
        "created_ms": _ms(ticket.created_at),
    }


def queue_data(ctx: ServiceContext, principal: Principal) -> dict[str, Any]:
    """Waiting tickets in queue order, mine, and the others being handled."""
    waiting = search.find(ctx, search.TicketQuery(status=TicketStatus.WAITING, limit=500))
    assigned = search.find(ctx, search.TicketQuery(status=TicketStatus.ASSIGNED, limit=500))
    known = customers.cached(ctx, [t.customer_id for t in [*waiting, *assigned] if t.customer_id])
    mine = [t for t in assigned if t.assigned_to and t.assigned_to.username == principal.username]
    others = [t for t in assigned if t not in mine]
    return {
        "now_ms": _ms(ctx.now()),
        "waiting": [queue_item(t, known) for t in waiting],
        "mine": [queue_item(t, known) for t in mine],
        "others": [queue_item(t, known) for t in others],
    }


@router.get("/queue")
def queue_page(
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """The live queue."""
    return pages.render("queue.html", principal=principal, queue=queue_data(ctx, principal))


@router.get("/queue/data")
def queue_json(
    principal: Principal = Depends(poll_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> JSONResponse:
    """The queue for the page's polling."""
    return JSONResponse(queue_data(ctx, principal))
