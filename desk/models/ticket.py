"""Handoff tickets, their history (status changes, agent messages, notes) and transcripts."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    Column,
    Float,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
    text,
)

from desk.models.base import Base, UTCDateTime, one_of
from desk.models.enums import (
    OPEN_STATUSES,
    EventKind,
    Priority,
    Resolution,
    Sender,
    TicketStatus,
)

_OPEN = "status IN ({})".format(", ".join(f"'{status}'" for status in OPEN_STATUSES))


class Ticket(Base):
    """One handoff of a conversation to the people; at most one open per conversation."""

    __tablename__ = "desk_tickets"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False)
    channel = Column(String(32), nullable=False)
    customer_id = Column(String(32), nullable=True)
    language = Column(String(16), nullable=False)
    reason = Column(String(64), nullable=False)
    reasons = Column(JSON, nullable=False)
    priority = Column(String(8), nullable=False)
    priority_rank = Column(SmallInteger, nullable=False)
    status = Column(String(16), nullable=False, default=TicketStatus.WAITING.value)
    summary = Column(JSON, nullable=False)
    # The summary flattened to one masked string, and its transaction id: what search reads.
    summary_text = Column(Text, nullable=False, default="")
    transaction_id = Column(String(64), nullable=True)
    agent_id = Column(Integer, ForeignKey("desk_agents.id"), nullable=True)
    resolution = Column(String(16), nullable=True)
    handoff_count = Column(Integer, nullable=False, default=1)
    created_at = Column(UTCDateTime, nullable=False)
    claimed_at = Column(UTCDateTime, nullable=True)
    resolved_at = Column(UTCDateTime, nullable=True)
    updated_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        one_of("priority", Priority),
        one_of("status", TicketStatus),
        one_of("resolution", Resolution),
        Index("ix_desk_tickets_queue", "status", "priority_rank", "created_at"),
        Index("ix_desk_tickets_conversation", "conversation_id"),
        Index("ix_desk_tickets_customer", "customer_id"),
        Index("ix_desk_tickets_transaction", "transaction_id"),
        Index("ix_desk_tickets_created", "created_at"),
        Index(
            "uq_desk_tickets_open_conversation",
            "conversation_id",
            unique=True,
            sqlite_where=text(_OPEN),
            postgresql_where=text(_OPEN),
        ),
    )


class TicketEvent(Base):
    """Something that happened to a ticket: created, claimed, a message, a note, resolved."""

    __tablename__ = "desk_ticket_events"

    id = Column(Integer, primary_key=True, autoincrement=True)
    ticket_id = Column(Integer, ForeignKey("desk_tickets.id", ondelete="CASCADE"), nullable=False)
    kind = Column(String(16), nullable=False)
    agent_id = Column(Integer, ForeignKey("desk_agents.id"), nullable=True)
    text = Column(Text, nullable=True)
    data = Column(JSON, nullable=True)
    created_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        one_of("kind", EventKind),
        Index("ix_desk_ticket_events_ticket", "ticket_id", "id"),
    )


class TranscriptTurn(Base):
    """One message of a conversation as the desk last read it from the Rasa tracker (masked).

    The tracker is the source of truth; this copy is what search reads, and what the desk shows
    when Rasa cannot be reached.
    """

    __tablename__ = "desk_transcript_turns"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False)
    event_key = Column(String(64), nullable=False)
    event_ts = Column(Float, nullable=False)
    sent_at = Column(UTCDateTime, nullable=False)
    sender = Column(String(8), nullable=False)
    text = Column(Text, nullable=False)
    agent_name = Column(String(64), nullable=True)

    __table_args__ = (
        one_of("sender", Sender),
        UniqueConstraint("conversation_id", "event_key", name="uq_desk_transcript_turns_event"),
        Index("ix_desk_transcript_turns_conversation", "conversation_id", "event_ts"),
        Index("ix_desk_transcript_turns_sent", "sent_at"),
    )


class CustomerCache(Base):
    """What the payment backend said about a customer (masked phone), cached."""

    __tablename__ = "desk_customers"

    id = Column(String(32), primary_key=True)
    name = Column(String(64), nullable=True)
    phone_masked = Column(String(32), nullable=True)
    fetched_at = Column(UTCDateTime, nullable=True)
    failed_at = Column(UTCDateTime, nullable=True)
