"""The rows behind each chart of the dashboard, as CSV downloads (one dataset per chart).

The CSV is UTF-8 with a byte-order mark so spreadsheet programs read the Chinese correctly;
cells a spreadsheet would run as a formula get a leading apostrophe (OWASP "CSV injection").
Rows are streamed in chunks, so a two-year export never sits in memory whole.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

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
from desk.services.analytics.figures import refresh, summary
from desk.services.analytics.period import Period
from desk.services.context import ServiceContext
from desk.services.export import FORMULA_PREFIXES

DATASETS = ("daily", "conversations", "intents", "handoffs", "ratings", "unanswered")


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
