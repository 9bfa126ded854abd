"""Form validators get the domain without its responses and answer the same."""

import asyncio

import pytest
from rasa.core.actions.action import RemoteAction
from rasa.shared.core.events import ActionExecuted, SlotSet, UserUttered

from addons.serving import action_domain


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(action_domain)


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
    rasas = action_domain.PATCH.original(validator, tracker, domain)
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
