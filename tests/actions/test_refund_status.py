"""action_check_refund_status: statuses, arrival dates, overdue refunds go to a person."""

from __future__ import annotations

from actions.refund_status import ActionCheckRefundStatus

from .conftest import followup, make_tracker, responses, run_action, said, slot_events

ACTION = ActionCheckRefundStatus()


async def test_u1005_refund_under_review_with_dates():
    dispatcher, events = await run_action(
        ACTION, make_tracker("退款到哪了", "refund_status", customer="u1005")
    )
    text = said(dispatcher)
    assert "R202611180005" in text and "审核中" in text and "¥45.50" in text
    assert followup(events) is None


async def test_u1007_overdue_refund_is_handed_off():
    dispatcher, events = await run_action(
        ACTION, make_tracker("退款怎么还没到", "refund_status", customer="u1007")
    )
    assert "utter_refund_overdue" in responses(dispatcher)
    assert slot_events(events)["handoff_reason"] == "refund_overdue"
    assert followup(events) == "action_hand_off"


async def test_no_refunds():
    dispatcher, _ = await run_action(
        ACTION, make_tracker("退款进度", "refund_status", customer="u1001")
    )
    assert responses(dispatcher) == ["utter_no_refunds_found", "utter_refund_status_guide"]


async def test_refunds_of_the_payment_named_by_description():
    dispatcher, _ = await run_action(
        ACTION, make_tracker("盒马那个退款啥时候到", "refund_status", customer="u1005")
    )
    text = said(dispatcher)
    assert "盒马鲜生" in text and "¥45.50" in text and "审核中" in text


async def test_a_named_payment_without_a_refund_gets_its_own_state():
    dispatcher, _ = await run_action(
        ACTION, make_tracker("携程那笔退款到哪了", "refund_status", customer="u1006")
    )
    assert "utter_diagnosis_pending" in responses(dispatcher)
    assert "¥1,200.00" in said(dispatcher)

    dispatcher, _ = await run_action(
        ACTION, make_tracker("外卖那笔退款呢", "refund_status", customer="u1005")
    )
    assert responses(dispatcher) == ["utter_no_refund_for_payment"]
    assert "美团外卖" in said(dispatcher)
