"""The customer's wait: place in the queue, an estimate, and the agents' working hours.

Estimate = place in the queue × recent average handling time ÷ agents online, rounded up to
whole minutes (at least 1). The handling time is the mean claim-to-resolve time of the last
``SAMPLE`` tickets resolved in the past week, or ``DESK_DEFAULT_HANDLING_MINUTES`` until
there are ``MIN_SAMPLES`` of them. Outside working hours the time until the next opening is
added, and the customer is told when that is.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Optional

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from desk.models import Ticket
from desk.models.enums import TicketStatus
from desk.services import agents
from desk.services.context import ServiceContext

SAMPLE = 20
MIN_SAMPLES = 3
LOOKBACK = timedelta(days=7)
MAX_MINUTES = 7 * 24 * 60


@dataclass(frozen=True)
class WaitEstimate:
    """What the action server tells a waiting customer."""

    position: int
    estimated_wait_minutes: int
    within_hours: bool
    next_open_at: Optional[datetime]


def queue_position(session: Session, ticket: Ticket) -> int:
    """1-based place of a waiting ticket: priority first, then who has waited longest."""
    ahead = session.execute(
        select(func.count(Ticket.id)).where(
            Ticket.status == TicketStatus.WAITING.value,
            Ticket.id != ticket.id,
            or_(
                Ticket.priority_rank < ticket.priority_rank,
                and_(
                    Ticket.priority_rank == ticket.priority_rank,
                    or_(
                        Ticket.created_at < ticket.created_at,
                        and_(Ticket.created_at == ticket.created_at, Ticket.id < ticket.id),
                    ),
                ),
            ),
        )
    ).scalar()
    return int(ahead or 0) + 1


def average_handling_minutes(ctx: ServiceContext) -> float:
    """Mean claim-to-resolve minutes of recent tickets, or the configured default."""
    since = ctx.now() - LOOKBACK
    with ctx.db.session() as session:
        rows = session.execute(
            select(Ticket.claimed_at, Ticket.resolved_at)
            .where(
                Ticket.status == TicketStatus.RESOLVED.value,
                Ticket.claimed_at.isnot(None),
                Ticket.resolved_at >= since,
            )
            .order_by(Ticket.resolved_at.desc())
            .limit(SAMPLE)
        ).all()
    durations = [
        (resolved - claimed).total_seconds() / 60
        for claimed, resolved in rows
        if resolved is not None and claimed is not None and resolved >= claimed
    ]
    if len(durations) < MIN_SAMPLES:
        return ctx.settings.default_handling_minutes
    return max(0.5, sum(durations) / len(durations))


def estimate(ctx: ServiceContext, position: int) -> WaitEstimate:
    """The estimate for a ticket at ``position`` (0: an agent already has it)."""
    now = ctx.now()
    within = ctx.hours.is_open(now)
    next_open = None if within else ctx.hours.next_open(now)
    if position <= 0:
        minutes = 0
    else:
        per_agent = average_handling_minutes(ctx) / agents.online_agent_count(ctx)
        minutes = max(1, math.ceil(position * per_agent))
    if next_open is not None:
        minutes += math.ceil((next_open - now).total_seconds() / 60)
    return WaitEstimate(
        position=max(0, position),
        estimated_wait_minutes=min(minutes, MAX_MINUTES),
        within_hours=within,
        next_open_at=next_open,
    )
