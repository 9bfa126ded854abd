"""Who a WeChat follower is: the eepay customer bound to an openid, asked of the payment backend.

``GET {BACKEND_URL}/v1/wechat/bindings/{openid}`` with the channel's own token
(``BACKEND_WECHAT_TOKEN``, which may read bindings and nothing else) answers the
binding (200, ``{"openid", "customer_id", "created_at"}``) or ``WECHAT_BINDING_NOT_FOUND`` (404).
This read is the only backend call the Rasa server makes, so the channel carries this small
client of its own: the action server's code stays out of the Rasa process.

The lookup is not retried: it runs inside WeChat's five-second window for the passive reply,
and a follower whose binding cannot be read is simply anonymous for that one message.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Optional
from urllib.parse import quote

import httpx
from pydantic import BaseSettings, Field

logger = logging.getLogger(__name__)

# The lookup shares WeChat's answer budget with the bot's own turn.
MAX_LOOKUP_SECONDS = 3.0


class BindingLookupSettings(BaseSettings):
    """Where the backend is, the service token, and how long one lookup may take."""

    url: str = Field("http://127.0.0.1:8100", env="BACKEND_URL")
    # The channel's own token; unset = every follower is anonymous (no other token stands in).
    api_token: str = Field("", env="BACKEND_WECHAT_TOKEN")
    timeout_seconds: float = Field(
        MAX_LOOKUP_SECONDS, gt=0, le=MAX_LOOKUP_SECONDS, env="BACKEND_TIMEOUT_SECONDS"
    )


class BindingLookupFailed(Exception):
    """The backend could not say whether the openid is bound (down, slow, refused, garbled)."""


class WeChatBindings:
    """Reads openid → customer bindings; one instance per channel, connections kept alive."""

    def __init__(
        self,
        base_url: str,
        api_token: str,
        *,
        timeout_seconds: float = MAX_LOOKUP_SECONDS,
        transport: Optional[httpx.AsyncBaseTransport] = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self._headers = {"Accept": "application/json", "User-Agent": "eepay-rasa/wechat-bindings"}
        if api_token:
            self._headers["Authorization"] = f"Bearer {api_token}"
        else:
            logger.warning("BACKEND_WECHAT_TOKEN is not set: every WeChat follower is anonymous")
        self.timeout_seconds = timeout_seconds
        self._timeout = httpx.Timeout(timeout_seconds, connect=min(1.0, timeout_seconds))
        self._transport = transport
        self._http: Optional[httpx.AsyncClient] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    @classmethod
    def from_environment(cls) -> WeChatBindings:
        """A client of the backend named by ``BACKEND_URL`` and ``BACKEND_WECHAT_TOKEN``."""
        settings = BindingLookupSettings()
        return cls(settings.url, settings.api_token, timeout_seconds=settings.timeout_seconds)

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._http.is_closed or self._loop is not loop:
            # an httpx client's connections belong to the event loop they were opened on
            self._http = httpx.AsyncClient(
                base_url=self.base_url,
                headers=self._headers,
                timeout=self._timeout,
                transport=self._transport,
            )
            self._loop = loop
        return self._http

    async def customer_id_for(self, openid: str) -> Optional[str]:
        """The eepay customer id bound to ``openid``; None when the follower is not bound.

        Raises :class:`BindingLookupFailed` when the backend gives no usable answer.
        """
        path = f"/v1/wechat/bindings/{quote(openid, safe='')}"
        request = self._client().get(path, headers={"X-Conversation-ID": openid})
        try:
            # httpx bounds each phase of a request; this bounds the whole lookup
            response = await asyncio.wait_for(request, timeout=self.timeout_seconds)
        except (asyncio.TimeoutError, httpx.HTTPError) as error:
            raise BindingLookupFailed(f"GET {path}: {type(error).__name__}") from error
        if response.status_code == 404:
            return None
        if response.status_code != 200:
            raise BindingLookupFailed(f"GET {path} answered {response.status_code}")
        try:
            customer_id = response.json()["customer_id"]
        except (ValueError, KeyError, TypeError) as error:
            raise BindingLookupFailed(f"GET {path}: unexpected answer") from error
        if not isinstance(customer_id, str) or not customer_id:
            raise BindingLookupFailed(f"GET {path}: no customer id in the answer")
        return customer_id

    async def aclose(self) -> None:
        """Close the kept-alive connections."""
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()

    async def __aenter__(self) -> WeChatBindings:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.aclose()
