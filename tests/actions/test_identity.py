"""A flow acts only for the customer whose token the current message carries.

The ``customer_id`` slot records who started a flow; it never stands in for the token. A
turn without a token (or with another customer's) stops the form: nothing is validated, read
or changed, and the submission invites the customer to log in (docs/security.md, identity).
"""

from __future__ import annotations

import pytest
from rasa_sdk import Tracker
from rasa_sdk.executor import CollectingDispatcher

from actions.dispute import ActionAskDisputeTransactionId, ActionOpenDispute, ValidateDisputeForm
from actions.handoff import handoff_payload
from actions.identity import flow_customer_id
from actions.password import ActionAskResetChannel, ActionSendResetCode, ValidatePasswordResetForm
from actions.refund import ActionAskRefundTransactionId, ActionSubmitRefund, ValidateRefundForm
from tests.support import stack

from .conftest import DOMAIN, make_tracker, responses, run_action, slot_events

REFUND_SLOTS = {
    "refund_transaction_id": "T202611230005",
    "refund_reason": "不想要了",
    "refund_confirmed": True,
    "refund_amount_fen": 8900,
    "refund_request_id": "r1",
}
FREEZE_SLOTS = {"dispute_type": "unauthorized", "dispute_request_id": "d1"}


def stranger(text: str, intent: str, started_by: str, **slots) -> Tracker:
    """A tokenless message in a conversation whose flow ``started_by`` opened."""
    return make_tracker(text, intent, customer=None, slots={"customer_id": started_by, **slots})


def other_customer(text: str, intent: str, started_by: str, **slots) -> Tracker:
    """A message with u1002's valid token in a conversation whose flow ``started_by`` opened."""
    return make_tracker(text, intent, customer="u1002", slots={"customer_id": started_by, **slots})


def with_answer(tracker: Tracker, slot: str, value) -> Tracker:
    """The tracker as Rasa sends it to a form's validation: the turn's extracted answer last."""
    tracker.events.append({"event": "slot", "name": slot, "value": value})
    return tracker


def test_the_flow_customer_is_the_token_of_the_one_who_started_it():
    assert flow_customer_id(make_tracker("确认", "affirm", customer="u1005")) == "u1005"
    assert flow_customer_id(stranger("确认", "affirm", started_by="u1005")) is None
    assert flow_customer_id(other_customer("确认", "affirm", started_by="u1005")) is None
    expired = make_tracker("确认", "affirm", customer=None, token="not-a-token")
    assert flow_customer_id(expired) is None


@pytest.mark.parametrize("turn", [stranger, other_customer])
async def test_a_refund_form_stops_without_its_customers_token(backend, turn):
    tracker = with_answer(
        turn("T202611230005", "inform", "u1005", refund_request_id="r1"),
        "refund_transaction_id",
        "T202611230005",
    )
    dispatcher, events = await run_action(ValidateRefundForm(), tracker)

    assert dispatcher.messages == []  # nothing looked up, nothing said about the payment
    assert slot_events(events) == {"requested_slot": None}  # the form ends, the answer is dropped


async def test_the_refund_form_goes_on_for_its_customer(backend):
    tracker = with_answer(
        make_tracker(
            "T202611230005", "inform", customer="u1005", slots={"refund_request_id": "r1"}
        ),
        "refund_transaction_id",
        "T202611230005",
    )
    _, events = await run_action(ValidateRefundForm(), tracker)
    assert slot_events(events)["refund_transaction_id"] == "T202611230005"
    assert slot_events(events).get("requested_slot", "unchanged") is not None  # not ended


@pytest.mark.parametrize("turn", [stranger, other_customer])
async def test_no_refund_is_filed_without_the_customers_token(backend, turn):
    before = stack.backend_get(backend, "/v1/customers/u1005/refunds")["items"]
    dispatcher, events = await run_action(
        ActionSubmitRefund(), turn("确认", "affirm", "u1005", **REFUND_SLOTS)
    )
    assert responses(dispatcher) == ["utter_login_to_continue"]
    assert all(slot_events(events)[slot] is None for slot in REFUND_SLOTS)
    assert stack.backend_get(backend, "/v1/customers/u1005/refunds")["items"] == before


async def test_the_refund_question_lists_nothing_for_a_stranger(backend):
    dispatcher, _ = await run_action(
        ActionAskRefundTransactionId(), stranger("", "request_refund", "u1005")
    )
    assert all(not m.get("buttons") for m in dispatcher.messages)


async def test_a_tokenless_yes_freezes_nothing(backend):
    tracker = with_answer(
        stranger("是的", "affirm", "u1001", **FREEZE_SLOTS), "dispute_freeze_confirmed", True
    )
    dispatcher, events = await run_action(ValidateDisputeForm(), tracker)

    assert dispatcher.messages == []
    assert slot_events(events)["requested_slot"] is None
    methods = stack.backend_get(backend, "/v1/customers/u1001/payment-methods")["items"]
    assert not any(m["status"] == "frozen" for m in methods)

    # even called directly, the validator acts for nobody
    direct = await ValidateDisputeForm().validate_dispute_freeze_confirmed(
        True, CollectingDispatcher(), stranger("是的", "affirm", "u1001", **FREEZE_SLOTS), DOMAIN
    )
    assert direct == {"dispute_freeze_confirmed": None}
    methods = stack.backend_get(backend, "/v1/customers/u1001/payment-methods")["items"]
    assert not any(m["status"] == "frozen" for m in methods)


async def test_the_dispute_ends_with_a_login_prompt_and_lists_no_payments(backend):
    asked, _ = await run_action(
        ActionAskDisputeTransactionId(), stranger("", "affirm", "u1001", **FREEZE_SLOTS)
    )
    assert all(not m.get("buttons") for m in asked.messages)

    before = stack.backend_get(backend, "/v1/customers/u1001/disputes")["items"]
    slots = {**FREEZE_SLOTS, "dispute_transaction_id": "T202611200001"}
    dispatcher, events = await run_action(
        ActionOpenDispute(), stranger("T202611200001", "inform", "u1001", **slots)
    )
    assert responses(dispatcher) == ["utter_login_to_continue"]
    assert "followup" not in {e["event"] for e in events}  # no handoff in their name either
    assert stack.backend_get(backend, "/v1/customers/u1001/disputes")["items"] == before


async def test_no_code_is_sent_without_the_customers_token(backend):
    tracker = with_answer(
        stranger("发到手机", "inform", "u1003", reset_purpose="password_reset"),
        "reset_channel",
        "发到手机",
    )
    validated, events = await run_action(ValidatePasswordResetForm(), tracker)
    assert validated.messages == [] and slot_events(events)["requested_slot"] is None

    asked, _ = await run_action(ActionAskResetChannel(), stranger("", "affirm", "u1003"))
    assert [b["payload"] for m in asked.messages for b in m["buttons"]] == ["/deny"]

    slots = {"reset_channel": "sms", "reset_purpose": "password_reset", "reset_request_id": "p1"}
    dispatcher, _ = await run_action(
        ActionSendResetCode(), stranger("发到手机", "inform", "u1003", **slots)
    )
    assert responses(dispatcher) == ["utter_login_to_continue"]


def test_a_tokenless_handoff_carries_no_customer():
    assert handoff_payload(stranger("转人工", "request_human", "u1005"), "x")["customer_id"] is None
    mine = make_tracker("转人工", "request_human", customer="u1005")
    assert handoff_payload(mine, "x")["customer_id"] == "u1005"
