"""action_handle_scam: scam warnings, and the victim's protection path with and without a token."""

from __future__ import annotations

import pytest

from actions.handoff import handoff_payload
from actions.scam import (
    ACCOUNT_TAKEOVER,
    SCAM_VICTIM,
    WARNING,
    ActionHandleScam,
    classify,
    situation,
)

from .conftest import DOMAIN, followup, make_tracker, responses, run_action, said, slot_events

ACTION = ActionHandleScam()
CODE_REQUEST = "刚才有人自称eepay客服 说我账户有风险 要我报一下短信验证码"
SCREEN_SHARE = "对方说退款要先开个会议软件共享屏幕 这是你们的人吗"
VICTIM = "我被骗了 转了5000到安全账户"


@pytest.mark.parametrize(
    ("message", "kind", "what"),
    [
        (CODE_REQUEST, WARNING, "code"),
        (SCREEN_SHARE, WARNING, "screen_share"),
        ("有人让我把钱转到安全账户 说我的钱不安全", WARNING, "safe_account"),
        ("快递员说包裹丢了要理赔 让我先付保证金", WARNING, "fee_first"),
        ("网上找的兼职刷单 可以做吗", WARNING, "brushing"),
        ("這是詐騙電話嗎 對方叫我開螢幕分享", WARNING, "screen_share"),
        ("是不是被骗了 对方一直要验证码", WARNING, "code"),
        (VICTIM, SCAM_VICTIM, "safe_account"),
        ("I got scammed and already sent money", SCAM_VICTIM, "impersonation"),
        ("账号被盗了登不上", ACCOUNT_TAKEOVER, "impersonation"),
        ("/report_scam", SCAM_VICTIM, "impersonation"),  # the warning's "我已经转钱了" button
        ("余额被陌生人转走了", SCAM_VICTIM, "impersonation"),  # money gone: protect first
    ],
)
def test_what_the_message_describes(message, kind, what):
    assert classify(message) == kind
    assert situation(message) == what


@pytest.mark.parametrize(
    ("message", "point"), [(CODE_REQUEST, "验证码和密码"), (SCREEN_SHARE, "共享屏幕")]
)
async def test_a_scam_attempt_is_named_and_warned_about_with_the_official_channels(message, point):
    for customer in (None, "u1001"):
        dispatcher, events = await run_action(
            ACTION, make_tracker(message, "report_scam", customer=customer)
        )
        text = said(dispatcher)
        assert responses(dispatcher) == ["utter_scam_warning"]
        assert point in text and "诈骗" in text
        assert "96110" in text and "110" in text and "400-888-6688" in text
        assert followup(events) is None  # a warning alone does not queue anyone
        assert slot_events(events).get("flow_next") is None


async def test_an_anonymous_victim_hears_what_to_do_now_and_gets_an_urgent_person():
    dispatcher, events = await run_action(
        ACTION, make_tracker(VICTIM, "report_scam", customer=None)
    )
    text = said(dispatcher)
    assert responses(dispatcher) == ["utter_scam_victim_anonymous"]
    assert "110" in text and "400-888-6688" in text and "注册手机号" in text
    # they cannot get into the app: it is not where they are sent to freeze anything
    assert "安全中心" not in text and "请先登录" not in text
    assert slot_events(events)["handoff_reason"] == SCAM_VICTIM
    assert followup(events) == "action_hand_off"
    assert "dispute_type" not in slot_events(events)  # nothing is done to any account


async def test_a_logged_in_victim_is_offered_the_freeze_and_a_case():
    dispatcher, events = await run_action(ACTION, make_tracker(VICTIM, "report_scam"))
    assert responses(dispatcher) == ["utter_scam_victim"]
    slots = slot_events(events)
    assert slots["flow_next"] == "dispute_form"
    assert slots["dispute_type"] == "unauthorized"  # freeze question first, case, urgent
    assert slots["customer_id"] == "u1001"
    assert "110" in said(dispatcher)


def test_victims_are_handed_off_as_urgent():
    tracker = make_tracker(VICTIM, "report_scam", customer=None)
    for reason in (SCAM_VICTIM, ACCOUNT_TAKEOVER, "unauthorized_transaction"):
        assert handoff_payload(tracker, reason)["priority"] == "urgent"


def test_money_and_code_answers_carry_a_static_warning():
    def zh(name: str) -> str:
        return DOMAIN["responses"][name][0]["text"]

    opened = zh("utter_unauthorized_case_opened")
    assert "请留意电话和消息" not in opened  # what a scammer calls next
    assert "验证码" in opened and "转账" in opened
    assert "诈骗" in zh("utter_request_refund_guide")
    assert "验证码" in zh("utter_contact_info") and "安全账户" in zh("utter_contact_info")
    assert "不要发给任何人" in zh("utter_forgot_password_steps")
    assert "不要发给任何人" in zh("utter_forgot_pay_password_steps")
