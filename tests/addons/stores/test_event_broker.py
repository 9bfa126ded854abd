"""The batched SQL event broker: events queued by ``publish`` reach the table, in order."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import sqlalchemy

from addons.stores.event_broker import SQLEventBroker


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
