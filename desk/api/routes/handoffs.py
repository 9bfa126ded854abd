"""The agents' ticket API (``Authorization: Bearer <token>`` from POST /api/login)."""

from __future__ import annotations

from datetime import date
from typing import Optional

from fastapi import APIRouter, Depends, Path, Query, Response

from desk.api.deps import get_ctx, require_agent
from desk.models.enums import TicketStatus
from desk.schemas.common import ERROR_RESPONSES
from desk.schemas.handoff import (
    HandoffDetail,
    HandoffOut,
    MessageOut,
    NoteOut,
    ResolveIn,
    TextIn,
)
from desk.services import export, search, tickets
from desk.services.context import ServiceContext
from desk.services.principal import Principal

router = APIRouter(prefix="/api/handoffs", tags=["handoffs"], responses=ERROR_RESPONSES)
TicketId = Path(..., ge=1, le=2**31 - 1, description="The ticket id")


@router.get("", response_model=list[HandoffOut], summary="Tickets: the queue, and search")
def list_handoffs(
    status: Optional[TicketStatus] = Query(None, description="waiting | assigned | resolved"),
    customer_id: Optional[str] = Query(None, max_length=32),
    transaction_id: Optional[str] = Query(None, max_length=64),
    q: Optional[str] = Query(None, max_length=200, description="Text in summary or transcript"),
    date_from: Optional[date] = Query(None, description="Created on or after (desk time zone)"),
    date_to: Optional[date] = Query(None, description="Created on or before (desk time zone)"),
    limit: int = Query(100, ge=1, le=search.MAX_RESULTS),
    offset: int = Query(0, ge=0),
    _principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> list[HandoffOut]:
    """Waiting tickets come in queue order (priority, then longest wait); others newest first."""
    query = search.TicketQuery(
        status=status,
        customer_id=customer_id,
        transaction_id=transaction_id,
        text=q,
        date_from=date_from,
        date_to=date_to,
        limit=limit,
        offset=offset,
    )
    return search.find(ctx, query)


@router.get("/{ticket_id}", response_model=HandoffDetail, summary="A ticket with its transcript")
def get_handoff(
    ticket_id: int = TicketId,
    _principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> HandoffDetail:
    """The whole conversation (user, bot and agent turns, before and after the handoff)."""
    return tickets.get_detail(ctx, ticket_id)


@router.post("/{ticket_id}/claim", response_model=HandoffOut, summary="Take a waiting ticket")
def claim_handoff(
    ticket_id: int = TicketId,
    principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> HandoffOut:
    """409 TICKET_TAKEN when another agent has it (a supervisor takes it over instead)."""
    return tickets.claim(ctx, principal, ticket_id)


@router.post(
    "/{ticket_id}/messages",
    response_model=MessageOut,
    status_code=201,
    summary="Reply to the customer on their channel",
)
def send_message(
    body: TextIn,
    ticket_id: int = TicketId,
    principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> MessageOut:
    """Sent through Rasa as the agent's message; a waiting ticket is claimed first."""
    return tickets.send_message(ctx, principal, ticket_id, body.text)


@router.post(
    "/{ticket_id}/notes",
    response_model=NoteOut,
    status_code=201,
    summary="Add an internal note",
)
def add_note(
    body: TextIn,
    ticket_id: int = TicketId,
    principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> NoteOut:
    """Notes are for agents only; the customer never sees them."""
    return tickets.add_note(ctx, principal, ticket_id, body.text)


@router.post("/{ticket_id}/resolve", response_model=HandoffOut, summary="Return to bot or close")
def resolve_handoff(
    body: ResolveIn,
    ticket_id: int = TicketId,
    principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> HandoffOut:
    """``return_to_bot`` true: the bot greets the customer back; false: the conversation closes
    with the rating request."""
    return tickets.resolve(
        ctx, principal, ticket_id, return_to_bot=body.return_to_bot, note=body.note
    )


@router.get(
    "/{ticket_id}/export",
    summary="Download the transcript as JSON or CSV",
    response_class=Response,
)
def export_handoff(
    ticket_id: int = TicketId,
    fmt: str = Query("json", alias="format", pattern="^(json|csv)$"),
    _principal: Principal = Depends(require_agent),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """``?format=json`` (ticket and transcript) or ``?format=csv`` (one row per turn)."""
    return export_response(ctx, ticket_id, fmt)


def export_response(ctx: ServiceContext, ticket_id: int, fmt: str) -> Response:
    """The download response of one transcript (shared with the pages)."""
    detail = tickets.get_detail(ctx, ticket_id)
    filename = f"handoff-{ticket_id}.{fmt}"
    headers = {"Content-Disposition": f'attachment; filename="{filename}"'}
    if fmt == "csv":
        return Response(
            export.as_csv(detail), media_type="text/csv; charset=utf-8", headers=headers
        )
    return Response(
        export.as_json(detail, ctx.now().isoformat()),
        media_type="application/json",
        headers=headers,
    )
