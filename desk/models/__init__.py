"""SQLAlchemy tables of the desk; importing this package registers all of them."""

from desk.models.agent import Agent, AgentSession, LoginCounter
from desk.models.analytics import (
    AnalyticsConversation,
    AnalyticsIntentDay,
    AnalyticsState,
    Rating,
    UnansweredMessage,
)
from desk.models.base import Base, metadata
from desk.models.ticket import CustomerCache, Ticket, TicketEvent, TranscriptTurn

__all__ = [
    "Agent",
    "AgentSession",
    "AnalyticsConversation",
    "AnalyticsIntentDay",
    "AnalyticsState",
    "Base",
    "CustomerCache",
    "LoginCounter",
    "Rating",
    "Ticket",
    "TicketEvent",
    "TranscriptTurn",
    "UnansweredMessage",
    "metadata",
]
