"""The Rasa hot-spot fixes keep Rasa's behaviour."""

import ast
import asyncio
import copy
import inspect
import logging
from pathlib import Path

import pytest
import rasa.core.processor
import structlog
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from addons.serving import speedups, tracker_states  # speedups installs the fixes on import

ROOT = Path(__file__).resolve().parents[3]


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
    # the index lives on the policy: a reloaded model's new policy starts its own
    assert set(vars(policy)[speedups.RULE_INDEX_ATTRIBUTE]) == {
        id(lookup["rules"]),
        id(lookup["rules_for_loop_unhappy_path"]),
    }
    assert speedups.RULE_INDEX_ATTRIBUTE not in vars(object.__new__(RulePolicy))


def _debug_log_calls_and_deepcopies(tree):
    """(deepcopy calls inside ``structlogger.debug(...)``, all deepcopy calls) of a module."""

    def is_call_to(node, owner, name):
        return (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == name
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == owner
        )

    inside_debug = {
        id(inner)
        for node in ast.walk(tree)
        if is_call_to(node, "structlogger", "debug")
        for inner in ast.walk(node)
        if is_call_to(inner, "copy", "deepcopy")
    }
    every = [node for node in ast.walk(tree) if is_call_to(node, "copy", "deepcopy")]
    return inside_debug, every


@pytest.mark.parametrize("module", speedups.DEBUG_LOG_COPY_MODULES, ids=lambda m: m.__name__)
def test_deep_copies_skipped_are_only_debug_log_arguments(module):
    inside_debug, every = _debug_log_calls_and_deepcopies(ast.parse(inspect.getsource(module)))
    assert every, "the module no longer deep-copies: drop it from DEBUG_LOG_COPY_MODULES"
    assert [n.lineno for n in every if id(n) not in inside_debug] == []
    assert module.copy.copy is copy.copy  # everything else is the real copy module


@pytest.fixture
def log_level():
    """Sets Rasa's structlog level for one test, then restores the configuration."""
    from rasa.utils.log_utils import configure_structlog

    saved = structlog.get_config()
    yield configure_structlog
    structlog.configure(**saved)


def test_debug_log_copies_are_real_copies_only_while_debug_logging(log_level):
    copies = rasa.core.processor.copy
    value = {"states": [{"user": {"intent": "greet"}}]}
    log_level(logging.INFO)
    assert not speedups.debug_logging_enabled()
    assert copies.deepcopy(value) is value
    log_level(logging.DEBUG)
    assert speedups.debug_logging_enabled()
    duplicate = copies.deepcopy(value)
    assert duplicate == value and duplicate is not value
    assert duplicate["states"][0] is not value["states"][0]


def test_domain_emptiness_is_rasas():
    from rasa.shared.core.domain import Domain

    project = Domain.load(str(ROOT / "domain.yml"))
    intents_only = Domain.from_dict({"intents": ["greet"]})
    for domain in (project, Domain.empty(), intents_only):
        assert domain.is_empty() == (domain.as_dict() == Domain.empty().as_dict())
    assert not project.is_empty() and Domain.empty().is_empty()


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


def test_a_loaded_model_is_frozen_out_of_the_garbage_collector_which_then_runs_less_often():
    import gc

    from rasa.core.agent import Agent

    gc.unfreeze()
    thresholds = gc.get_threshold()
    try:
        agent = Agent()
        agent.load_model(ROOT / "models" / "eepay.tar.gz")
        assert agent.processor is not None and agent.domain.intents
        assert gc.get_freeze_count() > 100_000  # Rasa, its libraries and the model
        frozen = gc.get_freeze_count()
        agent.load_model(ROOT / "models" / "eepay.tar.gz")  # a reload refreezes, not adds
        assert gc.get_freeze_count() < frozen * 1.2
        assert gc.get_threshold() == speedups.SERVING_GC_THRESHOLDS
    finally:
        gc.unfreeze()
        gc.set_threshold(*thresholds)


def test_form_validators_get_the_domain_without_responses_and_answer_the_same(domain):
    from rasa.shared.core.events import ActiveLoop
    from rasa.shared.core.trackers import DialogueStateTracker
    from rasa.utils.endpoints import EndpointConfig
    from rasa_sdk.executor import ActionExecutor

    endpoint = EndpointConfig("http://127.0.0.1:5055/webhook", enable_selective_domain=True)
    text = "评分：5 分；意见：很快"
    tracker = DialogueStateTracker.from_events(
        "validator",
        [
            ActionExecuted("action_listen"),
            UserUttered(text, {"name": "inform", "confidence": 1.0}),
            ActionExecuted("rating_form"),
            ActiveLoop("rating_form"),
            SlotSet("requested_slot", "rating_score"),
            ActionExecuted("action_listen"),
            UserUttered(text, {"name": "inform", "confidence": 1.0}),
            SlotSet("rating_score", text),  # Rasa's slot extraction, before validation
        ],
        domain.slots,
    )
    validator = RemoteAction("validate_rating_form", endpoint)
    ours = validator._action_call_format(tracker, domain)
    rasas = speedups._rasa_action_call_format(validator, tracker, domain)
    assert "responses" not in ours["domain"] and rasas["domain"]["responses"]
    assert ours["domain"] == {k: v for k, v in rasas["domain"].items() if k != "responses"}
    assert {k: v for k, v in ours.items() if k != "domain"} == {
        k: v for k, v in rasas.items() if k != "domain"
    }
    # another action gets no domain at all, as with Rasa's selective domain
    assert "domain" not in RemoteAction("action_hand_off", endpoint)._action_call_format(
        tracker, domain
    )

    executor = ActionExecutor()
    executor.register_package("actions")
    answers = [asyncio.run(executor.run(call)) for call in (ours, rasas)]
    assert answers[0] == answers[1]
    assert {"event": "slot", "timestamp": None, "name": "rating_score", "value": 5.0} in answers[0][
        "events"
    ]
