"""Transcripts: read from the Rasa tracker, masked, and kept in the desk database.

The tracker (already redacted by the bot) is the source of truth. Each read copies new turns
into ``transcript_turns`` — user messages, bot messages and agents' messages (bot events whose
``custom.type`` is ``agent_message``) — so search works and the desk can still show the
conversation when Rasa is down. A turn is identified by a digest of its event type, Rasa
timestamp and text, so repeated reads never duplicate it.

Retention: turns older than ``RETENTION_DAYS`` are deleted (:func:`enforce_retention`, run by
the worker and by ``python -m desk.cli retention``), as the Rasa side deletes the trackers'
(``addons/stores/retention.py``).
"""

from __future__ import annotations

import hashlib
import logging
import threading
import time
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from typing import Any, Optional

from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from desk.clients.rasa import AGENT_MESSAGE, RasaError
from desk.core.masking import mask_text
from desk.models import TranscriptTurn
from desk.models.enums import Sender
from desk.services.context import ServiceContext

logger = logging.getLogger("desk.transcripts")


@dataclass(frozen=True)
class ParsedTurn:
    """One message taken from a tracker event."""

    event_key: str
    event_ts: float
    sent_at: datetime
    sender: str
    text: str
    agent_name: Optional[str]


def _event_text(event: dict[str, Any]) -> Optional[str]:
    text = event.get("text")
    if isinstance(text, str) and text.strip():
        return text
    custom = (event.get("data") or {}).get("custom")
    if isinstance(custom, dict) and isinstance(custom.get("text"), str) and custom["text"].strip():
        return custom["text"]
    return None


def parse_events(events: list[dict[str, Any]]) -> list[ParsedTurn]:
    """The user, bot and agent messages of a tracker's events, in order, masked."""
    turns = []
    for event in events:
        kind = event.get("event")
        if kind not in ("user", "bot"):
            continue
        text = _event_text(event)
        if text is None:
            continue
        agent_name = None
        sender = Sender.USER.value
        if kind == "bot":
            sender = Sender.BOT.value
            custom = (event.get("data") or {}).get("custom")
            if isinstance(custom, dict) and custom.get("type") == AGENT_MESSAGE:
                sender = Sender.AGENT.value
                metadata = event.get("metadata") or {}
                name = custom.get("agent_name") or metadata.get("agent_name") or ""
                agent_name = str(name)[:64] or None
        try:
            ts = float(event.get("timestamp") or 0.0)
        except (TypeError, ValueError):
            ts = 0.0
        digest = hashlib.sha256(f"{kind}\x1f{ts!r}\x1f{text}".encode()).hexdigest()
        turns.append(
            ParsedTurn(
                event_key=digest,
                event_ts=ts,
                sent_at=datetime.fromtimestamp(ts, timezone.utc),
                sender=sender,
                text=mask_text(text) or "",
                agent_name=agent_name,
            )
        )
    return turns


class _Freshness:
    """When each conversation was last read from Rasa (per process)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._last: dict[str, float] = {}
        self._busy: dict[str, threading.Lock] = {}

    def lock_for(self, conversation_id: str) -> threading.Lock:
        with self._lock:
            return self._busy.setdefault(conversation_id, threading.Lock())

    def is_fresh(self, conversation_id: str, max_age: float) -> bool:
        with self._lock:
            last = self._last.get(conversation_id)
        return last is not None and time.monotonic() - last < max_age

    def mark(self, conversation_id: str) -> None:
        with self._lock:
            self._last[conversation_id] = time.monotonic()
            if len(self._last) > 10_000:
                self._last.clear()
                self._busy = {key: lock for key, lock in self._busy.items() if lock.locked()}


_freshness = _Freshness()


def store_turns(ctx: ServiceContext, conversation_id: str, turns: list[ParsedTurn]) -> int:
    """Insert the turns not stored yet; returns how many were new."""
    if not turns:
        return 0
    with ctx.db.session() as session:
        known = set(
            session.execute(
                select(TranscriptTurn.event_key).where(
                    TranscriptTurn.conversation_id == conversation_id
                )
            ).scalars()
        )
    rows = [
        {
            "conversation_id": conversation_id,
            "event_key": turn.event_key,
            "event_ts": turn.event_ts,
            "sent_at": turn.sent_at,
            "sender": turn.sender,
            "text": turn.text,
            "agent_name": turn.agent_name,
        }
        for turn in turns
        if turn.event_key not in known
    ]
    if not rows:
        return 0
    dialect = ctx.db.engine.dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = insert(TranscriptTurn).on_conflict_do_nothing(
        index_elements=["conversation_id", "event_key"]
    )
    with ctx.db.session(write=True) as session:
        session.execute(statement, rows)
    return len(rows)


def sync(ctx: ServiceContext, conversation_id: str, *, max_age: Optional[float] = None) -> bool:
    """Copy new turns of the conversation from Rasa; False when Rasa could not be read.

    Reads closer together than ``max_age`` seconds (DESK_TRANSCRIPT_CACHE_SECONDS by default)
    reuse the last one, so many agents polling one conversation cost Rasa one read.
    """
    if max_age is None:
        max_age = ctx.settings.transcript_cache_seconds
    if max_age > 0 and _freshness.is_fresh(conversation_id, max_age):
        return True
    with _freshness.lock_for(conversation_id):
        if max_age > 0 and _freshness.is_fresh(conversation_id, max_age):
            return True
        try:
            events = ctx.rasa.tracker_events(conversation_id)
        except RasaError:
            return False
        added = store_turns(ctx, conversation_id, parse_events(events))
        _freshness.mark(conversation_id)
    if added:
        logger.debug("transcript synced", extra={"conversation_id": conversation_id, "new": added})
    return True


def stored_turns(
    ctx: ServiceContext, conversation_id: str, after_id: int = 0
) -> list[TranscriptTurn]:
    """The stored turns of a conversation in order (only those with an id above ``after_id``)."""
    with ctx.db.session() as session:
        statement = (
            select(TranscriptTurn)
            .where(TranscriptTurn.conversation_id == conversation_id)
            .order_by(TranscriptTurn.event_ts, TranscriptTurn.id)
        )
        if after_id:
            statement = statement.where(TranscriptTurn.id > after_id)
        return list(session.execute(statement).scalars())


RETENTION_BATCH = 5000


def purge_older_than(ctx: ServiceContext, before: datetime, batch: int = RETENTION_BATCH) -> int:
    """Deletes the stored turns sent before ``before``, ``batch`` rows per transaction (so
    the desk's other writers never wait long); returns how many."""
    deleted = 0
    while True:
        with ctx.db.session(write=True) as session:
            ids = list(
                session.execute(
                    select(TranscriptTurn.id)
                    .where(TranscriptTurn.sent_at < before)
                    .order_by(TranscriptTurn.id)
                    .limit(batch)
                ).scalars()
            )
            if ids:
                session.execute(delete(TranscriptTurn).where(TranscriptTurn.id.in_(ids)))
        deleted += len(ids)
        if len(ids) < batch:
            return deleted


def enforce_retention(ctx: ServiceContext, days: Optional[int] = None) -> int:
    """Deletes turns older than ``days`` (``RETENTION_DAYS`` by default; 0 keeps all)."""
    days = ctx.settings.retention_days if days is None else days
    if days <= 0:
        return 0
    deleted = purge_older_than(ctx, ctx.now() - timedelta(days=days))
    if deleted:
        logger.info("retention: %d transcript turns older than %d days deleted", deleted, days)
    return deleted
