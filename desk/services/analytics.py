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

import csv
import io
import statistics
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import case, func, select

from desk.core.errors import InvalidRequestError
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
from desk.services.context import ServiceContext
from desk.services.export import FORMULA_PREFIXES

DEFAULT_DAYS = 30
MAX_DAYS = 732  # two years (plus a leap day) in one request
DEFAULT_TOP = 10
MAX_TOP = 50
DATASETS = ("daily", "conversations", "intents", "handoffs", "ratings", "unanswered")


@dataclass(frozen=True)
class Period:
    """Calendar days ``since`` .. ``until`` (both included) in ``zone``."""

    since: date
    until: date
    zone: str

    @property
    def days(self) -> list[date]:
        """Every day of the period in order."""
        return [self.since + timedelta(days=n) for n in range((self.until - self.since).days + 1)]

    def bounds(self) -> tuple[datetime, datetime]:
        """The period as UTC instants: start included, end excluded."""
        zone = ZoneInfo(self.zone)
        start = datetime.combine(self.since, time(0), tzinfo=zone)
        end = datetime.combine(self.until + timedelta(days=1), time(0), tzinfo=zone)
        return start.astimezone(timezone.utc), end.astimezone(timezone.utc)

    def local_day(self, moment: datetime) -> date:
        """The calendar day of an instant in the period's zone."""
        return moment.astimezone(ZoneInfo(self.zone)).date()


def parse_day(value: Optional[str], zone: str, name: str) -> Optional[date]:
    """``YYYY-MM-DD``, or an ISO 8601 date-time taken as its calendar day in ``zone``."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00"))
    except ValueError as error:
        raise InvalidRequestError(
            f"{name} must be an ISO date such as 2026-11-01.",
            details={"errors": [{"loc": ["query", name], "msg": "not an ISO date"}]},
        ) from error
    if moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo(zone)).date()
    return moment.date()


def period_for(
    ctx: ServiceContext, since: Optional[date] = None, until: Optional[date] = None
) -> Period:
    """The requested period; by default the last 30 days up to today (desk time zone)."""
    zone = ctx.settings.timezone
    today = ctx.now().astimezone(ZoneInfo(zone)).date()
    until = until or (max(today, since) if since else today)
    since = since or until - timedelta(days=DEFAULT_DAYS - 1)
    if since > until:
        raise InvalidRequestError(
            "since must not be after until.", code="INVALID_PERIOD", details={"since": str(since)}
        )
    if (until - since).days + 1 > MAX_DAYS:
        raise InvalidRequestError(
            f"The period may span at most {MAX_DAYS} days.", code="INVALID_PERIOD"
        )
    return Period(since, until, zone)


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


# --- CSV export of the underlying rows --------------------------------------------------------


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, datetime):
        return value.isoformat()
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _local(moment: Optional[datetime], zone: ZoneInfo) -> Optional[str]:
    return moment.astimezone(zone).isoformat() if moment is not None else None


def _daily_rows(ctx: ServiceContext, period: Period) -> Iterator[list[Any]]:
    yield [
        "date",
        "conversations",
        "contained",
        "handed_off",
        "containment_rate",
        "user_messages",
        "fallback_messages",
        "fallback_rate",
        "handoff_tickets",
        "csat_count",
        "csat_avg",
        "median_first_response_seconds",
        "median_resolution_seconds",
    ]
    for day in summary(ctx, period).conversations_per_day:
        yield [
            day.date.isoformat(),
            day.conversations,
            day.contained,
            day.handed_off,
            day.containment_rate,
            day.user_messages,
            day.fallback_messages,
            day.fallback_rate,
            day.handoff_tickets,
            day.csat_count,
            day.csat_avg,
            day.median_first_response_seconds,
            day.median_resolution_seconds,
        ]


def _conversation_rows(ctx: ServiceContext, period: Period) -> Iterator[list[Any]]:
    refresh(ctx)
    zone = ZoneInfo(period.zone)
    conv = AnalyticsConversation
    yield [
        "date",
        "conversation_id",
        "session_started_at",
        "first_user_message_at",
        "last_event_at",
        "channel",
        "first_intent",
        "user_messages",
        "fallback_messages",
        "out_of_scope_messages",
        "handoffs",
        "contained",
    ]
    statement = (
        select(conv)
        .where(conv.day >= period.since, conv.day <= period.until)
        .order_by(conv.day, conv.first_user_at, conv.id)
        .execution_options(yield_per=1000)
    )
    with ctx.db.session() as session:
        for row in session.execute(statement).scalars():
            yield [
                row.day.isoformat(),
                row.sender_id,
                _local(row.started_at, zone),
                _local(row.first_user_at, zone),
                _local(row.last_event_at, zone),
                row.channel,
                row.first_intent,
                row.user_messages,
                row.fallback_messages,
                row.out_of_scope_messages,
                row.handoffs,
                row.handoffs == 0,
            ]


def _intent_rows(ctx: ServiceContext, period: Period) -> Iterator[list[Any]]:
    refresh(ctx)
    yield ["date", "intent", "messages"]
    with ctx.db.session() as session:
        yield from (
            [day.isoformat(), intent, messages]
            for day, intent, messages in session.execute(
                select(
                    AnalyticsIntentDay.day, AnalyticsIntentDay.intent, AnalyticsIntentDay.messages
                )
                .where(
                    AnalyticsIntentDay.day >= period.since, AnalyticsIntentDay.day <= period.until
                )
                .order_by(AnalyticsIntentDay.day, AnalyticsIntentDay.messages.desc())
            )
        )


def _handoff_rows(ctx: ServiceContext, period: Period) -> Iterator[list[Any]]:
    zone = ZoneInfo(period.zone)
    start, end = period.bounds()
    yield [
        "ticket_id",
        "conversation_id",
        "created_at",
        "reason",
        "priority",
        "channel",
        "language",
        "status",
        "resolution",
        "first_response_seconds",
        "resolution_seconds",
    ]
    first_message = (
        select(TicketEvent.ticket_id, func.min(TicketEvent.created_at).label("first"))
        .where(TicketEvent.kind == EventKind.MESSAGE.value)
        .group_by(TicketEvent.ticket_id)
        .subquery()
    )
    statement = (
        select(Ticket, first_message.c.first)
        .outerjoin(first_message, first_message.c.ticket_id == Ticket.id)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .order_by(Ticket.created_at, Ticket.id)
    )
    with ctx.db.session() as session:
        for ticket, first in session.execute(statement):
            first_at = first.replace(tzinfo=timezone.utc) if first and not first.tzinfo else first
            yield [
                ticket.id,
                ticket.conversation_id,
                _local(ticket.created_at, zone),
                ticket.reason,
                ticket.priority,
                ticket.channel,
                ticket.language,
                ticket.status,
                ticket.resolution,
                (first_at - ticket.created_at).total_seconds() if first_at else None,
                (ticket.resolved_at - ticket.created_at).total_seconds()
                if ticket.resolved_at
                else None,
            ]


def _rating_rows(ctx: ServiceContext, period: Period) -> Iterator[list[Any]]:
    zone = ZoneInfo(period.zone)
    start, end = period.bounds()
    yield [
        "rating_id",
        "rated_at",
        "conversation_id",
        "channel",
        "language",
        "human_involved",
        "main_intent",
        "score",
        "comment",
    ]
    with ctx.db.session() as session:
        for rating in session.execute(
            select(Rating)
            .where(Rating.rated_at >= start, Rating.rated_at < end)
            .order_by(Rating.rated_at, Rating.id)
        ).scalars():
            yield [
                rating.id,
                _local(rating.rated_at, zone),
                rating.conversation_id,
                rating.channel,
                rating.language,
                rating.human_involved,
                rating.main_intent,
                rating.score,
                rating.comment,
            ]


def _unanswered_rows(ctx: ServiceContext, period: Period) -> Iterator[list[Any]]:
    refresh(ctx)
    zone = ZoneInfo(period.zone)
    yield ["date", "sent_at", "conversation_id", "intent", "confidence", "text"]
    with ctx.db.session() as session:
        for row in session.execute(
            select(UnansweredMessage)
            .where(UnansweredMessage.day >= period.since, UnansweredMessage.day <= period.until)
            .order_by(UnansweredMessage.sent_at, UnansweredMessage.id)
            .execution_options(yield_per=1000)
        ).scalars():
            yield [
                row.day.isoformat(),
                _local(row.sent_at, zone),
                row.sender_id,
                row.intent,
                row.confidence,
                row.text,
            ]


_EXPORTS = {
    "daily": _daily_rows,
    "conversations": _conversation_rows,
    "intents": _intent_rows,
    "handoffs": _handoff_rows,
    "ratings": _rating_rows,
    "unanswered": _unanswered_rows,
}


def export_csv(ctx: ServiceContext, period: Period, dataset: str) -> Iterator[str]:
    """The rows behind one chart as CSV chunks: UTF-8 with BOM, formula-safe cells."""
    if dataset not in _EXPORTS:
        raise InvalidRequestError(f"Unknown dataset; one of {', '.join(DATASETS)}.")
    return _csv_chunks(_EXPORTS[dataset](ctx, period))


def _csv_chunks(rows: Iterator[list[Any]]) -> Iterator[str]:
    yield "\ufeff"
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for count, row in enumerate(rows, start=1):
        writer.writerow([_cell(value) for value in row])
        if count % 500 == 0:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def export_filename(period: Period, dataset: str) -> str:
    """``analytics-<dataset>-<since>-<until>.csv``."""
    return f"analytics-{dataset}-{period.since.isoformat()}-{period.until.isoformat()}.csv"
