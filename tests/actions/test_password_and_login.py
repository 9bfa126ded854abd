"""Forgotten passwords and login trouble: codes go out, the bot never sees them."""

from __future__ import annotations

import httpx

from actions.login import ActionDiagnoseLogin
from actions.password import (
    ActionAskResetChannel,
    ActionOfferPasswordReset,
    ActionSendResetCode,
    ValidatePasswordResetForm,
)
from tests.support import stack

from .conftest import (
    DOMAIN,
    asked_if_solved,
    make_tracker,
    responses,
    run_action,
    said,
    slot_events,
)


async def test_offer_opens_the_form_with_masked_contacts():
    dispatcher, events = await run_action(
        ActionOfferPasswordReset(), make_tracker("忘记密码", "forgot_password", customer="u1005")
    )
    assert slot_events(events)["flow_next"] == "password_reset_form"
    assert slot_events(events)["reset_purpose"] == "password_reset"
    ask, _ = await run_action(
        ActionAskResetChannel(), make_tracker("", "forgot_password", customer="u1005")
    )
    titles = [b["title"] for b in ask.messages[0]["buttons"]]
    assert any("138****1005" in t for t in titles)
    assert any("@example.com" in t and "chenjing" not in t for t in titles)


async def test_channel_answers():
    from rasa_sdk.executor import CollectingDispatcher

    validate = ValidatePasswordResetForm()
    for text, intent, expected in [
        ("发到手机", "inform", "sms"),
        ("邮箱吧", "inform", "email"),
        ("好的", "affirm", "sms"),
        # the words the code buttons use in Taiwan and Hong Kong, typed instead of tapped
        ("簡訊發給我", "inform", "sms"),
        ("短訊吧", "inform", "sms"),
        ("用郵件", "inform", "email"),
        ("text me please", "inform", "sms"),
    ]:
        result = await validate.validate_reset_channel(
            text, CollectingDispatcher(), make_tracker(text, intent, customer="u1005"), DOMAIN
        )
        assert result["reset_channel"] == expected, text


async def test_code_is_sent_and_never_shown(backend):
    slots = {"reset_channel": "sms", "reset_purpose": "password_reset", "reset_request_id": "r1"}
    dispatcher, _ = await run_action(
        ActionSendResetCode(), make_tracker("发到手机", "inform", customer="u1005", slots=slots)
    )
    assert responses(dispatcher) == ["utter_reset_code_sent"]
    text = said(dispatcher)
    assert "138****1005" in text and "/security/reset" in text
    outbox = httpx.get(  # the code exists only in the backend's outbox, never in the chat
        f"{backend.url}/healthz", timeout=5
    )
    assert outbox.status_code == 200
    import re

    assert not re.search(r"\b\d{6}\b", text)


async def test_second_code_within_a_minute_is_rate_limited():
    slots = {"reset_channel": "sms", "reset_purpose": "password_reset"}
    await run_action(
        ActionSendResetCode(),
        make_tracker("手机", "inform", customer="u1005", slots={**slots, "reset_request_id": "a"}),
    )
    dispatcher, _ = await run_action(
        ActionSendResetCode(),
        make_tracker("手机", "inform", customer="u1005", slots={**slots, "reset_request_id": "b"}),
    )
    assert responses(dispatcher) == ["utter_reset_rate_limited"]


async def test_u1004_locked_login_gets_the_unlock_path():
    dispatcher, events = await run_action(
        ActionDiagnoseLogin(), make_tracker("登不上", "login_problem", customer="u1004")
    )
    assert responses(dispatcher) == ["utter_login_locked"]
    assert "5" in said(dispatcher)
    assert slot_events(events)["reset_purpose"] == "unlock"
    assert slot_events(events)["flow_next"] == "password_reset_form"


async def test_u1008_frozen_account_goes_to_a_person():
    for action, text in (
        (ActionDiagnoseLogin(), "登不上"),
        (ActionOfferPasswordReset(), "忘记密码"),
    ):
        dispatcher, events = await run_action(
            action, make_tracker(text, "login_problem", customer="u1008")
        )
        assert responses(dispatcher) == ["utter_account_frozen"]
        assert slot_events(events)["handoff_reason"] == "account_frozen"


async def test_active_account_gets_the_device_checklist():
    dispatcher, events = await run_action(
        ActionDiagnoseLogin(), make_tracker("登不上", "login_problem", customer="u1001")
    )
    assert responses(dispatcher) == ["utter_login_active_checklist", "utter_ask_problem_solved"]
    assert asked_if_solved(dispatcher, events)


def test_stack_secret_is_long_enough():
    assert len(stack.CHAT_JWT_SECRET) >= 32
