"""Handoff shapes: the action server's request, the public ticket API, notes and exports."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Optional, Union

from pydantic import BaseModel, Field, StrictBool, constr, validator

from desk.models.enums import Priority, Sender, TicketStatus
from desk.schemas.common import ApiModel, ResponseModel, clean_text

MAX_TEXT = 2000
MAX_LINE = 1000

# --- the action server's request (docs/contracts.md, "Handoff") ---------------------------------


class SummaryIn(BaseModel):
    """What the bot knows: intent, transaction, diagnosis, what it told the customer."""

    intent: Optional[constr(max_length=64)] = None
    transaction_id: Optional[constr(max_length=64)] = None
    diagnosis: Optional[constr(max_length=MAX_TEXT)] = None
    told_customer: list[constr(max_length=MAX_LINE)] = Field(default_factory=list, max_items=50)
    customer_said: Union[
        constr(max_length=MAX_TEXT * 2), list[constr(max_length=MAX_TEXT)], None
    ] = None

    class Config:
        extra = "ignore"  # tolerant reader: a newer action server may send more
        anystr_strip_whitespace = True

    @validator("customer_said", pre=True)
    def _at_most_some_lines(cls, value: Any) -> Any:
        if isinstance(value, list) and len(value) > 50:
            raise ValueError("at most 50 lines")
        return value


class HandoffIn(BaseModel):
    """``POST /api/internal/handoffs`` from the action server."""

    conversation_id: constr(min_length=1, max_length=255)
    channel: constr(regex=r"^[a-z][a-z0-9_]{0,31}$")
    customer_id: Optional[constr(min_length=1, max_length=32)] = None
    language: constr(regex=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$") = "zh-Hans"
    reason: constr(regex=r"^[a-z][a-z0-9_]{0,63}$")
    priority: Priority = Priority.NORMAL
    summary: SummaryIn = Field(default_factory=SummaryIn)

    class Config:
        extra = "ignore"
        anystr_strip_whitespace = True


class HandoffAccepted(ResponseModel):
    """The ticket, the customer's place in the queue, the estimate and the working hours."""

    id: int
    position: int = Field(description="1 = next to be served; 0 when an agent already has it")
    estimated_wait_minutes: int
    within_hours: bool
    next_open_at: Optional[datetime] = Field(
        description="Next opening (local time with offset) when outside working hours"
    )
    status: TicketStatus
    created: bool = Field(description="False when an open ticket of the conversation was reused")


# --- the public ticket API ------------------------------------------------------------------


class AgentRef(ResponseModel):
    """An agent as other agents see them."""

    username: str
    display_name: str


class CustomerOut(ResponseModel):
    """The customer of a ticket, phone masked except the last four digits."""

    id: str
    name: Optional[str]
    phone_masked: Optional[str]


class HandoffOut(ResponseModel):
    """One ticket as ``GET /api/handoffs`` lists it (the contract fields come first)."""

    id: int
    conversation_id: str
    channel: str
    reason: str
    priority: Priority
    status: TicketStatus
    created_at: datetime
    summary: dict[str, Any]
    customer_id: Optional[str]
    assigned_to: Optional[AgentRef]
    resolution: Optional[str]


class TurnOut(ResponseModel):
    """One message of the transcript."""

    sender: Sender
    text: str
    time: datetime
    agent_name: Optional[str] = None


class NoteOut(ResponseModel):
    """An internal note (never shown to the customer)."""

    id: int
    text: str
    author: Optional[AgentRef]
    time: datetime


class HistoryOut(ResponseModel):
    """One entry of the ticket's history."""

    kind: str
    agent: Optional[AgentRef]
    text: Optional[str]
    data: Optional[dict[str, Any]]
    time: datetime


class HandoffDetail(HandoffOut):
    """``GET /api/handoffs/{id}``: the ticket with the whole transcript."""

    transcript: list[TurnOut]
    transcript_live: bool = Field(
        description="False when Rasa could not be reached and the saved copy is shown"
    )
    language: str
    reasons: list[str]
    customer: Optional[CustomerOut]
    claimed_at: Optional[datetime]
    resolved_at: Optional[datetime]
    notes: list[NoteOut]
    history: list[HistoryOut]


class TextIn(ApiModel):
    """``POST /api/handoffs/{id}/messages`` and ``/notes``."""

    text: constr(strict=True, min_length=1, max_length=MAX_TEXT)

    _clean = validator("text", allow_reuse=True)(clean_text)


class MessageOut(ResponseModel):
    """The agent's reply as it was sent."""

    ticket_id: int
    sender: Sender = Sender.AGENT
    text: str
    agent_name: str
    time: datetime


class ResolveIn(ApiModel):
    """``POST /api/handoffs/{id}/resolve``."""

    return_to_bot: StrictBool
    note: Optional[constr(strict=True, max_length=MAX_TEXT)] = None

    _clean = validator("note", allow_reuse=True)(clean_text)
