"""Finding tickets: the queue order, and search by customer, transaction id, text and date.

Text search looks in the ticket's summary, its notes and agent messages, and the stored
transcript of its conversation (``LIKE`` with escaped wildcards, case-insensitive; fine for a
desk's volume, and the same on SQLite and PostgreSQL). Dates are calendar days in the desk's
time zone.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Optional
from zoneinfo import ZoneInfo

from sqlalchemy import exists, func, or_, select

from desk.models import Agent, Ticket, TicketEvent, TranscriptTurn
from desk.models.enums import EventKind, TicketStatus
from desk.schemas.handoff import HandoffOut
from desk.services.context import ServiceContext
from desk.services.tickets import ticket_out

MAX_RESULTS = 500


@dataclass(frozen=True)
class TicketQuery:
    """Filters of ``GET /api/handoffs`` and the search page (all optional)."""

    status: Optional[TicketStatus] = None
    customer_id: Optional[str] = None
    transaction_id: Optional[str] = None
    text: Optional[str] = None
    date_from: Optional[date] = None
    date_to: Optional[date] = None
    limit: int = 100
    offset: int = 0

    @property
    def is_search(self) -> bool:
        """True when anything beyond the status narrows the list."""
        return any((self.customer_id, self.transaction_id, self.text, self.date_from, self.date_to))


def _like(value: str) -> str:
    escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped.lower()}%"


def _contains(column: object, value: str) -> object:
    return func.lower(column).like(_like(value), escape="\\")


def _mentions(value: str) -> object:
    """The ticket's summary, notes/messages or transcript contain ``value``."""
    in_events = exists().where(
        TicketEvent.ticket_id == Ticket.id,
        TicketEvent.kind.in_((EventKind.NOTE.value, EventKind.MESSAGE.value)),
        _contains(TicketEvent.text, value),
    )
    in_transcript = exists().where(
        TranscriptTurn.conversation_id == Ticket.conversation_id,
        _contains(TranscriptTurn.text, value),
    )
    return or_(_contains(Ticket.summary_text, value), in_events, in_transcript)


def _day_start(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=zone)


def find(ctx: ServiceContext, query: TicketQuery) -> list[HandoffOut]:
    """Tickets matching the query: waiting ones in queue order, the rest newest first."""
    statement = select(Ticket, Agent).outerjoin(Agent, Agent.id == Ticket.agent_id)
    if query.status is not None:
        statement = statement.where(Ticket.status == query.status.value)
    if query.customer_id:
        statement = statement.where(Ticket.customer_id == query.customer_id.strip())
    if query.transaction_id:
        transaction_id = query.transaction_id.strip()
        statement = statement.where(
            or_(Ticket.transaction_id == transaction_id, _mentions(transaction_id))
        )
    if query.text and query.text.strip():
        statement = statement.where(_mentions(query.text.strip()))
    zone = ZoneInfo(ctx.settings.timezone)
    if query.date_from:
        statement = statement.where(Ticket.created_at >= _day_start(query.date_from, zone))
    if query.date_to:
        end = _day_start(query.date_to + timedelta(days=1), zone)
        statement = statement.where(Ticket.created_at < end)
    if query.status == TicketStatus.WAITING:
        statement = statement.order_by(Ticket.priority_rank, Ticket.created_at, Ticket.id)
    else:
        statement = statement.order_by(Ticket.created_at.desc(), Ticket.id.desc())
    limit = max(1, min(query.limit, MAX_RESULTS))
    statement = statement.limit(limit).offset(max(0, query.offset))
    with ctx.db.session() as session:
        return [ticket_out(ticket, agent) for ticket, agent in session.execute(statement).all()]
