"""A tracker copied from its state is what Rasa's replay made."""

import pytest

from addons.serving import slot_copy, tracker_copy


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(slot_copy, tracker_copy)


def _tracker_state(tracker):
    """Everything a tracker holds, slots by their value and whether they were set."""
    state = dict(vars(tracker))
    state["events"] = list(tracker.events)
    state["slots"] = {
        name: (type(slot), slot.value, slot.has_been_set) for name, slot in tracker.slots.items()
    }
    return state


def test_tracker_copies_are_what_rasas_replay_made(story_trackers):
    from rasa.shared.core.trackers import DialogueStateTracker

    domain, trackers = story_trackers
    compared = 0
    for story in trackers:
        events = list(story.events)
        for end in range(1, len(events) + 1):
            tracker = DialogueStateTracker.from_events("copy-test", events[:end], domain.slots)
            tracker.model_id, tracker.assistant_id, tracker.sender_source = "m", "a", "s"
            expected = tracker.travel_back_in_time(float("inf"))  # Rasa's copy
            duplicate = tracker.copy()
            assert type(duplicate) is DialogueStateTracker
            assert _tracker_state(duplicate) == _tracker_state(expected)
            compared += 1
    assert compared > 400  # every prefix of every story and rule


def test_a_tracker_copy_changes_alone(story_trackers):
    from rasa.shared.core.events import ActiveLoop, SlotSet
    from rasa.shared.core.trackers import DialogueStateTracker

    domain, _ = story_trackers
    tracker = DialogueStateTracker.from_events(
        "copy-test", [ActiveLoop("refund_form"), SlotSet("transaction_id", "A1")], domain.slots
    )
    before = _tracker_state(tracker)
    duplicate = tracker.copy()
    duplicate.update(SlotSet("transaction_id", "B2"))
    duplicate.interrupt_loop(True)
    duplicate.update(ActiveLoop(None))
    assert _tracker_state(tracker) == before
    assert tracker.get_slot("transaction_id") == "A1" and tracker.active_loop_name == "refund_form"
