"""Action-server calls through the pooled session send what Rasa's own request sends, over
one kept-alive connection, and fail the way Rasa's do."""

from __future__ import annotations

import json

import pytest
from aiohttp import web
from rasa.utils.endpoints import ClientResponseError, EndpointConfig

from addons.serving import pooled_http


@pytest.fixture(autouse=True)
def _installed(install_patches):
    install_patches(pooled_http)


@pytest.fixture
async def server():
    """A real HTTP server that records every request and the connection it came on."""
    seen: list[dict] = []

    async def webhook(request: web.Request) -> web.Response:
        body = await request.read()
        seen.append(
            {
                "method": request.method,
                "path": request.path,
                "query": dict(request.query),
                "headers": {
                    k: v
                    for k, v in request.headers.items()
                    if k in ("Content-Type", "Authorization", "X-Extra", "Cookie")
                },
                "body": json.loads(body) if body else None,
                "peer": request.transport.get_extra_info("peername"),
            }
        )
        response = web.json_response({"events": [], "responses": [{"text": "ok"}]})
        response.set_cookie("session", "abc")
        return response

    async def text(request: web.Request) -> web.Response:
        return web.Response(text="plain")

    async def broken(request: web.Request) -> web.Response:
        return web.Response(status=500, text="boom")

    app = web.Application()
    app.router.add_post("/webhook", webhook)
    app.router.add_post("/text", text)
    app.router.add_post("/broken", broken)
    runner = web.AppRunner(app)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = site._server.sockets[0].getsockname()[1]
    yield f"http://127.0.0.1:{port}", seen
    await pooled_http.close_pooled_session()
    await runner.cleanup()


def endpoint(base: str, path: str = "webhook") -> EndpointConfig:
    return EndpointConfig(
        url=f"{base}/{path}",
        params={"fixed": "1"},
        headers={"X-Extra": "yes"},
        basic_auth={"username": "rasa", "password": "secret"},
        token="t0k",
    )


async def test_sends_what_rasa_sends(server):
    base, seen = server
    body = {"next_action": "action_x", "tracker": {"events": [{"text": "退款 / refund"}]}}
    ours = await endpoint(base).request(json=body, method="post", timeout=300)
    theirs = await pooled_http.PATCH.original(endpoint(base), json=body, method="post", timeout=300)
    assert ours == theirs == {"events": [], "responses": [{"text": "ok"}]}
    mine, rasa = (dict(s, peer=None) for s in seen)
    assert mine == rasa
    assert mine["query"] == {"fixed": "1", "token": "t0k"}
    assert mine["headers"]["Authorization"].startswith("Basic ")
    assert mine["body"] == body


async def test_calls_share_one_connection_and_keep_no_cookies(server):
    base, seen = server
    for _ in range(3):
        await endpoint(base).request(json={"n": 1})
    assert len({s["peer"] for s in seen}) == 1
    assert all("Cookie" not in s["headers"] for s in seen)


async def test_errors_and_non_json_answers_as_rasa(server):
    base, _ = server
    with pytest.raises(ClientResponseError) as error:
        await endpoint(base, "broken").request(json={})
    assert error.value.status == 500
    assert await endpoint(base, "text").request(json={}) is None
