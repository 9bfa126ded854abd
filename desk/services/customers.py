"""Who the customer of a ticket is: the backend's profile, cached in the desk database.

The queue reads only the cache, so a slow or absent backend never slows the desk; the cache is
filled when a ticket arrives and refreshed by the background worker (failures are retried
after a minute, entries older than ``customer_cache_ttl_seconds`` are refreshed).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import and_, or_, select

from desk.clients.backend import DirectoryUnavailable
from desk.core.masking import mask_last4
from desk.models import CustomerCache, Ticket
from desk.models.enums import OPEN_STATUSES
from desk.schemas.handoff import CustomerOut
from desk.services.context import ServiceContext

logger = logging.getLogger("desk.customers")

RETRY_AFTER = timedelta(seconds=60)


def refresh(ctx: ServiceContext, customer_id: str) -> bool:
    """Ask the backend about one customer and cache the answer; False if it failed."""
    now = ctx.now()
    try:
        profile = ctx.directory.fetch(customer_id)
        failed = False
    except DirectoryUnavailable as error:
        logger.warning(
            "customer lookup failed", extra={"customer_id": customer_id, "error": str(error)}
        )
        profile, failed = None, True
    with ctx.db.session(write=True) as session:
        row = session.get(CustomerCache, customer_id)
        if row is None:
            row = CustomerCache(id=customer_id)
            session.add(row)
        if failed:
            row.failed_at = now
        else:
            row.name = profile.name[:64] if profile and profile.name else None
            row.phone_masked = mask_last4(profile.phone_masked) if profile else None
            row.fetched_at = now
            row.failed_at = None
    return not failed


def cached(ctx: ServiceContext, customer_ids: Iterable[str]) -> dict[str, CustomerOut]:
    """The cached profiles of these customers (unknown ones get id only)."""
    ids = sorted({customer_id for customer_id in customer_ids if customer_id})
    if not ids:
        return {}
    with ctx.db.session() as session:
        rows = {
            row.id: row
            for row in session.execute(
                select(CustomerCache).where(CustomerCache.id.in_(ids))
            ).scalars()
        }
    result = {}
    for customer_id in ids:
        row = rows.get(customer_id)
        result[customer_id] = CustomerOut(
            id=customer_id,
            name=row.name if row else None,
            phone_masked=row.phone_masked if row else None,
        )
    return result


def refresh_due(ctx: ServiceContext, limit: int = 20) -> int:
    """Refresh customers of open tickets that are missing, stale, or failed a while ago."""
    now = ctx.now()
    stale = now - timedelta(seconds=ctx.settings.customer_cache_ttl_seconds)
    with ctx.db.session() as session:
        ids = (
            session.execute(
                select(Ticket.customer_id)
                .outerjoin(CustomerCache, CustomerCache.id == Ticket.customer_id)
                .where(
                    Ticket.status.in_(OPEN_STATUSES),
                    Ticket.customer_id.isnot(None),
                    or_(
                        CustomerCache.id.is_(None),
                        and_(
                            or_(
                                CustomerCache.fetched_at.is_(None),
                                CustomerCache.fetched_at <= stale,
                            ),
                            or_(
                                CustomerCache.failed_at.is_(None),
                                CustomerCache.failed_at <= now - RETRY_AFTER,
                            ),
                        ),
                    ),
                )
                .distinct()
                .limit(limit)
            )
            .scalars()
            .all()
        )
    for customer_id in ids:
        refresh(ctx, customer_id)
    return len(ids)
