"""The agents' pages: sign-in, the live queue, a conversation, search, export.

Forms post back here with the session's CSRF token and are answered with a redirect (303) to
the page they came from, carrying a notice or an error code (never free text) in the query.
Live updates are short polling of two small JSON routes (see static/desk.js).
"""

from __future__ import annotations

import secrets
from datetime import date
from typing import Any, Optional
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response

from desk.api.deps import get_ctx
from desk.api.routes.handoffs import export_response
from desk.api.web import (
    CHANNELS,
    ERRORS,
    INTENTS,
    NOTICES,
    PRIORITIES,
    REASONS,
    SENDERS,
    STATUSES,
    Pages,
    check_csrf,
    get_pages,
    label,
    login_csrf_cookie,
    page_principal,
    safe_next,
    same_origin,
    session_cookie,
)
from desk.core.errors import ApiError
from desk.core.security import tokens_match
from desk.models.enums import SessionKind, TicketStatus
from desk.schemas.handoff import MAX_TEXT, CustomerOut, HandoffDetail, HandoffOut
from desk.services import agents, customers, search, sessions, tickets, transcripts
from desk.services.context import ServiceContext
from desk.services.principal import Principal

router = APIRouter(include_in_schema=False)
TicketId = Path(..., ge=1, le=2**31 - 1)
LOGIN_PATH = "/login"


# --- sign in and out ------------------------------------------------------------------------


def _login_page(
    pages: Pages,
    ctx: ServiceContext,
    *,
    next_path: str,
    status_code: int = 200,
    error: Optional[str] = None,
) -> Response:
    token = secrets.token_urlsafe(32)
    response = pages.render(
        "login.html",
        status_code=status_code,
        login_csrf=token,
        next_path=next_path,
        error=ERRORS.get(error or "", None) if error else None,
    )
    response.set_cookie(
        login_csrf_cookie(ctx.settings),
        token,
        max_age=1800,
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get(LOGIN_PATH)
def login_page(
    request: Request,
    next: str = Query("/queue", max_length=512),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """The sign-in form (already signed in: straight on)."""
    token = request.cookies.get(session_cookie(ctx.settings))
    if sessions.resolve(ctx, token, SessionKind.WEB) is not None:
        return RedirectResponse(safe_next(next), status_code=303)
    return _login_page(pages, ctx, next_path=safe_next(next))


@router.post(LOGIN_PATH)
def login_submit(
    request: Request,
    username: str = Form("", max_length=64),
    password: str = Form("", max_length=256),
    csrf_token: str = Form("", max_length=128),
    next: str = Form("/queue", max_length=512),
    ctx: ServiceContext = Depends(get_ctx),
    pages: Pages = Depends(get_pages),
) -> Response:
    """Check the form's CSRF token and the credentials; start a browser session."""
    next_path = safe_next(next)
    cookie = request.cookies.get(login_csrf_cookie(ctx.settings), "")
    if not (cookie and tokens_match(csrf_token, cookie) and same_origin(request)):
        return _login_page(pages, ctx, next_path=next_path, status_code=403, error="CSRF_FAILED")
    try:
        agent = agents.authenticate(ctx, username, password)
    except ApiError as error:
        return _login_page(
            pages, ctx, next_path=next_path, status_code=error.status_code, error=error.code
        )
    token, _principal = sessions.create_session(ctx, agent.id, SessionKind.WEB)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(
        session_cookie(ctx.settings),
        token,
        max_age=ctx.settings.session_ttl_minutes * 60,
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="lax",
    )
    response.delete_cookie(
        login_csrf_cookie(ctx.settings),
        path="/",
        secure=ctx.settings.cookie_secure,
        httponly=True,
        samesite="strict",
    )
    return response


@router.post("/logout")
def logout(
    request: Request,
    csrf_token: str = Form("", max_length=128),
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> Response:
    """End the browser session."""
    check_csrf(request, principal, csrf_token)
    sessions.revoke(ctx, request.cookies.get(session_cookie(ctx.settings)))
    response = RedirectResponse(LOGIN_PATH, status_code=303)
    response.delete_cookie(
        session_cookie(ctx.settings), path="/", secure=ctx.settings.cookie_secure, httponly=True
    )
    return response


@router.get("/")
def home(_principal: Principal = Depends(page_principal)) -> Response:
    """The queue is the home page."""
    return RedirectResponse("/queue", status_code=303)


# --- the queue ------------------------------------------------------------------------------


def _ms(moment: Any) -> Optional[int]:
    return int(moment.timestamp() * 1000) if moment is not None else None


def _customer_label(customer_id: Optional[str], known: dict[str, CustomerOut]) -> str:
    if not customer_id:
        return "访客（未登录）"
    customer = known.get(customer_id)
    parts = [part for part in (customer.name, customer.phone_masked) if part] if customer else []
    return " · ".join([*parts, customer_id])


def _queue_item(ticket: HandoffOut, known: dict[str, CustomerOut]) -> dict[str, Any]:
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
        "waiting": [_queue_item(t, known) for t in waiting],
        "mine": [_queue_item(t, known) for t in mine],
        "others": [_queue_item(t, known) for t in others],
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
    principal: Principal = Depends(page_principal),
    ctx: ServiceContext = Depends(get_ctx),
) -> JSONResponse:
    """The queue for the page's polling."""
    return JSONResponse(queue_data(ctx, principal))


# --- one conversation -----------------------------------------------------------------------


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
    _principal: Principal = Depends(page_principal),
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


# --- search ---------------------------------------------------------------------------------


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
        results=[{**_queue_item(t, known), "ticket": t} for t in results],
        STATUSES=STATUSES,
    )
