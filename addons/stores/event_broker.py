"""Rasa's SQL event broker, configured by one URL, writing in batches off the event loop.

Every tracker event (already redacted by ``addons.stores.tracker_store``) is written to the table
``events`` of the events database, which the agent desk reads for its analytics
(docs/contracts.md). URL: ``url`` in endpoints.yml, else ``EVENTS_DATABASE_URL``, else SQLite
``var/events.db``. Keep it apart from the tracker store's database: both use a table named
``events``.

Rasa's broker commits once per event inside the event loop (about ten commits per turn, each
blocking every conversation of the server). Here ``publish`` only queues the event; a writer
thread commits what has queued up in one transaction, in order. ``close`` (server shutdown)
drains the queue.

The writer waits ``BATCH_WINDOW_SECONDS`` after the first event of a batch before it writes:
writing as soon as anything was queued meant a transaction and a thread wake-up for every
event or two under load, each taking the interpreter lock from the event loop for its
Python work. Waiting a tenth of a second gathers a batch per window
(the desk copies the table every few seconds, so nobody sees the delay). The queue is a
``SimpleQueue``: ``publish`` runs in the event loop for every event, and ``Queue.put`` took a
lock and notified a condition each time.
"""

from __future__ import annotations

import logging
import os
import queue
import threading
import time
from asyncio import AbstractEventLoop
from pathlib import Path
from typing import Any, Optional

import sqlalchemy.exc
import sqlalchemy.orm
from rasa.core.brokers import sql
from rasa.utils.endpoints import EndpointConfig

from service_kit import fast_json
from service_kit.db import ensure_sqlite_directory
from service_kit.sqlite_tuning import pooled_wal_engine

logger = logging.getLogger(__name__)

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'events.db'}"
MAX_BATCH = 500
BATCH_WINDOW_SECONDS = 0.1
_STOP = object()


def events_database_url() -> str:
    """``EVENTS_DATABASE_URL``, else a SQLite file in ``var/``."""
    return os.environ.get("EVENTS_DATABASE_URL") or DEFAULT_URL


class SQLEventBroker(sql.SQLEventBroker):
    """``SQLEventBroker`` whose database is one URL and whose writes are batched."""

    def __init__(self, host: Optional[str] = None, **kwargs: Any) -> None:
        url = host or events_database_url()
        ensure_sqlite_directory(url)
        for attempt in range(5):
            try:
                super().__init__(host=url, **kwargs)
                break
            except (sqlalchemy.exc.OperationalError, sqlalchemy.exc.IntegrityError):
                # replicas starting together race to create the table: wait for the winner
                if attempt == 4:
                    raise
                time.sleep(0.5 * (attempt + 1))
        self.engine = pooled_wal_engine(self.engine)
        self.sessionmaker = sqlalchemy.orm.sessionmaker(bind=self.engine)
        self._insert = sqlalchemy.insert(self.SQLBrokerEvent.__table__)
        self._queue: queue.SimpleQueue = queue.SimpleQueue()
        self._writer = threading.Thread(
            target=self._write_batches, name="event-broker", daemon=True
        )
        self._writer.start()

    @classmethod
    async def from_endpoint_config(
        cls,
        broker_config: EndpointConfig,
        event_loop: Optional[AbstractEventLoop] = None,
    ) -> SQLEventBroker:
        """Built by Rasa from ``event_broker: type: addons.stores.event_broker.SQLEventBroker``."""
        return cls(host=broker_config.url)

    def publish(self, event: dict[str, Any]) -> None:
        """Queues the event for the writer thread (never blocks the event loop)."""
        self._queue.put(event)

    def _write_batches(self) -> None:
        while True:
            batch = [self._queue.get()]
            if isinstance(batch[0], dict):  # an event (not a flush marker or the stop)
                time.sleep(BATCH_WINDOW_SECONDS)  # let the rest of the batch arrive
            while len(batch) < MAX_BATCH and batch[-1] is not _STOP:
                try:
                    batch.append(self._queue.get_nowait())
                except queue.Empty:
                    break
            events = [item for item in batch if isinstance(item, dict)]
            if events:
                self._write(events)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()  # a flush waiting for what was queued before it
            if batch[-1] is _STOP:
                return

    def _write(self, events: list[dict[str, Any]]) -> None:
        # one executemany of a Core insert: the ORM inserted row by row to learn each new id,
        # and that bookkeeping, in this thread, held the GIL the server's event loop needs
        try:
            rows = [{"sender_id": e.get("sender_id"), "data": fast_json.dumps(e)} for e in events]
            with self.engine.begin() as connection:
                connection.execute(self._insert, rows)
        except Exception:  # the analytics copy must never take the bot down
            logger.exception("could not write %d events to the events database", len(events))

    def flush(self) -> None:
        """Blocks until every event published so far is committed (or its write failed)."""
        if not self._writer.is_alive():
            return
        written = threading.Event()
        self._queue.put(written)
        written.wait()

    async def close(self) -> None:
        """Writes what is still queued, then stops the writer."""
        self._queue.put(_STOP)
        self._writer.join(timeout=10)
