"""Answers of the action server are accepted and refused as Rasa's schema does."""

import pytest
from jsonschema import ValidationError
from rasa.core.actions.action import RemoteAction

from addons.serving import action_results


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(action_results)


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
