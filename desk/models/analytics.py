"""Customer ratings, and the desk's summary of Rasa's conversation events for the dashboard.

Rasa's event broker writes every tracker event to the ``events`` table of the events database
(docs/contracts.md). The desk never queries that table for a dashboard: it copies it forward
once, in event-id order, into the small tables below (:mod:`desk.services.ingest`):

- ``desk_analytics_state``: how far the copy has got (the last event id) and what it expects;
- ``desk_analytics_conversations``: one row per Rasa session with its counters;
- ``desk_analytics_intent_days``: user messages per day and intent;
- ``desk_analytics_unanswered``: the customer messages that ended in ``nlu_fallback`` or
  ``out_of_scope`` (masked text), for the unanswered-questions view.

Every figure is filed under the *day of its conversation*: the calendar day, in the desk's time
zone, of the conversation's first user message.
"""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Column,
    Date,
    Float,
    Index,
    Integer,
    SmallInteger,
    String,
    Text,
    UniqueConstraint,
)

from desk.models.base import Base, UTCDateTime

# SQLite only auto-increments an INTEGER PRIMARY KEY; elsewhere the ids are 64-bit.
BigId = BigInteger().with_variant(Integer(), "sqlite")


class Rating(Base):
    """A customer's 1-5 rating of a conversation, as the action server reported it."""

    __tablename__ = "desk_ratings"

    id = Column(Integer, primary_key=True, autoincrement=True)
    conversation_id = Column(String(255), nullable=False)
    # "" unless the action server names the Rasa session (see services/ratings.py).
    session_key = Column(String(64), nullable=False, default="")
    channel = Column(String(32), nullable=False)
    language = Column(String(16), nullable=False)
    human_involved = Column(Boolean, nullable=False)
    main_intent = Column(String(64), nullable=True)
    score = Column(SmallInteger, nullable=False)
    comment = Column(Text, nullable=True)
    rated_at = Column(UTCDateTime, nullable=False)
    received_at = Column(UTCDateTime, nullable=False)

    __table_args__ = (
        CheckConstraint("score BETWEEN 1 AND 5", name="score"),
        UniqueConstraint("conversation_id", "session_key", name="uq_desk_ratings_conversation"),
        Index("ix_desk_ratings_rated", "rated_at"),
    )


class AnalyticsState(Base):
    """Where the copy of the events table stands (one row, ``name = 'events'``)."""

    __tablename__ = "desk_analytics_state"

    name = Column(String(32), primary_key=True)
    # Raised when the events table was replaced (ids started again): rows of earlier epochs
    # stay as history, sessions do not continue across epochs.
    epoch = Column(Integer, nullable=False, default=0)
    last_event_id = Column(BigInteger, nullable=False, default=0)
    # SHA-256 of the last copied row: tells a replaced events table from a grown one.
    last_event_digest = Column(String(64), nullable=True)
    # Ids skipped over that may still be committed late (PostgreSQL sequences hand out ids
    # before commit): [[id, first seen (unix time)], ...].
    pending_gaps = Column(JSON, nullable=False, default=list)
    timezone = Column(String(64), nullable=False)
    events_copied = Column(BigInteger, nullable=False, default=0)
    updated_at = Column(UTCDateTime, nullable=False)


class AnalyticsConversation(Base):
    """One Rasa session of one sender, with what the dashboard counts about it."""

    __tablename__ = "desk_analytics_conversations"

    id = Column(BigId, primary_key=True, autoincrement=True)
    epoch = Column(Integer, nullable=False, default=0)
    sender_id = Column(String(255), nullable=False)
    # The session_started event (or the sender's first event) that opened the session.
    start_event_id = Column(BigInteger, nullable=False)
    started_at = Column(UTCDateTime, nullable=False)
    last_event_at = Column(UTCDateTime, nullable=False)
    first_user_at = Column(UTCDateTime, nullable=True)
    # Day of the first user message (desk time zone); NULL while there is none.
    day = Column(Date, nullable=True)
    channel = Column(String(32), nullable=True)
    first_intent = Column(String(64), nullable=True)
    user_messages = Column(Integer, nullable=False, default=0)
    fallback_messages = Column(Integer, nullable=False, default=0)
    out_of_scope_messages = Column(Integer, nullable=False, default=0)
    # action_hand_off executions: 0 means the bot contained the conversation.
    handoffs = Column(Integer, nullable=False, default=0)

    __table_args__ = (
        UniqueConstraint("epoch", "start_event_id", name="uq_desk_analytics_conversations_start"),
        Index("ix_desk_analytics_conversations_sender", "epoch", "sender_id", "start_event_id"),
        Index("ix_desk_analytics_conversations_day", "day"),
    )


class AnalyticsIntentDay(Base):
    """How many user messages of the day's conversations had this intent."""

    __tablename__ = "desk_analytics_intent_days"

    day = Column(Date, primary_key=True)
    intent = Column(String(64), primary_key=True)
    messages = Column(Integer, nullable=False, default=0)


class UnansweredMessage(Base):
    """A customer message that ended in ``nlu_fallback`` or ``out_of_scope`` (masked text)."""

    __tablename__ = "desk_analytics_unanswered"

    id = Column(BigId, primary_key=True, autoincrement=True)
    epoch = Column(Integer, nullable=False, default=0)
    event_id = Column(BigInteger, nullable=False)
    sender_id = Column(String(255), nullable=False)
    sent_at = Column(UTCDateTime, nullable=False)
    day = Column(Date, nullable=False)
    intent = Column(String(64), nullable=False)
    confidence = Column(Float, nullable=True)
    text = Column(Text, nullable=False)

    __table_args__ = (
        UniqueConstraint("epoch", "event_id", name="uq_desk_analytics_unanswered_event"),
        Index("ix_desk_analytics_unanswered_day", "day"),
    )
