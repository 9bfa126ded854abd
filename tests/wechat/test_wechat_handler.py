"""The channel's request handler in-process, with a scripted bot in place of Rasa: reply
timing, replicas sharing Redis, long replies, and a fuzz test that never yields a 500."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from typing import Any, Optional

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from rasa.core.channels.channel import UserMessage
from wechatpy.crypto import WeChatCrypto

from channels.guard import FAILURE_REPLY, guarded
from channels.wechat import WeChatInput, WeChatOutput, WeChatSettings
from channels.wechat_messages import xml_fields
from channels.wechat_state import RedisState, WeChatState
from tests.wechat.wechat_kit import (
    AES_KEY,
    APP_ID,
    APP_SECRET,
    REDIS_URL,
    TOKEN,
    FakeWeChatAPI,
    cdata,
    event_xml,
    forget_redis_keys,
    message_xml,
    new_msg_id,
    new_openid,
    sign,
    text_xml,
)

BUDGET = 0.5


class ScriptedBot:
    """Stands in for Rasa: answers ``echo`` after ``delay`` seconds, with two buttons."""

    def __init__(self, delay: float = 0.0, text: Optional[str] = None) -> None:
        self.delay = delay
        self.text = text
        self.received: list[UserMessage] = []

    async def __call__(self, message: UserMessage) -> None:
        self.received.append(message)
        if message.text == "boom":
            raise RuntimeError("the bot fell over")
        await asyncio.sleep(self.delay)
        await message.output_channel.send_response(
            message.sender_id,
            {
                "text": self.text or f"收到：{message.text}",
                "buttons": [
                    {"title": "付款失败", "payload": "/payment_failed"},
                    {"title": "申请退款", "payload": "/request_refund"},
                ],
            },
        )


@pytest.fixture
def fake() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI().start()
    yield api
    api.stop()


def make_channel(
    fake: Optional[FakeWeChatAPI], state: Optional[WeChatState] = None, **overrides: Any
) -> WeChatInput:
    channel_settings = WeChatSettings(
        token=TOKEN,
        encoding_aes_key=AES_KEY,
        app_id=APP_ID,
        app_secret=APP_SECRET if fake else "",
        api_base_url=fake.url if fake else "http://127.0.0.1:9",
        reply_budget_seconds=BUDGET,
        **overrides,
    )

    async def anonymous(openid: str) -> Optional[str]:
        return "token-for-" + openid if openid.startswith("oBound") else None

    return WeChatInput(channel_settings, state=state, identify=anonymous)


def signed_query(**extra: str) -> dict[str, str]:
    timestamp, nonce = str(int(time.time())), uuid.uuid4().hex[:8]
    return {"timestamp": timestamp, "nonce": nonce, "signature": sign(TOKEN, timestamp, nonce)}


async def post(channel: WeChatInput, bot: ScriptedBot, xml: str, **query: str) -> tuple[int, str]:
    answer = await channel.receive({**signed_query(), **query}, xml.encode(), guarded(bot))
    return answer.status, answer.body.decode()


def content(body: str) -> str:
    return xml_fields(body)["Content"]


async def test_a_quick_bot_is_answered_passively_with_identity_and_options(fake):
    channel, bot = make_channel(fake), ScriptedBot()
    status, body = await post(channel, bot, text_xml("oBound1", "你好"))
    assert status == 200
    assert content(body) == "收到：你好\n回复 1：付款失败\n回复 2：申请退款"
    message = bot.received[0]
    assert (message.sender_id, message.input_channel) == ("oBound1", "wechat")
    assert message.metadata == {"customer_token": "token-for-oBound1"}

    await post(channel, bot, text_xml("oBound1", "2"))
    assert bot.received[-1].text == "/request_refund"
    assert fake.sent == []


async def test_a_slow_bot_gets_success_then_its_reply_through_the_api(fake):
    channel, bot = make_channel(fake), ScriptedBot(delay=BUDGET + 0.4)
    started = time.monotonic()
    status, body = await post(channel, bot, text_xml("oSlow", "查一下"))
    assert (status, body) == (200, "success")
    assert BUDGET - 0.05 < time.monotonic() - started < BUDGET + 0.3
    assert fake.messages_to("oSlow") == []
    await channel.drain()
    assert fake.messages_to("oSlow") == ["收到：查一下\n回复 1：付款失败\n回复 2：申请退款"]
    await post(channel, bot, text_xml("oSlow", "1"))  # options of the late reply work too
    assert bot.received[-1].text == "/payment_failed"
    await channel.drain()


async def test_a_long_reply_goes_out_in_order_through_the_api(fake):
    long_text = "\n".join(f"第{i}条：" + "详细说明" * 60 for i in range(8))
    channel, bot = make_channel(fake), ScriptedBot(text=long_text)
    assert await post(channel, bot, text_xml("oLong", "长")) == (200, "success")
    await channel.drain()
    parts = fake.messages_to("oLong")
    assert len(parts) > 2 and all(len(p.encode()) <= 2048 for p in parts)
    assert parts[0].startswith("第0条")
    assert "".join(parts).replace("\n", "").startswith(long_text.replace("\n", ""))


async def test_without_an_app_secret_a_long_reply_is_cut_to_one_passive_message():
    long_text = "详细说明" * 400
    channel, bot = make_channel(None), ScriptedBot(text=long_text)
    status, body = await post(channel, bot, text_xml("oLong", "长"))
    assert status == 200 and len(content(body).encode()) == 2046  # whole characters only


async def test_a_failing_bot_gets_an_apology(fake):
    channel, bot = make_channel(fake), ScriptedBot()
    status, body = await post(channel, bot, text_xml("oBoom", "boom"))
    assert content(body) == FAILURE_REPLY


async def test_a_bot_that_never_answers_gets_success_and_nothing_more(fake):
    async def silent(message: UserMessage) -> None:
        pass

    channel = make_channel(fake)
    answer = await channel.receive(signed_query(), text_xml("oQuiet", "在吗").encode(), silent)
    assert answer.body == b"success"


async def test_plaintext_can_be_refused_when_safe_mode_is_required(fake):
    channel, bot = make_channel(fake, require_encryption=True), ScriptedBot()
    assert (await post(channel, bot, text_xml("oA", "hi")))[0] == 403
    assert bot.received == []


async def test_an_encrypted_request_gets_an_encrypted_reply(fake):
    channel, bot = make_channel(fake), ScriptedBot()
    crypto = WeChatCrypto(TOKEN, AES_KEY, APP_ID)
    query = signed_query()
    envelope = crypto.encrypt_message(text_xml("oAes", "你好"), query["nonce"], query["timestamp"])
    fields = xml_fields(envelope)
    query.update({"encrypt_type": "aes", "msg_signature": fields["MsgSignature"]})
    body = f"<xml><ToUserName>{cdata('gh_x')}</ToUserName><Encrypt>{cdata(fields['Encrypt'])}"
    answer = await channel.receive(query, (body + "</Encrypt></xml>").encode(), guarded(bot))
    reply = xml_fields(answer.body)
    assert "Content" not in reply
    plain = crypto.decrypt_message(
        answer.body.decode(), reply["MsgSignature"], reply["TimeStamp"], reply["Nonce"]
    )
    assert content(plain).startswith("收到：你好")


async def test_events_and_unsupported_types(fake):
    channel, bot = make_channel(fake), ScriptedBot()
    status, body = await post(channel, bot, event_xml("oNew", "subscribe", key="qrscene_42"))
    assert "回复 6：转人工客服" in content(body)
    await post(channel, bot, text_xml("oNew", "6"))
    assert bot.received[-1].text == "/request_human"
    _, body = await post(channel, bot, event_xml("oNew", "unsubscribe"))
    assert body == "success"
    _, body = await post(channel, bot, message_xml("oNew", "file", {"MsgId": new_msg_id()}))
    assert "文字" in content(body)
    assert await post(channel, bot, event_xml("oNew", "SOME_NEW_EVENT")) == (200, "success")


async def test_agent_messages_and_the_output_channel(fake):
    channel = make_channel(fake)
    output = channel.get_output_channel()
    assert isinstance(output, WeChatOutput) and output.name() == channel.name() == "wechat"
    custom = {"type": "agent_message", "agent_name": "小李", "text": "您好"}
    await output.send_response("oAgent", {"text": "您好", "custom": custom})
    await output.send_response(
        "oAgent", {"text": "请为本次服务打分", "custom": {"type": "rating_request"}}
    )
    await output.send_response(
        "oAgent", {"text": "选一个", "buttons": [{"title": "好", "payload": "/affirm"}]}
    )
    assert fake.messages_to("oAgent") == [
        "【人工客服 小李】您好",
        "请为本次服务打分",
        "选一个\n回复 1：好",
    ]
    assert await channel.state.payload_for("oAgent", "1") == "/affirm"


@pytest.mark.redis
async def test_two_replicas_sharing_redis_handle_a_retried_message_once(fake):
    namespace = f"test-{uuid.uuid4().hex}"
    replicas = [
        make_channel(fake, state=WeChatState(RedisState(REDIS_URL), namespace)) for _ in range(2)
    ]
    bot = ScriptedBot(delay=0.1)
    xml = text_xml(new_openid(), "你好", new_msg_id())
    answers = await asyncio.gather(*(post(r, bot, xml) for r in replicas for _ in range(2)))
    assert len(bot.received) == 1
    assert sorted(body == "success" for _, body in answers) == [False, True, True, True]
    # the numbers offered by one replica work on the other
    await post(replicas[1], bot, text_xml(bot.received[0].sender_id, "2"))
    assert bot.received[-1].text == "/request_refund"
    for replica in replicas:
        await replica.state.close()
    await forget_redis_keys(namespace)


# --- fuzz -------------------------------------------------------------------------------------

NAMES = ["ToUserName", "FromUserName", "CreateTime", "MsgType", "Content", "MsgId", "Event",
         "EventKey", "Recognition", "Encrypt", "MediaId"]  # fmt: skip
READABLE = st.characters(blacklist_categories=["Cs", "Cc"])
VALUES = st.one_of(
    st.text(max_size=30),
    st.integers(-(2**70), 2**70).map(str),
    st.sampled_from(["text", "event", "voice", "image", "subscribe", "gh_x", "oFuzz", "1"]),
)


@st.composite
def xml_bodies(draw: st.DrawFn) -> bytes:
    """A well-formed message of some type, with a few fields replaced, dropped or nested."""
    fields = {
        "ToUserName": "gh_eepay",
        "FromUserName": "oFuzz" + str(draw(st.integers(0, 3))),
        "CreateTime": str(int(time.time())),
        "MsgType": draw(st.sampled_from(["text", "event", "voice", "image", "location", "x"])),
        "MsgId": str(draw(st.integers(1, 2**63))),
        "Content": draw(st.text(max_size=60) | st.text(READABLE, max_size=60)),
        "Event": draw(st.sampled_from(["subscribe", "unsubscribe", "CLICK", "SCAN"])),
        "EventKey": draw(st.sampled_from(["", "qrscene_1", "scanbarcode|x"])),
        "Recognition": draw(st.text(READABLE, max_size=20)),
    }
    changes = draw(st.dictionaries(st.sampled_from(NAMES), st.none() | VALUES, max_size=3))
    for name, value in changes.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    nested = draw(st.sampled_from([None, *NAMES]))
    parts = []
    for name, value in fields.items():
        inner = f"<a>{cdata(value)}</a>" if name == nested else cdata(value)
        parts.append(f"<{name}>{inner}</{name}>")
    xml = "<xml>" + "".join(parts) + "</xml>"
    prefix = draw(
        st.sampled_from(["", "", '<?xml version="1.0" encoding="utf-8"?>', "<!DOCTYPE x>"])
    )
    return (prefix + xml).encode("utf-8", "surrogatepass")


@st.composite
def requests(draw: st.DrawFn) -> tuple[dict[str, str], bytes, Optional[str]]:
    """Mostly signed queries (so the parser and the bot get work), XML-ish or random bodies,
    and for half of the signed ones the AppID to encrypt the body for (safe mode)."""
    signed = draw(st.integers(0, 3)) > 0
    query = signed_query() if signed else draw(st.dictionaries(st.text(max_size=12), st.text()))
    body = draw(st.one_of(xml_bodies(), xml_bodies(), xml_bodies(), st.binary(max_size=300)))
    encrypt_for = draw(st.sampled_from([None, None, APP_ID, "wxOther"])) if signed else None
    return query, body, encrypt_for


def encrypt(query: dict[str, str], body: bytes, app_id: str) -> bytes:
    """The body in safe mode, as WeChat would send it (wechatpy, outside hypothesis: it uses
    the random module)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError:
        return b"<xml><Encrypt>bm90IGFlcw==</Encrypt></xml>"
    envelope = WeChatCrypto(TOKEN, AES_KEY, app_id).encrypt_message(
        text, query["nonce"], query["timestamp"]
    )
    query.update({"encrypt_type": "aes", "msg_signature": xml_fields(envelope)["MsgSignature"]})
    return envelope.encode()


@pytest.fixture(scope="module")
def fuzz_loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = asyncio.new_event_loop()
    yield loop
    loop.close()


@settings(max_examples=500, deadline=None, suppress_health_check=list(HealthCheck))
@given(case=requests())
def test_the_handler_never_fails_whatever_arrives(fuzz_loop, case):
    query, body, encrypt_for = case
    if encrypt_for:
        body = encrypt(query, body, encrypt_for)
    channel, bot = make_channel(None), ScriptedBot()

    async def run() -> tuple[int, int]:
        verify = channel.verify(query)
        answer = await channel.receive(query, body, guarded(bot))
        await channel.drain()
        return verify.status, answer.status

    verify_status, status = fuzz_loop.run_until_complete(run())
    assert verify_status in (200, 403)
    assert status in (200, 400, 403, 413)
    event(f"answered {status}" + (", reached the bot" if bot.received else ""))
    if status != 200:
        assert bot.received == []  # refused requests never reach the bot
