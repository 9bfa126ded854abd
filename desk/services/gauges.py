"""Figures for Prometheus that are a query, read when /metrics is scraped."""

from __future__ import annotations

import logging

from sqlalchemy import func, select

from desk.clients.events_source import EventsUnavailable
from desk.models import AnalyticsState, Ticket
from desk.models.enums import OPEN_STATUSES
from desk.services.context import ServiceContext
from desk.services.ingest import STATE_NAME

logger = logging.getLogger("desk.metrics")

Gauge = tuple[str, str, list[str], dict[tuple[str, ...], float]]


def read(ctx: ServiceContext) -> list[Gauge]:
    """Open tickets, and how far the analytics copy is behind Rasa's events.

    A failing database leaves its gauges out (``desk_up``-style absence) rather than failing
    the whole scrape.
    """
    gauges: list[Gauge] = []
    try:
        with ctx.db.session() as session:
            rows = session.execute(
                select(Ticket.status, Ticket.priority, func.count(Ticket.id))
                .where(Ticket.status.in_(OPEN_STATUSES))
                .group_by(Ticket.status, Ticket.priority)
            ).all()
            state = session.get(AnalyticsState, STATE_NAME)
        values: dict[tuple[str, ...], float] = {
            (status, priority): 0.0
            for status in OPEN_STATUSES
            for priority in ("urgent", "high", "normal")
        }
        for status, priority, count in rows:
            values[(status, priority)] = float(count)
        gauges.append(
            (
                "desk_tickets_open",
                "Open tickets by status and priority.",
                ["status", "priority"],
                values,
            )
        )
        copied_through = float(state.last_event_id) if state is not None else 0.0
    except Exception:
        logger.warning("metrics: the desk database could not be read")
        return gauges
    gauges.append(
        (
            "desk_analytics_copied_event_id",
            "Last id of Rasa's events table copied into the analytics tables.",
            [],
            {(): copied_through},
        )
    )
    source_up = 1.0
    try:
        newest = float(ctx.events.max_id())
        gauges.append(
            (
                "desk_analytics_events_behind",
                "Events written by Rasa and not yet copied for analytics.",
                [],
                {(): max(0.0, newest - copied_through)},
            )
        )
    except EventsUnavailable:
        source_up = 0.0
    gauges.append(
        (
            "desk_analytics_source_up",
            "1 when Rasa's events database can be read.",
            [],
            {(): source_up},
        )
    )
    return gauges
