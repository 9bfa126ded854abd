"""Client for the WeChat customer-service message API (客服消息), used for replies that miss the
5-second passive-reply window and for messages an agent sends from the desk.

* ``GET {base}/cgi-bin/token?grant_type=client_credential&appid=…&secret=…`` gives an access
  token valid for ``expires_in`` seconds (7200). It is cached (shared by replicas through
  :class:`channels.wechat_state.WeChatState`) until shortly before it expires, and fetched anew
  when WeChat answers 40001 / 40014 / 42001 (invalid or expired token).
* ``POST {base}/cgi-bin/message/custom/send?access_token=…`` with
  ``{"touser": openid, "msgtype": "text", "text": {"content": …}}`` sends one text message.
  WeChat wants the JSON as raw UTF-8 (no ``\\uXXXX`` escapes).

``base`` is ``WECHAT_API_BASE_URL`` (default ``https://api.weixin.qq.com``), so tests and
staging point it at a fake. Neither the app secret nor the token is ever logged.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
from typing import Any, Optional

import httpx

from channels.wechat_state import WeChatState

logger = logging.getLogger(__name__)

DEFAULT_BASE_URL = "https://api.weixin.qq.com"
TOKEN_EXPIRED_CODES = frozenset({40001, 40014, 42001})
SYSTEM_BUSY = -1
EXPIRY_MARGIN_SECONDS = 300


class WeChatAPIError(Exception):
    """WeChat refused a call; ``errcode`` is WeChat's global return code (e.g. 45015)."""

    def __init__(self, errcode: int, errmsg: str) -> None:
        super().__init__(f"WeChat API error {errcode}: {errmsg}")
        self.errcode = errcode
        self.errmsg = errmsg


class _HideCredentials(logging.Filter):
    """httpx logs request URLs at INFO; the token API carries the secret in its query."""

    _pattern = re.compile(r"((?:secret|access_token)=)[^&\s\"']+")

    def filter(self, record: logging.LogRecord) -> bool:
        if record.args:
            record.args = tuple(
                self._pattern.sub(r"\1***", str(a)) if isinstance(a, (str, httpx.URL)) else a
                for a in record.args
            )
        return True


logging.getLogger("httpx").addFilter(_HideCredentials())


class CustomerServiceClient:
    """Sends text messages to a follower through the customer-service API."""

    def __init__(
        self,
        app_id: str,
        app_secret: str,
        state: WeChatState,
        base_url: str = DEFAULT_BASE_URL,
        timeout_seconds: float = 5.0,
    ) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.state = state
        self.base_url = base_url.rstrip("/")
        self.timeout = httpx.Timeout(timeout_seconds, connect=min(2.0, timeout_seconds))
        self._http: Optional[httpx.AsyncClient] = None
        self._token_lock: Optional[asyncio.Lock] = None
        self._loop: Optional[asyncio.AbstractEventLoop] = None

    @property
    def configured(self) -> bool:
        """The API needs the AppID and AppSecret of the Official Account."""
        return bool(self.app_id and self.app_secret)

    def _client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        if self._http is None or self._loop is not loop:
            # an httpx client (and a lock) belongs to the loop it was made on
            self._http = httpx.AsyncClient(base_url=self.base_url, timeout=self.timeout)
            self._token_lock = asyncio.Lock()
            self._loop = loop
        return self._http

    async def close(self) -> None:
        """Close pooled connections."""
        if self._http is not None:
            http, self._http = self._http, None
            await http.aclose()

    @staticmethod
    def _answer(response: httpx.Response) -> dict[str, Any]:
        """WeChat answers HTTP 200 with ``errcode`` ≠ 0 on failure; anything else is an error."""
        if response.status_code != 200:
            raise WeChatAPIError(-response.status_code, f"HTTP {response.status_code}")
        try:
            body = response.json()
        except ValueError as error:
            raise WeChatAPIError(-2, "answer is not JSON") from error
        if not isinstance(body, dict):
            raise WeChatAPIError(-2, "answer is not a JSON object")
        errcode = body.get("errcode") or 0
        if errcode != 0:
            raise WeChatAPIError(int(errcode), str(body.get("errmsg") or ""))
        return body

    async def access_token(self, stale: Optional[str] = None) -> str:
        """A valid access token: the cached one, or a new one (also when ``stale`` is cached).

        Rule: the token lives ``expires_in`` seconds and a new one replaces the old; keep one
        centrally and refresh it only when it expires or WeChat rejects it.
        """
        if not self.configured:
            raise WeChatAPIError(-3, "WECHAT_APP_ID and WECHAT_APP_SECRET are not set")
        http = self._client()
        assert self._token_lock is not None
        async with self._token_lock:  # one fetch per replica at a time
            if stale is not None:
                await self.state.drop_access_token(stale)
            cached = await self.state.access_token()
            if cached:
                return cached
            response = await http.get(
                "/cgi-bin/token",
                params={
                    "grant_type": "client_credential",
                    "appid": self.app_id,
                    "secret": self.app_secret,
                },
            )
            body = self._answer(response)
            token = body.get("access_token")
            if not isinstance(token, str) or not token:
                raise WeChatAPIError(-2, "no access_token in the answer")
            expires_in = int(body.get("expires_in") or 7200)
            await self.state.keep_access_token(
                token, max(expires_in - EXPIRY_MARGIN_SECONDS, expires_in // 2)
            )
            logger.info("fetched a WeChat access token", extra={"expires_in": expires_in})
            return token

    async def send_text(self, openid: str, content: str) -> None:
        """Send one text message (at most 2048 bytes: split before calling).

        A rejected token (40001/40014/42001) is replaced and the message sent once more; so is
        a "system busy" (-1) answer, after a short pause. Other refusals, such as 45015 (the
        customer wrote more than 48 hours ago) or 45047 (too many messages), raise.
        """
        body = json.dumps(
            {"touser": openid, "msgtype": "text", "text": {"content": content}},
            ensure_ascii=False,
        ).encode("utf-8")
        token = await self.access_token()
        for attempt in range(2):
            response = await self._client().post(
                "/cgi-bin/message/custom/send",
                params={"access_token": token},
                content=body,
                headers={"Content-Type": "application/json; charset=utf-8"},
            )
            try:
                self._answer(response)
                return
            except WeChatAPIError as error:
                if attempt == 1:
                    raise
                if error.errcode in TOKEN_EXPIRED_CODES:
                    logger.info("WeChat rejected the access token; fetching a new one")
                    token = await self.access_token(stale=token)
                elif error.errcode == SYSTEM_BUSY:
                    await asyncio.sleep(0.5)
                else:
                    raise
