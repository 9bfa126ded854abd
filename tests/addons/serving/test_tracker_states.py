"""The kept replay gives the dialogue states Rasa's replay gives."""

import pytest
from rasa.shared.core.events import ActionExecuted, UserUttered

from addons.serving import tracker_states


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(tracker_states)


@pytest.mark.parametrize("omit_unset_slots", [False, True])
@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_states_are_rasas_and_each_caller_gets_its_own(
    story_trackers, ignore_rule_only_turns, omit_unset_slots
):
    domain, trackers = story_trackers
    rule_only = {"rule_only_slots": ["refund_confirmed"], "rule_only_loops": ["rating_form"]}
    arguments = (omit_unset_slots, ignore_rule_only_turns, rule_only)
    for tracker in trackers:
        expected = tracker_states.rasa_states_for_tracker_history(domain, tracker, *arguments)
        first = domain.states_for_tracker_history(tracker, *arguments)
        assert first == expected
        for state in first:  # the featurizers edit states in place
            for sub_state in state.values():
                sub_state.clear()
        again = domain.states_for_tracker_history(tracker, *arguments)
        assert again == expected
        # the other policy's arguments, on the same replay
        other = (omit_unset_slots, not ignore_rule_only_turns, rule_only)
        assert domain.states_for_tracker_history(
            tracker, *other
        ) == tracker_states.rasa_states_for_tracker_history(domain, tracker, *other)


def test_a_tracker_that_moved_on_gets_new_states(story_trackers):
    domain, trackers = story_trackers
    tracker = max(trackers, key=lambda t: len(t.events)).copy()
    before = domain.states_for_tracker_history(tracker)
    tracker.update(ActionExecuted("action_listen"))
    after = domain.states_for_tracker_history(tracker)
    assert after == tracker_states.rasa_states_for_tracker_history(domain, tracker)
    assert len(after) == len(before) + 1


def _event_sequences(story_trackers):
    """Every story's events, and a conversation that restarts, reverts and changes loops."""
    from rasa.shared.core.events import (
        ActionReverted,
        ActiveLoop,
        Restarted,
        SessionStarted,
        SlotSet,
        UserUtteranceReverted,
    )

    domain, trackers = story_trackers
    for tracker in trackers:
        yield list(tracker.events)
    greet = UserUttered("hi", {"name": "greet"})
    refund = UserUttered("退款", {"name": "request_refund"})
    yield [
        ActionExecuted("action_listen"),
        greet,
        ActionExecuted("utter_greet"),
        ActionExecuted("action_listen"),
        refund,
        ActionExecuted("refund_form"),
        ActiveLoop("refund_form"),
        SlotSet("requested_slot", "transaction_id"),
        ActionExecuted("action_listen"),
        UserUttered("T1", {"name": "inform"}),
        ActionExecuted("refund_form"),
        SlotSet("transaction_id", "T1"),
        ActionExecuted("action_listen"),
        UserUttered("算了", {"name": "deny"}),
        UserUtteranceReverted(),
        ActionExecuted("refund_form"),
        ActiveLoop(None),
        ActionExecuted("utter_greet"),
        ActionReverted(),
        ActionExecuted("action_listen"),
        greet,
        Restarted(),
        ActionExecuted("action_listen"),
        refund,
        ActionExecuted("utter_greet"),
        SessionStarted(),
        ActionExecuted("action_listen"),
        greet,
        ActionExecuted("utter_greet"),
    ]


@pytest.mark.parametrize("omit_unset_slots", [False, True])
@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_states_stay_rasas_as_one_tracker_grows(
    story_trackers, ignore_rule_only_turns, omit_unset_slots
):
    """Events appended one by one to the same tracker, as the processor does within a turn:
    the kept replay is extended or redone, and always equals Rasa's states."""
    from rasa.shared.core.trackers import DialogueStateTracker

    domain, _ = story_trackers
    rule_only = {"rule_only_slots": ["refund_confirmed"], "rule_only_loops": ["rating_form"]}
    arguments = (omit_unset_slots, ignore_rule_only_turns, rule_only)
    extended = 0
    for events in _event_sequences(story_trackers):
        tracker = DialogueStateTracker("grows", domain.slots)
        for event in events:
            tracker.update(event)
            entry = tracker_states._replays.get(id(tracker))
            replay = entry[1].get((id(domain), omit_unset_slots)) if entry else None
            ours = domain.states_for_tracker_history(tracker, *arguments)
            assert ours == tracker_states.rasa_states_for_tracker_history(
                domain, tracker, *arguments
            )
            extended += replay is not None and replay.seen == len(tracker.events)
    assert extended > 300  # most appends extend the kept replay
