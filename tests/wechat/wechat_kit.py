"""What WeChat's servers do, for tests: sign and encrypt pushes with wechatpy, and a fake
customer-service API on loopback that records what it receives and enforces WeChat's rules.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional
from urllib.parse import parse_qs, urlsplit

import httpx
from defusedxml.ElementTree import fromstring
from wechatpy.crypto import WeChatCrypto
from wechatpy.utils import WeChatSigner

TOKEN = "wxTestToken2026"
AES_KEY = "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFG"
APP_ID = "wx5f7e1d2c3b4a5968"
APP_SECRET = "test-app-secret-4f1c2b"
ACCOUNT = "gh_eepay0test"
# The live stack's passive-reply budget: shorter than the 4 s default so the slow-reply test
# needs only a short backend delay, still far above a normal turn of the bot.
REPLY_BUDGET_SECONDS = 2.5


REDIS_URL = "redis://127.0.0.1:6379/0"


async def forget_redis_keys(namespace: str) -> None:
    """Remove what a test wrote to the shared Redis under its namespace."""
    import redis.asyncio as redis

    client = redis.Redis.from_url(REDIS_URL)
    for pattern in (f"eepay:wechat:{namespace}:*", f"{namespace}:*"):
        async for key in client.scan_iter(match=pattern):
            await client.delete(key)
    await client.close()


def sign(*parts: str) -> str:
    """WeChat's signature: SHA-1 of the sorted parts."""
    signer = WeChatSigner()
    signer.add_data(*parts)
    return signer.signature


def new_openid() -> str:
    """An openid shaped like WeChat's (28 URL-safe characters)."""
    return "o" + uuid.uuid4().hex[:27]


_msg_ids = iter(range(int(time.time() * 1000) * 1000, 10**20))


def new_msg_id() -> int:
    """A fresh 64-bit message id."""
    return next(_msg_ids)


def cdata(value: str) -> str:
    return "<![CDATA[" + value.replace("]]>", "]]]]><![CDATA[>") + "]]>"


def message_xml(openid: str, msg_type: str, fields: dict[str, Any], create_time: int = 0) -> str:
    """A pushed message or event as WeChat's XML."""
    body = [
        f"<ToUserName>{cdata(ACCOUNT)}</ToUserName>",
        f"<FromUserName>{cdata(openid)}</FromUserName>",
        f"<CreateTime>{create_time or int(time.time())}</CreateTime>",
        f"<MsgType>{cdata(msg_type)}</MsgType>",
    ]
    for name, value in fields.items():
        body.append(f"<{name}>{value if isinstance(value, int) else cdata(str(value))}</{name}>")
    return "<xml>" + "".join(body) + "</xml>"


def text_xml(openid: str, content: str, msg_id: Optional[int] = None) -> str:
    return message_xml(openid, "text", {"Content": content, "MsgId": msg_id or new_msg_id()})


def event_xml(openid: str, event: str, create_time: int = 0, key: str = "") -> str:
    return message_xml(openid, "event", {"Event": event, "EventKey": key}, create_time)


UNSUPPORTED = {
    "image": {"PicUrl": "http://mmbiz.qpic.cn/x.jpg", "MediaId": "m1"},
    "voice": {"MediaId": "m2", "Format": "amr"},
    "video": {"MediaId": "m3", "ThumbMediaId": "t3"},
    "shortvideo": {"MediaId": "m4", "ThumbMediaId": "t4"},
    "location": {"Location_X": "31.23", "Location_Y": "121.47", "Scale": "15", "Label": "上海"},
    "link": {"Title": "t", "Description": "d", "Url": "https://example.com"},
}


@dataclass
class Reply:
    """An HTTP answer of the channel, decrypted and parsed when it is a reply message."""

    status: int
    body: str
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def content(self) -> str:
        return self.fields.get("Content", "")

    @property
    def is_success(self) -> bool:
        return self.status == 200 and self.body in ("success", "")


class WeChatServer:
    """Pushes to the channel as WeChat's servers do (plaintext or safe mode)."""

    def __init__(self, url: str, token: str = TOKEN, aes_key: str = AES_KEY, app_id: str = APP_ID):
        self.url = url
        self.token = token
        self.crypto = WeChatCrypto(token, aes_key, app_id)
        self.http = httpx.Client(timeout=30)

    def query(self, timestamp: Optional[int] = None, nonce: str = "") -> dict[str, str]:
        timestamp_text = str(timestamp if timestamp is not None else int(time.time()))
        nonce = nonce or uuid.uuid4().hex[:10]
        return {
            "signature": sign(self.token, timestamp_text, nonce),
            "timestamp": timestamp_text,
            "nonce": nonce,
        }

    def verify(self, echostr: str, **query: str) -> httpx.Response:
        return self.http.get(self.url, params={**self.query(), "echostr": echostr, **query})

    def push(
        self,
        xml: str | bytes,
        encrypted: bool = False,
        timestamp: Optional[int] = None,
        query: Optional[dict[str, str]] = None,
    ) -> Reply:
        params = self.query(timestamp)
        body = xml.encode() if isinstance(xml, str) else xml
        if encrypted:
            envelope = self.crypto.encrypt_message(
                body.decode(), params["nonce"], params["timestamp"]
            )
            outer = {child.tag: child.text for child in fromstring(envelope)}
            params.update({"encrypt_type": "aes", "msg_signature": outer["MsgSignature"]})
            body = f"<xml><ToUserName>{cdata(ACCOUNT)}</ToUserName>"
            body = (body + f"<Encrypt>{cdata(outer['Encrypt'])}</Encrypt></xml>").encode()
        params.update(query or {})
        answer = self.http.post(self.url, params=params, content=body)
        return self.read(answer, encrypted)

    def read(self, answer: httpx.Response, encrypted: bool) -> Reply:
        text = answer.text
        if answer.status_code != 200 or not text.startswith("<xml>"):
            return Reply(answer.status_code, text)
        if encrypted:
            outer = {child.tag: child.text or "" for child in fromstring(text)}
            assert outer["MsgSignature"] == sign(
                self.token, outer["TimeStamp"], outer["Nonce"], outer["Encrypt"]
            ), "reply is not signed"
            text = self.crypto.decrypt_message(
                text, outer["MsgSignature"], outer["TimeStamp"], outer["Nonce"]
            )
        return Reply(200, text, {child.tag: child.text or "" for child in fromstring(text)})

    def say(self, openid: str, content: str, encrypted: bool = False) -> Reply:
        return self.push(text_xml(openid, content), encrypted)


# --- the fake customer-service API ------------------------------------------------------------


@dataclass
class SentMessage:
    touser: str
    content: str
    access_token: str


class FakeWeChatAPI:
    """``/cgi-bin/token`` and ``/cgi-bin/message/custom/send`` as WeChat answers them."""

    def __init__(self, app_id: str = APP_ID, app_secret: str = APP_SECRET) -> None:
        self.app_id = app_id
        self.app_secret = app_secret
        self.lock = threading.Lock()
        self.sent: list[SentMessage] = []
        self.token_requests = 0
        self.valid_tokens: set[str] = set()
        self.next_errors: list[int] = []  # errcodes for the next sends
        self.raw_bodies: list[bytes] = []
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(
            target=self.server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def start(self) -> FakeWeChatAPI:
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def revoke_tokens(self) -> None:
        """Every token issued so far becomes invalid (as when another server fetched one)."""
        with self.lock:
            self.valid_tokens.clear()

    def messages_to(self, openid: str) -> list[str]:
        with self.lock:
            return [m.content for m in self.sent if m.touser == openid]

    def wait_for(self, openid: str, count: int = 1, timeout: float = 20.0) -> list[str]:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            messages = self.messages_to(openid)
            if len(messages) >= count:
                return messages
            time.sleep(0.05)
        return self.messages_to(openid)

    def _token(self, query: dict[str, list[str]]) -> dict[str, Any]:
        if query.get("grant_type") != ["client_credential"]:
            return {"errcode": 40002, "errmsg": "invalid grant_type"}
        if query.get("appid") != [self.app_id]:
            return {"errcode": 40013, "errmsg": "invalid appid"}
        if query.get("secret") != [self.app_secret]:
            return {"errcode": 40125, "errmsg": "invalid appsecret"}
        with self.lock:
            self.token_requests += 1
            token = f"ACCESS_TOKEN_{self.token_requests}_{uuid.uuid4().hex[:8]}"
            self.valid_tokens.add(token)
        return {"access_token": token, "expires_in": 7200}

    def _send(self, query: dict[str, list[str]], raw: bytes) -> dict[str, Any]:
        token = (query.get("access_token") or [""])[0]
        with self.lock:
            self.raw_bodies.append(raw)
            if token not in self.valid_tokens:
                return {"errcode": 40001, "errmsg": "invalid credential, access_token is invalid"}
            if self.next_errors:
                errcode = self.next_errors.pop(0)
                return {"errcode": errcode, "errmsg": "injected"}
        try:
            body = json.loads(raw.decode("utf-8"))
        except (UnicodeDecodeError, ValueError):
            return {"errcode": 47001, "errmsg": "data format error"}
        content = ((body.get("text") or {}).get("content")) or ""
        if body.get("msgtype") != "text" or not body.get("touser"):
            return {"errcode": 47001, "errmsg": "data format error"}
        if len(content.encode("utf-8")) > 2048:
            return {"errcode": 45002, "errmsg": "content size out of limit"}
        with self.lock:
            self.sent.append(SentMessage(body["touser"], content, token))
        return {"errcode": 0, "errmsg": "ok"}

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def _answer(self, body: dict[str, Any]) -> None:
                data = json.dumps(body).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def do_GET(self) -> None:
                parts = urlsplit(self.path)
                if parts.path == "/cgi-bin/token":
                    self._answer(fake._token(parse_qs(parts.query)))
                else:
                    self.send_error(404)

            def do_POST(self) -> None:
                parts = urlsplit(self.path)
                raw = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                if parts.path == "/cgi-bin/message/custom/send":
                    self._answer(fake._send(parse_qs(parts.query), raw))
                else:
                    self.send_error(404)

            def log_message(self, *args: Any) -> None:
                pass

        return Handler
