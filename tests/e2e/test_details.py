"""查看详情 / More details end to end (issue 19): a long checklist arrives as a short answer
with a button; the button, or typing 详细说说 / tell me more, brings the full steps, in the
customer's language, and a form asking something goes on asking it afterwards."""

from __future__ import annotations

import pytest

from service_kit.language import ENGLISH, TRADITIONAL, detect_language
from tests.e2e.test_flows import Customer, buttons, fresh_demo_data  # noqa: F401 (a fixture)

pytestmark = pytest.mark.e2e

DETAILS = '/more_details{"details":"utter_payment_failed_checklist_details"}'


def text_of(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def details_button(replies: list[dict]) -> dict:
    offered = [b for b in buttons(replies) if b["payload"].startswith("/more_details")]
    assert len(offered) == 1, replies
    return offered[0]


def test_anonymous_payment_failure_gets_the_short_checklist_and_the_button_the_full_one(stack):
    customer = Customer(stack, None)
    replies = customer.say("付款失败了")
    short = text_of(replies)
    assert "余额" in short and "别重复付款" in short
    assert "核对收款方账号" not in short  # that step is behind the button
    button = details_button(replies)
    assert button["title"] == "查看详情" and button["payload"] == DETAILS

    full = customer.say(button["payload"])
    text = text_of(full)
    assert "核对收款方账号" in text and "5." in text
    # the checklist's question is still open: yes / no keep their meaning
    assert {b["payload"] for b in buttons(full)} >= {"/affirm", "/deny"}
    assert "人工客服" in customer.says("/deny")


def test_typing_for_more_after_the_checklist_gets_the_full_steps(stack):
    customer = Customer(stack, None)
    customer.say("付款失败了")
    assert "核对收款方账号" in customer.says("详细说说")


def test_traditional_chinese_gets_the_button_and_the_details_converted(stack):
    customer = Customer(stack, None)
    replies = customer.say("付款失敗了 怎麼辦")
    button = details_button(replies)
    # Taiwan usage by default (s2twp): 查看詳情 reads 檢視詳情
    assert button["title"] in ("檢視詳情", "查看詳情") and button["payload"] == DETAILS
    text = customer.says(button["payload"])
    assert detect_language(text) == TRADITIONAL, text
    assert "核對收款方帳號" in text or "核對收款方賬號" in text


def test_english_gets_more_details(stack):
    customer = Customer(stack, None)
    replies = customer.say("my payment failed, what should i do")
    button = details_button(replies)
    assert button["title"] == "More details"
    text = customer.says("tell me more")
    assert detect_language(text) == ENGLISH, text
    assert "Check the payee's account" in text


def test_asking_for_details_in_a_form_answers_and_returns_to_its_question(stack):
    u1004 = Customer(stack, "u1004")
    assert "锁定" in u1004.says("登录不了 说账号锁了")  # the form asks: phone or email?
    replies = u1004.say("详细说说")
    # nothing was offered to expand: the topics, then the form's question again
    assert "详细了解" in text_of(replies)
    assert "验证码发到哪里" in text_of(replies)
    sent = u1004.says("发到手机")
    assert "138****1004" in sent
