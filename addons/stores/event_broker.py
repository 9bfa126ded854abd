"""Rasa's SQL event broker, configured by one URL, writing in batches off the event loop, and
losing nothing when the events database stalls or the server stops.

Every tracker event (already redacted by ``addons.stores.tracker_store``) is written to the table
``events`` of the events database, which the agent desk reads for its analytics
(docs/contracts.md). URL: ``url`` in endpoints.yml, else ``EVENTS_DATABASE_URL``, else SQLite
``var/events.db``. Keep it apart from the tracker store's database: both use a table named
``events``.

Rasa's broker commits once per event inside the event loop (about ten commits per turn, each
blocking every conversation of the server). Here ``publish`` only queues the event; a writer
thread commits what has queued up in one transaction, in order.

The writer waits ``BATCH_WINDOW_SECONDS`` after the first event of a batch before it writes:
writing as soon as anything was queued meant a transaction and a thread wake-up for every
event or two under load, each taking the interpreter lock from the event loop for its
Python work. Waiting a tenth of a second gathers a batch per window
(the desk copies the table every few seconds, so nobody sees the delay). The queue is a
``SimpleQueue``: ``publish`` runs in the event loop for every event, and ``Queue.put`` took a
lock and notified a condition each time.

Nothing is lost on the way (docs/security.md, "Nothing lost"):

* **a failed batch is retried**, in order, with a growing pause (``RETRY_FIRST_SECONDS`` up to
  ``RETRY_MAX_SECONDS``), for as long as the database does not answer: a restart, a fail-over
  or a lock of the events database only delays the copy. A row the database refuses for its
  content (and an event that cannot be serialised) would fail forever: only those are dropped,
  each logged and counted in ``dropped``.
* **back-pressure instead of an unbounded queue**: while more than
  ``EVENT_BROKER_QUEUE_SIZE`` events wait, the tracker store's ``save`` awaits
  :meth:`SQLEventBroker.wait_for_room` (up to ``EVENT_BROKER_BACKPRESSURE_SECONDS``) before
  the turn ends. The wait is asynchronous, so it slows down new turns without blocking the
  event loop, and the turn's events are already queued, so nothing is dropped for it. Only
  beyond ``HARD_LIMIT_FACTOR`` times the bound (the database has been away for minutes) does
  ``publish`` drop events, loudly, to keep the server's memory bounded.
* **drained on shutdown**: Rasa closes the broker when the server stops (SIGTERM, Sanic's
  ``after_server_stop``); ``close`` waits until everything queued is written, retrying as
  above, for up to ``EVENT_BROKER_DRAIN_SECONDS``, and logs what it could not write if the
  database stays away longer.
"""

from __future__ import annotations

import asyncio
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
from service_kit.db import StoreTimeouts, ensure_sqlite_directory
from service_kit.sqlite_tuning import pooled_wal_engine

logger = logging.getLogger(__name__)

DEFAULT_URL = f"sqlite:///{Path(__file__).resolve().parent.parent / 'var' / 'events.db'}"
MAX_BATCH = 500
BATCH_WINDOW_SECONDS = 0.1
# A busy server publishes about a thousand events a second: the default bound holds some
# twenty seconds of them, enough to ride out a database restart without slowing any turn.
DEFAULT_QUEUE_SIZE = 20_000
DEFAULT_BACKPRESSURE_SECONDS = 5.0
DEFAULT_DRAIN_SECONDS = 60.0
HARD_LIMIT_FACTOR = 4
RETRY_FIRST_SECONDS = 0.2
RETRY_MAX_SECONDS = 10.0
BACKPRESSURE_POLL_SECONDS = 0.05
_STOP = object()

# The database did not answer, or not yet: worth retrying the same rows later. Anything else
# (a row refused for its content, a value that cannot be bound) would fail forever.
_TRANSIENT_ERRORS = (
    sqlalchemy.exc.OperationalError,  # unreachable, restarting, locked, statement timeout
    sqlalchemy.exc.InterfaceError,
    sqlalchemy.exc.InternalError,
    sqlalchemy.exc.ProgrammingError,  # e.g. the table being recreated
    sqlalchemy.exc.TimeoutError,  # no pooled connection free
    sqlalchemy.exc.DisconnectionError,
)


def _transient(error: Exception) -> bool:
    if isinstance(error, sqlalchemy.exc.DBAPIError) and error.connection_invalidated:
        return True
    return isinstance(error, _TRANSIENT_ERRORS)


def events_database_url() -> str:
    """``EVENTS_DATABASE_URL``, else a SQLite file in ``var/``."""
    return os.environ.get("EVENTS_DATABASE_URL") or DEFAULT_URL


def _number(name: str, default: float, minimum: float) -> float:
    raw = os.environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError as error:
        raise ValueError(f"{name} must be a number, not {raw!r}") from error
    return max(minimum, value)


class SQLEventBroker(sql.SQLEventBroker):
    """``SQLEventBroker`` whose database is one URL and whose writes are batched and retried."""

    def __init__(self, host: Optional[str] = None, **kwargs: Any) -> None:
        url = StoreTimeouts.from_environment().postgres_url(host or events_database_url())
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
        self.queue_size = int(_number("EVENT_BROKER_QUEUE_SIZE", DEFAULT_QUEUE_SIZE, 1))
        self.backpressure_seconds = _number(
            "EVENT_BROKER_BACKPRESSURE_SECONDS", DEFAULT_BACKPRESSURE_SECONDS, 0
        )
        self.drain_seconds = _number("EVENT_BROKER_DRAIN_SECONDS", DEFAULT_DRAIN_SECONDS, 0)
        self.dropped = 0  # events given up (logged one by one or per batch)
        self._closed = False
        self._drain_deadline: Optional[float] = None  # set by close
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

    @property
    def pending(self) -> int:
        """Events queued and not yet written (approximately)."""
        return self._queue.qsize()

    def publish(self, event: dict[str, Any]) -> None:
        """Queues the event for the writer thread (never blocks the event loop)."""
        if self._closed:
            # a turn that ended after the server stopped: written here, not left behind
            logger.warning("event published after the broker closed; writing it directly")
            self._write_with_retries([event])
            return
        if self._queue.qsize() >= self.queue_size * HARD_LIMIT_FACTOR:
            self.dropped += 1
            if self.dropped == 1 or self.dropped % 1000 == 0:
                logger.error(
                    "events database unreachable for too long: %d events queued, %d dropped",
                    self._queue.qsize(),
                    self.dropped,
                )
            return
        self._queue.put(event)

    async def wait_for_room(self) -> None:
        """Back-pressure: returns once fewer than ``queue_size`` events wait, or after
        ``backpressure_seconds`` (the bot keeps answering while the database is away)."""
        if self._queue.qsize() < self.queue_size:
            return
        logger.warning(
            "events database behind: %d events queued; turns wait for the writer",
            self._queue.qsize(),
        )
        deadline = time.monotonic() + self.backpressure_seconds
        while self._queue.qsize() >= self.queue_size and time.monotonic() < deadline:
            await asyncio.sleep(BACKPRESSURE_POLL_SECONDS)

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
                self._write_with_retries(events)
            for item in batch:
                if isinstance(item, threading.Event):
                    item.set()  # a flush waiting for what was queued before it
            if batch[-1] is _STOP:
                return

    def _rows(self, events: list[dict[str, Any]]) -> list[dict[str, Any]]:
        rows = []
        for event in events:
            try:
                rows.append({"sender_id": event.get("sender_id"), "data": fast_json.dumps(event)})
            except Exception:  # no retry can write it
                self.dropped += 1
                logger.exception(
                    "event of %s cannot be serialised; dropped", event.get("sender_id")
                )
        return rows

    def _write_with_retries(self, events: list[dict[str, Any]]) -> None:
        """Writes ``events`` in order, retrying while the database does not answer; gives up
        only on rows refused for their content, or when a shutdown's drain time is over."""
        rows = self._rows(events)
        delay = RETRY_FIRST_SECONDS
        attempt = 0
        while rows:
            try:
                self._insert_rows(rows)
                if attempt:
                    logger.info("events database back: %d events written", len(rows))
                return
            except Exception as error:  # the analytics copy never stops the bot
                if not _transient(error):
                    rows = self._write_one_by_one(rows)
                    continue
                attempt += 1
                if attempt == 1 or attempt % 10 == 0:
                    logger.warning(
                        "could not write %d events (attempt %d, %d more queued), retrying: %s",
                        len(rows),
                        attempt,
                        self._queue.qsize(),
                        error,
                    )
                if not self._pause(delay):
                    self.dropped += len(rows)
                    logger.error(
                        "shutdown: the events database did not come back within %.0f s; "
                        "%d events of this batch and %d queued are lost",
                        self.drain_seconds,
                        len(rows),
                        self._queue.qsize(),
                    )
                    return
                delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _pause(self, seconds: float) -> bool:
        """Sleeps before a retry; False once a shutdown's drain time is over."""
        if self._drain_deadline is not None:
            left = self._drain_deadline - time.monotonic()
            if left <= 0:
                return False
            seconds = min(seconds, left)
        time.sleep(seconds)
        return True

    def _insert_rows(self, rows: list[dict[str, Any]]) -> None:
        # one executemany of a Core insert: the ORM inserted row by row to learn each new id,
        # and that bookkeeping, in this thread, held the GIL the server's event loop needs
        with self.engine.begin() as connection:
            connection.execute(self._insert, rows)

    def _write_one_by_one(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        """Writes rows singly after the database refused the batch for a row's content; drops
        the refused rows. Returns the rows left when the database stopped answering."""
        for index, row in enumerate(rows):
            try:
                self._insert_rows([row])
            except Exception as error:
                if _transient(error):
                    return rows[index:]  # not about this row: retry from here
                self.dropped += 1
                logger.exception("event of %s refused by the events database", row["sender_id"])
        return []

    def flush(self) -> None:
        """Blocks until every event published so far is committed (or given up)."""
        if not self._writer.is_alive():
            return
        written = threading.Event()
        self._queue.put(written)
        written.wait()

    async def close(self) -> None:
        """Writes everything still queued (retrying, for up to ``drain_seconds``), then stops
        the writer. Called by Rasa when the server stops."""
        if self._closed:
            return
        self._closed = True
        queued = self._queue.qsize()
        self._drain_deadline = time.monotonic() + self.drain_seconds
        self._queue.put(_STOP)
        if queued:
            logger.info("event broker: writing %d queued events before exit", queued)
        # the join waits in a thread: the loop keeps running whatever else shuts down
        await asyncio.get_running_loop().run_in_executor(
            None, self._writer.join, self.drain_seconds + 5
        )
        if self._writer.is_alive():
            logger.error("event broker: writer still busy after %.0f s", self.drain_seconds)
