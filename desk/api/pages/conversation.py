"""One handed-off conversation: summary, transcript, reply box, notes, claim and resolve.

Forms post back here with the session's CSRF token and are answered with a redirect (303) to
the conversation, carrying a notice or an error code (never free text) in the query. The page
polls ``/handoffs/{id}/updates`` for new turns (static/desk.js).
"""

from __future__ import annotations

from typing import Any, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from desk.api.deps import get_ctx
from desk.api.pages.browser_session import check_csrf, page_principal, poll_principal
from desk.api.pages.labels import ERRORS, NOTICES, SENDERS, STATUSES, label
from desk.api.pages.rendering import Pages, get_pages
from desk.api.routes.handoffs import export_response
from desk.core.errors import ApiError
from desk.models.enums import TicketStatus
from desk.schemas.handoff import MAX_TEXT, HandoffDetail
from desk.services import tickets, transcripts
from desk.services.context import ServiceContext
from desk.services.principal import Principal

router = APIRouter(include_in_schema=False)
TicketId = Path(..., ge=1, le=2**31 - 1)


def _handoff_index(detail: HandoffDetail) -> int:
    """Where the handoff marker goes in the transcript: before the first turn after it."""
    for index, turn in enumerate(detail.transcript):
        if turn.time > detail.created_at:
            return index
    return len(detail.transcript)


def _turn_json(pages: Pages, turn: Any, turn_id: int) -> dict[str, Any]:
    return {
        "id": turn_id,
        "sender": turn.sender,
        "sender_label": label(SENDERS, turn.sender),
        "agent_name": turn.agent_name or "",
        "text": turn.text,
        "time_label": pages.localtime(turn.sent_at),
    }


@router.get("/handoffs/{ticket_id}")
def conversation_page(
    ticket_id: int = TicketId,
    notice: Optional[str] = Query(None, max_length=32),
    error: Optional[str] = Query(None, max_length=32),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """Summary and diagnosis, the whole transcript, reply box, notes, claim and resolve."""
    detail = tickets.get_detail(ctx, ticket_id)
    stored = transcripts.stored_turns(ctx, detail.conversation_id)
    holder = detail.assigned_to
    mine = holder is not None and holder.username == principal.username
    is_open = detail.status != TicketStatus.RESOLVED
    return pages.render(
        "conversation.html",
        principal=principal,
        ticket=detail,
        turns=stored,
        handoff_index=_handoff_index(detail),
        last_turn_id=max((turn.id for turn in stored), default=0),
        can_act=is_open and (mine or principal.is_supervisor or holder is None),
        is_open=is_open,
        mine=mine,
        notice=NOTICES.get(notice or ""),
        error=ERRORS.get(error or "") if error else None,
        max_text=MAX_TEXT,
        customer_said=_lines(detail.summary.get("customer_said")),
    )


def _lines(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(item) for item in value if item]
    return [str(value)] if value else []


@router.get("/handoffs/{ticket_id}/updates")
def conversation_updates(
    ticket_id: int = TicketId,
    after: int = Query(0, ge=0),
    _principal: Principal = Depends(poll_principal),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> JSONResponse:
    """New turns since ``after`` (a turn id), the status and the notes, for polling."""
    ticket = tickets.get_ticket(ctx, ticket_id)
    live = transcripts.sync(ctx, ticket.conversation_id)
    turns = transcripts.stored_turns(ctx, ticket.conversation_id, after_id=after)
    notes = tickets.list_notes(ctx, ticket_id)
    return JSONResponse(
        {
            "status": ticket.status.value,
            "status_label": label(STATUSES, ticket.status.value),
            "assigned_to": ticket.assigned_to.display_name if ticket.assigned_to else "",
            "live": live,
            "turns": [_turn_json(pages, turn, turn.id) for turn in turns],
            "notes": [
                {
                    "author": note.author.display_name if note.author else "",
                    "text": note.text,
                    "time_label": pages.localtime(note.time),
                }
                for note in notes
            ],
        }
    )


def _back(ticket_id: int, **query: str) -> RedirectResponse:
    suffix = f"?{urlencode(query)}" if query else ""
    return RedirectResponse(f"/handoffs/{ticket_id}{suffix}", status_code=303)


def _act(ticket_id: int, notice: str, action: Any) -> RedirectResponse:
    try:
        action()
    except ApiError as error:
        return _back(ticket_id, error=error.code)
    return _back(ticket_id, notice=notice)


def _text(value: str) -> Optional[str]:
    text = value.strip()
    if not text or len(text) > MAX_TEXT:
        return None
    if any((ord(ch) < 32 and ch not in "\n\t\r") or ord(ch) == 127 for ch in text):
        return None
    return text


@router.post("/handoffs/{ticket_id}/claim")
def claim_form(
    request: Request,
    ticket_id: int = TicketId,
    csrf_token: str = Form("", max_length=128),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """Take the ticket."""
    check_csrf(request, principal, csrf_token)
    return _act(ticket_id, "claimed", lambda: tickets.claim(ctx, principal, ticket_id))


@router.post("/handoffs/{ticket_id}/reply")
def reply_form(
    request: Request,
    ticket_id: int = TicketId,
    text: str = Form("", max_length=MAX_TEXT * 2),
    csrf_token: str = Form("", max_length=128),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """Send the reply box's text to the customer."""
    check_csrf(request, principal, csrf_token)
    message = _text(text)
    if message is None:
        return _back(ticket_id, error="VALIDATION_ERROR")
    return _act(ticket_id, "sent", lambda: tickets.send_message(ctx, principal, ticket_id, message))


@router.post("/handoffs/{ticket_id}/notes")
def note_form(
    request: Request,
    ticket_id: int = TicketId,
    text: str = Form("", max_length=MAX_TEXT * 2),
    csrf_token: str = Form("", max_length=128),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """Save an internal note."""
    check_csrf(request, principal, csrf_token)
    note = _text(text)
    if note is None:
        return _back(ticket_id, error="VALIDATION_ERROR")
    return _act(ticket_id, "noted", lambda: tickets.add_note(ctx, principal, ticket_id, note))


@router.post("/handoffs/{ticket_id}/resolve")
def resolve_form(
    request: Request,
    ticket_id: int = TicketId,
    return_to_bot: str = Form("yes", max_length=8),
    note: str = Form("", max_length=MAX_TEXT * 2),
    csrf_token: str = Form("", max_length=128),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """Return the conversation to the bot, or close it."""
    check_csrf(request, principal, csrf_token)
    back = return_to_bot == "yes"
    note_text = _text(note) if note.strip() else None
    if note.strip() and note_text is None:
        return _back(ticket_id, error="VALIDATION_ERROR")
    return _act(
        ticket_id,
        "returned_to_bot" if back else "closed",
        lambda: tickets.resolve(ctx, principal, ticket_id, return_to_bot=back, note=note_text),
    )


@router.get("/handoffs/{ticket_id}/export.{fmt}")
def export_download(
    ticket_id: int = TicketId,
    fmt: str = Path(..., pattern="^(json|csv)$"),
    _principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """Download the transcript as JSON or CSV."""
    return export_response(ctx, ticket_id, fmt)
