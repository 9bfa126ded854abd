"""WeChat Official Account (公众号) channel: ``/webhooks/wechat/webhook``.

WeChat's message rules (signatures, safe XML, text rendering) are in
:mod:`channels.wechat_messages`, the customer-service API client in :mod:`channels.wechat_api`,
the openid → customer lookup in :mod:`channels.wechat_bindings`, the state replicas share in
:mod:`channels.wechat_state`. What WeChat's developer documentation
asks of a message server, and how this channel does it:

* **Verification** (``GET`` with ``signature``, ``timestamp``, ``nonce``, ``echostr``): the
  signature is SHA-1 of the sorted token, timestamp and nonce; echo ``echostr`` when it matches,
  403 and nothing else when it does not.
* **Pushed messages** (``POST`` of XML): the same signature, plus ``msg_signature`` over the
  ``Encrypt`` field in safe mode (``encrypt_type=aes``; AES-256-CBC with
  ``WECHAT_ENCODING_AES_KEY``, bound to ``WECHAT_APP_ID``); replies are encrypted when the
  request was. Forged or stale (``timestamp`` too far off) requests get 403, malformed ones
  400, before anything reaches the bot. XML with a DTD is refused, so entity bombs and
  external entities never expand.
* **Safe mode in production**: with ``EEPAY_ENV=production`` the channel does not start without
  ``WECHAT_ENCODING_AES_KEY`` and refuses plaintext pushes (403). In plaintext mode the
  signature does not cover the body, so each timestamp and nonce is remembered for the replay
  window and a second body under them is refused (403; :mod:`channels.wechat_state`).
* **Replicas share state**: with ``RASA_REPLICAS`` above 1 the channel does not start without
  Redis (``WECHAT_REDIS_URL`` or ``REDIS_URL``): de-duplication, nonces and options kept in one
  process's memory would let a retry or a replay that lands on another replica through.
* **Answer within 5 s, once**: WeChat retries an unanswered push three times. Every message is
  handled once (``MsgId``; events by ``FromUserName`` + ``CreateTime``, see
  :mod:`channels.wechat_state`). The bot's reply goes back passively in the HTTP answer when it
  is ready within the budget (``WECHAT_REPLY_BUDGET_SECONDS``, 4 s); otherwise the answer is
  ``success`` and the reply follows through the customer-service API
  (:mod:`channels.wechat_api`) when the bot is done — the bot is never interrupted.
* **Text only**: text messages (and voice messages with WeChat's ``Recognition``) go to Rasa
  with the openid as sender id, through :func:`channels.guard.guarded`. The openid's eepay
  binding (``GET /v1/wechat/bindings/{openid}`` on the backend) supplies the customer id, sent
  as a freshly minted ``metadata.customer_token``; unbound followers are anonymous. Images,
  voice without recognition, video, location and links get a polite "text only" note; a new
  follower gets a welcome listing what the bot can do.
* **Plain-text rendering**: buttons become numbered options ("回复 1：…") and a reply with the
  number means the button's payload; replies are split at WeChat's 2048-byte limit. Messages an
  agent sends from the desk (custom payload ``agent_message``, pushed through Rasa's HTTP API
  with ``output_channel=latest``) go out through the customer-service API as
  "【人工客服 name】…".
"""

from __future__ import annotations

import asyncio
import base64
import binascii
import functools
import hashlib
import logging
import re
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Optional

from pydantic import BaseSettings, Field, ValidationError, root_validator, validator
from rasa.core.channels.channel import InputChannel, OutputChannel, UserMessage
from sanic import Blueprint, response
from sanic.request import Request
from sanic.response import HTTPResponse
from wechatpy.crypto import WeChatCrypto
from wechatpy.exceptions import InvalidSignatureException
from wechatpy.messages import BaseMessage
from wechatpy.replies import TextReply

from channels.guard import FAILURE_REPLY, Handler, guarded
from channels.wechat_api import DEFAULT_BASE_URL, CustomerServiceClient, WeChatAPIError
from channels.wechat_bindings import WeChatBindings
from channels.wechat_messages import (
    Refused,
    agent_text,
    authenticate,
    cdata,
    delivery_key,
    incoming_text,
    is_event,
    numbered_options,
    raw_field,
    read_message,
    signature_matches,
    split_message,
    xml_fields,
)
from channels.wechat_state import WeChatState, store_from_url
from service_kit import customer_token
from service_kit.production import ENV_VARIABLE, is_production

logger = logging.getLogger(__name__)

DEV_TOKEN = "devwechattoken"
MAX_BODY_BYTES = 64 * 1024  # WeChat pushes are a few hundred bytes
CUSTOMER_TOKEN_TTL_SECONDS = 15 * 60

WELCOME_OPTIONS = [
    {"title": "付款失败", "payload": "/payment_failed"},
    {"title": "申请退款", "payload": "/request_refund"},
    {"title": "查退款进度", "payload": "/refund_status"},
    {"title": "忘记密码 / 登录不上", "payload": "/login_problem"},
    {"title": "交易有异常 / 被盗刷", "payload": "/transaction_dispute"},
    {"title": "转人工客服", "payload": "/request_human"},
]
WELCOME_TEXT = (
    "欢迎关注 eepay 👋 我是智能客服小e，可以帮您排查付款失败、申请和查询退款、"
    "找回密码和解决登录问题、处理异常交易，也可以帮您转人工客服。"
    "\n直接用文字描述您的问题，或者选一项："
)
UNSUPPORTED_REPLY = (
    "抱歉，我目前只能看懂文字消息 🙏 请用文字描述您的问题，比如「付款失败了」「想退款」；"
    "需要真人帮忙请发「转人工」。"
    "\nSorry, I can only read text messages. Please describe your question in words."
)


# --- settings ---------------------------------------------------------------------------------


class WeChatSettings(BaseSettings):
    """The channel's settings: environment first, credentials.yml values override."""

    token: str = Field(DEV_TOKEN, env="WECHAT_TOKEN")
    encoding_aes_key: str = Field("", env="WECHAT_ENCODING_AES_KEY")
    app_id: str = Field("", env="WECHAT_APP_ID")
    app_secret: str = Field("", env="WECHAT_APP_SECRET")
    api_base_url: str = Field(DEFAULT_BASE_URL, env="WECHAT_API_BASE_URL")
    redis_url: str = Field("", env=["WECHAT_REDIS_URL", "REDIS_URL"])
    reply_budget_seconds: float = Field(4.0, env="WECHAT_REPLY_BUDGET_SECONDS")
    timestamp_tolerance_seconds: int = Field(300, env="WECHAT_TIMESTAMP_TOLERANCE_SECONDS")
    require_encryption: bool = Field(False, env="WECHAT_REQUIRE_ENCRYPTION")
    eepay_env: str = Field("", env=ENV_VARIABLE)
    # how many Rasa processes serve the account (Procfile.prod: 2); above 1 needs Redis
    replicas: int = Field(1, ge=1, env="RASA_REPLICAS")

    @validator("token")
    def _token_rule(cls, value: str) -> str:
        # WeChat: the Token is 3-32 English letters or digits
        if not re.fullmatch(r"[A-Za-z0-9]{3,32}", value):
            raise ValueError("WECHAT_TOKEN must be 3-32 letters or digits (WeChat's rule)")
        return value

    @validator("encoding_aes_key")
    def _aes_key_rule(cls, value: str) -> str:
        # WeChat: EncodingAESKey is 43 characters, Base64 of the 32-byte AES key without '='
        if value:
            try:
                key = base64.b64decode(value + "=", validate=True)
            except (binascii.Error, ValueError):
                key = b""
            if len(value) != 43 or len(key) != 32:
                raise ValueError("WECHAT_ENCODING_AES_KEY must be 43 Base64 characters")
        return value

    @validator("app_id", always=True)
    def _app_id_for_safe_mode(cls, value: str, values: dict[str, Any]) -> str:
        if values.get("encoding_aes_key") and not value:
            raise ValueError("WECHAT_APP_ID is required with WECHAT_ENCODING_AES_KEY")
        return value

    @validator("reply_budget_seconds")
    def _within_wechats_five_seconds(cls, value: float) -> float:
        if not 0 < value <= 4.5:
            raise ValueError("WECHAT_REPLY_BUDGET_SECONDS must be in (0, 4.5]: WeChat waits 5 s")
        return value

    @validator("timestamp_tolerance_seconds")
    def _positive_tolerance(cls, value: int) -> int:
        if not 10 <= value <= 3600:
            raise ValueError("WECHAT_TIMESTAMP_TOLERANCE_SECONDS must be in [10, 3600]")
        return value

    @root_validator(skip_on_failure=True)
    def _deployment_rules(cls, values: dict[str, Any]) -> dict[str, Any]:
        if is_production({ENV_VARIABLE: values["eepay_env"]}) and not values["encoding_aes_key"]:
            raise ValueError(
                "EEPAY_ENV=production requires safe mode (消息加解密: 安全模式): set "
                "WECHAT_ENCODING_AES_KEY and WECHAT_APP_ID (docs/wechat.md)"
            )
        if values["replicas"] > 1 and not values["redis_url"]:
            raise ValueError(
                f"RASA_REPLICAS={values['replicas']} but the WeChat state would stay in one "
                "process: set WECHAT_REDIS_URL or REDIS_URL (docs/wechat.md)"
            )
        return values

    @property
    def encryption_required(self) -> bool:
        """Plaintext pushes are refused: in production, or as WECHAT_REQUIRE_ENCRYPTION says."""
        return self.require_encryption or is_production({ENV_VARIABLE: self.eepay_env})

    @property
    def replay_window_seconds(self) -> int:
        """How long a signed request stays acceptable: its timestamp may be off either way."""
        return 2 * self.timestamp_tolerance_seconds

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> WeChatSettings:
        """The environment's settings with the credentials.yml block's values on top."""
        overrides: dict[str, Any] = {}
        for key, value in (credentials or {}).items():
            if key not in cls.__fields__:
                logger.warning("unknown WeChat credentials key %r ignored", key)
            elif value is None or (isinstance(value, str) and value.startswith("${")):
                continue  # unset or an unexpanded ${VARIABLE}: keep the environment's value
            else:
                overrides[key] = value
        return cls(**overrides)


# --- identity ---------------------------------------------------------------------------------


async def customer_token_for(openid: str, bindings: WeChatBindings) -> Optional[str]:
    """A fresh customer token for the eepay customer bound to ``openid``; None if unbound.

    If the backend cannot be reached the customer is treated as anonymous for this message.
    """
    try:
        customer_id = await bindings.customer_id_for(openid)
    except Exception:
        logger.warning("WeChat binding lookup failed", exc_info=True, extra={"sender_id": openid})
        return None
    if customer_id is None:
        return None
    return customer_token.mint(customer_id, ttl_seconds=CUSTOMER_TOKEN_TTL_SECONDS)


# --- output -----------------------------------------------------------------------------------


class WeChatOutput(OutputChannel):
    """Bot and agent messages as WeChat text.

    During a customer's turn (``collect=True``) messages are gathered so the channel can send
    them as one passive reply or, if the bot is slow, through the customer-service API. Messages
    pushed outside a turn (Rasa's HTTP API: agent replies, handing back to the bot) go straight
    to the customer-service API; a failure then raises, so the caller (the desk) sees it.
    """

    @classmethod
    def name(cls) -> str:
        """Same name as the input channel, so ``output_channel=latest`` finds it."""
        return "wechat"

    def __init__(
        self, api: CustomerServiceClient, state: WeChatState, collect: bool = False
    ) -> None:
        self.api = api
        self.state = state
        self.collect = collect
        self.texts: list[str] = []
        self.payloads: list[str] = []

    async def send_response(self, recipient_id: str, message: dict[str, Any]) -> None:
        """Agent messages as one marked text; everything else as Rasa renders it."""
        text = agent_text(message)
        if text is not None:
            await self._deliver(recipient_id, text, agent=True)
            return
        await super().send_response(recipient_id, message)

    async def send_text_message(self, recipient_id: str, text: str, **kwargs: Any) -> None:
        """A text message."""
        await self._deliver(recipient_id, text)

    async def send_text_with_buttons(
        self, recipient_id: str, text: str, buttons: list[dict[str, Any]], **kwargs: Any
    ) -> None:
        """The text followed by the buttons as numbered options (numbers run on per turn)."""
        lines, payloads = numbered_options(buttons, first=len(self.payloads) + 1)
        self.payloads.extend(payloads)
        await self._deliver(recipient_id, "\n".join([text or "", *lines]), options=bool(lines))

    async def send_image_url(self, recipient_id: str, image: str, **kwargs: Any) -> None:
        """Images as their link (a media upload would be needed for a real image message)."""
        await self._deliver(recipient_id, f"图片：{image}")

    async def send_attachment(self, recipient_id: str, attachment: Any, **kwargs: Any) -> None:
        """Attachments as their link or description."""
        await self._deliver(recipient_id, f"附件：{attachment}")

    async def send_custom_json(
        self, recipient_id: str, json_message: dict[str, Any], **kwargs: Any
    ) -> None:
        """Custom payloads are for richer front ends; the text part has already been sent."""
        logger.debug("custom payload not shown on WeChat", extra={"sender_id": recipient_id})

    async def _deliver(
        self, recipient_id: str, text: str, options: bool = False, agent: bool = False
    ) -> None:
        if not (text or "").strip():
            return
        if self.collect:
            self.texts.append(text)
            return
        if agent:  # a bare number now goes to the person, not to an old bot option
            await self.state.remember_options(recipient_id, [])
        elif options:
            await self.state.remember_options(recipient_id, self.payloads)
        for part in split_message(text):
            await self.api.send_text(recipient_id, part)

    async def finish_turn(self, recipient_id: str) -> list[str]:
        """The turn's reply in parts of at most 2048 bytes; remembers the turn's options."""
        await self.state.remember_options(recipient_id, self.payloads)
        return split_message("\n\n".join(self.texts))


# --- input ------------------------------------------------------------------------------------


class WeChatInput(InputChannel):
    """The eepay Official Account's message server, inside the Rasa server."""

    @classmethod
    def name(cls) -> str:
        """Served at /webhooks/wechat/webhook."""
        return "wechat"

    @classmethod
    def from_credentials(cls, credentials: Optional[dict[str, Any]]) -> InputChannel:
        """Settings from the environment; the credentials.yml block may override them."""
        try:
            settings = WeChatSettings.from_credentials(credentials)
        except ValidationError as error:
            raise ValueError(f"WeChat channel settings are invalid: {error}") from None
        if settings.token == DEV_TOKEN:
            logger.warning("WECHAT_TOKEN is the development default; set it in production")
        if not settings.app_secret:
            logger.warning(
                "WECHAT_APP_SECRET is not set: slow replies and agent messages cannot be sent"
            )
        return cls(settings)

    def __init__(
        self,
        settings: Optional[WeChatSettings] = None,
        state: Optional[WeChatState] = None,
        api: Optional[CustomerServiceClient] = None,
        identify: Optional[Callable[[str], Awaitable[Optional[str]]]] = None,
    ) -> None:
        self.settings = settings or WeChatSettings()
        s = self.settings
        self.state = state or WeChatState(
            store_from_url(s.redis_url), s.app_id or "default", s.replay_window_seconds
        )
        self.api = api or CustomerServiceClient(
            s.app_id, s.app_secret, self.state, base_url=s.api_base_url
        )
        self.crypto = (
            WeChatCrypto(s.token, s.encoding_aes_key, s.app_id) if s.encoding_aes_key else None
        )
        self.bindings = WeChatBindings.from_environment()
        self.identify = identify or functools.partial(customer_token_for, bindings=self.bindings)
        self._background: set[asyncio.Task] = set()

    def get_output_channel(self) -> Optional[OutputChannel]:
        """For messages pushed through Rasa's HTTP API: the customer-service API."""
        return WeChatOutput(self.api, self.state)

    def blueprint(self, on_new_message: Handler) -> Blueprint:
        """Verification (GET) and message (POST) routes; every text passes the guard."""
        handler = guarded(on_new_message)
        wechat_webhook = Blueprint("wechat_webhook", __name__)

        @wechat_webhook.route("/", methods=["GET"])
        async def health(_: Request) -> HTTPResponse:
            return response.json({"status": "ok"})

        @wechat_webhook.route("/webhook", methods=["GET"])
        async def verify(request: Request) -> HTTPResponse:
            return self.verify(first_values(request))

        @wechat_webhook.route("/webhook", methods=["POST"])
        async def receive(request: Request) -> HTTPResponse:
            return await self.receive(first_values(request), request.body or b"", handler)

        @wechat_webhook.listener("before_server_stop")
        async def finish_deliveries(*_: Any) -> None:
            await self.drain()

        @wechat_webhook.listener("after_server_stop")
        async def close_connections(*_: Any) -> None:
            await self.api.close()
            await self.state.close()
            await self.bindings.aclose()

        return wechat_webhook

    # --- the two requests ---------------------------------------------------------------------

    def verify(self, query: Mapping[str, str]) -> HTTPResponse:
        """Server address verification: echo ``echostr`` if the signature is WeChat's."""
        try:
            authenticate(query, self.settings.token, self.settings.timestamp_tolerance_seconds,
                         time.time())  # fmt: skip
        except Refused as refusal:
            logger.info("WeChat verification refused: %s", refusal.reason)
            return response.empty(status=403)
        return response.text(
            query.get("echostr") or "", headers={"X-Content-Type-Options": "nosniff"}
        )

    async def receive(
        self, query: Mapping[str, str], body: bytes, handler: Handler
    ) -> HTTPResponse:
        """A pushed message or event: checked, de-duplicated, answered within WeChat's 5 s."""
        deadline = asyncio.get_running_loop().time() + self.settings.reply_budget_seconds
        encrypted = (query.get("encrypt_type") or "").lower() == "aes"
        try:
            authenticate(query, self.settings.token, self.settings.timestamp_tolerance_seconds,
                         time.time())  # fmt: skip
            if len(body) > MAX_BODY_BYTES:
                raise Refused(413, "body too large")
            if not encrypted and self.settings.encryption_required:
                raise Refused(403, "plaintext message but safe mode is required")
            if not encrypted:
                await self.refuse_replay(query, body)
            message = read_message(self.open(query, body) if encrypted else body)
        except Refused as refusal:
            logger.info("WeChat request refused (%s): %s", refusal.status, refusal.reason)
            return response.empty(status=refusal.status)

        try:
            answer = await self.answer(message, handler, deadline)
        except Exception:
            logger.exception("WeChat message not handled", extra={"sender_id": message.source})
            answer = FAILURE_REPLY
        if answer is None:
            return response.text("success")  # WeChat: nothing to say now, do not retry
        reply = TextReply(message=message, content=cdata(answer)).render()
        if encrypted and self.crypto is not None:
            reply = self.crypto.encrypt_message(reply, query["nonce"], str(int(time.time())))
        return response.text(reply, content_type="application/xml; charset=utf-8")

    async def refuse_replay(self, query: Mapping[str, str], body: bytes) -> None:
        """Plaintext mode: a timestamp and nonce already used with another body is a replay of
        a captured query string (the signature does not cover the body)."""
        digest = hashlib.sha256(body).hexdigest()
        try:
            fits = await self.state.nonce_fits(query["timestamp"], query["nonce"], digest)
        except Exception as error:
            logger.exception("nonce store unavailable; plaintext push refused")
            raise Refused(503, "nonce store unavailable") from error
        if not fits:
            raise Refused(403, "nonce already used with another body (replay)")

    def open(self, query: Mapping[str, str], body: bytes) -> str:
        """Safe mode: check ``msg_signature`` over ``Encrypt`` and decrypt the message."""
        if self.crypto is None:
            raise Refused(400, "encrypted message but WECHAT_ENCODING_AES_KEY is not set")
        encrypt = xml_fields(body).get("Encrypt") or ""
        if not signature_matches(
            self.settings.token, query.get("msg_signature") or "", query["timestamp"],
            query["nonce"], encrypt,
        ):  # fmt: skip
            raise Refused(403, "wrong msg_signature")
        try:
            return self.crypto.decrypt_message(
                {"Encrypt": encrypt}, query["msg_signature"], query["timestamp"], query["nonce"]
            )
        except InvalidSignatureException as error:
            raise Refused(403, "wrong msg_signature") from error
        except Exception as error:  # bad Base64 or padding, another AppID
            raise Refused(400, f"cannot decrypt: {type(error).__name__}") from error

    # --- what to answer -----------------------------------------------------------------------

    async def answer(
        self, message: BaseMessage, handler: Handler, deadline: float
    ) -> Optional[str]:
        """The passive reply to a message, or None to answer ``success``."""
        if not await self.state.first_delivery(delivery_key(message)):
            logger.info("WeChat retry of a handled message", extra={"sender_id": message.source})
            return None
        if is_event(message):
            return await self.on_event(message)
        text = incoming_text(message)
        if text is None:
            return UNSUPPORTED_REPLY
        return await self.converse(message, text, handler, deadline)

    async def on_event(self, message: BaseMessage) -> Optional[str]:
        """A new follower gets the welcome; other events need no answer."""
        event = raw_field(message, "Event").lower()
        if event.startswith("subscribe"):  # wechatpy names QR-code follows subscribe_scan
            lines, payloads = numbered_options(WELCOME_OPTIONS)
            await self.state.remember_options(message.source, payloads)
            return "\n".join([WELCOME_TEXT, *lines])
        if event == "unsubscribe":
            await self.state.remember_options(message.source, [])
        return None

    async def converse(
        self, message: BaseMessage, text: str, handler: Handler, deadline: float
    ) -> Optional[str]:
        """Runs the bot's turn; the reply if ready in time, else None and it is sent later."""
        openid = message.source
        output = WeChatOutput(self.api, self.state, collect=True)
        turn = self._keep(self.run_turn(openid, text, str(message.id), output, handler))
        remaining = max(0.0, deadline - asyncio.get_running_loop().time())
        try:
            done, _ = await asyncio.wait({turn}, timeout=remaining)
        except asyncio.CancelledError:  # WeChat hung up: the reply still has to reach them
            self._keep(self.deliver_later(openid, turn, output))
            raise
        if not done:  # too slow for a passive reply: let the bot finish, then push
            logger.info(
                "reply will follow via the customer-service API", extra={"sender_id": openid}
            )
            self._keep(self.deliver_later(openid, turn, output))
            return None
        try:
            turn.result()
        except Exception:
            logger.exception("WeChat turn failed", extra={"sender_id": openid})
            return FAILURE_REPLY
        parts = await output.finish_turn(openid)
        if len(parts) <= 1:
            return parts[0] if parts else None
        if not self.api.configured:
            logger.warning(
                "long reply cut: WECHAT_APP_SECRET is not set", extra={"sender_id": openid}
            )
            return parts[0]
        self._keep(self.push(openid, parts))  # several messages keep their order only this way
        return None

    async def run_turn(
        self, openid: str, text: str, msg_id: str, output: WeChatOutput, handler: Handler
    ) -> None:
        """Hands the text (or the payload its number stands for) to Rasa, with the identity."""
        payload = await self.state.payload_for(openid, text)
        metadata: dict[str, Any] = {}
        token = await self.identify(openid)
        if token:
            metadata["customer_token"] = token
        await handler(
            UserMessage(
                payload or text,
                output,
                openid,
                input_channel=self.name(),
                message_id=f"wechat-{msg_id}",
                metadata=metadata,
            )
        )

    async def deliver_later(self, openid: str, turn: asyncio.Task, output: WeChatOutput) -> None:
        """Waits for the bot's slow turn, then sends its reply through the API."""
        try:
            await turn
        except Exception:
            logger.exception("WeChat turn failed", extra={"sender_id": openid})
            output.texts = [FAILURE_REPLY]
        await self.push(openid, await output.finish_turn(openid))

    async def push(self, openid: str, parts: Sequence[str]) -> None:
        """Sends reply parts in order through the customer-service API; failures are logged."""
        for part in parts:
            try:
                await self.api.send_text(openid, part)
            except WeChatAPIError as error:
                logger.error("WeChat reply not delivered: %s", error, extra={"sender_id": openid})
                return
            except Exception:
                logger.exception("WeChat reply not delivered", extra={"sender_id": openid})
                return

    # --- background work ----------------------------------------------------------------------

    def _keep(self, coroutine: Awaitable[Any]) -> asyncio.Task:
        """Runs work that outlives the HTTP request, holding a reference until it ends."""
        task = asyncio.ensure_future(coroutine)
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def drain(self, timeout: float = 30.0) -> None:
        """On shutdown, lets turns in progress finish and their replies go out."""
        if self._background:
            await asyncio.wait(set(self._background), timeout=timeout)


def first_values(request: Request) -> dict[str, str]:
    """Query parameters, the first value of each."""
    return {key: values[0] for key, values in request.args.items() if values}
