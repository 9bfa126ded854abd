"""Short-lived state of the WeChat channel, shared by every Rasa replica that serves the account.

Four things must survive a retry landing on another replica, so they live here and not in
the channel object:

* **de-duplication**: WeChat retries a push it got no answer to within 5 seconds, up to three
  times. The first delivery of a message (``MsgId``) or event (``FromUserName`` +
  ``CreateTime``) claims it; retries find the claim and are answered ``success``. The claim
  lasts at least as long as a signed request stays acceptable (the replay window: twice the
  timestamp tolerance, a timestamp may be that far off either way), so a replayed push finds it.
* **used nonces** (plaintext mode): the plaintext signature covers token, timestamp and nonce
  but not the body, so a logged query string would sign any body for the whole tolerance. The
  first body seen with a timestamp and nonce is remembered for the replay window; the same
  query string with another body is refused.
* **numbered options**: buttons are sent as "回复 1 / 2 / 3"; the numbers of the customer's
  latest bot turn map back to the buttons' payloads.
* **the access token** of the customer-service API, so replicas share one token instead of
  invalidating each other's.

:class:`MemoryState` serves one process (the default); :class:`RedisState` serves several
(``WECHAT_REDIS_URL`` or ``REDIS_URL``). Both expire entries after their TTL.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
import unicodedata
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Optional

from service_kit.db import StoreTimeouts

logger = logging.getLogger(__name__)

DELIVERY_TTL_SECONDS = 10 * 60
OPTIONS_TTL_SECONDS = 24 * 60 * 60
MAX_OPTIONS = 20
_NUMBER = re.compile(r"(\d{1,2})[.。、)）]?")


class KeyValueStore(ABC):
    """The few key-value operations the channel needs, each with a time-to-live."""

    @abstractmethod
    async def add(self, key: str, value: str, ttl_seconds: int) -> bool:
        """Store ``value`` unless ``key`` exists; True when this call stored it."""

    @abstractmethod
    async def get(self, key: str) -> Optional[str]:
        """The live value of ``key``, or None."""

    @abstractmethod
    async def put(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store ``value`` under ``key``, replacing any earlier value."""

    @abstractmethod
    async def delete(self, key: str) -> None:
        """Remove ``key`` if present."""

    async def close(self) -> None:  # noqa: B027 - optional for stores without connections
        """Release connections (nothing to do for the in-memory store)."""


class MemoryState(KeyValueStore):
    """One process's store: a dict with expiry times, bounded in size."""

    def __init__(self, max_entries: int = 100_000) -> None:
        self._entries: dict[str, tuple[str, float]] = {}
        self._max_entries = max_entries

    def _live(self, key: str) -> Optional[str]:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[1] <= time.monotonic():
            del self._entries[key]
            return None
        return entry[0]

    def _store(self, key: str, value: str, ttl_seconds: int) -> None:
        self._entries.pop(key, None)  # re-insert so the dict stays in write order
        self._entries[key] = (value, time.monotonic() + ttl_seconds)
        if len(self._entries) > self._max_entries:
            now = time.monotonic()
            for stale in [k for k, (_, expires) in self._entries.items() if expires <= now]:
                del self._entries[stale]
            while len(self._entries) > self._max_entries:
                del self._entries[next(iter(self._entries))]  # the oldest write

    async def add(self, key: str, value: str, ttl_seconds: int) -> bool:
        """Store unless present (no await in between, so atomic on the event loop)."""
        if self._live(key) is not None:
            return False
        self._store(key, value, ttl_seconds)
        return True

    async def get(self, key: str) -> Optional[str]:
        """The value if not expired."""
        return self._live(key)

    async def put(self, key: str, value: str, ttl_seconds: int) -> None:
        """Store or replace."""
        self._store(key, value, ttl_seconds)

    async def delete(self, key: str) -> None:
        """Forget the key."""
        self._entries.pop(key, None)


class RedisState(KeyValueStore):
    """A Redis store shared by replicas: ``SET NX EX`` makes the first delivery win."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._client = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    def _redis(self):
        import redis.asyncio as redis

        loop = asyncio.get_running_loop()
        if self._client is None or self._loop is not loop:
            # a connection belongs to the loop that opened it
            # bounded waits (REDIS_*_TIMEOUT_SECONDS): WeChat retries after 5 s anyway
            self._client = redis.Redis.from_url(
                self.url, decode_responses=True, **StoreTimeouts.from_environment().redis_options()
            )
            self._loop = loop
        return self._client

    async def add(self, key: str, value: str, ttl_seconds: int) -> bool:
        """``SET key value NX EX ttl``: atomic across replicas."""
        return bool(await self._redis().set(key, value, nx=True, ex=ttl_seconds))

    async def get(self, key: str) -> Optional[str]:
        """``GET key``."""
        return await self._redis().get(key)

    async def put(self, key: str, value: str, ttl_seconds: int) -> None:
        """``SET key value EX ttl``."""
        await self._redis().set(key, value, ex=ttl_seconds)

    async def delete(self, key: str) -> None:
        """``DEL key``."""
        await self._redis().delete(key)

    async def close(self) -> None:
        """Close the connection pool of the current loop."""
        if self._client is not None:
            client, self._client = self._client, None
            await client.close(close_connection_pool=True)


def store_from_url(redis_url: Optional[str]) -> KeyValueStore:
    """Redis when a URL is configured, otherwise this process's memory."""
    return RedisState(redis_url) if redis_url else MemoryState()


def option_number(text: str) -> Optional[int]:
    """The option a customer picked when the whole message is a number ("2", "２", "2.")."""
    match = _NUMBER.fullmatch(unicodedata.normalize("NFKC", text or "").strip())
    return int(match.group(1)) if match else None


class WeChatState:
    """The channel's shared state on top of a :class:`KeyValueStore`, keyed per account.

    ``replay_window_seconds`` is how long a signed request stays acceptable (twice the
    channel's timestamp tolerance): used nonces are kept that long, and delivery claims at
    least that long.
    """

    def __init__(
        self, store: KeyValueStore, namespace: str = "default", replay_window_seconds: int = 0
    ) -> None:
        self.store = store
        self.prefix = f"eepay:wechat:{namespace}:"
        self.replay_window_seconds = max(1, replay_window_seconds)
        self.delivery_ttl_seconds = max(DELIVERY_TTL_SECONDS, replay_window_seconds)

    async def first_delivery(self, delivery_key: str) -> bool:
        """True for the first delivery of a message; False for WeChat's retries of it.

        WeChat retries an unanswered push three times, 5 s apart; the docs recommend MsgId
        for messages and FromUserName + CreateTime for events as the de-duplication key. If the
        store cannot be reached the message is handled (an answer twice beats no answer).
        """
        try:
            return await self.store.add(
                self.prefix + "delivery:" + delivery_key, "1", self.delivery_ttl_seconds
            )
        except Exception:
            logger.exception("de-duplication store unavailable; handling the message")
            return True

    async def nonce_fits(self, timestamp: str, nonce: str, body_digest: str) -> bool:
        """True when this timestamp and nonce are new, or come with the same body as the first
        time (WeChat resending its push: de-duplication then answers it); False when they come
        back with another body, which only someone replaying a captured query string sends.

        Raises when the store cannot be reached: the caller refuses rather than let a replay
        through (plaintext mode is for development; production requires safe mode).
        """
        key = f"{self.prefix}nonce:{timestamp}:{nonce}"
        if await self.store.add(key, body_digest, self.replay_window_seconds):
            return True
        return await self.store.get(key) == body_digest

    async def remember_options(self, openid: str, payloads: Sequence[str]) -> None:
        """The payloads behind the numbers of the latest bot turn (empty: forget them)."""
        key = self.prefix + "options:" + openid
        try:
            if payloads:
                await self.store.put(
                    key, json.dumps(list(payloads)[:MAX_OPTIONS]), OPTIONS_TTL_SECONDS
                )
            else:
                await self.store.delete(key)
        except Exception:
            logger.exception("option store unavailable", extra={"sender_id": openid})

    async def payload_for(self, openid: str, text: str) -> Optional[str]:
        """The button payload a numeric reply picks, or None if it picks nothing."""
        number = option_number(text)
        if number is None:
            return None
        try:
            raw = await self.store.get(self.prefix + "options:" + openid)
        except Exception:
            logger.exception("option store unavailable", extra={"sender_id": openid})
            return None
        try:
            payloads = json.loads(raw) if raw else []
        except ValueError:
            return None
        if isinstance(payloads, list) and 1 <= number <= len(payloads):
            payload = payloads[number - 1]
            return payload if isinstance(payload, str) else None
        return None

    async def access_token(self) -> Optional[str]:
        """The cached customer-service API access token, if still valid."""
        return await self.store.get(self.prefix + "access_token")

    async def keep_access_token(self, token: str, ttl_seconds: int) -> None:
        """Cache a fresh access token for every replica until shortly before it expires."""
        await self.store.put(self.prefix + "access_token", token, max(1, ttl_seconds))

    async def drop_access_token(self, token: str) -> None:
        """Forget ``token`` (WeChat said it is invalid) unless another replica replaced it."""
        key = self.prefix + "access_token"
        if await self.store.get(key) == token:
            await self.store.delete(key)

    async def close(self) -> None:
        """Release the store's connections."""
        await self.store.close()
