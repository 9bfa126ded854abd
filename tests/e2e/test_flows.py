"""The diagnostic flows end to end: REST → Rasa → action server → payment backend.

One conversation per demo customer of backend/README.md, as the customer would type it, with
the customer's signed token in the metadata like the widget sends it.
"""

from __future__ import annotations

import uuid

import httpx
import pytest

from service_kit.customer_token import mint
from tests.support import stack as services

pytestmark = pytest.mark.e2e


class Customer:
    """One customer's conversation over the REST channel."""

    def __init__(self, stack, customer_id: str | None) -> None:
        self.stack = stack
        self.customer_id = customer_id
        self.sender = f"e2e-{customer_id or 'anon'}-{uuid.uuid4().hex[:8]}"

    def say(self, message: str) -> list[dict]:
        metadata = {}
        if self.customer_id:
            metadata["customer_token"] = mint(self.customer_id, services.CHAT_JWT_SECRET)
        return self.stack.chat(self.sender, message, metadata)

    def says(self, message: str) -> str:
        return "\n".join(r.get("text", "") for r in self.say(message))


def buttons(replies: list[dict]) -> list[dict]:
    return [b for r in replies for b in r.get("buttons", [])]


@pytest.fixture(autouse=True)
def fresh_demo_data(stack):
    httpx.post(
        f"{stack.backend.url}/v1/admin/demo/reset",
        headers={"Authorization": f"Bearer {services.BACKEND_ADMIN_TOKEN}"},
        timeout=30,
    ).raise_for_status()


def test_u1001_hears_balance_against_amount_and_unresolved_goes_to_a_person(stack):
    u1001 = Customer(stack, "u1001")
    replies = u1001.say("我付款失败了")
    text = "\n".join(r.get("text", "") for r in replies)
    assert "¥35.20" in text and "¥199.00" in text
    assert {b["payload"] for b in buttons(replies)} >= {"/affirm", "/deny"}  # "solved?"
    assert "人工客服" in u1001.says("/deny")


def test_u1002_hears_about_the_2000_limit(stack):
    text = Customer(stack, "u1002").says("刚才京东付款一直失败")
    assert "¥2,000.00" in text and "¥3,299.00" in text


def test_u1005_refund_eligibility_and_submission(stack):
    u1005 = Customer(stack, "u1005")
    refused = u1005.says("我想退 T202610010005 这笔游戏充值")
    assert "不能申请退款" in refused and "虚拟商品" in refused

    u1005 = Customer(stack, "u1005")
    replies = u1005.say("我要退款")
    payloads = [b["payload"] for b in buttons(replies)]
    choice = next(p for p in payloads if "T202611230005" in p)
    assert not any("T202610010005" in p for p in payloads)
    assert "原因" in u1005.says(choice)
    confirm = u1005.says("买错了，不想要了")
    assert "¥89.00" in confirm and "美团外卖" in confirm
    done = u1005.says("/affirm")
    assert "退款申请已提交" in done and "R2026" in done


def test_u1006_duplicate_charge_is_detected(stack):
    text = Customer(stack, "u1006").says("滴滴出行扣了我两次58块")
    assert "T202611240016" in text and "T202611240026" in text and "重复扣款" in text


def test_u1006_pending_payment(stack):
    text = Customer(stack, "u1006").says("我付了1200块 一直显示处理中")
    assert "处理中" in text and "¥1,200.00" in text


def test_u1004_locked_login_gets_an_unlock_code_without_seeing_it(stack):
    u1004 = Customer(stack, "u1004")
    assert "锁定" in u1004.says("登录不了 说账号锁了")
    sent = u1004.says("发到手机")
    assert "138****1004" in sent and "/security/reset" in sent


def test_anonymous_customer_gets_the_general_checklist_and_a_login_invitation(stack):
    text = Customer(stack, None).says("我付款一直失败怎么回事")
    assert "余额" in text and "登录" in text


def test_cancel_and_change_topic_in_the_middle_of_a_refund(stack):
    u1005 = Customer(stack, "u1005")
    u1005.say("我要退款")
    assert "取消" in u1005.says("算了")
    u1005.say("我要退款")
    assert "R202611180005" in u1005.says("我之前申请的那个退款到哪了")


def test_backend_down_apologises_and_hands_off(stack):
    fault = httpx.post(
        f"{stack.backend.url}/v1/_test/faults",
        json={"path": "/v1/customers/*", "status": 503, "times": 50},
        headers={"Authorization": f"Bearer {services.BACKEND_ADMIN_TOKEN}"},
        timeout=10,
    )
    fault.raise_for_status()
    try:
        text = Customer(stack, "u1001").says("我付款失败了")
    finally:
        httpx.delete(
            f"{stack.backend.url}/v1/_test/faults",
            headers={"Authorization": f"Bearer {services.BACKEND_ADMIN_TOKEN}"},
            timeout=10,
        )
    assert "暂时查不到" in text and "余额" in text and "人工客服" in text


def test_customer_tokens_are_not_stored(stack):
    import sqlite3

    u1001 = Customer(stack, "u1001")
    token = mint("u1001", services.CHAT_JWT_SECRET)
    stack.chat(u1001.sender, "你好", {"customer_token": token})
    stack.chat(u1001.sender, "我付款失败了", {"customer_token": token})
    with sqlite3.connect(stack.tracker_db) as db:
        rows = [
            r[0] for r in db.execute("SELECT data FROM events WHERE sender_id = ?", (u1001.sender,))
        ]
    assert rows and not any(token in row for row in rows)
    # the verified id stays available for the desk
    assert any('"customer_id"' in row and "u1001" in row for row in rows)
