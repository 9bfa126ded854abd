"""ASGI middleware every service runs: request-body limit and access log.

The size check runs before FastAPI parses anything, so an oversized request never reaches JSON
decoding, form parsing or validation, and its answer is always the JSON error shape. A request
refused early still has its body read (up to a bound, see :func:`drain`), so the client gets a
clean answer instead of a reset connection while it is still sending.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.datastructures import Headers

from service_kit.errors import error_response

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

# How much of a refused body is still read before the answer goes out.
DRAIN_LIMIT = 8 * 1024 * 1024


async def drain(receive: Receive, limit: int = DRAIN_LIMIT) -> None:
    """Read and drop the rest of a request body, up to ``limit`` bytes."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class BodyLimitMiddleware:
    """Refuse request bodies larger than ``max_body_bytes`` with a JSON 413.

    Both the declared ``Content-Length`` and the bytes actually sent are checked (a client may
    stream without declaring a length); the accepted body is buffered and handed on whole.
    """

    def __init__(self, app: ASGIApp, *, max_body_bytes: int) -> None:
        self.app = app
        self.max_body_bytes = max_body_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check the declared and the actual size, then hand the buffered body on."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = Headers(scope=scope).get("content-length")
        if declared is not None:
            if not declared.isdigit():
                response = error_response(400, "BAD_REQUEST", "Invalid Content-Length header.")
                await response(scope, receive, send)
                return
            if int(declared) > self.max_body_bytes:
                await drain(receive)
                await self._too_large(scope, receive, send)
                return
        chunks: list[bytes] = []
        size = 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > self.max_body_bytes:
                if message.get("more_body", False):
                    await drain(receive)
                await self._too_large(scope, receive, send)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body = b"".join(chunks)
        delivered = False

        async def replay() -> Message:
            nonlocal delivered
            if not delivered:
                delivered = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send) -> None:
        response = error_response(
            413,
            "PAYLOAD_TOO_LARGE",
            f"The request body is larger than {self.max_body_bytes} bytes.",
        )
        await response(scope, receive, send)


class AccessLogMiddleware:
    """Log one structured line per request: method, path, status, time, request and conversation.

    Query strings are never logged (they can carry a challenge id or a token). The request id
    is the caller's ``X-Request-ID`` or a new one, and is sent back with the response.
    """

    def __init__(
        self, app: ASGIApp, *, logger: logging.Logger, quiet_prefixes: Iterable[str] = ()
    ) -> None:
        self.app = app
        self.logger = logger
        # Paths not worth a line each (static assets).
        self.quiet_prefixes = tuple(quiet_prefixes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Time the request and log its outcome."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        request_id = headers.get("x-request-id") or uuid.uuid4().hex
        conversation_id = headers.get("x-conversation-id")
        started = time.perf_counter()
        status = {"code": 500}

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                raw = list(message.get("headers", []))
                raw.append((b"x-request-id", request_id.encode("latin-1", "replace")[:128]))
                message = {**message, "headers": raw}
            await send(message)

        try:
            await self.app(scope, receive, send_wrapper)
        finally:
            if not (self.quiet_prefixes and scope["path"].startswith(self.quiet_prefixes)):
                self.logger.info(
                    "request",
                    extra={
                        "method": scope.get("method"),
                        "path": scope.get("path"),
                        "status": status["code"],
                        "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                        "request_id": request_id[:128],
                        "conversation_id": (conversation_id or "")[:128] or None,
                    },
                )
