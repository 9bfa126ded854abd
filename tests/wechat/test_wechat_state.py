"""The channel's shared state in memory and in Redis (127.0.0.1:6379): de-duplication,
numbered options and the access-token cache, and what several replicas see together."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest

from channels.wechat_state import KeyValueStore, MemoryState, RedisState, WeChatState
from tests.wechat.wechat_kit import REDIS_URL, forget_redis_keys


@pytest.fixture
def namespace() -> str:
    return f"test-{uuid.uuid4().hex}"  # tests share the Redis database with other suites


@pytest.fixture(params=["memory", pytest.param("redis", marks=pytest.mark.redis)])
async def store(request, namespace) -> AsyncIterator[KeyValueStore]:
    kv = MemoryState() if request.param == "memory" else RedisState(REDIS_URL)
    yield kv
    await kv.close()
    if request.param == "redis":
        await forget_redis_keys(namespace)


async def test_only_the_first_delivery_of_a_message_wins(store, namespace):
    state = WeChatState(store, namespace)
    results = await asyncio.gather(*(state.first_delivery("msg:1") for _ in range(10)))
    assert results.count(True) == 1
    assert await state.first_delivery("msg:2")


async def test_entries_expire(store, namespace):
    key = f"{namespace}:k"
    assert await store.add(key, "1", 1)
    assert not await store.add(key, "1", 1)
    await asyncio.sleep(1.2)
    assert await store.get(key) is None
    assert await store.add(key, "2", 1)


async def test_options_map_numbers_to_payloads_per_follower(store, namespace):
    state = WeChatState(store, namespace)
    await state.remember_options("oA", ["/payment_failed", "/request_refund"])
    assert await state.payload_for("oA", "2") == "/request_refund"
    assert await state.payload_for("oA", "１") == "/payment_failed"
    assert await state.payload_for("oA", "3") is None
    assert await state.payload_for("oA", "0") is None
    assert await state.payload_for("oA", "退款") is None
    assert await state.payload_for("oB", "1") is None
    await state.remember_options("oA", [])
    assert await state.payload_for("oA", "1") is None


async def test_a_rejected_token_is_dropped_only_if_nobody_replaced_it(store, namespace):
    state = WeChatState(store, namespace)
    await state.keep_access_token("T1", 60)
    await state.drop_access_token("T0")
    assert await state.access_token() == "T1"
    await state.drop_access_token("T1")
    assert await state.access_token() is None


def test_the_memory_store_stays_bounded():
    async def fill() -> MemoryState:
        memory = MemoryState(max_entries=100)
        for i in range(1000):
            await memory.put(f"k{i}", "v", 60)
        return memory

    memory = asyncio.run(fill())
    assert len(memory._entries) == 100
    assert "k999" in memory._entries and "k0" not in memory._entries


async def test_an_unreachable_redis_fails_open(namespace):
    # handling a message twice beats dropping it; a number is then just text
    state = WeChatState(RedisState("redis://127.0.0.1:9/0"), namespace)
    assert await state.first_delivery("msg:1")
    assert await state.first_delivery("msg:1")
    await state.remember_options("oA", ["/x"])
    assert await state.payload_for("oA", "1") is None
    await state.close()


@pytest.mark.redis
async def test_replicas_sharing_redis_see_one_state(namespace):
    replicas = [WeChatState(RedisState(REDIS_URL), namespace) for _ in range(3)]
    wins = await asyncio.gather(*(r.first_delivery("msg:77") for r in replicas for _ in range(3)))
    assert wins.count(True) == 1
    await replicas[0].remember_options("oA", ["/a", "/b"])
    assert await replicas[2].payload_for("oA", "2") == "/b"
    await replicas[1].keep_access_token("T9", 60)
    assert await replicas[2].access_token() == "T9"
    for replica in replicas:
        await replica.close()
    await forget_redis_keys(namespace)
