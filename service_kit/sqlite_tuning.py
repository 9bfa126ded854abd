"""How every process here sets up a SQLite connection: one set of pragmas with explicit options.

Three kinds of connection use it:

* the backend's and the desk's own databases (``service_kit.db``): foreign keys enforced, a long
  busy wait, write-ahead logging on files;
* the databases Rasa's stores write (tracker store, event broker, :func:`pooled_wal_engine`):
  write-ahead logging and a short busy wait, as Rasa commits after every conversation turn;
* the desk's read-only view of the events database: ``query_only`` and a busy wait, leaving the
  journal mode to the writer (a read-only connection may not change it).

Write-ahead logging with ``synchronous=NORMAL`` is SQLite's recommended setting for a server: a
crash can lose at most the last transactions, never corrupt the file; readers no longer block
the writer, and a commit does not wait for an fsync.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class SqlitePragmas:
    """The pragmas run on every new connection to one SQLite database."""

    # How long a statement waits for another connection's lock before "database is locked".
    busy_timeout_ms: int
    # journal_mode=WAL and synchronous=NORMAL; off for in-memory and read-only connections.
    write_ahead_log: bool = True
    # SQLite leaves foreign keys unchecked unless told, per connection.
    foreign_keys: bool = False
    # Refuse every write on this connection, whatever the file's permissions.
    query_only: bool = False

    def apply(self, dbapi_connection: Any) -> None:
        """Run the pragmas on one DB-API connection."""
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout={int(self.busy_timeout_ms)}")
            if self.foreign_keys:
                cursor.execute("PRAGMA foreign_keys=ON")
            if self.query_only:
                cursor.execute("PRAGMA query_only=ON")
            if self.write_ahead_log:
                cursor.execute("PRAGMA journal_mode=WAL")
                cursor.execute("PRAGMA synchronous=NORMAL")
        finally:
            cursor.close()

    def install(self, engine: Engine) -> None:
        """Apply the pragmas to every connection ``engine`` opens from now on."""
        sa.event.listen(engine, "connect", lambda connection, _record: self.apply(connection))


# Rasa's stores: a turn's commit should not wait long behind another writer.
RASA_STORE_PRAGMAS = SqlitePragmas(busy_timeout_ms=5000)


def pooled_wal_engine(engine: Engine) -> Engine:
    """A pooled, WAL-mode engine for the same SQLite file as ``engine``; others unchanged.

    Rasa builds its SQL stores' engines itself, and SQLAlchemy 1.4 gives a SQLite file a
    ``NullPool``: every session would open a new connection. A small pool keeps them open
    (``check_same_thread`` off: the pool hands a connection to one thread at a time).
    PostgreSQL and in-memory engines are returned exactly as Rasa made them.
    """
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    pooled = sa.create_engine(
        engine.url,
        poolclass=sa.pool.QueuePool,
        pool_size=5,
        max_overflow=10,
        connect_args={"check_same_thread": False},
    )
    RASA_STORE_PRAGMAS.install(pooled)
    engine.dispose()
    return pooled
