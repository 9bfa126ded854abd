"""The redacting SQL tracker store on SQLite and PostgreSQL: what it writes, Rasa reads back.

Our store reads and writes through SQLAlchemy Core statements; Rasa's own ``SQLTrackerStore``
(the ORM) on the same table is the reference for both directions.
"""

from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa
from rasa.core.brokers.broker import EventBroker
from rasa.core.tracker_store import AwaitableTrackerStore, SQLTrackerStore
from rasa.shared.core.events import (
    ActionExecuted,
    BotUttered,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker

from addons.stores.tracker_store import REDACTED, RedactingSQLTrackerStore

ROOT = Path(__file__).resolve().parents[3]


def user(text: str, at: float, token: str = "") -> UserUttered:
    metadata = {"customer_token": token} if token else {}
    parse = {"intent": {"name": "payment_failed", "confidence": 0.9}, "entities": [], "text": text}
    return UserUttered(text, parse["intent"], [], parse, timestamp=at, metadata=metadata)


def session(at: float) -> list:
    return [ActionExecuted("action_session_start", timestamp=at), SessionStarted(timestamp=at)]


def turn(text: str, at: float, token: str = "") -> list:
    return [
        ActionExecuted("action_listen", timestamp=at),
        user(text, at + 0.1, token),
        BotUttered("好的", timestamp=at + 0.2),
    ]


def stored_rows(url: str) -> list[tuple[str, str, str, str]]:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as connection:
            return list(
                connection.execute(
                    sa.text(
                        "SELECT sender_id, type_name, intent_name, data FROM events ORDER BY id"
                    )
                )
            )
    finally:
        engine.dispose()


async def test_rasa_reads_what_we_write_and_we_read_the_current_session(url, domain) -> None:
    ours = RedactingSQLTrackerStore(domain=domain, host=url)
    events = [
        *session(100.0),
        *turn("我密码是abc12345", 101.0, token="eyJ.secret.token"),
        *session(200.0),  # a new session: the earlier one is not read back
        *turn("付款失败了", 201.0),
        SlotSet("customer_id", "u1001", timestamp=202.0),
    ]
    await ours.save(DialogueStateTracker.from_events("c1", events, domain.slots))

    rasas = SQLTrackerStore(domain=domain, host=url)
    full = await rasas.retrieve_full_tracker("c1")
    assert [e.type_name for e in full.events] == [e.type_name for e in events]
    first_user = next(e for e in full.events if isinstance(e, UserUttered))
    assert "abc12345" not in first_user.text  # the password is masked in storage
    assert first_user.metadata["customer_token"] == REDACTED

    mine_full = await ours.retrieve_full_tracker("c1")
    assert [e.as_dict() for e in mine_full.events] == [e.as_dict() for e in full.events]
    assert await ours.retrieve_full_tracker("nobody") is None

    current = await ours.retrieve("c1")
    expected = await rasas.retrieve("c1")  # Rasa's query of the current session
    assert [e.as_dict() for e in current.events] == [e.as_dict() for e in expected.events]
    assert [e.text for e in current.events if isinstance(e, UserUttered)] == ["付款失败了"]
    assert current.get_slot("customer_id") == "u1001"
    assert await ours.retrieve("nobody") is None
    rasas.engine.dispose()
    ours.engine.dispose()


async def test_a_retrieved_tracker_saves_only_its_new_events(url, domain) -> None:
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    await store.save(
        DialogueStateTracker.from_events("c2", [*session(10.0), *turn("你好", 11.0)], domain.slots)
    )
    tracker = await store.retrieve("c2")
    for event in turn("退款到哪了", 20.0):
        tracker.update(event)
    await store.save(tracker)
    await store.save(tracker)  # nothing new: nothing written

    rows = stored_rows(url)
    assert [type_name for _sender, type_name, _intent, _data in rows] == [
        "action",
        "session_started",
        "action",
        "user",
        "bot",
        "action",
        "user",
        "bot",
    ]
    assert {sender for sender, *_ in rows} == {"c2"}
    assert [intent for _s, type_name, intent, _d in rows if type_name == "user"] == [
        "payment_failed",
        "payment_failed",
    ]
    reread = await store.retrieve("c2")
    assert [e.text for e in reread.events if isinstance(e, UserUttered)] == ["你好", "退款到哪了"]
    store.engine.dispose()


async def test_a_tracker_not_read_from_the_store_is_counted_first(url, domain) -> None:
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    events = [*session(10.0), *turn("你好", 11.0)]
    await store.save(DialogueStateTracker.from_events("c3", events, domain.slots))
    # a tracker built elsewhere with the stored events and one turn more
    longer = DialogueStateTracker.from_events("c3", [*events, *turn("谢谢", 12.0)], domain.slots)
    await store.save(longer)
    assert len(stored_rows(url)) == len(events) + 3
    store.engine.dispose()


async def test_a_new_conversation_is_stored_without_counting_what_is_stored(url, domain) -> None:
    ours = RedactingSQLTrackerStore(domain=domain, host=url)
    statements: list[str] = []
    sa.event.listen(
        ours.engine, "before_cursor_execute", lambda *args: statements.append(args[2].lower())
    )
    server_store = AwaitableTrackerStore(ours)  # how the Rasa server holds a custom store
    created = await server_store.get_or_create_tracker("c4")
    # one look for its events (none), then Rasa's create_tracker saves it: not counted again
    assert [s.split()[0] for s in statements] == ["select", "insert"]
    created.update(user("你好", 30.0))
    statements.clear()
    await server_store.save(created)
    assert [s.split()[0] for s in statements] == ["insert"]  # nothing read, nothing counted
    again = await server_store.get_or_create_tracker("c4")  # stored now: read, not created
    assert [e.as_dict() for e in again.events] == [e.as_dict() for e in created.events]
    mine = [row[1:3] for row in stored_rows(url)]
    assert mine == [("action", None), ("user", "payment_failed")]
    ours.engine.dispose()

    rasas = SQLTrackerStore(domain=domain, host=url)
    theirs = await rasas.get_or_create_tracker("c5")
    theirs.update(user("你好", 30.0))
    await rasas.save(theirs)
    rasas.engine.dispose()
    assert [row[1:3] for row in stored_rows(url) if row[0] == "c5"] == mine


async def test_only_a_fresh_tracker_of_the_sender_found_empty_skips_the_count(url, domain) -> None:
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    events = [*session(10.0), *turn("你好", 11.0)]
    await store.save(DialogueStateTracker.from_events("c6", events, domain.slots))
    assert await store.retrieve("c7") is None  # another sender found empty
    longer = DialogueStateTracker.from_events("c6", [*events, *turn("谢谢", 12.0)], domain.slots)
    await store.save(longer)  # counted: only the 3 new events are added
    assert len(stored_rows(url)) == len(events) + 3
    store.engine.dispose()


class RecordingBroker(EventBroker):
    def __init__(self) -> None:
        self.published: list[dict] = []

    def publish(self, event: dict) -> None:
        self.published.append(event)


async def test_the_broker_gets_what_rasa_streams(url, domain) -> None:
    broker = RecordingBroker()
    store = RedactingSQLTrackerStore(domain=domain, host=url, event_broker=broker)
    events = [*session(10.0), *turn("我密码是abc12345", 11.0)]
    tracker = DialogueStateTracker.from_events("c8", events, domain.slots)
    await store.save(tracker)  # masks the password in the tracker's events first
    expected = RecordingBroker()
    await store._stream_new_events(expected, list(tracker.events), "c8")  # Rasa's bodies
    assert broker.published == expected.published
    assert [body["event"] for body in broker.published] == [e.type_name for e in events]
    store.engine.dispose()
