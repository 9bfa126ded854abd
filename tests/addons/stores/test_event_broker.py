"""The batched SQL event broker: events queued by ``publish`` reach the table, in order, and
none is lost while the events database is away or the server stops."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from pathlib import Path

import sqlalchemy

from addons.stores.event_broker import SQLEventBroker
from tests.scale.prod_stack import private_databases


def rows(broker: SQLEventBroker) -> list[tuple[str, dict]]:
    with broker.session_scope() as session:
        query = session.query(broker.SQLBrokerEvent).order_by(broker.SQLBrokerEvent.id)
        return [(row.sender_id, json.loads(row.data)) for row in query]


def test_flush_waits_until_every_published_event_is_committed(tmp_path: Path) -> None:
    broker = SQLEventBroker(host=f"sqlite:///{tmp_path / 'events.db'}")
    for number in range(1200):  # more than one batch
        broker.publish({"sender_id": f"s{number % 3}", "event": "user", "n": number})
    broker.flush()
    written = rows(broker)
    assert [data["n"] for _sender, data in written] == list(range(1200))
    assert written[4] == ("s1", {"sender_id": "s1", "event": "user", "n": 4})
    asyncio.run(broker.close())


def test_close_drains_the_queue(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    broker = SQLEventBroker(host=url)
    for number in range(50):
        broker.publish({"sender_id": "s", "event": "bot", "n": number})
    asyncio.run(broker.close())
    assert len(rows(SQLEventBroker(host=url))) == 50


def test_a_failed_write_does_not_stop_the_writer(tmp_path: Path) -> None:
    broker = SQLEventBroker(host=f"sqlite:///{tmp_path / 'events.db'}")
    broker.publish({"sender_id": "s", "unserialisable": object()})
    broker.flush()  # returns although the write failed
    broker.publish({"sender_id": "s", "event": "user"})
    broker.flush()
    assert rows(broker) == [("s", {"sender_id": "s", "event": "user"})]
    asyncio.run(broker.close())


def test_events_published_one_by_one_are_written_in_few_transactions(tmp_path: Path) -> None:
    broker = SQLEventBroker(host=f"sqlite:///{tmp_path / 'events.db'}")
    commits = []
    sqlalchemy.event.listen(broker.engine, "commit", lambda _connection: commits.append(1))
    for number in range(40):  # a few turns of a busy server, an event at a time
        broker.publish({"sender_id": "s", "event": "bot", "n": number})
        time.sleep(0.001)
    broker.flush()
    assert [data["n"] for _sender, data in rows(broker)] == list(range(40))
    assert 1 <= len(commits) <= 2  # not one per event
    asyncio.run(broker.close())


def test_flush_after_close_returns_at_once(tmp_path: Path) -> None:
    broker = SQLEventBroker(host=f"sqlite:///{tmp_path / 'events.db'}")
    asyncio.run(broker.close())
    broker.flush()


# --- nothing lost: retries, back-pressure, drain (issue 20) ------------------------------------


def events_away(url: str) -> sqlalchemy.engine.Engine:
    """The events table renamed away: every write of the broker fails as if the database were
    down (OperationalError), until :func:`events_back`."""
    engine = sqlalchemy.create_engine(url)
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE events RENAME TO events_away")
    return engine


def events_back(engine: sqlalchemy.engine.Engine) -> None:
    with engine.begin() as connection:
        connection.exec_driver_sql("ALTER TABLE events_away RENAME TO events")
    engine.dispose()


def broker_in_an_outage(url: str, events: int) -> tuple[SQLEventBroker, sqlalchemy.engine.Engine]:
    """A broker with ``events`` published while its database is away; the outage ends with
    :func:`events_back`."""
    broker = SQLEventBroker(host=url)
    outage = events_away(url)
    for number in range(events):
        broker.publish({"sender_id": "s", "event": "bot", "n": number})
    return broker, outage


def broker_with_a_stuck_batch(
    url: str, queued: int
) -> tuple[SQLEventBroker, sqlalchemy.engine.Engine]:
    """A broker whose writer keeps failing on its batch (one event) while ``queued`` more wait
    in its queue; the outage ends with :func:`events_back`."""
    broker, outage = broker_in_an_outage(url, 0)
    broker.publish({"sender_id": "s", "event": "bot", "n": -1})
    time.sleep(0.5)  # the writer has taken that one into its failing batch
    for number in range(queued):
        broker.publish({"sender_id": "s", "event": "bot", "n": number})
    return broker, outage


def test_a_batch_that_fails_while_the_database_is_away_is_retried_not_dropped(
    tmp_path: Path,
) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    broker, outage = broker_in_an_outage(url, 30)
    time.sleep(1.0)  # several failed attempts
    events_back(outage)
    broker.flush()
    assert [data["n"] for _sender, data in rows(broker)] == list(range(30))
    assert broker.dropped == 0
    asyncio.run(broker.close())


def test_close_waits_for_a_database_that_comes_back(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EVENT_BROKER_DRAIN_SECONDS", "30")
    url = f"sqlite:///{tmp_path / 'events.db'}"
    broker, outage = broker_in_an_outage(url, 20)
    threading.Timer(2.0, events_back, [outage]).start()
    began = time.monotonic()
    asyncio.run(broker.close())
    assert time.monotonic() - began >= 1.5
    assert len(rows(SQLEventBroker(host=url))) == 20


def test_close_gives_up_after_the_drain_time_and_counts_the_loss(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("EVENT_BROKER_DRAIN_SECONDS", "1")
    url = f"sqlite:///{tmp_path / 'events.db'}"
    broker, outage = broker_in_an_outage(url, 5)
    began = time.monotonic()
    asyncio.run(broker.close())
    assert time.monotonic() - began < 5
    assert broker.dropped == 5
    events_back(outage)


def test_a_full_queue_makes_turns_wait_without_blocking_the_loop(
    tmp_path: Path, monkeypatch
) -> None:
    monkeypatch.setenv("EVENT_BROKER_QUEUE_SIZE", "10")
    monkeypatch.setenv("EVENT_BROKER_BACKPRESSURE_SECONDS", "30")
    # more than the bound wait in the queue
    broker, outage = broker_with_a_stuck_batch(f"sqlite:///{tmp_path / 'events.db'}", 15)

    async def turn_and_ticks() -> tuple[float, int]:
        ticks = 0

        async def tick() -> None:
            nonlocal ticks
            while True:
                await asyncio.sleep(0.05)
                ticks += 1

        ticker = asyncio.create_task(tick())
        asyncio.get_running_loop().call_later(1.5, events_back, outage)
        began = time.monotonic()
        await broker.wait_for_room()
        waited = time.monotonic() - began
        ticker.cancel()
        return waited, ticks

    waited, ticks = asyncio.run(turn_and_ticks())
    assert 1.2 <= waited < 20  # until the writer made room, not the 30 s bound
    assert ticks >= 15  # the loop ran other work meanwhile
    broker.flush()
    assert len(rows(broker)) == 16
    assert broker.dropped == 0
    asyncio.run(broker.close())


def test_beyond_the_hard_limit_events_are_dropped_and_counted(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("EVENT_BROKER_QUEUE_SIZE", "2")
    monkeypatch.setenv("EVENT_BROKER_DRAIN_SECONDS", "0")
    broker, outage = broker_with_a_stuck_batch(f"sqlite:///{tmp_path / 'events.db'}", 12)
    assert broker.pending == 8  # the hard limit: four times the bound
    assert broker.dropped == 4
    events_back(outage)
    broker.flush()
    assert len(rows(broker)) == 9
    asyncio.run(broker.close())


def test_an_event_published_after_close_is_written(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    broker = SQLEventBroker(host=url)
    asyncio.run(broker.close())
    broker.publish({"sender_id": "s", "event": "bot", "n": 1})
    assert [data["n"] for _sender, data in rows(broker)] == [1]


def test_a_statement_timeout_on_postgresql_is_retried(monkeypatch) -> None:
    """PostgreSQL: a write blocked behind a lock fails at the statement timeout and is retried
    once the lock is gone."""
    monkeypatch.setenv("DB_STATEMENT_TIMEOUT_SECONDS", "1")
    with private_databases() as urls:
        broker = SQLEventBroker(host=urls["events"])
        admin = sqlalchemy.create_engine(urls["events"])
        blocker = admin.connect()
        transaction = blocker.begin()
        blocker.exec_driver_sql("LOCK TABLE events IN EXCLUSIVE MODE")
        for number in range(10):
            broker.publish({"sender_id": "s", "event": "user", "n": number})
        time.sleep(2.5)  # at least one write timed out meanwhile
        transaction.rollback()
        blocker.close()
        broker.flush()
        assert [data["n"] for _sender, data in rows(broker)] == list(range(10))
        assert broker.dropped == 0
        asyncio.run(broker.close())
        broker.engine.dispose()
        admin.dispose()
