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


# --- nothing is filed for a payment the customer did not name or confirm (issue 19, 6) ------


async def test_a_pending_hotel_payment_gets_its_state_not_a_case_for_the_rides(backend):
    for text in ("订酒店的钱扣了没有 一直在处理中", "酒店那笔是不是扣了两次"):
        dispatcher, events = await run_action(
            ActionStartDispute(), make_tracker(text, "transaction_dispute", customer="u1006")
        )
        assert "utter_diagnosis_pending" in responses(dispatcher), text
        assert "utter_duplicate_charge_case" not in responses(dispatcher)
        assert "携程旅行" in said(dispatcher) and "滴滴" not in said(dispatcher)
        assert slot_events(events)["flow_next"] is None
    client = BackendClient(backend.url, stack.BACKEND_TOKEN)
    disputes = await client.list_disputes("u1006")
    await client.aclose()
    assert disputes.items == []


async def test_a_pair_the_customer_did_not_report_is_not_filed():
    dispatcher, events = await run_action(
        ActionStartDispute(),
        make_tracker("这笔交易有问题", "transaction_dispute", customer="u1006"),
    )
    assert "utter_duplicate_charge_case" not in responses(dispatcher)
    assert slot_events(events)["flow_next"] == "dispute_form"
    assert slot_events(events)["dispute_type"] is None


async def test_traditional_script_duplicate_report_is_filed():
    dispatcher, _ = await run_action(
        ActionStartDispute(),
        make_tracker("滴滴重複扣款了 扣了兩次", "transaction_dispute", customer="u1006"),
    )
    assert responses(dispatcher) == ["utter_duplicate_charge_case"]


async def test_a_described_payment_is_confirmed_before_the_case():
    dispatcher, events = await run_action(
        ActionStartDispute(),
        make_tracker("京东那笔128不是我买的", "transaction_dispute", customer="u1001"),
    )
    slots = slot_events(events)
    assert slots["dispute_type"] == "unauthorized"
    assert slots["dispute_transaction_id"] is None  # not yet: the customer confirms first
    assert slots["transaction_choices"] == ["T202611140102"]

    from actions.dispute import ActionAskDisputeTransactionId

    asked, _ = await run_action(
        ActionAskDisputeTransactionId(),
        make_tracker("不冻结", "deny", customer="u1001", slots=slots),
    )
    assert responses(asked) == ["utter_confirm_payment"]
    assert "京东" in said(asked) and "¥128.00" in said(asked)

    for answer, intent in (("对 就是这笔", "affirm"), ("/affirm", "affirm")):
        _, result = await payment_answer(answer, intent, "u1001", slots)
        assert result == {"dispute_transaction_id": "T202611140102", "transaction_choices": None}
    # a no to "is it this one?" shows the others instead of filing or dropping everything
    for answer, intent in (("不是", "deny"), ("/deny", "deny")):
        _, result = await payment_answer(answer, intent, "u1001", slots)
        assert result == {"dispute_transaction_id": None, "transaction_choices": None}
    _, result = await payment_answer("算了", "deny", "u1001", slots)
    assert result == {"dispute_transaction_id": None, "dispute_cancelled": True}


async def payment_answer(text: str, intent: str, customer: str, slots: dict):
    """A turn answering "which payment?": what dispute_form extracts and then validates."""
    form_slots = {**slots, "requested_slot": "dispute_transaction_id"}
    tracker = make_tracker(text, intent, customer=customer, slots=form_slots)
    said_now = CollectingDispatcher()
    validate = ValidateDisputeForm()
    extracted = await validate.extract_dispute_transaction_id(said_now, tracker, DOMAIN)
    value = extracted["dispute_transaction_id"]
    return said_now, await validate.validate_dispute_transaction_id(
        value, said_now, tracker, DOMAIN
    )


async def test_a_description_typed_at_the_question_is_named_back_first():
    slots = {"dispute_type": "merchant_issue"}
    said_now, result = await payment_answer("外卖那笔36块5的", "inform", "u1004", slots)
    assert result == {"dispute_transaction_id": None, "transaction_choices": ["T202611190401"]}


def test_freeze_answers_in_the_customers_words():
    from actions.dispute import freeze_answer

    for text in ("不冻结", "先不用冻结", "先别冻", "don't freeze", "不"):
        assert freeze_answer(text) is False, text
    for text in ("好 赶紧冻结", "帳戶凍結吧", "yes freeze everything", "好"):
        assert freeze_answer(text) is True, text
    assert freeze_answer("我想想") is None
