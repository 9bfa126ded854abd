"""Read-only access to Rasa's events database (the table ``events``: id, sender_id, data).

``addons.stores.event_broker.SQLEventBroker`` writes one row per tracker event, ``data`` being the
event's ``as_dict()`` plus ``sender_id`` as JSON (docs/contracts.md). The desk only reads it,
and its connection cannot write even by mistake: SQLite is opened with ``mode=ro``, PostgreSQL
sessions are ``default_transaction_read_only``. In production give the desk a database role
with ``SELECT`` on ``events`` only.

Until Rasa has written its first event the database (or the table) may not exist; that is an
empty source, not an error.
"""

from __future__ import annotations

import hashlib
import logging
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional
from urllib.parse import quote

from sqlalchemy import bindparam, create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import OperationalError, ProgrammingError, SQLAlchemyError
from sqlalchemy.pool import NullPool

from service_kit.db import StoreTimeouts
from service_kit.sqlite_tuning import SqlitePragmas

logger = logging.getLogger("desk.events")

TABLE = "events"


class EventsUnavailable(Exception):
    """The events database exists but could not be read."""


@dataclass(frozen=True)
class EventRow:
    """One row of the events table, undecoded."""

    id: int
    sender_id: Optional[str]
    data: str

    @property
    def digest(self) -> str:
        """SHA-256 of the row: tells the same row from another with the same id."""
        payload = f"{self.id}\x1f{self.sender_id or ''}\x1f{self.data}"
        return hashlib.sha256(payload.encode("utf-8", "replace")).hexdigest()


def sqlite_path(url: str) -> Optional[Path]:
    """The file behind a ``sqlite:///`` URL (None for anything else or in-memory)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database:
        return None
    if parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def read_only_engine(url: str) -> Engine:
    """An engine that cannot write: SQLite ``mode=ro`` URI, PostgreSQL read-only sessions."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        path = sqlite_path(url)
        if path is None:
            raise ValueError("the events database must be a SQLite file, not in memory")
        uri = f"file:{quote(str(path.resolve()))}?mode=ro"
        return create_engine(
            "sqlite://",
            creator=lambda: _sqlite_ro_connect(uri),
            poolclass=NullPool,
            future=True,
        )
    if backend == "postgresql":
        # Keep libpq options given in the URL (e.g. a search_path) and add read-only sessions.
        given = parsed.query.get("options", "")
        given = " ".join(given) if isinstance(given, tuple) else given
        options = f"{given} -c default_transaction_read_only=on".strip()
        return create_engine(
            parsed.difference_update_query(["options"]),
            future=True,
            pool_pre_ping=True,
            pool_size=2,
            max_overflow=2,
            # bounded waits: a stalled events database must not hold the desk's worker
            connect_args=StoreTimeouts.from_environment().postgres_connect_args(options),
        )
    return create_engine(url, future=True, pool_pre_ping=True)


# A reader of a file another process writes: it may wait for the writer's lock, must never
# write, and leaves the journal mode to the writer.
_READER_PRAGMAS = SqlitePragmas(busy_timeout_ms=10_000, write_ahead_log=False, query_only=True)


def _sqlite_ro_connect(uri: str) -> Any:
    import sqlite3

    connection = sqlite3.connect(uri, uri=True, check_same_thread=False)
    _READER_PRAGMAS.apply(connection)
    return connection


def _missing_table(error: SQLAlchemyError) -> bool:
    message = str(getattr(error, "orig", error)).lower()
    return "no such table" in message or "does not exist" in message


class EventsSource:
    """The events table of one events database, read in id order."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Optional[Engine] = None
        self._lock = threading.Lock()

    @property
    def description(self) -> str:
        """The URL without its password, for logs and the dashboard."""
        return make_url(self.url).render_as_string(hide_password=True)

    def exists(self) -> bool:
        """False only for a SQLite file that is not there (yet)."""
        path = sqlite_path(self.url)
        return path is None or path.exists()

    def _get_engine(self) -> Optional[Engine]:
        path = sqlite_path(self.url)
        if path is not None and not path.exists():
            return None  # Rasa has not written anything yet
        with self._lock:
            if self._engine is None:
                self._engine = read_only_engine(self.url)
            return self._engine

    def _query(self, sql: Any, **params: Any) -> list[Any]:
        engine = self._get_engine()
        if engine is None:
            return []
        try:
            with engine.connect() as connection:
                return list(connection.execute(sql, params).all())
        except (OperationalError, ProgrammingError) as error:
            if _missing_table(error):
                return []
            raise EventsUnavailable(str(getattr(error, "orig", error))) from error
        except SQLAlchemyError as error:
            raise EventsUnavailable(str(getattr(error, "orig", error))) from error

    def after(self, last_id: int, limit: int) -> list[EventRow]:
        """Up to ``limit`` rows with an id above ``last_id``, in id order (uses the key)."""
        rows = self._query(
            text(f"SELECT id, sender_id, data FROM {TABLE} WHERE id > :last ORDER BY id LIMIT :n"),
            last=int(last_id),
            n=int(limit),
        )
        return [EventRow(int(row[0]), row[1], row[2] or "") for row in rows]

    def by_ids(self, ids: Sequence[int]) -> list[EventRow]:
        """The rows with these ids that exist, in id order."""
        if not ids:
            return []
        statement = text(
            f"SELECT id, sender_id, data FROM {TABLE} WHERE id IN :ids ORDER BY id"
        ).bindparams(bindparam("ids", expanding=True))
        rows = self._query(statement, ids=[int(i) for i in ids])
        return [EventRow(int(row[0]), row[1], row[2] or "") for row in rows]

    def max_id(self) -> int:
        """The highest id in the table (0 when empty or missing)."""
        rows = self._query(text(f"SELECT MAX(id) FROM {TABLE}"))
        return int(rows[0][0] or 0) if rows else 0

    def dispose(self) -> None:
        """Close pooled connections."""
        with self._lock:
            if self._engine is not None:
                self._engine.dispose()
                self._engine = None
