"""SQLite settings for a server that commits after every conversation turn.

Two defaults cost the Rasa server a fifth of its CPU under load (bench/load.py, py-spy):

* SQLAlchemy 1.4 gives SQLite files a ``NullPool``: every session opens a new connection.
  A small pool keeps them open (``check_same_thread`` off: the pool hands a connection to one
  thread at a time).
* SQLite's rollback journal with an fsync on every commit. Write-ahead logging with
  ``synchronous=NORMAL`` is SQLite's recommended setting for this: a crash can lose at most
  the last transactions, never corrupt the file, and readers (the desk reading the events
  database) no longer block the writer.

PostgreSQL engines are left exactly as Rasa makes them.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Engine


def _configure(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()


def tuned(engine: Engine) -> Engine:
    """A pooled, WAL-mode engine for the same SQLite database; other engines unchanged."""
    if engine.dialect.name != "sqlite" or engine.url.database in (None, "", ":memory:"):
        return engine
    pooled = sa.create_engine(
        engine.url,
        poolclass=sa.pool.QueuePool,
        pool_size=5,
        max_overflow=10,
        connect_args={"check_same_thread": False},
    )
    sa.event.listen(pooled, "connect", _configure)
    engine.dispose()
    return pooled
