"""Handoff tickets: arrival from the action server, claim, agent replies, notes, resolution.

Ticket rows are changed under a row lock (``SELECT ... FOR UPDATE`` on PostgreSQL; SQLite's
write transaction is ``BEGIN IMMEDIATE``), so two agents claiming the same ticket cannot both
win. Calls to Rasa happen outside any database transaction.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Optional

from sqlalchemy import select
from sqlalchemy.orm import Session

from desk.clients.rasa import BACK_TO_BOT_ACTION, CLOSE_ACTION, RasaError
from desk.core.errors import ConflictError, ForbiddenError, NotFoundError, UpstreamError
from desk.core.masking import mask_text, mask_value
from desk.core.metrics import AGENT_MESSAGES, HANDOFFS, TICKETS_RESOLVED
from desk.db import lock_one
from desk.models import Agent, Ticket, TicketEvent
from desk.models.enums import (
    OPEN_STATUSES,
    PRIORITY_RANK,
    EventKind,
    Resolution,
    TicketStatus,
)
from desk.schemas.handoff import (
    AgentRef,
    HandoffAccepted,
    HandoffDetail,
    HandoffIn,
    HandoffOut,
    HistoryOut,
    MessageOut,
    NoteOut,
    TurnOut,
)
from desk.services import customers, estimates, transcripts
from desk.services.context import ServiceContext
from desk.services.principal import Principal
from service_kit.db import try_insert
from service_kit.models import new_row
from service_kit.schemas import from_attributes

logger = logging.getLogger("desk.tickets")


# --- views ----------------------------------------------------------------------------------


def _agent_ref(agent: Optional[Agent]) -> Optional[AgentRef]:
    if agent is None:
        return None
    return from_attributes(AgentRef, agent)


def ticket_out(ticket: Ticket, agent: Optional[Agent]) -> HandoffOut:
    """The API view of a ticket."""
    return from_attributes(
        HandoffOut, ticket, summary=ticket.summary or {}, assigned_to=_agent_ref(agent)
    )


def _load(session: Session, ticket_id: int) -> tuple[Ticket, Optional[Agent]]:
    found = session.execute(
        select(Ticket, Agent)
        .outerjoin(Agent, Agent.id == Ticket.agent_id)
        .where(Ticket.id == ticket_id)
    ).first()
    if found is None:
        raise NotFoundError(f"No ticket {ticket_id}.", code="TICKET_NOT_FOUND")
    return found[0], found[1]


def _lock_ticket(session: Session, ticket_id: int) -> Ticket:
    """The ticket, locked for this write session (see ``lock_one``), or TICKET_NOT_FOUND."""
    ticket = lock_one(session, Ticket, id=ticket_id)
    if ticket is None:
        raise NotFoundError(f"No ticket {ticket_id}.", code="TICKET_NOT_FOUND")
    return ticket


def get_ticket(ctx: ServiceContext, ticket_id: int) -> HandoffOut:
    """One ticket without its transcript."""
    with ctx.db.session() as session:
        return ticket_out(*_load(session, ticket_id))


def get_detail(ctx: ServiceContext, ticket_id: int, *, live: bool = True) -> HandoffDetail:
    """A ticket with the whole conversation (read from Rasa first when ``live``)."""
    with ctx.db.session() as session:
        ticket, agent = _load(session, ticket_id)
    fresh = transcripts.sync(ctx, ticket.conversation_id, max_age=0) if live else False
    turns = transcripts.stored_turns(ctx, ticket.conversation_id)
    with ctx.db.session() as session:
        rows = session.execute(
            select(TicketEvent, Agent)
            .outerjoin(Agent, Agent.id == TicketEvent.agent_id)
            .where(TicketEvent.ticket_id == ticket_id)
            .order_by(TicketEvent.id)
        ).all()
    customer = None
    if ticket.customer_id:
        customer = customers.cached(ctx, [ticket.customer_id])[ticket.customer_id]
    base = ticket_out(ticket, agent).dict()
    return HandoffDetail(
        **base,
        transcript=[
            TurnOut(sender=t.sender, text=t.text, time=t.sent_at, agent_name=t.agent_name)
            for t in turns
        ],
        transcript_live=fresh,
        language=ticket.language,
        reasons=list(ticket.reasons or [ticket.reason]),
        customer=customer,
        claimed_at=ticket.claimed_at,
        resolved_at=ticket.resolved_at,
        notes=[
            NoteOut(
                id=event.id, text=event.text or "", author=_agent_ref(author), time=event.created_at
            )
            for event, author in rows
            if event.kind == EventKind.NOTE.value
        ],
        history=[
            HistoryOut(
                kind=event.kind,
                agent=_agent_ref(author),
                text=event.text if event.kind != EventKind.NOTE.value else None,
                data=event.data,
                time=event.created_at,
            )
            for event, author in rows
        ],
    )


def list_notes(ctx: ServiceContext, ticket_id: int) -> list[NoteOut]:
    """The internal notes of a ticket, oldest first."""
    with ctx.db.session() as session:
        rows = session.execute(
            select(TicketEvent, Agent)
            .outerjoin(Agent, Agent.id == TicketEvent.agent_id)
            .where(TicketEvent.ticket_id == ticket_id, TicketEvent.kind == EventKind.NOTE.value)
            .order_by(TicketEvent.id)
        ).all()
    return [
        NoteOut(
            id=event.id, text=event.text or "", author=_agent_ref(author), time=event.created_at
        )
        for event, author in rows
    ]


# --- arrival from the action server ---------------------------------------------------------


def _summary_text(summary: dict[str, Any]) -> str:
    parts: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            parts.append(value)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)

    walk(summary)
    return "\n".join(parts)


def _merge_summary(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    """The newer summary wins where it says something; what the bot told is accumulated."""
    merged = dict(old)
    for key, value in new.items():
        if key == "told_customer":
            seen = list(old.get("told_customer") or [])
            merged[key] = seen + [line for line in value or [] if line not in seen]
        elif value not in (None, "", []):
            merged[key] = value
    return merged


def _event(
    session: Session,
    ticket: Ticket,
    kind: EventKind,
    now: datetime,
    *,
    agent_id: Optional[int] = None,
    text: Optional[str] = None,
    data: Optional[dict[str, Any]] = None,
) -> TicketEvent:
    event = TicketEvent(
        ticket_id=ticket.id,
        kind=kind.value,
        agent_id=agent_id,
        text=text,
        data=data,
        created_at=now,
    )
    session.add(event)
    return event


@dataclass
class _Arrival:
    ticket_id: int
    status: str
    created: bool
    position: int
    customer_id: Optional[str]
    conversation_id: str


def _arrive(ctx: ServiceContext, data: HandoffIn) -> _Arrival:
    now = ctx.now()
    summary = mask_value(data.summary.dict())
    rank = PRIORITY_RANK[data.priority.value]
    for _attempt in range(3):
        with ctx.db.session(write=True) as session:
            existing = (
                session.execute(
                    select(Ticket)
                    .where(
                        Ticket.conversation_id == data.conversation_id,
                        Ticket.status.in_(OPEN_STATUSES),
                    )
                    .with_for_update()
                )
                .scalars()
                .first()
            )
            if existing is not None:
                ticket = existing
                if data.reason not in (ticket.reasons or []):
                    ticket.reasons = [*(ticket.reasons or []), data.reason]
                if rank < ticket.priority_rank:
                    ticket.priority, ticket.priority_rank = data.priority.value, rank
                ticket.summary = _merge_summary(ticket.summary or {}, summary)
                ticket.summary_text = _summary_text(ticket.summary)
                ticket.transaction_id = (
                    ticket.summary.get("transaction_id") or ticket.transaction_id
                )
                ticket.customer_id = ticket.customer_id or data.customer_id
                ticket.handoff_count += 1
                ticket.updated_at = now
                _event(
                    session,
                    ticket,
                    EventKind.HANDOFF_AGAIN,
                    now,
                    data={"reason": data.reason, "priority": data.priority.value},
                )
                created = False
            else:
                ticket = new_row(
                    Ticket,
                    data,
                    reasons=[data.reason],
                    priority=data.priority.value,
                    priority_rank=rank,
                    status=TicketStatus.WAITING.value,
                    summary=summary,
                    summary_text=_summary_text(summary),
                    transaction_id=summary.get("transaction_id"),
                    handoff_count=1,
                    created_at=now,
                    updated_at=now,
                )
                if not try_insert(session, ticket):
                    continue  # opened concurrently: read it in a fresh transaction
                _event(
                    session,
                    ticket,
                    EventKind.CREATED,
                    now,
                    data={"reason": data.reason, "priority": data.priority.value},
                )
                created = True
            session.flush()
            waiting = ticket.status == TicketStatus.WAITING.value
            return _Arrival(
                ticket_id=ticket.id,
                status=ticket.status,
                created=created,
                position=estimates.queue_position(session, ticket) if waiting else 0,
                customer_id=ticket.customer_id,
                conversation_id=ticket.conversation_id,
            )
    raise ConflictError("The ticket changed concurrently; retry.", code="CONCURRENT_UPDATE")


def create_handoff(ctx: ServiceContext, data: HandoffIn) -> HandoffAccepted:
    """Open a ticket for the conversation, or add to its open one (idempotent per conversation)."""
    arrival = _arrive(ctx, data)
    HANDOFFS.labels(data.reason, "created" if arrival.created else "added").inc()
    wait = estimates.estimate(ctx, arrival.position)
    logger.info(
        "handoff received" if arrival.created else "handoff added to the open ticket",
        extra={
            "conversation_id": data.conversation_id,
            "ticket_id": arrival.ticket_id,
            "reason": data.reason,
            "priority": data.priority.value,
            "position": wait.position,
        },
    )
    return from_attributes(
        HandoffAccepted,
        wait,
        id=arrival.ticket_id,
        status=arrival.status,
        created=arrival.created,
    )


def after_arrival(ctx: ServiceContext, conversation_id: str, customer_id: Optional[str]) -> None:
    """Work done after answering the action server: the customer's profile, the transcript."""
    if customer_id:
        customers.refresh(ctx, customer_id)
    transcripts.sync(ctx, conversation_id, max_age=0)


# --- agents' actions ------------------------------------------------------------------------


def _require_open(ticket: Ticket) -> None:
    if ticket.status == TicketStatus.RESOLVED.value:
        raise ConflictError("This conversation is already resolved.", code="TICKET_RESOLVED")


def _take(session: Session, ticket: Ticket, principal: Principal, now: datetime) -> None:
    """Assign the (locked) ticket to the principal, if it is theirs to take."""
    if ticket.status == TicketStatus.ASSIGNED.value and ticket.agent_id == principal.agent_id:
        return
    if ticket.status == TicketStatus.ASSIGNED.value:
        if not principal.is_supervisor:
            holder = session.get(Agent, ticket.agent_id)
            raise ConflictError(
                "Another agent is handling this conversation.",
                code="TICKET_TAKEN",
                details={"assigned_to": holder.display_name if holder else None},
            )
        _event(
            session,
            ticket,
            EventKind.REASSIGNED,
            now,
            agent_id=principal.agent_id,
            data={"from_agent_id": ticket.agent_id},
        )
    else:
        _event(session, ticket, EventKind.CLAIMED, now, agent_id=principal.agent_id)
    ticket.status = TicketStatus.ASSIGNED.value
    ticket.agent_id = principal.agent_id
    ticket.claimed_at = ticket.claimed_at or now
    ticket.updated_at = now


def claim(ctx: ServiceContext, principal: Principal, ticket_id: int) -> HandoffOut:
    """Take a waiting ticket (repeating is harmless; supervisors may take over)."""
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        ticket = _lock_ticket(session, ticket_id)
        _require_open(ticket)
        _take(session, ticket, principal, now)
        conversation_id = ticket.conversation_id
    logger.info(
        "ticket claimed",
        extra={
            "conversation_id": conversation_id,
            "ticket_id": ticket_id,
            "agent": principal.username,
        },
    )
    return get_ticket(ctx, ticket_id)


def _prepare_to_act(ctx: ServiceContext, principal: Principal, ticket_id: int) -> Ticket:
    """Lock the ticket, check it is open and the principal's (claiming it if it waits)."""
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        ticket = _lock_ticket(session, ticket_id)
        _require_open(ticket)
        if (
            ticket.status == TicketStatus.ASSIGNED.value
            and ticket.agent_id != principal.agent_id
            and not principal.is_supervisor
        ):
            raise ForbiddenError(
                "Another agent is handling this conversation.", code="NOT_YOUR_TICKET"
            )
        if ticket.status == TicketStatus.WAITING.value:
            _take(session, ticket, principal, now)
        return ticket


def send_message(
    ctx: ServiceContext, principal: Principal, ticket_id: int, text: str
) -> MessageOut:
    """Send the agent's reply to the customer's channel through Rasa (claims a waiting ticket)."""
    ticket = _prepare_to_act(ctx, principal, ticket_id)
    try:
        ctx.rasa.send_agent_message(ticket.conversation_id, text, principal.display_name)
    except RasaError as error:
        raise UpstreamError(
            "The message could not be delivered: the bot server did not accept it. "
            "Nothing was sent; try again.",
            code="RASA_UNAVAILABLE",
        ) from error
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        row = session.get(Ticket, ticket_id)
        _event(
            session, row, EventKind.MESSAGE, now, agent_id=principal.agent_id, text=mask_text(text)
        )
        row.updated_at = now
    AGENT_MESSAGES.labels(ticket.channel).inc()
    transcripts.sync(ctx, ticket.conversation_id, max_age=0)
    logger.info(
        "agent message sent",
        extra={
            "conversation_id": ticket.conversation_id,
            "ticket_id": ticket_id,
            "agent": principal.username,
        },
    )
    return MessageOut(ticket_id=ticket_id, text=text, agent_name=principal.display_name, time=now)


def add_note(ctx: ServiceContext, principal: Principal, ticket_id: int, text: str) -> NoteOut:
    """An internal note on any ticket, open or resolved (never sent to the customer)."""
    now = ctx.now()
    with ctx.db.session(write=True) as session:
        ticket = _lock_ticket(session, ticket_id)
        event = _event(
            session, ticket, EventKind.NOTE, now, agent_id=principal.agent_id, text=mask_text(text)
        )
        session.flush()
        author = session.get(Agent, principal.agent_id)
        return NoteOut(id=event.id, text=event.text or "", author=_agent_ref(author), time=now)


def resolve(
    ctx: ServiceContext,
    principal: Principal,
    ticket_id: int,
    *,
    return_to_bot: bool,
    note: Optional[str] = None,
) -> HandoffOut:
    """Hand the conversation back to the bot (which greets the customer) or close it."""
    ticket = _prepare_to_act(ctx, principal, ticket_id)
    action = BACK_TO_BOT_ACTION if return_to_bot else CLOSE_ACTION
    try:
        ctx.rasa.resume(ticket.conversation_id)
        ctx.rasa.execute(ticket.conversation_id, action)
    except RasaError as error:
        raise UpstreamError(
            "The bot server did not take the conversation back; the ticket stays open. Try again.",
            code="RASA_UNAVAILABLE",
        ) from error
    try:
        ctx.rasa.listen(ticket.conversation_id)
    except RasaError:
        # The customer already got the action's message; the ticket is resolved either way.
        logger.warning(
            "could not mark the conversation as listening after resolution",
            extra={"conversation_id": ticket.conversation_id, "ticket_id": ticket_id},
        )
    now = ctx.now()
    resolution = Resolution.RETURNED_TO_BOT if return_to_bot else Resolution.CLOSED
    with ctx.db.session(write=True) as session:
        row = lock_one(session, Ticket, id=ticket_id)
        if row.status != TicketStatus.RESOLVED.value:
            TICKETS_RESOLVED.labels(resolution.value).inc()
            row.status = TicketStatus.RESOLVED.value
            row.resolution = resolution.value
            row.resolved_at = now
            row.agent_id = row.agent_id or principal.agent_id
            row.updated_at = now
            if note and note.strip():
                _event(
                    session,
                    row,
                    EventKind.NOTE,
                    now,
                    agent_id=principal.agent_id,
                    text=mask_text(note.strip()),
                )
            _event(
                session,
                row,
                EventKind.RESOLVED,
                now,
                agent_id=principal.agent_id,
                data={"resolution": resolution.value, "action": action},
            )
    transcripts.sync(ctx, ticket.conversation_id, max_age=0)
    logger.info(
        "ticket resolved",
        extra={
            "conversation_id": ticket.conversation_id,
            "ticket_id": ticket_id,
            "agent": principal.username,
            "resolution": resolution.value,
        },
    )
    return get_ticket(ctx, ticket_id)
