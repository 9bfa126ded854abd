"""The WeChat channel's own lookup of openid → customer bindings on the payment backend."""

from __future__ import annotations

import asyncio

import httpx
import pytest

from channels.wechat import customer_token_for
from channels.wechat_bindings import BindingLookupFailed, BindingLookupSettings, WeChatBindings
from service_kit import customer_token

TOKEN = "test-backend-token"


def bindings_answering(handler, **options) -> WeChatBindings:
    return WeChatBindings(
        "http://backend.test/", TOKEN, transport=httpx.MockTransport(handler), **options
    )


async def test_a_bound_openid_gives_its_customer_and_the_request_carries_the_service_token():
    seen: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        body = {"openid": "o/x", "customer_id": "u1005", "created_at": "2026-11-20T08:00:00Z"}
        return httpx.Response(200, json=body)

    async with bindings_answering(handler) as bindings:
        assert await bindings.customer_id_for("o/x") == "u1005"
    request = seen[0]
    assert request.method == "GET"
    assert request.url.raw_path == b"/v1/wechat/bindings/o%2Fx"  # an openid cannot change the path
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["X-Conversation-ID"] == "o/x"


async def test_an_unbound_openid_is_none():
    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(404, json={"code": "WECHAT_BINDING_NOT_FOUND", "message": "-"})

    async with bindings_answering(handler) as bindings:
        assert await bindings.customer_id_for("oUnbound") is None


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(503, json={"code": "UNAVAILABLE"}),
        httpx.Response(401, json={"code": "INVALID_TOKEN"}),
        httpx.Response(200, text="not json"),
        httpx.Response(200, json={"openid": "o1"}),
    ],
)
async def test_an_unusable_answer_is_a_failed_lookup(answer):
    async with bindings_answering(lambda request: answer) as bindings:
        with pytest.raises(BindingLookupFailed):
            await bindings.customer_id_for("o1")


async def test_an_unreachable_or_slow_backend_is_a_failed_lookup():
    def refuse(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    async with bindings_answering(refuse) as bindings:
        with pytest.raises(BindingLookupFailed):
            await bindings.customer_id_for("o1")

    class Silent(httpx.AsyncBaseTransport):
        async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
            await asyncio.sleep(10)
            raise AssertionError("unreachable")

    slow = WeChatBindings("http://backend.test", TOKEN, timeout_seconds=0.2, transport=Silent())
    async with slow:
        with pytest.raises(BindingLookupFailed):
            await slow.customer_id_for("o1")


async def test_the_channel_mints_a_token_for_the_bound_customer_and_none_otherwise(monkeypatch):
    monkeypatch.setenv("CHAT_JWT_SECRET", "test-chat-jwt-secret-0123456789abcdef")
    customers = {"oBound": "u1002"}

    def handler(request: httpx.Request) -> httpx.Response:
        openid = request.url.path.rsplit("/", 1)[-1]
        if openid == "oBroken":
            return httpx.Response(500)
        if openid not in customers:
            return httpx.Response(404)
        return httpx.Response(200, json={"openid": openid, "customer_id": customers[openid]})

    async with bindings_answering(handler) as bindings:
        token = await customer_token_for("oBound", bindings)
        assert customer_token.verify(token, "test-chat-jwt-secret-0123456789abcdef") == "u1002"
        assert await customer_token_for("oStranger", bindings) is None
        assert await customer_token_for("oBroken", bindings) is None  # anonymous, not an error


def test_settings_come_from_the_backend_variables_and_bound_the_wait(monkeypatch):
    monkeypatch.setenv("BACKEND_URL", "http://backend.internal:8100")
    monkeypatch.setenv("BACKEND_WECHAT_TOKEN", "prod-token")
    monkeypatch.delenv("BACKEND_TIMEOUT_SECONDS", raising=False)
    settings = BindingLookupSettings()
    assert (settings.url, settings.api_token, settings.timeout_seconds) == (
        "http://backend.internal:8100",
        "prod-token",
        3.0,
    )
    monkeypatch.setenv("BACKEND_TIMEOUT_SECONDS", "10")
    with pytest.raises(ValueError):
        BindingLookupSettings()
