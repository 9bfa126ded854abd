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


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        (SIMPLIFIED, "余额提现到银行卡要收手续费吗", "您的提现免费额度还剩¥7,500.00"),
        (TRADITIONAL, "餘額提現到銀行卡要收手續費嗎", "¥7,500.00"),
        (ENGLISH, "do i pay anything to withdraw money to my card", "¥7,500.00 left"),
    ],
)
def test_fees_state_the_published_figures_and_the_customers_allowance(
    stack, language, message, expected
):
    # service_kit/policy.yml: ¥20,000.00 free for life, then 0.1 %, at least ¥0.10;
    # backend/demo_data.py: u1001 has used ¥12,500.00 of it
    reply = says(stack, "u1001", message)
    assert "¥20,000.00" in reply and "0.1%" in reply and "¥0.10" in reply, reply
    assert expected in reply, reply
    assert detect_language(reply) == language, reply


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("提现5万要扣多少手续费", "手续费¥42.50"),
        ("提現五萬要扣多少手續費", "手續費¥42.50"),
        ("how much is the fee if i withdraw 50000", "a fee of ¥42.50"),
    ],
)
def test_a_fee_asked_for_one_amount_is_computed_for_the_customer(stack, message, expected):
    # ¥7,500.00 of u1001's allowance is left: 0.1 % of the other ¥42,500.00
    reply = says(stack, "u1001", message)
    assert expected in reply and "¥7,500.00" in reply, reply


def test_anonymous_fees_have_the_figures_but_no_account(stack):
    reply = says(stack, None, "余额提现到银行卡要收手续费吗")
    assert "¥20,000.00" in reply and "还剩" not in reply, reply


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("钱提到建行卡上大概要等多久", "一般2小时内到账，最迟1个工作日内"),
        ("if i move my balance to my bank card when does it show up", "within 2 hours"),
    ],
)
def test_arrival_states_the_published_times(stack, message, expected):
    reply = says(stack, None, message)
    assert expected in reply, reply
