"""action_diagnose_payment_failure against the demo customers' real data."""

from __future__ import annotations

from actions.payment_failed import ActionDiagnosePaymentFailure

from .conftest import (
    asked_if_solved,
    entity,
    followup,
    make_tracker,
    responses,
    run_action,
    said,
    slot_events,
)

ACTION = ActionDiagnosePaymentFailure()


async def test_u1001_hears_balance_against_amount():
    dispatcher, events = await run_action(ACTION, make_tracker("我付款失败了", customer="u1001"))
    text = said(dispatcher)
    assert "¥35.20" in text and "¥199.00" in text and "星巴克" in text
    assert "¥163.80" in text  # the shortfall
    assert slot_events(events)["transaction_id"] == "T202611200001"
    assert "INSUFFICIENT_BALANCE" in slot_events(events)["diagnosis"]
    assert asked_if_solved(dispatcher, events)


async def test_u1002_hears_the_single_payment_limit_and_another_card():
    dispatcher, events = await run_action(ACTION, make_tracker("付不了款", customer="u1002"))
    text = said(dispatcher)
    assert "¥2,000.00" in text and "¥3,299.00" in text and "京东" in text
    assert "工商银行" in text  # the debit card that can carry the amount
    assert asked_if_solved(dispatcher, events)


async def test_u1003_is_told_to_check_the_payee():
    dispatcher, _ = await run_action(ACTION, make_tracker("转账失败", customer="u1003"))
    assert responses(dispatcher) == ["utter_diagnosis_invalid_payee", "utter_ask_problem_solved"]
    assert "¥500.00" in said(dispatcher)


async def test_u1006_pending_payment_warns_against_paying_twice():
    dispatcher, _ = await run_action(ACTION, make_tracker("付款一直转圈", customer="u1006"))
    text = said(dispatcher)
    assert "处理中" in text and "不要重复付款" in text and "¥1,200.00" in text


async def test_u1008_risk_control_goes_to_a_person():
    dispatcher, events = await run_action(ACTION, make_tracker("付款失败", customer="u1008"))
    assert "utter_diagnosis_needs_agent" in responses(dispatcher)
    assert slot_events(events)["handoff_reason"] == "risk_control"
    assert followup(events) == "action_hand_off"


async def test_u1009_expired_card_suggests_the_debit_card():
    dispatcher, _ = await run_action(ACTION, make_tracker("付款失败", customer="u1009"))
    text = said(dispatcher)
    assert "已过期" in text and "中国银行" in text


async def test_named_transaction_is_used_and_someone_elses_is_not_found():
    tracker = make_tracker(
        "T202611210002 怎么失败了",
        customer="u1002",
        entities=[entity("transaction_id", "T202611210002")],
    )
    dispatcher, _ = await run_action(ACTION, tracker)
    assert "utter_diagnosis_limit_exceeded" in responses(dispatcher)

    # u1001 asks about u1002's payment: not found, never someone else's data
    tracker = make_tracker(
        "T202611210002", customer="u1001", entities=[entity("transaction_id", "T202611210002")]
    )
    dispatcher, _ = await run_action(ACTION, tracker)
    assert responses(dispatcher)[0] == "utter_transaction_not_found"
    assert "京东" not in said(dispatcher)


async def test_customer_without_failed_payments_gets_the_checklist():
    dispatcher, events = await run_action(ACTION, make_tracker("付款失败", customer="u1005"))
    assert responses(dispatcher) == [
        "utter_no_failed_payment_found",
        "utter_payment_failed_checklist",
        "utter_ask_problem_solved",
    ]
    assert asked_if_solved(dispatcher, events)


async def test_anonymous_and_forged_tokens_get_the_general_checklist():
    for tracker in (
        make_tracker("付款失败", customer=None),
        make_tracker("付款失败", customer="u1001", token="not-a-token"),
    ):
        dispatcher, events = await run_action(ACTION, tracker)
        assert responses(dispatcher) == [
            "utter_payment_failed_checklist",
            "utter_login_for_account_help",
            "utter_ask_problem_solved",
        ]
        assert "customer_id" not in slot_events(events)


async def test_backend_down_apologises_with_the_checklist_and_hands_off(monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")  # nothing listens there
    dispatcher, events = await run_action(ACTION, make_tracker("付款失败", customer="u1001"))
    assert responses(dispatcher) == ["utter_backend_unavailable", "utter_payment_failed_checklist"]
    assert "付款记录" in said(dispatcher)
    assert slot_events(events)["handoff_reason"] == "backend_unavailable"
    assert followup(events) == "action_hand_off"


async def test_a_description_finds_the_payment_among_all_of_the_customers():
    tracker = make_tracker("在京东买电脑3299 信用卡付不了", customer="u1002")
    dispatcher, _ = await run_action(ACTION, tracker)
    assert "utter_diagnosis_limit_exceeded" in responses(dispatcher)
    assert "¥3,299.00" in said(dispatcher)

    dispatcher, _ = await run_action(
        ACTION, make_tracker("订酒店的钱扣了没有 一直在处理中", customer="u1006")
    )
    text = said(dispatcher)
    assert "携程旅行" in text and "¥1,200.00" in text and "处理中" in text
    assert "滴滴" not in text


async def test_several_fitting_payments_are_offered_and_a_number_picks_one():
    dispatcher, events = await run_action(ACTION, make_tracker("打车付款失败", customer="u1006"))
    assert responses(dispatcher) == ["utter_several_payments_fit"]
    slots = slot_events(events)
    assert slots["transaction_choices"] == ["T202611240026", "T202611240016"]
    assert slots["transaction_choices_flow"] == ACTION.name()

    history = [
        {"event": "user", "text": "打车付款失败", "parse_data": {}},
        {"event": "action", "name": ACTION.name()},
        {"event": "action", "name": "action_listen"},
    ]
    tracker = make_tracker("第二个", "inform", customer="u1006", slots=slots, events=history)
    dispatcher, events = await run_action(ACTION, tracker)
    assert responses(dispatcher) == ["utter_payment_actually_succeeded"]
    assert slot_events(events)["transaction_id"] == "T202611240016"
    assert slot_events(events)["transaction_choices"] is None


async def test_a_payment_the_customer_does_not_have_is_said_plainly():
    dispatcher, events = await run_action(ACTION, make_tracker("京东那笔付不了", customer="u1005"))
    assert responses(dispatcher) == ["utter_no_matching_payment", "utter_recent_payments"]
    assert "T202611230005" in slot_events(events)["transaction_choices"]


async def test_still_failing_after_the_checklist_is_a_no_to_did_that_solve_it():
    waiting = {"awaiting_resolution": True}
    tracker = make_tracker("还是付不了啊", customer="u1001", slots=waiting)
    dispatcher, events = await run_action(ACTION, tracker)
    assert dispatcher.messages == [] and followup(events) == "action_checklist_unresolved"
    # another payment named is a new question, diagnosed
    tracker = make_tracker("京东那笔还是付不了", customer="u1002", slots=waiting)
    dispatcher, events = await run_action(ACTION, tracker)
    assert "utter_diagnosis_limit_exceeded" in responses(dispatcher)


async def test_paying_another_way_after_the_checklist_is_a_yes_to_did_that_solve_it():
    # classified as a payment message, but it answers the question just asked: the closing
    waiting = {"awaiting_resolution": True}
    for message in ("used my debit card instead and it went through", "换了张储蓄卡 付成功了"):
        tracker = make_tracker(message, customer="u1002", slots=waiting)
        dispatcher, events = await run_action(ACTION, tracker)
        assert dispatcher.messages == [], message
        assert followup(events) == "action_resolution_confirmed", message
    # without the question pending, it is diagnosed as usual
    tracker = make_tracker("used my debit card instead and it went through", customer="u1002")
    dispatcher, events = await run_action(ACTION, tracker)
    assert followup(events) is None and dispatcher.messages
