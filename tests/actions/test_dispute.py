"""Disputes: duplicates detected from the data, unauthorized use frozen and escalated."""

from __future__ import annotations

from rasa_sdk.executor import CollectingDispatcher

from actions.clients.payment_backend import BackendClient
from actions.dispute import ActionOpenDispute, ActionStartDispute, ValidateDisputeForm, classify
from tests.support import stack

from .conftest import DOMAIN, followup, make_tracker, responses, run_action, said, slot_events


def test_classification_of_customer_words():
    assert classify("不是我本人操作的") == "unauthorized"
    assert classify("滴滴扣了我两次") == "duplicate_charge"
    assert classify("金额不对啊") == "wrong_amount"
    assert classify("商家说没收到钱") == "merchant_issue"
    assert classify("这笔有问题") is None


async def test_u1006_duplicate_is_detected_and_a_case_opened():
    dispatcher, events = await run_action(
        ActionStartDispute(),
        make_tracker("滴滴扣了我两次58", "transaction_dispute", customer="u1006"),
    )
    assert responses(dispatcher) == ["utter_duplicate_charge_case"]
    text = said(dispatcher)
    assert "T202611240016" in text and "T202611240026" in text and "¥58.00" in text
    assert "duplicate charge" in slot_events(events)["diagnosis"]
    again, _ = await run_action(
        ActionStartDispute(), make_tracker("又扣两次了吗", "transaction_dispute", customer="u1006")
    )
    assert again.messages[0]["case_id"] == dispatcher.messages[0]["case_id"]  # one case, not two


async def test_unauthorized_use_is_urgent_freezes_and_hands_off(backend):
    dispatcher, events = await run_action(
        ActionStartDispute(),
        make_tracker("不是我付的钱 被盗刷了", "transaction_dispute", customer="u1001"),
    )
    assert responses(dispatcher) == ["utter_unauthorized_urgent"]
    assert slot_events(events)["dispute_type"] == "unauthorized"
    assert slot_events(events)["flow_next"] == "dispute_form"

    validate = ValidateDisputeForm()
    tracker = make_tracker(
        "好",
        "affirm",
        customer="u1001",
        slots={"dispute_type": "unauthorized", "dispute_request_id": "x"},
    )
    said_now = CollectingDispatcher()
    result = await validate.validate_dispute_freeze_confirmed(True, said_now, tracker, DOMAIN)
    assert result == {"dispute_freeze_confirmed": True}
    assert "招商银行" in "\n".join(m.get("methods", "") for m in said_now.messages)
    client = BackendClient(backend.url, stack.BACKEND_TOKEN)
    methods = await client.list_payment_methods("u1001")
    await client.aclose()
    assert all(m.status == "frozen" for m in methods)

    slots = {
        "dispute_type": "unauthorized",
        "dispute_transaction_id": "T202611200001",
        "dispute_freeze_confirmed": True,
        "dispute_request_id": "x",
    }
    dispatcher, events = await run_action(
        ActionOpenDispute(), make_tracker("T202611200001", "inform", customer="u1001", slots=slots)
    )
    assert responses(dispatcher) == ["utter_unauthorized_case_opened"]
    assert slot_events(events)["handoff_reason"] == "unauthorized_transaction"
    assert followup(events) == "action_hand_off"


async def test_unclear_dispute_asks_the_kind():
    _, events = await run_action(
        ActionStartDispute(),
        make_tracker("这笔交易有问题", "transaction_dispute", customer="u1005"),
    )
    assert slot_events(events)["dispute_type"] is None
    assert slot_events(events)["flow_next"] == "dispute_form"
