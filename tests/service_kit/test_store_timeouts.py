"""Every PostgreSQL and Redis client the product creates gives up in bounded time.

PostgreSQL: a statement slower than ``DB_STATEMENT_TIMEOUT_SECONDS`` fails fast through each
engine (the backend's and desk's ``Database``, the tracker store, the event broker, the desk's
read-only view of the events). Redis: against a black hole (a local port that accepts
connections and never answers), the lock store and the WeChat channel's state time out after
``REDIS_SOCKET_TIMEOUT_SECONDS``. The real PostgreSQL (127.0.0.1:5432) and no Redis server at
all: the black hole stands in for a Redis that hangs.
"""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Iterator

import pytest
import redis
import sqlalchemy as sa
from rasa.core.lock_store import LockError
from rasa.shared.core.domain import Domain

from addons.stores.event_broker import SQLEventBroker
from addons.stores.lock_store import AtomicRedisLockStore
from addons.stores.tracker_store import RedactingSQLTrackerStore
from channels.wechat_state import RedisState
from desk.clients.events_source import read_only_engine
from service_kit.db import Database, StoreTimeouts, lift_statement_timeout
from tests.scale.prod_stack import private_databases

SLOW_STATEMENT = "SELECT pg_sleep(5)"


@pytest.fixture(scope="module")
def pg_urls() -> Iterator[dict[str, str]]:
    with private_databases() as urls:
        yield urls


@pytest.fixture
def one_second_statements(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_SECONDS", "1")


@pytest.fixture
def black_hole() -> Iterator[int]:
    """A port that completes TCP handshakes (the listen backlog) and never says a word."""
    with socket.create_server(("127.0.0.1", 0), backlog=16) as listener:
        yield listener.getsockname()[1]


def fails_fast(engine: sa.engine.Engine) -> float:
    began = time.monotonic()
    with pytest.raises(sa.exc.OperationalError, match="statement timeout"):
        with engine.connect() as connection:
            connection.exec_driver_sql(SLOW_STATEMENT)
    return time.monotonic() - began


def test_settings_from_the_environment() -> None:
    timeouts = StoreTimeouts.from_environment(
        {"DB_CONNECT_TIMEOUT_SECONDS": "3", "DB_STATEMENT_TIMEOUT_SECONDS": "0"}
    )
    assert timeouts.postgres_connect_args() == {"connect_timeout": 3}
    assert StoreTimeouts().postgres_url("sqlite:///x.db") == "sqlite:///x.db"
    url = StoreTimeouts().postgres_url("postgresql://u:p@h/db?options=-csearch_path%3Ds")
    assert "connect_timeout=5" in url and "statement_timeout%3D15000" in url and ":p@" in url
    with pytest.raises(ValueError, match="DB_CONNECT_TIMEOUT_SECONDS"):
        StoreTimeouts.from_environment({"DB_CONNECT_TIMEOUT_SECONDS": "soon"})


def test_service_database_statement_timeout(pg_urls, one_second_statements) -> None:
    db = Database(pg_urls["backend"])
    try:
        assert fails_fast(db.engine) < 3
        with db.engine.begin() as connection:  # migrations lift it for their transaction
            lift_statement_timeout(connection)
            connection.exec_driver_sql("SELECT pg_sleep(1.5)")
        with db.engine.connect() as connection:  # and only for it
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "1s"
    finally:
        db.dispose()


def test_tracker_store_statement_timeout(pg_urls, one_second_statements) -> None:
    store = RedactingSQLTrackerStore(domain=Domain.empty(), host=pg_urls["rasa"])
    try:
        assert fails_fast(store.engine) < 3
    finally:
        store.engine.dispose()


def test_event_broker_statement_timeout(pg_urls, one_second_statements) -> None:
    broker = SQLEventBroker(host=pg_urls["events"])
    try:
        assert fails_fast(broker.engine) < 3
    finally:
        asyncio.run(broker.close())
        broker.engine.dispose()


def test_desk_events_reader_statement_timeout(pg_urls, one_second_statements) -> None:
    engine = read_only_engine(pg_urls["events"])
    try:
        assert fails_fast(engine) < 3
        with engine.connect() as connection:  # still read-only
            assert connection.exec_driver_sql("SHOW transaction_read_only").scalar() == "on"
    finally:
        engine.dispose()


def test_lock_store_gives_up_on_a_redis_that_never_answers(black_hole, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_SOCKET_TIMEOUT_SECONDS", "0.5")
    store = AtomicRedisLockStore(host="127.0.0.1", port=black_hole, db=0)
    began = time.monotonic()
    with pytest.raises(LockError):
        store.issue_ticket("c1")
    assert time.monotonic() - began < 3  # not Rasa's 10 s, nor forever
    assert store.red.connection_pool.connection_kwargs["socket_connect_timeout"] == 2.0


def test_wechat_state_gives_up_on_a_redis_that_never_answers(black_hole, monkeypatch) -> None:
    monkeypatch.setenv("REDIS_SOCKET_TIMEOUT_SECONDS", "0.5")
    state = RedisState(f"redis://127.0.0.1:{black_hole}/0")

    async def claim() -> float:
        began = time.monotonic()
        with pytest.raises((redis.exceptions.TimeoutError, asyncio.TimeoutError)):
            await state.add("wechat:dedup:1", "1", 60)
        return time.monotonic() - began

    assert asyncio.run(claim()) < 1.5  # the channel's former fixed 2 s no longer applies


def test_options_given_in_the_url_are_kept(pg_urls, one_second_statements) -> None:
    db = Database(f"{pg_urls['desk']}?options=-csearch_path%3Dkept_schema")
    try:
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql("SHOW search_path").scalar() == "kept_schema"
            assert connection.exec_driver_sql("SHOW statement_timeout").scalar() == "1s"
    finally:
        db.dispose()
