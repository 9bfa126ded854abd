"""Fixtures of the backend suite: one migrated database per engine, in-process apps, real servers.

Every API test runs on SQLite (a temporary file) and on PostgreSQL (127.0.0.1:5432, database
``test``, in a schema of its own that is dropped afterwards, so other suites sharing the database
are never touched). Each test starts from freshly seeded demo data.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timezone
from pathlib import Path

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import create_engine, text

ROOT = Path(__file__).resolve().parents[2]
for _path in (ROOT, Path(__file__).resolve().parent):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from backend_testkit import (  # noqa: E402
    ADMIN_TOKEN,
    DESK_TOKEN,
    PINNED_SETTINGS,
    TOKEN,
    WECHAT_TOKEN,
    RunningServer,
    free_port,
    make_settings,
)

from backend.core.settings import Settings  # noqa: E402
from backend.db import Database, run_migrations  # noqa: E402
from backend.main import create_app  # noqa: E402
from backend.services.admin import reset_demo_data  # noqa: E402
from backend.services.context import ServiceContext  # noqa: E402
from service_kit.clock import ManualClock  # noqa: E402

PG_URL = os.environ.get("BACKEND_TEST_PG_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test")


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
    """A migrated, empty backend database on SQLite or in a private PostgreSQL schema."""
    if request.param == "sqlite":
        path = tmp_path_factory.mktemp("backend-sqlite") / "backend.db"
        url = f"sqlite:///{path}"
        db = Database(url)
        run_migrations(db.engine)
        db.dispose()
        yield url
        return
    if not _postgres_reachable():
        # PostgreSQL is part of the supported platform and runs on CI: its absence is a
        # failure, not a reason to skip (set EEPAY_SKIP_POSTGRES=1 to skip on purpose).
        if os.environ.get("EEPAY_SKIP_POSTGRES") == "1":
            pytest.skip("EEPAY_SKIP_POSTGRES=1")
        pytest.fail(f"PostgreSQL is not reachable at {PG_URL}")
    schema = f"backend_test_{uuid.uuid4().hex[:12]}"
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
def database(database_url: str) -> Iterator[Database]:
    """A shared engine per database for in-process tests."""
    db = Database(database_url)
    yield db
    db.dispose()


@pytest.fixture
def clock() -> ManualClock:
    """A frozen clock the test moves explicitly (starts at the real now)."""
    return ManualClock(datetime.now(timezone.utc))


@pytest.fixture(scope="session")
def shared_app(database_url: str, database: Database):
    """One app per database (building the routes is the slow part); tests swap its clock."""
    return create_app(
        make_settings(database_url),
        clock=ManualClock(datetime.now(timezone.utc)),
        database=database,
    )


@pytest.fixture
def settings(shared_app) -> Settings:
    """Settings of the in-process app under test."""
    return shared_app.state.settings


@pytest.fixture
def ctx(shared_app, clock: ManualClock) -> ServiceContext:
    """The app's service context on the test clock, with fresh demo data."""
    context: ServiceContext = shared_app.state.ctx
    context.clock = clock
    shared_app.state.faults.clear()
    reset_demo_data(context)
    return context


@pytest.fixture
def app(shared_app, ctx: ServiceContext):
    """The FastAPI app on freshly seeded data with the test clock."""
    return shared_app


@pytest.fixture
def api(app) -> TestClient:
    """A client of the in-process app with the operator's token, which may call every route
    (server errors come back as 500s)."""
    return TestClient(
        app,
        headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        raise_server_exceptions=False,
    )


@pytest.fixture
def anon(app) -> TestClient:
    """A client without the service token."""
    return TestClient(app, raise_server_exceptions=False)


@pytest.fixture(scope="session")
def server(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunningServer]:
    """The backend started exactly as in production (``python -m backend``) on a free port."""
    port = free_port()
    log_path = tmp_path_factory.mktemp("backend-server") / "server.log"
    inherited = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("BACKEND_") and name != "DATABASE_URL"
    }
    env = {
        **inherited,
        **{f"BACKEND_{name.upper()}": str(value) for name, value in PINNED_SETTINGS.items()},
        "BACKEND_HOST": "127.0.0.1",
        "BACKEND_PORT": str(port),
        "BACKEND_DATABASE_URL": database_url,
        "BACKEND_API_TOKEN": TOKEN,
        "BACKEND_ADMIN_TOKEN": ADMIN_TOKEN,
        "BACKEND_DESK_TOKEN": DESK_TOKEN,
        "BACKEND_WECHAT_TOKEN": WECHAT_TOKEN,
        "BACKEND_ENABLE_TEST_ENDPOINTS": "1",
        "BACKEND_LOG_LEVEL": "WARNING",
        "BACKEND_ARGON2_TIME_COST": "1",
        "BACKEND_ARGON2_MEMORY_COST_KIB": "1024",
        "BACKEND_ARGON2_PARALLELISM": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "backend"], cwd=ROOT, env=env, stdout=log, stderr=log
        )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while True:
        if process.poll() is not None:
            raise RuntimeError(f"backend exited early:\n{log_path.read_text()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            process.kill()
            raise RuntimeError(f"backend did not start:\n{log_path.read_text()}")
        time.sleep(0.1)
    running = RunningServer(url, database_url, process, log_path)
    try:
        yield running
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@pytest.fixture
def live(server: RunningServer) -> RunningServer:
    """The real server with fresh demo data."""
    server.reset()
    return server
