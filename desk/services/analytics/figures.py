"""The supervisors' figures for a period of days (docs/contracts.md, "Conversation events").

Definitions (the period is whole calendar days in the desk's time zone, both ends included):

- **conversation**: a Rasa session with at least one user message, filed under the day of its
  first user message; **contained** when no ``action_hand_off`` ran in it;
  containment rate = contained / conversations.
- **fallback rate**: user messages whose intent is ``nlu_fallback`` / all user messages, of the
  period's conversations; **top intents**: those messages' intents by count (``nlu_fallback``
  and button payloads included as what they are).
- **handoffs by reason**: desk tickets opened in the period, by the reason they were opened for.
- **CSAT**: ratings given in the period (``rated_at``): count, mean score, distribution, and the
  same split by whether a person was involved.
- **first response**: from a ticket's opening to the first agent message sent to the
  customer (tickets opened in the period that got one); **resolution**: from opening to
  resolved (tickets opened in the period and resolved). Medians, in seconds.

Conversation figures come from the copy of Rasa's events (:mod:`desk.services.ingest`), which
is brought up to date first; tickets and ratings from the desk's own tables.
"""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

from sqlalchemy import case, func, select

from desk.models import (
    AnalyticsConversation,
    AnalyticsIntentDay,
    Rating,
    Ticket,
    TicketEvent,
    UnansweredMessage,
)
from desk.models.enums import EventKind
from desk.schemas.analytics import AnalyticsSummary, CsatGroup, DayFigures, IntentCount
from desk.services import ingest
from desk.services.analytics.period import Period
from desk.services.context import ServiceContext

DEFAULT_TOP = 10
MAX_TOP = 50


def refresh(ctx: ServiceContext) -> ingest.IngestReport:
    """Bring the copy of Rasa's events up to date (bounded; the background thread goes on)."""
    return ingest.ingest(ctx, max_events=ctx.settings.analytics_request_catch_up)


def _rate(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def _median(values: list[float]) -> Optional[float]:
    return float(statistics.median(values)) if values else None


@dataclass
class _TicketTimes:
    by_reason: Counter
    per_day: Counter
    first_response: dict[date, list[float]]
    resolution: dict[date, list[float]]


def _ticket_times(ctx: ServiceContext, period: Period) -> _TicketTimes:
    start, end = period.bounds()
    in_period = (Ticket.created_at >= start, Ticket.created_at < end)
    times = _TicketTimes(Counter(), Counter(), defaultdict(list), defaultdict(list))
    with ctx.db.session() as session:
        for created_at, reason in session.execute(
            select(Ticket.created_at, Ticket.reason).where(*in_period)
        ):
            times.by_reason[reason] += 1
            times.per_day[period.local_day(created_at)] += 1
        first_message = func.min(TicketEvent.created_at)
        for created_at, first in session.execute(
            select(Ticket.created_at, first_message)
            .join(TicketEvent, TicketEvent.ticket_id == Ticket.id)
            .where(*in_period, TicketEvent.kind == EventKind.MESSAGE.value)
            .group_by(Ticket.id, Ticket.created_at)
        ):
            if first is not None:
                seconds = max(0.0, (first - created_at).total_seconds())
                times.first_response[period.local_day(created_at)].append(seconds)
        for created_at, resolved_at in session.execute(
            select(Ticket.created_at, Ticket.resolved_at).where(
                *in_period, Ticket.resolved_at.isnot(None)
            )
        ):
            seconds = max(0.0, (resolved_at - created_at).total_seconds())
            times.resolution[period.local_day(created_at)].append(seconds)
    return times


def _ratings(ctx: ServiceContext, period: Period) -> dict[tuple[date, int, bool], int]:
    start, end = period.bounds()
    counts: dict[tuple[date, int, bool], int] = Counter()
    with ctx.db.session() as session:
        for rated_at, score, human in session.execute(
            select(Rating.rated_at, Rating.score, Rating.human_involved).where(
                Rating.rated_at >= start, Rating.rated_at < end
            )
        ):
            counts[(period.local_day(rated_at), int(score), bool(human))] += 1
    return counts


def _csat(counts: dict[tuple[int, bool], int]) -> CsatGroup:
    total = sum(counts.values())
    points = sum(score * n for (score, _human), n in counts.items())
    return CsatGroup(count=total, avg=points / total if total else None)


def summary(
    ctx: ServiceContext,
    period: Period,
    *,
    top: int = DEFAULT_TOP,
    report: Optional[ingest.IngestReport] = None,
) -> AnalyticsSummary:
    """Every figure of the dashboard for the period."""
    report = report or refresh(ctx)
    conv = AnalyticsConversation
    in_days = (conv.day >= period.since, conv.day <= period.until)
    with ctx.db.session() as session:
        per_day_rows = session.execute(
            select(
                conv.day,
                func.count(conv.id),
                func.sum(case((conv.handoffs == 0, 1), else_=0)),
                func.sum(conv.user_messages),
                func.sum(conv.fallback_messages),
                func.sum(conv.out_of_scope_messages),
            )
            .where(*in_days)
            .group_by(conv.day)
        ).all()
        intent_total = func.sum(AnalyticsIntentDay.messages)
        intent_rows = session.execute(
            select(AnalyticsIntentDay.intent, intent_total)
            .where(AnalyticsIntentDay.day >= period.since, AnalyticsIntentDay.day <= period.until)
            .group_by(AnalyticsIntentDay.intent)
            .order_by(intent_total.desc(), AnalyticsIntentDay.intent)
            .limit(max(1, min(top, MAX_TOP)))
        ).all()
        unanswered = session.execute(
            select(func.count(UnansweredMessage.id)).where(
                UnansweredMessage.day >= period.since, UnansweredMessage.day <= period.until
            )
        ).scalar()
    days: dict[date, tuple[int, int, int, int, int]] = {
        row[0]: tuple(int(value or 0) for value in row[1:]) for row in per_day_rows
    }
    tickets = _ticket_times(ctx, period)
    ratings = _ratings(ctx, period)

    per_day: list[DayFigures] = []
    for day in period.days:
        count, contained, users, fallbacks, _oos = days.get(day, (0, 0, 0, 0, 0))
        day_ratings = {(s, h): n for (d, s, h), n in ratings.items() if d == day}
        csat = _csat(day_ratings)
        per_day.append(
            DayFigures(
                date=day,
                conversations=count,
                contained=contained,
                handed_off=count - contained,
                containment_rate=_rate(contained, count),
                user_messages=users,
                fallback_messages=fallbacks,
                fallback_rate=_rate(fallbacks, users),
                handoff_tickets=tickets.per_day.get(day, 0),
                csat_count=csat.count,
                csat_avg=csat.avg,
                median_first_response_seconds=_median(tickets.first_response.get(day, [])),
                median_resolution_seconds=_median(tickets.resolution.get(day, [])),
            )
        )
    conversations = sum(values[0] for values in days.values())
    contained = sum(values[1] for values in days.values())
    user_messages = sum(values[2] for values in days.values())
    fallback_messages = sum(values[3] for values in days.values())
    by_score_human: Counter = Counter()
    for (_day, score, human), n in ratings.items():
        by_score_human[(score, human)] += n
    overall = _csat(by_score_human)
    return AnalyticsSummary(
        conversations=conversations,
        containment_rate=_rate(contained, conversations),
        handoffs_by_reason=dict(sorted(tickets.by_reason.items(), key=lambda kv: (-kv[1], kv[0]))),
        csat_count=overall.count,
        csat_avg=overall.avg,
        fallback_rate=_rate(fallback_messages, user_messages),
        top_intents=[IntentCount(intent=name, count=int(n or 0)) for name, n in intent_rows],
        since=period.since,
        until=period.until,
        timezone=period.zone,
        contained=contained,
        handed_off=conversations - contained,
        user_messages=user_messages,
        fallback_messages=fallback_messages,
        out_of_scope_messages=sum(values[4] for values in days.values()),
        unanswered_messages=int(unanswered or 0),
        handoffs=sum(tickets.by_reason.values()),
        csat_distribution={
            str(score): sum(n for (s, _h), n in by_score_human.items() if s == score)
            for score in range(1, 6)
        },
        csat_by_human={
            "bot_only": _csat({k: n for k, n in by_score_human.items() if not k[1]}),
            "with_human": _csat({k: n for k, n in by_score_human.items() if k[1]}),
        },
        csat_distribution_by_human={
            group: {str(score): by_score_human.get((score, human), 0) for score in range(1, 6)}
            for group, human in (("bot_only", False), ("with_human", True))
        },
        median_first_response_seconds=_median(
            [s for values in tickets.first_response.values() for s in values]
        ),
        median_resolution_seconds=_median(
            [s for values in tickets.resolution.values() for s in values]
        ),
        conversations_per_day=per_day,
        events_source_ok=report.source_ok,
        events_through_id=report.last_event_id,
        events_caught_up=report.caught_up,
    )


@dataclass(frozen=True)
class RatingComment:
    """A rating with a comment, for the dashboard's list of what customers wrote."""

    rated_at: datetime
    score: int
    channel: str
    human_involved: bool
    comment: str
    conversation_id: str
    ticket_id: Optional[int]


def recent_comments(ctx: ServiceContext, period: Period, limit: int = 20) -> list[RatingComment]:
    """The period's latest ratings that carry a comment, lowest scores first among equals."""
    start, end = period.bounds()
    latest_ticket = (
        select(func.max(Ticket.id))
        .where(Ticket.conversation_id == Rating.conversation_id)
        .correlate(Rating)
        .scalar_subquery()
    )
    with ctx.db.session() as session:
        rows = session.execute(
            select(Rating, latest_ticket)
            .where(Rating.rated_at >= start, Rating.rated_at < end, Rating.comment.isnot(None))
            .order_by(Rating.rated_at.desc(), Rating.score, Rating.id.desc())
            .limit(limit)
        ).all()
    return [
        RatingComment(
            rated_at=rating.rated_at,
            score=int(rating.score),
            channel=rating.channel,
            human_involved=bool(rating.human_involved),
            comment=rating.comment or "",
            conversation_id=rating.conversation_id,
            ticket_id=ticket_id,
        )
        for rating, ticket_id in rows
    ]
