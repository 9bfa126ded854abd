"""The Rasa hot-spot fixes keep Rasa's behaviour."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, Event, SlotSet, UserUttered

from addons import speedups  # installs the fixes on import


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
