"""The refund flow's actions against u1005's real payments."""

from __future__ import annotations

from actions.refund import (
    ActionAskRefundConfirmed,
    ActionAskRefundTransactionId,
    ActionStartRefund,
    ActionSubmitRefund,
    ValidateRefundForm,
)

from .conftest import (
    DOMAIN,
    entity,
    make_tracker,
    responses,
    run_action,
    said,
    slot_events,
)

VALIDATE = ValidateRefundForm()


async def validate(slot: str, value, **slots):
    tracker = make_tracker("x", "inform", customer="u1005", slots=slots)
    from rasa_sdk.executor import CollectingDispatcher

    dispatcher = CollectingDispatcher()
    method = getattr(VALIDATE, f"validate_{slot}")
    return dispatcher, await method(value, dispatcher, tracker, DOMAIN)


async def test_start_opens_the_form_for_a_customer_with_refundable_payments():
    dispatcher, events = await run_action(
        ActionStartRefund(), make_tracker("我要退款", "request_refund", customer="u1005")
    )
    assert slot_events(events)["flow_next"] == "refund_form"
    assert slot_events(events)["refund_request_id"]
    assert dispatcher.messages == []


async def test_the_question_offers_the_refundable_payment_only():
    dispatcher, _ = await run_action(
        ActionAskRefundTransactionId(), make_tracker("", "request_refund", customer="u1005")
    )
    (message,) = dispatcher.messages
    payloads = [b["payload"] for b in message["buttons"]]
    assert any("T202611230005" in p for p in payloads)
    assert not any("T202610010005" in p for p in payloads)  # virtual goods


async def test_eligibility_right_for_both_of_u1005s_payments():
    dispatcher, result = await validate("refund_transaction_id", "T202611230005")
    assert result["refund_transaction_id"] == "T202611230005"
    assert result["refund_amount_text"] == "¥89.00"
    assert "余额" in result["refund_arrival"]

    dispatcher, result = await validate("refund_transaction_id", "t202610010005")
    assert result["refund_transaction_id"] is None
    assert responses(dispatcher) == ["utter_refund_not_eligible"]
    assert "虚拟商品" in said(dispatcher) and "¥268.00" in said(dispatcher)


async def test_a_payment_of_someone_else_is_not_found():
    dispatcher, result = await validate("refund_transaction_id", "T202611200001")
    assert result["refund_transaction_id"] is None
    assert responses(dispatcher) == ["utter_transaction_not_found"]


async def test_reason_and_cancel_words():
    _, result = await validate("refund_reason", "买错了，不想要了")
    assert result == {"refund_reason": "买错了，不想要了"}
    _, result = await validate("refund_reason", "算了")
    assert result["refund_cancelled"] is True


async def test_confirmation_states_amount_and_route():
    slots = {
        "refund_amount_text": "¥89.00",
        "refund_payee": "美团外卖",
        "refund_transaction_id": "T202611230005",
        "refund_arrival": "原路退回余额，审核通过后即时到账",
    }
    dispatcher, _ = await run_action(
        ActionAskRefundConfirmed(), make_tracker("", "inform", customer="u1005", slots=slots)
    )
    text = said(dispatcher)
    assert "¥89.00" in text and "美团外卖" in text and "余额" in text


async def test_submission_is_idempotent_and_tells_the_refund_id():
    slots = {
        "refund_transaction_id": "T202611230005",
        "refund_reason": "买错了",
        "refund_confirmed": True,
        "refund_amount_fen": 8900,
        "refund_arrival": "原路退回余额，审核通过后即时到账",
        "refund_request_id": "req-1",
    }
    tracker = make_tracker("确认", "affirm", customer="u1005", slots=slots)
    first, _ = await run_action(ActionSubmitRefund(), tracker)
    again, _ = await run_action(ActionSubmitRefund(), tracker)  # a retried action
    assert responses(first) == ["utter_refund_submitted"]
    refund_id = first.messages[0]["refund_id"]
    assert refund_id.startswith("R") and again.messages[0]["refund_id"] == refund_id
    assert first.messages[0]["amount"] == "¥89.00"


async def test_a_no_at_the_end_submits_nothing():
    slots = {"refund_transaction_id": "T202611230005", "refund_confirmed": False}
    dispatcher, events = await run_action(
        ActionSubmitRefund(), make_tracker("不了", "deny", customer="u1005", slots=slots)
    )
    assert responses(dispatcher) == ["utter_refund_cancelled"]
    assert slot_events(events)["refund_transaction_id"] is None


async def test_partial_amount_from_the_request():
    tracker = make_tracker(
        "退我50块", "request_refund", customer="u1005", entities=[entity("amount", 50)]
    )
    _, events = await run_action(ActionStartRefund(), tracker)
    assert slot_events(events)["refund_amount_fen"] == 5000
