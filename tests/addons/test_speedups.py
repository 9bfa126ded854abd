"""The Rasa hot-spot fixes keep Rasa's behaviour."""

import copy
from pathlib import Path

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered
from rasa.shared.core.training_data.structures import StoryGraph

from addons import speedups, tracker_states  # speedups installs the fixes on import

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


def test_rule_keys_are_rasas(story_trackers):
    """Every story and rule, cut after each action, against the trained model's rules."""
    import json
    import tarfile

    from rasa.core.policies.rule_policy import RulePolicy

    with tarfile.open(ROOT / "models" / "eepay.tar.gz") as model:
        member = next(m for m in model.getmembers() if m.name.endswith("rule_policy.json"))
        lookup = json.load(model.extractfile(member))["lookup"]
    policy = object.__new__(RulePolicy)  # the filter uses no trained state but the lookup
    domain, trackers = story_trackers
    checked = 0
    for tracker in trackers[:80]:
        states = tracker_states.rasa_states_for_tracker_history(domain, tracker)
        for end in range(1, len(states) + 1):
            for table in ("rules", "rules_for_loop_unhappy_path"):
                ours = policy._get_possible_keys(lookup[table], states[:end])
                assert ours == speedups._rasa_get_possible_keys(policy, lookup[table], states[:end])
                checked += bool(ours)
    assert checked > 100  # many prefixes do match rules
