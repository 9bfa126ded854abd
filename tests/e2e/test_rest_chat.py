"""End-to-end conversations over the REST channel against the real Rasa and action servers."""

from __future__ import annotations

import json
import sqlite3
import uuid

import httpx
import pytest

pytestmark = pytest.mark.e2e

CONTRACT_INTENTS = {
    "greet", "goodbye", "thank", "affirm", "deny", "bot_challenge", "out_of_scope", "inform",
    "complain", "payment_failed", "request_refund", "refund_status", "forgot_password",
    "login_problem", "transaction_dispute", "payment_guide", "request_human", "contact_info",
    "nlu_fallback",
}  # fmt: skip


def sender() -> str:
    return f"test-{uuid.uuid4().hex[:12]}"


def texts(replies: list[dict]) -> str:
    return "\n".join(r.get("text", "") for r in replies)


def test_failed_payment_gets_the_checklist_in_chinese(stack):
    replies = stack.chat("u1", "我付款一直失败怎么回事")
    # the short answer first (docs/style.md: one phone screen), the full checklist one tap away
    buttons = [b["payload"] for r in replies for b in r.get("buttons", [])]
    details = [payload for payload in buttons if "more_details" in payload]
    assert len(details) == 1 and "余额" in texts(replies)
    answer = texts(replies) + texts(stack.chat("u1", details[0]))
    for step in ("余额", "网络", "收款方", "支付方式", "人工客服"):
        assert step in answer
    assert any(b["payload"] == "/request_human" for r in replies for b in r.get("buttons", []))


def test_model_parse_returns_contract_names_and_needs_the_token(stack):
    url = f"{stack.rasa_url}/model/parse"
    assert httpx.post(url, json={"text": "退款怎么还没到账"}).status_code == 401
    assert httpx.post(url, params={"token": "wrong"}, json={"text": "你好"}).status_code == 401
    parsed = httpx.post(
        url, params={"token": stack.token}, json={"text": "昨天招行卡付的¥199 退款怎么还没到账"}
    ).json()
    assert parsed["intent"]["name"] in CONTRACT_INTENTS
    assert {r["name"] for r in parsed["intent_ranking"]} <= CONTRACT_INTENTS
    entities = {e["entity"]: e["value"] for e in parsed["entities"]}
    assert entities["amount"] == 199
    assert entities["bank"] == "招商银行"
    assert "date" in entities


@pytest.mark.parametrize(
    ("message", "expected"),
    [
        ("你好", "小e"),
        ("谢谢", "不客气"),
        ("你是机器人吗", "机器人"),
        ("退款多久能到账啊 申请好几天了", "退款进度"),
        ("忘记密码了怎么办", "忘记密码"),
        ("客服电话多少", "400-888-6688"),
    ],
)
def test_intents_get_their_answers(stack, message, expected):
    assert expected in texts(stack.chat(sender(), message))


def test_secrets_are_never_stored_and_the_customer_is_warned(stack):
    conversation = sender()
    replies = stack.chat(conversation, "我的密码是Abc12345 卡号4111111111111111 登不上")
    assert "不要在聊天中发送密码" in replies[0]["text"]
    assert "登录不上" in texts(replies)  # the request around the secret is still answered

    tracker = json.dumps(stack.tracker(conversation), ensure_ascii=False)
    assert "Abc12345" not in tracker and "4111111111111111" not in tracker
    assert "************1111" in tracker
    with sqlite3.connect(stack.tracker_db) as db:
        rows = [
            row[0]
            for row in db.execute("SELECT data FROM events WHERE sender_id = ?", (conversation,))
        ]
    assert rows and not any("Abc12345" in r or "4111111111111111" in r for r in rows)

    # the warning is given once, not on every later reply
    assert "不要在聊天中发送密码" not in texts(stack.chat(conversation, "谢谢"))


def test_second_fallback_in_a_row_hands_off(stack):
    conversation = sender()
    first = stack.chat(conversation, "/nlu_fallback")
    assert "换个说法" in texts(first)
    second = texts(stack.chat(conversation, "/nlu_fallback"))
    assert "人工客服" in second and "登记" in second  # no desk here: the ticket waits
    parked = stack.parked_handoffs(conversation)
    assert any(p["reason"] == "repeated_fallback" for p in parked)
    events = stack.tracker(conversation)["events"]
    assert events[-1]["event"] == "pause" or any(e["event"] == "pause" for e in events[-3:])
    # the bot stays quiet for a paused conversation: an agent will answer
    assert stack.chat(conversation, "还在吗") == []


@pytest.mark.parametrize("message", ["", "   ", "😀😀😀", "我的 app 登不上 pls help", "ｈｅｌｌｏ"])
def test_odd_messages_get_a_polite_answer(stack, message):
    replies = stack.chat(sender(), message)
    assert replies and all(r.get("text") for r in replies)


def test_a_huge_message_gets_a_polite_note_quickly(stack):
    # 600 KB of text: refused by its size before it is parsed, with a note the widget shows
    reply = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender(), "message": "付款失败" * 50_000},
        timeout=20,
    )
    assert reply.status_code == 413
    assert "太长" in reply.json()["message"]


def test_a_message_too_long_for_a_turn_but_under_the_body_limit_gets_a_polite_note(stack):
    reply = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        json={"sender": sender(), "message": "付款失败" * 2_000},
        timeout=20,
    )
    assert reply.status_code == 200
    assert "太长" in texts(reply.json())


def test_a_long_but_acceptable_message_is_answered(stack):
    replies = stack.chat(sender(), "付款失败了，" * 700)  # 4200 characters
    assert "余额" in texts(replies)


@pytest.mark.parametrize(
    "body",
    [
        {"message": "你好"},
        {"sender": "", "message": "你好"},
        {"sender": "x" * 500, "message": "你好"},
        {"sender": "u1"},
        {"sender": "u1", "message": 123},
        {"sender": "u1", "message": "hi", "metadata": "nope"},
        [1, 2, 3],
    ],
)
def test_malformed_requests_get_a_clear_400(stack, body):
    reply = httpx.post(f"{stack.rasa_url}/webhooks/rest/webhook", json=body, timeout=10)
    assert reply.status_code == 400
    assert reply.json()["code"] == "invalid_request"


def test_broken_json_gets_a_clear_400(stack):
    reply = httpx.post(
        f"{stack.rasa_url}/webhooks/rest/webhook",
        content=b'{"sender": "u1", "message": ',
        headers={"Content-Type": "application/json"},
        timeout=10,
    )
    assert reply.status_code == 400
