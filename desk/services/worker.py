"""Background work of a running desk: keep open transcripts and customers fresh, copy Rasa's
events for analytics, purge sessions.

One daemon thread per process. Every ``DESK_SYNC_INTERVAL_SECONDS`` it copies new events of
Rasa's events table into the analytics tables (so the dashboard never waits for a long
backlog), re-reads the Rasa tracker of each open ticket (so the saved copy and search follow the
conversation even when nobody has it open) and of tickets resolved in the last ``RECENT`` (the
bot's greeting back or closing message), refreshes customer profiles that are due, and every
so often deletes expired sessions, and every ``RETENTION_EVERY`` (and on its first round) the
transcript turns older than ``RETENTION_DAYS``. Failures are logged and retried on the next
round.

Only conversations that the copy just saw new events of are re-read, and all of them every
``FULL_REFRESH_ROUNDS`` rounds or when the events table could not be read (another desk process
may have copied a conversation's events). During an outage hundreds of tickets wait while their
customers have left; reading every one of their trackers every round was a steady load on the
Rasa server for nothing, growing with the number of waiting tickets.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import timedelta
from typing import Optional

from sqlalchemy import or_, select

from desk.models import Ticket
from desk.models.enums import OPEN_STATUSES
from desk.services import customers, ingest, sessions, transcripts
from desk.services.context import ServiceContext

logger = logging.getLogger("desk.worker")

RECENT = timedelta(minutes=15)
PURGE_EVERY_ROUNDS = 120
# Retention is counted in days: a few runs a day keep the tables near their bound.
RETENTION_EVERY_SECONDS = 6 * 3600
FULL_REFRESH_ROUNDS = 12
# Events copied per round at most, so transcripts stay fresh while a backlog is worked off.
INGEST_PER_ROUND = 20_000


def conversations_to_follow(ctx: ServiceContext, limit: int = 200) -> list[str]:
    """Conversations of open tickets and of tickets resolved recently."""
    since = ctx.now() - RECENT
    with ctx.db.session() as session:
        return list(
            session.execute(
                select(Ticket.conversation_id)
                .where(or_(Ticket.status.in_(OPEN_STATUSES), Ticket.resolved_at >= since))
                .distinct()
                .limit(limit)
            ).scalars()
        )


def run_once(
    ctx: ServiceContext,
    *,
    purge: bool = False,
    full_refresh: bool = True,
    retention: bool = False,
) -> None:
    """One round of the background work (``full_refresh``: re-read every followed
    conversation, not only those with new events; ``retention``: delete old transcripts)."""
    if retention:
        try:
            transcripts.enforce_retention(ctx)
        except Exception:
            logger.exception("transcript retention failed")
    changed: Optional[set[str]] = None
    try:
        report = ingest.ingest(ctx, max_events=INGEST_PER_ROUND)
        if report.source_ok and not full_refresh:
            changed = report.senders
    except Exception:
        logger.exception("analytics copy failed")
    for conversation_id in conversations_to_follow(ctx):
        if changed is None or conversation_id in changed:
            transcripts.sync(ctx, conversation_id)
    customers.refresh_due(ctx)
    if purge:
        sessions.purge_expired(ctx)


class SyncWorker:
    """The daemon thread that calls :func:`run_once` on an interval."""

    def __init__(self, ctx: ServiceContext, interval_seconds: float) -> None:
        self.ctx = ctx
        self.interval = interval_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="desk-sync", daemon=True)

    def start(self) -> None:
        """Start the thread."""
        self._thread.start()

    def stop(self, timeout: float = 10.0) -> None:
        """Ask the thread to finish its round and wait for it."""
        self._stop.set()
        self._thread.join(timeout)

    def _run(self) -> None:
        rounds = 0
        retention_due = time.monotonic()
        while not self._stop.wait(self.interval):
            rounds += 1
            retention = time.monotonic() >= retention_due
            try:
                run_once(
                    self.ctx,
                    purge=rounds % PURGE_EVERY_ROUNDS == 1,
                    full_refresh=rounds % FULL_REFRESH_ROUNDS == 1,
                    retention=retention,
                )
            except Exception:
                logger.exception("background sync round failed")
            if retention:  # done or failed: the next try is a period away either way
                retention_due = time.monotonic() + RETENTION_EVERY_SECONDS
