"""Engines and sessions on SQLite or PostgreSQL, with one locking rule for both.

Write transactions must serialise where they touch the same rows. PostgreSQL does that with
``SELECT ... FOR UPDATE`` (see :func:`lock_one`). SQLite has no row locks, so a write session
opens its transaction with ``BEGIN IMMEDIATE``, taking SQLite's single write lock up front; reads
keep using deferred transactions and, in WAL mode, never block on writers.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool, StaticPool

from service_kit.sqlite_tuning import SqlitePragmas

# execution option of a connection whose transaction must take the write lock (SQLite)
_WRITE_OPTION = "immediate_write"


def ensure_sqlite_directory(database_url: str) -> None:
    """Create the parent directory of a file-based SQLite database if it is missing."""
    prefix = "sqlite:///"
    if not database_url.startswith(prefix):
        return
    path = database_url[len(prefix) :].split("?", 1)[0]
    if not path or path == ":memory:":
        return
    Path(path).expanduser().parent.mkdir(parents=True, exist_ok=True)


def create_db_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create an engine on SQLite or PostgreSQL; ``kwargs`` override the pool options."""
    if database_url.startswith("sqlite"):
        return _create_sqlite_engine(database_url, **kwargs)
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 30,
        "future": True,
    }
    options.update(kwargs)
    return create_engine(database_url, **options)


def _create_sqlite_engine(database_url: str, **kwargs: Any) -> Engine:
    ensure_sqlite_directory(database_url)
    in_memory = ":memory:" in database_url or database_url in ("sqlite://", "sqlite:///")
    options: dict[str, Any] = {
        "connect_args": {"check_same_thread": False, "timeout": 30},
        "future": True,
    }
    if in_memory:
        options["poolclass"] = StaticPool
    else:
        options.update(poolclass=QueuePool, pool_size=10, max_overflow=20, pool_timeout=30)
    options.update(kwargs)
    engine = create_engine(database_url, **options)
    pragmas = SqlitePragmas(
        busy_timeout_ms=30_000, foreign_keys=True, write_ahead_log=not in_memory
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Let SQLAlchemy, not pysqlite, decide when transactions begin (see _on_begin).
        dbapi_connection.isolation_level = None
        pragmas.apply(dbapi_connection)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        immediate = connection.get_execution_options().get(_WRITE_OPTION, False)
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


class Database:
    """The engine and session factory of one service instance."""

    def __init__(self, database_url: str, **engine_kwargs: Any) -> None:
        self.url = database_url
        self.engine = create_db_engine(database_url, **engine_kwargs)
        self._sessions = sessionmaker(bind=self.engine, future=True, expire_on_commit=False)

    def new_session(self, *, write: bool = False) -> Session:
        """Open a session; a write session takes the database write lock at once on SQLite."""
        session = self._sessions()
        if write:
            session.connection(execution_options={_WRITE_OPTION: True})
        return session

    @contextmanager
    def session(self, *, write: bool = False) -> Iterator[Session]:
        """A session committed on success and rolled back on any error."""
        session = self.new_session(write=write)
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def ping(self) -> bool:
        """True when the database answers a trivial query."""
        try:
            with self.engine.connect() as connection:
                connection.exec_driver_sql("SELECT 1")
            return True
        except Exception:
            return False

    def dispose(self) -> None:
        """Close every pooled connection."""
        self.engine.dispose()


def lock_one(session: Session, model: type, **criteria: Any) -> Optional[Any]:
    """Load one row with ``SELECT ... FOR UPDATE`` and refresh it from the database.

    On SQLite the clause is not rendered; the write session's ``BEGIN IMMEDIATE`` already holds
    the database write lock.
    """
    statement = (
        select(model)
        .filter_by(**criteria)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(statement).scalars().first()
