"""The customer-service API client against a fake WeChat API on loopback."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Iterator

import pytest

from channels.wechat_api import CustomerServiceClient, WeChatAPIError
from channels.wechat_state import MemoryState, WeChatState
from tests.wechat.wechat_kit import APP_ID, APP_SECRET, FakeWeChatAPI


@pytest.fixture
def fake() -> Iterator[FakeWeChatAPI]:
    api = FakeWeChatAPI().start()
    yield api
    api.stop()


@pytest.fixture
async def client(fake) -> AsyncIterator[CustomerServiceClient]:
    api = CustomerServiceClient(APP_ID, APP_SECRET, WeChatState(MemoryState()), base_url=fake.url)
    yield api
    await api.close()


async def test_the_token_is_fetched_once_and_reused(fake, client):
    await asyncio.gather(*(client.send_text("oA", f"消息 {i}") for i in range(5)))
    assert fake.token_requests == 1
    assert sorted(fake.messages_to("oA")) == sorted(f"消息 {i}" for i in range(5))


@pytest.mark.parametrize("errcode", [40001, 40014, 42001])
async def test_a_rejected_token_is_replaced_and_the_message_sent_again(fake, client, errcode):
    await client.send_text("oA", "一")
    fake.next_errors.append(errcode)
    await client.send_text("oA", "二")
    assert fake.token_requests == 2
    assert fake.messages_to("oA") == ["一", "二"]


async def test_a_token_revoked_elsewhere_is_replaced(fake, client):
    await client.send_text("oA", "一")
    fake.revoke_tokens()  # e.g. someone fetched a token with the same AppSecret
    await client.send_text("oA", "二")
    assert fake.messages_to("oA") == ["一", "二"]


async def test_system_busy_is_tried_once_more(fake, client):
    fake.next_errors.append(-1)
    await client.send_text("oA", "稍等")
    assert fake.messages_to("oA") == ["稍等"]


async def test_other_refusals_raise_with_wechats_code(fake, client):
    fake.next_errors.append(45015)  # the customer wrote more than 48 hours ago
    with pytest.raises(WeChatAPIError) as error:
        await client.send_text("oA", "迟到的回复")
    assert error.value.errcode == 45015
    fake.next_errors.extend([40001, 40001])  # a fresh token refused too: give up
    with pytest.raises(WeChatAPIError):
        await client.send_text("oA", "x")
    with pytest.raises(WeChatAPIError) as too_long:  # the fake enforces the 2048-byte limit
        await client.send_text("oA", "长" * 700)
    assert too_long.value.errcode == 45002


async def test_wrong_credentials_and_no_credentials_raise(fake):
    wrong = CustomerServiceClient(APP_ID, "nope", WeChatState(MemoryState()), base_url=fake.url)
    with pytest.raises(WeChatAPIError) as error:
        await wrong.send_text("oA", "x")
    assert error.value.errcode == 40125
    await wrong.close()
    missing = CustomerServiceClient("", "", WeChatState(MemoryState()), base_url=fake.url)
    assert not missing.configured
    with pytest.raises(WeChatAPIError):
        await missing.send_text("oA", "x")


async def test_an_unreachable_api_raises():
    api = CustomerServiceClient(
        APP_ID, APP_SECRET, WeChatState(MemoryState()), base_url="http://127.0.0.1:9"
    )
    with pytest.raises(Exception):  # noqa: B017 - httpx's connection error
        await api.send_text("oA", "x")
    await api.close()


async def test_json_is_raw_utf8_and_credentials_never_reach_the_log(fake, client, caplog):
    caplog.set_level(logging.INFO, logger="httpx")
    await client.send_text("oA", "您好，退款已提交")
    assert "您好，退款已提交".encode() in fake.raw_bodies[-1]
    assert fake.sent[-1].access_token
    assert APP_SECRET not in caplog.text
    assert fake.sent[-1].access_token not in caplog.text
    assert "secret=***" in caplog.text
