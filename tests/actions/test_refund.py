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


# --- the payment named by description (actions/resolver.py) --------------------------------


async def form_turn(text: str, intent: str = "inform", customer: str = "u1005", **slots):
    """One customer turn while refund_form asks for the payment: extraction, then validation."""
    from rasa_sdk.executor import CollectingDispatcher

    slots = {"requested_slot": "refund_transaction_id", **slots}
    tracker = make_tracker(text, intent, customer=customer, slots=slots)
    dispatcher = CollectingDispatcher()
    extracted = await VALIDATE.extract_refund_transaction_id(dispatcher, tracker, DOMAIN)
    value = extracted.get("refund_transaction_id")
    if value is None:
        return dispatcher, extracted
    method = VALIDATE.validate_refund_transaction_id
    return dispatcher, await method(value, dispatcher, tracker, DOMAIN)


async def test_a_description_up_front_is_resolved_and_named_back():
    dispatcher, events = await run_action(
        ActionStartRefund(),
        make_tracker("美团外卖那个89的想退掉", "request_refund", customer="u1005"),
    )
    slots = slot_events(events)
    assert slots["flow_next"] == "refund_form" and slots["refund_transaction_id"]
    # the form validates the customer's words on activation and says which payment that is
    said_now, result = await validate("refund_transaction_id", slots["refund_transaction_id"])
    assert result["refund_transaction_id"] == "T202611230005"
    assert "美团外卖" in said(said_now) and "¥89.00" in said(said_now)


async def test_the_game_top_up_by_description_gets_the_virtual_goods_reason():
    _, events = await run_action(
        ActionStartRefund(),
        make_tracker("点卡那笔268的能不能退", "request_refund", customer="u1005"),
    )
    value = slot_events(events)["refund_transaction_id"]
    dispatcher, result = await validate("refund_transaction_id", value)
    assert result["refund_transaction_id"] is None
    text = said(dispatcher)
    assert "腾讯游戏" in text and "¥268.00" in text and "虚拟商品" in text


async def test_takeout_answers_the_question_whatever_its_intent():
    for intent in ("inform", "request_refund", "nlu_fallback"):
        dispatcher, result = await form_turn("外卖那笔", intent)
        assert result["refund_transaction_id"] == "T202611230005", intent
        assert "美团外卖" in said(dispatcher)


async def test_second_on_the_list_and_a_correction():
    offered = {"transaction_choices": ["T202611170101", "T202611140102"]}
    dispatcher, result = await form_turn("第二个", customer="u1001", **offered)
    assert result["refund_transaction_id"] == "T202611140102"
    assert "京东" in said(dispatcher) and "¥128.00" in said(dispatcher)

    from rasa_sdk.executor import CollectingDispatcher

    tracker = make_tracker(
        "不是这笔，是京东那笔",
        "deny",
        customer="u1001",
        slots={"requested_slot": "refund_reason", "refund_transaction_id": "T202611170101"},
    )
    extracted = await VALIDATE.extract_refund_reason(CollectingDispatcher(), tracker, DOMAIN)
    assert extracted["refund_transaction_id"] == "京东那笔"
    assert extracted["refund_reason"] is None
    # the 瑞幸 payment's amount does not carry over: the 京东 one is refunded in full
    accepted = {"refund_payee": "瑞幸咖啡", "refund_amount_fen": 1590}
    _, result = await form_turn("京东那笔", customer="u1001", **accepted)
    assert result["refund_transaction_id"] == "T202611140102"
    assert result["refund_amount_fen"] == 12800


async def test_two_rides_are_offered_and_a_failed_payment_is_explained():
    dispatcher, events = await run_action(
        ActionStartRefund(), make_tracker("打车那笔退了吧", "request_refund", customer="u1006")
    )
    assert responses(dispatcher) == ["utter_several_payments_fit"]
    assert slot_events(events)["transaction_choices"] == ["T202611240026", "T202611240016"]

    _, events = await run_action(
        ActionStartRefund(), make_tracker("星巴克那笔199退给我", "request_refund", customer="u1001")
    )
    value = slot_events(events)["refund_transaction_id"]
    tracker = make_tracker("x", "inform", customer="u1001")
    from rasa_sdk.executor import CollectingDispatcher

    said_now = CollectingDispatcher()
    result = await VALIDATE.validate_refund_transaction_id(value, said_now, tracker, DOMAIN)
    assert result["refund_transaction_id"] is None
    assert "没有成功" in said(said_now) and "星巴克" in said(said_now)


async def test_a_payment_the_customer_does_not_have_is_said_and_the_list_offered():
    dispatcher, result = await form_turn("京东那笔")
    assert result["refund_transaction_id"] is None
    assert responses(dispatcher) == ["utter_no_matching_payment"]
    assert "T202611230005" in result["transaction_choices"]


def _eligibility(method_type: str):
    """A refund-eligibility answer as the backend sends it, parsed as the client parses it."""
    from actions.clients.payment_backend.models import RefundEligibility

    return RefundEligibility.parse_obj(
        {
            "transaction_id": "T1",
            "eligible": True,
            "reason_code": None,
            "reason": None,
            "amount_fen": 1000,
            "refunded_fen": 0,
            "refund_in_progress_fen": 0,
            "refundable_fen": 1000,
            "merchant_category": "retail",
            "payment_method": {
                "id": "pm1",
                "type": method_type,
                "bank": "招商银行",
                "last4": "1234",
                "status": "active",
            },
        }
    )


def test_the_arrival_time_of_a_refund_is_the_policys(monkeypatch):
    """The days a refund takes back to a card come from service_kit/policy.yml, not the text:
    a changed policy changes what the customer is told."""
    import dataclasses

    import actions.refund as refund
    from service_kit.policy import POLICY

    assert "1-3个工作日" in refund.arrival_text(_eligibility("debit_card"), "zh")
    assert "3-7 working days" in refund.arrival_text(_eligibility("credit_card"), "en")
    changed = dataclasses.replace(
        POLICY,
        refunds=dataclasses.replace(
            POLICY.refunds,
            arrival_working_days={"balance": (0, 0), "debit_card": (2, 4), "credit_card": (5, 5)},
        ),
    )
    monkeypatch.setattr(refund, "POLICY", changed)
    assert "2-4个工作日" in refund.arrival_text(_eligibility("debit_card"), "zh")
    assert "5 working days" in refund.arrival_text(_eligibility("credit_card"), "en")
