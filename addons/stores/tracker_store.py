"""SQL tracker store that never stores a secret or a bearer token in clear text, and saves
a turn with one query less than Rasa's.

Everything that leaves the Rasa process through the tracker store (the database, and the
event broker the store streams to) passes ``redact`` first: passwords, verification codes,
card numbers, security codes and ID numbers typed by customers are masked in the message
text and in its parse data, and the customer's identity token is dropped from the message
metadata (the verified customer id is kept in a slot; a token must not be replayable from
storage). The database is given as one SQLAlchemy URL, like every other eepay service.

Saving: Rasa's ``save`` streams the new events to the broker by loading the whole stored
tracker again and diffing it with the new one, then counts the stored events once more to
know what to insert. Here a tracker read from this store remembers how many of its events are
stored, so saving inserts and streams the rest without reading anything: the reload and the
count were the costliest part of a turn's save. A new
conversation's tracker, made by Rasa's ``create_tracker`` right after ``retrieve`` found none
of its events (nothing awaits in between), is known to have nothing stored either. Other
trackers are counted as before. The lock store serialises the turns of one conversation, so
nobody else writes its events in between.

Reading and writing a turn's events go through prebuilt SQLAlchemy Core statements (Rasa's
query of the current session, selecting only the ``data`` column; one multi-row insert)
instead of ORM queries and objects: the ORM's bookkeeping is wasted on rows that are only
ever read back as JSON.

Reading: the tracker a turn saved is kept for the conversation's next turn
(``addons.stores.tracker_cache``), which then only counts the conversation's events in the
database, to be sure no other server has added to it since.
"""

from __future__ import annotations

import itertools
import json
import logging
import os
from pathlib import Path
from typing import Any, Optional

import sqlalchemy as sa
import sqlalchemy.orm
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import SQLTrackerStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import SessionStarted, SlotSet, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker
from rasa.shared.nlu.constants import INTENT_NAME_KEY

from addons.stores import tracker_cache
from service_kit import fast_json
from service_kit.db import StoreTimeouts, ensure_sqlite_directory
from service_kit.redaction import redact
from service_kit.sqlite_tuning import pooled_wal_engine

STORED_EVENTS = "_eepay_stored_events"  # set on trackers read from this store
ALL_STORED_EVENTS = "_eepay_all_stored_events"  # the conversation's, all sessions
DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'rasa.db'}"
TOKEN_METADATA_KEYS = ("customer_token",)
REDACTED = "[redacted]"

logger = logging.getLogger(__name__)


def database_url() -> str:
    """``RASA_DATABASE_URL``, else ``DATABASE_URL``, else a SQLite file in ``var/``."""
    return os.environ.get("RASA_DATABASE_URL") or os.environ.get("DATABASE_URL") or DEFAULT_URL


def redact_user_event(event: UserUttered) -> None:
    """Masks secrets in a user message in place (idempotent)."""
    if event.text:
        event.text, _ = redact(event.text)
    parse_data = event.parse_data or {}
    if parse_data.get("text"):
        parse_data["text"], _ = redact(parse_data["text"])
    for entity in parse_data.get("entities") or []:
        if isinstance(entity.get("value"), str):
            entity["value"], _ = redact(entity["value"])
    # the message metadata is kept twice: on the event and inside its parse data
    for metadata in (event.metadata, parse_data.get("metadata")):
        if isinstance(metadata, dict):
            for key in TOKEN_METADATA_KEYS:
                if metadata.get(key):
                    metadata[key] = REDACTED


def redact_session_metadata(event: SlotSet) -> None:
    """Rasa copies the first message's metadata into ``session_started_metadata``."""
    if event.key == "session_started_metadata" and isinstance(event.value, dict):
        for key in TOKEN_METADATA_KEYS:
            if event.value.get(key):
                event.value[key] = REDACTED


class RedactingSQLTrackerStore(SQLTrackerStore):
    """``SQLTrackerStore`` configured by URL that masks secrets before saving."""

    def __init__(
        self,
        domain: Optional[Domain] = None,
        host: Optional[str] = None,
        event_broker: Optional[EventBroker] = None,
        cache_size: Optional[int] = None,
        **kwargs: dict[str, Any],
    ) -> None:
        """``url`` from endpoints.yml (Rasa passes it as ``host``), else the environment;
        ``cache_size`` (conversations) from endpoints.yml, else ``RASA_TRACKER_CACHE_SIZE``."""
        # PostgreSQL with connect and statement timeouts: the store is called on the event
        # loop, and a database that stops answering must not stall the server for long
        url = StoreTimeouts.from_environment().postgres_url(host or database_url())
        ensure_sqlite_directory(url)
        # SQLTrackerStore.get_db_url passes a full URL given as `host` through unchanged
        super().__init__(domain=domain, host=url, event_broker=event_broker, **kwargs)
        self.engine = pooled_wal_engine(self.engine)
        self.sessionmaker = sa.orm.session.sessionmaker(bind=self.engine)
        events = self.SQLEvent.__table__
        sender = sa.bindparam("sender_id")
        # Rasa's SQLTrackerStore._event_query: the events since the latest session start
        session_start = (
            sa.select(sa.func.max(events.c.timestamp))
            .where(events.c.sender_id == sender, events.c.type_name == SessionStarted.type_name)
            .scalar_subquery()
        )
        self._current_session = (
            sa.select(events.c.data)
            .where(
                events.c.sender_id == sender,
                sa.or_(events.c.timestamp >= session_start, session_start.is_(None)),
            )
            .order_by(events.c.id)
        )
        self._all_sessions = (
            sa.select(events.c.data).where(events.c.sender_id == sender).order_by(events.c.id)
        )
        self._count_events = (
            sa.select(sa.func.count()).select_from(events).where(events.c.sender_id == sender)
        )
        self._insert = events.insert()
        # the sender the last retrieve found no event of (see save)
        self._found_empty: Optional[str] = None
        self.cache = tracker_cache.TrackerCache(
            tracker_cache.size_from_environment() if cache_size is None else int(cache_size)
        )
        # True when no other server can add to this server's conversations (see _kept_tracker)
        self.sole_writer = False

    def declare_sole_writer(self, sole_writer: bool) -> None:
        """Whether this server is the only writer of its conversations (its lock store is in
        memory). Told by the agent once it has built both stores (``addons.serving.sole_writer``);
        logged, so a running server shows which way its kept trackers are checked."""
        self.sole_writer = sole_writer
        if sole_writer:
            logger.info(
                "Tracker store: sole writer (in-memory lock store); a kept tracker is used "
                "without counting the conversation's stored events"
            )
        else:
            logger.info(
                "Tracker store: shared (the lock store is not in memory); a kept tracker is "
                "used only if the conversation's stored events still match it"
            )

    async def save(self, tracker: DialogueStateTracker) -> None:
        """Masks every user message, stores the new events and streams them to the broker."""
        for event in tracker.events:
            if isinstance(event, UserUttered):
                redact_user_event(event)
            elif isinstance(event, SlotSet):
                redact_session_metadata(event)
        stored = getattr(tracker, STORED_EVENTS, None)
        all_stored = getattr(tracker, ALL_STORED_EVENTS, None)
        if stored is None and tracker.sender_id == self._found_empty and len(tracker.events) <= 1:
            stored = all_stored = 0  # Rasa's create_tracker, just after retrieve found none
        self._found_empty = None
        # only a tracker whose stored events are known exactly is kept for the next turn
        known = stored is not None and stored <= len(tracker.events)
        if not known:
            with self.session_scope() as session:
                new_events = list(self._additional_events(session, tracker))
        else:
            new_events = list(itertools.islice(tracker.events, stored, None))
        serialised = [event.as_dict() for event in new_events]
        rows = [
            {
                "sender_id": tracker.sender_id,
                "type_name": event.type_name,
                "timestamp": data.get("timestamp"),
                "intent_name": data.get("parse_data", {}).get("intent", {}).get(INTENT_NAME_KEY),
                "action_name": data.get("name"),
                "data": fast_json.dumps(data),
            }
            for event, data in zip(new_events, serialised, strict=True)
        ]
        if rows:
            with self.engine.begin() as connection:
                connection.execute(self._insert, rows)
        setattr(tracker, STORED_EVENTS, len(tracker.events))
        if known and all_stored is not None:
            # nobody else writes the conversation during the turn (the lock store)
            all_stored += len(rows)
            setattr(tracker, ALL_STORED_EVENTS, all_stored)
            kept = self.cache.keep(tracker)
            setattr(kept, STORED_EVENTS, len(kept.events))
            setattr(kept, ALL_STORED_EVENTS, all_stored)
        else:
            self.cache.drop(tracker.sender_id)
        if self.event_broker is not None:
            # the bodies of Rasa's _stream_new_events, from the dicts serialised above
            for data in serialised:
                self.event_broker.publish({"sender_id": tracker.sender_id, **data})
            # back-pressure when the events database falls behind (addons.stores.event_broker)
            wait_for_room = getattr(self.event_broker, "wait_for_room", None)
            if wait_for_room is not None:
                await wait_for_room()

    def _stored_events(self, statement: sa.sql.Select, sender_id: str) -> list[dict[str, Any]]:
        with self.engine.connect() as connection:
            rows = connection.execute(statement, {"sender_id": sender_id})
            return [json.loads(data) for data in rows.scalars()]

    def _kept_tracker(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The tracker kept from the conversation's last save, if it has not changed since
        and the database holds no more events of the conversation than it saved (events are
        only ever added).

        The count is what tells that another server handled the conversation meanwhile. A
        server whose lock store is in memory is the only one (Rasa serialises a
        conversation's turns with that lock only within one process; several servers need
        a shared lock store), so its own saves are the only writes and the count is skipped.
        """
        tracker = self.cache.take(sender_id)
        if tracker is None or len(tracker.events) != getattr(tracker, STORED_EVENTS, None):
            return None  # changed since its save: not what the store holds
        if self.sole_writer:
            return tracker
        with self.engine.connect() as connection:
            count = connection.execute(self._count_events, {"sender_id": sender_id}).scalar()
        return tracker if count == getattr(tracker, ALL_STORED_EVENTS, None) else None

    async def retrieve_full_tracker(self, conversation_id: str) -> Optional[DialogueStateTracker]:
        """Rasa's: every session of the conversation (None when nothing is stored). The agent
        desk reads these to keep transcripts fresh."""
        events = self._stored_events(self._all_sessions, conversation_id)
        if not self.domain or not events:
            return None
        return DialogueStateTracker.from_dict(conversation_id, events, self.domain.slots)

    async def retrieve(self, sender_id: str) -> Optional[DialogueStateTracker]:
        """The current session of the conversation (None when there is none), as a tracker
        that remembers how many of its events are stored: the one kept from its last save,
        else read from the database."""
        kept = self._kept_tracker(sender_id)
        if kept is not None:
            return kept
        with self.engine.connect() as connection:
            # counted before the rows are read: an event added in between (only a reader
            # without the conversation's lock could see one) makes the count too low, so the
            # tracker is read again next time instead of being trusted
            parameters = {"sender_id": sender_id}
            all_stored = connection.execute(self._count_events, parameters).scalar()
            rows = connection.execute(self._current_session, parameters).all() if all_stored else []
        if not self.domain or not rows:
            self._found_empty = sender_id if self.domain else None
            return None
        events = [json.loads(data) for (data,) in rows]
        tracker = DialogueStateTracker.from_dict(sender_id, events, self.domain.slots)
        setattr(tracker, STORED_EVENTS, len(tracker.events))
        setattr(tracker, ALL_STORED_EVENTS, all_stored)
        return tracker
