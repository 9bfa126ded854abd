"""Rasa's calls to the action server over kept-alive connections.

Target: ``EndpointConfig.request``.

Why: Rasa 3.6's ``EndpointConfig.request`` creates a new ``aiohttp.ClientSession`` for every
call: a new connector, so a new TCP connection (and a new connection for the action server's
Sanic to set up), closed right after. Custom actions run on most turns, several per turn in
the flows, and setting up a connection costs more than many an action's work. The call also
holds the turn's slot of ``addons.serving.turn_gate`` only while the answer is quick.

Why it is equivalent: ``pooled_request`` does what Rasa's method does — same URL, headers,
query parameters, basic auth, TLS context, compression, timeouts, errors and result — through
one session per event loop, whose connector keeps idle connections open for a couple of
seconds. The pooled session behaves like the fresh one it replaces: no cookies are kept
between calls (``DummyCookieJar``; a fresh session's jar was always empty), headers and auth
go on each request (sessions are shared by every endpoint), and the number of connections is
not capped (Rasa's sessions were not either). Idle connections are dropped after
``KEEPALIVE_SECONDS``, below the keep-alive of Sanic (5 s, the action server), so we never
send on a connection the server is about to close.

The request body (the tracker, sometimes the domain) is serialised by ``service_kit.fast_json``.
"""

from __future__ import annotations

import asyncio
import os
import ssl
import weakref
from typing import Any, Optional

import aiohttp
from rasa.core.constants import DEFAULT_REQUEST_TIMEOUT
from rasa.shared.exceptions import FileNotFoundException
from rasa.utils.endpoints import ClientResponseError, EndpointConfig, concat_url

from addons.serving import turn_gate
from addons.serving.patching import Patch
from service_kit.fast_json import dumps

KEEPALIVE_SECONDS = 2.0

_sessions: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, aiohttp.ClientSession] = (
    weakref.WeakKeyDictionary()
)


def pooled_session() -> aiohttp.ClientSession:
    """The running event loop's shared session (created on first use)."""
    loop = asyncio.get_running_loop()
    session = _sessions.get(loop)
    if session is None or session.closed:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=0, keepalive_timeout=KEEPALIVE_SECONDS),
            cookie_jar=aiohttp.DummyCookieJar(),
            timeout=aiohttp.ClientTimeout(total=DEFAULT_REQUEST_TIMEOUT),
            json_serialize=dumps,
        )
        _sessions[loop] = session
    return session


async def close_pooled_session() -> None:
    """Close the running loop's session, if any (tests; a server's session lives as long as
    its process)."""
    session = _sessions.pop(asyncio.get_running_loop(), None)
    if session is not None:
        await session.close()


async def pooled_request(
    self: EndpointConfig,
    method: str = "post",
    subpath: Optional[str] = None,
    content_type: Optional[str] = "application/json",
    compress: bool = False,
    **kwargs: Any,
) -> Optional[Any]:
    """``EndpointConfig.request`` through the shared session: the JSON answer, ``None`` when
    the answer is not JSON, ``ClientResponseError`` for a status of 400 or more."""
    headers: dict[str, Any] = {}
    if content_type:
        headers["Content-Type"] = content_type
    headers.update(kwargs.pop("headers", None) or {})
    headers.update(self.headers)

    auth = None
    if self.basic_auth:
        auth = aiohttp.BasicAuth(self.basic_auth["username"], self.basic_auth["password"])

    sslcontext = None
    if self.cafile:
        try:
            sslcontext = ssl.create_default_context(cafile=self.cafile)
        except FileNotFoundError as e:
            raise FileNotFoundException(
                f"Failed to find certificate file, '{os.path.abspath(self.cafile)}' does not exist."
            ) from e

    async with (
        turn_gate.away(),
        pooled_session().request(
            method,
            concat_url(self.url, subpath),
            headers=headers,
            auth=auth,
            params=self.combine_parameters(kwargs),
            compress=compress,
            ssl=sslcontext,
            **kwargs,
        ) as response,
    ):
        if response.status >= 400:
            raise ClientResponseError(
                response.status, response.reason, await response.content.read()
            )
        try:
            return await response.json()
        except aiohttp.ContentTypeError:
            return None


PATCH = Patch(
    "rasa.utils.endpoints.EndpointConfig.request",
    pooled_request,
    reviewed={"rasa.utils.endpoints.EndpointConfig.request": "480f9a615b358b0c"},
)
PATCHES = (PATCH,)


def install() -> None:
    """Sends Rasa's endpoint calls through the pooled session (idempotent)."""
    PATCH.install()
