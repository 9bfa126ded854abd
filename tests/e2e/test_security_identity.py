"""A conversation id is not an identity: tokenless turns in another customer's conversation.

The REST channel answers whoever knows a conversation id. A customer starts a flow with their
signed token; a second client that knows only the conversation id then continues it without
one. Nothing of the customer's may be read or changed on those turns, and no handoff may be
filed under their name (docs/security.md, identity).
"""

from __future__ import annotations

import uuid

import pytest

from service_kit.customer_token import mint
from tests.support import stack as services

pytestmark = pytest.mark.e2e

LOGIN_PROMPT = "请先登录"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def payloads(replies: list[dict]) -> list[str]:
    return [b["payload"] for r in replies for b in r.get("buttons", [])]


class Conversation:
    """One conversation id, written to by its customer (with a token) and by a stranger."""

    def __init__(self, stack, customer_id: str) -> None:
        self.stack = stack
        self.customer_id = customer_id
        self.sender = f"e2e-identity-{uuid.uuid4().hex[:10]}"

    def customer_says(self, message: str) -> list[dict]:
        token = mint(self.customer_id, services.CHAT_JWT_SECRET)
        return self.stack.chat(self.sender, message, {"customer_token": token})

    def stranger_says(self, message: str) -> list[dict]:
        return self.stack.chat(self.sender, message, {})


@pytest.fixture(autouse=True)
def fresh_demo_data(stack):
    services.reset_demo_data(stack.backend)


def test_a_tokenless_client_cannot_file_a_refund_in_u1005s_conversation(stack):
    conversation = Conversation(stack, "u1005")
    before = services.backend_get(stack.backend, "/v1/customers/u1005/refunds")["items"]
    started = conversation.customer_says("我要退款")
    assert any("T202611230005" in p for p in payloads(started))  # the form asks which payment

    stolen = [
        conversation.stranger_says(message) for message in ("T202611230005", "不想要了", "确认")
    ]

    heard = texts([reply for replies in stolen for reply in replies])
    assert LOGIN_PROMPT in heard
    assert "¥89.00" not in heard and "美团外卖" not in heard
    assert services.backend_get(stack.backend, "/v1/customers/u1005/refunds")["items"] == before


def test_a_tokenless_yes_freezes_nothing_and_lists_no_payments_of_u1001(stack):
    conversation = Conversation(stack, "u1001")
    asked = texts(conversation.customer_says("有一笔扣款我不认识，不是我付的"))
    assert "冻结" in asked  # the urgent freeze question

    replies = conversation.stranger_says("是的")

    assert LOGIN_PROMPT in texts(replies)
    assert not any("transaction_id" in p for p in payloads(replies))
    methods = services.backend_get(stack.backend, "/v1/customers/u1001/payment-methods")["items"]
    assert methods and not any(m["status"] == "frozen" for m in methods)


def test_a_tokenless_turn_does_not_hand_off_under_the_customers_name(stack):
    conversation = Conversation(stack, "u1005")
    conversation.customer_says("我要退款")

    conversation.stranger_says("转人工")

    mine = stack.parked_handoffs(conversation.sender)
    assert mine, "the handoff was not filed"
    assert all(t["customer_id"] is None for t in mine)


def test_the_customer_with_their_token_still_gets_the_refund(stack):
    conversation = Conversation(stack, "u1005")
    conversation.customer_says("我要退款")
    conversation.customer_says("T202611230005")
    conversation.customer_says("买错了，不想要了")
    done = texts(conversation.customer_says("/affirm"))
    assert "退款申请已提交" in done
    refunds = services.backend_get(stack.backend, "/v1/customers/u1005/refunds")["items"]
    assert any(r["transaction_id"] == "T202611230005" for r in refunds)
