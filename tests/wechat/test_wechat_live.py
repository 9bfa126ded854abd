"""The WeChat channel inside the real Rasa server (with the action server and the payment
backend), driven the way WeChat's servers drive it: signed and encrypted with wechatpy."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
import yaml
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from channels.wechat import UNSUPPORTED_REPLY, WELCOME_TEXT, customer_token_for
from channels.wechat_bindings import WeChatBindings
from channels.wechat_messages import split_message
from service_kit import customer_token
from tests.support import stack as services
from tests.wechat.wechat_kit import (
    AES_KEY,
    REPLY_BUDGET_SECONDS,
    TOKEN,
    UNSUPPORTED,
    event_xml,
    message_xml,
    new_msg_id,
    new_openid,
    sign,
    text_xml,
)

pytestmark = pytest.mark.e2e

DOMAIN = yaml.safe_load((Path(__file__).resolve().parents[2] / "domain.yml").read_text())


def response(name: str) -> dict:
    """The first variation of a domain response."""
    return DOMAIN["responses"][name][0]


def as_wechat_text(name: str) -> str:
    """A domain response as the channel renders it: text, then numbered buttons."""
    answer = response(name)
    lines = [answer["text"]]
    lines += [f"回复 {i}：{b['title']}" for i, b in enumerate(answer.get("buttons", []), 1)]
    return "\n".join(lines)


def last_user_event(wechat_stack, openid: str) -> dict:
    return [e for e in wechat_stack.tracker(openid)["events"] if e["event"] == "user"][-1]


# --- verification -----------------------------------------------------------------------------


def test_verification_echoes_echostr_for_a_correct_signature(wechat_stack):
    answer = wechat_stack.wechat.verify("7290374923741")
    assert answer.status_code == 200
    assert answer.text == "7290374923741"


@pytest.mark.parametrize(
    "query",
    [
        {"signature": "0" * 40},
        {"signature": ""},
        {"timestamp": str(int(time.time()) - 3600)},
        {"nonce": "x" * 200},
    ],
    ids=["forged", "missing", "stale", "odd-nonce"],
)
def test_verification_with_a_wrong_signature_gets_403_and_nothing_else(wechat_stack, query):
    if "timestamp" in query:  # correctly signed, but an hour old
        query["signature"] = sign(TOKEN, query["timestamp"], "n0nce")
        query["nonce"] = "n0nce"
    answer = wechat_stack.wechat.verify("7290374923741", **query)
    assert answer.status_code == 403
    assert answer.content == b""


# --- text messages ----------------------------------------------------------------------------


def test_a_text_message_is_answered_passively_with_numbered_buttons(wechat_stack):
    openid = new_openid()
    started = time.monotonic()
    reply = wechat_stack.wechat.say(openid, "你好")
    assert time.monotonic() - started < REPLY_BUDGET_SECONDS
    assert reply.status == 200
    assert reply.fields["MsgType"] == "text"
    assert reply.fields["ToUserName"] == openid
    assert reply.fields["FromUserName"] == "gh_eepay0test"
    assert reply.content == as_wechat_text("utter_greet")
    assert wechat_stack.user_texts(openid) == ["你好"]
    assert last_user_event(wechat_stack, openid)["input_channel"] == "wechat"
    assert wechat_stack.api.messages_to(openid) == []  # nothing went the slow way


def test_a_number_reply_picks_the_button_behind_it(wechat_stack):
    openid = new_openid()
    wechat_stack.wechat.say(openid, "你好")
    second = response("utter_greet")["buttons"][1]

    reply = wechat_stack.wechat.say(openid, "２")  # full-width digits count too
    event = last_user_event(wechat_stack, openid)
    assert event["text"] == second["payload"]
    assert event["parse_data"]["intent"]["name"] == second["payload"].lstrip("/")
    assert reply.content and reply.content != as_wechat_text("utter_greet")

    # a number nobody offered is just text
    wechat_stack.wechat.say(openid, "42")
    assert last_user_event(wechat_stack, openid)["text"] == "42"


def test_secrets_are_masked_before_rasa_sees_them(wechat_stack):
    openid = new_openid()
    reply = wechat_stack.wechat.say(openid, "我的密码是Abc12345 登不上了")
    assert reply.status == 200 and reply.content
    text = last_user_event(wechat_stack, openid)["text"]
    assert "Abc12345" not in text


def test_retries_of_one_msg_id_are_handled_and_answered_once(wechat_stack):
    openid = new_openid()
    xml = text_xml(openid, "你好", new_msg_id())
    with ThreadPoolExecutor(3) as pool:  # a retry may reach another worker at the same time
        replies = list(pool.map(lambda _: wechat_stack.wechat.push(xml), range(3)))
    replies.append(wechat_stack.wechat.push(xml))  # and one after the answer went out

    answered = [r for r in replies if r.content]
    assert len(answered) == 1
    assert answered[0].content == as_wechat_text("utter_greet")
    assert all(r.is_success for r in replies if not r.content)
    assert wechat_stack.user_texts(openid) == ["你好"]
    assert wechat_stack.api.messages_to(openid) == []


def test_a_slow_answer_says_success_and_follows_through_the_customer_service_api(wechat_stack):
    openid = new_openid()
    assert wechat_stack.backend_call(
        "PUT", f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1001"}
    ).is_success
    fault = {"method": "GET", "path": f"/v1/wechat/bindings/{openid}", "delay_ms": 2800}
    assert wechat_stack.backend_call("POST", "/v1/_test/faults", json=fault).status_code == 201

    started = time.monotonic()
    reply = wechat_stack.wechat.say(openid, "你好")
    elapsed = time.monotonic() - started
    assert reply.is_success
    assert REPLY_BUDGET_SECONDS - 0.2 < elapsed < REPLY_BUDGET_SECONDS + 1.5  # within WeChat's 5 s

    delivered = wechat_stack.api.wait_for(openid, 1)
    assert delivered == [as_wechat_text("utter_greet")]
    # the slow lookup was not abandoned: the bound customer's identity reached Rasa
    assert last_user_event(wechat_stack, openid)["metadata"]["customer_token"] == "[redacted]"
    time.sleep(0.5)
    assert wechat_stack.api.messages_to(openid) == delivered  # once


# --- identity ---------------------------------------------------------------------------------


def test_a_bound_openid_sends_a_customer_token_and_an_unbound_one_none(wechat_stack):
    bound, unbound = new_openid(), new_openid()
    assert wechat_stack.backend_call(
        "PUT", f"/v1/wechat/bindings/{bound}", json={"customer_id": "u1005"}
    ).is_success
    wechat_stack.wechat.say(bound, "你好")
    wechat_stack.wechat.say(unbound, "你好")
    # the tracker store keeps no token, only the fact that one came
    assert last_user_event(wechat_stack, bound)["metadata"]["customer_token"] == "[redacted]"
    assert "customer_token" not in last_user_event(wechat_stack, unbound)["metadata"]


async def test_the_token_minted_for_a_binding_names_its_customer(wechat_stack, monkeypatch):
    monkeypatch.setenv("BACKEND_URL", wechat_stack.backend.url)
    monkeypatch.setenv("BACKEND_WECHAT_TOKEN", services.BACKEND_WECHAT_TOKEN)
    monkeypatch.setenv("CHAT_JWT_SECRET", services.CHAT_JWT_SECRET)
    openid = new_openid()
    wechat_stack.backend_call("PUT", f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1002"})

    async with WeChatBindings.from_environment() as bindings:
        token = await customer_token_for(openid, bindings)
        assert customer_token.verify(token, services.CHAT_JWT_SECRET) == "u1002"
        assert await customer_token_for(new_openid(), bindings) is None

    monkeypatch.setenv("BACKEND_URL", "http://127.0.0.1:9")  # backend gone: anonymous
    async with WeChatBindings.from_environment() as bindings:
        assert await customer_token_for(openid, bindings) is None


# --- refused requests -------------------------------------------------------------------------


def test_forged_and_stale_signatures_never_reach_the_bot(wechat_stack):
    openid = new_openid()
    xml = text_xml(openid, "你好")
    forged = wechat_stack.wechat.push(xml, query={"signature": "f" * 40})
    stale = wechat_stack.wechat.push(xml, timestamp=int(time.time()) - 3600)
    future = wechat_stack.wechat.push(xml, timestamp=int(time.time()) + 3600)
    forged_aes = wechat_stack.wechat.push(xml, encrypted=True, query={"msg_signature": "0" * 40})
    assert [forged.status, stale.status, future.status, forged_aes.status] == [403] * 4
    assert forged.body == stale.body == ""
    assert wechat_stack.user_texts(openid) == []


# "billion laughs": &i; would expand to 10^9 characters
ENTITIES = "".join(
    f'<!ENTITY {n} "{("&" + p + ";") * 10}">' for p, n in zip("abcdefgh", "bcdefghi", strict=True)
)
BOMB = (
    f'<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY a "aaaaaaaaaa">{ENTITIES}]>'
    "<xml><ToUserName>gh_eepay0test</ToUserName><FromUserName>oBomb</FromUserName>"
    "<CreateTime>1</CreateTime><MsgType>text</MsgType><Content>&i;</Content>"
    "<MsgId>1</MsgId></xml>"
)
XXE = (
    '<?xml version="1.0"?><!DOCTYPE xml [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
    "<xml><ToUserName>gh_a</ToUserName><FromUserName>oXxe</FromUserName><CreateTime>1"
    "</CreateTime><MsgType>text</MsgType><Content>&x;</Content><MsgId>2</MsgId></xml>"
)


@pytest.mark.parametrize(
    "body",
    [
        b"<xml><ToUserName>gh_a</ToUserName>",
        b"not xml at all",
        b"",
        b"<xml><MsgType>text</MsgType></xml>",
        b"<root><MsgType>text</MsgType></root>",
        message_xml("oNoId", "text", {"Content": "hi"}).encode(),
        message_xml("o<bad>", "text", {"Content": "hi", "MsgId": 5}).encode(),
        "<xml>\udcff</xml>".encode("utf-8", "surrogatepass"),
        BOMB.encode(),
        XXE.encode(),
    ],
    ids=[
        "truncated",
        "text",
        "empty",
        "no-sender",
        "root",
        "no-msgid",
        "bad-openid",
        "bad-utf8",
        "bomb",
        "xxe",
    ],  # fmt: skip
)
def test_malformed_xml_and_entity_tricks_get_400(wechat_stack, body):
    started = time.monotonic()
    assert wechat_stack.wechat.push(body).status == 400
    assert time.monotonic() - started < 1.0


def test_an_encrypted_bomb_gets_400_and_the_server_keeps_answering(wechat_stack):
    assert wechat_stack.wechat.push(BOMB, encrypted=True).status == 400
    assert wechat_stack.wechat.say(new_openid(), "你好").content == as_wechat_text("utter_greet")


def test_an_oversized_body_gets_413(wechat_stack):
    xml = text_xml(new_openid(), "长" * 30_000)
    assert wechat_stack.wechat.push(xml).status == 413


# --- other message types and events -----------------------------------------------------------


@pytest.mark.parametrize("msg_type", sorted(UNSUPPORTED))
def test_non_text_messages_get_the_text_only_note(wechat_stack, msg_type):
    openid = new_openid()
    fields = {**UNSUPPORTED[msg_type], "MsgId": new_msg_id()}
    reply = wechat_stack.wechat.push(message_xml(openid, msg_type, fields))
    assert reply.content == UNSUPPORTED_REPLY
    assert wechat_stack.user_texts(openid) == []


def test_voice_with_recognition_is_understood_as_its_text(wechat_stack):
    openid = new_openid()
    fields = {"MediaId": "m", "Format": "amr", "Recognition": "你好", "MsgId": new_msg_id()}
    reply = wechat_stack.wechat.push(message_xml(openid, "voice", fields))
    assert reply.content == as_wechat_text("utter_greet")
    assert wechat_stack.user_texts(openid) == ["你好"]


def test_a_new_follower_is_welcomed_and_can_pick_a_number(wechat_stack):
    openid = new_openid()
    created = int(time.time())
    welcome = wechat_stack.wechat.push(event_xml(openid, "subscribe", created))
    assert welcome.content.startswith(WELCOME_TEXT)
    assert "回复 3：查退款进度" in welcome.content
    # WeChat's retry of the event (same FromUserName + CreateTime) is not welcomed twice
    assert wechat_stack.wechat.push(event_xml(openid, "subscribe", created)).is_success
    # other events need no answer
    assert wechat_stack.wechat.push(event_xml(openid, "CLICK", created + 1, "MENU_1")).is_success

    wechat_stack.wechat.say(openid, "3")
    assert last_user_event(wechat_stack, openid)["parse_data"]["intent"]["name"] == "refund_status"


# --- safe mode --------------------------------------------------------------------------------


def test_safe_mode_requests_are_decrypted_and_replies_encrypted(wechat_stack):
    openid = new_openid()
    xml = text_xml(openid, "你好", new_msg_id())
    reply = wechat_stack.wechat.push(xml, encrypted=True)  # read() checks and decrypts it
    assert reply.content == as_wechat_text("utter_greet")
    assert wechat_stack.user_texts(openid) == ["你好"]
    assert wechat_stack.wechat.push(xml, encrypted=True).is_success  # retry: plain "success"


def test_a_message_encrypted_for_another_account_is_refused(wechat_stack):
    from tests.wechat.wechat_kit import WeChatServer

    other = WeChatServer(wechat_stack.wechat.url, TOKEN, AES_KEY, "wx0000000000000000")
    openid = new_openid()
    assert other.push(text_xml(openid, "你好"), encrypted=True).status == 400
    assert wechat_stack.user_texts(openid) == []


# --- agent messages from the desk -------------------------------------------------------------


def push_agent_message(wechat_stack, openid: str, text: str) -> httpx.Response:
    """What the desk does (docs/contracts.md), with Rasa's flag that sends bot events out."""
    return httpx.post(
        f"{wechat_stack.rasa.url}/conversations/{openid}/tracker/events",
        params={
            "output_channel": "latest",
            "execute_side_effects": "true",
            "token": services.RASA_TOKEN,
        },
        json={
            "event": "bot",
            "text": text,
            "data": {"custom": {"type": "agent_message", "agent_name": "小王", "text": text}},
            "metadata": {"sender": "agent", "agent_name": "小王"},
        },
        timeout=30,
    )


def test_an_agent_reply_reaches_the_customer_through_the_customer_service_api(wechat_stack):
    openid = new_openid()
    wechat_stack.wechat.say(openid, "你好")
    assert push_agent_message(
        wechat_stack, openid, "您好，我是人工客服小王，马上帮您查。"
    ).is_success
    assert wechat_stack.api.wait_for(openid, 1) == [
        "【人工客服 小王】您好，我是人工客服小王，马上帮您查。"
    ]

    # after an agent spoke, a bare number is for the agent, not an old bot button
    wechat_stack.wechat.say(openid, "1")
    assert last_user_event(wechat_stack, openid)["text"] == "1"

    # the agent hands the conversation back: the bot's greeting goes the same way
    rasa, token = wechat_stack.rasa.url, {"token": services.RASA_TOKEN}
    resume = {"event": "resume"}
    assert httpx.post(f"{rasa}/conversations/{openid}/tracker/events", params=token, json=resume)
    back = httpx.post(
        f"{rasa}/conversations/{openid}/execute",
        params={**token, "output_channel": "latest"},
        json={"name": "action_back_to_bot"},
        timeout=30,
    )
    assert back.is_success
    assert wechat_stack.api.wait_for(openid, 2)[1] == as_wechat_text("utter_back_to_bot")


def test_a_long_agent_reply_is_split_at_2048_bytes(wechat_stack):
    openid = new_openid()
    wechat_stack.wechat.say(openid, "你好")
    paragraph = "退款已经提交，预计三个工作日内到账。" * 20
    text = "\n".join([paragraph] * 6)  # ~6 × 1080 bytes
    assert push_agent_message(wechat_stack, openid, text).is_success
    expected = split_message("【人工客服 小王】" + text)
    parts = wechat_stack.api.wait_for(openid, len(expected))
    assert parts == expected and len(parts) == 6
    assert all(len(p.encode()) <= 2048 for p in parts)
    assert "".join(parts).replace("\n", "") == ("【人工客服 小王】" + text).replace("\n", "")
    assert all(b"\\u" not in body for body in wechat_stack.api.raw_bodies)  # raw UTF-8 JSON


# --- fuzzing the real endpoint ----------------------------------------------------------------

FIELD_NAMES = st.sampled_from(
    ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event",
     "Recognition", "Encrypt", "PicUrl"]
)  # fmt: skip
XML_VALUES = st.one_of(
    st.text(max_size=40),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.sampled_from(["text", "event", "voice", "image", "subscribe", "gh_eepay0test", "oFuzz1"]),
)


@st.composite
def signed_requests(draw: st.DrawFn) -> tuple[dict[str, str], bytes]:
    """Mostly correctly signed queries (some stale or odd), with XML-ish or random bodies."""
    timestamp = str(int(time.time()) + draw(st.sampled_from([0] * 8 + [-(10**6), 10**6])))
    nonce = draw(st.sampled_from(["abc123"] * 8 + ["", "n" * 70, "&&"]))
    query = {"timestamp": timestamp, "nonce": nonce, "signature": sign(TOKEN, timestamp, nonce)}
    if draw(st.integers(0, 7)) == 0:
        query["signature"] = draw(st.text(max_size=45))
    if draw(st.integers(0, 5)) == 0:
        query["encrypt_type"] = draw(st.sampled_from(["aes", "raw", "AES", ""]))
        query["msg_signature"] = draw(st.text(max_size=41))
    fields = {
        "ToUserName": "gh_eepay0test",
        "FromUserName": "oFuzz" + str(draw(st.integers(0, 5))),
        "CreateTime": timestamp,
        "MsgType": draw(st.sampled_from(["text", "event", "voice", "image"])),
        "MsgId": str(draw(st.integers(1, 2**63))),
        "Content": draw(st.text(st.characters(blacklist_categories=["Cs", "Cc"]), max_size=40)),
    }
    if draw(st.booleans()):
        fields.update(draw(st.dictionaries(FIELD_NAMES, XML_VALUES, max_size=3)))
    body = draw(
        st.sampled_from(
            [
                "<xml>" + "".join(f"<{k}>{v}</{k}>" for k, v in fields.items()) + "</xml>",
                "<xml>"
                + "".join(f"<{k}><![CDATA[{v}]]></{k}>" for k, v in fields.items())
                + "</xml>",
            ]
        )
        | st.text(max_size=200)
    )
    return query, body.encode("utf-8", "surrogatepass")


@settings(max_examples=80, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=signed_requests(), method=st.sampled_from(["GET", "POST"]))
def test_the_real_endpoint_never_answers_500(wechat_stack, case, method):
    query, body = case
    answer = wechat_stack.wechat.http.request(
        method, wechat_stack.wechat.url, params=query, content=body if method == "POST" else None
    )
    assert answer.status_code in (200, 400, 403, 413), answer.text[:200]
    event(f"{method} {answer.status_code}" + (" with a reply" if "<xml>" in answer.text else ""))


def test_the_channel_serves_on_the_contract_url(wechat_stack):
    assert httpx.get(f"{wechat_stack.rasa.url}/webhooks/wechat/").json() == {"status": "ok"}
