"""Knowledge answers over REST: the right topic, the customer's own figures, each language.

The whole path runs: the NLU classifies ``payment_guide`` and the response selector picks the
topic (addons/nlu/response_selector.py), the rule calls action_answer_knowledge, which reads
the backend for the customer of this message's token (actions/knowledge.py).
"""

from __future__ import annotations

import uuid

import pytest

from service_kit.customer_token import mint
from service_kit.language import ENGLISH, SIMPLIFIED, TRADITIONAL, detect_language
from tests.support import stack as services

pytestmark = pytest.mark.e2e


def says(stack, customer_id: str | None, message: str) -> str:
    metadata = {}
    if customer_id:
        metadata["customer_token"] = mint(customer_id, services.CHAT_JWT_SECRET)
    sender = f"knowledge-{customer_id or 'anon'}-{uuid.uuid4().hex[:8]}"
    replies = stack.chat(sender, message, metadata)
    return "\n".join(r["text"] for r in replies if r.get("text"))


@pytest.fixture(autouse=True)
def fresh_demo_data(stack):
    services.reset_demo_data(stack.backend)


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        (SIMPLIFIED, "下个月去日本 在那边能用eepay扫码付钱吗", "汇率"),
        (TRADITIONAL, "下個月去日本 在那邊能用eepay掃碼付錢嗎", "匯率"),
        (ENGLISH, "going to japan next month, will eepay work over there", "rate"),
    ],
)
def test_general_answer_in_each_language(stack, language, message, expected):
    reply = says(stack, None, message)
    assert expected in reply, reply
    assert detect_language(reply) == language, reply


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        (SIMPLIFIED, "帮我看看我每天最多能付多少钱", "中信银行信用卡（尾号8848）：单笔¥2,000.00"),
        (TRADITIONAL, "幫我看看我每天最多能付多少錢", "中信銀行信用卡（尾號8848）：單筆¥2,000.00"),
        (
            ENGLISH,
            "how much am i allowed to pay per day",
            "¥2,000.00 per payment, ¥10,000.00 a day",
        ),
    ],
)
def test_logged_in_customer_hears_their_own_limits(stack, language, message, expected):
    reply = says(stack, "u1002", message)
    assert expected in reply, reply
    assert detect_language(reply) == language, reply


def test_anonymous_customer_gets_no_account_figures(stack):
    reply = says(stack, None, "帮我看看我每天最多能付多少钱")
    assert "支付限额" in reply and "¥" not in reply
    assert "登录" in reply


def test_logged_in_customer_hears_their_bound_phone(stack):
    reply = says(stack, "u1001", "我想换个手机号 现在绑的是哪个")
    assert "138****1001" in reply, reply


def test_the_payment_guide_button_gets_the_general_answer(stack):
    # a button sends the intent without text: no topic was selected
    reply = says(stack, None, "/payment_guide")
    assert "扫码付" in reply, reply
