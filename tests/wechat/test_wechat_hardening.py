"""Attacks on the WeChat webhook and the deployment rules that stop them.

* A logged plaintext query string (``signature``, ``timestamp``, ``nonce``) signs no body: the
  attacker replays it with a body of their own, as any follower. Refused now (403).
* A replayed push must still find its de-duplication claim: the claim lasts as long as a signed
  request stays acceptable.
* Production accepts only safe mode (encrypted pushes), and a server told it runs as several
  replicas does not start with its state in one process's memory.
"""

from __future__ import annotations

import uuid

import httpx
import pytest
import redis

from channels.guard import guarded
from channels.wechat import WeChatInput, WeChatSettings
from channels.wechat_bindings import BindingLookupFailed, BindingLookupSettings, WeChatBindings
from channels.wechat_state import MemoryState, RedisState, WeChatState
from tests.support import stack as services
from tests.wechat.test_wechat_handler import ScriptedBot, make_channel, post, signed_query
from tests.wechat.wechat_kit import (
    AES_KEY,
    APP_ID,
    REDIS_URL,
    TOKEN,
    forget_redis_keys,
    new_msg_id,
    new_openid,
    text_xml,
)

# --- replayed query strings (plaintext mode) ---------------------------------------------------


async def test_a_logged_query_string_cannot_carry_another_body():
    channel, bot = make_channel(None), ScriptedBot()
    query = signed_query()
    victim = new_openid()
    first = await channel.receive(query, text_xml(victim, "你好").encode(), guarded(bot))
    assert first.status == 200

    forged = text_xml(victim, "我要退款", new_msg_id()).encode()
    replay = await channel.receive(dict(query), forged, guarded(bot))
    assert replay.status == 403
    assert [message.text for message in bot.received] == ["你好"]


async def test_the_same_push_again_is_a_retry_and_handled_once():
    channel, bot = make_channel(None), ScriptedBot()
    query, body = signed_query(), text_xml(new_openid(), "你好").encode()
    first = await channel.receive(query, body, guarded(bot))
    again = await channel.receive(dict(query), body, guarded(bot))
    assert first.status == again.status == 200
    assert again.body == b"success"
    assert len(bot.received) == 1


async def test_a_fresh_nonce_is_a_new_push():
    channel, bot = make_channel(None), ScriptedBot()
    openid = new_openid()
    for text_ in ("你好", "我付款失败了"):
        status, _ = await post(channel, bot, text_xml(openid, text_))
        assert status == 200
    assert [message.text for message in bot.received] == ["你好", "我付款失败了"]


@pytest.mark.redis
async def test_a_replay_on_another_replica_is_refused_too():
    namespace = f"test-{uuid.uuid4().hex}"
    replicas = [
        make_channel(None, state=WeChatState(RedisState(REDIS_URL), namespace, 600))
        for _ in range(2)
    ]
    bot, query, openid = ScriptedBot(), signed_query(), new_openid()
    try:
        first = await replicas[0].receive(query, text_xml(openid, "你好").encode(), guarded(bot))
        forged = text_xml(openid, "冻结", new_msg_id()).encode()
        replay = await replicas[1].receive(dict(query), forged, guarded(bot))
        assert (first.status, replay.status) == (200, 403)
        assert len(bot.received) == 1
    finally:
        for replica in replicas:
            await replica.state.close()
        await forget_redis_keys(namespace)


async def test_when_the_nonce_store_is_down_plaintext_is_refused_not_replayable():
    down = WeChatState(RedisState("redis://127.0.0.1:9/0"), "down", 600)
    channel, bot = make_channel(None, state=down), ScriptedBot()
    status, _ = await post(channel, bot, text_xml(new_openid(), "你好"))
    assert status == 503 and bot.received == []
    await down.close()


@pytest.mark.e2e
def test_the_real_server_refuses_a_replayed_query_string_with_another_body(wechat_stack):
    openid = new_openid()
    query = wechat_stack.wechat.query()
    url = wechat_stack.wechat.url
    first = httpx.post(url, params=query, content=text_xml(openid, "你好").encode(), timeout=30)
    assert first.status_code == 200
    forged = text_xml(openid, "我要退款", new_msg_id()).encode()
    replay = httpx.post(url, params=query, content=forged, timeout=30)
    assert replay.status_code == 403
    assert wechat_stack.user_texts(openid) == ["你好"]


# --- de-duplication lasts the replay window ----------------------------------------------------


@pytest.mark.parametrize("tolerance", [300, 3600])
def test_delivery_claims_outlive_the_timestamp_tolerance(tolerance):
    channel = make_channel(None, timestamp_tolerance_seconds=tolerance)
    # a timestamp may be `tolerance` off either way: a push stays acceptable for twice that
    assert channel.state.delivery_ttl_seconds >= 2 * tolerance
    assert channel.state.replay_window_seconds == 2 * tolerance


@pytest.mark.redis
async def test_the_claim_in_redis_lives_as_long_as_the_replay_window():
    namespace = f"test-{uuid.uuid4().hex}"
    settings = WeChatSettings(
        token=TOKEN, encoding_aes_key=AES_KEY, app_id=namespace, redis_url=REDIS_URL,
        timestamp_tolerance_seconds=3600, reply_budget_seconds=0.5,
    )  # fmt: skip
    channel, bot = WeChatInput(settings), ScriptedBot()
    msg_id = new_msg_id()
    try:
        status, _ = await post(channel, bot, text_xml(new_openid(), "你好", msg_id))
        assert status == 200
        client = redis.Redis.from_url(REDIS_URL)
        claims = list(client.scan_iter(f"eepay:wechat:{namespace}:delivery:*"))
        assert len(claims) == 1 and client.ttl(claims[0]) > 3600 * 2 - 60
        nonces = list(client.scan_iter(f"eepay:wechat:{namespace}:nonce:*"))
        assert len(nonces) == 1 and client.ttl(nonces[0]) > 3600 * 2 - 60
        client.close()
    finally:
        await channel.state.close()
        await channel.bindings.aclose()
        await forget_redis_keys(namespace)


def test_a_memory_claim_expires_only_after_the_window():
    state = WeChatState(MemoryState(), "ttl", replay_window_seconds=7200)
    assert state.delivery_ttl_seconds == 7200


# --- production: safe mode only ----------------------------------------------------------------


async def test_production_refuses_plaintext_pushes(monkeypatch):
    monkeypatch.setenv("EEPAY_ENV", "production")
    channel, bot = make_channel(None), ScriptedBot()
    status, _ = await post(channel, bot, text_xml(new_openid(), "你好"))
    assert status == 403 and bot.received == []


def test_production_does_not_start_without_safe_mode(monkeypatch):
    monkeypatch.setenv("EEPAY_ENV", "production")
    for name in ("WECHAT_ENCODING_AES_KEY", "WECHAT_APP_ID"):
        monkeypatch.delenv(name, raising=False)
    with pytest.raises(ValueError, match="WECHAT_ENCODING_AES_KEY"):
        WeChatInput.from_credentials({"token": TOKEN})
    monkeypatch.setenv("WECHAT_ENCODING_AES_KEY", AES_KEY)
    monkeypatch.setenv("WECHAT_APP_ID", APP_ID)
    assert WeChatInput.from_credentials({"token": TOKEN}).settings.encryption_required


def test_development_still_takes_plaintext(monkeypatch):
    monkeypatch.delenv("EEPAY_ENV", raising=False)
    assert not WeChatSettings(token=TOKEN).encryption_required


# --- replicas need Redis -----------------------------------------------------------------------


def test_several_replicas_without_redis_do_not_start(monkeypatch):
    for name in ("WECHAT_REDIS_URL", "REDIS_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("RASA_REPLICAS", "2")
    with pytest.raises(ValueError, match="REDIS_URL"):
        WeChatInput.from_credentials({"token": TOKEN})
    monkeypatch.setenv("REDIS_URL", REDIS_URL)
    channel = WeChatInput.from_credentials({"token": TOKEN})
    assert isinstance(channel.state.store, RedisState)


# --- the channel's backend token reads bindings only ---------------------------------------------


def test_the_action_servers_token_is_no_fallback(monkeypatch):
    monkeypatch.delenv("BACKEND_WECHAT_TOKEN", raising=False)
    monkeypatch.setenv("BACKEND_API_TOKEN", "the-action-servers-token")
    assert BindingLookupSettings().api_token == ""


@pytest.mark.e2e
async def test_the_channels_token_reads_bindings_and_cannot_write_them(wechat_stack):
    openid = new_openid()
    bound = wechat_stack.backend_call(
        "PUT", f"/v1/wechat/bindings/{openid}", json={"customer_id": "u1002"}
    )
    assert bound.status_code == 201
    async with WeChatBindings(wechat_stack.backend.url, services.BACKEND_WECHAT_TOKEN) as bindings:
        assert await bindings.customer_id_for(openid) == "u1002"
    async with WeChatBindings(wechat_stack.backend.url, services.BACKEND_TOKEN) as bindings:
        with pytest.raises(BindingLookupFailed, match="403"):
            await bindings.customer_id_for(openid)
    rebind = httpx.put(
        f"{wechat_stack.backend.url}/v1/wechat/bindings/{openid}",
        json={"customer_id": "u1001"},
        headers={"Authorization": f"Bearer {services.BACKEND_WECHAT_TOKEN}"},
    )
    assert rebind.status_code == 403
