"""Helpers shared by the desk tests (imported as ``desk_testkit``).

``FakeRasa`` and ``FakeBackend`` stand in for Rasa's HTTP API and the payment backend through
httpx transports, behaving as docs/contracts.md describes them; the browser tests use the
real services instead.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from typing import Any, Optional
from urllib.parse import unquote

import httpx
from fastapi.testclient import TestClient

from desk.core.settings import Settings

RASA_TOKEN = "test-rasa-token"
SERVICE_TOKEN = "test-desk-service-token"
BACKEND_TOKEN = "test-backend-token"
ADMIN_PASSWORD = "Admin-pass-2026!"
AGENT_PASSWORD = "Agent-pass-2026!"
FAST_ARGON2 = {"argon2_time_cost": 1, "argon2_memory_cost_kib": 1024, "argon2_parallelism": 1}


def make_settings(database_url: str, **overrides: Any) -> Settings:
    """Settings of an in-process desk under test (pinned against the developer's environment)."""
    values: dict[str, Any] = {
        "database_url": database_url,
        "service_token": SERVICE_TOKEN,
        "admin_user": "admin",
        "admin_password": ADMIN_PASSWORD,
        "rasa_url": "http://rasa.test",
        "rasa_token": RASA_TOKEN,
        "backend_url": "http://backend.test",
        "backend_api_token": BACKEND_TOKEN,
        "working_hours": "00:00-24:00",
        "working_days": "1-7",
        "timezone": "Asia/Shanghai",
        "default_handling_minutes": 5,
        "session_ttl_minutes": 720,
        "session_idle_minutes": 120,
        "api_token_ttl_minutes": 720,
        "cookie_secure": True,
        "login_max_failures": 5,
        "login_lockout_seconds": 300,
        "sync_interval_seconds": 0,
        "transcript_cache_seconds": 0,
        "poll_interval_seconds": 3,
        "max_body_bytes": 65536,
        "log_level": "WARNING",
        # No analytics source unless a test gives one (never the developer's var/events.db).
        "events_database_url": "sqlite:////nonexistent/desk-tests/events.db",
        **FAST_ARGON2,
    }
    values.update(overrides)
    return Settings(**values)


class FakeRasa:
    """Rasa's conversation API: trackers, appended events, executed actions."""

    GREETING = "欢迎回来！我是小e，还有什么可以帮您？"
    CLOSING = "感谢您的耐心，本次服务已结束。请为本次服务打分（1-5 分）。"

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        with self.lock:
            self.events: dict[str, list[dict[str, Any]]] = {}
            self.paused: dict[str, bool] = {}
            self.requests: list[httpx.Request] = []
            self.sent: list[dict[str, Any]] = []  # bot events pushed to a channel
            self.executed: list[tuple[str, str]] = []
            self.down = False
            self.fail_paths: set[str] = set()
            self._clock = itertools.count()

    # -- building conversations --
    def _ts(self) -> float:
        return time.time() + next(self._clock) * 0.001

    def user(self, conversation_id: str, text: str, channel: str = "rest") -> None:
        with self.lock:
            self.events.setdefault(conversation_id, []).append(
                {
                    "event": "user",
                    "timestamp": self._ts(),
                    "text": text,
                    "input_channel": channel,
                    "parse_data": {"intent": {"name": "request_human"}},
                    "metadata": {},
                }
            )

    def bot(self, conversation_id: str, text: str, **data: Any) -> None:
        with self.lock:
            self.events.setdefault(conversation_id, []).append(
                {
                    "event": "bot",
                    "timestamp": self._ts(),
                    "text": text,
                    "data": data,
                    "metadata": {},
                }
            )

    def pause(self, conversation_id: str) -> None:
        with self.lock:
            self.events.setdefault(conversation_id, []).append(
                {"event": "pause", "timestamp": self._ts()}
            )
            self.paused[conversation_id] = True

    def texts(self, conversation_id: str) -> list[str]:
        return [e.get("text") for e in self.events.get(conversation_id, []) if e.get("text")]

    # -- the HTTP API --
    def handler(self, request: httpx.Request) -> httpx.Response:
        with self.lock:
            self.requests.append(request)
            down = self.down
        if down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.url.params.get("token") != RASA_TOKEN:
            return httpx.Response(401, json={"reason": "NotAuthenticated"})
        match = re.match(
            r"^/conversations/(.+)/(tracker|tracker/events|execute)$",
            request.url.raw_path.decode().split("?")[0],
        )
        if not match:
            return httpx.Response(404, json={"reason": "NotFound"})
        conversation_id = unquote(match.group(1))
        endpoint = match.group(2)
        if endpoint in self.fail_paths:
            return httpx.Response(500, json={"reason": "ConversationError"})
        with self.lock:
            events = self.events.setdefault(conversation_id, [])
            if endpoint == "tracker" and request.method == "GET":
                return httpx.Response(
                    200,
                    json={
                        "sender_id": conversation_id,
                        "paused": self.paused.get(conversation_id, False),
                        "events": list(events),
                    },
                )
            body = json.loads(request.content or b"{}")
            if endpoint == "tracker/events" and request.method == "POST":
                event = {**body, "timestamp": self._ts()}
                events.append(event)
                if body.get("event") == "resume":
                    self.paused[conversation_id] = False
                if (
                    body.get("event") == "bot"
                    and request.url.params.get("execute_side_effects") == "true"
                ):
                    self.sent.append(
                        {
                            "conversation_id": conversation_id,
                            "output_channel": request.url.params.get("output_channel"),
                            **event,
                        }
                    )
                return httpx.Response(200, json={"sender_id": conversation_id, "events": events})
            if endpoint == "execute" and request.method == "POST":
                name = body.get("name")
                self.executed.append((conversation_id, name))
                events.append({"event": "action", "name": name, "timestamp": self._ts()})
                if name == "action_back_to_bot":
                    events.append(
                        {"event": "bot", "timestamp": self._ts(), "text": self.GREETING, "data": {}}
                    )
                elif name == "action_close_conversation":
                    events.append(
                        {
                            "event": "bot",
                            "timestamp": self._ts(),
                            "text": self.CLOSING,
                            "data": {
                                "custom": {
                                    "type": "rating_request",
                                    "conversation_id": conversation_id,
                                }
                            },
                        }
                    )
                else:
                    return httpx.Response(500, json={"reason": "ConversationError"})
                return httpx.Response(200, json={"tracker": {"events": events}, "messages": []})
        return httpx.Response(405)

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


class FakeBackend:
    """The backend's customer profile endpoint."""

    CUSTOMERS = {
        "u1001": {"id": "u1001", "name": "张伟", "phone_masked": "138****1001"},
        "u1005": {"id": "u1005", "name": "陈静", "phone_masked": "138****1005"},
    }

    def __init__(self) -> None:
        self.reset()

    def reset(self) -> None:
        self.down = False
        self.calls: list[str] = []

    def handler(self, request: httpx.Request) -> httpx.Response:
        self.calls.append(request.url.path)
        if self.down:
            raise httpx.ConnectError("connection refused", request=request)
        if request.headers.get("authorization") != f"Bearer {BACKEND_TOKEN}":
            return httpx.Response(401, json={"code": "INVALID_TOKEN", "message": "no"})
        match = re.match(r"^/v1/customers/([^/]+)$", request.url.path)
        if match and match.group(1) in self.CUSTOMERS:
            return httpx.Response(200, json=self.CUSTOMERS[match.group(1)])
        return httpx.Response(404, json={"code": "CUSTOMER_NOT_FOUND", "message": "no"})

    @property
    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handler)


def client(app: Any, **headers: str) -> TestClient:
    """A client of the in-process app over https (Secure cookies are kept)."""
    return TestClient(
        app, base_url="https://testserver", headers=headers, raise_server_exceptions=False
    )


def api_token(app: Any, username: str, password: str) -> str:
    """Sign in through the API; the bearer token."""
    response = client(app).post("/api/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    return response.json()["token"]


def handoff_body(conversation_id: str, **overrides: Any) -> dict[str, Any]:
    """A handoff request as the action server sends it (docs/contracts.md)."""
    body: dict[str, Any] = {
        "conversation_id": conversation_id,
        "channel": "rest",
        "customer_id": "u1001",
        "language": "zh-Hans",
        "reason": "unresolved_checklist",
        "priority": "normal",
        "summary": {
            "intent": "payment_failed",
            "transaction_id": "T202611200001",
            "diagnosis": "INSUFFICIENT_BALANCE: balance ¥35.20 < amount ¥199.00",
            "told_customer": ["余额不足，请充值或换卡"],
            "customer_said": "付款失败了 我的手机13800001001",
        },
    }
    body.update(overrides)
    return body


def assert_error(response: httpx.Response, status: int, code: Optional[str] = None) -> dict:
    """The response is the JSON error shape with this status (and code)."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/json")
    body = response.json()
    if code is not None:
        assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"]
    return body
