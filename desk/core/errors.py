"""The desk's errors: the types and handlers of ``service_kit.errors``, answered as JSON for
the API and as pages for people, plus the redirect of a page request without a session.

The same exceptions raised under a page route render the error page instead of JSON, and a page
request without a session is redirected to the login page.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Optional
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response

from desk.core.metrics import ERRORS
from service_kit import errors
from service_kit.errors import (
    ApiError,
    AuthRequiredError,
    ConflictError,
    ForbiddenError,
    InvalidRequestError,
    NotFoundError,
    RateLimitedError,
    UpstreamError,
    error_response,
)

__all__ = [
    "ApiError",
    "AuthRequiredError",
    "ConflictError",
    "ForbiddenError",
    "InvalidRequestError",
    "LoginRequired",
    "NotFoundError",
    "RateLimitedError",
    "UpstreamError",
    "error_response",
    "install_error_handlers",
    "wants_json",
]

logger = logging.getLogger("desk.errors")

JSON_PREFIXES = ("/api/", "/healthz", "/metrics")


class LoginRequired(Exception):
    """A page was requested without a session: redirect to the login page."""

    def __init__(self, next_path: str = "/") -> None:
        super().__init__(next_path)
        self.next_path = next_path


PageRenderer = Callable[[Request, int, str, str], Response]


def wants_json(request: Request) -> bool:
    """API routes (and anything that is not a page) answer errors in JSON."""
    return request.url.path.startswith(JSON_PREFIXES)


def install_error_handlers(app: FastAPI, render_page: PageRenderer) -> None:
    """Map every exception onto the JSON error shape, or onto the error page for pages."""

    def respond(
        request: Request,
        status: int,
        code: str,
        message: str,
        details: Optional[dict[str, Any]],
        headers: Optional[dict[str, str]],
    ) -> Response:
        ERRORS.labels(code).inc()
        if wants_json(request):
            return error_response(status, code, message, details, headers)
        response = render_page(request, status, code, message)
        # A browser shown the error page must not be asked for Bearer credentials.
        for name, value in (headers or {}).items():
            if name.lower() != "www-authenticate":
                response.headers[name] = value
        return response

    errors.install_error_handlers(
        app, logger=logger, respond=respond, not_found_message="No such page or endpoint."
    )

    @app.exception_handler(LoginRequired)
    async def _login_required(request: Request, exc: LoginRequired) -> Response:
        return RedirectResponse(f"/login?next={quote(exc.next_path, safe='/')}", status_code=303)
