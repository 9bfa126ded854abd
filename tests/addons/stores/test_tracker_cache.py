"""The tracker kept from a turn's save is what the next turn would have read from the store.

Reference: a second store on the same database with the cache off (``cache_size=0``), which
reads every tracker back from the database as before.
"""

from __future__ import annotations

import copy
from pathlib import Path

import pytest
import sqlalchemy as sa
from rasa.core.agent import Agent
from rasa.core.lock_store import InMemoryLockStore
from rasa.shared.core.domain import Domain
from rasa.shared.core.events import (
    ActionExecuted,
    Event,
    SessionStarted,
    SlotSet,
    UserUttered,
)
from rasa.shared.core.trackers import DialogueStateTracker, EventVerbosity

from addons.serving import sole_writer, tracker_states
from addons.stores import tracker_cache
from addons.stores.lock_store import AtomicRedisLockStore
from addons.stores.tracker_store import RedactingSQLTrackerStore

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def stories(story_trackers) -> list[list[Event]]:
    """The events of every story and rule of the project."""
    return [list(tracker.events) for tracker in story_trackers[1]]


def turns_of(events: list[Event]) -> list[list[Event]]:
    """The events split before each ``action_listen``: what one turn of the server adds."""
    turns: list[list[Event]] = [[]]
    for event in events:
        if isinstance(event, ActionExecuted) and event.action_name == "action_listen":
            turns.append([])
        turns[-1].append(event)
    return [turn for turn in turns if turn]


def as_the_server_logs_it(event: UserUttered, text: str) -> UserUttered:
    """A story's user turn (an intent) as the processor logs a message: text and parse."""
    intent = event.intent or {"name": event.intent_name, "confidence": 1.0}
    parse = {"intent": intent, "entities": event.entities, "text": text}
    return UserUttered(text, intent, event.entities, parse, input_channel="rest")


def any_user_message(events: list[Event]) -> bool:
    return any(isinstance(event, UserUttered) for event in events)


def new_session() -> list[Event]:
    return [ActionExecuted("action_session_start"), SessionStarted()]


def first_turn(text: str = "你好") -> list[Event]:
    """A new session and the customer's first message."""
    return [*new_session(), ActionExecuted("action_listen"), UserUttered(text)]


def view(tracker: DialogueStateTracker, domain: Domain, states_function=None) -> dict:
    """What the server reads of a tracker: its events and state as the action server gets
    them, and the dialogue states the policies get (from the replays the server keeps,
    ``addons.serving.tracker_states``, unless another function is given)."""
    states = states_function or tracker_states.states_for_tracker_history
    return {
        "state": tracker.current_state(EventVerbosity.ALL),
        "states": states(domain, tracker),
        "ml_states": states(domain, tracker, ignore_rule_only_turns=True),
        "followup_action": tracker.followup_action,
    }


def statements_of(store: RedactingSQLTrackerStore) -> list[str]:
    statements: list[str] = []
    sa.event.listen(
        store.engine, "before_cursor_execute", lambda *args: statements.append(args[2].lower())
    )
    return statements


def reads_events(statements: list[str]) -> bool:
    return any("events.data" in statement for statement in statements)


async def test_every_story_turn_by_turn_reads_as_the_database_would(url, domain, stories):
    """Each story is played as the server plays a conversation: take the tracker, add the
    turn's events, save. Some stories start a new session halfway, and some user messages
    carry a password to mask. After every save, the kept tracker must look exactly like the
    tracker read from the database."""
    cached = RedactingSQLTrackerStore(domain=domain, host=url, cache_size=100)
    reference = RedactingSQLTrackerStore(domain=domain, host=url, cache_size=0)
    statements = statements_of(cached)
    clock = 1_000.0
    taken = compared = carried = 0
    for number, story in enumerate(stories):
        sender = f"story-{number}"
        turns = turns_of(copy.deepcopy(story))
        later = [n for n, turn in enumerate(turns) if n > 0 and any_user_message(turn)]
        if number % 3 == 0 and later:
            # the session expired before that message
            turns[later[0]] = [*new_session(), *turns[later[0]]]
        for turn in turns:
            statements.clear()
            tracker = await cached.retrieve(sender)
            if tracker is not None:
                assert not reads_events(statements), "a kept tracker is read again"
                taken += 1
            else:
                tracker = await cached.create_tracker(sender, append_action_listen=False)
            for event in turn:
                if isinstance(event, UserUttered):
                    text = "我的密码是abc12345" if number % 4 == 0 else f"消息 {clock}"
                    event = as_the_server_logs_it(event, text)
                clock += 1.0
                event.timestamp = clock
                tracker.update(event)
                if isinstance(event, UserUttered):  # the policies' prediction after it
                    view(tracker, domain)
            await cached.save(tracker)

            kept = cached.cache.take(sender)  # peek, and put it back
            assert kept is not None
            if kept is not tracker:  # cut at a new session: the replays moved along
                carried += id(kept) in tracker_states._replays
            from_database = await reference.retrieve(sender)
            rasas = tracker_states.rasa_states_for_tracker_history
            assert view(kept, domain) == view(from_database, domain, rasas)
            assert "abc12345" not in str(kept.current_state(EventVerbosity.ALL))
            cached.cache.keep(kept)
            compared += 1
    assert compared > 150 and taken == compared - len(stories) and carried > 10
    cached.engine.dispose()
    reference.engine.dispose()


async def test_a_turn_on_another_replica_is_read_from_the_database(url, domain):
    """Two servers on one database: each keeps what it saved, and must not use it after the
    other has handled the conversation."""
    replica_a = RedactingSQLTrackerStore(domain=domain, host=url)
    replica_b = RedactingSQLTrackerStore(domain=domain, host=url)
    tracker = await replica_a.get_or_create_tracker("c1", append_action_listen=False)
    for event in first_turn():
        tracker.update(event)
    await replica_a.save(tracker)

    elsewhere = await replica_b.retrieve("c1")
    assert elsewhere is not tracker
    elsewhere.update(SlotSet("customer_id", "u1001"))
    await replica_b.save(elsewhere)

    again = await replica_a.retrieve("c1")
    assert again is not tracker and again.get_slot("customer_id") == "u1001"
    assert len(again.events) == len(elsewhere.events)
    replica_a.engine.dispose()
    replica_b.engine.dispose()


async def test_a_kept_tracker_goes_to_one_caller_and_only_as_saved(url, domain):
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    statements = statements_of(store)
    tracker = await store.get_or_create_tracker("c2")  # as the server makes one
    tracker.update(UserUttered("你好"))
    await store.save(tracker)

    statements.clear()
    assert await store.retrieve("c2") is tracker
    assert not reads_events(statements)
    reader = await store.retrieve("c2")  # someone else while the turn runs: the database
    assert reader is not tracker and reads_events(statements)

    tracker.update(UserUttered("我付款失败了"))  # a turn that fails before its save ...
    await store.save(reader)  # ... while another saves (nothing new)
    statements.clear()
    assert await store.retrieve("c2") is reader
    await store.save(reader)  # kept again (nothing new) ...
    reader.update(UserUttered("退款"))  # ... then changed, never saved: not handed out again
    statements.clear()
    fresh = await store.retrieve("c2")
    assert fresh is not reader and reads_events(statements)
    assert [e.text for e in fresh.events if isinstance(e, UserUttered)] == ["你好"]
    store.engine.dispose()


async def test_the_least_recently_saved_conversations_are_dropped_first(tmp_path, domain):
    store = RedactingSQLTrackerStore(
        domain=domain, host=f"sqlite:///{tmp_path / 'rasa.db'}", cache_size=2
    )
    saved = {}
    for sender in ("a", "b", "c"):
        saved[sender] = await store.get_or_create_tracker(sender)
        saved[sender].update(UserUttered("你好"))
        await store.save(saved[sender])
    assert len(store.cache) == 2
    assert await store.retrieve("a") is not saved["a"]
    assert await store.retrieve("b") is saved["b"]
    assert await store.retrieve("c") is saved["c"]
    off = RedactingSQLTrackerStore(domain=domain, host=f"sqlite:///{tmp_path / 'rasa.db'}")
    off.cache.size = 0
    await off.save(await off.retrieve("a"))
    assert len(off.cache) == 0
    store.engine.dispose()
    off.engine.dispose()


def test_the_size_comes_from_the_environment(monkeypatch):
    monkeypatch.delenv(tracker_cache.SIZE_VARIABLE, raising=False)
    assert tracker_cache.size_from_environment() == tracker_cache.DEFAULT_SIZE
    monkeypatch.setenv(tracker_cache.SIZE_VARIABLE, "0")
    assert tracker_cache.size_from_environment() == 0
    for bad in ("lots", "-1"):
        monkeypatch.setenv(tracker_cache.SIZE_VARIABLE, bad)
        with pytest.raises(ValueError, match=tracker_cache.SIZE_VARIABLE):
            tracker_cache.size_from_environment()


async def test_a_tracker_built_elsewhere_is_not_kept(url, domain):
    """Its stored events are counted, not known (say, the events of ``PUT /conversations/…/
    tracker/events``): the next turn reads the database, whatever that tracker holds."""
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    statements = statements_of(store)
    stored = first_turn()
    await store.save(DialogueStateTracker.from_events("c3", stored, domain.slots))
    replaced = DialogueStateTracker.from_events("c3", [*first_turn("退款"), *stored[2:]])
    await store.save(replaced)
    await store.save(replaced)  # saved again: still not known
    statements.clear()
    reread = await store.retrieve("c3")
    assert reread is not replaced and reads_events(statements)
    store.engine.dispose()


async def test_the_only_server_takes_its_kept_tracker_without_a_query(url, domain):
    """With an in-memory lock store the server is the only writer: nothing to count."""
    sole_writer.install()  # as the launcher does before Rasa builds the server's agent
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    agent = Agent(domain=domain, tracker_store=store, lock_store=InMemoryLockStore())
    assert store.sole_writer
    tracker = await store.get_or_create_tracker("c1", append_action_listen=False)
    for event in first_turn():
        tracker.update(event)
    await agent.tracker_store.save(tracker)

    statements = statements_of(store)
    kept = await agent.tracker_store.retrieve("c1")
    assert statements == []
    assert kept.events[-1] is tracker.events[-1]  # the saved session, not read back
    read_back = await agent.tracker_store.retrieve("c1")  # taken already: from the database
    assert reads_events(statements) and read_back.events[-1] is not tracker.events[-1]
    assert list(read_back.events) == list(kept.events)
    store.engine.dispose()


def test_a_server_with_a_shared_lock_store_keeps_counting(url, domain):
    sole_writer.install()
    store = RedactingSQLTrackerStore(domain=domain, host=url)
    Agent(domain=domain, tracker_store=store, lock_store=AtomicRedisLockStore(host="127.0.0.1"))
    assert not store.sole_writer
    store.engine.dispose()
