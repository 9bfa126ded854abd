"""The backend's own ASGI middleware: the service-token check, per caller.

It runs before FastAPI parses anything, so a request without a token, or with a token whose
caller may not make it (``backend.core.access``), never reaches JSON decoding or validation, and
its answer is always the JSON error shape. The body limit and the access log are the shared ones
(``service_kit.middleware``).
"""

from __future__ import annotations

from collections.abc import Iterable

from starlette.datastructures import Headers

from backend.core.access import CallerTokens, allowed_callers
from service_kit.errors import error_response
from service_kit.middleware import ASGIApp, Receive, Scope, Send, drain
from service_kit.security import bearer_token


class ServiceTokenMiddleware:
    """Require ``Authorization: Bearer <token>`` of a caller allowed to make the request, on
    every path but the public ones: 401 without a known token, 403 for another caller's route."""

    def __init__(self, app: ASGIApp, *, tokens: CallerTokens, public_paths: Iterable[str]) -> None:
        self.app = app
        self.tokens = tokens
        self.public_paths = frozenset(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Refuse a request its token does not allow; hand every other one on untouched."""
        if scope["type"] != "http" or scope["path"] in self.public_paths:
            await self.app(scope, receive, send)
            return
        authorization = Headers(scope=scope).get("authorization")
        caller = self.tokens.caller_of(bearer_token(authorization))
        if caller is not None and caller in allowed_callers(scope["method"], scope["path"]):
            await self.app(scope, receive, send)
            return
        await drain(receive)
        if caller is not None:
            response = error_response(
                403, "FORBIDDEN", f"The {caller.value} service token may not make this request."
            )
        elif authorization:
            response = error_response(
                401, "INVALID_TOKEN", "The service token is wrong.",
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        else:
            response = error_response(
                401, "AUTH_REQUIRED", "Send the service token as 'Authorization: Bearer <token>'.",
                headers={"WWW-Authenticate": "Bearer"},
            )  # fmt: skip
        await response(scope, receive, send)
