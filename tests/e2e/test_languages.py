"""Customers who write English or Traditional Chinese are answered in their language."""

from __future__ import annotations

import uuid

import httpx
import pytest

from service_kit.customer_token import mint
from service_kit.language import ENGLISH, SIMPLIFIED, TRADITIONAL, detect_language
from tests.support import stack as services

pytestmark = pytest.mark.e2e


class Customer:
    def __init__(self, stack, customer_id: str | None) -> None:
        self.stack, self.customer_id = stack, customer_id
        self.sender = f"lang-{customer_id or 'anon'}-{uuid.uuid4().hex[:8]}"

    def say(self, message: str) -> list[dict]:
        metadata = {}
        if self.customer_id:
            metadata["customer_token"] = mint(self.customer_id, services.CHAT_JWT_SECRET)
        return self.stack.chat(self.sender, message, metadata)

    def says(self, message: str) -> str:
        return "\n".join(r["text"] for r in self.say(message) if r.get("text"))


def language_of(reply: str) -> str | None:
    return detect_language(reply)


@pytest.fixture(autouse=True)
def fresh_demo_data(stack):
    httpx.post(
        f"{stack.backend.url}/v1/admin/demo/reset",
        headers={"Authorization": f"Bearer {services.BACKEND_ADMIN_TOKEN}"},
        timeout=30,
    ).raise_for_status()


@pytest.mark.parametrize(
    ("language", "message", "expected"),
    [
        (ENGLISH, "hi, my payment keeps failing", ["¥35.20", "¥199.00"]),
        (TRADITIONAL, "我付款一直失敗 怎麼回事", ["¥35.20", "¥199.00"]),
        (SIMPLIFIED, "我付款一直失败 怎么回事", ["¥35.20", "¥199.00"]),
    ],
)
def test_payment_failure_in_each_language(stack, language, message, expected):
    reply = Customer(stack, "u1001").says(message)
    assert language_of(reply) == language, reply
    for fact in expected:
        assert fact in reply


@pytest.mark.parametrize(
    ("language", "ask", "reason", "confirmed"),
    [
        # no payment named: the list of refundable ones (a named one is used at once, issue 18)
        (ENGLISH, "hi, id like to get a refund on an order", "ordered by mistake", "submitted"),
        (TRADITIONAL, "我想申請退款", "買錯了 不想要了", "退款申請已提交"),
    ],
)
def test_refund_in_each_language(stack, language, ask, reason, confirmed):
    u1005 = Customer(stack, "u1005")
    replies = u1005.say(ask)
    question = "\n".join(r["text"] for r in replies if r.get("text"))
    assert language_of(question) == language, question
    choice = next(
        b["payload"]
        for r in replies
        for b in r.get("buttons", [])
        if "T202611230005" in b["payload"]
    )
    assert language_of(u1005.says(choice)) == language
    confirmation = u1005.says(reason)
    assert "¥89.00" in confirmation and language_of(confirmation) == language
    done = u1005.says("/affirm")
    assert confirmed in done or confirmed in done.lower(), done


@pytest.mark.parametrize(
    ("language", "message"),
    [(ENGLISH, "i forgot my password, how do i reset it"), (TRADITIONAL, "我忘記密碼了")],
)
def test_forgotten_password_in_each_language(stack, language, message):
    u1005 = Customer(stack, "u1005")
    replies = u1005.say(message)
    text = "\n".join(r["text"] for r in replies if r.get("text"))
    assert language_of(text) == language, text
    titles = " ".join(b["title"] for r in replies for b in r.get("buttons", []))
    assert "138****1005" in titles


@pytest.mark.parametrize(
    ("message", "locale", "region_words", "other_words"),
    [
        # Taiwan: 登入 / 簡訊 / 裡; Hong Kong: 登入 / 短訊 / 裏 — never 登錄 or 短信 for either
        ("我忘記密碼了 登不進去", "zh-TW", ["登入", "簡訊"], ["短訊", "登錄", "短信"]),
        ("我忘記密碼了 登不進去", "zh-HK", ["登入", "短訊"], ["簡訊", "登錄", "短信"]),
        ("我唔記得密碼 登唔到", None, ["登入", "短訊"], ["簡訊", "登錄", "短信"]),
    ],
)
def test_traditional_chinese_in_the_region_usage(stack, message, locale, region_words, other_words):
    customer = Customer(stack, None)
    metadata = {"language": locale} if locale else {}
    replies = stack.chat(customer.sender, message, metadata)
    reply = "\n".join(r["text"] for r in replies if r.get("text"))
    assert language_of(reply) == TRADITIONAL, reply
    for word in region_words:
        assert word in reply, reply
    for word in other_words:
        assert word not in reply, reply


@pytest.mark.parametrize(
    ("locale", "title", "other_word"),
    [("zh-HK", "短訊發到138****1005", "簡訊"), ("zh-TW", "簡訊發到138****1005", "短訊")],
)
def test_button_titles_an_action_writes_in_the_region_usage(stack, locale, title, other_word):
    # the response generator converts a response's own text; the buttons an action adds come
    # after it, so the action writes them in the region's usage itself (actions/i18n.py)
    u1005 = Customer(stack, "u1005")
    metadata = {"customer_token": mint("u1005", services.CHAT_JWT_SECRET), "language": locale}
    replies = stack.chat(u1005.sender, "我忘記密碼了", metadata)
    titles = [b["title"] for r in replies for b in r.get("buttons", [])]
    assert title in titles and not any(other_word in t for t in titles), titles


def test_switching_language_in_the_middle(stack):
    customer = Customer(stack, "u1001")
    assert language_of(customer.says("你好")) == SIMPLIFIED
    replies = customer.say("请用英文回答我")
    assert {"type": "language", "language": ENGLISH} in [r.get("custom") for r in replies]
    # the customer asked for English: it holds even while they type Chinese
    assert language_of(customer.says("我付款失败了")) == ENGLISH
    customer = Customer(stack, "u1001")
    customer.say("hello")
    assert language_of(customer.says("my payment failed again")) == ENGLISH
    assert language_of(customer.says("speak chinese please")) == SIMPLIFIED


def test_mixed_messages_keep_the_language(stack):
    english = Customer(stack, "u1001")
    assert language_of(english.says("hello there, i need help")) == ENGLISH
    assert language_of(english.says("my 余额 is wrong, payment failed")) == ENGLISH
    assert language_of(english.says("T202611200001")) == ENGLISH
    chinese = Customer(stack, "u1001")
    assert language_of(chinese.says("我的 app 登不上")) == SIMPLIFIED
    assert language_of(chinese.says("ok")) == SIMPLIFIED
