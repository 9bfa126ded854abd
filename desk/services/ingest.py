"""Incremental copy of Rasa's events into the desk's analytics tables.

Why a copy and not a query: the events table grows by every event of every conversation
(months of it), its ``data`` is JSON text that neither SQLite nor PostgreSQL can index as
written, and it may live in another database than the desk's. So the desk reads it once, in
id order (the table's primary key: each step is an index range scan), and keeps per-session
counters, per-day intent counts and the unanswered messages in its own indexed tables. A
dashboard query then touches a few rows per day, however long the history.

Each step reads up to ``DESK_ANALYTICS_BATCH_SIZE`` rows after the cursor, and applies them and
moves the cursor in one desk transaction under a lock of the state row, so every event is
counted exactly once even with several desk processes.

Sessions: a ``session_started`` event opens a new session of its sender, and so does a
sender's first event; every other event belongs to the sender's latest session. Sessions with
no user message are kept but never counted (Rasa opens one before the first message).

Ids PostgreSQL handed out but had not committed when the step read past them are kept as
``pending_gaps`` and picked up later (for ``GAP_WAIT``); a replaced events table (the row at
the cursor differs or is gone and the table is shorter) starts a new ``epoch``: what was
copied stays as history and the copy starts again at id 0. A SQLite file that has gone
missing after a copy is "unavailable", not "replaced", until it is back or a new one appears.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from typing import Any, Optional
from zoneinfo import ZoneInfo

from sqlalchemy import and_, delete, func, insert, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from desk.clients.events_source import EventRow, EventsUnavailable
from desk.core.masking import mask_text
from desk.core.metrics import (
    CUSTOMER_MESSAGES,
    EVENTS_COPIED,
    INGEST_ERRORS,
    INGEST_LATENCY,
)
from desk.models import (
    AnalyticsConversation,
    AnalyticsIntentDay,
    AnalyticsState,
    UnansweredMessage,
)
from desk.services.context import ServiceContext

logger = logging.getLogger("desk.analytics")

STATE_NAME = "events"
FALLBACK_INTENT = "nlu_fallback"
OUT_OF_SCOPE_INTENT = "out_of_scope"
UNANSWERED_INTENTS = (FALLBACK_INTENT, OUT_OF_SCOPE_INTENT)
HANDOFF_ACTION = "action_hand_off"
GAP_WAIT = 300.0  # seconds an id skipped over may still turn up
MAX_GAPS = 1000
MAX_TEXT = 2000
_SENDER_CHUNK = 500

_process_lock = threading.Lock()
_last_outage_log = [0.0]


@dataclass
class IngestReport:
    """What one :func:`ingest` call did."""

    copied: int = 0
    last_event_id: int = 0
    source_ok: bool = True
    caught_up: bool = True
    reset: bool = False
    # conversations with events copied by this call (the worker re-reads only those)
    senders: set[str] = field(default_factory=set)


@dataclass
class _Cursor:
    epoch: int
    last_event_id: int
    digest: Optional[str]
    gaps: list[list[float]]
    zone: str
    version: int = 0


@dataclass
class _Applied:
    """Side results of one batch, reported after the commit."""

    messages: Counter = field(default_factory=Counter)


def _timestamp(event: dict[str, Any]) -> Optional[datetime]:
    try:
        value = float(event.get("timestamp"))
    except (TypeError, ValueError):
        return None
    if value != value or value <= 0:  # NaN or nonsense
        return None
    try:
        return datetime.fromtimestamp(value, timezone.utc)
    except (OverflowError, OSError, ValueError):
        return None


def _read_cursor(ctx: ServiceContext) -> _Cursor:
    with ctx.db.session() as session:
        state = session.get(AnalyticsState, STATE_NAME)
        if state is None:
            return _Cursor(0, 0, None, [], ctx.settings.timezone)
        return _Cursor(
            state.epoch,
            int(state.last_event_id),
            state.last_event_digest,
            [list(gap) for gap in state.pending_gaps or []],
            state.timezone,
            int(state.events_copied or 0),
        )


def _unchanged(state: AnalyticsState, cursor: _Cursor) -> bool:
    """Nobody else copied anything since ``cursor`` was read."""
    return (
        state.epoch == cursor.epoch
        and int(state.last_event_id) == cursor.last_event_id
        and int(state.events_copied or 0) == cursor.version
    )


def _lock_state(session: Session, ctx: ServiceContext) -> AnalyticsState:
    """The state row under a row lock (created on first use)."""
    dialect = session.get_bind().dialect.name
    insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
    session.execute(
        insert_fn(AnalyticsState)
        .values(
            name=STATE_NAME,
            epoch=0,
            last_event_id=0,
            pending_gaps=[],
            timezone=ctx.settings.timezone,
            events_copied=0,
            updated_at=ctx.now(),
        )
        .on_conflict_do_nothing(index_elements=["name"])
    )
    return session.execute(
        select(AnalyticsState)
        .where(AnalyticsState.name == STATE_NAME)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).scalar_one()


class _Batch:
    """Applies events to the sessions of their senders, within one desk transaction."""

    def __init__(self, session: Session, epoch: int, zone: ZoneInfo) -> None:
        self.session = session
        self.epoch = epoch
        self.zone = zone
        self.current: dict[str, Optional[AnalyticsConversation]] = {}
        self.intents: Counter = Counter()
        self.unanswered: list[dict[str, Any]] = []
        self.applied = _Applied()

    def load_senders(self, senders: Iterable[str]) -> None:
        """The latest session of each sender, in one query per chunk."""
        wanted = sorted({s for s in senders if s not in self.current})
        for start in range(0, len(wanted), _SENDER_CHUNK):
            chunk = wanted[start : start + _SENDER_CHUNK]
            latest = (
                select(
                    AnalyticsConversation.sender_id.label("sender_id"),
                    func.max(AnalyticsConversation.start_event_id).label("start_id"),
                )
                .where(
                    AnalyticsConversation.epoch == self.epoch,
                    AnalyticsConversation.sender_id.in_(chunk),
                )
                .group_by(AnalyticsConversation.sender_id)
                .subquery()
            )
            rows = self.session.execute(
                select(AnalyticsConversation).join(
                    latest,
                    and_(
                        AnalyticsConversation.epoch == self.epoch,
                        AnalyticsConversation.sender_id == latest.c.sender_id,
                        AnalyticsConversation.start_event_id == latest.c.start_id,
                    ),
                )
            ).scalars()
            found = {row.sender_id: row for row in rows}
            for sender in chunk:
                self.current[sender] = found.get(sender)

    def _containing(self, sender: str, event_id: int) -> Optional[AnalyticsConversation]:
        """The session an event that arrived late belongs to (the latest that began before it)."""
        return (
            self.session.execute(
                select(AnalyticsConversation)
                .where(
                    AnalyticsConversation.epoch == self.epoch,
                    AnalyticsConversation.sender_id == sender,
                    AnalyticsConversation.start_event_id <= event_id,
                )
                .order_by(AnalyticsConversation.start_event_id.desc())
                .limit(1)
            )
            .scalars()
            .first()
        )

    def _open(self, sender: str, event_id: int, moment: datetime) -> AnalyticsConversation:
        conversation = AnalyticsConversation(
            epoch=self.epoch,
            sender_id=sender,
            start_event_id=event_id,
            started_at=moment,
            last_event_at=moment,
            user_messages=0,
            fallback_messages=0,
            out_of_scope_messages=0,
            handoffs=0,
        )
        self.session.add(conversation)
        self.current[sender] = conversation
        return conversation

    def apply(self, row: EventRow) -> None:
        """Count one event into its session."""
        try:
            event = json.loads(row.data)
        except ValueError:
            INGEST_ERRORS.labels("decode").inc()
            return
        if not isinstance(event, dict):
            INGEST_ERRORS.labels("decode").inc()
            return
        sender = row.sender_id or event.get("sender_id")
        if not sender:
            return
        sender = str(sender)[:255]
        if sender not in self.current:
            self.load_senders([sender])
        kind = event.get("event")
        moment = _timestamp(event)
        conversation = self.current.get(sender)
        if conversation is not None and row.id < conversation.start_event_id:
            # committed late (see pending gaps): it belongs to an earlier session
            conversation = self._containing(sender, row.id) or conversation
        elif kind == "session_started" or conversation is None:
            conversation = self._open(sender, row.id, moment or _fallback_time(conversation))
            if kind == "session_started":
                return
        if moment is not None and moment > conversation.last_event_at:
            conversation.last_event_at = moment
        if kind == "user":
            self._user(conversation, row, event, moment or conversation.last_event_at)
        elif kind == "action" and event.get("name") == HANDOFF_ACTION:
            conversation.handoffs += 1

    def _user(
        self,
        conversation: AnalyticsConversation,
        row: EventRow,
        event: dict[str, Any],
        moment: datetime,
    ) -> None:
        parse_data = event.get("parse_data") if isinstance(event.get("parse_data"), dict) else {}
        intent_data = parse_data.get("intent") if isinstance(parse_data.get("intent"), dict) else {}
        intent = intent_data.get("name")
        intent = str(intent)[:64] if intent else None
        if conversation.first_user_at is None:
            conversation.first_user_at = moment
            conversation.day = moment.astimezone(self.zone).date()
            channel = event.get("input_channel")
            conversation.channel = str(channel)[:32] if channel else None
            conversation.first_intent = intent
        conversation.user_messages += 1
        day: date = conversation.day
        if intent:
            self.intents[(day, intent)] += 1
        if intent == FALLBACK_INTENT:
            conversation.fallback_messages += 1
        elif intent == OUT_OF_SCOPE_INTENT:
            conversation.out_of_scope_messages += 1
        self.applied.messages[intent if intent in UNANSWERED_INTENTS else "understood"] += 1
        if intent in UNANSWERED_INTENTS:
            text = event.get("text") if isinstance(event.get("text"), str) else ""
            masked = (mask_text(" ".join(text.split())) or "")[:MAX_TEXT]
            if masked:
                confidence = intent_data.get("confidence")
                self.unanswered.append(
                    {
                        "epoch": self.epoch,
                        "event_id": row.id,
                        "sender_id": conversation.sender_id,
                        "sent_at": moment,
                        "day": day,
                        "intent": intent,
                        "confidence": float(confidence)
                        if isinstance(confidence, (int, float))
                        else None,
                        "text": masked,
                    }
                )

    def finish(self) -> None:
        """Write the per-day intent counts and the unanswered messages."""
        self.session.flush()
        dialect = self.session.get_bind().dialect.name
        insert_fn = pg_insert if dialect == "postgresql" else sqlite_insert
        table = AnalyticsIntentDay.__table__
        for (day, intent), count in sorted(self.intents.items()):
            statement = insert_fn(table).values(day=day, intent=intent, messages=count)
            statement = statement.on_conflict_do_update(
                index_elements=["day", "intent"],
                set_={"messages": table.c.messages + statement.excluded.messages},
            )
            self.session.execute(statement)
        if self.unanswered:
            self.session.execute(insert(UnansweredMessage), self.unanswered)


def _fallback_time(previous: Optional[AnalyticsConversation]) -> datetime:
    if previous is not None:
        return previous.last_event_at
    return datetime.fromtimestamp(0, timezone.utc)


def _new_gaps(previous_id: int, rows: list[EventRow], now: float) -> list[list[float]]:
    """Ids skipped between the cursor and the rows read (none before the very first row)."""
    gaps: list[list[float]] = []
    if previous_id <= 0 and rows:
        previous_id = rows[0].id - 1
    expected = previous_id + 1
    for row in rows:
        if row.id > expected:
            missing = range(expected, row.id)
            if len(missing) > MAX_GAPS:  # a jump, not in-flight transactions
                missing = range(row.id - MAX_GAPS, row.id)
            gaps.extend([float(i), now] for i in missing)
        expected = row.id + 1
    return gaps


def _source_replaced(ctx: ServiceContext, cursor: _Cursor) -> bool:
    """True when the events table is no longer the one the cursor points into."""
    if cursor.last_event_id <= 0:
        return False
    if not ctx.events.exists():
        # Moved away or not mounted: wait for it rather than start again from nothing.
        raise EventsUnavailable("the events database file is missing")
    at_cursor = ctx.events.by_ids([cursor.last_event_id])
    if at_cursor:
        return cursor.digest is not None and at_cursor[0].digest != cursor.digest
    return ctx.events.max_id() < cursor.last_event_id


def _start_new_epoch(ctx: ServiceContext, cursor: _Cursor) -> None:
    with ctx.db.session(write=True) as session:
        state = _lock_state(session, ctx)
        if not _unchanged(state, cursor):
            return
        logger.warning(
            "the events table was replaced; analytics start a new epoch",
            extra={"epoch": state.epoch + 1, "previous_last_event_id": state.last_event_id},
        )
        state.epoch += 1
        state.last_event_id = 0
        state.last_event_digest = None
        state.pending_gaps = []
        state.updated_at = ctx.now()


def _step(
    ctx: ServiceContext, cursor: _Cursor, batch_size: int, senders: set[str]
) -> tuple[int, int, bool]:
    """Copy one batch; (events applied, new last id, whether the batch was full). Adds the
    batch's conversations to ``senders``."""
    now = time.time()
    due = [gap for gap in cursor.gaps if now - gap[1] <= GAP_WAIT]
    late = ctx.events.by_ids([int(gap[0]) for gap in due]) if due else []
    rows = ctx.events.after(cursor.last_event_id, batch_size)
    expired = len(cursor.gaps) - len(due)
    if not rows and not late and not expired:
        return 0, cursor.last_event_id, False
    started = time.perf_counter()
    zone = ZoneInfo(cursor.zone)
    with ctx.db.session(write=True) as session:
        state = _lock_state(session, ctx)
        if not _unchanged(state, cursor):
            return 0, int(state.last_event_id), False  # another process copied it meanwhile
        batch = _Batch(session, cursor.epoch, zone)
        ordered = late + rows
        batch.load_senders(str(row.sender_id)[:255] for row in ordered if row.sender_id)
        for row in ordered:
            batch.apply(row)
        batch.finish()
        found = {row.id for row in late}
        gaps = [gap for gap in due if int(gap[0]) not in found]
        gaps += _new_gaps(cursor.last_event_id, rows, now)
        state.pending_gaps = gaps[-MAX_GAPS:]
        if rows:
            state.last_event_id = rows[-1].id
            state.last_event_digest = rows[-1].digest
        state.events_copied = int(state.events_copied or 0) + len(ordered)
        state.updated_at = ctx.now()
        applied = batch.applied
        last_id = int(state.last_event_id)
    senders.update(str(row.sender_id) for row in ordered if row.sender_id)
    INGEST_LATENCY.observe(time.perf_counter() - started)
    EVENTS_COPIED.inc(len(ordered))
    for outcome, count in applied.messages.items():
        CUSTOMER_MESSAGES.labels(outcome).inc(count)
    return len(ordered), last_id, len(rows) >= batch_size


def ingest(ctx: ServiceContext, *, max_events: Optional[int] = None) -> IngestReport:
    """Copy new events until caught up or ``max_events`` were copied (None: no limit)."""
    report = IngestReport()
    batch_size = ctx.settings.analytics_batch_size
    with _process_lock:
        try:
            cursor = _read_cursor(ctx)
            if _source_replaced(ctx, cursor):
                _start_new_epoch(ctx, cursor)
                report.reset = True
                cursor = _read_cursor(ctx)
            while True:
                copied, last_id, full = _step(ctx, cursor, batch_size, report.senders)
                report.copied += copied
                report.last_event_id = last_id
                if not full:
                    break
                if max_events is not None and report.copied >= max_events:
                    report.caught_up = False
                    break
                cursor = _read_cursor(ctx)
        except EventsUnavailable as error:
            INGEST_ERRORS.labels("source").inc()
            report.source_ok = False
            report.caught_up = False
            now = time.monotonic()
            if now - _last_outage_log[0] > 60:
                _last_outage_log[0] = now
                logger.warning(
                    "the events database could not be read",
                    extra={"source": ctx.events.description, "error": str(error)[:300]},
                )
    if report.copied:
        logger.debug("analytics events copied", extra={"copied": report.copied})
    if report.last_event_id == 0:
        report.last_event_id = _read_cursor(ctx).last_event_id
    return report


def rebuild(ctx: ServiceContext) -> IngestReport:
    """Forget every copied figure and copy the whole events table again."""
    with _process_lock:
        with ctx.db.session(write=True) as session:
            for model in (
                UnansweredMessage,
                AnalyticsIntentDay,
                AnalyticsConversation,
                AnalyticsState,
            ):
                session.execute(delete(model))
    return ingest(ctx)
