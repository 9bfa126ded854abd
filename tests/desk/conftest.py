"""Fixtures of the desk suite: one migrated database per engine, an in-process app with fake
Rasa and backend transports, signed-in clients; the browser tests' real stack.

Every API test runs on SQLite (a temporary file) and on PostgreSQL (127.0.0.1:5432, database
``test``, in a schema of its own that is dropped afterwards). Each test starts from empty
tables with three accounts: ``admin`` (supervisor), ``wang`` and ``li`` (agents).
"""

from __future__ import annotations

import os
import sys
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from desk_testkit import (  # noqa: E402
    ADMIN_PASSWORD,
    AGENT_PASSWORD,
    SERVICE_TOKEN,
    FakeBackend,
    FakeRasa,
    api_token,
    client,
    make_settings,
)
from events_kit import EventsDatabase  # noqa: E402

from desk.db import Database, run_migrations  # noqa: E402
from desk.main import create_app  # noqa: E402
from desk.models import metadata  # noqa: E402
from desk.services import agents  # noqa: E402
from desk.services.context import ServiceContext  # noqa: E402
from service_kit.clock import ManualClock  # noqa: E402

PG_URL = os.environ.get("DESK_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


def _postgres_reachable() -> bool:
    engine = create_engine(PG_URL, connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.fixture(
    scope="session",
    params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)],
)
def database_url(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory):
    """A migrated, empty desk database on SQLite or in a private PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("desk-sqlite") / "desk.db"
        url = f"sqlite:///{path}"
        db = Database(url)
        run_migrations(db.engine)
        db.dispose()
        yield url
        return
    if not _postgres_reachable():
        pytest.skip(f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"desk_test_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    url = f"{PG_URL}?options=-csearch_path%3D{schema}"
    db = Database(url)
    try:
        run_migrations(db.engine)
        db.dispose()
        yield url
    finally:
        db.dispose()
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def events_url(database_url: str, tmp_path_factory: pytest.TempPathFactory):
    """Rasa's events database beside the desk's: a SQLite file, or a PostgreSQL schema."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path_factory.mktemp('events-sqlite') / 'events.db'}"
        return
    schema = f"desk_events_{uuid.uuid4().hex[:12]}"
    admin = create_engine(PG_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield f"{PG_URL}?options=-csearch_path%3D{schema}"
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture(scope="session")
def events_database(events_url: str) -> Iterator[EventsDatabase]:
    """The events table, created by Rasa's SQL event broker."""
    events = EventsDatabase(events_url)
    yield events
    events.dispose()


@pytest.fixture
def events(events_database: EventsDatabase, ctx: ServiceContext) -> EventsDatabase:
    """An empty events table (and, through ``ctx``, empty analytics tables)."""
    events_database.clear()
    return events_database


@pytest.fixture(scope="session")
def database(database_url: str) -> Iterator[Database]:
    """A shared engine per database for in-process tests."""
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture(scope="session")
def fake_rasa() -> FakeRasa:
    return FakeRasa()


@pytest.fixture(scope="session")
def fake_backend() -> FakeBackend:
    return FakeBackend()


@pytest.fixture(scope="session")
def shared_app(
    database_url: str,
    events_url: str,
    database: Database,
    fake_rasa: FakeRasa,
    fake_backend: FakeBackend,
):
    """One app per database; tests swap its clock and get clean tables."""
    return create_app(
        make_settings(database_url, events_database_url=events_url),
        clock=ManualClock(datetime.now(timezone.utc)),
        database=database,
        rasa_transport=fake_rasa.transport,
        backend_transport=fake_backend.transport,
    )


@pytest.fixture
def clock() -> ManualClock:
    """A frozen clock the test moves explicitly (starts at the real now)."""
    return ManualClock(datetime.now(timezone.utc))


def wipe(db: Database) -> None:
    """Delete every row of every desk table."""
    with db.session(write=True) as session:
        for table in reversed(metadata.sorted_tables):
            session.execute(table.delete())


@pytest.fixture
def ctx(
    shared_app, clock: ManualClock, fake_rasa: FakeRasa, fake_backend: FakeBackend
) -> ServiceContext:
    """The app's context on the test clock, empty tables, three accounts, fresh fakes."""
    context: ServiceContext = shared_app.state.ctx
    context.clock = clock
    fake_rasa.reset()
    fake_backend.reset()
    wipe(context.db)
    agents.ensure_admin(context)
    agents.create_agent(context, "wang", "小王", "agent", AGENT_PASSWORD)
    agents.create_agent(context, "li", "小李", "agent", AGENT_PASSWORD)
    return context


@pytest.fixture
def app(shared_app, ctx: ServiceContext):
    return shared_app


@pytest.fixture
def anon(app) -> TestClient:
    """A client without any session."""
    return client(app)


@pytest.fixture
def service(app) -> TestClient:
    """The action server: DESK_SERVICE_TOKEN."""
    return client(app, Authorization=f"Bearer {SERVICE_TOKEN}")


@pytest.fixture
def wang(app) -> TestClient:
    """Agent 小王 signed in to the API."""
    return client(app, Authorization=f"Bearer {api_token(app, 'wang', AGENT_PASSWORD)}")


@pytest.fixture
def li(app) -> TestClient:
    """Agent 小李 signed in to the API."""
    return client(app, Authorization=f"Bearer {api_token(app, 'li', AGENT_PASSWORD)}")


@pytest.fixture
def supervisor(app) -> TestClient:
    """The supervisor created from DESK_ADMIN_USER / DESK_ADMIN_PASSWORD."""
    return client(app, Authorization=f"Bearer {api_token(app, 'admin', ADMIN_PASSWORD)}")
