"""ASGI middleware: service-token check, request-size limit and access logging.

Both checks run before FastAPI parses anything, so an unauthenticated or oversized request never
reaches JSON decoding or validation, and its answer is always the JSON error shape.
"""

from __future__ import annotations

import logging
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from typing import Any

from starlette.datastructures import Headers

from backend.core.errors import error_response
from backend.core.security import bearer_token_matches

Scope = dict[str, Any]
Message = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

access_logger = logging.getLogger("backend.access")

# Bodies refused early are still read (up to this much) so the client gets a clean answer
# instead of a reset connection while it is still sending.
_DRAIN_LIMIT = 8 * 1024 * 1024


async def _drain(receive: Receive, limit: int = _DRAIN_LIMIT) -> None:
    """Read and drop the rest of a request body, up to ``limit`` bytes."""
    seen = 0
    while seen <= limit:
        message = await receive()
        if message["type"] != "http.request":
            return
        seen += len(message.get("body", b""))
        if not message.get("more_body", False):
            return


class RequestGuardMiddleware:
    """Require the bearer token (except on public paths) and cap the request body size."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api_token: str,
        max_body_bytes: int,
        public_paths: Iterable[str],
    ) -> None:
        self.app = app
        self.api_token = api_token
        self.max_body_bytes = max_body_bytes
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Check one HTTP request, then hand it on with its body buffered."""
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        if scope["path"] not in self.public_paths:
            authorization = headers.get("authorization")
            if not bearer_token_matches(authorization, self.api_token):
                await _drain(receive)
                code = "INVALID_TOKEN" if authorization else "AUTH_REQUIRED"
                message = (
                    "The service token is wrong."
                    if authorization
                    else "Send the service token as 'Authorization: Bearer <token>'."
                )
                response = error_response(
                    401, code, message, headers={"WWW-Authenticate": "Bearer"}
                )
                await response(scope, receive, send)
                return

        declared = headers.get("content-length")
        if declared is not None:
            if not declared.isdigit():
                response = error_response(400, "BAD_REQUEST", "Invalid Content-Length header.")
                await response(scope, receive, send)
                return
            if int(declared) > self.max_body_bytes:
                await _drain(receive)
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
                    await _drain(receive)
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

    Query strings are left out of the log (the reset page's carries a challenge id).
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

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
            access_logger.info(
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
