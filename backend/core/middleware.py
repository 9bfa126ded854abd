"""The backend's own ASGI middleware: the service-token check.

It runs before FastAPI parses anything, so an unauthenticated request never reaches JSON decoding
or validation, and its answer is always the JSON error shape. The body limit and the access log
are the shared ones (``service_kit.middleware``).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers

from service_kit.errors import error_response
from service_kit.middleware import ASGIApp, Receive, Scope, Send, drain
from service_kit.security import bearer_token, tokens_match


class ServiceTokenMiddleware:
    """Require ``Authorization: Bearer <api_token>`` on every path but the public ones."""

    def __init__(self, app: ASGIApp, *, api_token: str, public_paths: Iterable[str]) -> None:
        self.app = app
        self.api_token = api_token
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request without the right token; hand every other one on untouched."""
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        if tokens_match(bearer_token(authorization), self.api_token):
            await self.app(scope, receive, send)
            return
        await drain(receive)
        code = "INVALID_TOKEN" if authorization else "AUTH_REQUIRED"
        message = (
            "The service token is wrong."
            if authorization
            else "Send the service token as 'Authorization: Bearer <token>'."
        )
        response = error_response(401, code, message, headers={"WWW-Authenticate": "Bearer"})
        await response(scope, receive, send)
