"""The Rasa hot-spot fixes keep Rasa's behaviour."""

import copy
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.training_data.structures import StoryGraph

from addons import speedups  # installs the fixes on import

ROOT = Path(__file__).resolve().parents[2]


def test_event_types_resolve_like_rasa():
    import rasa.core.test  # noqa: F401  (defines EndToEndUserUtterance, also named "user")

    speedups._EVENT_TYPES.clear()  # as if the map were built after that import
    assert Event.resolve_by_type("user") is UserUttered
    assert Event.resolve_by_type("slot") is SlotSet
    assert Event.resolve_by_type("action") is ActionExecuted
    assert Event.resolve_by_type("topic") is None
    assert Event.resolve_by_type("nope", default=SlotSet) is SlotSet
    with pytest.raises(ValueError):
        Event.resolve_by_type("nope")


@pytest.mark.parametrize(
    "answer",
    [
        {"events": [{"event": "slot", "name": "x", "value": 1}], "responses": [{"text": "hi"}]},
        {"events": [], "responses": []},
        {},
    ],
)
def test_good_action_answers_pass(answer):
    action = RemoteAction("action_x", None)
    assert action._validate_action_result(answer)


@pytest.mark.parametrize(
    "answer",
    [[], {"events": {}}, {"events": [1]}, {"events": [{"name": "x"}]}, {"responses": "hi"}],
)
def test_bad_action_answers_are_refused(answer):
    with pytest.raises(ValidationError):
        RemoteAction("action_x", None)._validate_action_result(answer)


@pytest.fixture(scope="module")
def story_trackers():
    """The domain and a tracker for every story and rule of the project (Rasa's loader)."""
    from rasa.shared.core.domain import Domain
    from rasa.shared.core.generator import TrainingDataGenerator
    from rasa.shared.core.training_data.loading import load_data_from_resource

    domain = Domain.load(str(ROOT / "domain.yml"))
    steps = [
        step
        for name in ("stories.yml", "rules.yml", "rules_forms.yml")
        for step in load_data_from_resource(str(ROOT / "data" / name), domain)
    ]
    trackers = TrainingDataGenerator(
        StoryGraph(steps), domain, augmentation_factor=0, remove_duplicates=False
    ).generate()
    assert len(trackers) > 50
    return domain, trackers


def test_slot_copies_are_what_copy_made(story_trackers):
    domain, _ = story_trackers
    for slot in domain.slots:
        ours = copy.copy(slot)
        assert type(ours) is type(slot) and ours is not slot
        assert ours.__dict__ == copy.deepcopy(slot).__dict__
        ours.value = "changed"
        assert slot.value != "changed"


@pytest.mark.parametrize("ignore_rule_only_turns", [False, True])
def test_states_are_rasas_and_each_caller_gets_its_own(story_trackers, ignore_rule_only_turns):
    domain, trackers = story_trackers
    rule_only = {"rule_only_slots": ["refund_confirmed"], "rule_only_loops": ["rating_form"]}
    for tracker in trackers:
        expected = speedups._rasa_states_for_tracker_history(
            domain, tracker, False, ignore_rule_only_turns, rule_only
        )
        first = domain.states_for_tracker_history(tracker, False, ignore_rule_only_turns, rule_only)
        assert first == expected
        if first:
            first[-1].clear()  # the featurizers edit the last state in place
        again = domain.states_for_tracker_history(tracker, False, ignore_rule_only_turns, rule_only)
        assert again == expected


def test_a_tracker_that_moved_on_gets_new_states(story_trackers):
    domain, trackers = story_trackers
    tracker = max(trackers, key=lambda t: len(t.events)).copy()
    before = domain.states_for_tracker_history(tracker)
    tracker.update(ActionExecuted("action_listen"))
    after = domain.states_for_tracker_history(tracker)
    assert after == speedups._rasa_states_for_tracker_history(domain, tracker)
    assert len(after) == len(before) + 1
