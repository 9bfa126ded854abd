"""Scams over REST: recognised in any flow, warned about, and victims protected (issue 19, 3).

The examples of the issue, typed as a customer would; handoffs wait in the stack's outbox,
where the tests read their reason and priority.
"""

from __future__ import annotations

import pytest

from tests.e2e.test_flows import Customer, buttons
from tests.support import stack as services

pytestmark = pytest.mark.e2e

NOT_UNDERSTOOD = "没太看懂"


@pytest.fixture(autouse=True)
def fresh_demo_data(stack):
    services.reset_demo_data(stack.backend)


def tickets(stack, sender: str) -> list[dict]:
    """The handoffs filed for one conversation."""
    return stack.parked_handoffs(sender)


@pytest.mark.parametrize(
    ("message", "point"),
    [
        ("刚才有人自称eepay客服 说我账户有风险 要我报一下短信验证码", "验证码"),
        ("对方说退款要先开个会议软件共享屏幕 这是你们的人吗", "共享屏幕"),
    ],
)
def test_a_scam_attempt_gets_a_plain_warning_with_the_official_channels(stack, message, point):
    customer = Customer(stack, None)
    text = customer.says(message)
    assert NOT_UNDERSTOOD not in text
    assert "诈骗" in text and point in text
    assert "96110" in text and "110" in text and "400-888-6688" in text
    assert not tickets(stack, customer.sender)  # a warning alone queues nobody


def test_an_anonymous_victim_is_told_what_to_do_and_handed_off_urgently(stack):
    customer = Customer(stack, None)
    text = customer.says("我被骗了 转了5000到安全账户")
    assert "110" in text and "400-888-6688" in text and "注册手机号" in text
    assert "安全中心" not in text  # not told to freeze in an app they cannot get into
    [ticket] = tickets(stack, customer.sender)
    assert ticket["priority"] == "urgent" and ticket["reason"] == "scam_victim"
    assert ticket["customer_id"] is None


def test_the_warnings_already_sent_money_button_starts_the_victims_path(stack):
    customer = Customer(stack, None)
    warning = customer.say("有个人说是eepay的 要我把钱转到安全账户")
    [button] = [b for b in buttons(warning) if b["title"] == "我已经转钱了"]
    assert "110" in customer.says(button["payload"])
    [ticket] = tickets(stack, customer.sender)
    assert ticket["priority"] == "urgent"


def test_a_logged_in_victim_gets_the_freeze_a_case_and_an_urgent_person(stack):
    u1001 = Customer(stack, "u1001")
    asked = u1001.says("我被骗了 转了5000到安全账户")
    assert "110" in asked and "冻结" in asked

    u1001.say("/affirm")
    methods = services.backend_get(stack.backend, "/v1/customers/u1001/payment-methods")["items"]
    assert methods and all(m["status"] == "frozen" for m in methods)

    replies = u1001.say('/inform{"transaction_id":"T202611170101"}')
    text = "\n".join(r.get("text", "") for r in replies)
    assert "申诉" in text and "请留意电话和消息" not in text
    [ticket] = tickets(stack, u1001.sender)
    assert ticket["priority"] == "urgent" and ticket["customer_id"] == "u1001"


def test_a_scam_is_recognised_in_the_middle_of_another_flow(stack):
    u1005 = Customer(stack, "u1005")
    assert buttons(u1005.say("我要退款"))  # the refund form asks which payment
    text = u1005.says("等一下 刚才有个人说是你们客服 让我把验证码发给他")
    assert "诈骗" in text and "96110" in text
    assert "退款" not in u1005.says("好的 谢谢")  # the refund form was left


def test_an_anonymous_stolen_account_gets_the_takeover_path(stack):
    customer = Customer(stack, None)
    text = customer.says("账号被盗了登不上")
    assert "冻结" in text and "注册手机号" in text and "请先登录" not in text
    [ticket] = tickets(stack, customer.sender)
    assert ticket["priority"] == "urgent" and ticket["reason"] == "account_takeover"
