"""Retention of the Rasa server's data (``RETENTION_DAYS``), on SQLite and PostgreSQL: events
older than the cut leave the tracker store and the events database, recent ones stay, 0 keeps
everything, and deleting goes in bounded batches."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import ActionExecuted, SessionStarted, UserUttered
from rasa.shared.core.trackers import DialogueStateTracker

from addons.stores import retention
from addons.stores.event_broker import SQLEventBroker
from addons.stores.tracker_store import RedactingSQLTrackerStore
from tests.addons.stores.event_tables import event_rows
from tests.scale.prod_stack import private_databases

ROOT = Path(__file__).resolve().parents[3]
NOW = time.time()
DAY = 86_400.0
OLD = NOW - 400 * DAY  # a conversation of last year
RECENT = NOW - 2 * DAY


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def databases(request, tmp_path_factory) -> Iterator[dict[str, str]]:
    """A tracker-store database and an events database."""
    if request.param == "sqlite":
        folder = tmp_path_factory.mktemp("retention")
        yield {
            "rasa": f"sqlite:///{folder / 'rasa.db'}",
            "events": f"sqlite:///{folder / 'events.db'}",
        }
        return
    with private_databases() as urls:
        yield urls


@pytest.fixture
def stores(databases) -> Iterator[tuple[RedactingSQLTrackerStore, SQLEventBroker]]:
    """Both stores on empty tables, the tracker store streaming to the broker as in Rasa."""
    broker = SQLEventBroker(host=databases["events"])
    store = RedactingSQLTrackerStore(
        domain=Domain.empty(), host=databases["rasa"], event_broker=broker
    )
    for engine in (store.engine, broker.engine):
        with engine.begin() as connection:
            connection.exec_driver_sql("DELETE FROM events")
    yield store, broker
    asyncio.run(broker.close())
    store.engine.dispose()
    broker.engine.dispose()


def session(at: float, turns: int = 2) -> list:
    events = [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at)]
    for number in range(turns):
        events.append(UserUttered(f"第{number}句", timestamp=at + number + 1))
    return events


def conversation(sender: str, *sessions: list) -> DialogueStateTracker:
    return DialogueStateTracker.from_events(sender, [e for s in sessions for e in s], [])


def save(store: RedactingSQLTrackerStore, broker: SQLEventBroker, *trackers) -> None:
    for tracker in trackers:  # in time order, as a server sees them
        asyncio.run(store.save(tracker))
    broker.flush()


def stored(url: str) -> list[tuple[str, float]]:
    """(sender, event time) of every row of the database's ``events``."""
    return sorted((sender, event["timestamp"]) for sender, event in event_rows(url))


def test_old_events_go_from_both_databases_and_recent_ones_stay(databases, stores) -> None:
    store, broker = stores
    save(store, broker, conversation("old", session(OLD)), conversation("recent", session(RECENT)))
    report = retention.enforce(180, databases["rasa"], databases["events"], now=NOW)
    assert report == retention.Report(tracker_events=4, broker_events=4)
    for url in (databases["rasa"], databases["events"]):
        assert {sender for sender, _at in stored(url)} == {"recent"}
        assert len(stored(url)) == 4


def test_a_returning_customer_keeps_their_recent_sessions(databases, stores) -> None:
    store, broker = stores
    save(store, broker, conversation("wechat-openid", session(OLD), session(RECENT, turns=3)))
    retention.enforce(180, databases["rasa"], databases["events"], now=NOW)
    assert [at for _sender, at in stored(databases["rasa"])] == [
        RECENT,
        RECENT,
        RECENT + 1,
        RECENT + 2,
        RECENT + 3,
    ]


def test_zero_days_keeps_everything(databases, stores) -> None:
    store, broker = stores
    save(store, broker, conversation("old", session(OLD)), conversation("recent", session(RECENT)))
    assert retention.enforce(0, databases["rasa"], databases["events"]) == retention.Report(0, 0)
    assert len(stored(databases["rasa"])) == len(stored(databases["events"])) == 8


def test_deleting_goes_in_bounded_batches(databases, stores) -> None:
    store, broker = stores
    trackers = [conversation(f"c{number}", session(OLD + number * 60)) for number in range(10)]
    save(store, broker, *trackers, conversation("recent", session(RECENT)))
    statements: list[str] = []
    engine = retention.create_db_engine(databases["events"])
    sa.event.listen(engine, "before_cursor_execute", lambda *args: statements.append(args[2]))
    before = NOW - 180 * DAY
    assert retention.last_id_before(engine, before) > 0
    assert retention.purge_broker_events(engine, before, batch=7) == 40
    deletes = [s for s in statements if s.lstrip().upper().startswith("DELETE")]
    assert len(deletes) == 6  # 40 rows, at most 7 per transaction
    assert {sender for sender, _at in stored(databases["events"])} == {"recent"}
    engine.dispose()


def test_the_events_database_cut_is_found_by_time(databases, stores) -> None:
    store, broker = stores
    moments = [OLD + number * DAY for number in range(300)]  # one a day, the last 101 recent
    for number, moment in enumerate(moments):
        broker.publish({"sender_id": f"s{number}", "event": "user", "timestamp": moment})
    broker.flush()
    engine = retention.create_db_engine(databases["events"])
    try:
        deleted = retention.purge_broker_events(engine, NOW - 180 * DAY)
    finally:
        engine.dispose()
    kept = [at for _sender, at in stored(databases["events"])]
    assert deleted == len([m for m in moments if m < NOW - 180 * DAY])
    assert kept == [m for m in moments if m >= NOW - 180 * DAY]


def test_the_command_line(databases, stores) -> None:
    store, broker = stores
    save(store, broker, conversation("old", session(OLD)), conversation("recent", session(RECENT)))
    env = {
        **os.environ,
        "RASA_DATABASE_URL": databases["rasa"],
        "EVENTS_DATABASE_URL": databases["events"],
        "RETENTION_DAYS": "180",
    }
    done = subprocess.run(
        [sys.executable, "-m", "addons.stores.retention"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    assert "deleted 4 tracker-store events and 4 events-database rows" in done.stderr
    assert len(stored(databases["rasa"])) == 4
    refused = subprocess.run(
        [sys.executable, "-m", "addons.stores.retention"],
        cwd=ROOT,
        env={**env, "RETENTION_DAYS": "-1"},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert refused.returncode == 2 and "RETENTION_DAYS" in refused.stderr
