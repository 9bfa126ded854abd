"""Closed value sets of the desk, shared by tables, schemas and services."""

from __future__ import annotations

from service_kit.enums import StrEnum


class Role(StrEnum):
    AGENT = "agent"
    SUPERVISOR = "supervisor"


class SessionKind(StrEnum):
    API = "api"
    WEB = "web"


class Priority(StrEnum):
    URGENT = "urgent"
    HIGH = "high"
    NORMAL = "normal"

    @property
    def rank(self) -> int:
        """Queue order: urgent first."""
        return PRIORITY_RANK[self.value]


PRIORITY_RANK = {"urgent": 0, "high": 1, "normal": 2}


class TicketStatus(StrEnum):
    WAITING = "waiting"
    ASSIGNED = "assigned"
    RESOLVED = "resolved"


OPEN_STATUSES = (TicketStatus.WAITING.value, TicketStatus.ASSIGNED.value)


class Resolution(StrEnum):
    RETURNED_TO_BOT = "returned_to_bot"
    CLOSED = "closed"


class EventKind(StrEnum):
    """What happened to a ticket (its status history, messages and notes)."""

    CREATED = "created"
    HANDOFF_AGAIN = "handoff_again"
    CLAIMED = "claimed"
    REASSIGNED = "reassigned"
    MESSAGE = "message"
    NOTE = "note"
    RESOLVED = "resolved"


class Sender(StrEnum):
    USER = "user"
    BOT = "bot"
    AGENT = "agent"
