"""Engines and sessions on SQLite or PostgreSQL, with one locking rule for both.

Write transactions must serialise where they touch the same rows. PostgreSQL does that with
``SELECT ... FOR UPDATE`` (see :func:`lock_one`). SQLite has no row locks, so a write session
opens its transaction with ``BEGIN IMMEDIATE``, taking SQLite's single write lock up front; reads
keep using deferred transactions and, in WAL mode, never block on writers.

Every PostgreSQL and Redis client the product creates has a connect timeout and a per-statement
(per-reply) timeout (:class:`StoreTimeouts`): the Rasa server calls its tracker store and lock
store on its event loop, so a database that stops answering would otherwise stall every
conversation of the server, and a hung connection would hold a desk or backend worker forever.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from sqlalchemy import create_engine, event, select
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import IntegrityError
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


def _seconds(environ: Mapping[str, str], name: str, default: float) -> float:
    raw = environ.get(name, "").strip()
    try:
        value = float(raw) if raw else default
    except ValueError as error:
        raise ValueError(f"{name} must be a number of seconds, not {raw!r}") from error
    if value < 0:
        raise ValueError(f"{name} must not be negative")
    return value


@dataclass(frozen=True)
class StoreTimeouts:
    """How long a client waits for PostgreSQL or Redis before it gives up.

    ``DB_CONNECT_TIMEOUT_SECONDS`` (5) and ``DB_STATEMENT_TIMEOUT_SECONDS`` (15; 0 = none) for
    PostgreSQL, ``REDIS_CONNECT_TIMEOUT_SECONDS`` (2) and ``REDIS_SOCKET_TIMEOUT_SECONDS`` (2)
    for Redis, whose commands here answer in a millisecond when Redis is well. Read from the
    environment by every process (Rasa, backend, desk) alike.
    """

    db_connect: float = 5.0
    db_statement: float = 15.0
    redis_connect: float = 2.0
    redis_socket: float = 2.0

    @classmethod
    def from_environment(cls, environ: Optional[Mapping[str, str]] = None) -> StoreTimeouts:
        """The timeouts set in the environment, else the defaults."""
        environ = os.environ if environ is None else environ
        return cls(
            db_connect=_seconds(environ, "DB_CONNECT_TIMEOUT_SECONDS", cls.db_connect),
            db_statement=_seconds(environ, "DB_STATEMENT_TIMEOUT_SECONDS", cls.db_statement),
            redis_connect=_seconds(environ, "REDIS_CONNECT_TIMEOUT_SECONDS", cls.redis_connect),
            redis_socket=_seconds(environ, "REDIS_SOCKET_TIMEOUT_SECONDS", cls.redis_socket),
        )

    def postgres_options(self, given: str = "") -> str:
        """libpq ``options`` with the statement timeout added (unless ``given`` sets one)."""
        if self.db_statement <= 0 or "statement_timeout" in given:
            return given
        return f"{given} -c statement_timeout={int(self.db_statement * 1000)}".strip()

    def postgres_connect_args(self, given_options: str = "") -> dict[str, Any]:
        """psycopg2 ``connect_args``: connect timeout (libpq counts whole seconds, at least 2)
        and statement timeout."""
        arguments: dict[str, Any] = {"connect_timeout": max(2, round(self.db_connect))}
        options = self.postgres_options(given_options)
        if options:
            arguments["options"] = options
        return arguments

    def postgres_url(self, database_url: str) -> str:
        """``database_url`` with the timeouts in its query (libpq reads them there): for the
        engines Rasa builds itself from a URL. Other databases are returned unchanged."""
        url = make_url(database_url)
        if url.get_backend_name() != "postgresql":
            return database_url
        query = dict(url.query)
        if "connect_timeout" not in query:
            query["connect_timeout"] = str(max(2, round(self.db_connect)))
        options = self.postgres_options(_url_options(database_url))
        if options:
            query["options"] = options
        return url.set(query=query).render_as_string(hide_password=False)

    def redis_options(self) -> dict[str, float]:
        """redis-py client options (``socket_connect_timeout``, ``socket_timeout``)."""
        return {"socket_connect_timeout": self.redis_connect, "socket_timeout": self.redis_socket}


def _url_options(database_url: str) -> str:
    """The libpq ``options`` given in a URL's query ("" when none)."""
    given = make_url(database_url).query.get("options", "")
    return " ".join(given) if isinstance(given, tuple) else given


def lift_statement_timeout(connection: Connection) -> None:
    """No statement timeout for the rest of ``connection``'s transaction (PostgreSQL): schema
    migrations may rewrite a large table."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("SET LOCAL statement_timeout = 0")


def create_db_engine(database_url: str, **kwargs: Any) -> Engine:
    """Create an engine on SQLite or PostgreSQL; ``kwargs`` override the pool options.

    PostgreSQL connections get the connect and statement timeouts of :class:`StoreTimeouts`."""
    if database_url.startswith("sqlite"):
        return _create_sqlite_engine(database_url, **kwargs)
    options: dict[str, Any] = {
        "pool_pre_ping": True,
        "pool_size": 10,
        "max_overflow": 20,
        "pool_timeout": 30,
        "future": True,
        # connect_args replace the URL's own libpq options (a search_path...): keep them
        "connect_args": StoreTimeouts.from_environment().postgres_connect_args(
            _url_options(database_url)
        ),
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


def try_insert(session: Session, row: Any) -> bool:
    """Insert ``row`` now, in a savepoint: True when it was written, False (and the row
    discarded, the rest of the transaction intact) when the database refused it.

    For rows whose uniqueness the database enforces (an idempotency key, one open ticket per
    conversation): two concurrent requests may both have found no such row, and the one that
    loses must learn it here and read the winner's row, not fail its whole transaction.
    """
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


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
