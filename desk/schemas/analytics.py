"""Shapes of ratings (action server → desk) and of the analytics API (supervisors)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Optional

from pydantic import BaseModel, Field, StrictBool, conint, constr, validator

from desk.schemas.common import ResponseModel, clean_text

MAX_COMMENT = 2000

# --- ratings (docs/contracts.md, "Ratings") --------------------------------------------------


class RatingIn(BaseModel):
    """``POST /api/internal/ratings`` from the action server."""

    conversation_id: constr(min_length=1, max_length=255)
    channel: constr(regex=r"^[a-z][a-z0-9_]{0,31}$")
    language: constr(regex=r"^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$") = "zh-Hans"
    human_involved: StrictBool
    main_intent: Optional[constr(regex=r"^[A-Za-z][A-Za-z0-9_]{0,63}$")] = None
    score: conint(strict=True, ge=1, le=5)
    comment: Optional[constr(strict=True, max_length=MAX_COMMENT)] = None
    rated_at: Optional[datetime] = Field(
        None, description="When the customer rated (ISO 8601 with offset); default: now"
    )
    # Not in the contract yet: the Rasa session being rated, so that a customer whose sender id
    # never changes (WeChat openid, a widget that keeps its session) can rate each conversation.
    session_id: Optional[constr(min_length=1, max_length=64)] = None

    class Config:
        extra = "ignore"  # tolerant reader, like the handoff request
        anystr_strip_whitespace = True

    _clean = validator("comment", allow_reuse=True)(clean_text)

    @validator("comment")
    def _empty_is_none(cls, value: Optional[str]) -> Optional[str]:
        return value or None

    @validator("rated_at")
    def _needs_offset(cls, value: Optional[datetime]) -> Optional[datetime]:
        if value is not None and value.tzinfo is None:
            raise ValueError("needs a time zone offset, e.g. 2026-11-26T19:00:00+00:00")
        return value


class RatingAccepted(ResponseModel):
    """The stored rating (201), or the conversation's first one (200)."""

    id: int


# --- analytics -------------------------------------------------------------------------------


class IntentCount(ResponseModel):
    """User messages of one intent."""

    intent: str
    count: int


class CsatGroup(ResponseModel):
    """Ratings of one kind of conversation."""

    count: int
    avg: Optional[float]


class DayFigures(ResponseModel):
    """One day of the period (conversations are filed under their first user message's day)."""

    date: date
    conversations: int
    contained: int
    handed_off: int
    containment_rate: Optional[float]
    user_messages: int
    fallback_messages: int
    fallback_rate: Optional[float]
    handoff_tickets: int
    csat_count: int
    csat_avg: Optional[float]
    median_first_response_seconds: Optional[float]
    median_resolution_seconds: Optional[float]


class AnalyticsSummary(BaseModel):
    """``GET /api/analytics/summary``: the contract keys first, then the dashboard's extras.

    Rates are fractions (0.75 = 75 %) and ``null`` when there is nothing to divide by.
    """

    conversations: int = Field(description="Rasa sessions with at least one user message")
    containment_rate: Optional[float] = Field(description="contained / conversations")
    handoffs_by_reason: dict[str, int] = Field(description="Desk tickets opened, by reason")
    csat_count: int
    csat_avg: Optional[float]
    fallback_rate: Optional[float] = Field(description="nlu_fallback messages / user messages")
    top_intents: list[IntentCount]

    since: date
    until: date
    timezone: str
    contained: int
    handed_off: int
    user_messages: int
    fallback_messages: int
    out_of_scope_messages: int
    unanswered_messages: int
    handoffs: int
    csat_distribution: dict[str, int]
    csat_by_human: dict[str, CsatGroup]
    csat_distribution_by_human: dict[str, dict[str, int]]
    median_first_response_seconds: Optional[float]
    median_resolution_seconds: Optional[float]
    conversations_per_day: list[DayFigures]
    events_source_ok: bool = Field(description="False: Rasa's events could not be read now")
    events_through_id: int = Field(description="Last event id of Rasa's events copied")
    events_caught_up: bool


class UnansweredExample(ResponseModel):
    """One distinct customer text and how often it was sent."""

    text: str
    count: int


class UnansweredGroupOut(ResponseModel):
    """Similar unanswered customer messages."""

    messages: int
    intents: dict[str, int]
    examples: list[UnansweredExample]
    first_seen: datetime
    last_seen: datetime
    nlu_yaml: str = Field(description="The group as NLU training candidates for data/nlu")


class UnansweredOut(ResponseModel):
    """``GET /api/analytics/unanswered``."""

    since: date
    until: date
    messages: int
    distinct_texts: int
    grouped_texts: int
    groups: list[UnansweredGroupOut]
