"""The lock store of endpoints.prod.yml keeps one conversation's turns apart across replicas.

Two "replicas" (two lock store instances, each in its own thread with its own event loop, as two
Rasa processes would be) take the lock of one conversation many times at once. Nobody may
ever be inside while another is, and every ticket must be unique. Rasa 3.6's own
``type: redis`` store fails this (docs/deploy.md, lock store).
"""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
import redis

from tests.scale.prod_stack import ENDPOINTS, REDIS_DB, REDIS_HOST, REDIS_PORT

pytestmark = [pytest.mark.redis, pytest.mark.timeout(120)]

REPLICAS = 2
TASKS_PER_REPLICA = 6
HOLD_SECONDS = 0.01


@pytest.fixture
def lock_store_factory(monkeypatch, redis_db: int):
    """Builds the lock store endpoints.prod.yml configures, on the test's Redis database."""
    from rasa.core.lock_store import LockStore
    from rasa.core.utils import AvailableEndpoints

    monkeypatch.setenv("REDIS_HOST", REDIS_HOST)
    monkeypatch.setenv("REDIS_PORT", str(REDIS_PORT))
    monkeypatch.setenv("REDIS_LOCK_DB", str(redis_db))
    monkeypatch.setenv("REDIS_PASSWORD", "")
    for name in (
        "RASA_DATABASE_URL",
        "EVENTS_DATABASE_URL",
        "ACTION_ENDPOINT_URL",
        "ACTION_SERVER_TOKEN",
    ):
        monkeypatch.setenv(name, "unused")

    def build() -> LockStore:
        return LockStore.create(AvailableEndpoints.read_endpoints(str(ENDPOINTS)).lock_store)

    return build


def test_the_configured_store_is_redis_backed(lock_store_factory) -> None:
    store = lock_store_factory()
    assert hasattr(store, "red"), f"{type(store).__name__} does not keep its locks in Redis"
    assert store.red.connection_pool.connection_kwargs["db"] == REDIS_DB


def test_one_conversation_is_never_handled_twice_at_once(lock_store_factory) -> None:
    conversation = f"lock-test-{time.time_ns()}"
    inside = 0
    overlaps: list[str] = []
    tickets: list[int] = []
    errors: list[BaseException] = []
    guard = threading.Lock()
    start = threading.Barrier(REPLICAS)

    async def turn(store, name: str) -> None:
        nonlocal inside
        async with store.lock(conversation, wait_time_in_seconds=0.02) as lock:
            with guard:
                inside += 1
                tickets.append(lock.now_serving)
                if inside > 1:
                    overlaps.append(name)
            await asyncio.sleep(HOLD_SECONDS)
            with guard:
                inside -= 1

    def replica(index: int) -> None:
        store = lock_store_factory()

        async def run() -> None:
            start.wait()
            await asyncio.gather(
                *(turn(store, f"replica{index}-task{t}") for t in range(TASKS_PER_REPLICA))
            )

        try:
            asyncio.run(run())
        except BaseException as error:  # reported below, with the overlaps
            errors.append(error)

    threads = [threading.Thread(target=replica, args=(i,)) for i in range(REPLICAS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert not errors, f"taking the lock failed: {errors!r}"
    assert not overlaps, f"handled at the same time as another turn: {overlaps}"
    assert len(tickets) == REPLICAS * TASKS_PER_REPLICA
    leftover = redis.Redis(host=REDIS_HOST, port=REDIS_PORT, db=REDIS_DB).keys("*" + conversation)
    assert not leftover, f"lock left behind: {leftover}"


def test_tickets_follow_rasas_ticket_lock(lock_store_factory) -> None:
    """Issued in order, served in order, expired ones dropped, the key gone with its last
    ticket and read back by Rasa's own ``get_lock`` (the stored value is Rasa's JSON)."""
    store = lock_store_factory()
    conversation = f"ticket-test-{time.time_ns()}"
    key = store.key_prefix + conversation
    assert [store.issue_ticket(conversation, 30) for _ in range(3)] == [0, 1, 2]
    lock = store.get_lock(conversation)
    assert lock.conversation_id == conversation
    assert [t.number for t in lock.tickets] == [0, 1, 2]
    assert lock.now_serving == 0 and not lock.is_locked(0) and lock.is_locked(1)
    assert 60 < store.red.ttl(key) <= 30 + 60 + 1  # the latest ticket plus the grace period

    store.finish_serving(conversation, 1)  # a ticket returned out of order
    assert [t.number for t in store.get_lock(conversation).tickets] == [0, 2]
    store.cleanup(conversation, 0)
    assert store.get_lock(conversation).now_serving == 2
    assert store.issue_ticket(conversation, 30) == 3  # numbering goes on while tickets remain

    short = f"expiring-{time.time_ns()}"
    assert store.issue_ticket(short, 0.05) == 0
    time.sleep(0.1)
    assert store.issue_ticket(short, 30) == 0  # the dead holder's ticket is gone
    store.update_lock(short)
    assert [t.number for t in store.get_lock(short).tickets] == [0]

    for number in (2, 3):
        store.finish_serving(conversation, number)
    store.finish_serving(short, 0)
    assert not store.red.exists(key) and not store.red.exists(store.key_prefix + short)
