"""SIGTERM during a load loses no event: every event the tracker store holds reaches the events
database too, on SQLite and on PostgreSQL (issue 20; addons/stores/event_broker.py).

The real Rasa server takes turns from several conversations at once; meanwhile the events
database stalls (another session holds its write lock: a fail-over, a long vacuum, a backup),
the server is told to stop in the middle of the load, and the database comes back only later.
The broker must retry the batches that failed, keep what is queued, and write all of it before
the process exits. Then both databases are compared event by event.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from tests.addons.stores.event_tables import event_rows
from tests.scale.prod_stack import private_databases
from tests.support import stack as services

pytestmark = [pytest.mark.e2e]

CONVERSATIONS = 6
MESSAGES = ["你好", "怎么付款", "你们的客服电话是多少", "谢谢", "再见"]
LOAD_BEFORE_STALL_SECONDS = 2.0
FIRST_ANSWER_SECONDS = 30.0
STALL_BEFORE_SIGTERM_SECONDS = 1.5


@pytest.fixture(scope="module")
def actions() -> Iterator[services.Service]:
    """The action server (no backend: the load's messages need none)."""
    with services.start_actions() as server:
        yield server


def stored_events(url: str, sender_in_data: bool) -> Counter:
    """(conversation, event) pairs of an ``events`` table; the broker's rows carry the sender
    in their JSON as well, the tracker store's do not."""
    found: Counter = Counter()
    for sender, event in event_rows(url):
        if sender_in_data:
            event.pop("sender_id", None)
        found[(sender, json.dumps(event, sort_keys=True))] += 1
    return found


class Load:
    """Customers chatting over the REST channel until told to stop (errors once the server
    stops are expected and ignored).

    One connection per message: Sanic 21.12 goes on serving requests that arrive on a kept-alive
    connection after SIGTERM, for up to its graceful-shutdown period counted in passes of its
    loop (docs/security.md, "Nothing lost", has what that means behind nginx)."""

    def __init__(self, rasa_url: str) -> None:
        self.url = f"{rasa_url}/webhooks/rest/webhook"
        self.answered = 0
        self._stop = threading.Event()
        self._threads = [
            threading.Thread(target=self._chat, args=(f"shutdown-{index}",), daemon=True)
            for index in range(CONVERSATIONS)
        ]

    def _chat(self, sender: str) -> None:
        with httpx.Client(timeout=30, headers={"Connection": "close"}) as client:
            turn = 0
            while not self._stop.is_set():
                try:
                    body = {"sender": sender, "message": MESSAGES[turn % len(MESSAGES)]}
                    client.post(self.url, json=body).raise_for_status()
                    self.answered += 1
                except httpx.HTTPError:
                    time.sleep(0.05)
                turn += 1

    def start(self) -> Load:
        for thread in self._threads:
            thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=35)


@contextmanager
def sqlite_write_lock(path: Path) -> Iterator[None]:
    """Another connection holds the SQLite file's write lock (longer than the broker's busy
    timeout of 5 s, so its writes fail)."""
    connection = sqlite3.connect(path, isolation_level=None, timeout=10)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@contextmanager
def postgres_table_lock(url: str) -> Iterator[None]:
    """Another session holds a lock on ``events`` that blocks every insert."""
    engine = sa.create_engine(url)
    connection = engine.connect()
    transaction = connection.begin()
    connection.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE")
    try:
        yield
    finally:
        transaction.rollback()
        connection.close()
        engine.dispose()


def sigterm_under_load(
    rasa: services.Service,
    stall: Callable[[], contextmanager],
    stall_after_sigterm_seconds: float,
) -> tuple[int, float]:
    """Load, stall the events database, SIGTERM, release the database later; returns the
    turns answered and when the stall began (Unix time)."""
    process = rasa.process.process
    assert process is not None
    load = Load(rasa.url).start()
    try:
        # some load first; on a busy machine the first answers may take longer than that
        time.sleep(LOAD_BEFORE_STALL_SECONDS)
        deadline = time.monotonic() + FIRST_ANSWER_SECONDS
        while load.answered == 0 and time.monotonic() < deadline:
            time.sleep(0.2)
        assert load.answered > 0, f"no turn answered before the stall\n{rasa.process.tail()}"
        stall_began = time.time()
        with stall():
            time.sleep(STALL_BEFORE_SIGTERM_SECONDS)
            os.kill(process.pid, signal.SIGTERM)
            time.sleep(stall_after_sigterm_seconds)
        process.wait(timeout=60)
    finally:
        load.stop()
    return load.answered, stall_began


def assert_no_event_lost(tracker_url: str, events_url: str, stall_began: float) -> None:
    in_tracker_store = stored_events(tracker_url, sender_in_data=False)
    in_events_database = stored_events(events_url, sender_in_data=True)
    total = sum(in_tracker_store.values())
    during_stall = sum(
        count
        for (_sender, event), count in in_tracker_store.items()
        if json.loads(event).get("timestamp", 0) >= stall_began
    )
    assert total >= 50 and during_stall > 0, (total, during_stall)  # the load did run
    lost = in_tracker_store - in_events_database
    assert not lost, f"{sum(lost.values())} of {total} events never reached the events database"


def test_sigterm_during_load_loses_no_event_on_sqlite(actions, tmp_path: Path) -> None:
    rasa = services.start_rasa(tmp_path, actions.url)
    try:
        # held 6.5 s: past the broker's 5 s busy timeout, and past the SIGTERM
        answered, stall_began = sigterm_under_load(
            rasa, lambda: sqlite_write_lock(tmp_path / "events.db"), 5.0
        )
    finally:
        rasa.stop()
    assert answered > 0
    assert_no_event_lost(
        rasa.env["RASA_DATABASE_URL"], rasa.env["EVENTS_DATABASE_URL"], stall_began
    )


@pytest.mark.postgres
def test_sigterm_during_load_loses_no_event_on_postgresql(actions, tmp_path: Path) -> None:
    with private_databases() as urls:
        rasa = services.start_rasa(
            tmp_path,
            actions.url,
            extra_env={
                "RASA_DATABASE_URL": urls["rasa"],
                "EVENTS_DATABASE_URL": urls["events"],
                "DB_STATEMENT_TIMEOUT_SECONDS": "2",
            },
        )
        try:
            # the database comes back 11 s after the SIGTERM: longer than any fixed wait of
            # the old broker (10 s), well inside the drain time
            answered, stall_began = sigterm_under_load(
                rasa, lambda: postgres_table_lock(urls["events"]), 11.0
            )
        finally:
            rasa.stop()
        assert answered > 0
        assert_no_event_lost(urls["rasa"], urls["events"], stall_began)
